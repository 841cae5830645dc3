"""Filing mail into DMS directories, end to end: messages on Dovecot, stored as dms.file
records (the .eml source and the files it carries), each content once per directory, and
who may do it."""

import base64
import datetime
import email.message
import hashlib
import secrets

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.dynaoffice_mail.services.refs import MessageRef
from odoo.addons.dynaoffice_mail.tests.common import MailServerCase

RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


@tagged("post_install", "-at_install")
class TestClientFileDms(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        dms_user = cls.env.ref("dms.group_dms_user")
        for user in (cls.owner, cls.member, cls.other):
            user.groups_id += dms_user
        storage = cls.env["dms.storage"].create({"name": "Ablage", "save_type": "database"})
        # The owner may add files to "Projekte"; Otto may only read it.
        writers = cls.env["dms.access.group"].create(
            {
                "name": "Projektablage",
                "perm_create": True,
                "perm_write": True,
                "explicit_user_ids": [(6, 0, [cls.owner.id, cls.member.id])],
            }
        )
        readers = cls.env["dms.access.group"].create(
            {"name": "Projektablage lesen", "explicit_user_ids": [(6, 0, [cls.other.id])]}
        )
        cls.directory = cls.env["dms.directory"].create(
            {
                "name": "Projekte",
                "is_root_directory": True,
                "storage_id": storage.id,
                "group_ids": [(6, 0, [writers.id, readers.id])],
            }
        )
        cls.hidden = cls.env["dms.directory"].create(
            {
                "name": "Geschäftsführung",
                "is_root_directory": True,
                "storage_id": storage.id,
                "group_ids": [(6, 0, [readers.id])],
            }
        )

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.account = self.personal.with_user(self.owner)

    def deliver(self, subject):
        message = email.message.EmailMessage()
        message["From"] = "Jürgen Weiß <juergen@weiss-bau.example>"
        message["To"] = self.personal_address
        message["Subject"] = subject
        message["Message-ID"] = f"<{secrets.token_hex(8)}@weiss-bau.example>"
        message.set_content("Anbei unser Angebot.")
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Angebot.pdf")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", message.as_bytes(), set(), RECEIVED)]
        )
        page = self.account.client_page("INBOX", search={"subject": subject})
        # The newest one: two tests deliver the same subject twice.
        return page["uidvalidity"], max(found["uid"] for found in page["messages"])

    def find_uid(self, subject):
        page = self.account.client_page("INBOX", search={"subject": subject})
        return page["uidvalidity"], max(found["uid"] for found in page["messages"])

    def file(self, account, uidvalidity, uids, directory, what):
        """The mail client's "File into documents" into a directory."""
        target = {"kind": "dms_directory", "directory_id": directory.id}
        return account.client_file("INBOX", uidvalidity, uids, target, what)

    def offered(self, account):
        """The ids of the directories the filing dialog offers (None: no directories)."""
        targets = account.client_filing_targets()["destinations"]
        found = [entry for entry in targets if entry["kind"] == "dms_directory"]
        return {entry["id"] for entry in found[0]["directories"]} if found else None

    def files(self, directory=None):
        return (
            self.env["dms.file"]
            .search([("directory_id", "=", (directory or self.directory).id)])
            .sorted("id")
        )

    def test_directories_offered_are_those_the_user_may_add_to(self):
        offered = self.offered(self.account)
        self.assertIn(self.directory.id, offered)
        self.assertNotIn(self.hidden.id, offered)
        as_reader = self.offered(self.shared.with_user(self.other))
        self.assertNotIn(self.directory.id, as_reader)

    def test_files_the_source_and_the_attachments_once(self):
        uidvalidity, uid = self.deliver("Angebot Dach")
        result = self.file(self.account, uidvalidity, [uid], self.directory, "both")
        self.assertEqual(result[uid]["filed"], ["Angebot Dach.eml", "Angebot.pdf"])
        eml, pdf = self.files()
        self.assertEqual(
            base64.b64decode(eml.content),
            self.account._mailbox().read_source(
                MessageRef.parse(self.account.id, "INBOX", uidvalidity, uid)
            ),
        )
        self.assertEqual(base64.b64decode(pdf.content), PDF)
        self.assertEqual(pdf.checksum, hashlib.sha1(PDF).hexdigest())
        self.assertEqual(pdf.create_uid, self.owner)

        again = self.file(self.account, uidvalidity, [uid], self.directory, "both")
        self.assertEqual(again[uid]["filed"], [])
        self.assertEqual(again[uid]["skipped"], ["Angebot Dach.eml", "Angebot.pdf"])
        self.assertEqual(len(self.files()), 2)

    def test_a_taken_name_with_other_content_gets_a_suffix(self):
        uidvalidity, first = self.deliver("Angebot")
        self.file(self.account, uidvalidity, [first], self.directory, "eml")
        uidvalidity, second = self.deliver("Angebot")
        result = self.file(self.account, uidvalidity, [second], self.directory, "both")
        self.assertEqual(result[second]["skipped"], [])
        self.assertEqual(len(result[second]["filed"]), 2)
        self.assertNotEqual(result[second]["filed"][0], "Angebot.eml")
        self.assertTrue(result[second]["filed"][0].endswith(".eml"))
        self.assertEqual(len(self.files()), 3)

    def test_long_names_in_any_script_are_filed(self):
        """A subject or a file name of 120 Japanese characters is 360 bytes: more than a
        file system takes (255 bytes), which dms checks a name against. Cut to fit, the mail
        is filed; uncut, dms refused the whole batch ("The file name is invalid.")."""
        subject = "見積書の件について" * 14
        for text in ("Anbei unser Angebot.", "Die zweite Fassung."):
            message = email.message.EmailMessage()
            message["From"] = "Jürgen Weiß <juergen@weiss-bau.example>"
            message["To"] = self.personal_address
            message["Subject"] = subject
            message.set_content(text)
            message.add_attachment(
                PDF, maintype="application", subtype="pdf", filename="見積書" * 50 + ".pdf"
            )
            self.servers.dovecot.write_messages(
                self.personal_address, [("INBOX", message.as_bytes(), set(), RECEIVED)]
            )
        page = self.account.client_page("INBOX", search={"subject": "見積書"})
        uidvalidity = page["uidvalidity"]
        first, second = sorted(found["uid"] for found in page["messages"])

        result = self.file(self.account, uidvalidity, [first], self.directory, "both")
        eml_name, pdf_name = result[first]["filed"]
        self.assertTrue(eml_name.startswith("見積書の件について") and eml_name.endswith(".eml"))
        self.assertTrue(pdf_name.startswith("見積書") and pdf_name.endswith(".pdf"))
        self.assertEqual(self.files().mapped("name"), [eml_name, pdf_name])
        # The second mail's .eml takes the same name: with dms's suffix it still fits.
        again = self.file(self.account, uidvalidity, [second], self.directory, "eml")
        (suffixed,) = again[second]["filed"]
        self.assertNotEqual(suffixed, eml_name)
        self.assertEqual(self.files().mapped("name"), [eml_name, pdf_name, suffixed])
        for name in (eml_name, pdf_name, suffixed):
            self.assertLessEqual(len(name.encode()), 255, name)

    def test_a_file_the_storage_refuses_is_named_and_the_others_are_filed(self):
        """dms refuses extensions its settings forbid. One such attachment in a batch made
        the whole filing fail with dms's bare message, nothing filed and no file named;
        now the others are filed and the refused one is named with dms's reason."""
        self.env["ir.config_parameter"].set_param("dms.forbidden_extensions", "exe,msi")
        message = email.message.EmailMessage()
        message["From"] = "Jürgen Weiß <juergen@weiss-bau.example>"
        message["To"] = self.personal_address
        message["Subject"] = "Werkzeug"
        message.set_content("Anbei das Programm und das Angebot.")
        message.add_attachment(
            b"MZ" + bytes(range(256)),
            maintype="application",
            subtype="octet-stream",
            filename="Setup.exe",
        )
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Angebot.pdf")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", message.as_bytes(), set(), RECEIVED)]
        )
        uidvalidity, tool = self.find_uid("Werkzeug")
        _uidvalidity, offer = self.deliver("Angebot Fenster")

        result = self.file(self.account, uidvalidity, [tool, offer], self.directory, "both")
        self.assertEqual(result[tool]["filed"], ["Werkzeug.eml", "Angebot.pdf"])
        self.assertEqual(
            result[tool]["refused"],
            [{"name": "Setup.exe", "reason": "The file has a forbidden file extension."}],
        )
        self.assertEqual(result[offer]["filed"], ["Angebot Fenster.eml"])
        self.assertEqual(result[offer]["skipped"], ["Angebot.pdf"])
        self.assertEqual(
            self.files().mapped("name"), ["Werkzeug.eml", "Angebot.pdf", "Angebot Fenster.eml"]
        )

        # The server action says so too.
        self.personal.dms_directory_id = self.directory
        handles = self.account.client_message_handles("INBOX", uidvalidity, [tool])
        handle = self.env["dynaoffice.mail.message"].with_user(self.owner).browse(handles[tool])
        answer = (
            self.env.ref(
                "dynaoffice_mail_dms.dynaoffice_mail_message_action_file_account_directory"
            )
            .with_user(self.owner)
            .with_context(active_model="dynaoffice.mail.message", active_ids=handle.ids)
            .run()
        )
        self.assertIn("Already there: 2.", answer["params"]["message"])
        self.assertIn(
            "Not accepted by the document storage: Setup.exe (The file has a forbidden file "
            "extension.)",
            answer["params"]["message"],
        )
        self.assertEqual(len(self.files()), 3)

    def test_only_users_of_the_mailbox_and_only_into_directories_they_may_add_to(self):
        uidvalidity, uid = self.deliver("Vertraulich")
        with self.assertRaises(AccessError):
            self.file(
                self.personal.with_user(self.other), uidvalidity, [uid], self.directory, "eml"
            )
        with self.assertRaises(AccessError):
            self.file(self.account, uidvalidity, [uid], self.hidden, "eml")
        self.assertFalse(self.files())
        self.assertFalse(self.files(self.hidden))

    def test_the_client_is_offered_the_directories_and_files_into_one(self):
        # Records stay on offer; the directories come with the bridge, for document users.
        kinds = [entry["kind"] for entry in self.account.client_filing_targets()["destinations"]]
        self.assertEqual(sorted(kinds), ["dms_directory", "record"])
        self.assertIn(self.directory.id, self.offered(self.account))
        uidvalidity, uid = self.deliver("Über den Client")
        result = self.file(self.account, uidvalidity, [uid], self.directory, "attachments")
        self.assertEqual(result[uid]["filed"], ["Angebot.pdf"])
        self.assertEqual(self.files().mapped("name"), ["Angebot.pdf"])
        # A target without a directory names no place.
        with self.assertRaises(UserError):
            self.account.client_file("INBOX", uidvalidity, [uid], {"kind": "dms_directory"}, "eml")
        # Nor does one whose directory is not an id (a forged call), which said so with a
        # server error.
        for forged in ("Projekte", [self.directory.id], 10**30):
            with self.assertRaises(UserError):
                self.account.client_file(
                    "INBOX", uidvalidity, [uid], {"kind": "dms_directory", "directory_id": forged}
                )

    def test_users_without_document_rights_are_offered_records_only(self):
        user = self.env.ref("dms.group_dms_user")
        self.member.groups_id -= user
        targets = self.shared.with_user(self.member).client_filing_targets()
        self.assertEqual(targets, {"destinations": [{"kind": "record"}]})

    def test_server_action_files_into_the_mailbox_directory(self):
        uidvalidity, uid = self.deliver("Automatisch ins Archiv")
        handles = self.account.client_message_handles("INBOX", uidvalidity, [uid])
        handle = self.env["dynaoffice.mail.message"].with_user(self.owner).browse(handles[uid])
        action = (
            self.env.ref(
                "dynaoffice_mail_dms.dynaoffice_mail_message_action_file_account_directory"
            )
            .with_user(self.owner)
            .with_context(active_model="dynaoffice.mail.message", active_ids=handle.ids)
        )
        # No directory chosen for the mailbox yet: the message is left alone.
        answer = action.run()
        self.assertIn(
            "Messages left alone (their mailbox has no document directory): 1.",
            answer["params"]["message"],
        )
        self.assertFalse(self.files())

        self.personal.dms_directory_id = self.directory
        answer = action.run()
        self.assertIn("Files filed: 2.", answer["params"]["message"])
        self.assertEqual(self.files().mapped("name"), ["Automatisch ins Archiv.eml", "Angebot.pdf"])
        # For automation code, the same with a directory of its choice: all there already.
        result = handle.file_to_directory(self.directory.id, "both")
        self.assertEqual(result[handle.id]["filed"], [])
        self.assertEqual(len(result[handle.id]["skipped"]), 2)
