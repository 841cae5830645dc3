"""Reading one message: its headers, the body a reader shows, its attachments, parts or
the whole source streamed in bounded chunks, and files read whole within a byte budget.

Everything is fetched with BODY.PEEK, so reading never changes flags on its own; a reader
that marks mail as read asks for it (`mark_seen`). Bodies are fetched part by part as
BODYSTRUCTURE names them, never as a whole message, and always with a byte limit.
"""

import binascii
import codecs
import contextlib
import datetime
import email.errors
import email.parser
import email.policy
import email.utils
import html
import mimetypes
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

import imapclient

from . import imap, limits
from .addresses import Address
from .exceptions import (
    InvalidInputError,
    LimitExceededError,
    MessageNotFoundError,
    ProtocolError,
)
from .headers import (
    clean_text,
    decode_header_text,
    mail_codec,
    placeable_moment,
    sent_moment,
    to_text,
)
from .names import eml_filename, safe_filename
from .structure import MessagePart, parse_bodystructure

_PART_NUMBER = re.compile(r"[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,8}){0,99}")
# No control character in it: a Message-ID is printable, and PostgreSQL stores no NUL.
_MESSAGE_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f-\x9f]+>")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# A sender's name that is an address itself and not quoted, as many web forms and shops
# write it: "info@shop.example <noreply@shop.example>". The email package reads two
# addresses there; mail programs read one, named by the first (see _addresses). Neither a
# comma nor a second "@" in the name: one pass over a header, however hostile.
_ADDRESS_AS_NAME = re.compile(r'(^|,)(\s*)([^\s",:;<>()\\@][^",:;<>()\\@]*@[^",:;<>()\\@]*)<')
_HTML_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# Characters on a line of base64 in mail (RFC 2045's limit, which encoders fill).
_BASE64_LINE = 76
_NOT_BASE64 = bytes(byte for byte in range(256) if byte not in _BASE64_ALPHABET)


@dataclass(frozen=True)
class AttachmentInfo:
    part_number: str
    filename: str  # as the message names it, or one made up from the type ("part-2.pdf")
    mime_type: str
    size: int | None  # bytes of the file: base64 estimated from BODYSTRUCTURE's encoded size
    content_id: str | None  # without the angle brackets
    inline: bool  # an image the HTML body shows through a cid: link


@dataclass(frozen=True)
class MessageView:
    """One message as a reading pane shows it. `html` is the message's own HTML, not yet
    sanitised (see html.sanitize_html); `cid_parts` maps the content-ids cid: links use
    to the part numbers stream_part serves."""

    uid: int
    uidvalidity: int
    seen: bool
    flagged: bool
    answered: bool
    subject: str
    from_: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime.datetime | None
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    html: str | None = None
    text: str | None = None
    attachments: tuple[AttachmentInfo, ...] = ()
    cid_parts: dict[str, str] = field(default_factory=dict, hash=False)
    truncated: bool = False  # the body (with `error`: raw_source) was cut at its limit
    error: str | None = None  # why the message could not be shown normally
    raw_source: str | None = None  # the start of the source, only when `error` is set


# Names older mailers and phones give JPEG pictures (image/jpg, image/pjpeg), older
# Outlook and Internet Explorer PNGs (image/x-png), Citrix sessions the pictures pasted in
# them (image/x-citrix-...), older Windows bitmaps (image/x-ms-bmp): browsers show them as
# the registered type, and the reading pane previews them as such.
_TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-citrix-jpeg": "image/jpeg",
    "image/x-citrix-pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-citrix-png": "image/png",
    "image/x-citrix-gif": "image/gif",
    "image/x-ms-bmp": "image/bmp",
}


def standard_type(mime_type: str) -> str:
    """The registered name of a part's (lowercase) type where mailers use another."""
    return _TYPE_ALIASES.get(mime_type, mime_type)


# Pictures by their first bytes, for parts some mailers type application/octet-stream:
# only raster formats in which a browser runs nothing (never SVG or HTML, which are text).
_PICTURE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_SNIFFED_BYTES = 12  # enough for each signature, and WebP's "RIFF", size, "WEBP"
_UNTYPED = "application/octet-stream"


