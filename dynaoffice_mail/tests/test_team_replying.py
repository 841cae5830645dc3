"""Who is replying to a group mailbox's mail (composers open, drafts in Drafts), and replies
from the team's address with the member's name (real Dovecot, real SMTP)."""

import datetime
import json

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..roles import team
from .common import RpcAttackCase
from .team_common import TeamMailboxMixin


@tagged("post_install", "-at_install")
class TestTeamReplying(TeamMailboxMixin, RpcAttackCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.uidvalidity, self.uid = self.customer_mail("Angebot Dachrinne")
        self.anna = self.shared.with_user(self.member)
        self.bens = self.shared.with_user(self.ben)
        self.last_bus_id = self.env["bus.bus"].sudo()._bus_last_id()

    def notices(self):
        """{partner id: [payload]} of the "who is replying" notices on the bus."""
        self.env.cr.precommit.run()
        self.env.cr.execute(
            "SELECT channel, message FROM bus_bus WHERE id > %s ORDER BY id", (self.last_bus_id,)
        )
        found = {}
        for channel, message in self.env.cr.fetchall():
            message = json.loads(message)
            if message["type"] == team.REPLYING_NOTIFICATION:
                _db, _model, partner_id = json.loads(channel)
                found.setdefault(partner_id, []).append(message["payload"])
        return found

    def test_a_colleague_replying_is_shown_to_the_others_until_the_composer_closes(self):
        values = self.bens.client_compose("reply", "INBOX", self.uidvalidity, self.uid)
        message_id = values["in_reply_to"]
        self.assertTrue(message_id)
        self.assertEqual(self.anna.client_who_is_replying(message_id), {"users": [], "drafts": 0})

        answer = self.bens.client_replying(message_id)
        self.assertEqual(answer, {"users": [], "drafts": 0, "heartbeat": team.REPLYING_HEARTBEAT})
        ben = {"id": self.ben.id, "name": "Ben Becker"}
        self.assertEqual(self.anna.client_who_is_replying(message_id)["users"], [ben])
        # Both members' browsers hear it at once; nobody outside the group does.
        notices = self.notices()
        for user in (self.member, self.ben):
            self.assertEqual(
                notices[user.partner_id.id],
                [{"account_id": self.shared.id, "message_id": message_id, "users": [ben]}],
            )
        for user in (self.other, self.admin, self.owner):
            self.assertNotIn(user.partner_id.id, notices)
        # The heartbeat again: no news, nothing on the bus.
        self.last_bus_id = self.env["bus.bus"].sudo()._bus_last_id()
        self.bens.client_replying(message_id)
        self.assertEqual(self.notices(), {})

        # Ben's draft in the group's Drafts counts for Anna, not for Ben's own composer.
        values.update(body_html="<p>Wir melden uns</p>")
        values.update(self.bens.client_save_draft(values))
        self.assertEqual(self.anna.client_who_is_replying(message_id)["drafts"], 1)
        self.assertEqual(self.bens.client_replying(message_id, values["draft"])["drafts"], 0)

        # Ben closes his composer: he is no longer replying (the draft stays in Drafts).
        self.bens.client_replying_done(message_id)
        self.assertEqual(self.anna.client_who_is_replying(message_id), {"users": [], "drafts": 1})
        self.assertEqual(self.notices()[self.member.partner_id.id][-1]["users"], [])

    def test_a_composer_gone_silent_or_a_member_gone_no_longer_counts(self):
        message_id = self.bens.client_compose("reply", "INBOX", self.uidvalidity, self.uid)[
            "in_reply_to"
        ]
        self.bens.client_replying(message_id)
        rows = self.env[team.REPLYING].sudo().search([("message_id", "=", message_id)])
        self.assertEqual(rows.user_id, self.ben)
        # Ben's tab closed without a word: after the window he no longer replies ...
        rows.seen_at = fields.Datetime.now() - datetime.timedelta(seconds=team.REPLYING_WINDOW + 1)
        self.assertEqual(self.anna.client_who_is_replying(message_id)["users"], [])
        # ... and when his composer speaks again, that is news for the others.
        self.last_bus_id = self.env["bus.bus"].sudo()._bus_last_id()
        self.bens.client_replying(message_id)
        self.assertIn(self.member.partner_id.id, self.notices())
        # Ben left the group: his open composer does not count any more.
        self.sales.users -= self.ben
        self.assertEqual(self.anna.client_who_is_replying(message_id)["users"], [])

    def test_only_members_of_group_mailboxes_ask_or_say_over_rpc(self):
        message_id = self.bens.client_compose("reply", "INBOX", self.uidvalidity, self.uid)[
            "in_reply_to"
        ]
        self.bens.client_replying(message_id)

        def rows():
            return self.env[team.REPLYING].sudo().search([]).read(["user_id", "seen_at"])

        for user in (self.other, self.admin, self.mail_admin, self.portal):
            for method, args in (
                ("client_who_is_replying", [message_id]),
                ("client_replying", [message_id]),
                ("client_replying_done", [message_id]),
            ):
                with self.subTest(user=user.login, method=method):
                    self.assert_forgery_refused(
                        user,
                        "dynaoffice.mail.account",
                        method,
                        [[self.shared.id], *args],
                        state=rows,
                    )
        # Not a Message-ID: refused before it reaches the table or the server.
        for bad in ("<a@b>\r\nX-Evil: 1", "kein-message-id", "<" + "a" * 1000 + "@b>"):
            with self.assertRaises(UserError):
                self.anna.client_replying(bad)
        # A personal mailbox has no team.
        personal = self.personal.with_user(self.owner)
        with self.assertRaises(UserError):
            personal.client_who_is_replying(message_id)

    # -- replies from the team's address ----------------------------------------------------

    def test_a_reply_from_the_team_names_the_member_where_the_account_says_so(self):
        self.shared.write({"sender_name": "Vertrieb"})
        values = self.anna.client_compose("reply", "INBOX", self.uidvalidity, self.uid)
        self.assertEqual(values["from_display"], f"Vertrieb <{self.shared_address}>")

        self.shared.write({"sender_names_member": True})
        # A name with a line break in it (set over RPC) stays one line in the header.
        self.member.name = "Maria Member\r\nBcc: spion@example.com"
        values = self.anna.client_compose("reply", "INBOX", self.uidvalidity, self.uid)
        self.assertEqual(
            values["from_display"],
            f'"Maria Member Bcc: spion@example.com (Vertrieb)" <{self.shared_address}>',
        )
        self.member.name = "Anna Schäfer"
        values = self.anna.client_compose("reply", "INBOX", self.uidvalidity, self.uid)
        values.update(body_html="<p>Gerne</p>")
        self.assertTrue(self.anna.client_send(values)["sent"])
        ((received, _flags),) = self.fetch_all(self.customer_address, self.customer_password)
        self.assertEqual(received["From"].addresses[0].display_name, "Anna Schäfer (Vertrieb)")
        self.assertEqual(received["From"].addresses[0].addr_spec, self.shared_address)
        self.assertIsNone(received["Bcc"])
        ((copy, _flags),) = self.fetch_all(self.shared_address, self.shared_password, "Sent")
        self.assertEqual(str(copy["From"]), str(received["From"]))

        # A personal account has no such option: the owner's own name, whatever is stored.
        self.personal.sudo().write({"sender_names_member": True, "sender_name": "Olga"})
        values = self.personal.with_user(self.owner).client_compose("new")
        self.assertEqual(values["from_display"], f"Olga <{self.personal_address}>")

    def test_a_member_with_a_very_long_name_still_sends_from_the_team(self):
        # Her own name, as she may write it in her preferences; the mailbox's name in full.
        self.shared.write({"sender_name": "Vertrieb Süd", "sender_names_member": True})
        long_name = "Anna " + "Schäfer-" * 30
        self.member.with_user(self.member).write({"name": long_name})
        values = self.anna.client_compose("reply", "INBOX", self.uidvalidity, self.uid)
        values.update(body_html="<p>Gerne</p>")
        self.assertTrue(self.anna.client_send(values)["sent"])
        self.addCleanup(self.empty_customer_inbox)
        ((received, _flags),) = self.fetch_all(self.customer_address, self.customer_password)
        sender = received["From"].addresses[0]
        self.assertEqual(sender.addr_spec, self.shared_address)
        # Her name shortened to leave the 200 characters room for the mailbox's, whole.
        expected = long_name[:184] + "\N{HORIZONTAL ELLIPSIS} (Vertrieb Süd)"
        self.assertEqual(len(expected), 200)
        # (Compared without blanks: a long encoded name may come back with a blank where
        # the header was folded.)
        self.assertEqual("".join(sender.display_name.split()), "".join(expected.split()))

    def empty_customer_inbox(self):
        client = self.imap(self.customer_address, self.customer_password)
        try:
            client.select_folder("INBOX")
            client.delete_messages(client.search())
            client.expunge()
        finally:
            client.logout()
