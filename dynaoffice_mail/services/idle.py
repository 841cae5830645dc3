"""IMAP IDLE (RFC 2177) on one folder: the server tells of new mail, flag changes and
expunges as they happen, on a connection that does nothing else.

`watch()` selects the folder on a logged-in connection and stays in IDLE until `stop` is
set, calling `on_change` with what changed as soon as the server says so. It leaves IDLE
and enters it again before the 29 minutes after which RFC 2177 allows the server to drop
the connection, and also after a quiet spell: a server that is gone without a word (a
router dropped the connection) is noticed then, when DONE gets no answer. Dovecot says
"* OK Still here" every two minutes, so a quiet spell of QUIET_LIMIT means trouble.

Dovecot 2.3 keeps memory for each new mail a session learns of in a large Maildir folder
until that session selects a folder again, and ends the session at its vsz_limit: a
200,000-message Inbox in IDLE ended at its ninth new mail, whose notice never came. So the
watcher leaves IDLE and selects the folder again by the rule of the pooled connections
(imap.RESELECT_AFTER_GROWTH), and tells what changed while it was not in IDLE.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from threading import Event

import imapclient

from . import imap
from .exceptions import ConnectionFailedError, MailServiceError
from .imap import check_folder_name, translate_errors
from .uidsets import set_ranges

_logger = logging.getLogger(__name__)

# RFC 2177: clients re-issue IDLE at least every 29 minutes; a little less leaves room for
# a slow answer.
RENEW_AFTER = 25 * 60.0
# With no word from the server for this long, IDLE is left and entered again: one round
# trip that tells whether the connection is still there.
QUIET_LIMIT = 5 * 60.0
# How often the watching thread wakes up to see whether it should stop.
CHECK_EVERY = 1.0
# A socket at its end reads as "ready" with nothing in it; imapclient's idle_check then
# returns at once with no responses. After this many such returns in a row the server is
# taken to have closed the connection.
EMPTY_WAKEUPS = 5

# The HIGHESTMODSEQ a change in IDLE brought, as in "* OK [HIGHESTMODSEQ 7] Highest".
_HIGHESTMODSEQ = re.compile(rb"\[HIGHESTMODSEQ ([0-9]+)\]", re.IGNORECASE)

NEW = "new"
FLAGS = "flags"
EXPUNGE = "expunge"


class IdleUnsupportedError(MailServiceError):
    """The server does not offer IDLE: the client keeps polling."""


def changes_in(responses: Iterable[tuple]) -> frozenset[str]:
    """What the untagged IDLE responses say changed: NEW, FLAGS and/or EXPUNGE.

    `* 3 EXISTS` is new mail (Dovecot also says it after an expunge, together with the
    EXPUNGE), `* 2 FETCH (FLAGS ...)` a flag change by another client, `* 2 EXPUNGE` or
    QRESYNC's `* VANISHED` a message gone; "* OK Still here" and `RECENT` change nothing a
    list shows. `* BYE` means the server is closing the connection.
    """
    changes = set()
    for response in responses:
        words = [part for part in response if isinstance(part, bytes)]
        names = {word.upper() for word in words[:2]}
        if b"BYE" in names:
            raise ConnectionFailedError(detail="the server closed the connection (BYE)")
        if b"EXISTS" in names:
            changes.add(NEW)
        if b"FETCH" in names:
            changes.add(FLAGS)
        if b"EXPUNGE" in names or b"VANISHED" in names:
            changes.add(EXPUNGE)
    return frozenset(changes)


class FolderSeen:
    """What the watching connection was told of its folder since it selected it: the
    number of messages, the last HIGHESTMODSEQ it heard (Dovecot says it after new mail and
    expunges, not after a flag change: a flag changed right before the SELECT may be told
    once more), and the new mails it synchronised, each counted with the folder's size then
    (as imap.RESELECT_AFTER_GROWTH counts them)."""

    def __init__(self, selected: dict):
        self.count: int | None = selected.get(b"EXISTS")
        self.modseq: int | None = selected.get(b"HIGHESTMODSEQ")
        self.grown = 0

    def take(self, responses: Iterable[tuple]) -> None:
        """Learn from untagged answers as imapclient's idle_check() gives them."""
        for response in responses:
            if len(response) < 2:
                continue
            first, name = response[0], response[1]
            if isinstance(name, bytes):
                name = name.upper()
            if name == b"EXISTS" and isinstance(first, int):
                self.grown = imap.with_growth(self.grown, self.count, first)
                self.count = first
            elif name == b"EXPUNGE" and self.count is not None:
                self.count -= 1
            elif isinstance(first, bytes) and first.upper() == b"VANISHED":
                self._vanished(response[1:])
            elif isinstance(first, bytes) and first.upper() == b"OK":
                found = _HIGHESTMODSEQ.search(name) if isinstance(name, bytes) else None
                if found is not None:
                    self._heard_modseq(int(found.group(1)))

    def reselect_due(self) -> bool:
        return imap.reselect_due(self.grown)

    def changes_since(self, before: "FolderSeen") -> frozenset[str]:
        """What a SELECT that made this says changed since `before` (the connection was not
        in IDLE meanwhile): more messages are new mail, fewer an expunge, a higher
        HIGHESTMODSEQ with as many messages a flag changed. Without CONDSTORE a flag changed
        meanwhile goes untold (the client's slow poll still finds it)."""
        if None in (self.count, before.count):
            return frozenset({NEW, FLAGS, EXPUNGE})
        if self.count > before.count:
            return frozenset({NEW})
        if self.count < before.count:
            return frozenset({EXPUNGE})
        if None not in (self.modseq, before.modseq) and self.modseq > before.modseq:
            return frozenset({FLAGS})
        return frozenset()

    def _vanished(self, words: tuple) -> None:
        if self.count is None or not words or words[0] == (b"EARLIER",):
            return  # VANISHED (EARLIER) names messages that were gone before
        for word in words:
            if isinstance(word, int):
                self.count -= 1
            elif isinstance(word, bytes) and (ranges := set_ranges(word)) is not None:
                self.count -= sum(high - low + 1 for low, high in ranges)

    def _heard_modseq(self, modseq: int) -> None:
        if self.modseq is None or modseq > self.modseq:
            self.modseq = modseq


