"""The user's preference "desktop notification for new mail": each user sets their own (in
the Preferences, over RPC as the form saves it), nobody another's; the client reads it from
the session."""

import json

from .common import RpcAttackCase


class TestNotifyPreference(RpcAttackCase):
    def test_the_user_sets_their_own(self):
        self.assertFalse(self.owner.dynaoffice_mail_notify_desktop, "off unless asked for")
        answer = self.rpc(
            self.owner,
            "res.users",
            "write",
            [[self.owner.id], {"dynaoffice_mail_notify_desktop": True}],
        )
        self.assertTrue(answer.get("result"), answer)
        self.env.invalidate_all()
        self.assertTrue(self.owner.dynaoffice_mail_notify_desktop)
        read = self.rpc(
            self.owner, "res.users", "read", [[self.owner.id], ["dynaoffice_mail_notify_desktop"]]
        )
        self.assertEqual(read["result"][0]["dynaoffice_mail_notify_desktop"], True)
        # The client has it from the session, without a call of its own.
        response = self.url_open(
            "/web/session/get_session_info",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertIs(response.json()["result"]["dynaoffice_mail_notify_desktop"], True)

    def test_nobody_sets_another_users(self):
        other = self.other

        def state():
            return other.sudo().read(["dynaoffice_mail_notify_desktop"])[0]

        for attacker in (self.owner, self.mail_admin, self.portal):
            with self.subTest(attacker=attacker.login):
                self.assert_forgery_refused(
                    attacker,
                    "res.users",
                    "write",
                    [[other.id], {"dynaoffice_mail_notify_desktop": True}],
                    state=state,
                )
