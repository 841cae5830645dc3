"""An internal note with a mention, written in the reading pane of a group mailbox in
headless Chromium (real Dovecot): the colleague is notified, the customer is not."""

import datetime

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import MailServerCase, build_message

RECEIVED = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiTeamNotes(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ben = mail_new_test_user(
            cls.env, login="mail_ben", groups="base.group_user", name="Ben Becker"
        )
        cls.sales.users += cls.ben
        cls.customer_address = "reklamation@kunde.example"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Bernd Kunde", "email": cls.customer_address}
        )

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.servers.dovecot.write_messages(
            self.shared_address,
            [
                (
                    "INBOX",
                    build_message("Reklamation Lieferung", sender=self.customer_address),
                    set(),
                    RECEIVED,
                )
            ],
        )

    def test_a_note_mentioning_a_colleague_in_the_reading_pane(self):
        self.start_tour(CLIENT_URL, "dynaoffice_mail_team_notes", login=self.member.login)
        handle = self.env["dynaoffice.mail.message"].search([("account_id", "=", self.shared.id)])
        (note,) = handle.message_ids.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.author_id, self.member.partner_id)
        self.assertEqual(note.partner_ids, self.ben.partner_id)
        self.assertEqual(note.notification_ids.res_partner_id, self.ben.partner_id)
        self.assertNotIn(self.customer, handle.message_partner_ids)
