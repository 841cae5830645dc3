"""Writing mail: recipients checked, messages built as MIME, replies and forwards prepared.

Messages are built with the SMTP policy (CRLF, RFC 2047 encoded names and subjects,
RFC 2231 encoded file names) set to produce 7-bit text, so that they pass any server,
8BITMIME or not. Nothing a user typed reaches a header unchecked: a line break in a
subject, name, address or file name would start a header of its own ("Bcc: ..."), and is
refused rather than cleaned, so that the user sees what was wrong.
"""

import base64
import binascii
import datetime
import email
import email.errors
import email.header
import email.policy
import html
import io
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage, MIMEPart
from functools import partial
from typing import BinaryIO

from lxml import etree
from lxml import html as lxml_html

from .exceptions import InvalidInputError
from .headers import clean_text, decode_header_text
from .messages import Address
from .reading import MessageView
from .spool import (
    StreamedPart,
    chunks,
    decoded_base64,
    load_content,
    temporary_file,
    without_attachments,
    write_message,
)

__all__ = [
    "Address",
    "Draft",
    "OutgoingAttachment",
    "build_message",
    "envelope_address",
    "format_address",
    "forward_draft",
    "html_to_text",
    "parse_addresses",
    "parse_draft",
    "quote_intro",
    "read_draft",
    "reply_draft",
    "serialize",
    "spool",
    "with_content",
]

# SMTP, but 7-bit: text parts become quoted-printable or base64 instead of raw UTF-8.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
# References keeps the thread's first message and the most recent ones (RFC 5322 3.6.4
# allows trimming); a thread of hundreds would otherwise grow the header without end.
MAX_REFERENCES = 30
MAX_ADDRESS_LENGTH = 254
# More recipients than this is a mailing list's job; most servers refuse it too (Postfix
# takes 1000 RCPT per message), and a reply to all of a hostile message must not reach
# everyone in a To header of thousands.
MAX_RECIPIENTS = 1000
# The email package folds a long non-ASCII display name in quadratic time (5,000 "ü" take
# seconds); no person's name is this long, and a file name longer than 255 no disk takes.
MAX_NAME_LENGTH = 200
MAX_FILENAME_LENGTH = 255

# Every character str.splitlines() breaks at, and NUL. The email package folds headers
# with splitlines(), so \x0b or U+2028 in a value could end a header line as well as CR/LF.
_LINE_BREAKS = frozenset("\r\n\0\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>")
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_NAME_SPECIALS = re.compile(r"""[()<>\[\]:;@\\,."]""")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|antw|ref|rif|odp|res|ynt)(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)
_FORWARD_PREFIX = re.compile(
    r"^\s*(?:(?:fwd?|wg|tr|rv|vl|i)(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE
)
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    mime_type: str
    data: bytes = b""
    # Where the content is when it is not in `data`: a function that opens it for reading
    # (a file in Odoo's filestore, an attachment left in a draft's file). The message then
    # reads it in chunks as it is written (spool), never whole.
    open_content: Callable[[], BinaryIO] | None = None

    def content(self) -> bytes:
        """The whole content, for what can only take it so (an ir.attachment's raw)."""
        if self.open_content is None:
            return self.data
        with self.open_content() as source:
            return source.read()


@dataclass
class Draft:
    """A message being written. Recipients are what the user typed, one or more addresses
    per entry ("Anna <anna@example.org>", "bob@example.org, carl@example.org")."""

    from_name: str
    from_address: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    html_body: str = ""
    text_body: str | None = None  # None: derived from html_body
    attachments: list[OutgoingAttachment] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    # Given when writing starts and kept through every save and send: how the outbox and
    # the recipients recognise the message.
    message_id: str | None = None


# -- addresses -----------------------------------------------------------------------------------


