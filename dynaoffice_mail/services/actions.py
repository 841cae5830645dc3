"""Changing mail on the server: flags, moving, deleting. Every change to listed messages names
its folder's UIDVALIDITY, so UIDs from a list the server has since renumbered never hit other
messages; marking a whole folder read names no UIDs, it asks the server for the unread ones.

A move or delete tells what it did (ChangeReport): the messages it moved or deleted, and
those another session or mail program had moved or deleted first, which it reports as gone,
never as done. A move also tells where the messages went (the target's UIDVALIDITY and their
new UIDs, from COPYUID), so that the client can move them back ("Undo").

MOVE's COPYUID answer (UIDPLUS) names what was still there to move; a STORE
that is not silent names what was still there to flag. Two sessions starting the same move
at the same moment are another matter: Dovecot's MOVE copies, then expunges, so both copy,
and both are told so by COPYUID. No answer of the server tells them apart (nor does
CONDSTORE: Dovecot checks UNCHANGEDSINCE against the session's last view, so two STOREs
at once both pass); the callers keep such changes from running at once (see pool.py and
the account model).
"""

import imaplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import imapclient
from imapclient.exceptions import IMAPClientError

from . import imap, limits
from .exceptions import (
    InvalidInputError,
    MessageNotFoundError,
    NoTrashFolderError,
    OthersMarkedDeletedError,
    ProtocolError,
)
from .uidsets import checked_uid_set, compress_uids, parse_ordered_uids

# The flags users switch from the client; others (\Draft, \Deleted) follow from actions.
USER_FLAGS = {"seen": b"\\Seen", "flagged": b"\\Flagged"}
DELETE_MODES = ("trash", "flag", "expunge")
# How often a command is sent again after the server said messages vanished under it
# (NO [EXPUNGEISSUED]), each time after a NOOP has told the session which.
VANISHED_ROUNDS = 3


class AlreadyMovedError(MessageNotFoundError):
    """Another session or mail program moved or deleted messages first; nothing was done to
    them (the others were done)."""

    def __init__(self, message: str = "", *, host: str = "", gone: int = 1, total: int = 1):
        self.gone = gone
        self.total = total
        detail = f"{gone} of {total} messages were already moved or deleted"
        super().__init__(message, host=host, detail=detail)


@dataclass(frozen=True)
class ChangeReport:
    """What a move or delete did: the UIDs `done` by this call, and those `gone` before it
    got to them (moved or deleted by another session or mail program meanwhile).

    After a move on a server with UIDPLUS, `target_uidvalidity` and `target_uids` say where
    the messages are now; a server without it does not say (None and empty), nor does a
    delete that removed or only flagged them."""

    done: frozenset[int]
    gone: frozenset[int]
    host: str = ""
    target_uidvalidity: int | None = None
    target_uids: frozenset[int] = frozenset()

    def check(self) -> None:
        """Raise AlreadyMovedError unless this call did it to every message."""
        if self.gone:
            raise AlreadyMovedError(
                host=self.host, gone=len(self.gone), total=len(self.gone) + len(self.done)
            )


class _Vanished(ProtocolError):
    """The server answered NO [EXPUNGEISSUED]: messages went while we acted on them. Caught
    to try again (after a NOOP); should it happen every time, a protocol error."""


def _select_uids(client, folder: str, uidvalidity: int, uids: Iterable[int]) -> str:
    """Select `folder` if it still has `uidvalidity`; the UIDs as a compressed UID set."""
    uid_set = checked_uid_set(uids, limits.MAX_UIDS)
    imap.select_checked(client, folder, uidvalidity)
    return uid_set


def set_flag(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uids: Iterable[int],
    flag: str,
    value: bool,
    *,
    report: bool = False,
) -> ChangeReport | None:
    """Set or clear "seen" or "flagged" on messages. With `report`, what was still there to
    change and what another session or mail program had moved or deleted meanwhile (a
    ChangeReport; one UID SEARCH more): a STORE says nothing of UIDs that are gone."""
    if not isinstance(flag, str) or flag not in USER_FLAGS:
        raise InvalidInputError(f"unknown flag {flag!r}")
    change = client.add_flags if value else client.remove_flags
    with imap.translate_errors(client):
        uid_set = _select_uids(client, folder, uidvalidity, uids)
        if not report:
            change(uid_set, [USER_FLAGS[flag]], silent=True)
            return None
        wanted = set(parse_ordered_uids(uid_set, limits.MAX_UIDS))

        def store_once():
            present = set(client.search(["UID", uid_set])) & wanted
            if present:
                _vanishing(
                    client, lambda: change(compress_uids(present), [USER_FLAGS[flag]], silent=True)
                )
            return present

        done = _after_vanishing(client, store_once)
        return ChangeReport(frozenset(done), frozenset(wanted - done), _host(client))


