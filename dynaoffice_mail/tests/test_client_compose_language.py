"""Replies and forwards written as the user's language writes them: a German user answers
"AW:", forwards "WG:", quotes "Am 29.11.2026 um 20:32 schrieb ...:" in their own time zone
and gets a German header block; an English user keeps "Re:" / "Fwd:" / "On ... wrote:".
"""

from odoo.tests import tagged

from .common import build_message
from .test_client_compose import RECEIVED, ComposeCase

SENT = "Sun, 29 Nov 2026 19:32:00 +0000"  # 20:32 in Berlin


@tagged("post_install", "-at_install")
class TestClientComposeLanguage(ComposeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.sender = f"Anna Absender <{cls.partner_address}>"
        cls.quoted_sender = f"Anna Absender &lt;{cls.partner_address}&gt;"

    def _compose(self, lang, mode, subject):
        self.owner.write({"lang": lang, "tz": "Europe/Berlin"})
        original = build_message(subject, sender=self.sender, date=SENT)
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", original, set(), RECEIVED)]
        )
        # The web client sends the user's language in the context of every call.
        account = self.personal.with_user(self.owner).with_context(lang=lang)
        page = account.client_page("INBOX", search={"subject": subject})
        uid = page["messages"][0]["uid"]
        return account.client_compose(mode, "INBOX", page["uidvalidity"], uid)

    def test_a_german_user_answers_aw_with_a_german_quote_line(self):
        values = self._compose("de_DE", "reply", "Re: Angebot Alpha")
        self.assertEqual(values["subject"], "AW: Angebot Alpha")
        self.assertIn(f"Am 29.11.2026 um 20:32 schrieb {self.quoted_sender}:", values["body_html"])

    def test_a_german_user_forwards_wg_with_a_german_header_block(self):
        values = self._compose("de_DE", "forward", "AW: Angebot Beta")
        self.assertEqual(values["subject"], "WG: AW: Angebot Beta")
        body = values["body_html"]
        for text in (
            "Weitergeleitete Nachricht",
            "Betreff:",
            "Datum:",
            "Von:",
            "An:",
            "<td>29.11.2026 20:32</td>",
        ):
            self.assertIn(text, body)
        for text in ("Subject:", "From:", "Forwarded Message", "+0000"):
            self.assertNotIn(text, body)

    def test_an_english_user_keeps_re_fwd_and_on_wrote(self):
        values = self._compose("en_US", "reply", "AW: Angebot Gamma")
        self.assertEqual(values["subject"], "Re: Angebot Gamma")
        self.assertIn(f"On 11/29/2026 at 20:32, {self.quoted_sender} wrote:", values["body_html"])
        values = self._compose("en_US", "forward", "WG: Angebot Delta")
        self.assertEqual(values["subject"], "Fwd: Angebot Delta")
        self.assertIn("From:", values["body_html"])
        self.assertIn("<td>11/29/2026 20:32</td>", values["body_html"])
