"""Reading mail in the client: the message call, the body/part/source routes, folder changes.

Everything against the real Dovecot of the test run, as the owner, a group member, another
user and an administrator.
"""

import base64
import datetime
import html
import re
import secrets
from email.message import EmailMessage

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import MailServerCase, build_message

# A 1x1 PNG and a small PDF; what they contain matters only byte for byte.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n" + secrets.token_bytes(40_000) + b"\n%%EOF\n"
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


def newsletter():
    """HTML with a text alternative, an inline cid: logo, a tracker, a script and a PDF."""
    message = EmailMessage()
    message["From"] = "Händler Müller <news@example.com>"
    message["To"] = "team@example.com"
    message["Subject"] = "Newsletter März"
    message["Date"] = "Mon, 02 Mar 2026 09:00:00 +0100"
    message["Message-ID"] = "<newsletter-1@example.com>"
    message.set_content("Hallo in Text\n")
    message.add_alternative(
        "<html><body><p>Hallo in HTML</p><img src='cid:logo@example.com' alt='Logo'>"
        "<img src='https://tracker.example.net/p.gif?u=1' alt='t'>"
        "<script>window.top.document.title='PWNED'</script>"
        "<a href='javascript:alert(1)'>klick</a></body></html>",
        subtype="html",
    )
    message.get_payload()[1].add_related(PNG, "image", "png", cid="<logo@example.com>")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Größe März.pdf")
    return message.as_bytes()


# Nested deeper than the parser allows: it must still open, with its source.
MALFORMED = (
    b"From: Broken <broken@example.com>\r\nSubject: Kaputt\r\nMIME-Version: 1.0\r\n"
    + b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(40)
    )
    + b"Content-Type: text/plain\r\n\r\ninnen\r\n"
)


def _owner_and_strangers(case):
    return case.personal.with_user(case.owner), (case.other, case.member, case.admin)