def check_header_value(value: str, what: str, max_length: int | None = None) -> str:
    """Refuse anything that would end a header line: CR, LF, NUL and their Unicode kin;
    lone surrogates (JSON can carry "\\ud800", no charset can); and, with `max_length`,
    text longer than that."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be text")
    if any(char in _LINE_BREAKS for char in value):
        raise InvalidInputError(f"{what} contains a line break or NUL character")
    _check_encodable(value, what)
    if max_length is not None and len(value) > max_length:
        raise InvalidInputError(f"{what} is longer than {max_length} characters")
    return value


def _check_encodable(value: str, what: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what} contains a character that is not text") from None


def parse_addresses(text: str, what: str = "address") -> list[Address]:
    """The addresses in `text`, separated by commas or semicolons, each "Name <address>",
    '"Name, with comma" <address>' or a bare address.

    Every address is checked; the first invalid one is named in the InvalidInputError.
    Domains may be internationalised (müller.de); the part before the @ must be ASCII, as
    we do not send with SMTPUTF8.
    """
    check_header_value(text, what)
    found = []
    for piece in _split_addresses(text):
        name, address = _name_and_address(piece)
        _check_address(address, piece)
        if len(name) > MAX_NAME_LENGTH:
            raise InvalidInputError(
                f'"{piece[:40]}...": the name is longer than {MAX_NAME_LENGTH} characters'
            )
        found.append(Address(name=name, address=address))
    return found


def _split_addresses(text: str) -> list[str]:
    pieces, current, quoted, angle, escaped = [], [], False, False, False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"' and not angle:
            quoted = not quoted
        elif char == "<" and not quoted:
            angle = True
        elif char == ">" and not quoted:
            angle = False
        elif char in ",;" and not quoted and not angle:
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]


def _name_and_address(piece: str) -> tuple[str, str]:
    if "<" not in piece and ">" not in piece:
        return "", piece
    match = re.fullmatch(
        r'(?s)(?P<name>(?:"(?:[^"\\]|\\.)*"|[^"<>])*?)\s*<(?P<addr>[^<>]*)>', piece
    )
    if match is None:
        raise InvalidInputError(f'"{piece}" is not a valid e-mail address')
    name = match.group("name").strip()
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    elif '"' in name:
        raise InvalidInputError(f'"{piece}" is not a valid e-mail address')
    return name.strip(), match.group("addr").strip()


def _check_address(address: str, shown: str) -> None:
    local, at, domain = address.rpartition("@")
    invalid = InvalidInputError(f'"{shown}" is not a valid e-mail address')
    if not at or len(address) > MAX_ADDRESS_LENGTH or len(local) > 64:
        raise invalid
    if not local.isascii():
        raise InvalidInputError(
            f'"{shown}": letters other than ASCII before the @ cannot be sent (no SMTPUTF8)'
        )
    if not _LOCAL_PART.fullmatch(local):
        raise invalid
    try:
        _ascii_domain(domain)
    except InvalidInputError:
        raise invalid from None


def _ascii_domain(domain: str) -> str:
    """The domain as it goes on the wire: IDN labels as punycode (xn--...)."""
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        raise InvalidInputError(f"invalid domain {domain!r}") from None
    labels = ascii_domain.split(".")
    if (
        len(labels) < 2
        or len(ascii_domain) > 253
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidInputError(f"invalid domain {domain!r}")
    return ascii_domain


def envelope_address(address: str) -> str:
    """A checked address as SMTP and sendmail need it: ASCII, the domain as punycode."""
    check_header_value(address, "address")
    _check_address(address, address)
    local, _at, domain = address.rpartition("@")
    return f"{local}@{_ascii_domain(domain)}"


def format_address(address: Address) -> str:
    """An address as a user would type it, and parse_addresses reads back."""
    name = address.name.strip()
    if not name:
        return address.address
    if _NAME_SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address.address}>"


def _header_address(address: Address) -> HeaderAddress:
    local, _at, domain = address.address.rpartition("@")
    return HeaderAddress(display_name=address.name, username=local, domain=_ascii_domain(domain))


def _parse_all(entries: Iterable[str], what: str, seen: set[str]) -> list[Address]:
    found = []
    for entry in entries:
        for address in parse_addresses(entry, what):
            key = address.address.lower()
            if key not in seen:
                seen.add(key)
                found.append(address)
    return found


# -- building the message -------------------------------------------------------------------------


def build_message(
    draft: Draft,
    *,
    message_id: str | None = None,
    date: datetime.datetime | None = None,
    include_bcc: bool = False,
) -> EmailMessage:
    """The draft as a MIME message: multipart/alternative (text and HTML) inside
    multipart/mixed when there are attachments.

    `message_id` defaults to a new one in the sender's domain, `date` to now. Bcc is a
    header only with `include_bcc` (for the copy in Sent and for drafts); recipients never
    see it, whatever is sent (see sending.py).
    """
    check_header_value(draft.from_name, "sender name", MAX_NAME_LENGTH)
    check_header_value(draft.from_address, "sender address")
    sender = Address(name=draft.from_name.strip(), address=draft.from_address.strip())
    _check_address(sender.address, sender.address)
    subject = check_header_value(draft.subject or "", "subject")
    # Whoever is in To is left out of Cc, and whoever is in either, out of Bcc.
    seen: set[str] = set()
    recipients = {
        "To": _parse_all(draft.to, "To", seen),
        "Cc": _parse_all(draft.cc, "Cc", seen),
        "Bcc": _parse_all(draft.bcc, "Bcc", seen),
        "Reply-To": _parse_all(draft.reply_to, "Reply-To", set()),
    }
    count = sum(len(recipients[name]) for name in ("To", "Cc", "Bcc"))
    if count > MAX_RECIPIENTS:
        raise InvalidInputError(f"{count} recipients; a message can have at most {MAX_RECIPIENTS}")
    in_reply_to = _check_message_id(draft.in_reply_to, "In-Reply-To")
    references = [_check_message_id(value, "References") for value in draft.references or ()]
    references = [value for value in dict.fromkeys(references) if value]
    if len(references) > MAX_REFERENCES:
        references = references[:1] + references[-(MAX_REFERENCES - 1) :]

    message = EmailMessage(policy=POLICY)
    message["Date"] = email.utils.format_datetime(_aware(date))
    message["From"] = _header_address(sender)
    for name, addresses in recipients.items():
        if addresses and (name != "Bcc" or include_bcc):
            message[name] = [_header_address(address) for address in addresses]
    if "=?" in subject:
        # The email package reads "=?utf-8?q?x?=" in a value it is given as an encoded word
        # and would send it as such: recipients would see "x", not what was typed. Encoded
        # whole (and folded) by hand, the subject reaches them as written.
        encoded = email.header.Header(subject, "utf-8", header_name="Subject")
        message.set_raw("Subject", encoded.encode(linesep="\r\n"))
    else:
        message["Subject"] = subject
    message["Message-ID"] = _check_message_id(message_id, "Message-ID") or new_message_id(
        sender.address
    )
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    _set_body(message, draft)
    for attachment in draft.attachments or ():
        _attach(message, attachment)
    # The email package stamps MIME-Version on every part it adds; one at the top is enough.
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    return message


def new_message_id(sender_address: str) -> str:
    """<random@sender's domain>: unique, and telling nothing about the server or process."""
    domain = _ascii_domain(sender_address.rpartition("@")[2])
    return f"<{secrets.token_hex(16)}@{domain}>"


