"""Snoozing on the server: a snoozed message waits in the folder "Snoozed" with the keyword
`$Odoo-Snoozed` (so that other mail programs show where it went and why), and comes back to
its folder unread; and the replies to a sent message, found by In-Reply-To and References.

The message itself is never rewritten: MOVE keeps its bytes (and a signature over them),
its Date header and its INTERNALDATE.
"""

import imaplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import compat32
from email.utils import parseaddr

import imapclient
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.response_parser import parse_response

from . import actions, folders, imap, limits, net
from .exceptions import FolderNotFoundError, ProtocolError
from .headers import to_text
from .refs import MessageRef

# The server's name of the folder, the same in every language (the client shows it
# translated, as it shows "INBOX" as "Posteingang"): other mail programs and other Odoo
# users of a group mailbox must find the one folder.
SNOOZED_FOLDER = "Snoozed"
SNOOZED_KEYWORD = b"$Odoo-Snoozed"
# Message-IDs one SEARCH asks for (ORed), and the length of its command line: one command
# for many messages, never longer than servers accept (Dovecot takes 64 KiB, others less).
SEARCH_CHUNK = 50
SEARCH_BYTES = 8_000
# Folders searched for replies to sent mail, the Inbox first: a SELECT and a SEARCH each
# where mail came in since the last search (find_replies).
MAX_REPLY_FOLDERS = 30
_NO_REPLIES = {"\\Sent", "\\Drafts", "\\Trash", "\\Junk"}
# Folders that show mail of other folders, the user's sent mail too (RFC 6154; Gmail's
# "Important" is one more).
_VIRTUAL = {"\\all", "\\flagged", "\\important"}


@dataclass(frozen=True)
class RepliesSeen:
    """What find_replies learnt of one folder: no message in it with a UID below `uidnext`
    (under `uidvalidity`) answers one of `message_ids`. Mail that comes into the folder
    later, delivered or moved there, gets a UID from UIDNEXT on (RFC 3501 2.3.1.1): a later
    search needs only those, and none while UIDNEXT has not moved. Another UIDVALIDITY (the
    folder made anew) voids it."""

    uidvalidity: int
    uidnext: int
    message_ids: frozenset[str]


def ensure_snoozed_folder(client: imapclient.IMAPClient) -> str:
    """The folder "Snoozed", created (and subscribed) where it is missing."""
    with imap.translate_errors(client):
        if not client.folder_exists(SNOOZED_FOLDER):
            client.create_folder(SNOOZED_FOLDER)
            client.subscribe_folder(SNOOZED_FOLDER)
    return SNOOZED_FOLDER


def snooze(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uids: Iterable[int]
) -> actions.ChangeReport:
    """Move the messages `uids` of `folder` to "Snoozed" with the keyword, in one MOVE:
    the server moves all of them or none, so no message waits in "Snoozed" that nothing
    brings back. The report says which moved (`done`) and which another program moved or
    deleted first (`gone`); AlreadyMovedError when that was every one."""
    target = ensure_snoozed_folder(client)
    uids = list(uids)
    with imap.translate_errors(client):
        imap.select_checked(client, folder, uidvalidity)
        _add_keyword(client, uids)
    report = actions.move(client, folder, uidvalidity, uids, target)
    if not report.done:
        report.check()
    return report


def waiting(client: imapclient.IMAPClient, message_ids: Iterable[str]) -> set[str]:
    """Those of `message_ids` that a message in "Snoozed" has: one SEARCH for up to
    SEARCH_CHUNK of them (and a FETCH of the Message-IDs where some matched), none when the
    folder is missing."""
    try:
        with imap.translate_errors(client):
            imap.ensure_selected(client, SNOOZED_FOLDER)
    except (FolderNotFoundError, ProtocolError):
        return set()  # no "Snoozed" (yet): nothing waits there
    with imap.translate_errors(client):
        return _matching(client, message_ids, ("Message-ID",))


def wake(client: imapclient.IMAPClient, message_id: str, folder: str) -> MessageRef | None:
    """Bring the snoozed message with this Message-ID back to `folder` (the Inbox when
    `folder` is gone), unread and without the keyword; where it is now, or None when
    "Snoozed" holds it no more (another mail program moved or deleted it)."""
    net.check_wire_safe(message_id, "Message-ID")
    try:
        found = imap.find_by_message_id(client, SNOOZED_FOLDER, message_id)
    except (FolderNotFoundError, ProtocolError):
        return None  # the folder itself was deleted meanwhile
    if found is None:
        return None
    with imap.translate_errors(client):
        if not client.folder_exists(folder):
            folder = "INBOX"
        imap.select_checked(client, SNOOZED_FOLDER, found.uidvalidity)
        client.remove_flags([found.uid], [b"\\Seen", SNOOZED_KEYWORD], silent=True)
    report = actions.move(client, SNOOZED_FOLDER, found.uidvalidity, [found.uid], folder)
    if not report.done:
        return None
    if not report.target_uids:
        return MessageRef(0, folder, 0, 0)
    return MessageRef(0, folder, report.target_uidvalidity, min(report.target_uids))


