"""Quoted mail cannot take over Odoo's page (issue #12), in headless Chromium.

Reply and forward put the original into the editor, which is part of Odoo's own page (the
reading pane's sandboxed frame is not). A mail that tries a full-screen overlay, negative
margins and transforms, and names its elements after `document`'s methods and Odoo's own
elements, is answered: the composer must stay usable and nothing may cover the page.
"""

import datetime
import email
import email.policy
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from .common import MailServerCase
from .hostile_report import record

CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
SUBJECT = "Ihr Gewinn wartet"
PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HOSTILE_HTML = f"""<html><head><style>.o_main_navbar {{ display: none }}</style></head>
<body style="margin: 0">
<div id="o_dynaoffice_mail_overlay" class="position-fixed top-0 start-0 vw-100 vh-100"
  style="position: fixed; inset: 0; z-index: 99999; background: rgba(190, 0, 0, 0.96);
  color: #fff; font-size: 40px; padding: 2em">Gewonnen! Hier klicken.</div>
<div style="position: absolute; top: 0; left: 0; width: 100vw; height: 100vh;
  z-index: 2147483647; background: #000; color: #fff">Sitzung abgelaufen</div>
<p style="margin-top: -9999px; margin-left: -50vw">Nach oben gezogen</p>
<div style="transform: translate(-40vw, -40vh) scale(30); background: #f0f">Verschoben</div>
<img name="querySelector" src="{PNG}" alt="Logo">
<form id="o_dynaoffice_mail_composer_subject" name="forms"><p>Formular</p></form>
<div id="o_dynaoffice_mail_composer_subject" class="o_main_navbar">Betreff</div>
<p style="color: #006633; font-weight: bold">Mit freundlichen Grüßen</p>
</body></html>
"""


@tagged("post_install", "-at_install")
class TestUiTrustQuotedHtml(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.personal_password = cls.personal.sudo()._decrypted_password("imap_password")
        # The hostile sender has a real mailbox, so that the reply can be delivered.
        cls.sender_address, cls.sender_password = cls.new_mailbox()

    def deliver(self, address, password, message):
        """Into the INBOX as any mail program puts it there: IMAP APPEND."""
        client = self.imap(address, password)
        try:
            client.append(
                "INBOX",
                message.as_bytes(),
                msg_time=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1),
            )
        finally:
            client.logout()

    def received(self, address, password, subject):
        client = self.imap(address, password)
        try:
            client.select_folder("INBOX", readonly=True)
            for data in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).values():
                parsed = email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
                if str(parsed["Subject"]) == subject:
                    return parsed
        finally:
            client.logout()
        return self.fail(f"{subject!r} did not arrive")

    def hostile_original(self, subject):
        original = EmailMessage()
        original["From"] = f"Gewinnspiel <{self.sender_address}>"
        original["To"] = self.personal_address
        original["Subject"] = subject
        original.set_content("Gewonnen! Hier klicken.\n")
        original.add_alternative(HOSTILE_HTML, subtype="html")
        self.deliver(self.personal_address, self.personal_password, original)

    def test_reply_and_forward_quote_the_same_way(self):
        """What the browser test shows for a reply holds for every way of quoting."""
        self.hostile_original("Gewinn zum Weiterleiten")
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", search={"subject": "Gewinn zum Weiterleiten"})
        uid = page["messages"][0]["uid"]
        for mode in ("reply", "reply_all", "forward"):
            body = account.client_compose(mode, "INBOX", page["uidvalidity"], uid)["body_html"]
            self.assertIn("Gewonnen! Hier klicken.", body, mode)
            self.assertIn("color: #006633", body, mode)
            for removed in ("position", "z-index", "inset", "transform", "-9999px", "name=", "id="):
                self.assertNotIn(removed, body, mode)

    def test_quoted_mail_does_not_cover_or_rename_the_page(self):
        self.hostile_original(SUBJECT)

        usable = False
        try:
            self.start_tour(CLIENT_URL, "dynaoffice_mail_trust_quoted_html", login=self.owner.login)
            reply = self.received(self.sender_address, self.sender_password, f"Re: {SUBJECT}")
            html = reply.get_body(("html",)).get_content()
            self.assertIn("Danke, kein Interesse.", html)
            self.assertIn("Gewonnen! Hier klicken.", html, "the original is quoted")
            self.assertIn("Mit freundlichen Grüßen", html)
            # The recipient gets the quote as the composer showed it.
            for removed in ("position", "z-index", "inset", "transform", "-9999px"):
                self.assertNotIn(removed, html)
            for removed in ('name="querySelector"', "o_dynaoffice_mail_composer_subject"):
                self.assertNotIn(removed, html)
            usable = True
        finally:
            # The page stayed usable, or it did not: counted either way, after the checks.
            record("forged_tried", 1)
            record("forged_refused", int(usable))
            record("forged_changed", int(not usable))