def serialize(message: EmailMessage, *, include_bcc: bool = True) -> bytes:
    """The message as bytes with CRLF line ends; without `include_bcc` any Bcc header is cut
    from the header block, leaving every other byte as it was (so the copy in Sent and what
    the recipients got have the same Message-ID, boundaries and body). Attachments that
    stream (OutgoingAttachment.open_content) are read into the bytes; spool() keeps them
    out of memory."""
    streamed = _streamed_parts(message)
    data = message.as_bytes(policy=POLICY)
    if not include_bcc:
        data = strip_bcc(data)
    if not streamed:
        return data
    target = io.BytesIO()
    write_message(data, streamed, target)
    return target.getvalue()


def spool(message: EmailMessage, *, include_bcc: bool = True) -> BinaryIO:
    """The bytes serialize() gives, in a temporary file (on disk beyond a megabyte) at its
    start, each streamed attachment read into it in chunks from where it is. The caller
    closes it: `with compose.spool(message) as data:`."""
    target = temporary_file()
    try:
        data = message.as_bytes(policy=POLICY)
        write_message(data if include_bcc else strip_bcc(data), _streamed_parts(message), target)
        del data
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return target


def with_content(message: EmailMessage) -> EmailMessage:
    """`message` with the content of its streamed attachments read into it, in memory: for
    code that can only take a whole EmailMessage (Odoo's ir.mail_server.send_email)."""
    for part in _streamed_parts(message):
        load_content(part)
    return message


def _streamed_parts(message: EmailMessage) -> list[StreamedPart]:
    return [
        part
        for part in message.walk()
        if isinstance(part, StreamedPart) and part.open_content is not None
    ]


def strip_bcc(data: bytes) -> bytes:
    """The message bytes without Bcc header fields (and their folded continuation lines)."""
    end = data.find(b"\r\n\r\n")
    head, body = (data, b"") if end < 0 else (data[: end + 2], data[end + 2 :])
    kept, skipping = [], False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.lower().startswith(b"bcc:")
        if not skipping:
            kept.append(line)
    return b"\r\n".join(kept) + body


def _aware(date: datetime.datetime | None) -> datetime.datetime:
    if date is None:
        return datetime.datetime.now(datetime.timezone.utc).astimezone()
    if date.tzinfo is None:
        return date.replace(tzinfo=datetime.timezone.utc)
    return date


def _check_message_id(value: str | None, what: str) -> str | None:
    if not value:
        return None
    value = check_header_value(value, what).strip()
    if not _MESSAGE_ID.fullmatch(value):
        raise InvalidInputError(f"{what} is not a message id: {value!r}")
    return value


def _set_body(message: EmailMessage, draft: Draft) -> None:
    html_body = draft.html_body or ""
    _check_encodable(html_body, "the message text")
    if draft.text_body is not None:
        _check_encodable(draft.text_body, "the message text")
    text_body = draft.text_body if draft.text_body is not None else html_to_text(html_body)
    message.set_content(_text_lines(text_body))
    if html_body.strip():
        message.add_alternative(_html_document(html_body), subtype="html")


