"""Messages as MIME: a draft built into a message, written to bytes or a file, and read
back from a saved draft to go on writing it.

Messages are built with the SMTP policy (CRLF, RFC 2047 encoded names and subjects,
RFC 2231 encoded file names) set to produce 7-bit text, so that they pass any server,
8BITMIME or not. Nothing a user typed reaches a header unchecked (see addresses.py).
"""

import base64
import binascii
import datetime
import email
import email.errors
import email.header
import email.policy
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import EmailMessage, MIMEPart
from functools import partial
from typing import BinaryIO
from urllib.parse import unquote

from . import limits
from .addresses import (
    MESSAGE_ID,
    Address,
    ascii_domain,
    check_address,
    check_encodable,
    check_header_value,
    check_message_id,
    format_address,
    header_address,
    parse_unique,
)
from .exceptions import InvalidInputError
from .headers import clean_text, decode_header_text
from .html import html_to_text
from .names import safe_filename
from .spool import (
    StreamedPart,
    chunks,
    decoded_base64,
    load_content,
    temporary_file,
    without_attachments,
    write_message,
)

# SMTP, but 7-bit: text parts become quoted-printable or base64 instead of raw UTF-8.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
# A Content-ID without its brackets: printable ASCII, no blanks, brackets or quotes.
_CONTENT_ID = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]{1,250}")


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    mime_type: str
    data: bytes = b""
    # Where the content is when it is not in `data`: a function that opens it for reading
    # (a file in Odoo's filestore, an attachment left in a draft's file). The message then
    # reads it in chunks as it is written (spool), never whole.
    open_content: Callable[[], BinaryIO] | None = None
    # An image the HTML shows (<img src="cid:...">): its Content-ID, without the brackets.
    content_id: str | None = None

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
    check_header_value(draft.from_name, "sender name", limits.MAX_NAME_LENGTH)
    check_header_value(draft.from_address, "sender address")
    sender = Address(name=draft.from_name.strip(), address=draft.from_address.strip())
    check_address(sender.address, sender.address)
    subject = check_header_value(draft.subject or "", "subject")
    # Whoever is in To is left out of Cc, and whoever is in either, out of Bcc.
    seen: set[str] = set()
    recipients = {
        "To": parse_unique(draft.to, "To", seen),
        "Cc": parse_unique(draft.cc, "Cc", seen),
        "Bcc": parse_unique(draft.bcc, "Bcc", seen),
        "Reply-To": parse_unique(draft.reply_to, "Reply-To", set()),
    }
    count = sum(len(recipients[name]) for name in ("To", "Cc", "Bcc"))
    if count > limits.MAX_RECIPIENTS:
        raise InvalidInputError(
            f"{count} recipients; a message can have at most {limits.MAX_RECIPIENTS}"
        )
    in_reply_to = check_message_id(draft.in_reply_to, "In-Reply-To")
    references = [check_message_id(value, "References") for value in draft.references or ()]
    references = [value for value in dict.fromkeys(references) if value]
    if len(references) > limits.MAX_SENT_REFERENCES:
        references = references[:1] + references[-(limits.MAX_SENT_REFERENCES - 1) :]

    message = EmailMessage(policy=POLICY)
    message["Date"] = email.utils.format_datetime(_aware(date))
    message["From"] = header_address(sender)
    for name, addresses in recipients.items():
        if addresses and (name != "Bcc" or include_bcc):
            message[name] = [header_address(address) for address in addresses]
    if "=?" in subject:
        # The email package reads "=?utf-8?q?x?=" in a value it is given as an encoded word
        # and would send it as such: recipients would see "x", not what was typed. Encoded
        # whole (and folded) by hand, the subject reaches them as written.
        encoded = email.header.Header(subject, "utf-8", header_name="Subject")
        message.set_raw("Subject", encoded.encode(linesep="\r\n"))
    else:
        message["Subject"] = subject
    message["Message-ID"] = check_message_id(message_id, "Message-ID") or new_message_id(
        sender.address
    )
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    _set_body(message, draft)
    shown = _shown_content_ids(draft.html_body or "")
    for attachment in draft.attachments or ():
        content_id = check_content_id(attachment.content_id)
        if content_id and content_id in shown:
            _attach_inline(message, attachment, content_id)
        else:
            _attach(message, attachment)
    # The email package stamps MIME-Version on every part it adds; one at the top is enough.
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    return message


