"""Writing mail through the account, end to end: the real SMTP server delivers into Dovecot,
and every check reads the recipient's INBOX, Sent and Drafts over IMAP."""

import base64
import datetime
import email
import email.message
import email.policy
import json
import os
from unittest.mock import patch

from odoo import http, modules
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..services import limits, mime
from .common import MailServerCase, build_message, closed_port

RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
FILE = bytes(range(256)) * 40  # binary, with every byte value


class ComposeCase(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        # The tests read the owner's Sent and Drafts over IMAP too.
        cls.personal_password = cls.personal.sudo()._decrypted_password("imap_password")
        cls.personal.signature = "<p>Olga Owner<br>Vertrieb</p>"
        cls.partner_address, cls.partner_password = cls.new_mailbox()
        cls.env["res.partner"].create({"name": "Jürgen Weiß", "email": cls.partner_address})

    def subjects(self, address, password, folder="INBOX"):
        """The subjects in a folder, one per message (the mailboxes outlive each test)."""
        return sorted(
            str(parsed["Subject"]) for parsed, _flags in self.fetch_all(address, password, folder)
        )

    def messages(self, address, password, folder="INBOX"):
        """{subject: (parsed message, flags)} of a folder."""
        return {
            str(parsed["Subject"]): (parsed, flags)
            for parsed, flags in self.fetch_all(address, password, folder)
        }

    def upload(self, account, name, data, mimetype="application/octet-stream"):
        return account._composer().store_uploads([mime.OutgoingAttachment(name, mimetype, data)])

    def sources(self, address, password, folder, subject):
        """The sources of the messages in a folder with this (ASCII) subject."""
        client = self.imap(address, password)
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search(["SUBJECT", subject])
            return [data[b"BODY[]"] for data in client.fetch(uids, ["BODY.PEEK[]"]).values()]
        finally:
            client.logout()


@tagged("post_install", "-at_install")
class TestClientCompose(ComposeCase):
    def test_new_mail_starts_with_the_signature_once(self):
        values = self.personal.with_user(self.owner).client_compose("new")
        self.assertIn("Olga Owner", values["body_html"])
        self.assertEqual(values["body_html"].count("Olga Owner"), 1)
        self.assertIn(self.personal_address, values["from_display"])

    def test_reply_with_attachment_reaches_the_sender_and_is_filed(self):
        original = build_message("Anfrage Größe M", sender=f"Jürgen <{self.partner_address}>")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", original, set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", search={"subject": "Anfrage"})
        uid = page["messages"][0]["uid"]
        values = account.client_compose("reply", "INBOX", page["uidvalidity"], uid)
        self.assertEqual(values["subject"], "Re: Anfrage Größe M")
        self.assertEqual(len(values["to"]), 1)
        self.assertIn(self.partner_address, values["to"][0])
        self.assertTrue(values["in_reply_to"])
        self.assertIn("Hallo", values["body_html"])  # the quoted original
        values["body_html"] = "<p>Gerne, anbei das Angebot.</p>" + values["body_html"]
        values["attachments"] = self.upload(account, "Angebot Größe.bin", FILE)
        result = account.client_send(values)
        self.assertTrue(result["sent"], result)
        self.assertEqual(result["problems"], [])

        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Re: Anfrage Größe M"
        ]
        self.assertEqual(received["In-Reply-To"], values["in_reply_to"])
        self.assertIn(values["in_reply_to"], received["References"])
        self.assertIn(self.personal_address, str(received["From"]))
        self.assertIn(self.personal.sender_name, str(received["From"]))
        self.assertIn("Gerne, anbei das Angebot.", received.get_body(("html",)).get_content())
        self.assertIn("Olga Owner", received.get_body(("html",)).get_content())
        files = {part.get_filename(): part.get_content() for part in received.iter_attachments()}
        self.assertEqual(files["Angebot Größe.bin"], FILE)

        mine = self.messages(self.personal_address, self.personal_password, "Sent")
        self.assertIn("Re: Anfrage Größe M", mine)
        inbox = self.messages(self.personal_address, self.personal_password)
        self.assertIn(b"\\Answered", inbox["Anfrage Größe M"][1])
        # The uploaded file is gone from Odoo once the mail is out.
        self.assertFalse(self.env["ir.attachment"].browse(values["attachments"][0]["id"]).exists())

    def _original_with_pdf(self, subject):
        message = email.message.EmailMessage()
        message["From"] = f"Jürgen <{self.partner_address}>"
        message["To"] = self.personal_address
        message["Subject"] = subject
        message["Message-ID"] = f"<{subject.replace(' ', '-')}@example.com>"
        message.set_content("Siehe Anhang.")
        message.add_attachment(FILE, maintype="application", subtype="pdf", filename="Plan.pdf")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", message.as_bytes(), set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", search={"subject": subject})
        return account, page["uidvalidity"], page["messages"][0]["uid"]

    def test_forward_carries_the_attachments_and_marks_the_original(self):
        account, uidvalidity, uid = self._original_with_pdf("Plan Q3")
        values = account.client_compose("forward", "INBOX", uidvalidity, uid)
        self.assertEqual(values["subject"], "Fwd: Plan Q3")
        self.assertIn("Siehe Anhang.", values["body_html"])
        self.assertEqual([a["name"] for a in values["attachments"]], ["Plan.pdf"])
        values["to"] = [self.partner_address]
        self.assertTrue(account.client_send(values)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Fwd: Plan Q3"
        ]
        self.assertEqual(
            {p.get_filename(): p.get_content() for p in received.iter_attachments()},
            {"Plan.pdf": FILE},
        )
        inbox = self.messages(self.personal_address, self.personal_password)
        self.assertIn(b"$Forwarded", inbox["Plan Q3"][1])

    def test_forward_keeps_the_pictures_in_the_originals_text(self):
        """A mail with a screenshot in its text (cid:) and a file attached, forwarded: the
        recipient sees the screenshot in the quoted text, and the file beside it."""
        picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        message = email.message.EmailMessage()
        message["From"] = f"Jürgen <{self.partner_address}>"
        message["To"] = self.personal_address
        message["Subject"] = "Fehlerbild"
        message["Message-ID"] = "<fehlerbild@example.com>"
        message.set_content("Siehe Bild.\n")
        message.add_alternative('<p>Siehe Bild:</p><img src="cid:Shot.1@Example">', subtype="html")
        message.get_body(("html",)).add_related(
            picture, "image", "png", cid="<Shot.1@Example>", filename="bild.png"
        )
        message.add_attachment(FILE, maintype="application", subtype="pdf", filename="Plan.pdf")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", message.as_bytes(), set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        uidvalidity, uid = self.find_by_subject(account, "Fehlerbild")
        values = account.client_compose("forward", "INBOX", uidvalidity, uid)
        values["to"] = [self.partner_address]
        self.assertTrue(account.client_send(values)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Fwd: Fehlerbild"
        ]
        self.assertIn("cid:Shot.1@Example", received.get_body(("html",)).get_content())
        shown = {
            part["Content-ID"]: part.get_content() for part in received.walk() if part["Content-ID"]
        }
        self.assertEqual(shown, {"<Shot.1@Example>": picture})
        self.assertEqual(
            {p.get_filename(): p.get_content() for p in received.iter_attachments()},
            {"Plan.pdf": FILE},
        )

    def test_forward_keeps_a_picture_its_mailer_typed_octet_stream_in_the_text(self):
        """Some mailers type the pictures of the text application/octet-stream (the reading
        pane shows them by their bytes). Forwarded, such a picture went as a loose file
        and left the quoted text without it: it stays in the text, as a PNG."""
        picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        message = email.message.EmailMessage()
        message["From"] = f"Jürgen <{self.partner_address}>"
        message["To"] = self.personal_address
        message["Subject"] = "Untypisiertes Bild"
        message.set_content("Siehe Bild.\n")
        message.add_alternative('<p>Siehe Bild:</p><img src="cid:Shot.2@Example">', subtype="html")
        message.get_body(("html",)).add_related(
            picture, "application", "octet-stream", cid="<Shot.2@Example>", filename="bild.png"
        )
        self.deliver_to(self.personal_address, message.as_bytes())
        account = self.personal.with_user(self.owner)
        uidvalidity, uid = self.find_by_subject(account, "Untypisiertes Bild")
        values = account.client_compose("forward", "INBOX", uidvalidity, uid)
        (upload,) = values["attachments"]
        self.assertEqual(upload["content_id"], "Shot.2@Example")
        self.assertIn(f'src="/web/image/{upload["id"]}"', values["body_html"])
        values["to"] = [self.partner_address]
        self.assertTrue(account.client_send(values)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Fwd: Untypisiertes Bild"
        ]
        self.assertIn("cid:Shot.2@Example", received.get_body(("html",)).get_content())
        shown = {
            part["Content-ID"]: (part.get_content_type(), part.get_content())
            for part in received.walk()
            if part["Content-ID"]
        }
        self.assertEqual(shown, {"<Shot.2@Example>": ("image/png", picture)})
        self.assertEqual(list(received.iter_attachments()), [])

    def test_the_originals_style_sheets_stay_out_of_the_editor(self):
        # The editor is part of the Odoo page: a quoted <style> would restyle all of it
        # (hide the page, or write a fake "session expired" over the menu).
        message = email.message.EmailMessage()
        message["From"] = f"Jürgen <{self.partner_address}>"
        message["To"] = self.personal_address
        message["Subject"] = "Gestaltet"
        message.set_content("Gestaltet")
        message.add_alternative(
            "<html><head><style>body{display:none} .o_main_navbar::before"
            "{content:'Sitzung abgelaufen'}</style></head>"
            '<body><p style="color:#336699">Mit Farbe</p></body></html>',
            subtype="html",
        )
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", message.as_bytes(), set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", search={"subject": "Gestaltet"})
        uid = page["messages"][0]["uid"]
        for mode in ("reply", "forward"):
            body = account.client_compose(mode, "INBOX", page["uidvalidity"], uid)["body_html"]
            self.assertIn("Mit Farbe", body, mode)
            self.assertIn("color", body, mode)  # the element's own style stays
            self.assertNotIn("<style", body, mode)
            self.assertNotIn("display:none", body.replace(" ", ""), mode)

    def test_forward_as_attachment_sends_the_original_source(self):
        account, uidvalidity, uid = self._original_with_pdf("Plan Q4")
        values = account.client_compose("forward_attachment", "INBOX", uidvalidity, uid)
        (attachment,) = values["attachments"]
        self.assertEqual(attachment["mimetype"], "message/rfc822")
        values["to"] = [self.partner_address]
        self.assertTrue(account.client_send(values)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Fwd: Plan Q4"
        ]
        (enclosed,) = [p for p in received.iter_attachments()]
        self.assertEqual(enclosed.get_content_type(), "message/rfc822")
        self.assertEqual(str(enclosed.get_content()["Subject"]), "Plan Q4")

    def test_forward_as_attachment_of_a_mail_beyond_the_file_limit_is_refused(self):
        """The original is read no further than the limit the files of a forward keep to,
        and the user reads why it cannot go as an attachment; no file is left behind."""
        account, uidvalidity, uid = self._original_with_pdf("Plan Q5")
        uploads = self.env["ir.attachment"].search_count([("create_uid", "=", self.owner.id)])
        # The original (a 10 kB file in base64) is larger than this limit.
        with (
            patch.object(limits, "MAX_ATTACHMENT_BYTES", 12_000),
            self.assertRaises(UserError) as refused,
        ):
            account.client_compose("forward_attachment", "INBOX", uidvalidity, uid)
        self.assertIn("too large to forward as an attachment", str(refused.exception))
        self.assertEqual(
            self.env["ir.attachment"].search_count([("create_uid", "=", self.owner.id)]), uploads
        )

    def test_mail_method_sends_through_odoos_outgoing_server(self):
        self.send_through_odoo(self.personal, self.personal_address, self.personal_password)
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Über Odoo", body_html="<p>x</p>")
        self.assertTrue(account.client_send(values)["sent"])
        self.assertIn("Über Odoo", self.messages(self.partner_address, self.partner_password))
        self.assertIn(
            "Über Odoo", self.subjects(self.personal_address, self.personal_password, "Sent")
        )

    def test_mail_method_names_the_recipients_its_server_refused(self):
        """Odoo's outgoing mail server refuses one recipient and takes the mail for the
        other: the user reads who did not get it, the other got it once, and "Send" (a
        second click) does not send it again."""
        self.send_through_odoo(self.personal, self.personal_address, self.personal_password)
        # Odoo's ir.mail_server sends nothing while Odoo runs its tests: here it does.
        with patch.object(modules.module, "current_test", None):
            account = self.personal.with_user(self.owner)
            values = account.client_compose("new")
            unknown = "niemand@dynaoffice.test"
            values.update(
                to=[self.partner_address, unknown], subject="Teils abgelehnt", body_html="<p>x</p>"
            )
            result = account.client_send(values)
            self.assertTrue(result["sent"], result)
            (problem,) = result["problems"]
            self.assertIn(unknown, problem)
            self.assertIn("did not get the mail", problem)
            self.assertNotIn(self.partner_address, problem)
            again = account.client_send(values)
        self.assertTrue(again["already"], again)
        self.assertEqual(
            self.subjects(self.partner_address, self.partner_password).count("Teils abgelehnt"), 1
        )
        self.assertIn(
            "Teils abgelehnt", self.subjects(self.personal_address, self.personal_password, "Sent")
        )

    def test_mail_method_says_which_recipient_its_server_refused_when_nobody_got_it(self):
        """Odoo's outgoing mail server refuses the only recipient: the user reads that this
        address was refused and nobody got the mail, not that the connection failed."""
        self.send_through_odoo(self.personal, self.personal_address, self.personal_password)
        unknown = "niemand@dynaoffice.test"
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[unknown], subject="Ganz abgelehnt", body_html="<p>x</p>")
        with patch.object(modules.module, "current_test", None):
            result = account.client_send(values)
        self.assertFalse(result["sent"], result)
        self.assertIn(unknown, result["error"])
        self.assertIn("nobody got the mail", result["error"])
        self.assertNotIn("connection", result["error"])
        self.assertIn(
            "Ganz abgelehnt", self.subjects(self.personal_address, self.personal_password, "Drafts")
        )

    def test_mail_method_lets_bounces_reach_the_sender_not_odoos_catchall(self):
        """Odoo has a bounce address on the sender's domain and its outgoing server sends
        for the whole domain: the envelope of the user's mail is still his own address, so
        that a bounce reaches his mailbox rather than Odoo's catch-all, where nobody reads
        it."""
        domain = self.personal_address.rpartition("@")[2]
        alias_domain = self.env["mail.alias.domain"].search([("name", "=", domain)])
        alias_domain = alias_domain or self.env["mail.alias.domain"].create({"name": domain})
        alias_domain.bounce_alias = "bounce"
        self.owner.company_id.alias_domain_id = alias_domain
        self.env["ir.mail_server"].create(
            {
                "name": "Relay of the domain",
                "smtp_host": "localhost",
                "smtp_port": self.ports.smtp_starttls,
                "smtp_encryption": "starttls",
                "smtp_authentication": "login",
                "smtp_user": self.personal_address,
                "smtp_pass": self.personal_password,
                "from_filter": domain,
            }
        )
        self.env["ir.config_parameter"].set_param("dynaoffice_mail.personal_odoo_mail", "True")
        self.personal.sudo()._without_connection_test().write({"smtp_method": "mail"})
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Rückläufer", body_html="<p>x</p>")
        with patch.object(modules.module, "current_test", None):
            self.assertTrue(account.client_send(values)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)["Rückläufer"]
        self.assertEqual(received["From"].addresses[0].addr_spec, self.personal_address)
        envelope = json.loads(self.servers.smtp_received_log.read_text().splitlines()[-1])
        self.assertEqual(envelope["from"], self.personal_address)

    def test_a_reply_sent_from_drafts_still_marks_the_original(self):
        original = build_message("Rückfrage Lieferung", sender=self.partner_address)
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", original, set(), RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", search={"subject": "Rückfrage"})
        values = account.client_compose(
            "reply", "INBOX", page["uidvalidity"], page["messages"][0]["uid"]
        )
        values.update(account.client_save_draft(values))
        ref = values["draft"]
        reopened = account.client_compose("draft", ref["folder"], ref["uidvalidity"], ref["uid"])
        self.assertEqual(reopened["original"]["uid"], page["messages"][0]["uid"])
        self.assertTrue(account.client_send(reopened)["sent"])
        inbox = self.messages(self.personal_address, self.personal_password)
        self.assertIn(b"\\Answered", inbox["Rückfrage Lieferung"][1])

    def test_sent_copies_and_drafts_go_to_the_folders_chosen_in_the_options(self):
        account = self.personal.with_user(self.owner)
        account.client_create_folder("Ausgang")
        self.personal.write({"sent_folder": "Ausgang", "drafts_folder": "Ausgang"})
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Eigener Ordner", body_html="<p>x</p>")
        values.update(account.client_save_draft(values))
        self.assertEqual(values["draft"]["folder"], "Ausgang")
        self.assertTrue(account.client_send(values)["sent"])
        # The draft went, the sent copy came: one message, no \Draft flag.
        ((copy, flags),) = self.fetch_all(self.personal_address, self.personal_password, "Ausgang")
        self.assertEqual(str(copy["Subject"]), "Eigener Ordner")
        self.assertNotIn(b"\\Draft", flags)
        self.assertNotIn(
            "Eigener Ordner", self.subjects(self.personal_address, self.personal_password, "Sent")
        )

    def test_an_unreachable_server_keeps_the_mail_as_a_draft(self):
        self.personal.sudo()._without_connection_test().write({"smtp_port": closed_port()})
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Server weg", body_html="<p>x</p>")
        result = account.client_send(values)
        self.assertFalse(result["sent"])
        self.assertIn("not accepting connections", result["error"])
        self.assertIn(
            "Server weg", self.subjects(self.personal_address, self.personal_password, "Drafts")
        )

    def test_bcc_recipients_get_the_mail_but_nobody_sees_them(self):
        hidden, hidden_password = self.new_mailbox()
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(
            to=[self.partner_address], bcc=[hidden], subject="Blind", body_html="<p>x</p>"
        )
        self.assertTrue(account.client_send(values)["sent"])
        for address, password in (
            (self.partner_address, self.partner_password),
            (hidden, hidden_password),
        ):
            received, _flags = self.messages(address, password)["Blind"]
            self.assertNotIn("Bcc", received)

    def test_a_sent_mail_forwarded_as_attachment_keeps_its_bcc_hidden(self):
        """The copy in Sent keeps its Bcc header, for the sender: forwarded from there as
        an attachment, it reaches the new recipient without it."""
        hidden, _hidden_password = self.new_mailbox()
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(
            to=[self.partner_address], bcc=[hidden], subject="Verdeckt", body_html="<p>x</p>"
        )
        self.assertTrue(account.client_send(values)["sent"])
        uidvalidity, uid = self.find_by_subject(account, "Verdeckt", "Sent")
        forward = account.client_compose("forward_attachment", "Sent", uidvalidity, uid)
        forward["to"] = [self.partner_address]
        self.assertTrue(account.client_send(forward)["sent"])
        (source,) = self.sources(
            self.partner_address, self.partner_password, "INBOX", "Fwd: Verdeckt"
        )
        self.assertNotIn(hidden.encode(), source)
        received = email.message_from_bytes(source, policy=email.policy.default)
        (enclosed,) = received.iter_attachments()
        self.assertEqual(str(enclosed.get_content()["Subject"]), "Verdeckt")
        self.assertNotIn("Bcc", enclosed.get_content())

    def test_drafts_are_saved_reopened_and_removed_on_sending(self):
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(
            to=[f"Jürgen Weiß <{self.partner_address}>"],
            subject="Entwurf März",
            body_html="<p>Erste Fassung</p>",
            attachments=self.upload(account, "notiz.txt", b"Notiz", "text/plain"),
        )
        values.update(account.client_save_draft(values))
        values["body_html"] = "<p>Zweite Fassung</p>"
        values.update(account.client_save_draft(values))
        drafts = self.subjects(self.personal_address, self.personal_password, "Drafts")
        self.assertEqual(drafts.count("Entwurf März"), 1, "the second save replaces the first")
        flags = self.messages(self.personal_address, self.personal_password, "Drafts")[
            "Entwurf März"
        ][1]
        self.assertIn(b"\\Draft", flags)

        ref = values["draft"]
        reopened = account.client_compose("draft", ref["folder"], ref["uidvalidity"], ref["uid"])
        self.assertEqual(reopened["subject"], "Entwurf März")
        self.assertIn("Zweite Fassung", reopened["body_html"])
        self.assertIn(self.partner_address, reopened["to"][0])
        self.assertEqual([a["name"] for a in reopened["attachments"]], ["notiz.txt"])
        self.assertTrue(account.client_send(reopened)["sent"])
        self.assertNotIn(
            "Entwurf März", self.subjects(self.personal_address, self.personal_password, "Drafts")
        )
        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Entwurf März"
        ]
        self.assertEqual(
            {p.get_filename(): p.get_content() for p in received.iter_attachments()},
            {"notiz.txt": "Notiz"},
        )

    def test_a_draft_open_in_two_windows_stays_one_draft_and_goes_once_sent(self):
        """The same draft open in two browser tabs, each saving it (the autosave): Drafts
        keeps one version, the last saved; once one tab sent the mail, no draft of it is
        left, and the other tab's next save does not bring one back."""
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Zwei Fenster", body_html="<p>0</p>")
        values.update(account.client_save_draft(values))
        ref = values["draft"]
        tab_a = account.client_compose("draft", ref["folder"], ref["uidvalidity"], ref["uid"])
        tab_b = account.client_compose("draft", ref["folder"], ref["uidvalidity"], ref["uid"])
        for tab, text in ((tab_a, "A"), (tab_b, "B"), (tab_a, "A2"), (tab_b, "B2")):
            tab["body_html"] = f"<p>Fassung {text}</p>"
            tab.update(account.client_save_draft(tab))
        drafts = self.messages(self.personal_address, self.personal_password, "Drafts")
        self.assertEqual(
            self.subjects(self.personal_address, self.personal_password, "Drafts").count(
                "Zwei Fenster"
            ),
            1,
        )
        self.assertIn("Fassung B2", drafts["Zwei Fenster"][0].get_body(("html",)).get_content())

        self.assertTrue(account.client_send(tab_a)["sent"])
        self.assertNotIn(
            "Zwei Fenster", self.subjects(self.personal_address, self.personal_password, "Drafts")
        )
        tab_b["body_html"] = "<p>Fassung B3</p>"
        with self.assertRaisesRegex(UserError, "sent already"):
            account.client_save_draft(tab_b)
        self.assertNotIn(
            "Zwei Fenster", self.subjects(self.personal_address, self.personal_password, "Drafts")
        )
        self.assertEqual(
            self.subjects(self.partner_address, self.partner_password).count("Zwei Fenster"), 1
        )

    def test_a_plain_text_draft_of_another_program_reopens_with_its_text(self):
        """Mail programs writing plain text (Thunderbird's plain text mode, mutt) save
        drafts without an HTML part: the text is what the composer shows, line by line,
        and what a save and a send keep."""
        draft = email.message.EmailMessage()
        draft["From"] = self.personal_address
        draft["To"] = self.partner_address
        draft["Subject"] = "Nur Text"
        draft["Message-ID"] = "<nur-text@example.com>"
        draft.set_content("Erste Zeile <b>nicht fett</b>\nZweite Zeile\n")
        self.servers.dovecot.write_messages(
            self.personal_address, [("Drafts", draft.as_bytes(), {"\\Draft"}, RECEIVED)]
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("Drafts", search={"subject": "Nur Text"})
        reopened = account.client_compose(
            "draft", "Drafts", page["uidvalidity"], page["messages"][0]["uid"]
        )
        self.assertIn("Erste Zeile &lt;b&gt;nicht fett&lt;/b&gt;", reopened["body_html"])
        self.assertIn("Zweite Zeile", reopened["body_html"])
        self.assertNotIn("<b>", reopened["body_html"])
        self.assertTrue(account.client_send(reopened)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)["Nur Text"]
        text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
        self.assertIn("Erste Zeile <b>nicht fett</b>\nZweite Zeile", text)

    def test_inline_images_of_another_programs_draft_reach_the_recipient(self):
        """A draft with pictures in its text, written by Thunderbird or Outlook (the images
        beside the HTML in a multipart/related) or by Apple Mail (the multipart/related
        inside the alternative), saved again and sent from here: the recipient sees the
        pictures in the text, not a broken image and a loose file."""
        picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        layouts = {
            "Bild Thunderbird": "outer",
            "Bild Apple": "inner",
        }
        account = self.personal.with_user(self.owner)
        for subject, layout in layouts.items():
            draft = email.message.EmailMessage()
            draft["From"] = self.personal_address
            draft["To"] = self.partner_address
            draft["Subject"] = subject
            draft["Message-ID"] = f"<{layout}-bild@example.com>"
            html = '<p>Unser Logo:</p><p><img src="cid:logo.1@example.com" alt="Logo"></p>'
            if layout == "outer":
                draft.set_content(html, subtype="html")
                draft.add_related(
                    picture, "image", "png", cid="<logo.1@example.com>", filename="logo.png"
                )
            else:
                draft.set_content("Unser Logo:\n")
                draft.add_alternative(html, subtype="html")
                draft.get_body(("html",)).add_related(
                    picture, "image", "png", cid="<logo.1@example.com>", filename="logo.png"
                )
            self.servers.dovecot.write_messages(
                self.personal_address, [("Drafts", draft.as_bytes(), {"\\Draft"}, RECEIVED)]
            )
            uidvalidity, uid = self.find_by_subject(account, subject, "Drafts")
            reopened = account.client_compose("draft", "Drafts", uidvalidity, uid)
            # The editor shows the picture from its upload (TestComposeUpload).
            self.assertNotIn("cid:", reopened["body_html"])
            # Saved again (the composer's autosave) and reopened, then sent.
            reopened.update(account.client_save_draft(reopened))
            ref = reopened["draft"]
            again = account.client_compose("draft", ref["folder"], ref["uidvalidity"], ref["uid"])
            self.assertTrue(account.client_send(again)["sent"])

            received, _flags = self.messages(self.partner_address, self.partner_password)[subject]
            self.assertIn("cid:logo.1@example.com", received.get_body(("html",)).get_content())
            shown = {
                part["Content-ID"]: part.get_content()
                for part in received.walk()
                if part["Content-ID"]
            }
            self.assertEqual(shown, {"<logo.1@example.com>": picture}, subject)
            # In the text, not a file beside it.
            related = received.get_body(("related",))
            self.assertIsNotNone(related, subject)
            self.assertEqual(
                [p.get_content_type() for p in related.iter_attachments()], ["image/png"]
            )
            self.assertEqual([p.get_filename() for p in received.iter_attachments()], [], subject)

    def test_a_draft_of_another_program_with_a_very_long_file_name_saves_and_sends(self):
        """Another program's draft with a file named longer than 255 characters (or 255
        bytes in UTF-8) could be reopened but neither saved nor sent ("file name is longer
        than 255 characters"). The name is cut, its extension kept, and the file goes."""
        long_names = {
            "Langer Name": "Angebot " + "sehr lang " * 30 + ".pdf",
            "Langer Umlaut": "Übersicht-" * 24 + ".pdf",  # 244 characters, 292 bytes
        }
        account = self.personal.with_user(self.owner)
        for subject, long_name in long_names.items():
            draft = email.message.EmailMessage()
            draft["From"] = self.personal_address
            draft["To"] = self.partner_address
            draft["Subject"] = subject
            draft.set_content("Anbei das Angebot.\n")
            draft.add_attachment(FILE, maintype="application", subtype="pdf", filename=long_name)
            self.servers.dovecot.write_messages(
                self.personal_address, [("Drafts", draft.as_bytes(), {"\\Draft"}, RECEIVED)]
            )
            uidvalidity, uid = self.find_by_subject(account, subject, "Drafts")
            reopened = account.client_compose("draft", "Drafts", uidvalidity, uid)
            reopened.update(account.client_save_draft(reopened))
            self.assertTrue(account.client_send(reopened)["sent"])
            received, _flags = self.messages(self.partner_address, self.partner_password)[subject]
            ((name, content),) = [
                (part.get_filename(), part.get_content()) for part in received.iter_attachments()
            ]
            self.assertEqual(content, FILE)
            self.assertTrue(name.endswith(".pdf"), name)
            self.assertTrue(long_name.startswith(name[: -len(".pdf")]), name)
            self.assertLessEqual(len(name.encode()), 240)

    def test_a_draft_named_for_another_account_is_left_alone(self):
        """The composer's draft names its account: a reference that names another one
        (a tab switched accounts, a forged call) removes and replaces nothing."""
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Fremdes Konto", body_html="<p>x</p>")
        values.update(account.client_save_draft(values))
        self.assertEqual(values["draft"]["account"], self.personal.id)
        forged = dict(values, draft=dict(values["draft"], account=self.shared.id))
        for call in (account.client_discard, account.client_save_draft):
            with self.assertRaises(UserError):
                call(forged)
        drafts = self.subjects(self.personal_address, self.personal_password, "Drafts")
        self.assertEqual(drafts.count("Fremdes Konto"), 1)
        # A draft saved before references named their account is this account's.
        legacy = dict(
            values, draft={k: values["draft"][k] for k in ("folder", "uidvalidity", "uid")}
        )
        self.assertTrue(account.client_discard(legacy))
        self.assertNotIn(
            "Fremdes Konto", self.subjects(self.personal_address, self.personal_password, "Drafts")
        )

    def test_large_files_reach_the_recipient_as_they_are_filed_in_sent(self):
        """The files stream from the filestore into the draft and the mail, and out of the
        reopened draft again: every byte arrives, and Sent holds what the recipient got."""
        account = self.personal.with_user(self.owner)
        hidden, _hidden_password = self.new_mailbox()
        big = os.urandom(3 * 1024 * 1024)
        values = account.client_compose("new")
        values.update(
            to=[self.partner_address],
            bcc=[hidden],
            subject="Grosse Dateien",
            body_html="<p>.</p><p>Anbei die Dateien.</p>",
            attachments=self.upload(account, "gross.bin", big)
            + self.upload(account, "leer.txt", b"", "text/plain"),
        )
        values.update(account.client_save_draft(values))
        ref = values["draft"]
        reopened = account.client_compose("draft", ref["folder"], ref["uidvalidity"], ref["uid"])
        files = self.env["ir.attachment"].browse([a["id"] for a in reopened["attachments"]])
        self.assertEqual({f.name: f.raw or b"" for f in files}, {"gross.bin": big, "leer.txt": b""})
        self.assertTrue(account.client_send(reopened)["sent"])

        (received,) = self.sources(
            self.partner_address, self.partner_password, "INBOX", "Grosse Dateien"
        )
        (filed,) = self.sources(
            self.personal_address, self.personal_password, "Sent", "Grosse Dateien"
        )
        # The same bytes but the Bcc header, after the trace fields Dovecot puts on top.
        self.assertIn(b"Bcc: " + hidden.encode(), filed)
        self.assertTrue(received.endswith(mime.strip_bcc(filed)))
        parsed = email.message_from_bytes(received, policy=email.policy.default)
        self.assertNotIn("Bcc", parsed)
        self.assertEqual(
            {p.get_filename(): p.get_payload(decode=True) for p in parsed.iter_attachments()},
            {"gross.bin": big, "leer.txt": b""},
        )

    def test_a_refused_recipient_keeps_the_mail_as_a_draft(self):
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        unknown = "niemand@dynaoffice.test"
        values.update(
            to=[self.partner_address, unknown],
            subject="Geht nicht",
            body_html="<p>Text</p>",
            attachments=self.upload(account, "datei.bin", FILE),
        )
        result = account.client_send(values)
        self.assertFalse(result["sent"])
        self.assertIn(unknown, result["error"])
        self.assertTrue(result["draft"])
        self.assertNotIn("Geht nicht", self.messages(self.partner_address, self.partner_password))
        draft, flags = self.messages(self.personal_address, self.personal_password, "Drafts")[
            "Geht nicht"
        ]
        self.assertIn(b"\\Draft", flags)
        self.assertEqual([p.get_content() for p in draft.iter_attachments()], [FILE])
        # The files stay with the open composer for the next try.
        self.assertTrue(self.env["ir.attachment"].browse(values["attachments"][0]["id"]).exists())

    def test_a_wrong_smtp_password_says_so_and_keeps_the_draft(self):
        self.personal._without_connection_test().write({"smtp_password": "falsch-falsch"})
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Passwort", body_html="<p>x</p>")
        result = account.client_send(values)
        self.assertFalse(result["sent"])
        self.assertIn("password", result["error"])
        self.assertIn(
            "Passwort", self.messages(self.personal_address, self.personal_password, "Drafts")
        )

    def test_invalid_addresses_and_header_injection_are_refused_before_sending(self):
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        drafts_before = self.subjects(self.personal_address, self.personal_password, "Drafts")
        for field, value in (
            ("to", ["kein-at-zeichen"]),
            ("subject", "Hallo\r\nBcc: evil@example.com"),
            ("to", ["a@example.com\r\nBcc: evil@example.com"]),
        ):
            with self.assertRaises(UserError):
                account.client_send(dict(values, **{field: value}))
        self.assertEqual(
            self.subjects(self.personal_address, self.personal_password, "Drafts"), drafts_before
        )

    def test_group_members_send_from_the_group_account(self):
        shared = self.shared.with_user(self.member)
        values = shared.client_compose("new")
        values.update(to=[self.partner_address], subject="Vom Vertrieb", body_html="<p>x</p>")
        self.assertTrue(shared.client_send(values)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Vom Vertrieb"
        ]
        self.assertIn(self.shared_address, str(received["From"]))

    def test_only_users_of_the_account_write_and_only_with_their_own_files(self):
        for user in (self.other, self.member, self.admin):
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_compose("new")
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_send({"to": [self.partner_address]})
        # Another user's uploaded file cannot be smuggled into one's own mail.
        foreign = self.upload(self.shared.with_user(self.member), "fremd.bin", b"geheim")
        account = self.personal.with_user(self.owner)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="x", attachments=foreign)
        with self.assertRaises(AccessError):
            account.client_send(values)

    def test_recipient_suggestions_come_from_contacts(self):
        Account = self.env["dynaoffice.mail.account"].with_user(self.owner)
        suggestions = Account.client_suggest_recipients("Jürgen")
        self.assertIn(self.partner_address, [s["email"] for s in suggestions])
        self.assertIn("Jürgen Weiß", suggestions[0]["display"])

    def test_write_email_from_a_contact_opens_the_composer(self):
        partner = self.env["res.partner"].search([("email", "=", self.partner_address)])
        action = partner.with_user(self.owner).action_dynaoffice_mail_compose()
        self.assertEqual(action["tag"], "dynaoffice_mail.client")
        self.assertIn(self.partner_address, action["params"]["compose"]["to"][0])


