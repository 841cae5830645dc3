"""File names made safe: for a download, a file stored in Odoo, a forwarded message."""

import re

from . import limits
from .headers import clean_text

# Path separators, control characters and what Windows refuses in a name.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
# Marks of writing direction (embeddings, overrides, isolates, LRM/RLM/ALM): in a name they
# turn "Rechnung\u202efdp.exe" into what reads as "Rechnungexe.pdf".
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# An extension kept when a long name is cut ("pdf", "docx", "tar.gz" is cut to "gz").
_MAX_EXTENSION = 10


def safe_filename(
    name,
    fallback: str,
    max_length: int = limits.MAX_FILENAME_CHARS,
    max_bytes: int = limits.MAX_FILENAME_BYTES,
) -> str:
    """A file name every file system and browser takes, from `name` as a message or a
    browser gave it: path separators, control characters and the characters Windows
    refuses become blanks ("Angebot 2026/17: Dach" -> "Angebot 2026 17 Dach"), marks of
    writing direction go (no extension hidden behind a right-to-left override), runs of
    blanks one, no dot or blank at either end (no ".." either, nor a hidden file), at
    most `max_length` characters and `max_bytes` bytes in UTF-8 with the extension kept;
    `fallback` where nothing is left."""
    text = _BIDI.sub("", clean_text(name if isinstance(name, str) else ""))
    text = " ".join(_UNSAFE.sub(" ", text).split()).strip(" .")
    if len(text) > max_length or _size(text) > max_bytes:
        stem, dot, extension = text.rpartition(".")
        if (
            dot
            and 0 < len(extension) <= _MAX_EXTENSION
            and len(extension) < max_length - 1
            and _size(extension) < max_bytes - 1
        ):
            stem = _cut(stem, max_length - len(extension) - 1, max_bytes - _size(extension) - 1)
            text = stem.rstrip(" .") + "." + extension
        else:
            text = _cut(text, max_length, max_bytes).rstrip(" .")
    return text or fallback


def eml_filename(
    subject: str,
    max_length: int = limits.MAX_FILENAME_CHARS,
    max_bytes: int = limits.MAX_FILENAME_BYTES,
) -> str:
    """The name of a message saved as a file: its subject (decoded), then ".eml"."""
    return (
        safe_filename(subject, "message", max_length - len(".eml"), max_bytes - len(".eml"))
        + ".eml"
    )


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, max_length: int, max_bytes: int) -> str:
    """`text` cut to `max_length` characters and `max_bytes` bytes of UTF-8, never in the
    middle of a character."""
    return text[:max_length].encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