def new_message_id(sender_address: str) -> str:
    """<random@sender's domain>: unique, and telling nothing about the server or process."""
    domain = ascii_domain(sender_address.rpartition("@")[2])
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
    closes it: `with mime.spool(message) as data:`."""
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


def _set_body(message: EmailMessage, draft: Draft) -> None:
    html_body = draft.html_body or ""
    check_encodable(html_body, "the message text")
    if draft.text_body is not None:
        check_encodable(draft.text_body, "the message text")
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
    filename = _attachment_filename(attachment)
    mime_type = _attachment_type(attachment)
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
    part = _streamed_part(opened, maintype, subtype, filename, "attachment")
    if message.get_content_type() != "multipart/mixed":
        message.make_mixed()
    message.attach(part)


def _attach_inline(message: EmailMessage, attachment: OutgoingAttachment, content_id: str):
    """An image the HTML shows by its Content-ID: in a multipart/related with the HTML
    part, as mail programs expect it (attached to the mail, it would show as a broken
    image and a file)."""
    filename = _attachment_filename(attachment)
    maintype, subtype = _attachment_type(attachment).split("/")
    if attachment.open_content is None and not isinstance(attachment.data, bytes | bytearray):
        raise InvalidInputError(f"the content of {filename} is not bytes")
    if maintype in ("message", "multipart"):
        _attach(message, attachment)
        return
    html_part = message.get_body(preferencelist=("related", "html"))
    if html_part.get_content_type() == "text/html":
        html_part.make_related()
    if attachment.open_content is None:
        html_part.add_related(
            bytes(attachment.data),
            maintype=maintype,
            subtype=subtype,
            cid=f"<{content_id}>",
            disposition="inline",
            filename=filename,
            params={"name": filename},
        )
        return
    part = _streamed_part(attachment.open_content, maintype, subtype, filename, "inline")
    part["Content-ID"] = f"<{content_id}>"
    html_part.attach(part)


def _attachment_filename(attachment: OutgoingAttachment) -> str:
    filename = check_header_value(
        attachment.filename or "", "file name", limits.MAX_FILENAME_LENGTH
    ).strip()
    if not filename:
        raise InvalidInputError("an attachment has no file name")
    return filename


def _attachment_type(attachment: OutgoingAttachment) -> str:
    mime_type = check_header_value(attachment.mime_type or "", "attachment type").lower()
    return mime_type if _MIME_TYPE.fullmatch(mime_type) else "application/octet-stream"


def _streamed_part(opened, maintype, subtype, filename, disposition) -> "StreamedPart":
    """The same part as add_attachment makes, but the content streams in as the message is
    written (spool): a placeholder stands for it until then."""
    part = StreamedPart(policy=POLICY, open_content=opened)
    part.set_content(
        b"",
        maintype=maintype,
        subtype=subtype,
        disposition=disposition,
        filename=filename,
        params={"name": filename},
    )
    part.set_placeholder()
    return part


def check_content_id(value: str | None) -> str | None:
    """A part's Content-ID as a header can carry it, without its brackets; None for none.
    InvalidInputError for what no header could hold (a forged one)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CONTENT_ID.fullmatch(value):
        raise InvalidInputError("an inline image has an invalid Content-ID")
    return value


def _shown_content_ids(html_body: str) -> set[str]:
    """The Content-IDs the HTML links to (cid:...)."""
    return {
        unquote(found).strip().strip("<>")
        for found in re.findall(r"""(?i)\bcid:([^"'\s<>)]+)""", html_body)
    }


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
        except (
            email.errors.MessageError,
            ValueError,
            TypeError,
            LookupError,
            IndexError,
            AttributeError,  # a part typed multipart whose body is no list of parts
            RecursionError,  # parts nested hundreds deep: the email package recurses
        ):
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


# -- drafts read back -----------------------------------------------------------------------------


def parse_draft(raw: bytes) -> Draft:
    """A draft saved by build_message, read back from its source to go on writing it.

    Text bodies, attachments (a forwarded .eml with its source) and every header a Draft
    holds come back; a text/plain body is kept as the text only where there is no HTML.
    """
    message = email.message_from_bytes(raw, policy=_DRAFT_POLICY)
    sender = _header_addresses(message, "From")
    html_part = _draft_body(message, "html")
    text_part = _draft_body(message, "plain")
    html_body = _part_text(html_part) if html_part is not None else ""
    text_body = None
    if html_part is None and text_part is not None:
        text_body = _part_text(text_part)
    attachments = []
    for part in _draft_files(message):
        # Another program's name may be longer than a mail of ours takes (255 characters)
        # or a file system (255 bytes): cut as the reading pane cuts it, the extension kept;
        # a name that fits keeps its length (a draft of ours comes back as it was saved).
        filename = safe_filename(
            decode_header_text(part.get_filename() or ""),
            "attachment",
            max_length=limits.MAX_FILENAME_LENGTH,
        )
        mime_type = part.get_content_type()
        if part.get_content_maintype() == "message" and isinstance(part.get_payload(), list):
            data = _enclosed_bytes(part, raw, message)
        else:
            data = part.get_payload(decode=True) or b""
        attachments.append(
            OutgoingAttachment(
                filename=filename,
                mime_type=mime_type,
                data=data,
                content_id=_part_content_id(part),
            )
        )
    references = MESSAGE_ID.findall(_header_text(message, "References"))
    in_reply_to = MESSAGE_ID.search(_header_text(message, "In-Reply-To"))
    own_id = MESSAGE_ID.fullmatch(_header_text(message, "Message-ID").strip())
    return Draft(
        from_name=sender[0].name if sender else "",
        from_address=sender[0].address if sender else "",
        to=[format_address(address) for address in _header_addresses(message, "To")],
        cc=[format_address(address) for address in _header_addresses(message, "Cc")],
        bcc=[format_address(address) for address in _header_addresses(message, "Bcc")],
        subject=clean_text(decode_header_text(_header_text(message, "Subject"))),
        html_body=_body_of_document(html_body),
        text_body=text_body,
        attachments=attachments,
        in_reply_to=in_reply_to.group() if in_reply_to else None,
        references=references,
        reply_to=[format_address(address) for address in _header_addresses(message, "Reply-To")],
        message_id=own_id.group() if own_id else None,
    )


