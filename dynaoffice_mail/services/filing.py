"""What follows on the IMAP server when mail is written and sent: drafts saved and
replaced, the copy in Sent, the original marked as answered or forwarded.

A message goes to the server as a file (mime.spool), read in chunks: IMAP APPEND never
holds a large message in memory. Bytes are taken as well.
"""

import re
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import BinaryIO

import imapclient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from . import imap
from .actions import delete
from .exceptions import (
    FolderNotFoundError,
    InvalidInputError,
    MailServiceError,
    MessageTooLargeError,
    ProtocolError,
    UidValidityChangedError,
)
from .refs import MessageRef
from .spool import chunks, crlf_chunks, read_head, readable

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)
_MESSAGE_ID_HEADER = re.compile(rb"(?im)^message-id:[ \t]*(<[^<>\s]+>)")


@dataclass
class FilingReport:
    """What happened after a message was sent; `problems` name each step that failed
    ("sent copy", "mark original", "remove draft") with its error."""

    sent_copy: MessageRef | None = None  # the copy in Sent, where the server named it
    problems: list[tuple[str, MailServiceError]] = field(default_factory=list)


def save_draft(
    client: imapclient.IMAPClient,
    drafts_folder: str,
    message: bytes | BinaryIO,
    replace_uid: int | None = None,
    uidvalidity: int | None = None,
) -> MessageRef:
    """Store a draft (\\Draft \\Seen) and remove the version it replaces; returns where the
    new draft is.

    The new version is stored first, so a failure never loses the draft. The old one is
    removed only while the folder keeps the UIDVALIDITY it was saved under: after a
    renumbering its UID may name another message, and a stale draft left over is the
    lesser harm.
    """
    appended = append_to_folder(client, drafts_folder, message, (b"\\Draft", b"\\Seen"))
    if appended is None:
        appended = _find_appended(client, drafts_folder, message)
    if replace_uid is not None and uidvalidity is not None and replace_uid != appended.uid:
        # Renumbered: the old UID means nothing now, and the old draft stays (see above).
        with suppress(UidValidityChangedError):
            delete_draft(client, drafts_folder, uidvalidity, replace_uid)
    with suppress(UidValidityChangedError):
        _drop_other_versions(client, message, appended)
    return appended


def _drop_other_versions(client, message: bytes | BinaryIO, kept: MessageRef) -> None:
    """Remove the drafts in `kept`'s folder with the Message-ID of `message` but `kept`:
    versions of the same mail that another window saved (each window replaces only the
    version it saved itself). A sent copy filed there has no \\Draft flag and stays."""
    head, _body_start = read_head(readable(message))
    found = _MESSAGE_ID_HEADER.search(head)
    message_id = found.group(1).decode("ascii", "replace") if found else ""
    if not imap.searchable_message_id(message_id):
        return
    with imap.translate_errors(client):
        imap.select_checked(client, kept.folder, kept.uidvalidity)
        uids = client.search(["DRAFT", "HEADER", "Message-ID", message_id])
    others = sorted(uid for uid in uids if uid != kept.uid)
    if others:
        delete(client, kept.folder, kept.uidvalidity, others, "expunge", None)


def delete_draft(client: imapclient.IMAPClient, drafts_folder: str, uidvalidity: int, uid: int):
    """Remove a draft at once (UID EXPUNGE: no other message flagged as deleted goes)."""
    delete(client, drafts_folder, uidvalidity, [uid], "expunge", None)


def mark_answered(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    forwarded: bool = False,
) -> None:
    """Set \\Answered on the original of a reply, or the $Forwarded keyword on a forward's."""
    imap.check_folder_name(folder, "folder name")
    with imap.translate_errors(client):
        imap.select_checked(client, folder, uidvalidity)
        client.add_flags([uid], [b"$Forwarded" if forwarded else b"\\Answered"], silent=True)


def file_sent_message(
    client: imapclient.IMAPClient,
    message: bytes | BinaryIO,
    *,
    sent_folder: str | None,
    original: MessageRef | None = None,
    forwarded: bool = False,
    draft: MessageRef | None = None,
) -> FilingReport:
    """Everything after a successful send: the copy in `sent_folder` (None: the server
    files it itself, as Gmail does), the original marked, the draft removed.

    Never raises a MailServiceError: the mail is out, so each failure is only reported,
    and the caller tells the user without offering to send again. Without its Sent copy
    the draft stays: it is the copy of the mail until the caller files one.
    """
    report = FilingReport()
    if sent_folder:
        try:
            report.sent_copy = append_to_folder(client, sent_folder, message, [b"\\Seen"])
        except MailServiceError as error:
            report.problems.append(("sent copy", error))
            draft = None
    if original is not None:
        try:
            mark_answered(client, original.folder, original.uidvalidity, original.uid, forwarded)
        except MailServiceError as error:
            report.problems.append(("mark original", error))
    if draft is not None:
        try:
            delete_draft(client, draft.folder, draft.uidvalidity, draft.uid)
            # The draft as another window saved it since, if it did: the mail is sent.
            _drop_other_versions(client, message, draft)
        except MailServiceError as error:
            report.problems.append(("remove draft", error))
    return report


def append_to_folder(
    client: imapclient.IMAPClient,
    folder: str,
    data: bytes | BinaryIO,
    flags: Sequence[bytes] = (b"\\Seen",),
) -> MessageRef | None:
    """APPEND the message (bytes or a file) to `folder`, its literal sent in chunks; where
    it is from the APPENDUID answer (UIDPLUS), else None."""
    imap.check_folder_name(folder, "folder name")
    source = readable(data)
    # The literal as imaplib would send it, every line end CRLF: its size first.
    size = sum(len(piece) for piece in crlf_chunks(chunks(source)))
    if not size:
        raise InvalidInputError("the message to store is empty")
    host = getattr(client, "host", "")
    with imap.translate_errors(client):
        try:
            response = imap.append(client, folder, tuple(flags), crlf_chunks(chunks(source)), size)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as error:
            text = str(error).upper()
            if "[TRYCREATE]" in text or "[NONEXISTENT]" in text:
                raise FolderNotFoundError(
                    f'the folder "{folder}" does not exist', host=host, detail=str(error)
                ) from error
            if "[TOOBIG]" in text or "[LIMIT]" in text:
                raise MessageTooLargeError(host=host, detail=str(error)) from error
            raise
    found = _APPENDUID.search(response if isinstance(response, bytes) else b"")
    if not found:
        return None
    return MessageRef(
        account=0, folder=folder, uidvalidity=int(found.group(1)), uid=int(found.group(2))
    )


def _find_appended(client, folder: str, data: bytes | BinaryIO) -> MessageRef:
    """The message just appended to a server without UIDPLUS, found by its Message-ID."""
    head, _body_start = read_head(readable(data))
    found = _MESSAGE_ID_HEADER.search(head)
    host = getattr(client, "host", "")
    if found is None:
        raise ProtocolError(host=host, detail="the draft has no Message-ID to find it by")
    ref = imap.find_by_message_id(client, folder, found.group(1).decode("ascii", "replace"))
    if ref is None:
        raise ProtocolError(host=host, detail="the saved draft cannot be found on the server")
    return ref
