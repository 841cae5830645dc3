"""Shared setup of the team inbox tests: Ben, a second member of the sales group, and a
customer's mail in the group mailbox."""

import datetime

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import build_message

RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


class TeamMailboxMixin:
    """For a MailServerCase: `ben` in the sales group (`_ben_values()` adds to his user),
    a customer's mailbox, and `customer_mail(subject)` in the group mailbox's INBOX."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ben = mail_new_test_user(
            cls.env,
            login="mail_ben",
            groups="base.group_user",
            name="Ben Becker",
            **cls._ben_values(),
        )
        cls.sales.users += cls.ben
        # "Send" sends at once, as for the other users of the tests (tests/common.py).
        cls.ben.dynaoffice_mail_undo_seconds = 0
        # The customer has a mailbox on the same servers: what would reach him, arrives.
        cls.customer_address, cls.customer_password = cls.new_mailbox()

    @classmethod
    def _ben_values(cls):
        return {}

    def customer_mail(self, subject):
        """The customer's mail `subject` in the group mailbox's INBOX, listed as Anna (the
        member) sees it: (uidvalidity, uid)."""
        self.servers.dovecot.write_messages(
            self.shared_address,
            [("INBOX", build_message(subject, sender=self.customer_address), set(), RECEIVED)],
        )
        page = self.shared.with_user(self.member).client_page("INBOX", search={"subject": subject})
        return page["uidvalidity"], page["messages"][0]["uid"]
