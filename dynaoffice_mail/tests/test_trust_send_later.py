"""Scheduled mail is its sender's (#18): only he sends it now, moves or cancels it, in a
group mailbox too. Every call is made as the attacker makes it: JSON-RPC as a logged-in user
(another member of the group, a mail administrator outside it, an Odoo administrator, a
portal user), through the group's account and through an account of his own."""

import datetime

from odoo.tests import tagged

from .common import RpcAttackCase

MODEL = "dynaoffice.mail.account"
OUTBOX = "dynaoffice.mail.outbox"


@tagged("post_install", "-at_install")
class TestTrustSendLater(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.colleague = cls.env["res.users"].create(
            {
                "name": "Carla Colleague",
                "login": "mail_colleague",
                "password": "mail_colleague",
                "groups_id": [(6, 0, [cls.env.ref("base.group_user").id, cls.sales.id])],
            }
        )
        cls.partner, _password = cls.new_mailbox()

    def schedule(self):
        shared = self.shared.with_user(self.member)
        values = shared.client_compose("new")
        values.update(to=[self.partner], subject="Gruppenpost geplant", body_html="<p>x</p>")
        at = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(days=1)
        return shared.client_send_later(values, at.isoformat())["entry_id"]

    def test_nobody_but_the_sender_touches_a_scheduled_mail(self):
        entry_id = self.schedule()
        entry = self.env[OUTBOX].sudo().browse(entry_id)

        def state():
            entry.invalidate_recordset()
            return entry.exists() and (entry.state, entry.send_after, entry.user_id.id)

        # The colleague's own view of the group mailbox does not list it.
        answer = self.rpc(self.colleague, MODEL, "client_scheduled", [[self.shared.id]])
        self.assertEqual(answer["result"], [])
        own = (
            self.env[MODEL]
            ._without_connection_test()
            .sudo()
            .create(
                dict(
                    self.account_values(*self.new_mailbox()),
                    user_id=self.mail_admin.id,
                )
            )
        )
        calls = (
            ("client_scheduled_cancel", [entry_id]),
            ("client_scheduled_send_now", [entry_id]),
            ("client_scheduled_reschedule", [entry_id, "tomorrow"]),
        )
        for user, account in (
            (self.colleague, self.shared),
            (self.mail_admin, self.shared),
            (self.admin, self.shared),
            (self.portal, self.shared),
            (self.owner, self.personal),
            (self.mail_admin, own),
        ):
            for method, args in calls:
                self.assert_forgery_refused(user, MODEL, method, [[account.id], *args], state=state)
        self.assertEqual(state()[0], "queued")
        # The sender may.
        answer = self.rpc(
            self.member, MODEL, "client_scheduled_cancel", [[self.shared.id], entry_id]
        )
        self.assertIn("result", answer, answer)
        self.assertFalse(entry.exists())