def _text_lines(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _html_document(body: str) -> str:
    if re.match(r"\s*(?:<!doctype|<html)", body, re.IGNORECASE):
        return _text_lines(body)
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">\n'
        f"</head>\n<body>\n{_text_lines(body)}</body>\n</html>\n"
    )


def _attach(message: EmailMessage, attachment: OutgoingAttachment) -> None:
    filename = check_header_value(
        attachment.filename or "", "file name", MAX_FILENAME_LENGTH
    ).strip()
    if not filename:
        raise InvalidInputError("an attachment has no file name")
    mime_type = check_header_value(attachment.mime_type or "", "attachment type").lower()
    if not _MIME_TYPE.fullmatch(mime_type):
        mime_type = "application/octet-stream"
    opened = attachment.open_content
    if opened is None and not isinstance(attachment.data, bytes | bytearray):
        raise InvalidInputError(f"the content of {filename} is not bytes")
    if mime_type == "message/rfc822":
        if message.get_content_type() != "multipart/mixed":
            message.make_mixed()
        if opened is not None and _seven_bit_clean(opened):
            message.attach(_streamed_rfc822_part(opened, filename))
        else:
            message.attach(_rfc822_part(bytes(attachment.content()), filename))
        return
    maintype, subtype = mime_type.split("/")
    if opened is None:
        message.add_attachment(
            bytes(attachment.data),
            maintype=maintype,
            subtype=subtype,
            filename=filename,
            params={"name": filename},
        )
        return
    # The same part as add_attachment makes, but the content streams in as the message is
    # written (spool): a placeholder stands for it until then.
    part = StreamedPart(policy=POLICY, open_content=opened)
    part.set_content(
        b"", maintype=maintype, subtype=subtype, filename=filename, params={"name": filename}
    )
    part.set_placeholder()
    if message.get_content_type() != "multipart/mixed":
        message.make_mixed()
    message.attach(part)


def _seven_bit_clean(open_content) -> bool:
    with open_content() as source:
        return all(chunk.isascii() and b"\0" not in chunk for chunk in chunks(source))


def _streamed_rfc822_part(open_content, filename: str) -> MIMEPart:
    """_rfc822_part for a 7-bit clean original that stays in its file until written."""
    part = StreamedPart(policy=POLICY, open_content=open_content, encoding="7bit")
    part["Content-Type"] = "message/rfc822"
    part["Content-Transfer-Encoding"] = "7bit"
    part.set_placeholder()
    part.set_param("name", filename)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _rfc822_part(raw: bytes, filename: str) -> MIMEPart:
    """A forwarded message as message/rfc822, which RFC 2046 allows only in 7bit or 8bit.

    A 7-bit clean original goes in byte for byte. In one with 8-bit text each such part
    is re-encoded as base64 (the conversion RFC 6152 describes for servers without
    8BITMIME): the same message, fit for any server. Should the email package fail on a
    broken original, the whole goes in as base64, which the RFC forbids but mail programs
    read.
    """
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    part = MIMEPart(policy=POLICY)
    if raw.isascii() and b"\0" not in raw:
        part["Content-Type"] = "message/rfc822"
        part["Content-Transfer-Encoding"] = "7bit"
        part.set_payload(raw.decode("ascii"))
    else:
        try:
            seven_bit = _seven_bit_source(raw)
            part["Content-Type"] = "message/rfc822"
            part["Content-Transfer-Encoding"] = "7bit"
            part.set_payload(seven_bit.decode("ascii"))
        except (email.errors.MessageError, ValueError, TypeError, LookupError, IndexError):
            part = MIMEPart(policy=POLICY)
            part.set_content(raw, maintype="message", subtype="rfc822", cte="base64")
    part.set_param("name", filename)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


# The original is read and written back with the compat32 policy, which leaves header
# lines as they came: the modern policy refolds every header it re-encodes, in time
# quadratic in the number of encoded words (a subject of 400 of them took seconds).
_SOURCE_POLICY = email.policy.compat32.clone(linesep="\r\n")


def _seven_bit_source(raw: bytes) -> bytes:
    """`raw` made 7-bit: 8-bit header values as UTF-8 encoded words (Latin-1 where they
    are not UTF-8), 8-bit body parts as base64. ValueError if something stays 8-bit."""
    original = email.message_from_bytes(raw, policy=_SOURCE_POLICY)
    for part in original.walk():
        pairs = list(part.raw_items())
        if not any(not str(value).isascii() for _name, value in pairs):
            continue
        for name in {name for name, _value in pairs}:
            del part[name]
        for name, value in pairs:
            part.set_raw(name, _seven_bit_header(name, str(value)))
    _seven_bit(original)
    data = original.as_bytes(policy=_SOURCE_POLICY)
    if not data.isascii():
        raise ValueError("the forwarded message stays 8-bit")
    return data