def reply_folders(client: imapclient.IMAPClient, own_folders: Iterable[str] = ()) -> list[str]:
    """Where a reply to sent mail may be: the Inbox, then the Archive and every other folder
    mail is filed in (by a server rule or by hand, "Snoozed" too), at most
    MAX_REPLY_FOLDERS. Not where the user's own mail is (Sent, Drafts, `own_folders`: the
    account's folders for them, the virtual folders of all or flagged mail), nor Trash and
    Junk. One LIST."""
    own = {name for name in own_folders if name}
    listed = [
        folder
        for folder in folders.listed_folders(client)
        if folder.selectable
        and folder.name.upper() != "INBOX"
        and folder.name not in own
        and folder.special_use not in _NO_REPLIES
        and not {flag.lower() for flag in folder.flags} & _VIRTUAL
    ]
    listed.sort(key=lambda folder: folder.special_use != "\\Archive")
    return ["INBOX", *(folder.name for folder in listed)][:MAX_REPLY_FOLDERS]


def find_replies(
    client: imapclient.IMAPClient,
    folder_names: Iterable[str],
    message_ids: Iterable[str],
    own_address: str = "",
    seen: dict[str, RepliesSeen] | None = None,
) -> set[str]:
    """Those of `message_ids` that a message in one of `folder_names` answers (its
    In-Reply-To or References names them), unless it is from `own_address` (the user's own
    mail in the thread, filed beside the replies, is no reply): per folder one SEARCH for up
    to SEARCH_CHUNK of them, by the server, and a FETCH of those headers where some matched.
    A Message-ID the server cannot be searched for (imap.searchable_message_id) is answered
    by none; a folder deleted meanwhile holds none.

    With `seen` (what an earlier call learnt, by folder; brought up to date here), the
    folders' UIDNEXT and UIDVALIDITY come first, in one round trip (_uid_states): a folder
    that got no mail since, searched then for all of `message_ids`, is not selected at all,
    and one that did is searched only among the messages that came since."""
    folder_names = list(folder_names)
    pending = {message_id for message_id in message_ids if imap.searchable_message_id(message_id)}
    answered = set()
    states = {}
    if seen is not None:
        for name in set(seen) - set(folder_names):
            del seen[name]
        if pending:
            states = _uid_states(client, folder_names)
    for folder in folder_names:
        if not pending:
            break
        state = states.get(folder)
        known = seen.get(folder) if seen is not None else None
        first_uid = None
        if (
            state is not None
            and known is not None
            and known.uidvalidity == state[0]
            and pending <= known.message_ids
        ):
            if known.uidnext == state[1]:
                continue  # no mail came since it was searched for all of them
            if known.uidnext < state[1]:
                first_uid = known.uidnext
        try:
            with imap.translate_errors(client):
                selected, _count = imap.ensure_selected(client, folder)
                uidvalidity = int(selected.uidvalidity)
                if known is not None and uidvalidity != known.uidvalidity:
                    first_uid = None  # made anew since the STATUS: every UID is another
                found = _matching(
                    client,
                    pending,
                    ("In-Reply-To", "References"),
                    not_from=own_address,
                    first_uid=first_uid,
                )
        except FolderNotFoundError:
            if seen is not None:
                seen.pop(folder, None)
            continue
        if seen is not None:
            if state is not None and state[0] == uidvalidity:
                # The ids found are left out: should their follow-ups stay open (the
                # transaction that closes them failed), the next call finds them again.
                seen[folder] = RepliesSeen(uidvalidity, state[1], frozenset(pending - found))
            else:
                seen.pop(folder, None)
        answered |= found
        pending -= found
    return answered


def _uid_states(client, folder_names: list[str]) -> dict[str, tuple[int, int]]:
    """{folder: (UIDVALIDITY, UIDNEXT)} of `folder_names`, those the server tells: one LIST
    with LIST-STATUS (RFC 5819), else one STATUS each, sent together (one round trip).

    The connection leaves its selected folder first (also one it no longer knows the name
    of, after an error): Dovecot answers STATUS for it from the connection's own view,
    which misses mail that arrived since. Without UNSELECT a NOOP brings that view up to
    date, and the folder, where known, is left out (searched as before): the view of a
    folder made anew would still tell the old one's UIDVALIDITY."""
    wanted = set(folder_names)
    selected = getattr(client, "selected_folder", None)
    with imap.translate_errors(client):
        if imap.has_selection(client) and client.has_capability("UNSELECT"):
            client.unselect_folder()
        if imap.has_selection(client):
            client.noop()
            if selected is not None:
                wanted.discard(selected.name)
        try:
            answers = _status_answers(client, sorted(wanted))
        except imaplib.IMAP4.abort:
            raise
        except (imaplib.IMAP4.error, imapclient.exceptions.IMAPClientError):
            return {}  # refused: every folder is searched
    states = {}
    # Parsed as one list: imaplib splits a response around a literal (a folder name sent
    # as {n}) into two entries.
    try:
        status = parse_response(answers)
    except (imapclient.exceptions.ProtocolError, ValueError, TypeError):
        return states  # unreadable: every folder is searched
    for raw_name, items in zip(status[::2], status[1::2], strict=False):
        raw_name = to_text(raw_name)
        name = decode_utf7(raw_name) if client.folder_encode else raw_name
        if not isinstance(items, tuple):
            continue
        values = dict(zip(items[::2], items[1::2], strict=False))
        uidvalidity, uidnext = values.get(b"UIDVALIDITY"), values.get(b"UIDNEXT")
        if name in wanted and isinstance(uidvalidity, int) and isinstance(uidnext, int):
            states[name] = (uidvalidity, uidnext)
    return states


