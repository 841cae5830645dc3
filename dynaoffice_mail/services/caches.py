"""Small per-process caches of what a mailbox's messages say and never change.

A message on an IMAP server never changes: a UID in a folder of one UIDVALIDITY names the
same bytes for good. What is read from them (a preview, the order of a folder's subjects)
can be kept in the worker and shared by its threads, filed under the mailbox it came from.
Each cache is bounded by a number of entries and forgets the least recently used first.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class BoundedCache:
    """A thread-safe mapping of at most `max_entries`, least recently used dropped first;
    with `weigh` (a value's estimated size in bytes), also of at most `max_bytes` in all."""

    def __init__(
        self,
        max_entries: int,
        *,
        max_bytes: int | None = None,
        weigh: Callable[[object], int] | None = None,
    ):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._weigh = weigh if max_bytes is not None else None
        self._weights: dict = {}
        self.weight = 0  # the estimated bytes held, with `weigh`
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        return self.get_many((key,), default)[0]

    def get_many(self, keys, default=None) -> list:
        """get() of each of `keys`, in that order, under one lock (a page's rows)."""
        found = []
        with self._lock:
            entries = self._entries
            for key in keys:
                try:
                    entries.move_to_end(key)
                except KeyError:
                    found.append(default)
                else:
                    found.append(entries[key])
        return found

    def put(self, key: Hashable, value) -> None:
        self.put_many(((key, value),))

    def put_many(self, items) -> None:
        """put() each (key, value) of `items`, in that order, under one lock (a page's
        rows); the least recently used are dropped once all are in."""
        with self._lock:
            entries, weights, weigh = self._entries, self._weights, self._weigh
            for key, value in items:
                entries[key] = value
                entries.move_to_end(key)
                if weigh is not None:
                    weight = weigh(value)
                    self.weight += weight - weights.get(key, 0)
                    weights[key] = weight
            while len(entries) > self.max_entries or (
                weigh is not None and self.weight > self.max_bytes and entries
            ):
                dropped, _value = entries.popitem(last=False)
                self.weight -= weights.pop(dropped, 0)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weights.clear()
            self.weight = 0

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
