"""Filing mail as files on a record, end to end: messages on Dovecot, stored as attachments
(the .eml source and the files it carries), each content once, and who may do it."""

import base64
import datetime
import email.message
import hashlib
import secrets
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..services.refs import MessageRef
from .common import MailServerCase

RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # binary, with every byte value
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@tagged("post_install", "-at_install")
class TestClientFile(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Contact Creation, as Odoo gives every new user: changing a contact needs it.
        contacts = cls.env.ref("base.group_partner_manager")
        for user in (cls.owner, cls.member, cls.other, cls.admin):
            user.groups_id += contacts
        # In the sales group (may use its mailbox) but without Contact Creation: contacts
        # are read-only to them.
        cls.reader = mail_new_test_user(
            cls.env, login="mail_reader", groups="base.group_user", name="Rita Reader"
        )
        cls.sales.users += cls.reader
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jürgen Weiß", "email": f"juergen-{secrets.token_hex(3)}@weiss-bau.example"}
        )

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.account = self.personal.with_user(self.owner)

    # -- helpers ------------------------------------------------------------------------

    def deliver(self, raw, address=None):
        self.servers.dovecot.write_messages(
            address or self.personal_address, [("INBOX", raw, set(), RECEIVED)]
        )

    def find(self, subject, account=None):
        page = (account or self.account).client_page("INBOX", search={"subject": subject})
        self.assertEqual(len(page["messages"]), 1, subject)
        return page["uidvalidity"], page["messages"][0]["uid"]

    def offer(self, subject, pdf=PDF, to=None):
        """An HTML offer with an inline logo and a PDF."""
        message = email.message.EmailMessage()
        message["From"] = f"Jürgen Weiß <{self.customer.email}>"
        message["To"] = to or self.personal_address
        message["Subject"] = subject
        message["Date"] = "Mon, 02 Mar 2026 09:30:00 +0100"
        message["Message-ID"] = f"<{secrets.token_hex(8)}@weiss-bau.example>"
        message.set_content("Anbei unser Angebot.")
        message.add_alternative(
            '<p>Anbei unser <b>Angebot</b>.</p><img src="cid:logo@weiss-bau">', subtype="html"
        )
        message.get_payload()[1].add_related(
            PNG, maintype="image", subtype="png", cid="<logo@weiss-bau>", filename="logo.png"
        )
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename="Angebot.pdf")
        return message.as_bytes()

    def files_of(self, record):
        return self.env["ir.attachment"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)], order="id"
        )

    # -- filing -------------------------------------------------------------------------

    def test_files_the_source_and_the_attachments_onto_a_contact_once(self):
        self.deliver(self.offer("Angebot 2026/17: Dach"))
        uidvalidity, uid = self.find("Angebot 2026/17")

        result = self.account.client_file_to_record(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id, "both"
        )
        # The path separator of the subject does not make it into the file name; the
        # logo the body shows is not a file of its own.
        self.assertEqual(
            result,
            {
                uid: {
                    "filed": ["Angebot 2026 17 Dach.eml", "Angebot.pdf"],
                    "skipped": [],
                    "left_out": [],
                    "refused": [],
                    "gone": False,
                }
            },
        )
        eml, pdf = self.files_of(self.customer)
        self.assertEqual(eml.name, "Angebot 2026 17 Dach.eml")
        self.assertEqual(eml.mimetype, "message/rfc822")
        ref = MessageRef.parse(self.account.id, "INBOX", uidvalidity, uid)
        self.assertEqual(eml.raw, self.account._mailbox().read_source(ref))
        self.assertIn(base64.encodebytes(PDF)[:60], eml.raw.replace(b"\r\n", b"\n"))
        self.assertEqual(pdf.name, "Angebot.pdf")
        self.assertEqual(pdf.mimetype, "application/pdf")
        self.assertEqual(pdf.raw, PDF)
        self.assertEqual(eml.create_uid, self.owner)

        again = self.account.client_file_to_record(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id, "both"
        )
        self.assertEqual(again[uid]["filed"], [])
        self.assertEqual(again[uid]["skipped"], ["Angebot 2026 17 Dach.eml", "Angebot.pdf"])
        self.assertEqual(len(self.files_of(self.customer)), 2)

    def test_the_same_file_in_another_mail_is_not_filed_twice(self):
        self.deliver(self.offer("Erstes Angebot"))
        self.deliver(self.offer("Angebot, nachgereicht"))
        first = self.find("Erstes Angebot")
        uidvalidity, second = self.find("nachgereicht")
        self.account.client_file_to_record(
            "INBOX", first[0], [first[1]], "res.partner", self.customer.id, "attachments"
        )

        result = self.account.client_file_to_record(
            "INBOX", uidvalidity, [second], "res.partner", self.customer.id, "both"
        )
        self.assertEqual(result[second]["filed"], ["Angebot, nachgereicht.eml"])
        self.assertEqual(result[second]["skipped"], ["Angebot.pdf"])
        names = self.files_of(self.customer).mapped("name")
        self.assertEqual(names, ["Angebot.pdf", "Angebot, nachgereicht.eml"])

    def test_chosen_attachments_only(self):
        self.deliver(self.offer("Logo gewünscht"))
        uidvalidity, uid = self.find("Logo gewünscht")
        message = self.account.client_message("INBOX", uidvalidity, uid)
        logo = next(a["part"] for a in message["attachments"] if a["filename"] == "logo.png")

        result = self.account.client_file_to_record(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id, "attachments", [logo]
        )
        self.assertEqual(result[uid]["filed"], ["logo.png"])
        (stored,) = self.files_of(self.customer)
        self.assertEqual(stored.raw, PNG)
        self.assertEqual(stored.mimetype, "image/png")

    def test_mail_no_longer_on_the_server_is_reported_gone(self):
        self.deliver(self.offer("Bleibt"))
        uidvalidity, uid = self.find("Bleibt")
        result = self.account.client_file_to_record(
            "INBOX", uidvalidity, [uid, uid + 1000], "res.partner", self.customer.id, "eml"
        )
        self.assertEqual(result[uid]["filed"], ["Bleibt.eml"])
        self.assertTrue(result[uid + 1000]["gone"])
        self.assertEqual(result[uid + 1000]["filed"], [])

    def test_handles_file_for_automation(self):
        self.deliver(self.offer("Automatisch abgelegt"))
        uidvalidity, uid = self.find("Automatisch abgelegt")
        handles = self.account.client_message_handles("INBOX", uidvalidity, [uid])
        handle = self.env["dynaoffice.mail.message"].with_user(self.owner).browse(handles[uid])

        result = handle.file_to_record("res.partner", self.customer.id, "eml")
        self.assertEqual(result[handle.id]["filed"], ["Automatisch abgelegt.eml"])
        self.assertEqual(self.files_of(self.customer).mapped("name"), result[handle.id]["filed"])

    def test_a_group_mailbox_files_for_its_members(self):
        self.deliver(self.offer("Für das Team", to=self.shared_address), self.shared_address)
        shared = self.shared.with_user(self.member)
        uidvalidity, uid = self.find("Für das Team", shared)
        result = shared.client_file_to_record(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id, "eml"
        )
        self.assertEqual(result[uid]["filed"], ["Für das Team.eml"])

    def test_a_file_name_cannot_hide_its_extension(self):
        """A right-to-left override shows "Rechnung\u202efdp.exe" as "Rechnungexe.pdf": in
        the record's files the program would pass for a PDF. Filed without the direction
        marks, it is named as what it is."""
        message = email.message.EmailMessage()
        message["From"] = f"Jürgen Weiß <{self.customer.email}>"
        message["To"] = self.personal_address
        message["Subject"] = "Rechnung\u202efdp.exe"
        message.set_content("Anbei die Rechnung.")
        for name in ("Rechnung\u202efdp.exe", "Beleg\u2067\u200fgpj.scr\u2069"):
            message.add_attachment(
                PDF + name.encode(), maintype="application", subtype="octet-stream", filename=name
            )
        self.deliver(message.as_bytes())
        uidvalidity, uid = self.find("Rechnung")

        result = self.account.client_file_to_record(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id, "both"
        )
        expected = ["Rechnungfdp.exe.eml", "Rechnungfdp.exe", "Beleggpj.scr"]
        self.assertEqual(result[uid]["filed"], expected)
        self.assertEqual(self.files_of(self.customer).mapped("name"), expected)

    # -- who may -------------------------------------------------------------------------

    def test_only_users_of_the_mailbox_may_file_its_mail(self):
        self.deliver(self.offer("Vertraulich"))
        uidvalidity, uid = self.find("Vertraulich")
        for user in (self.other, self.admin, self.member):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.personal.with_user(user).client_file_to_record(
                    "INBOX", uidvalidity, [uid], "res.partner", self.customer.id, "both"
                )
        self.assertFalse(self.files_of(self.customer))

    def test_only_onto_records_the_user_may_change(self):
        self.deliver(self.offer("Nur lesen", to=self.shared_address), self.shared_address)
        shared = self.shared.with_user(self.reader)
        uidvalidity, uid = self.find("Nur lesen", shared)
        with self.assertRaises(AccessError):
            shared.client_file_to_record(
                "INBOX", uidvalidity, [uid], "res.partner", self.customer.id, "both"
            )
        with self.assertRaises(UserError):
            shared.client_file_to_record(
                "INBOX", uidvalidity, [uid], "res.users", self.reader.id, "eml"
            )
        # Technical models are no place for mail, as in the picker: a document storage's
        # directories take files through their own destination only.
        for technical in ("dms.directory", "ir.ui.view", "mail.template"):
            with self.subTest(model=technical), self.assertRaises(UserError):
                shared.client_file_to_record("INBOX", uidvalidity, [uid], technical, 1, "eml")
        with self.assertRaises(UserError):
            shared.client_file_to_record(
                "INBOX", uidvalidity, [uid], "res.partner", self.customer.id + 10**6, "eml"
            )
        self.assertFalse(self.files_of(self.customer))

    # -- the client's entry point and the server action -------------------------------------

    def test_the_client_files_onto_the_record_it_names(self):
        self.deliver(self.offer("Über den Client"))
        uidvalidity, uid = self.find("Über den Client")
        result = self.account.client_file(
            "INBOX",
            uidvalidity,
            [uid],
            {"res_model": "res.partner", "res_id": self.customer.id},
            "attachments",
        )
        self.assertEqual(result[uid]["filed"], ["Angebot.pdf"])
        self.assertEqual(self.files_of(self.customer).mapped("name"), ["Angebot.pdf"])
        with self.assertRaises(UserError):
            self.account.client_file("INBOX", uidvalidity, [uid], {}, "eml")
        # A kind of place no installed addon offers.
        with self.assertRaises(UserError):
            self.account.client_file("INBOX", uidvalidity, [uid], {"kind": "gone"}, "eml")
        self.assertEqual(self.files_of(self.customer).mapped("name"), ["Angebot.pdf"])

    def test_users_without_document_storage_file_onto_records_only(self):
        # The owner is no document user (with or without the dms bridge installed).
        self.assertEqual(
            self.account.client_filing_targets(), {"destinations": [{"kind": "record"}]}
        )

    def test_a_bridge_adds_its_destination_through_the_hook(self):
        """What a bridge addon does (dynaoffice_mail_dms adds directories): one more class
        from `_filing_destinations()` is offered to the dialog and files where it says."""
        stored = []

        class Notebook:
            kind = "notebook"

            @classmethod
            def available(cls, env):
                return True

            @classmethod
            def describe(cls, env):
                return {"kind": cls.kind, "pages": 2}

            @classmethod
            def resolve(cls, env, target):
                return cls()

            def holds(self, checksum):
                return checksum in {entry[1] for entry in stored}

            def store(self, name, mimetype, content):
                stored.append((name, hashlib.sha1(content).hexdigest()))
                return f"page {len(stored)}: {name}"

        self.deliver(self.offer("Ins Notizbuch"))
        uidvalidity, uid = self.find("Ins Notizbuch")
        Account = type(self.env["dynaoffice.mail.account"])
        destinations = [*self.account._filing_destinations(), Notebook]
        with patch.object(Account, "_filing_destinations", lambda self: destinations):
            self.assertIn(
                {"kind": "notebook", "pages": 2},
                self.account.client_filing_targets()["destinations"],
            )
            target = {"kind": "notebook"}
            result = self.account.client_file("INBOX", uidvalidity, [uid], target, "both")
            again = self.account.client_file("INBOX", uidvalidity, [uid], target, "attachments")
        self.assertEqual(result[uid]["filed"], ["page 1: Ins Notizbuch.eml", "page 2: Angebot.pdf"])
        self.assertEqual(again[uid]["skipped"], ["Angebot.pdf"])
        self.assertFalse(self.files_of(self.customer))

    def test_server_action_files_into_the_records_the_mail_is_assigned_to(self):
        self.deliver(self.offer("Zugewiesen und abgelegt"))
        self.deliver(self.offer("Nicht zugewiesen", pdf=PDF + b"other"))
        first_uidvalidity, assigned = self.find("Zugewiesen und abgelegt")
        _uidvalidity, loose = self.find("Nicht zugewiesen")
        self.account.client_assign(
            "INBOX", first_uidvalidity, [assigned], "res.partner", self.customer.id
        )
        # The chatter entry holds the PDF already (as the mail's attachment).
        held = set(self.files_of(self.customer).mapped("name"))
        self.assertIn("Angebot.pdf", held)
        handles = self.account.client_message_handles("INBOX", first_uidvalidity, [assigned, loose])
        records = (
            self.env["dynaoffice.mail.message"]
            .with_user(self.owner)
            .browse([handles[assigned], handles[loose]])
        )
        action = self.env.ref(
            "dynaoffice_mail.dynaoffice_mail_message_action_file_assigned_records"
        ).with_user(self.owner)
        answer = action.with_context(
            active_model="dynaoffice.mail.message", active_ids=records.ids
        ).run()
        message = answer["params"]["message"]
        self.assertIn("Files filed: 1.", message)  # the .eml; the PDF was there already
        self.assertIn("Already there: 1.", message)
        self.assertIn("Messages left alone (not assigned to a record you may change): 1.", message)
        names = self.files_of(self.customer).mapped("name")
        self.assertEqual(names.count("Zugewiesen und abgelegt.eml"), 1)
        self.assertEqual(names.count("Angebot.pdf"), 1)
        self.assertNotIn("Nicht zugewiesen.eml", names)

        # Run again: nothing new.
        again = action.with_context(
            active_model="dynaoffice.mail.message", active_ids=records.ids
        ).run()
        self.assertIn("Files filed: 0.", again["params"]["message"])
        self.assertEqual(len(self.files_of(self.customer)), len(names))