def _status_answers(client, folder_names: list[str]) -> list:
    """The untagged STATUS answers (UIDVALIDITY, UIDNEXT) for `folder_names`, as imaplib
    keeps them: of one LIST with LIST-STATUS, else of one STATUS each, sent together."""
    imap.take_untagged(client, "STATUS")
    if client.has_capability("LIST-STATUS"):
        imap.untagged_command(
            client,
            b"LIST",
            [b'""', b'"*"', b"RETURN", b"(STATUS (UIDVALIDITY UIDNEXT))"],
            uid=False,
        )
        answers = imap.take_untagged(client, "STATUS") or []
    else:
        tags = [
            imap.send(
                client, "STATUS", imap.wire_folder_name(client, name), "(UIDVALIDITY UIDNEXT)"
            )
            for name in folder_names
        ]
        answers = []
        for tag in tags:
            # A folder deleted meanwhile is refused; it is searched (and found missing).
            answers += imap.answer_unless_refused(client, tag, "STATUS", "STATUS") or []
    return [answer for answer in answers if answer is not None]


def _matching(
    client,
    message_ids: Iterable[str],
    fields: tuple[str, ...],
    not_from: str = "",
    first_uid: int | None = None,
) -> set[str]:
    """Those of `message_ids` that a header `fields` of a message in the selected folder
    names (a message from `not_from` aside; with `first_uid`, among the messages from that
    UID on): SEARCH by the server for up to SEARCH_CHUNK at once (the keys ORed), then,
    where it found some, the headers of what it found, to tell which ids they name."""
    not_from = not_from.strip().lower()
    since = ["UID", f"{int(first_uid)}:*"] if first_uid else []
    found = set()
    for chunk in _chunks(message_ids, len(fields)):
        keys = [["HEADER", field, message_id] for message_id in chunk for field in fields]
        uids = client.search(since + ["OR"] * (len(keys) - 1) + keys)
        if not uids:
            continue
        if len(chunk) == 1 and not not_from:
            found.update(chunk)
            continue
        for headers in _headers(client, sorted(uids), (*fields, "From")):
            if not_from and parseaddr(str(headers.get("From", "")))[1].lower() == not_from:
                continue
            text = " ".join(
                str(value).replace("\r", "").replace("\n", "")
                for name, value in headers.items()
                if name.lower() != "from"
            ).lower()
            found.update(message_id for message_id in chunk if message_id.lower() in text)
    return found


def _chunks(message_ids: Iterable[str], keys_each: int):
    """The searchable ones of `message_ids` in lists of up to SEARCH_CHUNK, each making a
    SEARCH of at most SEARCH_BYTES (`keys_each` keys per Message-ID)."""
    chunk, size = [], 0
    for message_id in sorted(set(message_ids)):
        if not imap.searchable_message_id(message_id):
            continue
        net.check_wire_safe(message_id, "Message-ID")
        cost = keys_each * (len(message_id) + 32)
        if chunk and (len(chunk) == SEARCH_CHUNK or size + cost > SEARCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(message_id)
        size += cost
    if chunk:
        yield chunk


def _headers(client, uids: list[int], fields: tuple[str, ...]):
    """Per message of `uids`, its headers `fields` (an email.message.Message of them)."""
    item = f"BODY.PEEK[HEADER.FIELDS ({' '.join(field.upper() for field in fields)})]"
    for start in range(0, len(uids), limits.MAX_UIDS):
        answer = client.fetch(uids[start : start + limits.MAX_UIDS], [item])
        for data in answer.values():
            for key, value in data.items():
                if isinstance(key, bytes) and key.startswith(b"BODY["):
                    yield BytesParser(policy=compat32).parsebytes(value or b"", headersonly=True)


def _add_keyword(client, uids) -> bool:
    """The keyword on `uids`; False where the server keeps none (PERMANENTFLAGS lacking
    \\*): the mail is snoozed all the same, the folder tells other programs where it went."""
    try:
        client.add_flags(uids, [SNOOZED_KEYWORD], silent=True)
    except imapclient.exceptions.IMAPClientError:
        return False
    return True