@tagged("post_install", "-at_install")
class TestComposeUpload(HttpCase, ComposeCase):
    def test_upload_route_keeps_files_for_their_uploader(self):
        self.authenticate(self.owner.login, self.owner.login)
        response = self.url_open(
            f"/dynaoffice_mail/upload/{self.personal.id}",
            data={"csrf_token": http.Request.csrf_token(self)},
            files={"ufile": ("Größe.bin", FILE, "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 200, response.text)
        (upload,) = response.json()
        self.assertEqual((upload["name"], upload["size"]), ("Größe.bin", len(FILE)))
        record = self.env["ir.attachment"].browse(upload["id"])
        self.assertEqual(base64.b64decode(record.datas), FILE)
        with self.assertRaises(AccessError):
            record.with_user(self.other).read(["datas"])
        self.authenticate(self.other.login, self.other.login)
        refused = self.url_open(
            f"/dynaoffice_mail/upload/{self.personal.id}",
            data={"csrf_token": http.Request.csrf_token(self)},
            files={"ufile": ("x.bin", b"x", "application/octet-stream")},
        )
        self.assertIn(refused.status_code, (403, 404))

    def test_the_pictures_of_a_signature_reach_the_recipient_and_are_kept(self):
        """A logo in a group account's signature, uploaded in the account's form by the
        administrator before the account was saved (then of no record, as Odoo's editor
        uploads it): kept, shown to the members, sent inline; no other file goes along by
        a link in one's signature."""
        picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        Attachment = self.env["ir.attachment"]
        logo = Attachment.with_user(self.admin).create(
            {"name": "logo.png", "raw": picture, "res_model": "dynaoffice.mail.account"}
        )
        token = logo.sudo().generate_access_token()[0]
        src = f"/web/image/{logo.id}-{logo.checksum[:8]}/logo.png?access_token={token}"
        self.shared.with_user(self.admin).write(
            {"signature": f'<p>Ihr Vertrieb</p><p><img src="{src}" alt="Logo"></p>'}
        )
        # The composer's stale uploads go after two days; the signature's picture stays.
        self.env.cr.execute(
            "UPDATE ir_attachment SET create_date = now() - interval '3 days' WHERE id = %s",
            [logo.id],
        )
        self.env["dynaoffice.mail.account"]._gc_compose_uploads()
        self.assertTrue(logo.exists())

        shared = self.shared.with_user(self.member)
        values = shared.client_compose("new")
        self.assertIn(f'src="{src}"', values["body_html"].replace("&amp;", "&"))
        self.authenticate(self.member.login, self.member.login)
        self.assertEqual(self.url_open(f"/web/image/{logo.id}").content, picture)
        values.update(to=[self.partner_address], subject="Signatur mit Logo")
        values["body_html"] = "<p>Guten Tag</p>" + values["body_html"]
        self.assertTrue(shared.client_send(values)["sent"])
        received, _flags = self.messages(self.partner_address, self.partner_password)[
            "Signatur mit Logo"
        ]
        body = received.get_body(("html",)).get_content()
        self.assertNotIn("/web/image", body)
        pictures = [part for part in received.walk() if part["Content-ID"]]
        self.assertEqual([part.get_content() for part in pictures], [picture])
        self.assertIn(f"cid:{pictures[0]['Content-ID'].strip().strip('<>')}", body)

        # Another user's picture named in one's own signature is neither taken nor sent:
        # the mail is refused until the picture is out of the text.
        foreign = self.upload(
            self.shared.with_user(self.member), "fremd.png", picture, "image/png"
        )[0]
        foreign_src = f"/web/image/{foreign['id']}"
        account = self.personal.with_user(self.owner)
        account.write({"signature": f'<p>Olga</p><p><img src="{foreign_src}"></p>'})
        self.assertFalse(Attachment.browse(foreign["id"]).sudo().res_id)
        values = account.client_compose("new")
        values.update(to=[self.partner_address], subject="Fremdes Bild")
        with self.assertRaisesRegex(UserError, "picture in the text"):
            account.client_send(values)
        self.assertNotIn("Fremdes Bild", self.subjects(self.partner_address, self.partner_password))
        self.assertFalse(Attachment.browse(foreign["id"]).sudo().res_id)

    def test_the_editor_shows_the_pictures_of_a_draft_and_a_forward_the_mail_links_them(self):
        """Pictures in the text (cid:) of a reopened draft and of a forward show in the
        editor, from the uploads that carry them (to their uploader only), and the mail
        still links them by cid:, never by a URL of this server."""
        picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        draft = email.message.EmailMessage()
        draft["From"] = self.personal_address
        draft["To"] = self.partner_address
        draft["Subject"] = "Bild im Editor"
        draft["Message-ID"] = "<editor-bild@example.com>"
        draft.set_content(
            '<p>Logo:</p><p><img src="cid:logo.2@example.com" alt="Logo"></p>', "html"
        )
        draft.add_related(picture, "image", "png", cid="<logo.2@example.com>", filename="logo.png")
        self.deliver_to(self.personal_address, draft.as_bytes(), "Drafts")
        original = draft
        del original["Subject"]
        original["Subject"] = "Bild weiterleiten"
        original.replace_header("Message-ID", "<weiter-bild@example.com>")
        self.deliver_to(self.personal_address, original.as_bytes())
        account = self.personal.with_user(self.owner)
        opened = {
            "Bild im Editor": account.client_compose(
                "draft", "Drafts", *self.find_by_subject(account, "Bild im Editor", "Drafts")
            ),
            "Fwd: Bild weiterleiten": account.client_compose(
                "forward", "INBOX", *self.find_by_subject(account, "Bild weiterleiten")
            ),
        }
        for subject, values in opened.items():
            (upload,) = values["attachments"]
            self.assertEqual(upload["content_id"], "logo.2@example.com")
            self.assertNotIn("cid:", values["body_html"], subject)
            self.assertIn(f'src="/web/image/{upload["id"]}"', values["body_html"], subject)
            self.authenticate(self.owner.login, self.owner.login)
            shown = self.url_open(f"/web/image/{upload['id']}")
            self.assertEqual((shown.status_code, shown.content), (200, picture), subject)
            self.authenticate(self.other.login, self.other.login)
            self.assertNotEqual(self.url_open(f"/web/image/{upload['id']}").content, picture)

            values["to"] = [self.partner_address]
            values["body_html"] = "<p>Bitte ansehen.</p>" + values["body_html"]
            values.update(account.client_save_draft(values))
            self.assertTrue(account.client_send(values)["sent"], subject)
            received, _flags = self.messages(self.partner_address, self.partner_password)[subject]
            body = received.get_body(("html",)).get_content()
            self.assertIn("cid:logo.2@example.com", body, subject)
            self.assertNotIn("/web/image", body, subject)
            parts = {
                part["Content-ID"]: part.get_content()
                for part in received.walk()
                if part["Content-ID"]
            }
            self.assertEqual(parts, {"<logo.2@example.com>": picture}, subject)

    def test_a_picture_whose_upload_is_gone_never_sends_this_servers_url(self):
        """The editor shows a draft's picture from its upload (/web/image/<id>). Once that
        upload is no longer the mail's (the user removed the file, the stale uploads were
        cleared, it is another user's), saving and sending kept the URL of this server in
        the mail. Such a mail is refused, with a message that says what to do."""
        picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        draft = email.message.EmailMessage()
        draft["From"] = self.personal_address
        draft["To"] = self.partner_address
        draft["Subject"] = "Bild verschwunden"
        draft.set_content('<p>Logo:</p><p><img src="cid:logo.3@example.com"></p>', "html")
        draft.add_related(picture, "image", "png", cid="<logo.3@example.com>", filename="logo.png")
        self.deliver_to(self.personal_address, draft.as_bytes(), "Drafts")
        account = self.personal.with_user(self.owner)
        found = self.find_by_subject(account, "Bild verschwunden", "Drafts")
        opened = account.client_compose("draft", "Drafts", *found)
        (upload,) = opened["attachments"]
        others_upload = (
            self.env["ir.attachment"]
            .with_user(self.other)
            .create(
                {
                    "name": "fremd.png",
                    "raw": picture,
                    "res_model": "dynaoffice.mail.account",
                    "res_id": 0,
                }
            )
            .id
        )
        shown = f'<img src="/web/image/{upload["id"]}">'
        cases = {
            "file removed from the mail": dict(opened, attachments=[]),
            "absolute URL, file removed": dict(
                opened,
                attachments=[],
                body_html=f'<p><img src="https://erp.example.com/web/image/{upload["id"]}"></p>',
            ),
            "another user's upload": dict(
                opened, body_html=f'{shown}<img src="/web/image/{others_upload}">'
            ),
        }
        for case, values in cases.items():
            for call in (account.client_save_draft, account.client_send):
                with self.assertRaisesRegex(UserError, "picture in the text", msg=case):
                    call(dict(values, to=[self.partner_address]))
        self.env["ir.attachment"].browse(upload["id"]).unlink()  # stale uploads cleared
        with self.assertRaisesRegex(UserError, "picture in the text"):
            account.client_send(dict(opened, to=[self.partner_address]))
        self.assertNotIn(
            "Bild verschwunden", self.subjects(self.partner_address, self.partner_password)
        )
        drafts = self.sources(self.personal_address, self.personal_password, "Drafts", "Bild")
        self.assertFalse([source for source in drafts if b"/web/image" in source])
