"""Assigning mail to a contact in headless Chromium, on a real Dovecot mailbox: the chatter
holds the mail afterwards and the server has the keyword other mail programs see."""

import datetime
import secrets
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from .common import MailServerCase, build_message

RECEIVED = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
KEYWORD = b"$Odoo-Assigned"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8


@tagged("post_install", "-at_install")
class TestUiMailAssign(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Contact Creation, as Odoo gives every new user: posting on a contact needs it.
        cls.owner.groups_id += cls.env.ref("base.group_partner_manager")
        cls.customer_address = f"juergen-{secrets.token_hex(3)}@weiss-bau.example"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jürgen Weiß", "email": cls.customer_address}
        )

    def setUp(self):
        super().setUp()
        # A fresh mailbox for each test: what one test assigned stays on the server.
        self.create_owned_accounts()
        self.password = self.personal.sudo()._decrypted_password("imap_password")

    def deliver_offer_and_newsletter(self):
        """A customer's offer (his contact has his address) and a newsletter; the offer's
        Message-ID."""
        offer = EmailMessage()
        offer["From"] = f"Jürgen Weiß <{self.customer_address}>"
        offer["To"] = self.personal_address
        offer["Subject"] = "Angebot Dachsanierung"
        offer["Message-ID"] = message_id = f"<{secrets.token_hex(8)}@weiss-bau.example>"
        offer.set_content("Wir bieten Ihnen die Dachsanierung zum Festpreis an.\n")
        newsletter = build_message("Wochenmarkt", sender="markt@example.org")
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("INBOX", newsletter, set(), RECEIVED),
                ("INBOX", offer.as_bytes(), set(), RECEIVED),
            ],
        )
        return message_id

    def assert_assigned_offer_only(self, message_id):
        """The offer is in the contact's chatter once, and marked on the server; the
        newsletter is not."""
        entries = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        posted = entries.filtered(lambda entry: entry.message_id == message_id)
        self.assertEqual(len(posted), 1, "the mail is in the contact's chatter, once")
        self.assertIn("Wir bieten Ihnen die Dachsanierung", str(posted.body))
        self.assertEqual(posted.subject, "Angebot Dachsanierung")
        with self.imap(self.personal_address, self.password) as client:
            client.select_folder("INBOX", readonly=True)
            flags = {
                data[b"ENVELOPE"].subject.decode(): set(data[b"FLAGS"])
                for data in client.fetch(client.search("ALL"), ["ENVELOPE", "FLAGS"]).values()
            }
        self.assertIn(KEYWORD, flags["Angebot Dachsanierung"])
        self.assertNotIn(KEYWORD, flags["Wochenmarkt"], "only the assigned message is marked")

    def test_assign_to_the_senders_contact_and_back_from_its_chatter(self):
        message_id = self.deliver_offer_and_newsletter()
        self.start_tour(CLIENT_URL, "dynaoffice_mail_assign", login=self.owner.login)
        self.assert_assigned_offer_only(message_id)

    def test_file_the_source_and_the_attachment_onto_the_senders_contact(self):
        offer = EmailMessage()
        offer["From"] = f"Jürgen Weiß <{self.customer_address}>"
        offer["To"] = self.personal_address
        offer["Subject"] = "Angebot mit Anlage"
        offer["Message-ID"] = f"<{secrets.token_hex(8)}@weiss-bau.example>"
        offer.set_content("Anbei unser Angebot.\n")
        offer.add_attachment(PDF, maintype="application", subtype="pdf", filename="Angebot.pdf")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", offer.as_bytes(), set(), RECEIVED)]
        )
        self.start_tour(CLIENT_URL, "dynaoffice_mail_file_to_record", login=self.owner.login)
        files = self.env["ir.attachment"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)], order="id"
        )
        self.assertEqual(files.mapped("name"), ["Angebot mit Anlage.eml", "Angebot.pdf"])
        self.assertEqual(files[1].raw, PDF)
        self.assertIn(b"Subject: Angebot mit Anlage", files[0].raw)

    def test_server_action_on_checked_mail_and_the_contacts_mail_across_mailboxes(self):
        message_id = self.deliver_offer_and_newsletter()
        self.start_tour(
            CLIENT_URL, "dynaoffice_mail_assign_actions_and_search", login=self.owner.login
        )
        self.assert_assigned_offer_only(message_id)
