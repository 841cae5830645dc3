"""The team inbox in headless Chromium (#17): two members of one group mailbox. Anna
assigns a customer's mail to Ben, Ben finds it in "Assigned to me", writes an internal note
mentioning Anna, answers it and sets it done; a plain IMAP client then sees the keywords on
the message."""

import datetime
import imaplib
import ssl
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import MailServerCase
from .team_common import TeamMailboxMixin

RECEIVED = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiTeamInbox(TeamMailboxMixin, HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Ben and the customer (a real mailbox, so that Ben's answer is delivered somewhere)
        # come from the mixin.
        cls.anna = mail_new_test_user(
            cls.env, login="team_anna", groups="base.group_user", name="Anna Schäfer"
        )
        cls.sales.users += cls.anna
        cls.anna.dynaoffice_mail_undo_seconds = 0
        cls.create_owned_accounts()

    def keywords(self, subject):
        """The message's flags as a plain imaplib client (another mail program) sees them."""
        context = ssl.create_default_context(cadata=self.ca_pem)
        client = imaplib.IMAP4_SSL("localhost", self.ports.imaps, ssl_context=context)
        try:
            client.login(self.shared_address, self.shared_password)
            client.select("INBOX", readonly=True)
            _typ, data = client.uid("SEARCH", "SUBJECT", f'"{subject}"')
            uids = data[0].split()
            self.assertEqual(len(uids), 1)
            _typ, data = client.uid("FETCH", uids[0], "(FLAGS)")
            return set(imaplib.ParseFlags(data[0]))
        finally:
            client.logout()

    def test_anna_assigns_ben_answers_and_sets_done(self):
        offer = EmailMessage()
        offer["From"] = f"Kunde <{self.customer_address}>"
        offer["To"] = self.shared_address
        offer["Subject"] = "Angebot Fenster"
        offer["Message-ID"] = "<angebot-fenster@kunde.example>"
        offer.set_content("Bitte senden Sie uns ein Angebot.\n")
        self.servers.dovecot.write_messages(
            self.shared_address, [("INBOX", offer.as_bytes(), set(), RECEIVED)]
        )

        self.start_tour(CLIENT_URL, "dynaoffice_mail_team_assign", login=self.anna.login)
        handle = self.env["dynaoffice.mail.message"].search([("subject", "=", "Angebot Fenster")])
        self.assertEqual((handle.team_user_id, handle.team_status), (self.ben, "open"))
        self.assertEqual(handle.activity_ids.user_id, self.ben)

        self.start_tour(CLIENT_URL, "dynaoffice_mail_team_answer", login=self.ben.login)
        self.env.invalidate_all()
        self.assertEqual(handle.team_status, "done")
        # Ben's note on the mail: internal, and Anna, mentioned, is notified.
        (note,) = handle.message_ids.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(note.author_id, self.ben.partner_id)
        self.assertEqual(note.partner_ids, self.anna.partner_id)
        self.assertEqual(note.notification_ids.res_partner_id, self.anna.partner_id)
        flags = self.keywords("Angebot Fenster")
        self.assertLessEqual({b"$Odoo-Done", b"$Odoo-Assignee-mail_ben", b"\\Answered"}, flags)
        self.assertNotIn(b"$Odoo-Open", flags)
