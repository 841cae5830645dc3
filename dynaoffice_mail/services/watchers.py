"""Push: one IMAP IDLE connection per folder that users have open, across the deployment.

A `Dispatcher` (one thread per Odoo process and database, started by the first client
that says it has a folder open) looks every SCAN_EVERY seconds at the folders watched
(`Source.watched()`: some client sent a heartbeat lately) and tries to lead each one it
does not lead yet with a PostgreSQL session advisory lock (`AdvisoryLeases`, on one
connection of its own, held while watching; the way Odoo's cron workers share out jobs).
Only the process that gets the lock watches the folder, and only while it also holds one of
the account's IDLE slots (`slots` per account across the deployment, again advisory locks):
the IDLE connections are the part of the account's connection budget kept for push, beside
the share of every process's pool for requests (see `_pool_limit()` and `_idle_slots()` on
the account). A `FolderWatcher` thread holds its IDLE connection in the process's pool under
the target's own key. When the process ends, PostgreSQL drops its locks, and another
process's dispatcher takes over at its next scan.

A watcher tells the folder's users (`Source.publish`) when it is live (IDLE running: the
clients may stop polling), what changed, and when it is no longer live (the clients poll
again). A connection that breaks is opened again after 1, 2, 4 ... up to 60 seconds; after
such a gap the first publication says "missed", because changes in the gap went unseen.
A folder nobody watches any more loses its watcher at the next scan, and a dispatcher with
nothing to watch for LINGER seconds ends. A watcher that gave up (no IDLE on the server, no
connection to spare, a login refused, the database away) keeps its folder's lock for
RETRY_ENDED seconds, so that the processes do not log in at every scan only to find the
same; then it is tried again.

Nothing here knows Odoo: the source (the watched folders, an account's connection
settings, the publication) and the database connection for the locks are passed in.
"""

import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import idle
from .config import ImapSettings
from .exceptions import AuthenticationError
from .pool import ConnectionPool, Factory

_logger = logging.getLogger(__name__)

SCAN_EVERY = 2.0
BACKOFF_FIRST = 1.0
BACKOFF_MOST = 60.0
LINGER = 600.0
# A watcher that ended by itself (no IDLE on the server, no connection to spare, the
# database away) keeps the folder's lock this long before its folder is tried again.
RETRY_ENDED = 300.0
# The first key of the two-key advisory locks: this addon's, so that the ids of its
# watches never collide with the locks of other code (Odoo's own use the one-key form).
LOCK_SPACE = zlib.crc32(b"dynaoffice_mail.watch") & 0x7FFFFFFF
# The first key of an account's IDLE slots; the second is account id * MOST_SLOTS + slot.
SLOT_SPACE = zlib.crc32(b"dynaoffice_mail.idle_slot") & 0x7FFFFFFF
MOST_SLOTS = 64
MISSED = "missed"


@dataclass(frozen=True)
class Watch:
    """A folder that some client has open: `id` names it across processes (the lock key)."""

    id: int
    account_id: int
    folder: str


@dataclass(frozen=True)
class Target:
    """How to reach a watched folder's account: its pool key, settings and budget."""

    key: str
    settings: ImapSettings
    limit: int
    factory: Factory


class Source(Protocol):
    def watched(self) -> list[Watch]:
        """The folders some client has open now."""

    def target(self, watch: Watch) -> Target | None:
        """How to connect for `watch`, or None when it cannot be watched (account gone, or
        no connection of its budget to spare)."""

    def publish(self, watch: Watch, *, live: bool, changes: frozenset[str]) -> None:
        """Tell the users of `watch`'s account: live or not, and what changed."""


