"""The account switcher's unread counts: the Inbox of each account the user may use, live
from its server."""

import datetime

from odoo.tests import tagged

from .common import MailServerCase, build_message, closed_port

RECEIVED = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)


@tagged("post_install", "-at_install")
class TestClientUnread(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.servers.dovecot.write_messages(
            cls.personal_address,
            [
                ("INBOX", build_message("Angebot"), set(), RECEIVED),
                ("INBOX", build_message("Rechnung"), set(), RECEIVED),
                ("INBOX", build_message("Termin"), {"\\Seen"}, RECEIVED),
                # Unread mail elsewhere is not the Inbox's.
                ("Archive", build_message("Alt"), set(), RECEIVED),
            ],
        )
        cls.servers.dovecot.write_messages(
            cls.shared_address, [("INBOX", build_message("Für alle"), set(), RECEIVED)]
        )

    def unread_of(self, user):
        return self.env["dynaoffice.mail.account"].with_user(user).client_account_unread()

    def test_each_user_gets_the_counts_of_exactly_their_mailboxes(self):
        self.assertEqual(self.unread_of(self.owner), {self.personal.id: 2})
        self.assertEqual(self.unread_of(self.member), {self.shared.id: 1})
        # An administrator lists every account but uses none of other people's.
        self.assertEqual(self.unread_of(self.admin), {})
        self.assertEqual(self.unread_of(self.other), {})

    def create_personal_account(self, address, password, **overrides):
        Account = self.env["dynaoffice.mail.account"]._without_connection_test()
        return Account.with_user(self.owner).create(
            dict(self.account_values(address, password, **overrides), user_id=self.owner.id)
        )

    def test_the_count_follows_the_server(self):
        address, password = self.new_mailbox()
        second = self.create_personal_account(address, password)
        self.assertEqual(self.unread_of(self.owner), {self.personal.id: 2, second.id: 0})
        self.servers.dovecot.write_messages(
            address, [("INBOX", build_message(f"Neu {n}"), set(), RECEIVED) for n in range(3)]
        )
        self.assertEqual(self.unread_of(self.owner), {self.personal.id: 2, second.id: 3})
        # Another mail program reads two of them.
        client = self.imap(address, password)
        try:
            client.select_folder("INBOX")
            client.add_flags(client.search(["UNSEEN"])[:2], ["\\Seen"])
        finally:
            client.logout()
        self.assertEqual(self.unread_of(self.owner), {self.personal.id: 2, second.id: 1})

    def test_an_account_whose_server_fails_is_left_out(self):
        address, password = self.new_mailbox()
        broken = self.create_personal_account(address, password, imap_port=closed_port())
        self.assertTrue(broken.can_use)
        self.assertEqual(self.unread_of(self.owner), {self.personal.id: 2})
