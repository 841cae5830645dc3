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


class imapclient_session:
    """Another mail program on the same mailbox (IMAPS, verified)."""

    def __init__(self, servers, mailbox):
        self.settings = imap_settings(servers, *mailbox)

    def __enter__(self):
        self.client = imap.connect(self.settings)
        return self.client

    def __exit__(self, *exc):
        imap.close_quietly(self.client)
