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

    def test_thousands_of_unread_messages_far_apart_in_an_old_mailbox(self):
        # A mailbox used for years has UIDs in the millions; read and unread mail alternate.
        # Ten thousand such UIDs, none next to another, make a STORE of 80 kB: more than
        # Dovecot takes in one command line (64 kB).
        address, _password = self.new_mailbox()
        maildir = self.servers.dovecot.maildir(address)
        maildir.mkdir(parents=True)
        (maildir / "dovecot-uidlist").write_text("3 V1700000000 N1000000\n")
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
        mail = [
            ("INBOX", build_message(f"Liste {n}"), {"\\Seen"} if n % 2 else set(), received)
            for n in range(20_000)
        ]
        self.servers.dovecot.write_messages(address, mail)
        account = (
            self.env["dynaoffice.mail.account"]
            ._without_connection_test()
            .with_user(self.owner)
            .create(dict(self.account_values(address, _password), user_id=self.owner.id))
        )
        self.assertEqual(account.client_mark_folder_read("INBOX"), 10_000)
        inbox = next(f for f in account.client_folders() if f["name"] == "INBOX")
        self.assertEqual((inbox["total"], inbox["unread"]), (20_000, 0))
        self.assertGreaterEqual(account.client_page("INBOX")["messages"][0]["uid"], 1_000_000)