def move(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uids: Iterable[int], target: str
) -> ChangeReport:
    """Move messages to `target` (MOVE, or COPY + delete + UID EXPUNGE where MOVE is missing;
    on a server with neither MOVE nor UIDPLUS, see `_move`)."""
    imap.check_folder_name(target, "folder name")
    if target == folder:
        return ChangeReport(frozenset(uids), frozenset(), _host(client))
    with imap.translate_errors(client):
        uid_set = _select_uids(client, folder, uidvalidity, uids)
        return _move(client, set(parse_ordered_uids(uid_set, limits.MAX_UIDS)), target)


def delete(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uids: Iterable[int],
    mode: str,
    trash: str | None,
) -> ChangeReport:
    """Delete as the account says: to Trash, only flag as deleted, or remove at once.

    `trash` is the account's Trash (folders.special_folder(client, "\\Trash")). Deleting
    inside Trash always removes the messages; to Trash without one is refused
    (NoTrashFolderError) rather than done for good. Messages already gone are reported,
    not an error (removing a draft that is gone is no failure); `ChangeReport.check()`
    makes them one.
    """
    if mode not in DELETE_MODES:
        raise InvalidInputError(f"unknown delete mode {mode!r}")
    if mode == "trash" and not trash:
        raise NoTrashFolderError(
            "there is no Trash folder to move the messages to; nothing was deleted",
            host=_host(client),
        )
    if mode == "trash" and trash != folder:
        return move(client, folder, uidvalidity, uids, trash)
    with imap.translate_errors(client):
        uid_set = _select_uids(client, folder, uidvalidity, uids)
        uids = set(parse_ordered_uids(uid_set, limits.MAX_UIDS))
        flag_only = mode == "flag" and not (trash and trash == folder)
        if flag_only:
            flagged = _flag_deleted(client, uids)
        elif client.has_capability("UIDPLUS"):
            flagged = _flag_deleted(client, uids)
            if flagged:
                _remove_flagged(client, compress_uids(flagged))
        else:
            flagged = _remove_without_uidplus(client, uids)
        return ChangeReport(frozenset(flagged), frozenset(uids - flagged), _host(client))


def empty_folder(client: imapclient.IMAPClient, folder: str) -> int:
    """Remove every message of `folder` (Empty Trash); returns how many there were."""
    with imap.translate_errors(client):
        _selected, count = imap.ensure_selected(client, folder)
        if count:
            client.set_flags("1:*", [b"\\Deleted"], silent=True)
            client.expunge()
        return count


def mark_folder_read(client: imapclient.IMAPClient, folder: str) -> int:
    """Mark every unread message of `folder` read (Mark folder as read); returns how many.

    UID SEARCH UNSEEN, then \\Seen added in batches of limits.MAX_UIDS UIDs, so a folder
    with more unread mail than one command may name is marked all the same. Mail that
    arrives meanwhile stays unread: the user has not seen it.
    """
    with imap.translate_errors(client):
        imap.ensure_selected(client, folder)
        unseen = sorted(client.search(["UNSEEN"]))
        for start in range(0, len(unseen), limits.MAX_UIDS):
            batch = unseen[start : start + limits.MAX_UIDS]
            client.add_flags(compress_uids(batch), [b"\\Seen"], silent=True)
        return len(unseen)


def _flag_deleted(client, uids: set[int]) -> set[int]:
    """Set \\Deleted on those of `uids` that are still there; returns them. (A STORE that is
    not silent would not tell: Dovecot answers only for messages whose flags changed.)"""

    def flag_once():
        present = set(client.search(["UID", compress_uids(uids)])) & uids
        if present:
            _vanishing(
                client,
                lambda: client.add_flags(compress_uids(present), [b"\\Deleted"], silent=True),
            )
        return present

    return _after_vanishing(client, flag_once)


def _copy(client, uids: set[int], target: str, command: Callable | None = None):
    """(target UIDVALIDITY, {source UID: target UID}) of what COPY (or `command`, MOVE) did,
    from its COPYUID answers (UIDPLUS); a UID not among them was gone already."""
    if not uids:
        return None, {}
    imap.take_untagged(client, "COPYUID")
    imap.take_untagged(client, "EXPUNGEISSUED")
    copied = None
    try:
        (command or client.copy)(compress_uids(uids), target)
    except imaplib.IMAP4.abort:
        raise
    except IMAPClientError:
        # Dovecot answers NO [EXPUNGEISSUED] when a message went in the middle of the command
        # and copies none of the batch (a MOVE of over 1000 may have moved the first ones:
        # their COPYUID is read below all the same).
        if imap.take_untagged(client, "EXPUNGEISSUED") is None:
            raise
        copied = imap.take_untagged(client, "COPYUID")
        if not copied:
            raise _Vanished() from None
    else:
        copied = imap.take_untagged(client, "COPYUID")
    copies = {}
    validity = None
    for text in copied or ():
        try:
            validity_text, sources, targets = text.decode("ascii").split()
            validity = int(validity_text)
            pairs = zip(
                parse_ordered_uids(sources, limits.MAX_UIDS),
                parse_ordered_uids(targets, limits.MAX_UIDS),
                strict=True,
            )
            copies.update((uid, copy) for uid, copy in pairs if uid in uids)
        except ValueError as error:  # UnicodeDecodeError among them
            raise ProtocolError(
                host=_host(client), detail=f"unreadable COPYUID {text!r}"
            ) from error
    return validity, copies


