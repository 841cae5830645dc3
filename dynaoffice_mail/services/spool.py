"""Messages as temporary files, read and written in chunks.

A mail with a 20 MiB attachment is 27 MiB of base64. Held as bytes it was copied on every
step of its way (serialised, Bcc cut out, line ends fixed, dot-stuffed, APPENDed, parsed
back as a draft), and an Odoo worker grew by ten times the attachment. Here a message
exists once, in a SpooledTemporaryFile that moves to disk beyond limits.SPOOL_MEMORY:
attachments stream into it from their files through base64 (StreamedPart), SMTP and IMAP
read it in limits.SPOOL_CHUNK_SIZE pieces, and a draft read back keeps its attachments in
the file until each is stored (without_attachments).
"""

import binascii
import io
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from email.message import MIMEPart
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import BinaryIO

from . import limits
from .exceptions import InvalidInputError

# Base64 as the email package writes it: 57 bytes make a line of 76 characters.
_BASE64_LINE_BYTES = 57
_BASE64_CHUNK = _BASE64_LINE_BYTES * 16384
# What decoding base64 skips: line ends, padding (put back at the very end) and anything
# that is no base64 character.
_SKIPPED = bytes(
    set(range(256)) - set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
)
# Every line end, as imaplib sends an APPEND literal (and smtplib its DATA): CRLF.
_ANY_LINE_END = re.compile(rb"\r\n|\r|\n")
# A bare LF only, as the email package writes a message/rfc822 part (a bare CR stays).
_LF_LINE_END = re.compile(rb"\r?\n")
# What the email package may raise on the header block of a part another program wrote.
_HEADER_ERRORS = (LookupError, ValueError, TypeError, IndexError, AttributeError)


def temporary_file() -> tempfile.SpooledTemporaryFile:
    """An empty temporary file for a message: in memory while small, on disk beyond."""
    return tempfile.SpooledTemporaryFile(max_size=limits.SPOOL_MEMORY)


def readable(message) -> BinaryIO:
    """`message` (bytes, or a binary file such as temporary_file() gives) as a file."""
    if isinstance(message, bytes | bytearray):
        return io.BytesIO(message)
    if callable(getattr(message, "read", None)) and callable(getattr(message, "seek", None)):
        return message
    raise InvalidInputError("the message must be bytes or a file")


