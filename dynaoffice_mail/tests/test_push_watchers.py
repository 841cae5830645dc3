"""Push against the real Dovecot and PostgreSQL of this run: IMAP IDLE tells of new mail
(delivered over LMTP), of a flag another program set and of an expunge; two dispatchers
(two Odoo processes, each with a pool of its own) share ONE IDLE connection through an
advisory lock, and the other takes over when the leader ends; a connection Dovecot kicks
is opened again and notices go on; a folder nobody watches any more loses its watcher and
its connection. The Odoo side (which folders are watched, the bus) has tests of its own
(test_push_rpc.py); here a small source in memory stands in for it."""

import queue
import subprocess
import threading
import time
from unittest.mock import patch

import pytest

from odoo.tools import config

from odoo.addons.dynaoffice_mail.models.dynaoffice_mail_watch import lock_connection
from odoo.addons.dynaoffice_mail.services import idle, imap, watchers
from odoo.addons.dynaoffice_mail.services.pool import ConnectionPool
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings
from odoo.addons.dynaoffice_mail.tests.push_helpers import (
    deliver_over_lmtp,
    dovecot_connections,
    wait_until,
)

# Fast for tests: a scan every 0.2 s, a check for "stop" every 0.2 s.
FAST = {"scan_every": 0.2, "watcher_options": {"idle_options": {"check_every": 0.2}}}