def picture_type(data: bytes) -> str | None:
    """image/png, image/jpeg, image/gif or image/webp when `data` starts like one, else
    None."""
    for signature, mime_type in _PICTURE_SIGNATURES:
        if data.startswith(signature):
            return mime_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class PartHead:
    mime_type: str
    filename: str
    size: int | None  # encoded size; the decoded content is smaller for base64
    encoding: str | None
    # What a part typed application/octet-stream is by its first bytes, when it is a PNG,
    # JPEG, GIF or WebP picture (an HTML body shows such parts through cid: links).
    picture_type: str | None = None


def read_message(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    *,
    mark_seen: bool = False,
    max_body_bytes: int = limits.MAX_BODY_BYTES,
) -> MessageView:
    """The message `uid` of `folder`, decoded for reading.

    One `UID FETCH` brings flags, BODYSTRUCTURE and the header (with the NOOP that brings
    the folder up to date: imap.checked_fetch); a second one the parts the reader shows
    (HTML rather than plain text where a message has both), each cut at `max_body_bytes`.
    With `mark_seen`, a STORE that sets \\Seen goes out with that second FETCH: two round
    trips in all.

    A message whose structure is unreadable or beyond limits.MAX_DEPTH/MAX_PARTS is
    still returned, with the headers that could be decoded, `error` saying what is wrong
    and the start of its source in `raw_source`.
    """
    _check_uid(uid)
    if not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise InvalidInputError(f"invalid body limit {max_body_bytes!r}")
    with imap.translate_errors(client):
        header_item = f"BODY.PEEK[HEADER]<0.{limits.MAX_HEADER_BYTES}>"
        try:
            item = imap.checked_fetch(
                client, folder, uidvalidity, uid, f"(UID FLAGS BODYSTRUCTURE {header_item})"
            )
            structure_error = None
        except imap.UnreadableFetchError as error:
            # imapclient could not parse the answer, most likely the BODYSTRUCTURE of a
            # broken message: ask again without it, to show at least the headers.
            item = _fetch_one(client, uid, f"(UID FLAGS {header_item})")
            structure_error = error
        if item is None:
            raise _not_found(client, uid)
        header = _parse_header(_section(item, "HEADER", 0, required=False))
        flags = {to_text(flag).lower() for flag in item.get(b"FLAGS") or ()}
        seen = "\\seen" in flags
        common = dict(
            uid=uid,
            uidvalidity=int(uidvalidity),
            seen=seen or mark_seen,
            flagged="\\flagged" in flags,
            answered="\\answered" in flags,
            **_header_fields(header),
        )
        # Sent now, its answer read after the body's: one round trip for both.
        store = None
        if mark_seen and not seen:
            store = imap.send(client, "UID", "STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)")
        try:
            view = _body_view(client, uid, item, structure_error, max_body_bytes, common)
        except BaseException:
            if store is not None:
                with contextlib.suppress(Exception):
                    imap.answer(client, store, "STORE", "FETCH")
            raise
        if store is not None:
            imap.answer(client, store, "STORE", "FETCH")
    return view


def _body_view(client, uid, item, structure_error, max_body_bytes, common) -> MessageView:
    """The message's view (read_message); a message that cannot be shown as it should
    with what is wrong and the start of its source."""
    try:
        if structure_error is not None:
            raise structure_error
        return _read_body(client, uid, item, max_body_bytes, common)
    except LimitExceededError as error:
        return _unreadable_view(client, uid, common, _too_complex(error))
    except ProtocolError as error:
        return _unreadable_view(client, uid, common, _unreadable(error))
    except _UndecodableError as error:
        return _unreadable_view(client, uid, common, str(error))