def _move(client, uids: set[int], target: str) -> ChangeReport:
    """MOVE, or COPY + UID EXPUNGE; COPYUID names what was still there to move. Without
    either, COPY + EXPUNGE where that removes the moved messages alone."""
    if not client.has_capability("UIDPLUS"):
        # No COPYUID: what the server still finds is what it will move. Where it went is
        # not told (ChangeReport.target_uids stays empty), so the client offers no Undo.
        present = set(client.search(["UID", compress_uids(uids)])) & uids
        if present and client.has_capability("MOVE"):
            client.move(compress_uids(present), target)
        elif present:
            # Neither MOVE nor UID EXPUNGE (a plain IMAP4rev1 server): COPY, then mark as
            # deleted, and EXPUNGE only where that removes these alone. Where other messages
            # are marked too, these stay marked (shown struck through, as after "Mark as
            # deleted") until the next EXPUNGE, rather than removing mail others only marked.
            client.copy(compress_uids(present), target)
            client.add_flags(compress_uids(present), [b"\\Deleted"], silent=True)
            _expunge_if_alone(client, present)
        return ChangeReport(frozenset(present), frozenset(uids - present), _host(client))

    def move_once(pending):
        if client.has_capability("MOVE"):
            return _copy(client, pending, target, client.move)
        validity, copied = _copy(client, pending, target)
        if copied:
            _expunge(client, compress_uids(copied))
        return validity, copied

    moved: dict[int, int] = {}
    target_validity = None
    for _round in range(VANISHED_ROUNDS):
        pending = uids - moved.keys()
        validity, done = _after_vanishing(client, lambda pending=pending: move_once(pending))
        target_validity = validity or target_validity
        moved.update(done)
        # Some but not all: the rest was gone, or a long MOVE stopped at one that went
        # (Dovecot commits every 1000 messages). Once more finds out.
        if not done or len(done) == len(pending):
            break
    return ChangeReport(
        frozenset(moved),
        frozenset(uids - moved.keys()),
        _host(client),
        target_uidvalidity=target_validity if moved else None,
        target_uids=frozenset(moved.values()),
    )


def _after_vanishing(client, command: Callable):
    """`command()`; when messages vanished under it, again after a NOOP has told the
    session which (VANISHED_ROUNDS times at most)."""
    for _round in range(VANISHED_ROUNDS - 1):
        try:
            return command()
        except _Vanished:
            client.noop()
    return command()


def _vanishing(client, command: Callable):
    """`command()`, raising _Vanished for NO [EXPUNGEISSUED] instead of a protocol error."""
    imap.take_untagged(client, "EXPUNGEISSUED")
    try:
        return command()
    except imaplib.IMAP4.abort:
        raise
    except IMAPClientError:
        if imap.take_untagged(client, "EXPUNGEISSUED") is None:
            raise
        raise _Vanished() from None


def _host(client) -> str:
    return getattr(client, "host", "")


def _expunge(client, uid_set: str):
    """Remove exactly these messages: UID EXPUNGE, never a folder-wide EXPUNGE that would
    also remove what another client flagged as deleted."""
    client.add_flags(uid_set, [b"\\Deleted"], silent=True)
    _remove_flagged(client, uid_set)


def _remove_flagged(client, uid_set: str):
    """UID EXPUNGE of messages flagged \\Deleted already (UIDPLUS)."""
    client.uid_expunge(uid_set)


def _remove_without_uidplus(client, uids: set[int]) -> set[int]:
    """Remove those of `uids` still there on a server without UID EXPUNGE; returns them.

    Its EXPUNGE removes every message marked \\Deleted, so this is refused, with nothing
    changed, while other messages of the folder are marked (by "Mark as deleted" here or
    in another mail program): OthersMarkedDeletedError.
    """
    marked = set(client.search(["DELETED"]))
    if marked - uids:
        raise OthersMarkedDeletedError(host=_host(client), detail="no UIDPLUS")
    flagged = _flag_deleted(client, uids)
    if flagged and not _expunge_if_alone(client, flagged):
        # Another program marked a message in the meantime: undo our marks.
        unmark = flagged - marked
        if unmark:
            client.remove_flags(compress_uids(unmark), [b"\\Deleted"], silent=True)
        raise OthersMarkedDeletedError(host=_host(client), detail="no UIDPLUS")
    return flagged


def _expunge_if_alone(client, uids: set[int]) -> bool:
    """EXPUNGE, if `uids` are the only messages of the selected folder marked \\Deleted
    (else it would remove the others too); whether it did."""
    if set(client.search(["DELETED"])) - uids:
        return False
    client.expunge()
    return True
