"""Writing mail in the client, in headless Chromium: what arrives is checked over IMAP in the
recipient's real mailbox, and the writer's Sent, Drafts and Inbox after."""

import datetime
import email
import email.policy
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from .common import MailServerCase

RECEIVED = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiMailCompose(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.personal.signature = "<p>Olga Owner<br>Vertrieb</p>"
        cls.personal_password = cls.personal.sudo()._decrypted_password("imap_password")
        # The other side: a second real mailbox, known to Odoo as a contact.
        cls.partner_address, cls.partner_password = cls.new_mailbox()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Jürgen Weiß", "email": cls.partner_address}
        )

    def messages(self, address, password, folder="INBOX"):
        """{subject: (parsed message, flags)} of a folder, as any IMAP client reads it."""
        with self.imap(address, password) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            fetched = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
        found = {}
        for data in fetched.values():
            parsed = email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
            found[str(parsed["Subject"])] = (parsed, set(data[b"FLAGS"]))
        return found

    def test_reply_with_attachment(self):
        original = EmailMessage()
        original["From"] = f"Jürgen Weiß <{self.partner_address}>"
        original["To"] = self.personal_address
        original["Subject"] = "Anfrage Termin"
        original["Message-ID"] = "<anfrage-termin@dynaoffice.test>"
        original.set_content("Passt Ihnen Dienstag?\n")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", original.as_bytes(), set(), RECEIVED)]
        )
        self.start_tour(CLIENT_URL, "dynaoffice_mail_compose_reply", login=self.owner.login)

        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Re: Anfrage Termin"
        ]
        self.assertEqual(received["In-Reply-To"], "<anfrage-termin@dynaoffice.test>")
        self.assertIn("<anfrage-termin@dynaoffice.test>", received["References"])
        self.assertIn(self.personal_address, str(received["From"]))
        html = received.get_body(("html",)).get_content()
        self.assertIn("Dienstag passt, das Angebot liegt bei.", html)
        self.assertLess(
            html.index("Dienstag passt"), html.index("Passt Ihnen Dienstag?"), "above the quote"
        )
        self.assertIn("Dienstag passt", received.get_body(("plain",)).get_content())
        files = {
            part.get_filename(): part.get_payload(decode=True)
            for part in received.iter_attachments()
        }
        self.assertEqual(files, {"angebot.txt": "Größe M: 4711 Stück\n".encode()})

        self.assertIn(
            "Re: Anfrage Termin",
            self.messages(self.personal_address, self.personal_password, "Sent"),
        )
        _original, flags = self.messages(self.personal_address, self.personal_password)[
            "Anfrage Termin"
        ]
        self.assertIn(b"\\Answered", flags)

    def test_draft_saved_reopened_and_sent(self):
        self.start_tour(CLIENT_URL, "dynaoffice_mail_compose_draft", login=self.owner.login)

        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Termin nächste Woche"
        ]
        self.assertIn(self.partner_address, str(received["To"]))
        self.assertIn(
            "Dienstag um 10 Uhr, Raum 2.",
            received.get_body(("html",)).get_content(),
            "the change saved on leaving",
        )
        self.assertNotIn("juergen.example.com", str(received["To"]))
        files = {
            part.get_filename(): part.get_payload(decode=True)
            for part in received.iter_attachments()
        }
        self.assertEqual(files, {"agenda.txt": b"1. Angebot\n2. Termine\n"})
        self.assertEqual(
            self.messages(self.personal_address, self.personal_password, "Drafts"),
            {},
            "sending removed the draft, discarding left none",
        )
        self.assertIn(
            "Termin nächste Woche",
            self.messages(self.personal_address, self.personal_password, "Sent"),
        )

    def test_write_email_from_a_contact(self):
        self.start_tour(
            f"/odoo/res.partner/{self.partner.id}",
            "dynaoffice_mail_compose_from_contact",
            login=self.owner.login,
        )
