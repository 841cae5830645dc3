"""A mail forwarded as attachment (.eml) opens in the reading pane like a message, on a real
Dovecot: its headers, its sanitised body, its own attachments; hostile part numbers and
other users are refused over RPC and HTTP."""

from email.message import EmailMessage

from odoo.tests import tagged

from .common import RpcAttackCase

ACCOUNT = "dynaoffice.mail.account"


def forwarded_offer():
    """The inner mail: HTML with a remote image, and a PDF of its own."""
    inner = EmailMessage()
    inner["From"] = "Jürgen Weiß <j.weiss@lieferant.example>"
    inner["To"] = "einkauf@kunde.example"
    inner["Subject"] = "Angebot Dachrinne"
    inner["Date"] = "Tue, 03 Mar 2026 10:15:00 +0100"
    inner["Message-ID"] = "<inner-offer@lieferant.example>"
    inner.set_content("Anbei unser Angebot.\n")
    inner.add_alternative(
        "<p>Anbei unser <b>Angebot</b>.</p>"
        "<img src='https://tracker.example.net/inner.gif' alt='t'>"
        "<script>window.top.document.title='PWNED'</script>",
        subtype="html",
    )
    inner.add_attachment(
        b"%PDF-1.4\ninner offer\n%%EOF\n",
        maintype="application",
        subtype="pdf",
        filename="Angebot Dachrinne.pdf",
    )
    return inner


def outer_with(*attachments):
    outer = EmailMessage()
    outer["From"] = "Chef <chef@kunde.example>"
    outer["To"] = "owner@kunde.example"
    outer["Subject"] = "WG: Angebot Dachrinne"
    outer["Date"] = "Tue, 03 Mar 2026 11:00:00 +0100"
    outer.set_content("Bitte prüfen, siehe Anhang.\n")
    for add in attachments:
        add(outer)
    return outer.as_bytes()


def as_rfc822(outer):
    outer.add_attachment(forwarded_offer())


def as_octet_stream(outer):
    outer.add_attachment(
        forwarded_offer().as_bytes(),
        maintype="application",
        subtype="octet-stream",
        filename="weitergeleitet.eml",
    )


# A forwarded mail whose own structure is broken: multipart without a boundary.
MALFORMED = b"""From: Chef <chef@kunde.example>\r
To: owner@kunde.example\r
Subject: WG: kaputt\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary="outer-XX"\r
\r
--outer-XX\r
Content-Type: text/plain\r
\r
Siehe Anhang.\r
--outer-XX\r
Content-Type: message/rfc822\r
\r
From: Broken <broken@example.com>\r
Subject: kaputt\r
Content-Type: multipart/mixed\r
\r
nor a boundary\r
--outer-XX--\r
"""


