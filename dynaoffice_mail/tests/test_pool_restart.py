"""After the IMAP server restarts, the first change works (issue #19).

A restart closes every connection the pool keeps for the account. Reads were always tried
again on a new connection; changes are never repeated, so before this fix each of them
failed once per dead pooled connection ("try again") for the first minute.
"""

import datetime
import time
from contextlib import ExitStack

from odoo.tests import tagged

from ..services import filing
from ..services import pool as imap_pool
from .common import MailServerCase, build_message
from .hostile_report import record

# Connections the account has pooled when the server goes down: as after a few requests
# of the mail client at once (folders, the page, the polled state).
POOLED = 3


@tagged("post_install", "-at_install")
class TestChangesAfterServerRestart(MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", build_message(f"Nachricht {n}"), set(), received) for n in range(1, 4)],
        )
        self.account = self.personal.with_user(self.owner)
        self.key = self.account._pool_key()
        imap_pool.POOL.clear(self.key)
        self.addCleanup(imap_pool.POOL.clear, self.key)

    def restart_with_pooled_connections(self):
        """The account's connections idle in the pool, then the server restarts under them;
        returns the page the user still sees."""
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        with ExitStack() as requests:
            for _request in range(POOLED):
                requests.enter_context(self.account._mailbox().session())
        self.assertEqual(imap_pool.POOL.idle_count(self.key), POOLED)
        returned = time.monotonic()
        self.servers.dovecot.restart()
        # The user clicks a moment later: every connection has been idle for a while.
        time.sleep(max(0.0, returned + 1.5 - time.monotonic()))
        return page

    def assert_done_first_time(self, change):
        record("restart_tried", 1)
        change()  # a UserError here is what users saw before
        record("restart_ok", 1)
        # One connection failed its check; the account's other dead ones went with it.
        self.assertEqual(imap_pool.POOL.idle_count(self.key), 1)

    def test_first_flag_change_after_a_restart(self):
        page = self.restart_with_pooled_connections()
        first = page["messages"][0]
        self.assert_done_first_time(
            lambda: self.account.client_set_flag(
                "INBOX", page["uidvalidity"], [first["uid"]], "flagged", True
            )
        )
        listed = self.account.client_page("INBOX", sort="subject", reverse=False)
        self.assertTrue(listed["messages"][0]["flagged"])

    def test_first_move_after_a_restart(self):
        page = self.restart_with_pooled_connections()
        first = page["messages"][0]
        self.assert_done_first_time(
            lambda: self.account.client_move(
                "INBOX", page["uidvalidity"], [first["uid"]], "Archive"
            )
        )
        archived = self.account.client_page("Archive")["messages"]
        self.assertEqual([m["subject"] for m in archived], ["Nachricht 1"])
        self.assertEqual(self.account.client_page("INBOX")["total"], 2)

    def test_first_delete_after_a_restart(self):
        page = self.restart_with_pooled_connections()
        first = page["messages"][0]
        self.assert_done_first_time(
            lambda: self.account.client_delete("INBOX", page["uidvalidity"], [first["uid"]])
        )
        trash = self.account.client_page("Trash")["messages"]
        self.assertEqual([m["subject"] for m in trash], ["Nachricht 1"])

    def test_sent_copy_is_filed_after_a_restart(self):
        """Filing the Sent copy is a change too (safe=False): the mail is already out, so
        it must not fail on a connection the restart left dead."""
        self.restart_with_pooled_connections()
        sent = build_message("Gesendet nach dem Neustart")

        def file_sent_copy():
            report = self.account._mailbox().run(
                lambda client: filing.file_sent_message(client, sent, sent_folder="Sent"),
                safe=False,
            )
            # It never raises (the mail is out): its problems are what failed.
            self.assertEqual(report.problems, [])

        self.assert_done_first_time(file_sent_copy)
        in_sent = self.fetch_all(self.personal_address, self.personal_password, "Sent")
        self.assertEqual(
            [message["Subject"] for message, _flags in in_sent], ["Gesendet nach dem Neustart"]
        )

    def test_next_send_after_a_restart_files_its_sent_copy(self):
        """The whole send through the model: the mail goes out once, its Sent copy is
        filed and its draft removed, on the first try after the restart."""
        partner, partner_password = self.new_mailbox()
        values = self.account.client_compose("new")
        values.update(to=[partner], subject="Nach dem Neustart", body_html="<p>Hallo</p>")
        values["draft"] = self.account.client_save_draft(values)["draft"]
        self.restart_with_pooled_connections()

        def send():
            result = self.account.client_send(values)
            self.assertTrue(result["sent"], result)
            self.assertEqual(result["problems"], [])

        self.assert_done_first_time(send)
        subjects = [
            str(message["Subject"])
            for message, _flags in self.fetch_all(
                self.personal_address, self.personal_password, "Sent"
            )
        ]
        self.assertEqual(subjects, ["Nach dem Neustart"])
        self.assertEqual(
            self.fetch_all(self.personal_address, self.personal_password, "Drafts"), []
        )
        received = self.fetch_all(partner, partner_password)
        self.assertEqual(
            [str(message["Subject"]) for message, _flags in received], ["Nach dem Neustart"]
        )