def read_attached_message(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    part_number: str,
    *,
    max_body_bytes: int = limits.MAX_BODY_BYTES,
) -> MessageView:
    """The message attached to `uid` as part `part_number` (forwarded as attachment),
    decoded for reading as read_message decodes a message; flags are the outer message's.

    Only that part is fetched: its header (`BODY.PEEK[<part>.HEADER]`) and its body parts,
    which IMAP numbers below it ("2.1", "2.2"), so that its attachments and inline images
    are parts of the outer message that stream_part serves as any other. An `.eml` the
    server does not take for a message (sent as application/octet-stream) is parsed here
    from at most `max_body_bytes`; an attached message that cannot be shown normally is
    still returned with `error` and the start of its source, as read_message does.
    """
    _check_uid(uid)
    _check_part_number(part_number)
    with imap.translate_errors(client):
        item, part = _find_part(
            client, folder, uidvalidity, uid, part_number, "(UID FLAGS BODYSTRUCTURE)"
        )
        flags = {to_text(flag).lower() for flag in item.get(b"FLAGS") or ()}
        common = {
            "uid": uid,
            "uidvalidity": int(uidvalidity),
            "seen": "\\seen" in flags,
            "flagged": "\\flagged" in flags,
            "answered": "\\answered" in flags,
        }
        if part.type != "message" or not part.children:
            return _parsed_message(client, uid, part, common, max_body_bytes)
        section = f"{part_number}.HEADER"
        fetched = _fetch_one(
            client, uid, f"(UID BODY.PEEK[{section}]<0.{limits.MAX_HEADER_BYTES}>)"
        )
        if fetched is None:
            raise _not_found(client, uid)
        common.update(_header_fields(_parse_header(_section(fetched, section, 0, required=False))))
        try:
            return _view_of(client, uid, part.children[0], max_body_bytes, common)
        except LimitExceededError as error:
            return _unreadable_view(client, uid, common, _too_complex(error), part_number)
        except ProtocolError as error:
            return _unreadable_view(client, uid, common, _unreadable(error), part_number)
        except _UndecodableError as error:
            return _unreadable_view(client, uid, common, str(error), part_number)


def stream_part(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    part_number: str,
    *,
    chunk_size: int = limits.CHUNK_SIZE,
    picture: bool = False,
) -> tuple[PartHead, Iterator[bytes]]:
    """One part, decoded from its transfer encoding, as chunks read on demand.

    The part is looked up in BODYSTRUCTURE now, so a wrong address fails before anything
    is sent to the browser; the chunks are then fetched with `BODY.PEEK[part]<offset.n>`
    one at a time as the iterator is consumed. With `picture`, a part typed
    application/octet-stream has its first chunk read now, to tell a picture by its bytes
    (PartHead.picture_type). The connection must stay with the iterator until it is
    exhausted or closed.
    """
    _check_uid(uid)
    _check_chunk_size(chunk_size)
    _check_part_number(part_number)
    with imap.translate_errors(client):
        _item, part = _find_part(
            client, folder, uidvalidity, uid, part_number, "(UID BODYSTRUCTURE)"
        )
    chunks = _section_chunks(client, folder, uidvalidity, uid, part_number, chunk_size)
    chunks = _decoded_chunks(chunks, _decoder(part.encoding))
    sniffed = None
    if picture and part.mime_type == _UNTYPED:
        start, chunks = _peek(chunks, _SNIFFED_BYTES)
        sniffed = picture_type(start)
    head = PartHead(
        mime_type=part.mime_type,
        filename=_filename(part),
        size=part.size,
        encoding=part.encoding,
        picture_type=sniffed,
    )
    return head, chunks


def _peek(chunks: Iterator[bytes], size: int) -> tuple[bytes, Iterator[bytes]]:
    """The first `size` bytes of `chunks` (fewer if it holds fewer) and all of them again."""
    taken = []
    for chunk in chunks:
        taken.append(chunk)
        if sum(map(len, taken)) >= size:
            break
    return b"".join(taken)[:size], _replayed(taken, chunks)


def _replayed(taken: list[bytes], chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield from taken
    yield from chunks


def stream_source(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    *,
    chunk_size: int = limits.CHUNK_SIZE,
) -> tuple[int, Iterator[bytes]]:
    """The message exactly as the server stores it (an .eml file): its size, and chunks
    fetched with `BODY.PEEK[]<offset.n>` as the iterator is consumed."""
    _check_uid(uid)
    _check_chunk_size(chunk_size)
    with imap.translate_errors(client):
        item = imap.checked_fetch(client, folder, uidvalidity, uid, "(UID RFC822.SIZE)")
        if item is None or not isinstance(item.get(b"RFC822.SIZE"), int):
            raise _not_found(client, uid)
    return item[b"RFC822.SIZE"], _section_chunks(client, folder, uidvalidity, uid, "", chunk_size)


def read_attachments(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    part_numbers: Iterable[str],
    *,
    max_bytes: int = limits.MAX_ATTACHMENT_BYTES,
) -> dict[str, bytes | None]:
    """The decoded content of parts, in the order given, together at most `max_bytes`.

    A part that would go beyond the budget is None (and not fetched to the end); smaller
    parts after it may still fit.
    """
    result, total = {}, 0
    for part_number in part_numbers:
        head, chunks = stream_part(client, folder, uidvalidity, uid, part_number)
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
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    uid: int,
    *,
    max_bytes: int = limits.MAX_ATTACHMENT_BYTES,
) -> bytes | None:
    """The whole message as the server stores it, or None if it is larger than `max_bytes`."""
    size, chunks = stream_source(client, folder, uidvalidity, uid)
    if size > max_bytes:
        chunks.close()
        return None
    try:
        return b"".join(chunks)
    finally:
        chunks.close()