class AdvisoryLeases:
    """Leadership of watches, by session advisory locks on one dedicated connection.

    `connect()` returns a DB-API connection to the database (psycopg2). Locks of a session
    live as long as the connection, not a transaction: autocommit keeps no transaction (and
    no snapshot) open while watching. Any error means the connection, and with it every
    lock, may be gone: the caller stops what it leads and asks again.
    """

    def __init__(self, connect: Callable[[], Any]):
        self._connect = connect
        self._connection = None

    def try_acquire(self, key: int, space: int = LOCK_SPACE) -> bool:
        return bool(self._query("SELECT pg_try_advisory_lock(%s, %s)", key, space))

    def release(self, key: int, space: int = LOCK_SPACE) -> None:
        self._query("SELECT pg_advisory_unlock(%s, %s)", key, space)

    def try_acquire_slot(self, account_id: int, slots: int, held=frozenset()) -> int | None:
        """One of the account's `slots` IDLE slots (its lock key), or None: all taken.

        `held`: the slots this session holds already (a session gets its own advisory lock
        again, stacked, so it must not ask for those)."""
        for slot in range(min(slots, MOST_SLOTS)):
            key = account_id * MOST_SLOTS + slot
            if key not in held and self.try_acquire(key, SLOT_SPACE):
                return key
        return None

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing what may be broken already
                _logger.debug("closing the lock connection failed", exc_info=True)

    def _query(self, sql: str, key: int, space: int):
        if self._connection is None:
            self._connection = self._connect()
            self._connection.autocommit = True
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(sql, (space, int(key)))
                return cursor.fetchone()[0]
        except Exception:  # the connection, and with it every lock, may be gone
            self.close()
            raise


@dataclass
class WatcherStats:
    sessions: int = 0  # IDLE sessions started (1 + reconnections)
    failures: int = 0  # connections that broke or could not be opened
    publications: int = 0


class FolderWatcher(threading.Thread):
    """One folder in IDLE on one pooled connection, again after failures, until stopped."""

    def __init__(
        self,
        watch: Watch,
        source: Source,
        pool: ConnectionPool,
        *,
        backoff: tuple[float, float] = (BACKOFF_FIRST, BACKOFF_MOST),
        idle_options: dict | None = None,
    ):
        super().__init__(daemon=True, name=f"dynaoffice_mail.watch.{watch.id}")
        self.watch = watch
        self.source = source
        self.pool = pool
        self.backoff = backoff
        self.idle_options = idle_options or {}
        self.stop_event = threading.Event()
        self.idling = threading.Event()  # set while IDLE runs
        self.unsupported = False
        self.ended_at = None  # time.monotonic() when run() returned
        self.stats = WatcherStats()
        self._missed = False
        self._live = False

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> None:
        delay = self.backoff[0]
        try:
            while not self.stop_event.is_set():
                target = self._account_target()
                if target is None:
                    break
                try:
                    with self.pool.session(
                        target.key, target.settings, target.factory, limit=target.limit
                    ) as client:
                        idle.watch(
                            client,
                            self.watch.folder,
                            self._changed,
                            self.stop_event,
                            on_ready=self._ready,
                            **self.idle_options,
                        )
                except idle.IdleUnsupportedError:
                    self.unsupported = True
                    _logger.info("%s: no IDLE on the server, clients keep polling", self.name)
                    break
                except AuthenticationError as error:
                    # A password changed elsewhere: logging in again and again within a
                    # minute is what gets the Odoo server's address banned (fail2ban) for
                    # every account on that host. Ended, the folder is tried again after
                    # RETRY_ENDED, or with the new settings once they are saved.
                    self.stats.failures += 1
                    _logger.info("%s: login refused (%s), clients keep polling", self.name, error)
                    break
                except Exception as error:  # noqa: BLE001 - any failure: try again later
                    self.idling.clear()
                    self.stats.failures += 1
                    self._missed = True
                    _logger.info("%s: IDLE failed (%s), again in %gs", self.name, error, delay)
                    self._say(live=False)
                    if self.stop_event.wait(delay):
                        break
                    delay = min(delay * 2, self.backoff[1])
                    continue
                delay = self.backoff[0]
        finally:
            self.idling.clear()
            self._say(live=False)
            self.ended_at = time.monotonic()

    def _account_target(self) -> Target | None:
        try:
            return self.source.target(self.watch)
        except Exception:  # the database is away: stop, the next scan starts again
            _logger.warning("%s: cannot read the account", self.name, exc_info=True)
            return None

    def _ready(self) -> None:
        self.stats.sessions += 1
        self.idling.set()
        changes = frozenset({MISSED}) if self._missed else frozenset()
        self._missed = False
        self._say(live=True, changes=changes, always=bool(changes))

    def _changed(self, changes: frozenset[str]) -> None:
        self._say(live=True, changes=changes, always=True)

    def _say(self, *, live: bool, changes: frozenset[str] = frozenset(), always=False) -> None:
        """Publish, unless it would only repeat the last "live" state said."""
        if not always and live == self._live:
            return
        self._live = live
        try:
            self.source.publish(self.watch, live=live, changes=changes)
            self.stats.publications += 1
        except Exception:  # one lost notice; the clients' safety poll remains
            _logger.warning("%s: could not publish", self.name, exc_info=True)