def watch(
    client: imapclient.IMAPClient,
    folder: str,
    on_change: Callable[[frozenset[str]], None],
    stop: Event,
    *,
    on_ready: Callable[[], None] | None = None,
    renew_after: float = RENEW_AFTER,
    quiet_limit: float = QUIET_LIMIT,
    check_every: float = CHECK_EVERY,
) -> None:
    """Stay in IDLE on `folder` until `stop` is set; `on_change(changes)` on each change.

    `on_ready()` is called once the folder is selected and the first IDLE is running: from
    then on nothing that happens in the folder is missed. Raises IdleUnsupportedError when
    the server has no IDLE, ConnectionFailedError (or an error of the IMAP libraries) when
    the connection breaks. The folder is left unselected for whoever uses the connection
    next: what the connection knows of it was not kept up to date during IDLE.
    """
    check_folder_name(folder, "folder name")
    with translate_errors(client):
        if not client.has_capability("IDLE"):
            raise IdleUnsupportedError(detail="the server does not offer IDLE")
        seen = FolderSeen(client.select_folder(folder))
        try:
            first = True
            while not stop.is_set():
                ready = on_ready if first else None
                _idle_once(
                    client, on_change, stop, renew_after, quiet_limit, check_every, ready, seen
                )
                first = False
                if seen.reselect_due() and not stop.is_set():
                    before, seen = seen, FolderSeen(client.select_folder(folder))
                    changes = seen.changes_since(before)
                    if changes:
                        on_change(changes)
        finally:
            client.selected_folder = None


def _idle_once(client, on_change, stop, renew_after, quiet_limit, check_every, on_ready, seen):
    """One IDLE command: until `stop`, `renew_after`, a quiet spell of `quiet_limit` or
    until the folder is due to be selected again (`seen`, a FolderSeen kept up to date)."""
    client.idle()
    if on_ready is not None:
        on_ready()
    started = heard = time.monotonic()
    empty = 0
    try:
        while not stop.is_set():
            now = time.monotonic()
            if now - started >= renew_after or now - heard >= quiet_limit:
                break
            asked = time.monotonic()
            responses = client.idle_check(timeout=check_every)
            if responses:
                heard = time.monotonic()
                empty = 0
                changes = changes_in(responses)
                seen.take(responses)
                if changes:
                    on_change(changes)
                if seen.reselect_due():
                    break
            elif time.monotonic() - asked < check_every / 2:
                empty += 1
                if empty >= EMPTY_WAKEUPS:
                    raise ConnectionFailedError(detail="the server closed the connection")
            else:
                empty = 0
    except BaseException:
        # Still in IDLE, or broken: no other command may follow on this connection, so the
        # pool must not hand it out again.
        with suppress(Exception):
            client.shutdown()
        raise
    _text, responses = client.idle_done()
    changes = changes_in(responses)
    seen.take(responses)
    if changes:
        on_change(changes)