def _seven_bit_header(name: str, value: str) -> str:
    if value.isascii():
        return value
    data = re.sub(r"\r?\n(?=[ \t])", "", value).encode("ascii", "surrogateescape")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return email.header.Header(text.strip(), "utf-8", header_name=name).encode(linesep="\r\n")


def _seven_bit(message) -> None:
    """Re-encode every leaf with 8-bit bytes in its payload as base64 (headers with 8-bit
    bytes the SMTP policy writes as encoded words by itself)."""
    for leaf in message.walk():
        if leaf.is_multipart():
            continue
        payload = leaf.get_payload()
        if isinstance(payload, str) and not payload.isascii():
            data = leaf.get_payload(decode=True)
            del leaf["Content-Transfer-Encoding"]
            leaf["Content-Transfer-Encoding"] = "base64"
            leaf.set_payload(base64.encodebytes(data).decode("ascii"))


# -- HTML to plain text ---------------------------------------------------------------------------

_BLOCKS = {
    "address",
    "article",
    "aside",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "form",
    "header",
    "li",
    "main",
    "nav",
    "ol",
    "section",
    "table",
    "tr",
    "ul",
}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}
_SKIPPED = {"head", "script", "style", "title", "template", "noscript"}


def html_to_text(html_text: str) -> str:
    """A plain-text rendering of HTML for the text/plain alternative: paragraphs and line
    breaks kept, lists as "- ", links as "text <url>", quotes prefixed with "> "."""
    if not html_text or not html_text.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(html_text, create_parent="div")
    except (etree.LxmlError, ValueError):
        return html_text
    return _render_block(root).strip("\n") + "\n"


def _render_block(element) -> str:
    pieces: list[str] = []
    _render_children(element, pieces)
    text = "".join(pieces)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text)


def _render_children(element, pieces: list[str]) -> None:
    if element.text:
        pieces.append(_collapse(element.text))
    for child in element:
        _render(child, pieces)
        if child.tail:
            pieces.append(_collapse(child.tail))


def _render(element, pieces: list[str]) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else None
    if tag is None or tag in _SKIPPED:
        return
    if tag == "br":
        pieces.append("\n")
    elif tag == "hr":
        pieces.append("\n" + "-" * 40 + "\n")
    elif tag == "img":
        pieces.append(_collapse(element.get("alt") or ""))
    elif tag == "blockquote":
        inner = _render_block(element).strip("\n")
        quoted = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        pieces.append(f"\n{quoted}\n\n")
    elif tag == "pre":
        pieces.append("\n\n" + element.text_content().strip("\n") + "\n\n")
    elif tag == "a":
        label = "".join(_link_text(element))
        href = (element.get("href") or "").strip()
        shown = href[7:] if href.lower().startswith("mailto:") else href
        if shown and shown not in label and re.match(r"(?i)(https?|mailto):", href):
            label = f"{label} <{shown}>" if label.strip() else shown
        pieces.append(label)
    elif tag == "li":
        pieces.append("\n- ")
        _render_children(element, pieces)
    elif tag in ("td", "th"):
        _render_children(element, pieces)
        pieces.append(" ")
    else:
        separator = "\n\n" if tag in _PARAGRAPHS else "\n" if tag in _BLOCKS else ""
        pieces.append(separator)
        _render_children(element, pieces)
        pieces.append(separator)


def _link_text(element) -> list[str]:
    pieces: list[str] = []
    _render_children(element, pieces)
    return pieces


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# -- replies and forwards -------------------------------------------------------------------------


def quote_intro(view: MessageView, tz: datetime.tzinfo | None = None) -> str:
    """ "On 2024-06-01 14:00, Anna <anna@example.org> wrote:" (English; callers with a
    translation pass their own line to reply_draft)."""
    sender = format_address(view.from_[0]) if view.from_ else "(unknown sender)"
    if view.date is None:
        return f"{sender} wrote:"
    moment = view.date.astimezone(tz) if tz else view.date
    return f"On {moment:%Y-%m-%d %H:%M}, {sender} wrote:"


def quote_moment(
    moment: datetime.datetime,
    tz: datetime.tzinfo | None,
    date_format: str = "%Y-%m-%d",
    time_format: str = "%H:%M",
) -> tuple[str, str]:
    """`moment` as (date, time) text in the reader's time zone and formats (a language's
    date format and time format without seconds, strftime style)."""
    local = moment.astimezone(tz) if tz else moment
    return local.strftime(date_format), local.strftime(time_format)