def chunks(source: BinaryIO, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The bytes of `source` from `start` to `end` (default: its end), in chunks."""
    source.seek(start)
    left = None if end is None else end - start
    while left is None or left > 0:
        size = limits.SPOOL_CHUNK_SIZE
        chunk = source.read(size if left is None else min(size, left))
        if not chunk:
            return
        if left is not None:
            left -= len(chunk)
        yield chunk


def crlf_chunks(pieces: Iterable[bytes], *, bare_cr: bool = True) -> Iterator[bytes]:
    """`pieces` with every line end made CRLF: a bare LF, and with `bare_cr` a bare CR as
    well."""
    return replace_line_ends(pieces, _ANY_LINE_END if bare_cr else _LF_LINE_END, b"\r\n")


def replace_line_ends(
    pieces: Iterable[bytes], line_end: re.Pattern, replacement: bytes
) -> Iterator[bytes]:
    """`pieces` with every match of `line_end` replaced. A CR at the end of a piece waits
    for the next one, which may start with the LF of a CRLF."""
    carry = b""
    for piece in pieces:
        data = carry + piece
        carry = b""
        if data.endswith(b"\r"):
            data, carry = data[:-1], b"\r"
        if data:
            yield line_end.sub(replacement, data)
    if carry:
        yield line_end.sub(replacement, carry)


def read_head(source: BinaryIO) -> tuple[bytes, int]:
    """The header block of the message in `source` with the blank line after it, and where
    the body starts. Without a blank line the whole message is the header block."""
    source.seek(0)
    head = b""
    while chunk := source.read(64 * 1024):
        searched = max(len(head) - 3, 0)
        head += chunk
        end = head.find(b"\r\n\r\n", searched)
        if end >= 0:
            return head[: end + 4], end + 4
    return head, len(head)


# -- writing ------------------------------------------------------------------------------------


class StreamedPart(MIMEPart):
    """A MIME leaf whose content is read only when the message is written: until then its
    payload is a placeholder, which write_message() replaces with the content read from
    `open_content()` in chunks.

    `encoding` "base64": the content as base64 lines of 76 characters with CRLF (what the
    email package writes for an attachment); "7bit": the content as it is, LF made CRLF
    (what it writes for a message/rfc822 part given as text).
    """

    def __init__(
        self,
        policy=None,
        *,
        open_content: Callable[[], BinaryIO] | None = None,
        encoding: str = "base64",
    ):
        super().__init__(policy=policy)
        self.open_content = open_content
        self.encoding = encoding
        self._placeholder = f"dynaoffice-streamed-content-{secrets.token_hex(16)}"
        # How the generator writes the placeholder: a base64 payload as lines, a
        # message/rfc822 payload as it stands.
        self.marker = self._placeholder.encode("ascii")
        if encoding == "base64":
            self.marker += b"\r\n"

    def set_placeholder(self) -> None:
        """The payload until the message is written; call it after set_content()."""
        self.set_payload(
            self._placeholder + "\n" if self.encoding == "base64" else self._placeholder
        )

    def write_content(self, target: BinaryIO) -> None:
        with self.open_content() as source:
            if self.encoding == "base64":
                write_base64(source, target)
            else:
                target.writelines(crlf_chunks(chunks(source), bare_cr=False))


def write_message(data: bytes, parts: Iterable[StreamedPart], target: BinaryIO) -> None:
    """`data`, a message as the email package wrote it, into `target` with the content of
    each of `parts` in place of its placeholder."""
    by_marker = {part.marker: part for part in parts}
    if not by_marker:
        target.write(data)
        return
    view = memoryview(data)
    position = 0
    for found in re.finditer(b"|".join(re.escape(marker) for marker in by_marker), data):
        target.write(view[position : found.start()])
        by_marker[found.group()].write_content(target)
        position = found.end()
    target.write(view[position:])


def write_base64(source: BinaryIO, target: BinaryIO) -> None:
    """What `source` holds as base64 in lines of 76 characters, each ending in CRLF."""
    pending = b""
    while True:
        chunk = source.read(_BASE64_CHUNK)
        data = pending + chunk if pending else chunk
        whole = len(data) if not chunk else len(data) - len(data) % _BASE64_LINE_BYTES
        if whole:
            encoded = binascii.b2a_base64(memoryview(data)[:whole], newline=False)
            target.write(
                b"".join(encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76))
            )
        pending = data[whole:]
        if not chunk:
            return


def load_content(part: StreamedPart) -> None:
    """Put the part's content into its payload, as the email package would have: the part
    is an ordinary one afterwards (for code that needs the whole message in memory)."""
    target = io.BytesIO()
    part.write_content(target)
    data = target.getvalue()
    if part.encoding == "base64":
        data = data.replace(b"\r\n", b"\n")  # the generator writes its lines with CRLF
    part.set_payload(data.decode("ascii"))
    part.open_content = None


# -- drafts read back ---------------------------------------------------------------------------


def without_attachments(source: BinaryIO) -> tuple[bytes, dict[bytes, tuple[int, int]]]:
    """The message in `source` with the base64 body of every attachment left out, and where
    each was: (message, {stand-in: (start, end)}).

    Each left-out body is replaced by a stand-in, a random token as base64, so that the
    email package reads the token as the attachment's content and the caller can tell which
    part of `source` it stands for (decoded_base64). Only bodies that cannot be a message's
    text are left out: parts of a multipart in base64 that are no text, message or
    multipart, or that are marked as attachments. What is not recognised is kept as it is.
    """
    source.seek(0)
    kept = io.BytesIO()
    stand_ins: dict[bytes, tuple[int, int]] = {}
    boundaries: set[bytes] = set()
    header: list[bytes] | None = []  # the lines of a header block being read
    header_size = 0
    top_level = True
    leaving_out_from = None  # where the body being left out started
    position = 0
    line_start = True
    while line := source.readline(limits.MAX_HEADER_LINE):
        start, position = position, position + len(line)
        at_line_start, line_start = line_start, line.endswith(b"\n")
        boundary = _boundary(line, boundaries) if at_line_start else None
        if boundary is not None:
            if leaving_out_from is not None:
                kept.write(_stand_in(stand_ins, leaving_out_from, start))
                leaving_out_from = None
            kept.write(line)
            header, header_size = ([], 0) if boundary == "open" else (None, 0)
            continue
        if header is not None:
            kept.write(line)
            if at_line_start and line in (b"\r\n", b"\n"):
                encoded, multipart = _read_header_block(b"".join(header))
                if multipart:
                    boundaries.add(b"--" + multipart)
                if encoded and not top_level:
                    leaving_out_from = position
                header, top_level = None, False
            elif header_size + len(line) > limits.MAX_HEADER_BLOCK:
                header, top_level = None, False
            else:
                header.append(line)
                header_size += len(line)
            continue
        if leaving_out_from is None:
            kept.write(line)
    if leaving_out_from is not None:
        kept.write(_stand_in(stand_ins, leaving_out_from, position))
    return kept.getvalue(), stand_ins


def decoded_base64(source: BinaryIO, start: int, end: int) -> io.BytesIO:
    """The bytes of `source` from `start` to `end` decoded from base64, as a file.

    As the email package decodes: whatever is no base64 character is skipped, and the end
    is padded where it is short. The content is in memory once: its size is counted
    first, and the decoded chunks are written into a buffer of that size.
    """
    characters = sum(len(chunk.translate(None, _SKIPPED)) for chunk in chunks(source, start, end))
    size = characters // 4 * 3 + (0, 0, 1, 2)[characters % 4]  # a lone character: no byte
    # A BytesIO made from a bytes object nobody else holds writes into it, and getvalue()
    # hands that object out again: no copy, and no buffer grown (and copied) step by step.
    decoded = io.BytesIO(bytes(size))
    pending = b""
    for chunk in chunks(source, start, end):
        data = pending + chunk.translate(None, _SKIPPED)
        usable = len(data) - len(data) % 4
        pending = data[usable:]
        decoded.write(binascii.a2b_base64(data[:usable]))
    if len(pending) >= 2:
        decoded.write(binascii.a2b_base64(pending + b"=" * (-len(pending) % 4)))
    return io.BytesIO(decoded.getvalue())


def _boundary(line: bytes, boundaries: set[bytes]) -> str | None:
    """Whether `line` starts a part of a multipart ("open"), ends the multipart ("close")
    or neither (None)."""
    if not line.startswith(b"--") or not boundaries:
        return None
    text = line.rstrip(b" \t\r\n")
    if text in boundaries:
        return "open"
    if text.endswith(b"--") and text[:-2] in boundaries:
        return "close"
    return None


def _read_header_block(block: bytes) -> tuple[bool, bytes | None]:
    """(whether the part's body may be left out, the boundary if it is a multipart)."""
    try:
        head = BytesHeaderParser(policy=compat32).parsebytes(block)
        maintype = head.get_content_maintype()
        if maintype == "multipart":
            boundary = head.get_boundary()
            return False, boundary.encode("ascii") if boundary and boundary.isascii() else None
        encoding = str(head.get("Content-Transfer-Encoding", "")).strip().lower()
        attachment = (head.get_content_disposition() or "") == "attachment"
    except _HEADER_ERRORS:
        return False, None
    if encoding != "base64" or maintype == "message":
        return False, None
    return maintype != "text" or attachment, None


def _stand_in(stand_ins: dict, start: int, end: int) -> bytes:
    token = b"\0dynaoffice-left-out:" + secrets.token_hex(16).encode("ascii")
    stand_ins[token] = (start, end)
    return binascii.b2a_base64(token, newline=False) + b"\r\n"