# -- the wire -------------------------------------------------------------------------------------


class _UndecodableError(Exception):
    """A body part could not be decoded."""


def _check_uid(uid):
    if isinstance(uid, bool) or not isinstance(uid, int) or not 0 < uid <= limits.MAX_UID:
        raise InvalidInputError(f"invalid UID {uid!r}")


def _check_part_number(part_number):
    if not isinstance(part_number, str) or not _PART_NUMBER.fullmatch(part_number):
        raise InvalidInputError(f"invalid part number {part_number!r}")


def _check_chunk_size(chunk_size):
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise InvalidInputError(f"invalid chunk size {chunk_size!r}")
    if not 0 < chunk_size <= limits.MAX_CHUNK_SIZE:
        raise InvalidInputError(f"chunk size must be between 1 and {limits.MAX_CHUNK_SIZE}")


def _find_part(
    client, folder: str, uidvalidity: int, uid: int, part_number: str, items: str
) -> tuple[dict, MessagePart]:
    """The FETCH of `items` (BODYSTRUCTURE among them; imap.checked_fetch) and the leaf
    `part_number` of its structure: a wrong address fails here, before anything of the
    part is fetched."""
    item = imap.checked_fetch(client, folder, uidvalidity, uid, items)
    if item is None or b"BODYSTRUCTURE" not in item:
        raise _not_found(client, uid)
    root = parse_bodystructure(item[b"BODYSTRUCTURE"])
    part = next(
        (p for p in root.walk() if p.part_number == part_number and not p.is_multipart), None
    )
    if part is None:
        raise MessageNotFoundError(
            host=getattr(client, "host", ""), detail=f"UID {uid} has no part {part_number}"
        )
    return item, part


def _not_found(client, uid: int) -> MessageNotFoundError:
    return MessageNotFoundError(host=getattr(client, "host", ""), detail=f"UID {uid}")


def _fetch_one(client, uid: int, items: str) -> dict | None:
    """What one `UID FETCH` returned for `uid`, or None when the message is gone."""
    return imap.uid_fetch(client, [uid], items).get(uid)


def _section(item: dict, section: str, offset: int, *, required: bool = True) -> bytes:
    """The data of `BODY[section]<offset>` in a FETCH answer (NIL and "" as b"")."""
    wanted = f"BODY[{section}]<{offset}>".encode("ascii")
    for key, value in item.items():
        if isinstance(key, bytes) and key.upper() == wanted:
            return value if isinstance(value, bytes) else b""
    if not required:
        return b""
    raise ProtocolError(detail=f"the server did not send BODY[{section}]")


def _section_chunks(
    client, folder: str, uidvalidity: int, uid: int, section: str, chunk_size: int
) -> Iterator[bytes]:
    offset = 0
    while True:
        with imap.translate_errors(client):
            # Each chunk is a command of its own; between two the connection may have
            # served someone else, so check it still has the folder (no NOOP needed).
            imap.select_checked(client, folder, uidvalidity, refresh=False)
            item = _fetch_one(client, uid, f"(UID BODY.PEEK[{section}]<{offset}.{chunk_size}>)")
            if item is None:
                raise _not_found(client, uid)
            data = _section(item, section, offset)
        if data:
            yield data
        offset += len(data)
        if len(data) < chunk_size:
            return


# -- transfer encodings and charsets ---------------------------------------------------------


class _Base64Decoder:
    """Base64 across chunk borders: a group of four characters may be split by one."""

    def __init__(self):
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        # Padding is dropped wherever it is: broken mail has "=" in the middle (parts
        # glued together), which would stop binascii; flush() pads the very end again.
        data = self._pending + data.translate(None, _NOT_BASE64 + b"=")
        usable = len(data) - len(data) % 4
        self._pending = data[usable:]
        return binascii.a2b_base64(data[:usable]) if usable else b""

    def flush(self) -> bytes:
        rest, self._pending = self._pending.rstrip(b"="), b""
        if len(rest) < 2:  # a lone character carries no whole byte
            return b""
        return binascii.a2b_base64(rest + b"=" * (-len(rest) % 4))


