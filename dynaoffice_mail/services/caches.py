"""Small per-process caches of what a mailbox's messages say and never change.

A message on an IMAP server never changes: a UID in a folder of one UIDVALIDITY names the
same bytes for good. What is read from them (a preview, the order of a folder's subjects)
can be kept in the worker and shared by its threads, filed under the mailbox it came from.
Each cache is bounded by a number of entries and forgets the least recently used first.
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable


class BoundedCache:
    """A thread-safe mapping of at most `max_entries`, least recently used dropped first."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        with self._lock:
            try:
                self._entries.move_to_end(key)
            except KeyError:
                return default
            return self._entries[key]

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def mailbox_scope(client) -> tuple | None:
    """Who a connection reads: (host, port, user) of the mailbox it is logged in to, or
    None when that cannot be told (then nothing is cached for it).

    Not the Odoo account: two accounts on one mailbox see the same messages, and an account
    whose login changes to another mailbox must not see the first one's previews.
    """
    settings = getattr(client, "_settings", None)
    if settings is None:
        return None
    return (settings.host.lower(), settings.port, settings.username)