def new_body(signature_html: str = "") -> str:
    """The body of a new mail: an empty line to write on, then the signature."""
    return "\n".join(
        piece for piece in ("<p><br></p>", _signature_block(signature_html, "")) if piece
    )


def reply_draft(
    view: MessageView,
    *,
    own_addresses: Iterable[str],
    reply_all: bool,
    from_name: str,
    from_address: str,
    signature_html: str = "",
    quoted_html: str | None = None,
    intro: str | None = None,
    prefix: str = "Re:",
) -> Draft:
    """A reply to `view`, ready for the user to write above the quoted original.

    To is Reply-To, else From; replying to one's own message goes to its recipients
    instead. Reply all adds the original To and Cc, leaving out `own_addresses` and
    duplicates. `quoted_html` is the original's HTML as the caller sanitised it; without
    it the plain text is quoted.
    """
    own = {address.strip().lower() for address in own_addresses} | {from_address.lower()}
    senders = list(view.reply_to or view.from_)
    if view.from_ and all(address.address.lower() in own for address in view.from_):
        senders = list(view.to)  # a reply to something we sent continues to its recipients
    to, cc = _unique(senders, own, set()), []
    if reply_all:
        taken = {address.address.lower() for address in to}
        to += _unique(view.to, own, taken)
        cc = _unique(view.cc, own, taken)
    references = list(view.references)
    if not references and view.in_reply_to and _MESSAGE_ID.fullmatch(view.in_reply_to):
        references = [view.in_reply_to]
    message_id = (
        view.message_id if view.message_id and _MESSAGE_ID.fullmatch(view.message_id) else None
    )
    if message_id and message_id not in references:
        references.append(message_id)
    return Draft(
        from_name=from_name,
        from_address=from_address,
        to=[format_address(address) for address in to],
        cc=[format_address(address) for address in cc],
        subject=reply_subject(view.subject, prefix),
        html_body=_reply_body(view, message_id, signature_html, quoted_html, intro),
        in_reply_to=message_id,
        references=[value for value in references if _MESSAGE_ID.fullmatch(value)],
    )


def forward_draft(
    view: MessageView,
    *,
    as_attachment: bool,
    from_name: str,
    from_address: str,
    signature_html: str = "",
    quoted_html: str | None = None,
    attachments: Sequence[OutgoingAttachment] = (),
    raw_message: bytes | None = None,
    heading: str = "-------- Forwarded Message --------",
    labels: dict[str, str] | None = None,
    date_text: str | None = None,
    prefix: str = "Fwd:",
) -> Draft:
    """A forward of `view`: inline (the original's header block and body quoted, its
    `attachments` carried over: the caller fetched their bytes), or with the original
    attached as an .eml file (`raw_message`, its source as the server stores it).
    `labels`, `date_text` and `prefix` put the header block and subject in the user's
    language ("Von", "29.11.2026 20:32", "WG:")."""
    original = "" if as_attachment else _original_html(view, quoted_html)
    body = ["<p><br></p>", _signature_block(signature_html, original)]
    if as_attachment:
        if raw_message is None:
            raise InvalidInputError("forwarding as attachment needs the original message")
        carried = [
            OutgoingAttachment(
                filename=_eml_filename(view.subject),
                mime_type="message/rfc822",
                data=raw_message,
            )
        ]
    else:
        body.append(_forward_header(view, heading, labels or {}, date_text))
        body.append(original)
        carried = list(attachments)
    return Draft(
        from_name=from_name,
        from_address=from_address,
        subject=forward_subject(view.subject, prefix),
        html_body="\n".join(piece for piece in body if piece),
        attachments=carried,
    )


def reply_subject(subject: str, prefix: str = "Re:") -> str:
    """`prefix` ("Re:", "AW:") once, in place of whatever reply prefixes the subject had
    (Re:, RE:, AW:, Antw:, Re[2]:, stacked): a German reply to "Re: Offer" is "AW: Offer"."""
    return f"{prefix} " + _REPLY_PREFIX.sub("", _one_line(decode_header_text(subject or "")))


def forward_subject(subject: str, prefix: str = "Fwd:") -> str:
    """`prefix` ("Fwd:", "WG:") once, in place of forward prefixes (Fwd:, FW:, WG:) the
    subject starts with; reply prefixes after it stay, they tell what was forwarded."""
    return f"{prefix} " + _FORWARD_PREFIX.sub("", _one_line(decode_header_text(subject or "")))


def _unique(addresses: Iterable[Address], own: set[str], taken: set[str]) -> list[Address]:
    found = []
    for address in addresses:
        key = address.address.strip().lower()
        if not key or key in own or key in taken:
            continue
        taken.add(key)
        if len(address.name) > MAX_NAME_LENGTH or any(
            char in _LINE_BREAKS for char in address.name
        ):
            # A name no sender writes (a hostile original): the address alone is replied to.
            address = Address(name="", address=address.address)
        found.append(address)
    return found