class MemorySource:
    """The folders watched and the notices published, in memory (the Odoo side's seam)."""

    def __init__(self, servers, address, password, limit=2):
        self.settings = imap_settings(servers, address, password)
        self.limit = limit
        self.watches = []
        self.notices = queue.Queue()
        self._lock = threading.Lock()

    def watch(self, folder="INBOX", watch_id=1):
        with self._lock:
            self.watches = [watchers.Watch(watch_id, 7, folder)]

    def forget(self):
        with self._lock:
            self.watches = []

    def watched(self):
        with self._lock:
            return list(self.watches)

    def target(self, watch):
        return watchers.Target("account-7", self.settings, self.limit, imap.connect)

    def publish(self, watch, *, live, changes):
        self.notices.put((watch.id, live, changes))

    def next_notice(self, wanted, timeout=10):
        """The first notice that `wanted(live, changes)` accepts (earlier ones are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no such notice came")
            try:
                _watch_id, live, changes = self.notices.get(timeout=remaining)
            except queue.Empty as error:
                raise AssertionError("no such notice came") from error
            if wanted(live, changes):
                return live, changes


def _leases():
    return watchers.AdvisoryLeases(lambda: lock_connection(config["db_name"]))


def _dispatcher(source, pool=None, name="a"):
    dispatcher = watchers.Dispatcher(
        source, _leases(), pool or ConnectionPool(), name=f"test-dispatcher-{name}", **FAST
    )
    dispatcher.start()
    return dispatcher


def _live_watchers(*dispatchers):
    return [w for d in dispatchers for w in d.watchers.values() if w.idling.is_set()]


@pytest.fixture
def push(mail_servers, mailbox):
    source = MemorySource(mail_servers, *mailbox)
    started = []

    def start(pool=None, name="a"):
        dispatcher = _dispatcher(source, pool, name)
        started.append(dispatcher)
        return dispatcher

    yield source, start
    for dispatcher in started:
        dispatcher.stop(wait=10)


def test_changes_found_by_idle():
    """The untagged answers that mean a change, and BYE."""
    assert idle.changes_in([(3, b"EXISTS"), (3, b"RECENT")]) == {idle.NEW}
    assert idle.changes_in([(2, b"FETCH", (b"FLAGS", (b"\\Seen",)))]) == {idle.FLAGS}
    assert idle.changes_in([(2, b"EXPUNGE"), (b"OK", b"Still here")]) == {idle.EXPUNGE}
    assert idle.changes_in([(b"OK", b"Still here")]) == set()
    with pytest.raises(Exception, match="BYE"):
        idle.changes_in([(b"BYE", b"Server shutting down")])


def test_new_mail_flags_and_expunges_are_told(push, mail_servers, mailbox):
    source, start = push
    source.watch()
    dispatcher = start()
    source.next_notice(lambda live, changes: live)  # IDLE runs
    watcher = next(iter(dispatcher.watchers.values()))
    # The IDLE connection is one of the account's pooled connections, counted in its budget.
    assert dispatcher.pool.stats.in_use == 1

    deliver_over_lmtp(mail_servers, mailbox[0], build_message("Pushed"))
    assert source.next_notice(lambda live, changes: changes)[1] == {idle.NEW}

    with imapclient_session(mail_servers, mailbox) as other:
        other.select_folder("INBOX")
        uid = other.search(["SUBJECT", "Pushed"])[0]
        other.add_flags([uid], [b"\\Flagged"])
        assert idle.FLAGS in source.next_notice(lambda live, changes: changes)[1]
        other.delete_messages([uid])
        other.expunge()
        assert idle.EXPUNGE in source.next_notice(lambda live, changes: idle.EXPUNGE in changes)[1]
    assert watcher.stats.sessions == 1


def test_what_the_watcher_counts_of_its_folder():
    """FolderSeen, on the answers Dovecot sends in IDLE (with QRESYNC: VANISHED) and on a
    server's EXPUNGE: the folder's size, the new mails counted with it, the HIGHESTMODSEQ;
    and what a SELECT after it says changed."""
    seen = idle.FolderSeen({b"EXISTS": 10, b"HIGHESTMODSEQ": 4})
    seen.take([(11, b"EXISTS"), (1, b"RECENT"), (b"OK", b"[HIGHESTMODSEQ 6] Highest")])
    seen.take([(12, b"EXISTS"), (b"OK", b"Still here")])
    assert (seen.count, seen.grown, seen.modseq) == (12, 23, 6)
    seen.take([(b"VANISHED", 5), (b"VANISHED", b"6:7,9"), (3, b"EXPUNGE")])
    seen.take([(b"VANISHED", (b"EARLIER",), b"1:4")])  # gone before: not counted again
    assert (seen.count, seen.grown) == (7, 23)
    seen.take([(7, b"EXISTS"), (8, b"EXISTS")])
    assert (seen.count, seen.grown) == (8, 31)
    with patch.object(imap, "RESELECT_AFTER_GROWTH", 31):
        assert seen.reselect_due()
    with patch.object(imap, "RESELECT_AFTER_GROWTH", 32):
        assert not seen.reselect_due()

    def selected(count, modseq):
        return idle.FolderSeen({b"EXISTS": count, b"HIGHESTMODSEQ": modseq})

    assert selected(8, 6).changes_since(seen) == set()
    assert selected(9, 7).changes_since(seen) == {idle.NEW}
    assert selected(7, 7).changes_since(seen) == {idle.EXPUNGE}
    assert selected(8, 7).changes_since(seen) == {idle.FLAGS}
    assert idle.FolderSeen({b"EXISTS": 8}).changes_since(seen) == set()  # no CONDSTORE
    assert selected(8, 6).changes_since(idle.FolderSeen({})) == {
        idle.NEW,
        idle.FLAGS,
        idle.EXPUNGE,
    }


def test_two_processes_hold_one_idle_connection(push, mail_servers, mailbox):
    source, start = push
    source.watch()
    first, second = start(name="a"), start(name="b")
    source.next_notice(lambda live, changes: live)
    assert first.wait_scans(3) and second.wait_scans(3)
    assert len(_live_watchers(first, second)) == 1
    assert len(first.watchers) + len(second.watchers) == 1
    assert dovecot_connections(mail_servers, mailbox[0]) == 1

    # The leader's process ends: its lock goes with it, the other one takes over.
    leader, other = (first, second) if first.watchers else (second, first)
    leader.stop(wait=10)
    leader.pool.clear()
    source.next_notice(lambda live, changes: live)
    assert len(_live_watchers(other)) == 1
    deliver_over_lmtp(mail_servers, mailbox[0], build_message("After the takeover"))
    assert source.next_notice(lambda live, changes: changes)[1] == {idle.NEW}
    assert dovecot_connections(mail_servers, mailbox[0]) == 1


def test_a_kicked_connection_is_opened_again(push, mail_servers, mailbox):
    source, start = push
    source.watch()
    dispatcher = start()
    source.next_notice(lambda live, changes: live)
    watcher = next(iter(dispatcher.watchers.values()))

    subprocess.run(
        ["doveadm", "-c", str(mail_servers.dovecot.config_path), "kick", mailbox[0]],
        check=True,
        capture_output=True,
    )
    source.next_notice(lambda live, changes: not live)  # the clients poll meanwhile
    # Back in IDLE, saying that changes in the gap may have gone unseen.
    assert source.next_notice(lambda live, changes: live)[1] == {watchers.MISSED}
    assert (watcher.stats.failures, watcher.stats.sessions) == (1, 2)
    deliver_over_lmtp(mail_servers, mailbox[0], build_message("After the kick"))
    assert source.next_notice(lambda live, changes: changes)[1] == {idle.NEW}


def test_the_watcher_stops_when_nobody_watches(push, mail_servers, mailbox):
    source, start = push
    source.watch()
    dispatcher = start()
    source.next_notice(lambda live, changes: live)

    source.forget()
    source.next_notice(lambda live, changes: not live)
    assert dispatcher.wait_scans(1)
    assert dispatcher.watchers == {}
    assert dispatcher.pool.stats.in_use == 0
    dispatcher.pool.clear()
    assert wait_until(lambda: dovecot_connections(mail_servers, mailbox[0]) == 0)
    # Its lock is free again: another process could lead the folder now.
    leases = _leases()
    try:
        assert leases.try_acquire(1)
    finally:
        leases.close()


def test_no_idle_without_a_connection_to_spare(push, mail_servers, mailbox):
    """A source without room in the budget (None) means no watcher and no login; the
    folder's lock stays with this process, so that no other one logs in to find the same."""
    source, start = push
    target = source.target
    source.target = lambda watch: None
    source.watch()
    dispatcher = start()
    assert dispatcher.wait_scans(3)
    assert [w.is_alive() for w in dispatcher.watchers.values()] == [False]
    assert dispatcher.pool.stats.opened == 0

    # Once there is room again, the folder is tried again after a while (RETRY_ENDED).
    source.target = target
    with patch.object(watchers, "RETRY_ENDED", 0):
        source.next_notice(lambda live, changes: live)
    assert dispatcher.pool.stats.opened == 1


