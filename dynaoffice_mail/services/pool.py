"""A per-process pool of logged-in IMAP connections, shared by the threads of a worker.

Logging in costs a TCP and a TLS handshake and the server's authentication, several round
trips; the browser asks for folders, pages, messages and, every 20 seconds, the folder
state. So each Odoo process keeps a few logged-in connections per account and hands them
from request to request:

- Connections are filed under a key the caller chooses (the account) and a fingerprint of
  all the settings, so one opened with an old password, host or CA is never handed out
  after the account changed.
- At most `max_per_key` connections per key are open at once (in use or idle; a call may
  pass a lower or higher `limit`); a further request waits for one, as long as the
  settings' timeout, and then gets PoolExhaustedError ("busy, try again"). This also bounds
  what one account costs the server: Dovecot allows 10 connections per user and address by
  default and refuses the 11th login. Odoo's prefork workers each have a pool of their
  own, so a budget per account and host is shared out among them (`share_of_budget`).
- A connection that failed with a socket error or a broken IMAP stream is closed, never
  pooled. After a NO, BAD or unreadable answer it goes back, but forgets which folder it
  had selected: the folder may have been deleted or renumbered meanwhile.
- At most `max_idle` connections of all keys together wait idle in a process; returning one
  more closes the one idle longest. A worker serving many accounts would otherwise keep one
  logged-in TLS connection per account for `idle_timeout`: on Dovecot each holds a login
  process, and its default allows 100 in all (`process_limit`), for every user of the server.
- Idle connections are closed after `idle_timeout`; one idle for more than a minute is
  asked for a NOOP first, because servers and NAT routers drop quiet connections. A change
  asks after a second already: it is never retried, so it must not start on a dead one.
- A connection the server closed (a restart, an administrator's kick) makes the pool drop
  every idle connection of its key: the server closed those too.
- Changes to one folder of one key run one at a time (`run(..., folder=...)`), so that two
  requests of this process never move or delete the same messages at once.

A forked child starts with an empty pool: closing the parent's sockets from the child
would log the parent out.
"""

import hashlib
import imaplib
import logging
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from typing import TypeVar

import imapclient

from . import imap
from .config import ImapSettings
from .exceptions import ConnectionFailedError, ConnectionTimeoutError, PoolExhaustedError

_logger = logging.getLogger(__name__)

T = TypeVar("T")
Factory = Callable[[ImapSettings], imapclient.IMAPClient]

# Connections of all keys together that wait idle in one process (see the module's text).
MAX_IDLE = 16
# An idle connection older than this is checked with a NOOP before a read may use it; a read
# that finds it dead anyway is tried again on a new one.
CHECK_AFTER = 60.0
# The same for changes, which are never tried again. A connection that answered within the
# last second is dead only if the server went down in that second, the same odds as going
# down during the change itself, which no check helps; checking it too would add a round trip
# to each of the quick changes a user makes in a row (toggling flags, deleting one by one).
# After a second, one NOOP means the first change after a server restart succeeds.
CHANGE_CHECK_AFTER = 1.0
# The most the NOOP of that check, or the LOGOUT of a connection being closed, may take: a
# server slow to answer them must not hold up the request that is waiting for a connection.
HOUSEKEEPING_TIMEOUT = 5.0


