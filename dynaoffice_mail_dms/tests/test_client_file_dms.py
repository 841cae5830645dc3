"""Filing mail into DMS directories, end to end: messages on Dovecot, stored as dms.file
records (the .eml source and the files it carries), each content once per directory, and
who may do it."""

import base64
import datetime
import email.message
import hashlib
import secrets

from odoo.exceptions import AccessError
from odoo.tests import tagged

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

    def files(self, directory=None):
        return (
            self.env["dms.file"]
            .search([("directory_id", "=", (directory or self.directory).id)])
            .sorted("id")
        )

    def test_directories_offered_are_those_the_user_may_add_to(self):
        offered = {entry["id"] for entry in self.account.client_dms_directories()}
        self.assertIn(self.directory.id, offered)
        self.assertNotIn(self.hidden.id, offered)
        as_reader = self.shared.with_user(self.other).client_dms_directories()
        self.assertNotIn(self.directory.id, {entry["id"] for entry in as_reader})

    def test_files_the_source_and_the_attachments_once(self):
        uidvalidity, uid = self.deliver("Angebot Dach")
        result = self.account.client_file_to_dms(
            "INBOX", uidvalidity, [uid], self.directory.id, "both"
        )
        self.assertEqual(result[uid]["filed"], ["Angebot Dach.eml", "Angebot.pdf"])
        eml, pdf = self.files()
        self.assertEqual(
            base64.b64decode(eml.content), self.account._read_source("INBOX", uidvalidity, uid)
        )
        self.assertEqual(base64.b64decode(pdf.content), PDF)
        self.assertEqual(pdf.checksum, hashlib.sha1(PDF).hexdigest())
        self.assertEqual(pdf.create_uid, self.owner)

        again = self.account.client_file_to_dms(
            "INBOX", uidvalidity, [uid], self.directory.id, "both"
        )
        self.assertEqual(again[uid]["filed"], [])
        self.assertEqual(again[uid]["skipped"], ["Angebot Dach.eml", "Angebot.pdf"])
        self.assertEqual(len(self.files()), 2)

    def test_a_taken_name_with_other_content_gets_a_suffix(self):
        uidvalidity, first = self.deliver("Angebot")
        self.account.client_file_to_dms("INBOX", uidvalidity, [first], self.directory.id, "eml")
        uidvalidity, second = self.deliver("Angebot")
        result = self.account.client_file_to_dms(
            "INBOX", uidvalidity, [second], self.directory.id, "both"
        )
        self.assertEqual(result[second]["skipped"], [])
        self.assertEqual(len(result[second]["filed"]), 2)
        self.assertNotEqual(result[second]["filed"][0], "Angebot.eml")
        self.assertTrue(result[second]["filed"][0].endswith(".eml"))
        self.assertEqual(len(self.files()), 3)

    def test_only_users_of_the_mailbox_and_only_into_directories_they_may_add_to(self):
        uidvalidity, uid = self.deliver("Vertraulich")
        with self.assertRaises(AccessError):
            self.personal.with_user(self.other).client_file_to_dms(
                "INBOX", uidvalidity, [uid], self.directory.id, "eml"
            )
        with self.assertRaises(AccessError):
            self.account.client_file_to_dms("INBOX", uidvalidity, [uid], self.hidden.id, "eml")
        self.assertFalse(self.files())
        self.assertFalse(self.files(self.hidden))

    def test_the_client_is_offered_the_directories_and_files_into_one(self):
        targets = self.account.client_filing_targets()
        self.assertIn(self.directory.id, {entry["id"] for entry in targets["directories"]})
        uidvalidity, uid = self.deliver("Über den Client")
        result = self.account.client_file(
            "INBOX", uidvalidity, [uid], {"directory_id": self.directory.id}, "attachments"
        )
        self.assertEqual(result[uid]["filed"], ["Angebot.pdf"])
        self.assertEqual(self.files().mapped("name"), ["Angebot.pdf"])

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
