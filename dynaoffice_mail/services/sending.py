"""Sending mail (SMTP or a sendmail program) and what follows on the IMAP server: the copy
in Sent, drafts saved and replaced, the original marked as answered or forwarded.

Sending is all or nothing where the protocol allows it: every recipient is offered to the
server before the message, and if any is refused the transaction is reset, so that the user
can correct the address and send again without anyone getting the mail twice. The one case
SMTP leaves open, the connection breaking after the whole message went out and before the
server's answer, is reported as DeliveryUncertainError: the mail may have been sent, and
only the user can decide to send it again.

A message goes to every place as a file (compose.spool), read in chunks: SMTP DATA,
sendmail's input and IMAP APPEND never hold a large message in memory. Bytes are taken
as well.
"""

import io
import itertools
import os
import re
import smtplib
import ssl
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import BinaryIO

import imapclient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError
from imapclient.imapclient import seq_to_parenstr

from . import imap, net, smtp
from .actions import UidValidityChangedError, delete
from .compose import envelope_address, parse_addresses, spool, strip_bcc
from .config import SmtpSettings
from .exceptions import (
    DeliveryUncertainError,
    FolderNotFoundError,
    InvalidInputError,
    MailServiceError,
    MessageRefusedError,
    MessageTooLargeError,
    ProtocolError,
    RecipientsRefusedError,
    SenderRefusedError,
    SendmailError,
)
from .folders import list_folders
from .spool import chunks, crlf_chunks, read_head, readable, replace_line_ends

SPECIAL_FOLDERS = ("\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive")
# Where a server names no special-use folders: the names mail programs create, by the
# last part of the folder path.
_USUAL_NAMES = {
    "\\Sent": (
        "sent",
        "sent items",
        "sent messages",
        "sent mail",
        "gesendet",
        "gesendete elemente",
        "gesendete objekte",
    ),
    "\\Drafts": ("drafts", "draft", "entwürfe", "entwurf"),
    "\\Trash": (
        "trash",
        "deleted items",
        "deleted messages",
        "papierkorb",
        "gelöschte elemente",
        "gelöschte objekte",
    ),
    "\\Junk": ("junk", "spam", "junk e-mail", "junk email"),
    "\\Archive": ("archive", "archiv"),
}
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)
_MESSAGE_ID_HEADER = re.compile(rb"(?im)^message-id:[ \t]*(<[^<>\s]+>)")
_DOT_AFTER_LINE_END = re.compile(rb"(?<=\n)\.")
_CRLF = re.compile(rb"\r\n")
SENDMAIL_TIMEOUT = 60.0
_MAX_STDERR = 2000


# -- SMTP ------------------------------------------------------------------------------------------


def send_smtp(
    settings: SmtpSettings,
    message: EmailMessage,
    *,
    envelope_from: str | None = None,
    recipients: Iterable[str] | None = None,
    data: bytes | BinaryIO | None = None,
) -> None:
    """Send `message` over SMTP as `settings` say (TLS, login).

    The envelope goes from `envelope_from` (default: the From address) to `recipients`
    (default: To, Cc and Bcc, so Bcc recipients get the mail), and the bytes sent never
    carry the Bcc header. `data` is the message as written (compose.spool's file, or
    bytes) when the caller has it already; its Bcc header is left out too. Raises
    MessageTooLargeError (before anything is sent, where the server announces its limit),
    SenderRefusedError, RecipientsRefusedError, MessageRefusedError, the connection and
    login errors of smtp.connect, or DeliveryUncertainError.
    """
    sender = envelope_address(envelope_from or _from_address(message))
    targets = envelope_recipients(message, recipients)
    with _message_file(message, data) as source:
        wire = _WireMessage.of(source)
        client = smtp.connect(settings)
        try:
            _transmit(client, settings.host, sender, targets, wire)
        except BaseException:
            client.close()
            raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()  # the server has the message already; its goodbye does not matter


def envelope_recipients(
    message: EmailMessage, recipients: Iterable[str] | None = None
) -> list[str]:
    """The addresses to send to, ASCII (IDN domains as punycode), each once: `recipients`
    if given, else everyone in To, Cc and Bcc."""
    if recipients is not None:
        addresses = [address for entry in recipients for address in _addresses(entry)]
    else:
        addresses = [
            address
            for name in ("To", "Cc", "Bcc")
            for value in message.get_all(name) or ()
            for address in _addresses(value)
        ]
    found = {}
    for address in addresses:
        wire = envelope_address(address)
        found.setdefault(wire.lower(), wire)
    if not found:
        raise InvalidInputError("the message has no recipients")
    return list(found.values())