def _draft_body(message, subtype: str):
    """The draft's text/`subtype` body part, or None. The email package's get_body() fails
    on a part typed multipart whose body is no list of parts (a broken boundary): such a
    draft has no body it can find, and still opens."""
    try:
        return message.get_body(preferencelist=(subtype,))
    except (AttributeError, TypeError):
        return None


def _draft_files(message) -> list:
    """The attachments of a draft and the images its HTML shows: the parts besides the
    root of every multipart/related the body is in, wherever another mail program put it
    (Apple Mail: inside the multipart/alternative, which iter_attachments() skips)."""
    found = _attachments(message)
    seen = {id(part) for part in found}
    containers = [(message, 0)]
    while containers:
        container, depth = containers.pop()
        if depth >= limits.MAX_DEPTH or not container.is_multipart():
            continue
        for part in container.get_payload():
            if part.get_content_maintype() != "multipart" or id(part) in seen:
                continue
            if part.get_content_subtype() == "related":
                related = [file for file in _attachments(part) if id(file) not in seen]
                found += related
                seen.update(id(file) for file in related)
            containers.append((part, depth + 1))
    return found


def _attachments(part) -> list:
    """part.iter_attachments(), none where the email package fails on a part typed
    multipart whose body is no list of parts."""
    try:
        return list(part.iter_attachments())
    except (AttributeError, TypeError):
        return []


def _part_content_id(part) -> str | None:
    """The Content-ID of a part the HTML may show (without its brackets), if it has one
    that can be sent again."""
    try:
        value = str(part.get("Content-ID", "")).strip().strip("<>").strip()
        return check_content_id(value)
    except (InvalidInputError, *_PARSE_ERRORS):
        return None


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


def _enclosed_bytes(part, raw: bytes, message) -> bytes:
    """The source of a message/rfc822 attachment of `message` (parsed from `raw`). Written
    back with the 8-bit policy, which leaves 8-bit text as it came instead of re-encoding it
    in its declared charset (that fails for a charset such as "base64" or "hex");
    _rfc822_part makes it 7-bit again."""
    try:
        data = part.get_payload(0).as_bytes(policy=email.policy.SMTP)
    except RecursionError:
        # Parts nested hundreds deep, which the email package reads but cannot write back
        # (it recurses more for that): an attachment of the draft itself, as a forward as
        # attachment puts it, is taken from the source as it stands.
        data = _top_level_body(raw, message, part)
    except _PARSE_ERRORS:
        return b""
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        try:
            data = binascii.a2b_base64(data)  # the fallback of _rfc822_part
        except (binascii.Error, ValueError):
            return b""
    return data


def _top_level_body(raw: bytes, message, part) -> bytes:
    """The body of `part` as it stands in `raw`, where `part` is one of the parts of the
    multipart `message` parsed from `raw`; b"" for a part further down."""
    parts = message.get_payload() if message.is_multipart() else []
    index = next((number for number, each in enumerate(parts) if each is part), None)
    boundary = message.get_boundary()
    if index is None or not boundary:
        return b""
    delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    pieces = re.split(rb"(?m)^" + re.escape(delimiter) + rb"(?:--)?[ \t]*\r?\n", raw)
    if len(pieces) < index + 2:
        return b""
    # The line end before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
    source = re.sub(rb"\r?\n\Z", b"", pieces[index + 1])
    end = re.search(rb"\r?\n\r?\n", source)
    return source[end.end() :] if end else b""


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


def _header_addresses(message, name: str) -> list[Address]:
    """The addresses of every `name` header. A field the email package refuses (a name
    with an encoded line break, =?utf-8?Q?=0D=0A?=) is read the way reading.py reads
    headers instead, and line breaks of any kind become blanks."""
    values = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    found = []
    for index, value in enumerate(values):
        pairs = None
        if index < limits.MAX_PARSED_HEADER_FIELDS:
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
            Address(name=clean_text(display), address=clean_text(f"{local}@{_unicode(domain)}"))
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