def test_a_refused_login_is_not_tried_again_and_again(push, mail_servers, mailbox):
    """The password was changed in another mail program: the watcher does not log in
    again within seconds (failed logins in a row get the Odoo server banned by the mail
    host, for every account there); the folder keeps its lock, the clients keep polling."""
    source, start = push
    address, _password = mailbox
    source.settings = imap_settings(mail_servers, address, "the-old-password")
    source.watch()
    dispatcher = start()
    assert wait_until(lambda: dispatcher.watchers)
    watcher = next(iter(dispatcher.watchers.values()))
    assert wait_until(lambda: not watcher.is_alive(), timeout=15), "still logging in"
    assert source.notices.empty(), "never live: nothing to tell the clients"
    assert watcher.stats.failures == 1 and watcher.stats.sessions == 0
    assert dispatcher.wait_scans(3)
    assert list(dispatcher.watchers.values()) == [watcher], "no new watcher at each scan"


class imapclient_session:
    """Another mail program on the same mailbox (IMAPS, verified)."""

    def __init__(self, servers, mailbox):
        self.settings = imap_settings(servers, *mailbox)

    def __enter__(self):
        self.client = imap.connect(self.settings)
        return self.client

    def __exit__(self, *exc):
        imap.close_quietly(self.client)


def test_an_accounts_idle_connections_stay_within_its_slots(push, mail_servers, mailbox):
    """Two folders of one account open, one IDLE slot kept for it: one folder is pushed, the
    other polled, in whichever process; when the first is closed, the second gets the slot."""
    source, _start = push
    client = imap.connect(source.settings)
    try:
        client.create_folder("Projects")
    finally:
        client.logout()
    with source._lock:
        source.watches = [watchers.Watch(1, 7, "INBOX"), watchers.Watch(2, 7, "Projects")]
    dispatchers = [
        watchers.Dispatcher(source, _leases(), ConnectionPool(), name=f"slots-{n}", slots=1, **FAST)
        for n in "ab"
    ]
    for dispatcher in dispatchers:
        dispatcher.start()
    try:
        source.next_notice(lambda live, changes: live)
        assert all(dispatcher.wait_scans(3) for dispatcher in dispatchers)
        led = {key for dispatcher in dispatchers for key in dispatcher.watchers}
        assert len(led) == 1 and len(_live_watchers(*dispatchers)) == 1
        assert dovecot_connections(mail_servers, mailbox[0]) == 1

        # The pushed folder is closed: the other one gets the account's slot.
        with source._lock:
            source.watches = [w for w in source.watches if w.id not in led]
        source.next_notice(lambda live, changes: live)
        assert all(dispatcher.wait_scans(2) for dispatcher in dispatchers)
        assert {key for dispatcher in dispatchers for key in dispatcher.watchers} == {
            ({1, 2} - led).pop()
        }
    finally:
        for dispatcher in dispatchers:
            dispatcher.stop(wait=10)
            dispatcher.pool.clear()


