"""Mark folder as read: every unread message of one folder, on the server, for the owner only."""

import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..services import limits
from .common import MailServerCase, build_message


@tagged("post_install", "-at_install")
class TestClientFolderRead(MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
        inbox = [("INBOX", build_message(f"Neu {n}"), set(), received) for n in range(1, 6)]
        inbox.append(("INBOX", build_message("Gelesen"), {"\\Seen"}, received))
        archive = [("Archive", build_message(f"Alt {n}"), set(), received) for n in (1, 2)]
        self.servers.dovecot.write_messages(self.personal_address, inbox + archive)
        self.account = self.personal.with_user(self.owner)

    def counts(self):
        return {f["name"]: (f["total"], f["unread"]) for f in self.account.client_folders()}

    def test_marks_every_unread_message_of_the_folder_only(self):
        self.assertEqual(self.account.client_mark_folder_read("INBOX"), 5)
        counts = self.counts()
        self.assertEqual(counts["INBOX"], (6, 0))
        self.assertEqual(counts["Archive"], (2, 2))  # other folders keep their unread mail
        page = self.account.client_page("INBOX")
        self.assertTrue(all(message["seen"] for message in page["messages"]))
        # Nothing left to mark: none, and no error.
        self.assertEqual(self.account.client_mark_folder_read("INBOX"), 0)

    def test_more_unread_than_one_command_may_name(self):
        # Two UIDs per STORE: five unread messages take three commands, all of them marked.
        with patch.object(limits, "MAX_UIDS", 2):
            self.assertEqual(self.account.client_mark_folder_read("INBOX"), 5)
        self.assertEqual(self.counts()["INBOX"], (6, 0))

    def test_only_the_owner_marks_a_folder_read(self):
        for user in (self.other, self.member, self.admin):
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_mark_folder_read("INBOX")
        self.assertEqual(self.counts()["INBOX"], (6, 5))
