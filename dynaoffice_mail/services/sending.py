"""Sending mail: over SMTP or through a sendmail program. What follows on the IMAP server
(the copy in Sent, the draft removed, the original marked) is filing.py's.

Sending is all or nothing where the protocol allows it: every recipient is offered to the
server before the message, and if any is refused the transaction is reset, so that the user
can correct the address and send again without anyone getting the mail twice. The one case
SMTP leaves open, the connection breaking after the whole message went out and before the
server's answer, is reported as DeliveryUncertainError: the mail may have been sent, and
only the user can decide to send it again.

A message goes out as a file (mime.spool), read in chunks: neither SMTP DATA nor
sendmail's input holds a large message in memory. Bytes are taken as well.
"""

import io
import itertools
import os
import re
import smtplib
import ssl
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import BinaryIO

from . import limits, net, smtp
from .addresses import envelope_address, parse_addresses
from .config import SmtpSettings
from .exceptions import (
    DeliveryUncertainError,
    InvalidInputError,
    MailServiceError,
    MessageRefusedError,
    MessageTooLargeError,
    ProtocolError,
    RecipientsRefusedError,
    SenderRefusedError,
    SendmailError,
)
from .mime import spool, strip_bcc
from .spool import chunks, crlf_chunks, read_head, readable, replace_line_ends

_DOT_AFTER_LINE_END = re.compile(rb"(?<=\n)\.")
_CRLF = re.compile(rb"\r\n")


# -- SMTP ------------------------------------------------------------------------------------------


def send_smtp(
    settings: SmtpSettings,
    message: EmailMessage,
    *,
    envelope_from: str | None = None,
    recipients: Iterable[str] | None = None,
    data: bytes | BinaryIO | None = None,
    connect: Callable[[SmtpSettings], smtplib.SMTP] = smtp.connect,
) -> None:
    """Send `message` over SMTP as `settings` say (TLS, login), on a connection that
    `connect(settings)` opens and logs in (the account's login seam).

    The envelope goes from `envelope_from` (default: the From address) to `recipients`
    (default: To, Cc and Bcc, so Bcc recipients get the mail), and the bytes sent never
    carry the Bcc header. `data` is the message as written (mime.spool's file, or
    bytes) when the caller has it already; its Bcc header is left out too. Raises
    MessageTooLargeError (before anything is sent, where the server announces its limit),
    SenderRefusedError, RecipientsRefusedError, MessageRefusedError, the connection and
    login errors of smtp.connect, or DeliveryUncertainError.
    """
    sender = envelope_address(envelope_from or _from_address(message))
    targets = envelope_recipients(message, recipients)
    with _message_file(message, data) as source:
        wire = _WireMessage.of(source)
        client = connect(settings)
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
    timeout: float = limits.SENDMAIL_TIMEOUT,
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
    return (data or b"").decode("utf-8", "replace").strip()[: limits.MAX_SENDMAIL_STDERR]