@tagged("post_install", "-at_install")
class TestClientReading(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.servers.dovecot.write_messages(
            cls.personal_address,
            [
                ("INBOX", newsletter(), set(), RECEIVED),
                ("INBOX", MALFORMED, set(), RECEIVED),
                ("INBOX", build_message("Nur Text", body="Grüße\n"), set(), RECEIVED),
            ],
        )
        cls.servers.dovecot.write_messages(
            cls.shared_address, [("INBOX", build_message("Für alle"), set(), RECEIVED)]
        )

    def _uids(self, account, folder="INBOX"):
        page = account.client_page(folder, sort="arrival", reverse=False)
        return page["uidvalidity"], {m["subject"]: m for m in page["messages"]}

    def test_opening_a_message_shows_it_and_marks_it_read(self):
        account, _strangers = _owner_and_strangers(self)
        uidvalidity, listed = self._uids(account)
        self.assertFalse(listed["Newsletter März"]["seen"])
        uid = listed["Newsletter März"]["uid"]
        message = account.client_message("INBOX", uidvalidity, uid)
        self.assertEqual(message["subject"], "Newsletter März")
        self.assertEqual(message["from_"][0]["name"], "Händler Müller")
        self.assertIsNone(message["error"])
        self.assertTrue(message["has_remote_content"])
        self.assertIn(f"/dynaoffice_mail/body/{self.personal.id}?", message["body_url"])
        files = {a["filename"]: a for a in message["attachments"]}
        pdf = files["Größe März.pdf"]
        self.assertEqual((pdf["mime_type"], pdf["inline"]), ("application/pdf", False))
        self.assertTrue(pdf["preview_url"])
        self.assertTrue(pdf["download_url"].endswith("&download=1"))
        self.assertTrue(any(a["inline"] and a["mime_type"] == "image/png" for a in files.values()))
        self.assertTrue(self._uids(account)[1]["Newsletter März"]["seen"])

    def test_plain_text_message_has_no_html_frame(self):
        account, _strangers = _owner_and_strangers(self)
        uidvalidity, listed = self._uids(account)
        message = account.client_message("INBOX", uidvalidity, listed["Nur Text"]["uid"])
        self.assertIsNone(message["body_url"])
        self.assertEqual(message["text"].strip(), "Grüße")

    def test_malformed_message_still_opens_with_its_source(self):
        account, _strangers = _owner_and_strangers(self)
        uidvalidity, listed = self._uids(account)
        message = account.client_message("INBOX", uidvalidity, listed["Kaputt"]["uid"])
        self.assertEqual(message["from_"][0]["address"], "broken@example.com")
        self.assertTrue(message["error"])
        self.assertIn("innen", message["raw_source"])

    def test_renumbered_folder_is_refused(self):
        account, _strangers = _owner_and_strangers(self)
        uidvalidity, listed = self._uids(account)
        with self.assertRaises(UserError):
            account.client_message("INBOX", uidvalidity + 1, listed["Nur Text"]["uid"])

    def test_only_owner_and_members_read(self):
        _account, strangers = _owner_and_strangers(self)
        for user in strangers:
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_message("INBOX", 1, 1)
        member_account = self.shared.with_user(self.member)
        uidvalidity, listed = self._uids(member_account)
        message = member_account.client_message("INBOX", uidvalidity, listed["Für alle"]["uid"])
        self.assertEqual(message["subject"], "Für alle")
        for user in (self.owner, self.other, self.admin):
            with self.assertRaises(AccessError):
                self.shared.with_user(user).client_folder_state("INBOX")

    def test_folders_are_created_renamed_and_deleted_on_the_server(self):
        account, strangers = _owner_and_strangers(self)
        account.client_create_folder("Projekte")
        account.client_create_folder("Projekte/Größe")
        names = {folder["name"] for folder in account.client_folders()}
        self.assertTrue({"Projekte", "Projekte/Größe"} <= names)
        account.client_rename_folder("Projekte/Größe", "Projekte/Maße")
        names = {folder["name"] for folder in account.client_folders()}
        self.assertIn("Projekte/Maße", names)
        self.assertNotIn("Projekte/Größe", names)
        account.client_delete_folder("Projekte/Maße")
        self.assertNotIn("Projekte/Maße", {f["name"] for f in account.client_folders()})
        with self.assertRaises(UserError):
            account.client_delete_folder("INBOX")
        with self.assertRaises(UserError):
            account.client_create_folder("Neu\r\nA1 LOGOUT")
        for user in strangers:
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_create_folder("Fremd")

    def test_refused_folder_changes_are_said_in_the_users_language(self):
        """What the client's menu lets a user try (delete a folder that has subfolders, move
        a folder into its own subfolder, a name taken meanwhile by another program) is
        refused in the user's language, not with the services' English words."""
        self.env["res.lang"]._activate_lang("de_DE")
        addon = self.env["ir.module.module"].search([("name", "=", "dynaoffice_mail")])
        addon._update_translations(["de_DE"])
        self.owner.lang = "de_DE"
        account = self.personal.with_user(self.owner).with_context(lang="de_DE")
        account.client_create_folder("Kunden")
        account.client_create_folder("Kunden/Alt")
        refusals = [
            (
                lambda: account.client_delete_folder("Kunden"),
                "der Ordner „Kunden“ hat Unterordner. Löschen Sie sie oder verschieben Sie",
            ),
            (
                lambda: account.client_rename_folder("Kunden", "Kunden/Alt/Kunden"),
                "ein Ordner kann nicht in sich selbst verschoben werden.",
            ),
            (
                lambda: account.client_create_folder("Kunden"),
                "ein Ordner namens „Kunden“ existiert bereits. Wählen Sie einen anderen Namen.",
            ),
            (
                lambda: account.client_delete_folder("Trash"),
                "„Trash“ ist ein besonderer Ordner (Papierkorb) und kann nicht gelöscht werden.",
            ),
            (
                lambda: account.client_rename_folder("INBOX", "Alt"),
                "der Posteingang kann nicht umbenannt werden.",
            ),
            (
                lambda: account.client_create_folder("Version 1.2"),
                (
                    "localhost akzeptiert den Ordnernamen „Version 1.2“ nicht. Wählen Sie "
                    "einen anderen Namen: viele Server erlauben keinen „.“ in Ordnernamen."
                ),
            ),
            (
                lambda: account.client_rename_folder("Kunden/Alt", "Kunden/Alt 2.0"),
                "localhost akzeptiert den Ordnernamen „Kunden/Alt 2.0“ nicht.",
            ),
        ]
        for call, german in refusals:
            with self.subTest(german=german), self.assertRaises(UserError) as caught:
                call()
            self.assertIn(german, str(caught.exception))
        names = {folder["name"] for folder in account.client_folders()}
        self.assertTrue({"INBOX", "Trash", "Kunden", "Kunden/Alt"} <= names)
        account.client_delete_folder("Kunden/Alt")
        account.client_delete_folder("Kunden")

    def test_the_accounts_folder_options_follow_a_renamed_or_deleted_folder(self):
        """The options name folders for sent mail, drafts and the team's archive. A member
        who renames one (or the folder above it) in the client finds the options naming it
        as it is called now; deleting one empties its option, so that the server's own
        folder is used again. An option naming a folder that is gone fails every later send
        (its Sent copy), draft or archiving."""
        self.shared.sudo().write(
            {
                "sent_folder": "Team/Ausgang",
                "team_archive_folder": "Team/Erledigt",
                "drafts_folder": "Team-Entwürfe",
            }
        )
        account = self.shared.with_user(self.member)
        for name in ("Team", "Team/Ausgang", "Team/Erledigt", "Team-Entwürfe"):
            account.client_create_folder(name)
        account.client_rename_folder("Team", "Vertrieb")
        account.client_rename_folder("Team-Entwürfe", "Vertrieb-Entwürfe")
        self.assertEqual(
            account.read(["sent_folder", "team_archive_folder", "drafts_folder"])[0],
            {
                "id": self.shared.id,
                "sent_folder": "Vertrieb/Ausgang",
                "team_archive_folder": "Vertrieb/Erledigt",
                "drafts_folder": "Vertrieb-Entwürfe",
            },
        )
        account.client_delete_folder("Vertrieb/Ausgang")
        account.client_delete_folder("Vertrieb-Entwürfe")
        self.assertFalse(self.shared.sent_folder or self.shared.drafts_folder)
        self.assertEqual(self.shared.team_archive_folder, "Vertrieb/Erledigt")
        for name in ("Vertrieb/Erledigt", "Vertrieb"):
            account.client_delete_folder(name)

    def test_folder_state_changes_when_mail_arrives(self):
        account, _strangers = _owner_and_strangers(self)
        before = account.client_folder_state("INBOX")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", build_message("Neu"), set(), RECEIVED)]
        )
        after = account.client_folder_state("INBOX")
        self.assertEqual(after["total"], before["total"] + 1)
        self.assertGreater(after["uidnext"], before["uidnext"])
        self.assertEqual(after["uidvalidity"], before["uidvalidity"])