@tagged("post_install", "-at_install")
class TestClientAttachedMessage(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        with cls.imap(cls, cls.personal_address, cls.personal_password) as client:
            client.append("INBOX", outer_with(as_rfc822, as_octet_stream))

    def setUp(self):
        super().setUp()
        self.account = self.personal.with_user(self.owner)
        page = self.account.client_page("INBOX")
        self.uidvalidity = page["uidvalidity"]
        self.uid = page["messages"][0]["uid"]
        self.outer = self.account.client_message("INBOX", self.uidvalidity, self.uid)

    def attachment(self, message, filename):
        return next(each for each in message["attachments"] if each["filename"] == filename)

    def open_part(self, part):
        return self.account.client_message_part("INBOX", self.uidvalidity, self.uid, part)

    def test_the_forwarded_mail_opens_with_its_headers_body_and_attachment(self):
        forwarded = next(each for each in self.outer["attachments"] if each["is_message"])
        self.assertEqual(forwarded["mime_type"], "message/rfc822")
        self.assertEqual(forwarded["filename"], "Angebot Dachrinne.eml", "named after its subject")
        nested = self.open_part(forwarded["part"])
        self.assertEqual(nested["subject"], "Angebot Dachrinne")
        self.assertEqual(nested["from_"][0]["address"], "j.weiss@lieferant.example")
        self.assertEqual(nested["from_"][0]["name"], "Jürgen Weiß")
        self.assertEqual(nested["to"][0]["address"], "einkauf@kunde.example")
        self.assertTrue(nested["date"].startswith("2026-03-03"))
        self.assertEqual(nested["part"], forwarded["part"])
        self.assertTrue(nested["has_remote_content"])
        self.assertFalse(nested["remote_trusted"])
        pdf = self.attachment(nested, "Angebot Dachrinne.pdf")
        self.assertTrue(pdf["part"].startswith(forwarded["part"] + "."), pdf["part"])
        self.authenticate(self.owner.login, self.owner.login)
        response = self.url_open(pdf["download_url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"%PDF-1.4\ninner offer\n%%EOF\n")
        # The body through the same route and policy as any message's.
        self.assertIn(f"part={forwarded['part']}", nested["body_url"])
        body = self.url_open(nested["body_url"])
        self.assertEqual(body.status_code, 200)
        self.assertIn("<b>Angebot</b>", body.text)
        self.assertNotIn("<script", body.text)
        self.assertNotIn("tracker.example.net", body.text)
        policy = body.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertNotIn("https:", policy)
        page = self.url_open(nested["print_url"])
        self.assertIn("Angebot Dachrinne.pdf", page.text)
        self.assertIn("j.weiss@lieferant.example", page.text)
        source = self.url_open(nested["source_url"])
        self.assertIn(b"Subject: Angebot Dachrinne", source.content)

    def test_opening_the_forwarded_mail_reads_only_that_part(self):
        forwarded = next(each for each in self.outer["attachments"] if each["is_message"])
        self.account.client_set_flag("INBOX", self.uidvalidity, [self.uid], "seen", False)
        self.open_part(forwarded["part"])
        page = self.account.client_page("INBOX")
        self.assertFalse(page["messages"][0]["seen"], "opening an attachment marks nothing")

    def test_an_eml_file_sent_as_octet_stream_opens_too(self):
        eml = self.attachment(self.outer, "weitergeleitet.eml")
        self.assertTrue(eml["is_message"])
        nested = self.open_part(eml["part"])
        self.assertEqual(nested["subject"], "Angebot Dachrinne")
        self.assertEqual(nested["from_"][0]["address"], "j.weiss@lieferant.example")
        self.assertFalse(nested["error"])
        self.authenticate(self.owner.login, self.owner.login)
        body = self.url_open(nested["body_url"])
        self.assertIn("<b>Angebot</b>", body.text)
        self.assertNotIn("<script", body.text)

    def test_a_malformed_attached_message_still_opens_as_text(self):
        with self.imap(self.personal_address, self.personal_password) as client:
            client.create_folder("Kaputt")
            client.append("Kaputt", MALFORMED)
        page = self.account.client_page("Kaputt")
        uid = page["messages"][0]["uid"]
        outer = self.account.client_message("Kaputt", page["uidvalidity"], uid)
        broken = next(each for each in outer["attachments"] if each["is_message"])
        nested = self.account.client_message_part(
            "Kaputt", page["uidvalidity"], uid, broken["part"]
        )
        shown = (nested["text"] or "") + (nested["raw_source"] or "")
        self.assertIn("nor a boundary", shown)

    def test_an_eml_file_with_8bit_bytes_in_a_disposition_opens(self):
        """An .eml (sent as a file) whose text part says `inline` with a raw "ü" in a
        parameter: the email package hands such a header back as an object, not text, and
        opening the file failed on it."""
        inner = (
            "From: Jürgen <j@lieferant.example>\r\nSubject: Lieferschein\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            'Content-Disposition: inline; x="Grüße"\r\n'
            "Content-Transfer-Encoding: 8bit\r\n\r\nDie Ware kommt morgen.\r\n"
        ).encode()

        def as_file(outer):
            outer.add_attachment(
                inner,
                maintype="application",
                subtype="octet-stream",
                filename="lieferschein.eml",
            )

        with self.imap(self.personal_address, self.personal_password) as client:
            client.create_folder("Lieferschein")
            client.append("Lieferschein", outer_with(as_file))
        page = self.account.client_page("Lieferschein")
        uid = page["messages"][0]["uid"]
        outer = self.account.client_message("Lieferschein", page["uidvalidity"], uid)
        eml = self.attachment(outer, "lieferschein.eml")
        nested = self.account.client_message_part(
            "Lieferschein", page["uidvalidity"], uid, eml["part"]
        )
        self.assertEqual(nested["subject"], "Lieferschein")
        self.assertIn("Die Ware kommt morgen.", nested["text"])
        self.assertFalse(nested["error"])

    def test_an_eml_file_nested_thousands_deep_opens_as_its_source(self):
        """Parts nested 2,000 deep (a few dozen kilobytes): the email package recursed
        beyond Python's limit and the attachment did not open at all."""
        inner = b"Content-Type: text/plain\r\n\r\nganz unten\r\n"
        for level in range(2000):
            inner = (
                b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n%s\r\n--n%d--\r\n'
                % (level, level, inner, level)
            )
        inner = b"From: tief@example.com\r\nSubject: Tief\r\n" + inner

        def as_file(outer):
            outer.add_attachment(
                inner, maintype="application", subtype="octet-stream", filename="tief.eml"
            )

        with self.imap(self.personal_address, self.personal_password) as client:
            client.create_folder("Tief")
            client.append("Tief", outer_with(as_file))
        page = self.account.client_page("Tief")
        uid = page["messages"][0]["uid"]
        outer = self.account.client_message("Tief", page["uidvalidity"], uid)
        eml = self.attachment(outer, "tief.eml")
        nested = self.account.client_message_part("Tief", page["uidvalidity"], uid, eml["part"])
        self.assertEqual(nested["subject"], "Tief")
        self.assertIn("too complex", nested["error"])
        self.assertIn('boundary="n1999"', nested["raw_source"])

    def test_hostile_part_numbers_are_refused_over_rpc_and_http(self):
        args = ["INBOX", self.uidvalidity, self.uid]
        hostile = ["0", "2..1", "2/1", "-1", "2 ", "2\r\nA1 LOGOUT", "1" + ".1" * 25, 2, None]
        for part in hostile:
            answer = self.rpc(
                self.owner, ACCOUNT, "client_message_part", [[self.personal.id], *args, part]
            )
            self.assertIn("error", answer, repr(part))
            self.assertNotIn("Traceback", answer["error"]["data"]["message"])
        answer = self.rpc(
            self.owner, ACCOUNT, "client_message_part", [[self.personal.id], *args, "9"]
        )
        self.assertIn("error", answer, "a part the message does not have")
        forwarded = next(each for each in self.outer["attachments"] if each["is_message"])
        self.authenticate(self.owner.login, self.owner.login)
        for part in ("0", "2..1", "2/1", "1" + ".1" * 25, "2%0d%0aA1"):
            for kind in ("body", "print", "part"):
                url = self.outer["source_url"].replace("/source/", f"/{kind}/")
                response = self.url_open(f"{url}&part={part}")
                self.assertEqual(response.status_code, 400, (kind, part))
        url = self.outer["source_url"].replace("/source/", "/body/")
        self.assertEqual(self.url_open(f"{url}&part=9").status_code, 404)
        self.assertEqual(self.url_open(f"{url}&part={forwarded['part']}").status_code, 200)

    def test_other_users_get_nothing_of_the_attached_message(self):
        forwarded = next(each for each in self.outer["attachments"] if each["is_message"])
        nested = self.open_part(forwarded["part"])
        args = [[self.personal.id], "INBOX", self.uidvalidity, self.uid, forwarded["part"]]
        for user in (self.other, self.member, self.admin, self.mail_admin, self.portal):
            answer = self.rpc(user, ACCOUNT, "client_message_part", args)
            self.assertIn("error", answer, user.login)
            self.assertNotIn("Dachrinne", str(answer["error"]))
            for url in (nested["body_url"], nested["attachments"][0]["download_url"]):
                response = self.url_open(url)
                self.assertNotEqual(response.status_code, 200, (user.login, url))
                self.assertNotIn(b"inner offer", response.content)
                self.assertNotIn(b"Angebot</b>", response.content)
