"""The preview line of the message list: the first words of a message's text.

Where the server offers it, the server makes it (RFC 8970 `PREVIEW`, or the draft's
`SNIPPET (FUZZY)` that Dovecot 2.3 offers beside it), in the same FETCH as the rest of the
list's data: no command and nearly no byte more. Elsewhere it is read here from the start of
the message's first text part, never the whole message: BODYSTRUCTURE (which the list
fetches anyway) names the part, one `UID FETCH ... (BODY.PEEK[<part>]<0.N>)` per part number
fetches at most N bytes of each, and the text is decoded as leniently as the reading pane
does. Those previews are kept per mailbox, folder, UIDVALIDITY and UID in a bounded cache of
the worker (caches.py): a message never changes, so the next page view costs nothing more.

A preview is one line of plain text of at most limits.PREVIEW_CHARS characters: no markup,
no line break, no control character. A message that cannot be read has an empty preview.
"""

import binascii
import re

from . import imap, limits
from .caches import BoundedCache, mailbox_scope
from .exceptions import LimitExceededError, ProtocolError
from .headers import UNCLEAN, clean_text, to_text
from .html import html_to_text
from .reading import _HTML_CHARSET, _decoder, _is_body_text, _leaves, _section, decode_text
from .structure import MessagePart, parse_bodystructure

# Previews read here from the messages themselves (not those the server makes).
_CACHE = BoundedCache(limits.MAX_CACHED_PREVIEWS)
# What html_to_text() writes for a link ("text <https://...>"): noise in one line.
_LINK_TARGET = re.compile(r"\s*<(?:https?|mailto):[^<>\s]*>", re.IGNORECASE)
# Markup left where the text was cut inside a tag (`<a href="...`), or not parsed at all.
_TAG = re.compile(r"<[a-zA-Z/!][^<>]*(?:>|$)")
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
# What one_line() changes in a text: what clean_text() does (see headers.UNCLEAN), and
# blanks that str.split() drops (any but one space between words).
_UNPLAIN = re.compile(UNCLEAN.pattern + r"|[^\S ]|  |^ | $")


def server_item(client) -> str | None:
    """The FETCH item by which the server makes previews itself, or None."""
    if client.has_capability("PREVIEW"):
        return "PREVIEW"
    if client.has_capability("SNIPPET=FUZZY"):
        return "SNIPPET (FUZZY)"
    return None


def from_server(item: dict) -> str | None:
    """The preview in one FETCH answer (`PREVIEW "..."`, `SNIPPET (FUZZY "...")`), clean;
    None where the answer has none (the server did not make one: read it here then)."""
    for key, value in item.items():
        if isinstance(key, bytes) and key.isascii():  # as FETCH answers name their items
            if len(key) != 7:  # neither PREVIEW nor SNIPPET, in any case
                continue
            name = key.upper()
            if name != b"PREVIEW" and name != b"SNIPPET":
                continue
            name = name.decode()
        else:
            name = to_text(key).upper() if isinstance(key, bytes | str) else ""
        if name == "SNIPPET" and isinstance(value, tuple) and len(value) == 2:
            value = value[1]
        elif name != "PREVIEW":
            continue
        if value is None:
            return None
        return one_line(to_text(value))
    return None


def one_line(text: str) -> str:
    """`text` as a preview: control characters out, blanks collapsed, cut to
    limits.PREVIEW_CHARS at a word's end where there is one near."""
    # str.isprintable() is false for every character _UNPLAIN finds (controls, surrogates,
    # every blank but the space) and a few more (format characters): a quick "plain".
    plain = text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "
    if not plain and _UNPLAIN.search(text):
        text = " ".join(clean_text(text).split())
    if len(text) <= limits.PREVIEW_CHARS:
        return text
    cut = text[: limits.PREVIEW_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > limits.PREVIEW_CHARS * 2 // 3 else cut


def preview_part(root: MessagePart) -> MessagePart | None:
    """The part a preview is read from: the first plain text of the body, else its first
    HTML; none in attachments (an attached message included)."""
    texts = [part for part in _leaves(root) if _is_body_text(part)]
    for subtype in ("plain", "html"):
        for part in texts:
            if part.subtype == subtype:
                return part
    return None


def read_previews(client, folder: str, uidvalidity: int, bodies: dict) -> dict[int, str]:
    """{uid: preview} of the selected `folder`, read from the start of each message's first
    text part; `bodies` has each UID's BODYSTRUCTURE as the FETCH answer gave it.

    From the cache where it has them; the rest with one bounded FETCH per part number
    (most mail has its text in part 1 or 1.1, so that is one or two commands). A message
    whose structure or text cannot be read gets "" and no error.
    """
    scope = mailbox_scope(client)
    found, wanted = {}, {}
    for uid, body in bodies.items():
        key = (scope, folder, int(uidvalidity), uid)
        cached = _CACHE.get(key) if scope is not None else None
        if cached is not None:
            found[uid] = cached
            continue
        part = _part_of(body)
        if part is None:
            found[uid] = ""
        else:
            wanted.setdefault(part.part_number, []).append((uid, part))
    for number, entries in wanted.items():
        found.update(_read_part(client, number, entries))
    if scope is not None:
        for uid in bodies:
            _CACHE.put((scope, folder, int(uidvalidity), uid), found.get(uid, ""))
    return found


def forget_previews() -> None:
    """Empty the cache (for tests and the benchmark, which measure reading them)."""
    _CACHE.clear()


def _part_of(body) -> MessagePart | None:
    if not body:
        return None
    try:
        return preview_part(parse_bodystructure(body))
    except (LimitExceededError, ProtocolError):
        return None


def _read_part(client, number: str, entries: list[tuple[int, MessagePart]]) -> dict[int, str]:
    size = max(
        limits.PREVIEW_HTML_BYTES if part.subtype == "html" else limits.PREVIEW_TEXT_BYTES
        for _uid, part in entries
    )
    try:
        response = imap.uid_fetch(
            client, [uid for uid, _part in entries], f"(UID BODY.PEEK[{number}]<0.{size}>)"
        )
    except imap.UnreadableFetchError:
        return {uid: "" for uid, _part in entries}
    return {
        uid: _preview_text(_section(response.get(uid, {}), number, 0, required=False), part)
        for uid, part in entries
    }


def _preview_text(data: bytes, part: MessagePart) -> str:
    """The preview of the first bytes of a text part, decoded as far as they go."""
    if not data:
        return ""
    decoder = _decoder(part.encoding)
    try:
        data = decoder.feed(data) + decoder.flush()
    except (binascii.Error, ValueError):
        return ""
    charset = part.charset
    if not charset and part.subtype == "html":
        declared = _HTML_CHARSET.search(data)
        charset = declared.group(1).decode("ascii") if declared else None
    text = decode_text(data, charset, complete=False)
    if part.subtype == "html":
        text = _html_text(text)
    else:
        text = _QUOTED_LINE.sub("", text)  # the quoted original of a reply
    return one_line(text)


def _html_text(markup: str) -> str:
    text = html_to_text(markup)
    if text == markup:  # not parsed: html_to_text gives it back as it came
        text = _TAG.sub(" ", markup)
    # A start cut off in the middle of a tag or a style sheet leaves its rest as text.
    text = _TAG.sub(" ", text)
    return _LINK_TARGET.sub("", text)