class _QuotedPrintableDecoder:
    """Quoted-printable across chunk borders: decoded a line at a time, so that neither a
    soft line break (`=` CRLF) nor an escape (`=3D`) is split."""

    def __init__(self):
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        data = self._pending + data
        cut = data.rfind(b"\n") + 1
        if not cut:
            if len(data) <= limits.MAX_QP_CARRY:
                self._pending = data
                return b""
            cut = len(data)
            escape = data.rfind(b"=", -2)
            if escape != -1:
                cut = escape
        self._pending = data[cut:]
        return binascii.a2b_qp(data[:cut])

    def flush(self) -> bytes:
        rest, self._pending = self._pending, b""
        return binascii.a2b_qp(rest) if rest else b""


class _IdentityDecoder:
    """7bit, 8bit, binary and encodings we do not know: the bytes as they are."""

    def feed(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def _decoder(encoding: str | None):
    if encoding == "base64":
        return _Base64Decoder()
    if encoding == "quoted-printable":
        return _QuotedPrintableDecoder()
    return _IdentityDecoder()


def _decoded_chunks(chunks: Iterator[bytes], decoder) -> Iterator[bytes]:
    for chunk in chunks:
        decoded = decoder.feed(chunk)
        if decoded:
            yield decoded
    rest = decoder.flush()
    if rest:
        yield rest


def _decode_transfer(data: bytes, encoding: str | None) -> bytes:
    """Body text decoded at once. Unlike streamed parts (decoded leniently, as the email
    package does), text that is not base64 at all is reported rather than shown as noise.
    """
    if encoding == "base64" and data.translate(None, _BASE64_ALPHABET + b" \t\r\n"):
        raise _UndecodableError("The message text should be base64 but is not.")
    decoder = _decoder(encoding)
    try:
        return decoder.feed(data) + decoder.flush()
    except (binascii.Error, ValueError) as error:
        raise _UndecodableError(f"The message text could not be decoded ({error}).") from error


def decode_text(data: bytes, charset: str | None, *, complete: bool = True) -> str:
    """Text in its declared charset; never raises.

    A wrong or unknown charset falls back to UTF-8, then (for bytes that are not UTF-8
    either) to the declared charset with replacement characters, or Latin-1, which reads
    any bytes. `complete=False` drops a character cut in half at the end (a body cut at
    its size limit) instead of calling the whole text undecodable.
    """
    codec = mail_codec(charset)
    for candidate in dict.fromkeys(name for name in (codec, "utf-8") if name):
        try:
            return codecs.getincrementaldecoder(candidate)().decode(data, final=complete)
        except (UnicodeError, ValueError):
            continue
    # Bytes that fit neither: what was declared, with replacement characters; but text
    # said to be ASCII (or nothing) with 8-bit bytes is far more often Latin-1.
    return _decode_replacing(data, codec) or data.decode("latin-1")


def _decode_replacing(data: bytes, codec: str | None) -> str | None:
    if not codec or codec == "ascii":
        return None
    try:
        return data.decode(codec, "replace")
    except (UnicodeError, ValueError, LookupError):
        return None


# -- headers --------------------------------------------------------------------------------------


def _parse_header(raw: bytes):
    # Decoded first (UTF-8 or Latin-1), so that 8-bit headers come out as text and not as
    # the email package's surrogate-escaped Header objects.
    text = to_text(raw)
    try:
        return email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text)
    except (email.errors.MessageError, ValueError, TypeError, IndexError):
        return email.message_from_string("", policy=email.policy.compat32)


def _header_fields(header) -> dict:
    references = _MESSAGE_ID.findall(_header_text(header, "References"))
    return {
        "subject": decode_header_text(_header_text(header, "Subject")),
        "from_": _addresses(header, "From"),
        "to": _addresses(header, "To"),
        "cc": _addresses(header, "Cc"),
        "reply_to": _addresses(header, "Reply-To"),
        "date": _date(_header_text(header, "Date")),
        "message_id": _message_id(_header_text(header, "Message-ID")),
        "in_reply_to": _message_id(_header_text(header, "In-Reply-To")),
        "references": tuple(references[-limits.MAX_READ_REFERENCES :]),
    }


def _header_text(header, name: str) -> str:
    value = header.get(name)
    return str(value) if value is not None else ""


