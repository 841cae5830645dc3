"""What assigning mail to Odoo records needs from the server: the list data of chosen
messages, their attachments within a byte budget, the `$Odoo-Assigned` keyword that other
mail programs see, a message found again by its Message-ID, and the mail exchanged with
given addresses (SEARCH FROM/TO/CC).
"""

from collections.abc import Iterable
from dataclasses import dataclass

import imapclient

from . import imap, messages, net, reading
from .actions import select_checked
from .exceptions import InvalidInputError, LimitExceededError, ProtocolError
from .messages import MessageSummary

# A keyword (RFC 3501 flag without backslash); "$" marks it as one meant for many clients.
ASSIGNED_KEYWORD = b"$Odoo-Assigned"
MAX_MESSAGES = 1_000
MAX_ADDRESSES = 20
# A folder's search answer is cut here, before any FETCH: this is a look-up, not a list.
MAX_MATCHES = 100_000


@dataclass(frozen=True)
class FolderMatches:
    """The newest messages of one folder that match a search, and how many matched."""

    folder: str
    uidvalidity: int
    total: int
    messages: tuple[MessageSummary, ...]


def message_summaries(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uids: Iterable[int]
) -> dict[int, MessageSummary]:
    """The list data (subject, sender, date, Message-ID) of `uids`; gone ones are missing."""
    uids = sorted(set(uids))
    with imap.translate_errors(client):
        select_checked(client, folder, uidvalidity, uids, MAX_MESSAGES)
        # The message list's own FETCH, so that a handle holds what the list showed.
        return {summary.uid: summary for summary in messages._fetch_summaries(client, uids)}


def read_attachments(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    part_numbers: Iterable[str],
    *,
    max_bytes: int,
) -> dict[str, bytes | None]:
    """The decoded content of parts, in the order given, together at most `max_bytes`.

    A part that would go beyond the budget is None (and not fetched to the end); smaller
    parts after it may still fit.
    """
    result, total = {}, 0
    for part_number in part_numbers:
        head, chunks = reading.stream_part(client, folder, uidvalidity, uid, part_number)
        room = max_bytes - total
        # BODYSTRUCTURE gives the encoded size; base64 shrinks to three quarters of it.
        if head.size is not None and head.size * 3 // 4 > room:
            chunks.close()
            result[part_number] = None
            continue
        data = bytearray()
        try:
            for chunk in chunks:
                data += chunk
                if len(data) > room:
                    data = None
                    break
        finally:
            chunks.close()
        result[part_number] = bytes(data) if data is not None else None
        total += len(data or b"")
    return result


def read_source(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uid: int, *, max_bytes: int
) -> bytes | None:
    """The whole message as the server stores it, or None if it is larger than `max_bytes`."""
    size, chunks = reading.stream_source(client, folder, uidvalidity, uid)
    if size > max_bytes:
        chunks.close()
        return None
    try:
        return b"".join(chunks)
    finally:
        chunks.close()


def mark_assigned(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uids: Iterable[int]
) -> bool:
    """Set `$Odoo-Assigned` on messages; False when the server keeps no keywords."""
    uids = sorted(set(uids))
    with imap.translate_errors(client):
        uid_set = select_checked(client, folder, uidvalidity, uids, MAX_MESSAGES)
    try:
        with imap.translate_errors(client):
            client.add_flags(uid_set, [ASSIGNED_KEYWORD], silent=True)
    except ProtocolError:
        # A server whose PERMANENTFLAGS lack \* refuses new keywords (some answer NO).
        return False
    return True


def find_message(
    client: imapclient.IMAPClient, folders: Iterable[str], message_id: str
) -> tuple[str, int, int] | None:
    """(folder, UIDVALIDITY, UID) of the first message with this Message-ID, looking in
    `folders` in the order given (skipping those that no longer exist), or None."""
    net.check_wire_safe(message_id, "Message-ID")
    for folder in folders:
        try:
            with imap.translate_errors(client):
                selected, _count = imap.ensure_selected(client, folder)
                uids = client.search(["HEADER", "Message-ID", message_id])
        except ProtocolError:
            continue  # renamed or deleted by another mail program meanwhile
        if uids:
            return folder, int(selected.uidvalidity), max(uids)
    return None


def search_correspondence(
    client: imapclient.IMAPClient, folder: str, addresses: Iterable[str], *, limit: int
) -> FolderMatches:
    """The newest `limit` messages of `folder` from, to or copied to any of `addresses`."""
    addresses = [address for address in dict.fromkeys(addresses) if address]
    if not addresses or len(addresses) > MAX_ADDRESSES:
        raise InvalidInputError(f"between 1 and {MAX_ADDRESSES} addresses")
    if not 0 < limit <= messages.MAX_PAGE_SIZE:
        raise InvalidInputError(f"limit must be between 1 and {messages.MAX_PAGE_SIZE}")
    criteria = _address_criteria(addresses)
    with imap.translate_errors(client):
        selected, _count = imap.ensure_selected(client, folder)
        if client.has_capability("SORT"):
            uids = client.sort(["REVERSE DATE"], criteria, charset="UTF-8")
        else:
            uids = sorted(client.search(criteria), reverse=True)
        if len(uids) > MAX_MATCHES:
            raise LimitExceededError(detail=f"more than {MAX_MATCHES} matches")
        summaries = messages._fetch_summaries(client, list(uids[:limit]))
    return FolderMatches(
        folder=folder,
        uidvalidity=int(selected.uidvalidity),
        total=len(uids),
        messages=summaries,
    )


def _address_criteria(addresses: list[str]) -> list:
    """FROM, TO or CC any of the addresses, as one SEARCH key of nested ORs."""
    keys = []
    for address in addresses:
        net.check_wire_safe(address, "address")
        if not address.isascii():
            # Nested search keys go out as US-ASCII; such addresses (RFC 6531) are rare.
            raise InvalidInputError(f"address {address!r} is not ASCII")
        keys += [["FROM", address], ["TO", address], ["CC", address]]
    criteria = keys[0]
    for key in keys[1:]:
        criteria = ["OR", criteria, key]
    return criteria
