"""Deleting into Trash on a server that flags no folder \\Trash (RFC 6154 is optional):
"Move to Trash" finds the Trash by its usual name, and without one deletes nothing.

Against a Dovecot of its own whose configuration names no special-use folders."""

import secrets
import shutil
from unittest import mock

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MailServerCase, build_message

try:
    from dynaoffice_mail_testing import dovecot
except ImportError:  # test_servers() in MailServerCase says what is missing
    dovecot = None


@tagged("post_install", "-at_install")
class TestTrashWithoutSpecialUse(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base = cls.servers.base / f"dovecot-plain-{secrets.token_hex(3)}"
        cls.plain = dovecot.Dovecot(base, cls.servers.certificates)
        with mock.patch.object(dovecot, "SPECIAL_FOLDERS", {}):
            cls.plain.start()
        cls.addClassCleanup(shutil.rmtree, base, ignore_errors=True)
        cls.addClassCleanup(cls.plain.stop)

    def setUp(self):
        super().setUp()
        self.address = f"plain-{secrets.token_hex(4)}@dynaoffice.test"
        password = secrets.token_urlsafe(12)
        self.plain.add_user(self.address, password)
        values = self.account_values(self.address, password, imap_port=self.plain.port_imaps)
        values.update(user_id=self.owner.id, delete_mode="trash")
        account = self.env["dynaoffice.mail.account"]._without_connection_test().create(values)
        self.account = account.with_user(self.owner)

    def deliver(self, subject):
        def append(client):
            client.append("INBOX", build_message(subject))

        self.account._mailbox().run(append, safe=False)

    def subjects(self, folder):
        page = self.account.client_page(folder, sort="subject", reverse=False)
        return page, [message["subject"] for message in page["messages"]]

    def test_move_to_trash_finds_the_trash_by_its_name(self):
        self.account.client_create_folder("Papierkorb")
        folders = {folder["name"]: folder for folder in self.account.client_folders()}
        self.assertNotIn("\\Trash", folders["Papierkorb"]["flags"], "the server flags no Trash")
        self.deliver("Angebot")
        page, _subjects = self.subjects("INBOX")
        uid = page["messages"][0]["uid"]
        self.account.client_delete("INBOX", page["uidvalidity"], [uid])
        self.assertEqual(self.subjects("INBOX")[1], [])
        self.assertEqual(self.subjects("Papierkorb")[1], ["Angebot"])

    def test_without_a_trash_nothing_is_deleted(self):
        self.deliver("Rechnung")
        page, _subjects = self.subjects("INBOX")
        uid = page["messages"][0]["uid"]
        with self.assertRaisesRegex(UserError, "no Trash folder"):
            self.account.client_delete("INBOX", page["uidvalidity"], [uid])
        self.assertEqual(self.subjects("INBOX")[1], ["Rechnung"])

    def test_the_folder_list_names_the_trash_deleting_uses(self):
        """The client decides by the folder list whether deleting is for good (it asks
        first), offers Empty Trash and Undo: the Trash it shows is the one deleting uses. In
        "mark as deleted" mode, deleting inside the Trash removes the mail at once; a
        folder list that did not name it let that happen without the question."""
        self.account.sudo()._without_connection_test().delete_mode = "flag"
        for name in ("Papierkorb", "Gesendete Elemente", "Archiv", "Projekte"):
            self.account.client_create_folder(name)
        listed = self.account.client_folders()
        uses = {folder["name"]: folder["special_use"] for folder in listed}
        self.assertEqual(uses["Papierkorb"], "\\Trash")
        self.assertEqual(uses["Gesendete Elemente"], "\\Sent")
        self.assertEqual(uses["Archiv"], "\\Archive")
        self.assertFalse(uses["Projekte"])
        self.assertEqual(
            [folder["name"] for folder in listed],
            ["INBOX", "Gesendete Elemente", "Papierkorb", "Archiv", "Projekte"],
        )
        self.deliver("Angebot")
        self.account.client_move("INBOX", *self._only("INBOX"), "Papierkorb")
        self.account.client_delete("Papierkorb", *self._only("Papierkorb"))
        self.assertEqual(self.subjects("Papierkorb")[1], [], "removed at once, inside the Trash")

    def _only(self, folder):
        page, _subjects = self.subjects(folder)
        return page["uidvalidity"], [page["messages"][0]["uid"]]
