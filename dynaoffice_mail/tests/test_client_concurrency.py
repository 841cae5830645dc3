"""Two windows moving or deleting the same message at once, through the model (issue #19).

The mail client's move goes through the account in the test's thread. The other window is
another request in a thread of its own, which cannot share the test's database cursor, so
it does what the account's change does underneath, with the account's pool key and
settings: in the same process it goes through the process's pool and its per-folder wait;
as another Odoo process it has a pool of its own and takes the folder's database lock
(hold_folder_for_change) on a connection of its own. Without either, Dovecot's MOVE (copy,
then expunge) leaves the message in two folders whenever both start together.
"""

import collections
import datetime
import threading
import time
from contextlib import ExitStack

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..roles.base import hold_folder_for_change
from ..services import actions
from ..services import pool as imap_pool
from .common import MailServerCase, build_message
from .hostile_report import record

TRIALS = 50
ALREADY_GONE = "already moved or deleted"


@tagged("post_install", "-at_install")
class TestConcurrentChanges(MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("INBOX", build_message(f"Nachricht {n:02d}"), set(), received)
                for n in range(TRIALS)
            ],
        )
        self.account = self.personal.with_user(self.owner)
        self.key = self.account._pool_key()
        self.settings = self.account._imap_settings()
        self.addCleanup(imap_pool.POOL.clear, self.key)
        # Another Odoo process: a pool of its own, its connections as warm as ours.
        self.other_pool = imap_pool.ConnectionPool()
        self.addCleanup(self.other_pool.clear)

    def other_window(self, change, *, other_process=False, started=None, folder="INBOX"):
        """A thread changing `folder` as another request would, in this process or in
        another one; its ChangeReport (or error) lands in the returned list."""
        outcome = []
        pool = self.other_pool if other_process else imap_pool.POOL

        def run():
            if started is not None:
                started.wait(10)
            try:
                with ExitStack() as held:
                    if other_process:
                        held.enter_context(
                            hold_folder_for_change(
                                self.env.cr.dbname, self.key, folder, self.settings.timeout
                            )
                        )
                    outcome.append(
                        pool.run(self.key, self.settings, change, safe=False, folder=folder)
                    )
            except Exception as error:  # noqa: BLE001 - the test looks at it
                outcome.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        return thread, outcome

    def places(self):
        """{subject: [folders it is in]}, as another mail program sees the mailbox."""
        found = collections.defaultdict(list)
        for folder in ("INBOX", "Archive", "Trash", "Junk"):
            for message, _flags in self.fetch_all(
                self.personal_address, self.personal_password, folder
            ):
                found[message["Subject"]].append(folder)
        return found

    def test_a_move_waits_for_another_change_in_this_process(self):
        self.assert_move_waits(other_process=False)

    def test_a_move_waits_for_another_process_changing_its_folder(self):
        self.assert_move_waits(other_process=True)

    def assert_move_waits(self, other_process):
        """While the other window deletes the message, the user's move of it waits, then
        finds it gone and says so; it never copies it to Archive too."""
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        validity, first = page["uidvalidity"], page["messages"][0]
        holding = threading.Event()

        def delete_slowly(client):
            holding.set()
            time.sleep(0.5)  # the move below starts meanwhile; it must wait
            return actions.delete(client, "INBOX", validity, [first["uid"]], "trash", "Trash")

        thread, outcome = self.other_window(delete_slowly, other_process=other_process)
        self.assertTrue(holding.wait(10))
        with self.assertRaises(UserError) as caught:
            self.account.client_move("INBOX", validity, [first["uid"]], "Archive")
        thread.join(10)
        self.assertIn(ALREADY_GONE, str(caught.exception))
        self.assertEqual(outcome[0].done, {first["uid"]})
        self.assertEqual(self.places()[first["subject"]], ["Trash"])

    def test_empty_trash_waits_for_an_undo_in_this_process(self):
        self.assert_empty_trash_waits(other_process=False)

    def test_empty_trash_waits_for_an_undo_in_another_process(self):
        self.assert_empty_trash_waits(other_process=True)

    def assert_empty_trash_waits(self, other_process):
        """While another window moves a deleted message back out of the Trash (Undo),
        Empty Trash waits for it: the message is back in the Inbox, unmarked, and Empty
        Trash removes and counts the others only. (Not waiting, it flagged the message
        \\Deleted or removed it under the Undo.)"""
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        validity, first = page["uidvalidity"], page["messages"][0]
        uids = [message["uid"] for message in page["messages"][:3]]
        in_trash = self.account.client_delete("INBOX", validity, uids)
        back = in_trash[0]
        holding = threading.Event()

        def undo_slowly(client):
            holding.set()
            time.sleep(0.5)  # Empty Trash starts meanwhile; it must wait
            return actions.move(client, "Trash", back["uidvalidity"], [back["uid"]], "INBOX")

        thread, outcome = self.other_window(
            undo_slowly, other_process=other_process, folder="Trash"
        )
        self.assertTrue(holding.wait(10))
        removed = self.account.client_empty_trash()
        thread.join(10)
        self.assertEqual(outcome[0].done, {back["uid"]})
        self.assertEqual(removed, 2)
        self.assertEqual(self.places()[first["subject"]], ["INBOX"])
        inbox = self.account.client_page("INBOX", search={"subject": first["subject"]})
        self.assertFalse(inbox["messages"][0]["deleted"])

    def test_two_windows_of_one_process_racing_for_the_same_messages(self):
        self.race(other_process=False)

    def test_two_processes_racing_for_the_same_messages(self):
        self.race(other_process=True)

    def race(self, other_process):
        """The user moves each message to Archive while the other window deletes it to
        Trash, both starting together: each message ends up in one place, and whoever came
        second is told it was already moved or deleted."""
        page = self.account.client_page("INBOX", sort="subject", reverse=False, limit=TRIALS)
        validity = page["uidvalidity"]
        false_success = 0
        unsettled = []
        expected = {}
        for message in page["messages"]:
            uid = message["uid"]
            started = threading.Barrier(2)
            thread, outcome = self.other_window(
                lambda client, uid=uid: actions.delete(
                    client, "INBOX", validity, [uid], "trash", "Trash"
                ),
                other_process=other_process,
                started=started,
            )
            started.wait(10)
            told_gone = False
            try:
                self.account.client_move("INBOX", validity, [uid], "Archive")
                moved = True
            except UserError as error:
                moved = False
                told_gone = ALREADY_GONE in str(error)
            thread.join(30)
            report = outcome[0] if isinstance(outcome[0], actions.ChangeReport) else None
            deleted = report is not None and report.done == {uid}
            other_told_gone = report is not None and report.gone == {uid}
            false_success += moved and deleted
            if not ((moved and other_told_gone) or (deleted and told_gone)):
                unsettled.append((message["subject"], moved, outcome))
            expected[message["subject"]] = ["Archive"] if moved else ["Trash"]
        places = self.places()
        duplicates = sum(len(folders) > 1 for folders in places.values())
        lost = sum(subject not in places for subject in expected)
        record("race_trials", TRIALS)
        record("race_duplicates", duplicates)
        record("race_lost", lost)
        record("race_false_success", false_success)
        self.assertEqual((duplicates, lost, false_success), (0, 0, 0))
        self.assertEqual(unsettled, [])
        self.assertEqual(dict(places), expected)