def _from_address(message: EmailMessage) -> str:
    addresses = [
        address for value in message.get_all("From") or () for address in _addresses(value)
    ]
    if len(addresses) != 1:
        raise InvalidInputError("the message needs exactly one From address")
    return addresses[0]


def _addresses(value) -> list[str]:
    """The bare addresses in a header the email package parsed, or in text a caller gave."""
    parsed = getattr(value, "addresses", None)
    if parsed is not None:
        return [address.addr_spec for address in parsed if address.username]
    return [address.address for address in parse_addresses(str(value), "recipient")]


@contextmanager
def _message_file(message: EmailMessage, data) -> Iterator[BinaryIO]:
    """`data` as a file, or else the message written to a file here (closed afterwards)."""
    if data is not None:
        yield readable(data)
        return
    with spool(message) as written:
        yield written


@dataclass(frozen=True)
class _WireMessage:
    """A message as SMTP sends it: its header block without Bcc, then the rest of `source`
    from `body_start`, read in chunks."""

    source: BinaryIO
    head: bytes
    body_start: int
    size: int  # what SIZE announces: the bytes before dot-stuffing
    eight_bit: bool

    @classmethod
    def of(cls, source: BinaryIO) -> "_WireMessage":
        head, body_start = read_head(source)
        head = strip_bcc(head)
        end = source.seek(0, io.SEEK_END)
        eight_bit = not head.isascii() or not all(
            chunk.isascii() for chunk in chunks(source, body_start)
        )
        return cls(source, head, body_start, len(head) + end - body_start, eight_bit)

    def data(self) -> Iterator[bytes]:
        """What follows DATA: every line end CRLF, a "." starting a line doubled, and the
        final "." on a line of its own."""
        pieces = itertools.chain((self.head,), chunks(self.source, self.body_start))
        line_start, ending = True, b""
        for piece in crlf_chunks(pieces):
            stuffed = _DOT_AFTER_LINE_END.sub(b"..", piece)
            yield b"." + stuffed if line_start and piece.startswith(b".") else stuffed
            line_start = piece.endswith(b"\n")
            ending = (ending + piece[-2:])[-2:]
        if ending != b"\r\n":
            yield b"\r\n"
        yield b".\r\n"


def _transmit(
    client: smtplib.SMTP, host: str, sender: str, recipients: Sequence[str], wire: _WireMessage
):
    """MAIL, every RCPT, then DATA only when all recipients were accepted."""
    try:
        code, reply = client.mail(sender, _mail_options(client, host, wire))
        if code != 250:
            _reset(client)
            if code == 552:
                raise MessageTooLargeError(host=host, detail=_text(code, reply))
            raise SenderRefusedError(host=host, detail=f"{sender}: {_text(code, reply)}")
        refused = {}
        for recipient in recipients:
            code, reply = client.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = _text(code, reply)
        if refused:
            _reset(client)
            raise RecipientsRefusedError(host=host, refused=refused)
        code, reply = client.docmd("DATA")
        if code != 354:
            _reset(client)
            raise _refusal(host, code, reply)
        # Should this fail, the final "." never reached the server: nothing was sent.
        for piece in wire.data():
            client.send(piece)
    except smtplib.SMTPServerDisconnected as error:
        if isinstance(error.__context__, OSError):
            raise net.translate_os_error(error.__context__, host) from error
        raise ProtocolError(host=host, detail=str(error)) from error
    except smtplib.SMTPException as error:
        raise ProtocolError(host=host, detail=str(error)) from error
    except (ssl.SSLError, OSError) as error:
        raise net.translate_ssl_error(error, host) from error
    try:
        code, reply = client.getreply()
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryUncertainError(
            "the connection broke after the message was sent, before the server confirmed it",
            host=host,
            detail=str(error),
        ) from error
    if code != 250:
        raise _refusal(host, code, reply)


def _mail_options(client: smtplib.SMTP, host: str, wire: _WireMessage) -> list[str]:
    """SIZE and BODY for MAIL FROM, where the server knows them; MessageTooLargeError when
    the message is larger than the server says it takes."""
    options = []
    if client.has_extn("size"):
        limit = _size_limit(client)
        if limit and wire.size > limit:
            raise MessageTooLargeError(
                host=host,
                detail=f"{wire.size} bytes; the server takes at most {limit}",
                max_size=limit,
            )
        options.append(f"SIZE={wire.size}")
    if wire.eight_bit and client.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    return options


def _size_limit(client: smtplib.SMTP) -> int | None:
    try:
        return int(client.esmtp_features.get("size", "").split()[0]) or None
    except (ValueError, IndexError):
        return None


