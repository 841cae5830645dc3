"""Printing a message: the print view's route, as the owner, other users and an attacker's
mail see it (subject and headers escaped, no script, no remote image unless allowed)."""

import datetime
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from .common import MailServerCase

RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
SUBJECT = "<script>alert('subject')</script> Angebot & Preise"


def hostile_offer():
    """A message whose every header and its body try to run or load something."""
    message = EmailMessage()
    message["From"] = '"Eve <b>Bold</b>" <eve@example.com>'
    message["To"] = "team@example.com"
    message["Cc"] = "Chef <chef@example.com>"
    message["Subject"] = SUBJECT
    message["Date"] = "Mon, 02 Mar 2026 09:00:00 +0100"
    message["Message-ID"] = "<offer-1@example.com>"
    message.set_content("Angebot in Text\n")
    message.add_alternative(
        "<html><body><p>Unser Angebot</p>"
        "<img src='https://tracker.example.net/p.gif?u=1' alt='t'>"
        "<script>window.top.document.title='PWNED'</script></body></html>",
        subtype="html",
    )
    message.add_attachment(
        b"%PDF-1.4\n%%EOF\n", maintype="application", subtype="pdf", filename="Größe & März.pdf"
    )
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestClientPrint(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.servers.dovecot.write_messages(
            cls.personal_address, [("INBOX", hostile_offer(), set(), RECEIVED)]
        )

    def setUp(self):
        super().setUp()
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX")
        self.message = account.client_message(
            "INBOX", page["uidvalidity"], page["messages"][0]["uid"]
        )

    def test_owner_prints_the_message_with_every_header_escaped(self):
        self.owner.tz = "America/New_York"
        print_url = self.message["print_url"]
        self.assertTrue(print_url.startswith(f"/dynaoffice_mail/print/{self.personal.id}?"))
        self.authenticate(self.owner.login, self.owner.login)
        response = self.url_open(print_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Cache-Control"], "private, no-store")
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertNotIn("script-src", policy)
        self.assertNotIn("https:", policy)
        page = response.text
        self.assertNotIn("<script", page)
        self.assertIn("&lt;script&gt;alert(", page)
        self.assertIn("Angebot &amp; Preise", page)
        self.assertIn("&lt;b&gt;Bold&lt;/b&gt;", page)
        self.assertNotIn("<b>Bold", page)
        self.assertIn("eve@example.com", page)
        self.assertIn("team@example.com", page)
        self.assertIn("chef@example.com", page)
        self.assertIn("Unser Angebot", page)
        self.assertIn("Größe &amp; März.pdf", page)
        # 09:00 +01:00 is 03:00 in New York.
        self.assertIn("3:00:00", page)
        self.assertNotIn("9:00:00", page)
        self.assertIn("@media print", page)
        self.assertNotIn("tracker.example.net", page)

    def test_remote_images_only_when_allowed(self):
        self.authenticate(self.owner.login, self.owner.login)
        response = self.url_open(self.message["print_url"] + "&remote=1")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "img-src 'self' data: https: http:", response.headers["Content-Security-Policy"]
        )
        self.assertIn("tracker.example.net", response.text)
        self.assertNotIn("<script", response.text)

    def test_other_users_get_nothing(self):
        for user in (self.other, self.member, self.admin):
            self.authenticate(user.login, user.login)
            response = self.url_open(self.message["print_url"])
            self.assertIn(response.status_code, (403, 404), user.login)
            self.assertNotIn(b"Unser Angebot", response.content)
            self.assertNotIn(b"Angebot &amp; Preise", response.content)

    def test_a_malformed_message_prints_with_its_source(self):
        """The reading pane shows a message it cannot take apart with its source; printed,
        it was a blank page under its headers."""
        malformed = (
            b"From: Broken <broken@example.com>\r\nSubject: Kaputt\r\nMIME-Version: 1.0\r\n"
            + b"".join(
                f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
                for i in range(40)
            )
            + b"Content-Type: text/plain\r\n\r\nDer Text <b>innen</b>\r\n"
        )
        self.servers.dovecot.write_messages(
            self.personal_address, [("Kaputt", malformed, set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("Kaputt")
        message = account.client_message("Kaputt", page["uidvalidity"], page["messages"][0]["uid"])
        self.assertTrue(message["error"])
        self.env["res.lang"]._activate_lang("de_DE")
        addon = self.env["ir.module.module"].search([("name", "=", "dynaoffice_mail")])
        addon._update_translations(["de_DE"])
        self.owner.lang = "de_DE"
        self.authenticate(self.owner.login, self.owner.login)
        response = self.url_open(message["print_url"])
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("Diese E-Mail ist fehlerhaft aufgebaut", page)
        self.assertIn("Quelltext der E-Mail", page)
        self.assertIn("Der Text &lt;b&gt;innen&lt;/b&gt;", page)
        self.assertNotIn("<b>innen", page)

    def test_a_malformed_reference_is_refused(self):
        self.authenticate(self.owner.login, self.owner.login)
        url = self.message["print_url"].replace("uid=", "uid=x")
        self.assertEqual(self.url_open(url).status_code, 400)
