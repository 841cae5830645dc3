"""What assigning mail to Odoo records needs from the server: the list data of chosen
messages, the `$Odoo-Assigned` keyword that other mail programs see, a message found again
by its Message-ID, and the mail exchanged with given addresses (SEARCH FROM/TO/CC). Their
files are read with reading.read_attachments and reading.read_source.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import imapclient

from . import addresses as mail_addresses
from . import imap, limits, messages, net
from .exceptions import InvalidInputError, LimitExceededError, ProtocolError
from .list_rows import MessageSummary
from .refs import MessageRef
from .uidsets import checked_uid_set

# A keyword (RFC 3501 flag without backslash); "$" marks it as one meant for many clients.
ASSIGNED_KEYWORD = b"$Odoo-Assigned"


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
        checked_uid_set(uids, limits.MAX_SUMMARIES)
        imap.select_checked(client, folder, uidvalidity)
        # The message list's own FETCH, so that a handle holds what the list showed.
        return {summary.uid: summary for summary in messages.fetch_summaries(client, uids)}


def mark_assigned(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uids: Iterable[int]
) -> bool:
    """Set `$Odoo-Assigned` on messages; False when the server keeps no keywords."""
    uids = sorted(set(uids))
    with imap.translate_errors(client):
        uid_set = checked_uid_set(uids, limits.MAX_SUMMARIES)
        imap.select_checked(client, folder, uidvalidity)
    try:
        with imap.translate_errors(client):
            client.add_flags(uid_set, [ASSIGNED_KEYWORD], silent=True)
    except ProtocolError:
        # A server whose PERMANENTFLAGS lack \* refuses new keywords (some answer NO).
        return False
    return True


def find_message(
    client: imapclient.IMAPClient, folders: Iterable[str], message_id: str
) -> MessageRef | None:
    """The first message with this Message-ID (imap.find_by_message_id), looking in
    `folders` in the order given (skipping those that no longer exist), or None."""
    net.check_wire_safe(message_id, "Message-ID")
    for folder in folders:
        try:
            found = imap.find_by_message_id(client, folder, message_id)
        except ProtocolError:
            continue  # renamed or deleted by another mail program meanwhile
        if found is not None:
            return found
    return None


def search_correspondence(
    client: imapclient.IMAPClient, folder: str, addresses: Iterable[str], *, limit: int
) -> FolderMatches:
    """The newest `limit` messages of `folder` from, to or copied to any of `addresses`."""
    addresses = [address for address in dict.fromkeys(addresses) if address]
    if not addresses or len(addresses) > limits.MAX_CORRESPONDENTS:
        raise InvalidInputError(f"between 1 and {limits.MAX_CORRESPONDENTS} addresses")
    if not 0 < limit <= limits.MAX_PAGE_SIZE:
        raise InvalidInputError(f"limit must be between 1 and {limits.MAX_PAGE_SIZE}")
    criteria = _address_criteria(addresses)
    with imap.translate_errors(client):
        selected, _count = imap.ensure_selected(client, folder)
        if client.has_capability("SORT"):
            uids = client.sort(["REVERSE DATE"], criteria, charset="UTF-8")
        else:
            uids = sorted(client.search(criteria), reverse=True)
        if len(uids) > limits.MAX_CORRESPONDENCE_MATCHES:
            raise LimitExceededError(
                detail=f"more than {limits.MAX_CORRESPONDENCE_MATCHES} matches"
            )
        summaries = messages.fetch_summaries(client, list(uids[:limit]))
    return FolderMatches(
        folder=folder,
        uidvalidity=int(selected.uidvalidity),
        total=len(uids),
        messages=summaries,
    )


def searchable_address(address: str) -> str | None:
    """`address` as a SEARCH key finds it in headers, or None where none can: nested
    search keys go out as US-ASCII, so an internationalised domain is searched as headers
    carry it (punycode, xn--...); a part before the @ that is not ASCII (RFC 6531, rare)
    cannot be."""
    local, _at, domain = address.rpartition("@")
    if not local.isascii():
        return None
    if domain.isascii():
        return address
    try:
        return mail_addresses.wire_address(address)
    except InvalidInputError:
        return None


def _address_criteria(addresses: list[str]) -> list:
    """FROM, TO or CC any of the addresses, as one SEARCH key of nested ORs."""
    keys = []
    for address in addresses:
        net.check_wire_safe(address, "address")
        searched = searchable_address(address)
        if searched is None:
            raise InvalidInputError(f"address {address!r} cannot be searched for (not ASCII)")
        keys += [["FROM", searched], ["TO", searched], ["CC", searched]]
    criteria = keys[0]
    for key in keys[1:]:
        criteria = ["OR", criteria, key]
    return criteria
