"""Changing mail on the server: flags, moving, deleting. Every change names its folder's
UIDVALIDITY, so UIDs from a list the server has since renumbered never hit other messages."""

from collections.abc import Iterable

import imapclient

from . import imap, net
from .exceptions import InvalidInputError, ProtocolError
from .uidsets import compress_uids

# The flags users switch from the client; others (\Draft, \Deleted) follow from actions.
USER_FLAGS = {"seen": b"\\Seen", "flagged": b"\\Flagged"}
DELETE_MODES = ("trash", "flag", "expunge")
MAX_UIDS = 10_000


class UidValidityChangedError(ProtocolError):
    """The folder was renumbered since the list was read; the client must reload it."""


def select_checked(
    client, folder: str, uidvalidity: int, uids: Iterable[int], limit: int = MAX_UIDS
) -> str:
    """Select `folder` if it still has `uidvalidity`; the UIDs as a compressed UID set."""
    uids = list(uids)
    if not uids or len(uids) > limit:
        raise InvalidInputError(f"between 1 and {limit} messages at a time")
    try:
        uid_set = compress_uids(uids)
    except ValueError as error:
        raise InvalidInputError(str(error)) from error
    selected, _count = imap.ensure_selected(client, folder)
    if int(uidvalidity) != int(selected.uidvalidity):
        raise UidValidityChangedError(
            host=getattr(client, "host", ""),
            detail=f"{folder} was renumbered by the server; reload the list",
        )
    return uid_set


def set_flag(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uids: Iterable[int],
    flag: str,
    value: bool,
) -> None:
    """Set or clear "seen" or "flagged" on messages."""
    if flag not in USER_FLAGS:
        raise InvalidInputError(f"unknown flag {flag!r}")
    with imap.translate_errors(client):
        uid_set = select_checked(client, folder, uidvalidity, uids)
        if value:
            client.add_flags(uid_set, [USER_FLAGS[flag]], silent=True)
        else:
            client.remove_flags(uid_set, [USER_FLAGS[flag]], silent=True)


def move(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uids: Iterable[int], target: str
) -> None:
    """Move messages to `target` (MOVE, or COPY + delete + UID EXPUNGE where MOVE is missing)."""
    net.check_wire_safe(target, "folder name")
    if target == folder:
        return
    with imap.translate_errors(client):
        uid_set = select_checked(client, folder, uidvalidity, uids)
        if client.has_capability("MOVE"):
            client.move(uid_set, target)
        else:
            client.copy(uid_set, target)
            _expunge(client, uid_set)


def delete(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uids: Iterable[int],
    mode: str,
    trash: str | None,
) -> None:
    """Delete as the account says: to Trash, only flag as deleted, or remove at once.

    Deleting inside Trash (or without a Trash folder) always removes the messages.
    """
    if mode not in DELETE_MODES:
        raise InvalidInputError(f"unknown delete mode {mode!r}")
    if mode == "trash" and trash and trash != folder:
        move(client, folder, uidvalidity, uids, trash)
        return
    with imap.translate_errors(client):
        uid_set = select_checked(client, folder, uidvalidity, uids)
        if mode == "flag" and not (trash and trash == folder):
            client.add_flags(uid_set, [b"\\Deleted"], silent=True)
        else:
            _expunge(client, uid_set)


def empty_folder(client: imapclient.IMAPClient, folder: str) -> int:
    """Remove every message of `folder` (Empty Trash); returns how many there were."""
    with imap.translate_errors(client):
        _selected, count = imap.ensure_selected(client, folder)
        if count:
            client.set_flags("1:*", [b"\\Deleted"], silent=True)
            client.expunge()
        return count


def _expunge(client, uid_set: str):
    """Remove exactly these messages: UID EXPUNGE, never a folder-wide EXPUNGE that would
    also remove what another client flagged as deleted."""
    client.add_flags(uid_set, [b"\\Deleted"], silent=True)
    if not client.has_capability("UIDPLUS"):
        raise ProtocolError(
            host=getattr(client, "host", ""),
            detail="the server cannot remove single messages (no UIDPLUS)",
        )
    client.uid_expunge(uid_set)