def _refusal(host: str, code: int, reply: bytes) -> MailServiceError:
    if code == 552:
        return MessageTooLargeError(host=host, detail=_text(code, reply))
    return MessageRefusedError(host=host, detail=_text(code, reply))


def _reset(client: smtplib.SMTP) -> None:
    try:
        client.rset()
    except (smtplib.SMTPException, OSError):
        return  # the transaction dies with the connection just as well


def _text(code: int, reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return f"{code} {reply}".replace("\n", " ")


# -- sendmail --------------------------------------------------------------------------------------


def send_sendmail(
    path: str,
    message: EmailMessage,
    *,
    envelope_from: str | None = None,
    recipients: Iterable[str] | None = None,
    timeout: float = SENDMAIL_TIMEOUT,
    data: bytes | BinaryIO | None = None,
) -> None:
    """Hand `message` to the sendmail program at `path` (an absolute path):
    `path -i -f <from> -- <recipients>`, the message on stdin with Unix line ends and
    without Bcc (`data`: the message as written, as for send_smtp).

    Never through a shell; the recipients follow "--", so none can pass for an option.
    """
    if not isinstance(path, str) or not os.path.isabs(path) or "\0" in path:
        raise InvalidInputError(f"the sendmail program must be an absolute path, not {path!r}")
    sender = envelope_address(envelope_from or _from_address(message))
    args = [path, "-i", "-f", sender, "--", *envelope_recipients(message, recipients)]
    # The program reads its input from a file: no copy of the message in memory, and no
    # pipe that fills up while the program writes to stderr.
    with _message_file(message, data) as source, tempfile.TemporaryFile() as stdin:
        head, body_start = read_head(source)
        pieces = itertools.chain((strip_bcc(head),), chunks(source, body_start))
        stdin.writelines(replace_line_ends(pieces, _CRLF, b"\n"))
        stdin.seek(0)
        completed = _run_sendmail(path, args, stdin, timeout)
    if completed.returncode != 0:
        raise SendmailError(
            f"{path} failed with exit status {completed.returncode}",
            detail=_stderr(completed.stderr),
        )


def _run_sendmail(path: str, args: list[str], stdin: BinaryIO, timeout: float):
    try:
        return subprocess.run(  # an argument list: no shell ever parses it
            args, stdin=stdin, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise DeliveryUncertainError(
            f"{path} did not finish within {timeout:g} seconds; it may have queued the mail",
            detail=_stderr(error.stderr),
        ) from error
    except OSError as error:
        raise SendmailError(f"{path} could not be run", detail=str(error)) from error


def _stderr(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace").strip()[:_MAX_STDERR]


# -- the IMAP side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageRef:
    """One message on the server, as the UI holds it."""

    folder: str
    uidvalidity: int
    uid: int


@dataclass
class FilingReport:
    """What happened after a message was sent; `problems` name each step that failed
    ("sent copy", "mark original", "remove draft") with its error."""

    sent_copy: tuple[int, int] | None = None  # (uidvalidity, uid) of the copy in Sent
    problems: list[tuple[str, MailServiceError]] = field(default_factory=list)


def append_to_folder(
    client: imapclient.IMAPClient,
    folder: str,
    message: bytes | BinaryIO,
    flags: Sequence[bytes] = (b"\\Seen",),
) -> int | None:
    """APPEND the message (bytes or a file) to `folder`; its new UID where the server says
    (UIDPLUS)."""
    appended = _append(client, folder, message, flags)
    return appended[1] if appended else None


def find_special_folder(client: imapclient.IMAPClient, use: str) -> str | None:
    """The folder for `use` ("\\Sent", "\\Drafts", ...): the one the server marks with that
    special-use attribute (RFC 6154), else one with a usual name ("Sent", "Gesendet"), else
    None."""
    if use not in SPECIAL_FOLDERS:
        raise InvalidInputError(f"unknown special-use folder {use!r}")
    listed = [folder for folder in list_folders(client) if folder.selectable]
    for folder in listed:
        if folder.special_use == use:
            return folder.name
    names = _USUAL_NAMES[use]
    for folder in listed:
        if folder.path[-1].casefold() in names:
            return folder.name
    return None


def save_draft(
    client: imapclient.IMAPClient,
    drafts_folder: str,
    message: bytes | BinaryIO,
    replace_uid: int | None = None,
    uidvalidity: int | None = None,
) -> tuple[int, int]:
    """Store a draft (\\Draft \\Seen) and remove the version it replaces; returns the new
    draft's (uidvalidity, uid).

    The new version is stored first, so a failure never loses the draft. The old one is
    removed only while the folder keeps the UIDVALIDITY it was saved under: after a
    renumbering its UID may name another message, and a stale draft left over is the
    lesser harm.
    """
    appended = _append(client, drafts_folder, message, (b"\\Draft", b"\\Seen"))
    if appended is None:
        appended = _find_appended(client, drafts_folder, message)
    if replace_uid is not None and uidvalidity is not None and replace_uid != appended[1]:
        # Renumbered: the old UID means nothing now, and the old draft stays (see above).
        with suppress(UidValidityChangedError):
            delete_draft(client, drafts_folder, uidvalidity, replace_uid)
    return appended


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
        selected, _count = imap.ensure_selected(client, folder)
        if int(uidvalidity) != int(selected.uidvalidity):
            raise UidValidityChangedError(
                host=getattr(client, "host", ""),
                detail=f"{folder} was renumbered by the server; reload the list",
            )
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
            report.sent_copy = _append(client, sent_folder, message, [b"\\Seen"])
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
        except MailServiceError as error:
            report.problems.append(("remove draft", error))
    return report


def _append(client, folder: str, data: bytes | BinaryIO, flags) -> tuple[int, int] | None:
    """APPEND; (uidvalidity, uid) from the APPENDUID answer, or None without UIDPLUS."""
    imap.check_folder_name(folder, "folder name")
    source = readable(data)
    # The literal as imaplib would send it, every line end CRLF: its size first.
    size = sum(len(piece) for piece in crlf_chunks(chunks(source)))
    if not size:
        raise InvalidInputError("the message to store is empty")
    host = getattr(client, "host", "")
    with imap.translate_errors(client):
        try:
            response = _append_in_chunks(client, folder, tuple(flags), source, size)
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
    return (int(found.group(1)), int(found.group(2))) if found else None


def _append_in_chunks(client, folder: str, flags, source: BinaryIO, size: int) -> bytes:
    """APPEND with the message sent in chunks, the way imapclient sends literals of its own
    (IMAPClient._raw_command): imaplib's append() takes the message as one bytes object and
    copies it twice. The literal is a synchronising one, so that a server that will not
    take the message ([TRYCREATE], [TOOBIG]) says so before it is sent. The answer's text,
    or IMAPClientError as imapclient raises it."""
    connection = client._imap
    for answer in ("OK", "NO", "BAD"):  # as imaplib forgets them before each command
        connection.untagged_responses.pop(answer, None)
    tag = connection._new_tag()
    folder_name = client._normalise_folder(folder)
    flag_list = seq_to_parenstr(flags).encode("ascii")
    try:
        connection.send(b"%s APPEND %s %s {%d}\r\n" % (tag, folder_name, flag_list, size))
        while connection._get_response():  # None: the server's "+", go ahead
            if connection.tagged_commands[tag]:
                break  # refused before the message went
        else:
            for piece in crlf_chunks(chunks(source)):
                connection.send(piece)
            connection.send(b"\r\n")
    except OSError as error:
        raise connection.abort(f"socket error: {error}") from error
    typ, data = connection._command_complete("APPEND", tag)
    text = data[0] if data and isinstance(data[0], bytes) else b""
    if typ != "OK":
        raise IMAPClientError(f"append failed: {text.decode('utf-8', 'replace')}")
    return text


def _find_appended(client, folder: str, data: bytes | BinaryIO) -> tuple[int, int]:
    """The UID of a message just appended to a server without UIDPLUS, by its Message-ID."""
    head, _body_start = read_head(readable(data))
    found = _MESSAGE_ID_HEADER.search(head)
    host = getattr(client, "host", "")
    if found is None:
        raise ProtocolError(host=host, detail="the draft has no Message-ID to find it by")
    with imap.translate_errors(client):
        selected, _count = imap.ensure_selected(client, folder)
        uids = client.search(["HEADER", "Message-ID", found.group(1).decode("ascii")])
    if not uids:
        raise ProtocolError(host=host, detail="the saved draft cannot be found on the server")
    return int(selected.uidvalidity), max(uids)


_MESSAGE_ID_SHAPE = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}@[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")


def find_message(client: imapclient.IMAPClient, folder: str, message_id: str) -> MessageRef | None:
    """The one message in `folder` with this Message-ID (the server searches), or None when
    there is none or more than one (then nobody could say which is meant)."""
    if not message_id or not _MESSAGE_ID_SHAPE.fullmatch(message_id):
        return None
    imap.check_folder_name(folder, "folder name")
    with imap.translate_errors(client):
        selected, _count = imap.ensure_selected(client, folder)
        uids = client.search(["HEADER", "Message-ID", message_id])
    if len(uids) != 1:
        return None
    return MessageRef(folder=folder, uidvalidity=int(selected.uidvalidity), uid=int(uids[0]))