def share_of_budget(budget: int, processes: int) -> int:
    """Connections per account for one of `processes` processes that share `budget`.

    Each process keeps its pool to itself (nothing crosses a fork), so dividing the budget
    is what holds all of them together within it, with no lock to go stale when a worker is
    killed. At least one each: with fewer connections in the budget than processes, the
    processes together may open one per process.
    """
    return max(1, budget // max(1, processes))


def is_connection_broken(error: BaseException) -> bool:
    """True when `error` means the connection cannot carry another command.

    Socket and TLS errors (timeouts included) and imaplib's `abort` (end of stream, BYE, a
    line that is not IMAP) leave the conversation in an unknown state; ours wrap them as
    ConnectionFailedError, or as ProtocolError raised from one of them. A NO or BAD answer,
    or a response that was read in full but made no sense, leaves the connection usable.
    """
    while error is not None:
        if isinstance(error, OSError | imaplib.IMAP4.abort | ConnectionFailedError):
            return True
        error = error.__cause__
    return False


def _timed_out(error: BaseException) -> bool:
    while error is not None:
        if isinstance(error, TimeoutError | ConnectionTimeoutError):
            return True
        error = error.__cause__
    return False


@dataclass(frozen=True)
class PoolStats:
    opened: int  # logins: connections the pool had to open
    reused: int  # requests served by an idle connection
    closed: int  # connections closed: expired, replaced, cleared or broken
    broken: int  # of those, the ones dropped because they failed
    idle: int
    in_use: int


@dataclass(eq=False)
class _Connection:
    client: imapclient.IMAPClient
    fingerprint: bytes
    generation: int
    returned_at: float = 0.0


class _Slot:
    """The connections of one key."""

    def __init__(self):
        self.fingerprint = b""
        self.generation = 0  # raised by clear(): connections in use then are not pooled again
        self.idle: list[_Connection] = []  # most recently returned last
        self.in_use = 0


@dataclass(eq=False)
class _Lease:
    connection: _Connection
    slot: _Slot
    reused: bool
    broken: bool = False

    @property
    def client(self) -> imapclient.IMAPClient:
        return self.connection.client


class ConnectionPool:
    """Logged-in IMAP connections per key, for the threads of one process.

    `clock` measures idle time (tests pass a fake one); waiting for a busy key always
    uses the real clock.
    """

    def __init__(
        self,
        max_per_key: int = 4,
        idle_timeout: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_idle: int = MAX_IDLE,
    ):
        if max_per_key < 1:
            raise ValueError("max_per_key must be at least 1")
        self.max_per_key = max_per_key
        self.max_idle = max_idle
        self.idle_timeout = idle_timeout
        self.check_after = min(CHECK_AFTER, idle_timeout)
        self.change_check_after = min(CHANGE_CHECK_AFTER, self.check_after)
        self._clock = clock
        # Settings are fingerprinted with a key of this process, so a fingerprint says
        # nothing about the password to anyone who reads it.
        self._secret = secrets.token_bytes(32)
        self._reset()
        _POOLS.add(self)

    def _reset(self):
        self._lock = threading.Condition()
        self._slots: dict[str, _Slot] = {}
        self._held_folders: set[tuple[str, str]] = set()
        self._opened = self._reused = self._closed = self._broken = 0

    # -- the API ---------------------------------------------------------------------------

    @contextmanager
    def session(
        self,
        key: str,
        settings: ImapSettings,
        factory: Factory = imap.connect,
        *,
        limit: int | None = None,
    ) -> Iterator[imapclient.IMAPClient]:
        """A logged-in connection for `key`, returned to the pool when the block ends.

        `limit`: the most connections of `key` this process may hold (max_per_key without).
        """
        lease = self._checkout(key, settings, factory, limit=limit)
        try:
            yield lease.client
        except BaseException as error:
            self._checkin(lease, error)
            raise
        self._checkin(lease, None)

    def run(
        self,
        key: str,
        settings: ImapSettings,
        operation: Callable[[imapclient.IMAPClient], T],
        *,
        safe: bool,
        folder: str | None = None,
        factory: Factory = imap.connect,
        limit: int | None = None,
    ) -> T:
        """`operation(client)` on a pooled connection.

        A `safe` operation (one that only reads) is tried once more on a new connection
        when the pooled connection it got turns out to be dead: the server or a router
        closed it while it was idle. Changes (flags, moves, deletes) are never repeated:
        whether the first attempt reached the server is unknown. Neither is a timeout: the
        server is slow rather than gone, and trying again would double the wait. So a change
        gets a connection checked with a NOOP unless it answered within the last second:
        replacing a dead one before the change has sent anything is safe.

        With `folder`, the operation has that folder of `key` to itself among the operations
        of this process that name it: two requests moving the same messages would otherwise
        both copy them (Dovecot's MOVE copies, then expunges). It waits for the folder as
        long as for a connection, and before taking one.
        """
        with self._holding(key, folder, settings):
            check_after = self.check_after if safe else self.change_check_after
            lease = self._checkout(key, settings, factory, check_after=check_after, limit=limit)
            try:
                return self._run_leased(lease, operation)
            except Exception as error:
                if not (safe and lease.reused and lease.broken) or _timed_out(error):
                    raise
                _logger.info(
                    "pooled IMAP connection to %s was closed (%s), retrying", settings.host, error
                )
            lease = self._checkout(key, settings, factory, fresh=True, limit=limit)
            return self._run_leased(lease, operation)

    def prune(self) -> int:
        """Close connections idle for longer than idle_timeout; returns how many."""
        with self._lock:
            expired = self._take_expired()
        self._close_all(expired)
        return len(expired)

    def clear(self, key: str | None = None) -> None:
        """Close the idle connections of `key` (of all keys without one); those in use are
        closed when they come back. For an account that was changed or deleted."""
        closing = []
        with self._lock:
            if key is None:
                slots = list(self._slots.values())
            else:
                slots = [self._slots[key]] if key in self._slots else []
            for slot in slots:
                closing += slot.idle
                slot.idle = []
                slot.generation += 1
        self._close_all(closing)

    def idle_count(self, key: str) -> int:
        """How many connections of `key` wait in the pool."""
        with self._lock:
            return len(self._slots[key].idle) if key in self._slots else 0

    @property
    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(
                opened=self._opened,
                reused=self._reused,
                closed=self._closed,
                broken=self._broken,
                idle=sum(len(slot.idle) for slot in self._slots.values()),
                in_use=sum(slot.in_use for slot in self._slots.values()),
            )

    # -- checking out and in ------------------------------------------------------------------

    def _fingerprint(self, settings: ImapSettings) -> bytes:
        digest = hashlib.blake2b(key=self._secret, digest_size=16)
        digest.update(type(settings).__qualname__.encode())
        for field in fields(settings):
            value = repr(getattr(settings, field.name))
            digest.update(f"\0{field.name}={value}".encode("utf-8", "surrogatepass"))
        return digest.digest()

    @contextmanager
    def _holding(self, key: str, folder: str | None, settings: ImapSettings) -> Iterator[None]:
        """Hold `folder` of `key` for the block; waits for another holder, then gives up."""
        if folder is None:
            yield
            return
        held = (key, folder)
        deadline = time.monotonic() + settings.timeout
        with self._lock:
            while held in self._held_folders:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PoolExhaustedError(
                        f"another change to {folder} on {settings.host} took longer than "
                        f"{settings.timeout:g} seconds",
                        host=settings.host,
                    )
                self._lock.wait(remaining)
            self._held_folders.add(held)
        try:
            yield
        finally:
            with self._lock:
                self._held_folders.discard(held)
                self._lock.notify_all()

    def _checkout(
        self,
        key: str,
        settings: ImapSettings,
        factory: Factory,
        *,
        fresh: bool = False,
        check_after: float | None = None,
        limit: int | None = None,
    ) -> _Lease:
        limit = self.max_per_key if limit is None else max(1, limit)
        fingerprint = self._fingerprint(settings)
        deadline = time.monotonic() + settings.timeout
        closing: list[_Connection] = []
        try:
            with self._lock:
                closing += self._take_expired()
                slot = self._slots.setdefault(key, _Slot())
                while True:
                    if slot.fingerprint != fingerprint:
                        # The account's settings changed: what is idle used the old ones.
                        closing += slot.idle
                        slot.idle = []
                        slot.fingerprint = fingerprint
                    if slot.in_use < limit:
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise PoolExhaustedError(
                            f"all {limit} connections to {settings.host} for this "
                            f"account stayed busy for {settings.timeout:g} seconds",
                            host=settings.host,
                        )
                    self._lock.wait(remaining)
                if fresh and slot.idle and len(slot.idle) + slot.in_use >= limit:
                    closing.append(slot.idle.pop(0))  # the longest idle makes room
                while len(slot.idle) + slot.in_use > limit:  # the limit was lowered
                    closing.append(slot.idle.pop(0))
                slot.in_use += 1
                connection = slot.idle.pop() if slot.idle and not fresh else None
                generation = slot.generation
        finally:
            self._close_all(closing)
        try:
            checked = self.check_after if check_after is None else check_after
            if connection is not None and not self._fit_for_reuse(connection, checked):
                self._discard(connection, broken=True)
                self._drop_idle(slot)
                connection = None
            reused = connection is not None
            if connection is None:
                connection = _Connection(factory(settings), fingerprint, generation)
        except BaseException:
            with self._lock:
                slot.in_use -= 1
                self._lock.notify_all()
            raise
        with self._lock:
            if reused:
                self._reused += 1
            else:
                self._opened += 1
        return _Lease(connection, slot, reused=reused)

    def _fit_for_reuse(self, connection: _Connection, check_after: float) -> bool:
        if self._clock() - connection.returned_at <= check_after:
            return True
        try:
            with _housekeeping_timeout(connection.client):
                connection.client.noop()
        except Exception as error:  # noqa: BLE001 - any failure: not worth keeping
            _logger.info("idle IMAP connection failed its NOOP (%s), opening a new one", error)
            return False
        return True

    def _run_leased(self, lease: _Lease, operation: Callable[[imapclient.IMAPClient], T]) -> T:
        try:
            result = operation(lease.client)
        except BaseException as error:
            self._checkin(lease, error)
            raise
        self._checkin(lease, None)
        return result

    def _checkin(self, lease: _Lease, error: BaseException | None) -> None:
        connection = lease.connection
        if error is not None:
            # KeyboardInterrupt and the like may have struck halfway through a response.
            lease.broken = not isinstance(error, Exception) or is_connection_broken(error)
            if not lease.broken:
                # After a NO or an answer we could not read, the folder the connection has
                # selected may be deleted or renumbered: select it again next time.
                _forget_selection(connection.client)
        close = lease.broken or not _looks_open(connection.client)
        # A socket error or an ended stream, not a timeout: the server closed the connection
        # (restarted, or kicked us), and with it the ones waiting here.
        dead = error is not None and is_connection_broken(error) and not _timed_out(error)
        if dead:
            self._drop_idle(lease.slot)
        with self._lock:
            slot = lease.slot
            slot.in_use -= 1
            stale = connection.fingerprint != slot.fingerprint
            stale = stale or connection.generation != slot.generation
            surplus = []
            if not (close or stale):
                connection.returned_at = self._clock()
                slot.idle.append(connection)
                surplus = self._take_surplus()
            self._lock.notify_all()
        if close or stale:
            self._discard(connection, broken=lease.broken)
        self._close_all(surplus)

    def _drop_idle(self, slot: _Slot) -> None:
        """Close the idle connections of `slot` after one of them turned out dead.

        Servers close all of an account's connections at once (restart, kick, failover); a
        change must not get one of the others, and checking each with a NOOP in turn would
        cost a round trip apiece. They are shut down without LOGOUT, which they would most
        likely not answer: if the server is unreachable rather than restarted, each LOGOUT
        would wait its full timeout.
        """
        with self._lock:
            dropped, slot.idle = slot.idle, []
            self._closed += len(dropped)
        if dropped:
            _logger.info("closing %d idle IMAP connections: the server closed one", len(dropped))
        for connection in dropped:
            _shutdown_quietly(connection.client)

    def _take_surplus(self) -> list[_Connection]:
        """The connections idle longest beyond `max_idle` of all keys, taken out of the
        pool (lock held)."""
        idle = [(slot, connection) for slot in self._slots.values() for connection in slot.idle]
        if len(idle) <= self.max_idle:
            return []
        surplus = sorted(idle, key=lambda pair: pair[1].returned_at)[: len(idle) - self.max_idle]
        for slot, connection in surplus:
            slot.idle.remove(connection)
        return [connection for _slot, connection in surplus]

    def _take_expired(self) -> list[_Connection]:
        """Idle connections past idle_timeout, taken out of the pool (lock held)."""
        now = self._clock()
        expired = []
        for slot in self._slots.values():
            keep = []
            for connection in slot.idle:
                old = now - connection.returned_at > self.idle_timeout
                (expired if old else keep).append(connection)
            slot.idle = keep
        return expired

    def _close_all(self, connections: list[_Connection]) -> None:
        for connection in connections:
            self._discard(connection, broken=False)

    def _discard(self, connection: _Connection, *, broken: bool) -> None:
        with self._lock:
            self._closed += 1
            self._broken += broken
        if broken:
            _shutdown_quietly(connection.client)
        else:
            with _housekeeping_timeout(connection.client):
                imap.close_quietly(connection.client)


@contextmanager
def _housekeeping_timeout(client: imapclient.IMAPClient) -> Iterator[None]:
    """Lower the socket timeout for a NOOP check or a LOGOUT, then restore it."""
    try:
        sock = client.socket()
        previous = sock.gettimeout()
        sock.settimeout(min(previous or HOUSEKEEPING_TIMEOUT, HOUSEKEEPING_TIMEOUT))
    except (AttributeError, OSError):
        yield
        return
    try:
        yield
    finally:
        with suppress(OSError):  # closed meanwhile
            sock.settimeout(previous)


def _forget_selection(client: imapclient.IMAPClient) -> None:
    if getattr(client, "selected_folder", None) is not None:
        client.selected_folder = None


def _looks_open(client: imapclient.IMAPClient) -> bool:
    """False when the operation logged out or the socket is closed already."""
    try:
        return not imap.logged_out(client) and client.socket().fileno() != -1
    except (AttributeError, OSError):
        return False


def _shutdown_quietly(client: imapclient.IMAPClient) -> None:
    """Close a broken connection without a LOGOUT, which it could not carry anyway."""
    try:
        client.shutdown()
    except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
        return


_POOLS: "weakref.WeakSet[ConnectionPool]" = weakref.WeakSet()


def _empty_pools_after_fork():
    for pool in list(_POOLS):
        pool._reset()


os.register_at_fork(after_in_child=_empty_pools_after_fork)

POOL = ConnectionPool()
