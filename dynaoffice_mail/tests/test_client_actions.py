"""Changing mail from the client: flags, moving, the three ways of deleting, empty Trash."""

import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MailServerCase, build_message


@tagged("post_install", "-at_install")
class TestClientActions(MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", build_message(f"Nachricht {n}"), set(), received) for n in range(1, 5)],
        )
        self.account = self.personal.with_user(self.owner)

    def inbox(self):
        return self.account.client_page("INBOX", sort="subject", reverse=False)

    def counts(self):
        return {f["name"]: (f["total"], f["unread"]) for f in self.account.client_folders()}

    def test_flags_change_on_the_server(self):
        page = self.inbox()
        first = page["messages"][0]["uid"]
        self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "seen", True)
        self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "flagged", True)
        message = self.inbox()["messages"][0]
        self.assertTrue(message["seen"] and message["flagged"])
        self.assertEqual(self.counts()["INBOX"], (4, 3))
        self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "seen", False)
        self.assertEqual(self.counts()["INBOX"], (4, 4))
        with self.assertRaises(UserError):
            self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "deleted", True)

    def test_move_to_another_folder(self):
        page = self.inbox()
        uids = [m["uid"] for m in page["messages"][:2]]
        self.account.client_move("INBOX", page["uidvalidity"], uids, "Archive")
        counts = self.counts()
        self.assertEqual((counts["INBOX"][0], counts["Archive"][0]), (2, 2))
        archived = self.account.client_page("Archive", sort="subject", reverse=False)
        self.assertEqual(
            [m["subject"] for m in archived["messages"]], ["Nachricht 1", "Nachricht 2"]
        )

    def test_delete_moves_to_trash_by_default_and_removes_inside_trash(self):
        page = self.inbox()
        self.account.client_delete("INBOX", page["uidvalidity"], [page["messages"][0]["uid"]])
        self.assertEqual((self.counts()["INBOX"][0], self.counts()["Trash"][0]), (3, 1))
        trash = self.account.client_page("Trash")
        self.account.client_delete("Trash", trash["uidvalidity"], [trash["messages"][0]["uid"]])
        self.assertEqual(self.counts()["Trash"][0], 0)

    def test_delete_can_only_mark_or_remove_at_once(self):
        self.personal.with_user(self.owner).write({"delete_mode": "flag"})
        page = self.inbox()
        self.account.client_delete("INBOX", page["uidvalidity"], [page["messages"][0]["uid"]])
        marked = self.inbox()["messages"][0]
        self.assertTrue(marked["deleted"])
        self.assertEqual(self.counts()["INBOX"][0], 4)  # still on the server, marked
        self.personal.with_user(self.owner).write({"delete_mode": "expunge"})
        self.account.client_delete("INBOX", page["uidvalidity"], [page["messages"][1]["uid"]])
        self.assertEqual(
            [m["subject"] for m in self.inbox()["messages"]],
            ["Nachricht 1", "Nachricht 3", "Nachricht 4"],
        )
        self.assertEqual(self.counts()["Trash"][0], 0)

    def test_empty_trash(self):
        page = self.inbox()
        uids = [m["uid"] for m in page["messages"]]
        self.account.client_delete("INBOX", page["uidvalidity"], uids)
        self.assertEqual(self.counts()["Trash"][0], 4)
        self.assertEqual(self.account.client_empty_trash(), 4)
        self.assertEqual(self.counts()["Trash"][0], 0)

    def test_renumbered_folder_changes_nothing(self):
        page = self.inbox()
        with self.assertRaises(UserError) as caught:
            self.account.client_delete(
                "INBOX", page["uidvalidity"] + 1, [page["messages"][0]["uid"]]
            )
        self.assertIn("Reload the list", str(caught.exception))
        # The client recognises this error by its class name and reloads the folder.
        self.assertEqual(type(caught.exception).__name__, "FolderRenumberedError")
        self.assertEqual(self.counts()["INBOX"][0], 4)

    def test_only_the_owner_changes_mail(self):
        page = self.inbox()
        uid = page["messages"][0]["uid"]
        for user in (self.other, self.member, self.admin):
            account = self.personal.with_user(user)
            with self.assertRaises(AccessError):
                account.client_delete("INBOX", page["uidvalidity"], [uid])
            with self.assertRaises(AccessError):
                account.client_set_flag("INBOX", page["uidvalidity"], [uid], "seen", True)
            with self.assertRaises(AccessError):
                account.client_empty_trash()
        self.assertEqual(self.counts()["INBOX"], (4, 4))
