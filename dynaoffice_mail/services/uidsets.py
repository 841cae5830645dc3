"""IMAP sequence sets: written compressed, read in the order the server gave."""

from collections.abc import Iterable

from .exceptions import InvalidInputError, LimitExceededError, ProtocolError


def checked_uid_set(uids: Iterable[int], limit: int) -> str:
    """`uids` as a compressed UID set; InvalidInputError unless there are between 1 and
    `limit` of them, each a UID (1 or more)."""
    uids = list(uids)
    if not uids or len(uids) > limit:
        raise InvalidInputError(f"between 1 and {limit} messages at a time")
    try:
        return compress_uids(uids)
    except ValueError as error:
        raise InvalidInputError(str(error)) from error


def compress_uids(uids: Iterable[int]) -> str:
    """`[1, 2, 3, 7]` -> `"1:3,7"`: a set of UIDs as short as IMAP allows.

    Servers cap the length of a command line (Dovecot: 64 kB), so a page's UIDs are always
    sent as ranges; the order is lost, which is fine because FETCH answers in any order.
    """
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("an IMAP sequence set cannot be empty")
    if ordered[0] < 1:
        raise ValueError("UIDs start at 1")
    ranges = []
    start = previous = ordered[0]
    for uid in ordered[1:]:
        if uid != previous + 1:
            ranges.append(_range(start, previous))
            start = uid
        previous = uid
    ranges.append(_range(start, previous))
    return ",".join(ranges)


def set_ranges(uid_set: bytes) -> list[tuple[int, int]] | None:
    """The ranges of a sequence set such as b"2,5:7" or b"9:8" as (low, high) pairs, as
    written (a set the server sent: nothing expanded); None for one that cannot be read."""
    ranges = []
    for piece in uid_set.strip().split(b","):
        first, _colon, last = piece.strip().partition(b":")
        if not first.isdigit() or not (last or first).isdigit():
            return None
        low, high = sorted((int(first), int(last or first)))
        ranges.append((low, high))
    return ranges


def _range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}:{last}"


def parse_ordered_uids(text: str | bytes | int | None, max_count: int) -> list[int]:
    """The UIDs of an ESORT/ESEARCH result, in the order written.

    Sorted results keep the sort order, so `5:3` is read as 5, 4, 3 rather than as a set.
    `max_count` guards against a range like `1:4294967295` from a broken server.
    """
    if text is None:
        return []
    if isinstance(text, int):
        return [text]
    if isinstance(text, bytes):
        text = text.decode("ascii")
    if ":" not in text:  # no range: each item one UID (a sorted page mostly is)
        items = text.split(",")
        try:
            uids = [int(item) for item in items[: max_count + 1]]  # as the loop below reads
        except ValueError as error:
            raise ProtocolError(detail=f"unreadable sequence set {text!r}") from error
        if len(uids) > max_count:
            raise LimitExceededError(detail=f"more than {max_count} UIDs in one answer")
        return uids
    uids = []
    try:
        for item in text.split(","):
            first, _, last = item.partition(":")
            start, end = int(first), int(last or first)
            step = 1 if end >= start else -1
            if len(uids) + abs(end - start) + 1 > max_count:
                raise LimitExceededError(detail=f"more than {max_count} UIDs in one answer")
            uids.extend(range(start, end + step, step))
    except ValueError as error:
        raise ProtocolError(detail=f"unreadable sequence set {text!r}") from error
    return uids