def _addresses(header, name: str) -> tuple[Address, ...]:
    values = [
        _ADDRESS_AS_NAME.sub(_quoted_name, str(value)) for value in header.get_all(name) or ()
    ]
    if not values:
        return ()
    try:
        pairs = email.utils.getaddresses(values)
    except (ValueError, TypeError, IndexError):
        return ()
    return tuple(
        Address(name=decode_header_text(display), address=decode_header_text(address))
        for display, address in pairs
        if display or address
    )


def _quoted_name(match: re.Match) -> str:
    name = match[3].rstrip()
    return f'{match[1]}{match[2]}"{name}"{match[3][len(name) :]}<'


def _date(value: str) -> datetime.datetime | None:
    if not value.strip():
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # "-0000": the time is UTC, where the sender was is unknown
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return placeable_moment(sent_moment(value, moment))


def _message_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    if found:
        return found.group()
    return decode_header_text(value) or None


# -- the body and the attachments -----------------------------------------------------------


def _read_body(client, uid: int, item: dict, max_body_bytes: int, common: dict) -> MessageView:
    if b"BODYSTRUCTURE" not in item:
        raise ProtocolError(detail="the server sent no BODYSTRUCTURE")
    root = parse_bodystructure(item[b"BODYSTRUCTURE"])
    return _view_of(client, uid, root, max_body_bytes, common)


def _view_of(client, uid: int, root: MessagePart, max_body_bytes: int, common: dict) -> MessageView:
    """The view of the message whose MIME tree is `root` (the message itself, or one
    attached to it: then its parts are numbered below the attachment's)."""
    body_parts, others = [], []
    _collect(root, body_parts, others)
    _check_not_hollow(root, body_parts, others)
    texts, truncated = _fetch_texts(client, uid, body_parts, max_body_bytes)
    html_text, plain_text = _compose(texts)
    referenced = referenced_content_ids(html_text)
    attachments = tuple(
        AttachmentInfo(
            part_number=part.part_number,
            filename=_filename(part),
            mime_type=part.mime_type,
            size=decoded_size(part),
            content_id=_content_id(part),
            inline=part.type == "image" and (_content_id(part) or "").lower() in referenced,
        )
        for part in others
    )
    cid_parts = {
        attachment.content_id: attachment.part_number
        for attachment in attachments
        if attachment.content_id
    }
    return MessageView(
        **common,
        html=html_text,
        text=plain_text,
        attachments=attachments,
        cid_parts=cid_parts,
        truncated=truncated,
    )


