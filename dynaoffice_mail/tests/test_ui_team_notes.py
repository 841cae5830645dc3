"""The team inbox in headless Chromium (real Dovecot): an internal note with a mention,
written in the reading pane of a group mailbox (the colleague is notified, the customer is
not), and "Ben is replying" in the pane and the composer."""

from odoo.tests import HttpCase, tagged

from .common import MailServerCase
from .team_common import TeamMailboxMixin

CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiTeamNotes(TeamMailboxMixin, HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Bernd Kunde", "email": cls.customer_address}
        )

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.uidvalidity, self.uid = self.customer_mail("Reklamation Lieferung")

    def test_a_note_mentioning_a_colleague_in_the_reading_pane(self):
        self.start_tour(CLIENT_URL, "dynaoffice_mail_team_notes", login=self.member.login)
        handle = self.env["dynaoffice.mail.message"].search([("account_id", "=", self.shared.id)])
        (note,) = handle.message_ids.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.author_id, self.member.partner_id)
        self.assertEqual(note.partner_ids, self.ben.partner_id)
        self.assertEqual(note.notification_ids.res_partner_id, self.ben.partner_id)
        self.assertNotIn(self.customer, handle.message_partner_ids)

    def test_the_pane_and_the_composer_say_who_is_replying(self):
        bens = self.shared.with_user(self.ben)
        message_id = bens.client_compose("reply", "INBOX", self.uidvalidity, self.uid)[
            "in_reply_to"
        ]
        bens.client_replying(message_id)
        self.start_tour(CLIENT_URL, "dynaoffice_mail_team_replying", login=self.member.login)