def _reply_body(
    view, message_id: str | None, signature_html: str, quoted_html: str | None, intro: str | None
) -> str:
    original = _original_html(view, quoted_html)
    cite = f' cite="mid:{html.escape(message_id[1:-1])}"' if message_id else ""
    pieces = [
        "<p><br></p>",
        _signature_block(signature_html, original),
        f'<div class="quote-intro">{html.escape(intro or quote_intro(view))}</div>',
        f'<blockquote type="cite"{cite}>{original}</blockquote>',
    ]
    return "\n".join(piece for piece in pieces if piece)


def _signature_block(signature_html: str, quoted: str) -> str:
    """The signature, unless there is none or the quoted text already carries it (a reply
    to one's own mail, or a draft that had it added before)."""
    signature_text = _plain(signature_html)
    if not signature_text or signature_text in _plain(quoted):
        return ""
    return f'<div class="signature">{signature_html}</div>'


def _plain(html_text: str) -> str:
    return " ".join(html_to_text(html_text or "").split())


def _original_html(view: MessageView, quoted_html: str | None) -> str:
    if quoted_html is not None:
        return quoted_html
    return f'<div style="white-space: pre-wrap">{html.escape(view.text or "", quote=False)}</div>'


def _forward_header(
    view: MessageView, heading: str, labels: dict[str, str], date_text: str | None = None
) -> str:
    if date_text is None:
        date_text = email.utils.format_datetime(view.date) if view.date else ""
    rows = [
        ("Subject", view.subject),
        ("Date", date_text),
        ("From", ", ".join(format_address(address) for address in view.from_)),
        ("Reply-To", ", ".join(format_address(address) for address in view.reply_to)),
        ("To", ", ".join(format_address(address) for address in view.to)),
        ("Cc", ", ".join(format_address(address) for address in view.cc)),
    ]
    cells = "".join(
        f'<tr><th style="text-align: right; padding-right: 0.5em">'
        f"{html.escape(labels.get(name, name))}:</th><td>{html.escape(value)}</td></tr>"
        for name, value in rows
        if value
    )
    return (
        f'<div class="forward-header"><p>{html.escape(heading)}</p><table>{cells}</table><br></div>'
    )


def _eml_filename(subject: str) -> str:
    name = " ".join(_UNSAFE_FILENAME.sub(" ", decode_header_text(subject or "")).split())
    return (name[:120].strip(" .") or "message") + ".eml"


# -- drafts read back -----------------------------------------------------------------------------


def parse_draft(raw: bytes) -> Draft:
    """A draft saved by build_message, read back from its source to go on writing it.

    Text bodies, attachments (a forwarded .eml with its source) and every header a Draft
    holds come back; a text/plain body is kept as the text only where there is no HTML.
    """
    message = email.message_from_bytes(raw, policy=_DRAFT_POLICY)
    sender = _header_addresses(message, "From")
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    html_body = _part_text(html_part) if html_part is not None else ""
    text_body = None
    if html_part is None and text_part is not None:
        text_body = _part_text(text_part)
    attachments = []
    for part in message.iter_attachments():
        filename = decode_header_text(part.get_filename() or "") or "attachment"
        mime_type = part.get_content_type()
        if part.get_content_maintype() == "message" and isinstance(part.get_payload(), list):
            data = _enclosed_bytes(part)
        else:
            data = part.get_payload(decode=True) or b""
        attachments.append(OutgoingAttachment(filename=filename, mime_type=mime_type, data=data))
    references = _MESSAGE_ID.findall(_header_text(message, "References"))
    in_reply_to = _MESSAGE_ID.search(_header_text(message, "In-Reply-To"))
    own_id = _MESSAGE_ID.fullmatch(_header_text(message, "Message-ID").strip())
    return Draft(
        from_name=sender[0].name if sender else "",
        from_address=sender[0].address if sender else "",
        to=[format_address(address) for address in _header_addresses(message, "To")],
        cc=[format_address(address) for address in _header_addresses(message, "Cc")],
        bcc=[format_address(address) for address in _header_addresses(message, "Bcc")],
        subject=_one_line(decode_header_text(_header_text(message, "Subject"))),
        html_body=_body_of_document(html_body),
        text_body=text_body,
        attachments=attachments,
        in_reply_to=in_reply_to.group() if in_reply_to else None,
        references=references,
        reply_to=[format_address(address) for address in _header_addresses(message, "Reply-To")],
        message_id=own_id.group() if own_id else None,
    )