def decoded_size(part: MessagePart) -> int | None:
    """The bytes a part holds once decoded, for a user to read next to its name.

    BODYSTRUCTURE gives the size on the wire: base64 is a third larger plus its line breaks.
    Encoders break lines after 76 characters (RFC 2045), CRLF on the server (RFC 3501
    counts in CRLF), so those come off, what is left rounded up to base64's quads of four
    characters (a last line without its break), three bytes each. Padding is not seen from
    here: up to two bytes too many. Other encodings are near enough as they are.
    """
    if part.size is None or part.encoding != "base64":
        return part.size
    lines = -(-part.size // (_BASE64_LINE + 2))
    characters = max(0, part.size - 2 * lines)
    return -(-characters // 4) * 3


def _collect(part: MessagePart, body: list, others: list):
    """Sort the leaves below `part` into what the reader shows and what it lists."""
    if part.type == "message":
        others.append(part)  # an attached mail is downloaded or opened, not shown inline
    elif not part.is_multipart:
        (body if _is_body_text(part) else others).append(part)
    elif part.subtype == "alternative":
        chosen = _choose_alternative(part)
        for child in part.children:
            if child is chosen:
                _collect(child, body, others)
            else:
                # The other renderings of the same text are not shown again, but what is
                # not text (a calendar invitation beside its description) stays available.
                others.extend(
                    leaf
                    for leaf in _leaves(child)
                    if not (leaf.type == "text" and leaf.subtype in ("plain", "html"))
                )
    elif part.subtype == "related":
        start = _related_start(part)
        _collect(start, body, others)
        for child in part.children:
            if child is not start:
                others.extend(_leaves(child))
    else:  # mixed, and what mail clients treat like it (signed, report, digest, ...)
        for child in part.children:
            _collect(child, body, others)


def _check_not_hollow(root: MessagePart, body: list, others: list):
    """A multipart message without a boundary, or whose boundary never occurs, reaches us
    as parts with nothing in them, and its text only in the source: say so, and show that.
    """
    if not root.is_multipart or others or any(part.size != 0 for part in body):
        return
    if any(part.is_multipart and not part.params.get("boundary") for part in root.walk()):
        raise _UndecodableError("The message is multipart but has no boundary between parts.")
    raise _UndecodableError("The message's parts are empty; its MIME structure is broken.")


def _leaves(part: MessagePart) -> list[MessagePart]:
    if part.type == "message" or not part.is_multipart:
        return [part]
    return [leaf for child in part.children for leaf in _leaves(child)]


def _is_body_text(part: MessagePart) -> bool:
    return (
        part.type == "text"
        and part.subtype in ("plain", "html")
        and part.disposition != "attachment"
        and not part.filename
    )


def _choose_alternative(part: MessagePart) -> MessagePart | None:
    """HTML if one of the alternatives has it, else plain text; among equals the last,
    which RFC 2046 says is the sender's preferred one."""
    best, best_rank = None, 0
    for child in part.children:
        rank = _display_rank(child)
        if rank and rank >= best_rank:
            best, best_rank = child, rank
    return best


def _display_rank(part: MessagePart) -> int:
    """2 if `part` would show HTML, 1 if only plain text, 0 if nothing to read."""
    if part.type == "message":
        return 0
    if not part.is_multipart:
        return (2 if part.subtype == "html" else 1) if _is_body_text(part) else 0
    if part.subtype == "related":
        return _display_rank(_related_start(part))
    return max((_display_rank(child) for child in part.children), default=0)


def _related_start(part: MessagePart) -> MessagePart:
    start = (part.params.get("start") or "").strip().strip("<>")
    if start:
        for child in part.children:
            if (_content_id(child) or "") == start:
                return child
    return part.children[0] if part.children else part


def _fetch_texts(client, uid: int, parts: list[MessagePart], max_body_bytes: int):
    """[(subtype, text)] of the body parts, all in one FETCH, together at most
    `max_body_bytes` (encoded); and whether anything was cut."""
    budget, wanted, truncated = max_body_bytes, [], False
    for part in parts:
        if budget <= 0:
            truncated = True
            break
        allowance = budget if part.size is None else min(part.size, budget)
        allowance = max(allowance, 1)
        cut = part.size is not None and part.size > allowance
        wanted.append((part, allowance, cut))
        truncated = truncated or cut
        budget -= allowance
    if not wanted:
        return [], truncated
    items = " ".join(f"BODY.PEEK[{part.part_number}]<0.{n}>" for part, n, _cut in wanted)
    item = _fetch_one(client, uid, f"(UID {items})")
    if item is None:
        raise _not_found(client, uid)
    texts = []
    for part, _allowance, cut in wanted:
        data = _decode_transfer(_section(item, part.part_number, 0), part.encoding)
        charset = part.charset
        if not charset and part.subtype == "html":
            declared = _HTML_CHARSET.search(data[:4096])
            charset = declared.group(1).decode("ascii") if declared else None
        # Control characters out (a NUL from "=00" would not get into the chatter).
        text = clean_text(decode_text(data, charset, complete=not cut), multiline=True)
        texts.append((part.subtype, text.replace("\r\n", "\n")))
    return texts, truncated


def _compose(texts: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(html, text): one HTML body when any part is HTML, plain text parts shown in it as
    preformatted blocks; else the plain text parts one after the other."""
    if not texts:
        return None, None
    if all(subtype == "plain" for subtype, _text in texts):
        return None, "\n\n".join(text.rstrip() for _subtype, text in texts)
    if len(texts) == 1:
        return texts[0][1], None
    pieces = [
        text
        if subtype == "html"
        else f'<div style="white-space: pre-wrap">{html.escape(text, quote=False)}</div>'
        for subtype, text in texts
    ]
    return "\n".join(pieces), None


def _content_id(part: MessagePart) -> str | None:
    return (part.content_id or "").strip().strip("<>").strip() or None


def referenced_content_ids(html_text: str | None) -> set[str]:
    """The Content-IDs the cid: links of `html_text` name, in lowercase."""
    if not html_text:
        return set()
    found = re.findall(r"""cid:([^\s"'()<>]+)""", html_text, flags=re.IGNORECASE)
    return {value.lower() for value in found} | {
        unquote(value).lower() for value in found if "%" in value
    }


def _filename(part: MessagePart) -> str:
    """A file name safe to offer for saving: the part's own without any folder it names
    ("C:\\Users\\anna\\Angebot.pdf" is "Angebot.pdf"), or one made up from its type."""
    number = part.part_number.replace(".", "-") or "1"
    if part.type == "message" and part.subtype in ("rfc822", "global"):
        # Named after its subject, as a downloaded original is ("Angebot Müller.eml").
        subject = decode_header_text(part.subject or "")
        made_up = eml_filename(subject) if subject.strip() else f"message-{number}.eml"
    else:
        # A bounce's or a read receipt's report (message/delivery-status, text/rfc822-headers)
        # is text of a type without an extension of its own, and no mail.
        text = part.type in ("text", "message")
        extension = mimetypes.guess_extension(part.mime_type, strict=False)
        extension = extension or (".txt" if text else ".bin")
        made_up = f"part-{number}{extension}"
    name = (part.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return safe_filename(name, made_up)


# -- messages that cannot be shown normally ---------------------------------------------------


def _too_complex(error: LimitExceededError) -> str:
    return f"This message is too complex to display ({error.detail or error})."


def _unreadable(error: ProtocolError) -> str:
    return f"The structure of this message could not be read ({error.detail or error})."


def _unreadable_view(client, uid: int, common: dict, error: str, section: str = "") -> MessageView:
    """The view of a message (or, with `section`, of the message attached as that part)
    that cannot be shown normally: what is known, why, and the start of its source."""
    item = _fetch_one(client, uid, f"(UID BODY.PEEK[{section}]<0.{limits.RAW_SOURCE_BYTES}>)")
    if item is None:
        raise _not_found(client, uid)
    raw = _section(item, section, 0)
    return MessageView(
        **common,
        error=error,
        raw_source=raw.decode("utf-8", "replace"),
        truncated=len(raw) >= limits.RAW_SOURCE_BYTES,
    )


def _parsed_message(client, uid: int, part: MessagePart, common: dict, max_body_bytes: int):
    """An `.eml` attachment the server holds as a file (application/octet-stream): its first
    `max_body_bytes` decoded and parsed here, the text shown with its headers. Its own
    attachments are not offered (they have no IMAP part numbers); downloading the `.eml`
    gives them. What cannot be parsed is shown as the start of its source."""
    section = part.part_number
    item = _fetch_one(client, uid, f"(UID BODY.PEEK[{section}]<0.{max_body_bytes}>)")
    if item is None:
        raise _not_found(client, uid)
    decoder = _decoder(part.encoding)
    try:
        data = decoder.feed(_section(item, section, 0)) + decoder.flush()
    except (binascii.Error, ValueError):
        data = b""
    truncated = part.size is not None and part.size > max_body_bytes
    end = _HEADER_END.search(data)
    head = data[: end.start()] if end else data
    header = _parse_header(head[: limits.MAX_HEADER_BYTES])
    common = dict(common, **_header_fields(header))
    reason = None
    if truncated or not header.keys():
        reason = (
            "The attached message is too large to display."
            if truncated
            else ("The attached file is not an e-mail message.")
        )
    else:
        try:
            texts = _parsed_texts(data)
        except RecursionError:  # parts nested hundreds deep: the email package recurses
            reason = _too_complex(LimitExceededError(detail="MIME parts nested too deep"))
    if reason:
        return MessageView(
            **common,
            error=reason,
            raw_source=data[: limits.RAW_SOURCE_BYTES].decode("utf-8", "replace"),
            truncated=len(data) > limits.RAW_SOURCE_BYTES,
        )
    html_texts = [entry for entry in texts if entry[0] == "html"]
    html_text, plain_text = _compose(html_texts[:1] or texts[:1])
    return MessageView(**common, html=html_text, text=plain_text)


def _parsed_texts(data: bytes) -> list[tuple[str, str]]:
    """The text parts of a message's source: (subtype, text), in message order."""
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data)
    texts = []
    for leaf in message.walk():
        if leaf.is_multipart() or leaf.get_content_maintype() != "text":
            continue
        if leaf.get_content_subtype() not in ("plain", "html") or leaf.get_filename():
            continue
        # str(): with 8-bit bytes in it the header comes back as an email.header.Header.
        if str(leaf.get("Content-Disposition") or "").lower().startswith("attachment"):
            continue
        payload = leaf.get_payload(decode=True) or b""
        text = clean_text(decode_text(payload, leaf.get_content_charset()), multiline=True)
        texts.append((leaf.get_content_subtype(), text.replace("\r\n", "\n")))
    return texts