class Dispatcher(threading.Thread):
    """The folders this process leads, and the watchers that watch them."""

    def __init__(
        self,
        source: Source,
        leases: AdvisoryLeases,
        pool: ConnectionPool,
        *,
        name: str = "dynaoffice_mail.dispatcher",
        scan_every: float = SCAN_EVERY,
        linger: float = LINGER,
        slots: int = 2,
        watcher_options: dict | None = None,
    ):
        super().__init__(daemon=True, name=name)
        self.slots = slots  # IDLE connections per account across the deployment
        self.source = source
        self.leases = leases
        self.pool = pool
        self.scan_every = scan_every
        self.linger = linger
        self.watcher_options = watcher_options or {}
        self.stop_event = threading.Event()
        self.watchers: dict[int, FolderWatcher] = {}
        self.slot_keys: dict[int, int] = {}  # watch id -> the account slot it holds
        self.scans = 0
        self._scanned = threading.Condition()

    def stop(self, wait: float | None = None) -> None:
        self.stop_event.set()
        if wait is not None and self.is_alive():
            self.join(wait)

    def wait_scans(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until `count` more scans have finished (for tests and the benchmark)."""
        with self._scanned:
            goal = self.scans + count
            return self._scanned.wait_for(lambda: self.scans >= goal, timeout)

    def run(self) -> None:
        quiet_since = time.monotonic()
        try:
            while not self.stop_event.is_set():
                self.scan()
                if self.watchers:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since > self.linger:
                    break
                self.stop_event.wait(self.scan_every)
        finally:
            self._end_all()
            self.leases.close()

    def scan(self) -> None:
        try:
            watched = {watch.id: watch for watch in self.source.watched()}
        except Exception:  # the database is away: try again at the next scan
            _logger.warning("dispatcher: cannot read the watched folders", exc_info=True)
            watched = None
        if watched is not None:
            self._lead(watched)
        with self._scanned:
            self.scans += 1
            self._scanned.notify_all()

    def _lead(self, watched: dict[int, Watch]) -> None:
        # A watcher that ended (no IDLE, no room, account gone) keeps its lock for a while,
        # so that no process logs in at every scan only to find the same.
        now = time.monotonic()
        for key, watcher in list(self.watchers.items()):
            ended = watcher.ended_at is not None and now - watcher.ended_at > RETRY_ENDED
            if key not in watched or ended:
                self._end(key)
        try:
            for key, watch in watched.items():
                if key in self.watchers or not self.leases.try_acquire(key):
                    continue
                held = set(self.slot_keys.values())
                slot_key = self.leases.try_acquire_slot(watch.account_id, self.slots, held)
                if slot_key is None:  # the account's IDLE slots are taken: its clients poll
                    self.leases.release(key)
                    continue
                self.slot_keys[key] = slot_key
                watcher = FolderWatcher(watch, self.source, self.pool, **self.watcher_options)
                self.watchers[key] = watcher
                watcher.start()
        except Exception:  # the lock connection broke: its locks are gone
            _logger.warning("dispatcher: the lock connection failed", exc_info=True)
            self._end_all(release=False)

    def _end(self, key: int, *, release: bool = True) -> None:
        watcher = self.watchers.pop(key)
        watcher.stop()
        watcher.join(watcher.idle_options.get("check_every", idle.CHECK_EVERY) * 5 + 5)
        slot_key = self.slot_keys.pop(key, None)
        if release:
            try:
                self.leases.release(key)
                if slot_key is not None:
                    self.leases.release(slot_key, SLOT_SPACE)
            except Exception:  # the connection is closed: so are its locks
                _logger.info("dispatcher: releasing %s failed", key, exc_info=True)

    def _end_all(self, release: bool = True) -> None:
        for key in list(self.watchers):
            self._end(key, release=release)