def read_draft(source: BinaryIO) -> Draft:
    """parse_draft() for a draft in a file (a spooled source): the attachments stay in the
    file, each decoded only when its `open_content` is called, so that a draft with large
    files is never read into memory whole. `source` must stay open until then."""
    without, left_out = without_attachments(source)
    draft = parse_draft(without)
    draft.attachments = [
        replace(
            attachment,
            data=b"",
            open_content=partial(decoded_base64, source, *left_out[attachment.data]),
        )
        if attachment.data in left_out
        else attachment
        for attachment in draft.attachments
    ]
    return draft


# What the email package may raise on a header or part it cannot make sense of: a draft
# is any message in the Drafts folder, which other mail programs write to as well.
_PARSE_ERRORS = (
    email.errors.MessageError,
    LookupError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
)


class _DraftPolicy(email.policy.EmailPolicy):
    """email.policy.default, except for a header its parser cannot decode: text in UTF-7
    ("=?utf-7?q?+2AA-?=", "filename*=utf-7''%2B2AA-") decodes to a lone surrogate, on which
    the parser raises UnicodeEncodeError at any look at the header (get_body() looks at
    Content-Disposition). Such a header is read with its encoded words decoded as
    decode_header_text() decodes them and its RFC 2231 values as UTF-8 instead."""

    def header_fetch_parse(self, name, value):
        try:
            return super().header_fetch_parse(name, value)
        except UnicodeError:
            plain = _RFC2231_CHARSET.sub(r"\1utf-8'", decode_header_text(value))
        try:
            # Whatever still looks like an encoded word was not one, or came out of one.
            return super().header_fetch_parse(name, plain.replace("=?", "= ?"))
        except UnicodeError:
            return super().header_fetch_parse(name, "")


_DRAFT_POLICY = _DraftPolicy()
_RFC2231_CHARSET = re.compile(r"(\*\s*=\s*)[^'\s;]*'")


def _enclosed_bytes(part) -> bytes:
    """The source of a message/rfc822 attachment. Written back with the 8-bit policy, which
    leaves 8-bit text as it came instead of re-encoding it in its declared charset (that
    fails for a charset such as "base64" or "hex"); _rfc822_part makes it 7-bit again."""
    try:
        data = part.get_payload(0).as_bytes(policy=email.policy.SMTP)
    except _PARSE_ERRORS:
        return b""
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        try:
            data = binascii.a2b_base64(data)  # the fallback of _rfc822_part
        except (binascii.Error, ValueError):
            return b""
    return data


def _header_text(message, name: str) -> str:
    """The first `name` header decoded, or as it stands in the source where the email
    package cannot parse it."""
    try:
        return str(message.get(name, ""))
    except _PARSE_ERRORS:
        return next(
            (_raw_text(value) for key, value in message.raw_items() if key.lower() == name.lower()),
            "",
        )


def _raw_text(value) -> str:
    """A raw header value unfolded, with 8-bit bytes (kept as surrogates) read as UTF-8."""
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return re.sub(r"\r?\n(?=[ \t])", "", text)


def _one_line(text: str) -> str:
    """Line breaks of any kind as blanks, other control characters and lone surrogates
    gone: what build_message would refuse in a header, and PostgreSQL in a file name."""
    return clean_text(text)


# Header fields of one name read with the email package's header classes; beyond them the
# faster parser reading.py uses (those classes take about a millisecond an address).
_PARSED_HEADER_FIELDS = 100


def _header_addresses(message, name: str) -> list[Address]:
    """The addresses of every `name` header. A field the email package refuses (a name
    with an encoded line break, =?utf-8?Q?=0D=0A?=) is read the way reading.py reads
    headers instead, and line breaks of any kind become blanks."""
    values = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    found = []
    for index, value in enumerate(values):
        pairs = None
        if index < _PARSED_HEADER_FIELDS:
            try:
                pairs = [
                    (address.display_name, address.username, address.domain)
                    for address in message.policy.header_fetch_parse(name, value).addresses
                    if address.addr_spec and address.addr_spec != "<>"
                ]
            except _PARSE_ERRORS:
                pairs = None
        if pairs is None:
            pairs = [
                (decode_header_text(display), *addr.rpartition("@")[::2])
                for display, addr in email.utils.getaddresses([_raw_text(value)])
                if addr.rpartition("@")[0]
            ]
        found += [
            Address(name=_one_line(display), address=_one_line(f"{local}@{_unicode(domain)}"))
            for display, local, domain in pairs
        ]
    return found


def _unicode(domain: str) -> str:
    """xn--mller-kva.de as the user wrote it: müller.de."""
    try:
        return domain.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return domain


def _part_text(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, UnicodeError):
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return content.replace("\r\n", "\n")


def _body_of_document(document: str) -> str:
    """What build_message wrapped in <html><body>, without the wrapping."""
    match = re.search(r"(?is)<body[^>]*>\n?(.*?)</body>", document)
    return match.group(1) if match else document