def test_the_watcher_selects_its_folder_again_as_new_mail_adds_up(mail_servers, mailbox):
    """Dovecot 2.3 ends a session that learnt of too many new mails in a large Maildir folder
    (see services.idle): the watcher leaves IDLE and selects the folder again by the rule of
    imap.RESELECT_AFTER_GROWTH (here: every second new mail), tells what changed while it
    was out of IDLE (a mail delivered, a flag set) and nothing where nothing did (after a
    flag change and an expunge it heard in IDLE), and goes on hearing new mail."""
    address = mailbox[0]
    with imapclient_session(mail_servers, mailbox) as other:
        count = other.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"]
        for number in range(max(0, 5 - count)):
            deliver_over_lmtp(mail_servers, address, build_message(f"Old {number}"))
        count = other.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"]
    client = imap.connect(imap_settings(mail_servers, *mailbox))
    changes, selects, idles = queue.Queue(), [], []
    ready, stop = threading.Event(), threading.Event()
    in_gap = {}  # what another program does right before the watcher's n-th SELECT
    real_select, real_idle = client.select_folder, client.idle

    def select_folder(folder, readonly=False):
        selects.append(folder)
        in_gap.get(len(selects), lambda: None)()
        return real_select(folder, readonly)

    def idle_command():
        answer = real_idle()
        idles.append(True)
        return answer

    client.select_folder, client.idle = select_folder, idle_command

    def deliver(subject):
        deliver_over_lmtp(mail_servers, address, build_message(subject))

    told = []

    def hear(*subjects, after=None):
        """Deliver each of `subjects` (or do `after`) and keep what the watcher told."""
        for subject in subjects:
            deliver(subject)
            told.append(changes.get(timeout=10))
        if after is not None:
            after()
            told.append(changes.get(timeout=10))

    def selected_again(times):
        assert wait_until(lambda: len(idles) == times + 1)  # selected again, in IDLE again

    with imapclient_session(mail_servers, mailbox) as other:
        other.select_folder("INBOX")
        newest = max(other.search(["ALL"]))
        in_gap[3] = lambda: deliver("In the gap")
        in_gap[4] = lambda: other.add_flags([newest], [b"\\Answered"])
        growth = (count + 1) + (count + 2)  # two new mails, counted as the rule counts
        thread = threading.Thread(
            target=idle.watch,
            args=(client, "INBOX", changes.put, stop),
            kwargs={"on_ready": ready.set, "check_every": 0.2},
        )
        try:
            with patch.object(imap, "RESELECT_AFTER_GROWTH", growth):
                thread.start()
                assert ready.wait(10)
                # A flag set in IDLE is told, and not again at the SELECT (the next mail's
                # HIGHESTMODSEQ covers it).
                hear("One", after=lambda: other.add_flags([newest], [b"\\Flagged"]))
                hear("Two")
                selected_again(1)
                hear(after=lambda: (other.delete_messages([newest]), other.expunge()))
                hear("Three", "Four")
                selected_again(2)
                told.append(changes.get(timeout=10))  # the mail delivered in the gap
                hear("Five")
                newest = max(other.search(["ALL"]))
                hear("Six")
                selected_again(3)
                told.append(changes.get(timeout=10))  # the flag set in the gap
                hear("Seven")
        finally:
            stop.set()
            thread.join(10)
            imap.close_quietly(client)
    assert not thread.is_alive()
    new, flags, gone = {idle.NEW}, {idle.FLAGS}, {idle.EXPUNGE}
    assert told == [new, flags, new, gone, new, new, new, new, new, flags, new]
    assert changes.empty()  # nothing told where nothing changed
    assert selects == ["INBOX"] * 4
