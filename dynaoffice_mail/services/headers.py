"""Header text as IMAP hands it over (raw bytes, RFC 2047 words, RFC 2231 parameters)."""

import email.errors
import email.header
import email.utils
import re

_FOLDING = re.compile(r"\r?\n(?=[ \t])")
_LINE_BREAKS = re.compile(r"[\r\n]+")


def to_text(value: bytes | str | int | None) -> str:
    """Bytes from the server as text: UTF-8 when they are, else Latin-1, which never fails."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def decode_header_text(value: bytes | str | None) -> str:
    """Unfold and decode RFC 2047 encoded words; what cannot be decoded stays as it came."""
    text = _FOLDING.sub("", to_text(value))
    if "=?" in text:
        try:
            chunks = email.header.decode_header(text)
        except (email.errors.HeaderParseError, ValueError):
            chunks = [(text, None)]
        text = "".join(_decode_chunk(chunk, charset) for chunk, charset in chunks)
    # A line break left in a subject would break the one-line list the user sees.
    return _LINE_BREAKS.sub(" ", text).strip()


def _decode_chunk(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset is None:
        # decode_header() hands back the unencoded stretches this way.
        return chunk.decode("raw-unicode-escape")
    try:
        return chunk.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return chunk.decode("utf-8", "replace")


def decode_params(pairs) -> dict[str, str]:
    """MIME parameters from BODYSTRUCTURE (a flat name, value, ... tuple) as a dict.

    Names are lowercased; RFC 2231 continuations and charsets (`filename*0*=utf-8''...`) are
    joined and decoded, and RFC 2047 words, which many mailers put into file names although
    the standard forbids it, are decoded too.
    """
    if not pairs:
        return {}
    items = list(pairs)
    raw = [(to_text(items[i]).lower(), to_text(items[i + 1])) for i in range(0, len(items) - 1, 2)]
    # decode_params() treats its first pair as the content type itself, hence the stand-in.
    try:
        decoded = email.utils.decode_params([("", ""), *raw])[1:]
    except (ValueError, LookupError, UnicodeError):
        decoded = raw
    params = {}
    for name, value in decoded:
        if isinstance(value, tuple):
            value = email.utils.collapse_rfc2231_value(value)
        params[name] = decode_header_text(email.utils.unquote(value))
    return params