@tagged("post_install", "-at_install")
class TestClientRoutes(HttpCase, MailServerCase):
    """What the browser downloads: sanitised bodies under a strict policy, streamed parts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.raw = newsletter()
        cls.servers.dovecot.write_messages(
            cls.personal_address, [("INBOX", cls.raw, set(), RECEIVED)]
        )

    def setUp(self):
        super().setUp()
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX")
        self.message = account.client_message(
            "INBOX", page["uidvalidity"], page["messages"][0]["uid"]
        )
        self.pdf = next(
            a for a in self.message["attachments"] if a["mime_type"] == "application/pdf"
        )

    def test_body_is_sanitised_and_blocks_remote_images_until_allowed(self):
        self.authenticate(self.owner.login, self.owner.login)
        response = self.url_open(self.message["body_url"])
        self.assertEqual(response.status_code, 200)
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertIn("sandbox", policy)
        self.assertNotIn("https:", policy)
        body = response.text
        self.assertIn("Hallo in HTML", body)
        self.assertNotIn("<script", body)
        self.assertNotIn("javascript:", body)
        self.assertNotIn("tracker.example.net", body)
        self.assertIn(f"/dynaoffice_mail/part/{self.personal.id}?", body)  # the cid: logo
        allowed = self.url_open(self.message["body_url"] + "&remote=1")
        self.assertIn(
            "img-src 'self' data: https: http:", allowed.headers["Content-Security-Policy"]
        )
        self.assertIn("tracker.example.net", allowed.text)
        self.assertNotIn("<script", allowed.text)

    def test_a_picture_named_in_another_case_shows_in_the_body(self):
        """The body names its picture "cid:logo.bild@example.com", the part says
        <Logo.Bild@Example.COM>: taken for the body's (not listed as an attachment), it
        was not shown there either, so the user saw it nowhere."""
        message = EmailMessage()
        message["From"] = "news@example.com"
        message["Subject"] = "Logo in anderer Schreibweise"
        message.set_content("Text")
        message.add_alternative(
            "<p>Unser Logo:</p><img src='cid:logo.bild@example.com' alt='Logo'>", subtype="html"
        )
        message.get_payload()[1].add_related(PNG, "image", "png", cid="<Logo.Bild@Example.COM>")
        self.servers.dovecot.write_messages(
            self.personal_address, [("Logos", message.as_bytes(), set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("Logos")
        shown = account.client_message("Logos", page["uidvalidity"], page["messages"][0]["uid"])
        self.assertEqual([a["inline"] for a in shown["attachments"]], [True])
        self.authenticate(self.owner.login, self.owner.login)
        body = self.url_open(shown["body_url"]).text
        sources = re.findall(r'<img[^>]* src="([^"]*)"', body)
        self.assertEqual(len(sources), 1, body)
        self.assertTrue(sources[0].startswith(f"/dynaoffice_mail/part/{self.personal.id}?"))
        self.assertEqual(self.url_open(html.unescape(sources[0])).content, PNG)

    def test_a_sender_named_by_an_address_is_one_sender(self):
        """Shops and web forms write "info@shop.example <noreply@shop.example>" unquoted:
        the reading pane showed two senders, offered no "always show remote content" for
        the sender, and a reply went to info@shop.example too, which is only the name."""
        raw = (
            b"From: info@shop.example <noreply@shop.example>\r\n"
            b"To: owner@example.com <owner@example.com>\r\n"
            b"Subject: Ihre Bestellung\r\n\r\nDanke!\r\n"
        )
        self.servers.dovecot.write_messages(self.personal_address, [("Shop", raw, set(), RECEIVED)])
        account = self.personal.with_user(self.owner)
        page = account.client_page("Shop")
        uid = page["messages"][0]["uid"]
        message = account.client_message("Shop", page["uidvalidity"], uid)
        self.assertEqual(
            message["from_"], [{"name": "info@shop.example", "address": "noreply@shop.example"}]
        )
        self.assertEqual(
            message["to"], [{"name": "owner@example.com", "address": "owner@example.com"}]
        )
        self.assertEqual(message["sender_address"], "noreply@shop.example")
        reply = account.client_compose("reply", "Shop", page["uidvalidity"], uid)
        self.assertEqual(len(reply["to"]), 1, reply["to"])
        self.assertIn("<noreply@shop.example>", reply["to"][0])

    def test_a_bounces_report_is_a_text_file_and_its_returned_mail_a_mail(self):
        """A bounce carries the delivery report (message/delivery-status) beside the mail
        that came back. The report was offered as "message-2.eml", opened like a mail and
        saved as one, which mail programs cannot show; the returned headers as ".bin"."""
        bounce = (
            b"From: MAILER-DAEMON@example.com\r\nSubject: Undelivered Mail\r\n"
            b"MIME-Version: 1.0\r\n"
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n'
            b"\r\n--r\r\nContent-Type: text/plain\r\n\r\n"
            b"Die Mail konnte nicht zugestellt werden.\r\n"
            b"--r\r\nContent-Type: message/delivery-status\r\n\r\n"
            b"Reporting-MTA: dns; mx.example.com\r\n\r\nStatus: 5.1.1\r\n"
            b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            b"From: owner@example.com\r\nSubject: Angebot\r\n"
            b"--r\r\nContent-Type: message/rfc822\r\n\r\n"
            b"From: owner@example.com\r\nSubject: Angebot\r\n\r\nDas Angebot.\r\n"
            b"--r--\r\n"
        )
        self.servers.dovecot.write_messages(
            self.personal_address, [("Bounces", bounce, set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("Bounces")
        message = account.client_message("Bounces", page["uidvalidity"], page["messages"][0]["uid"])
        self.assertIn("nicht zugestellt", message["text"])
        shown = [(a["filename"], a["is_message"]) for a in message["attachments"]]
        self.assertEqual(
            shown, [("part-2.txt", False), ("part-3.txt", False), ("Angebot.eml", True)]
        )
        self.authenticate(self.owner.login, self.owner.login)
        report = self.url_open(message["attachments"][0]["download_url"])
        self.assertIn("filename*=UTF-8''part-2.txt", report.headers["Content-Disposition"])
        self.assertIn(b"Status: 5.1.1", report.content)

    def test_attachment_download_preview_and_original(self):
        self.authenticate(self.owner.login, self.owner.login)
        download = self.url_open(self.pdf["download_url"])
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, PDF)
        self.assertIn("attachment", download.headers["Content-Disposition"])
        self.assertIn("Gr%C3%B6%C3%9Fe", download.headers["Content-Disposition"])
        preview = self.url_open(self.pdf["preview_url"])
        self.assertEqual(preview.headers["Content-Type"], "application/pdf")
        self.assertEqual(preview.content, PDF)
        source = self.url_open(self.message["source_url"])
        self.assertEqual(source.headers["Content-Type"], "message/rfc822")
        self.assertEqual(source.content.replace(b"\r\n", b"\n"), self.raw.replace(b"\r\n", b"\n"))

    def test_pictures_typed_by_legacy_names_are_previewed(self):
        """Older mailers and phones type their photos "image/jpg" or "image/pjpeg", older
        Outlook its PNGs "image/x-png", a Citrix session the pictures pasted in it
        "image/x-citrix-png" or "image/x-citrix-jpeg": the reading pane offered only a
        download for them, unlike "image/jpeg". They are previewed under the image policy,
        with nosniff."""
        png = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(300)
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + secrets.token_bytes(300) + b"\xff\xd9"
        pictures = {
            "jpg": (jpeg, "image/jpeg"),
            "pjpeg": (jpeg, "image/jpeg"),
            "x-png": (png, "image/png"),
            "x-citrix-png": (png, "image/png"),
            "x-citrix-jpeg": (jpeg, "image/jpeg"),
        }
        message = EmailMessage()
        message["From"] = "citrix@example.com"
        message["Subject"] = "Bildschirmfotos"
        message.set_content("Die Bilder")
        for subtype, (data, _shown_as) in pictures.items():
            message.add_attachment(data, maintype="image", subtype=subtype, filename=subtype)
        self.servers.dovecot.write_messages(
            self.personal_address, [("Legacy", message.as_bytes(), set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("Legacy")
        shown = account.client_message("Legacy", page["uidvalidity"], page["messages"][0]["uid"])
        self.assertEqual(len(shown["attachments"]), len(pictures))
        self.authenticate(self.owner.login, self.owner.login)
        for attachment in shown["attachments"]:
            data, shown_as = pictures[attachment["filename"]]
            self.assertTrue(attachment["preview_url"], attachment["filename"])
            preview = self.url_open(attachment["preview_url"])
            self.assertEqual(preview.headers["Content-Type"], shown_as)
            self.assertTrue(preview.headers["Content-Disposition"].startswith("inline"))
            self.assertEqual(preview.headers["X-Content-Type-Options"], "nosniff")
            self.assertIn("sandbox", preview.headers["Content-Security-Policy"])
            self.assertEqual(preview.content, data)

    def test_a_picture_typed_octet_stream_shows_in_the_body_by_its_bytes(self):
        """Some mailers type the pictures of an HTML mail application/octet-stream: the
        part route served them as a download, so the body showed broken images. A real
        PNG is now served as image/png; an SVG typed so stays a download."""
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        message = EmailMessage()
        message["From"] = "alt@example.com"
        message["Subject"] = "Bilder ohne Typ"
        message.set_content("Text")
        message.add_alternative(
            "<p>Bilder:</p><img src='cid:foto@example.com'><img src='cid:svg@example.com'>",
            subtype="html",
        )
        html_part = message.get_payload()[1]
        html_part.add_related(PNG, "application", "octet-stream", cid="<foto@example.com>")
        html_part.add_related(svg, "application", "octet-stream", cid="<svg@example.com>")
        self.servers.dovecot.write_messages(
            self.personal_address, [("Ohne Typ", message.as_bytes(), set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("Ohne Typ")
        shown = account.client_message("Ohne Typ", page["uidvalidity"], page["messages"][0]["uid"])
        self.authenticate(self.owner.login, self.owner.login)
        body = self.url_open(shown["body_url"]).text
        sources = [html.unescape(src) for src in re.findall(r'<img[^>]* src="([^"]*)"', body)]
        self.assertEqual(len(sources), 2, body)
        picture, script = (self.url_open(source) for source in sources)
        self.assertEqual(picture.headers["Content-Type"], "image/png")
        self.assertTrue(picture.headers["Content-Disposition"].startswith("inline"))
        self.assertEqual(picture.headers["X-Content-Type-Options"], "nosniff")
        self.assertIn("sandbox", picture.headers["Content-Security-Policy"])
        self.assertEqual(picture.content, PNG)
        self.assertEqual(script.headers["Content-Type"], "application/octet-stream")
        self.assertTrue(script.headers["Content-Disposition"].startswith("attachment"))
        self.assertEqual(script.content, svg)
        download = self.url_open(sources[0] + "&download=1")
        self.assertEqual(download.headers["Content-Type"], "application/octet-stream")
        self.assertEqual(download.content, PNG)

    def test_other_users_get_nothing(self):
        for user in (self.other, self.admin):
            self.authenticate(user.login, user.login)
            for url in (self.message["body_url"], self.pdf["download_url"]):
                response = self.url_open(url)
                self.assertIn(response.status_code, (403, 404), url)
                self.assertNotIn(b"Hallo in HTML", response.content)
                self.assertNotIn(PDF[:100], response.content)

    def test_group_members_download_from_the_group_mailbox_and_nobody_else(self):
        self.servers.dovecot.write_messages(
            self.shared_address, [("INBOX", self.raw, set(), RECEIVED)]
        )
        shared = self.shared.with_user(self.member)
        page = shared.client_page("INBOX")
        message = shared.client_message("INBOX", page["uidvalidity"], page["messages"][0]["uid"])
        self.authenticate(self.member.login, self.member.login)
        source = self.url_open(message["source_url"])
        self.assertEqual(source.status_code, 200)
        self.assertIn(b"Newsletter", source.content)
        for user in (self.owner, self.other, self.admin):
            self.authenticate(user.login, user.login)
            response = self.url_open(message["source_url"])
            self.assertIn(response.status_code, (403, 404), user.login)
            self.assertNotIn(b"Newsletter", response.content)

    def test_part_numbers_are_checked_before_the_wire(self):
        self.authenticate(self.owner.login, self.owner.login)
        url = self.pdf["download_url"].replace("part=2", "part=2%0D%0AA1+LOGOUT")
        self.assertEqual(self.url_open(url).status_code, 400)
