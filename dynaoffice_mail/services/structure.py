"""A message's MIME tree from its BODYSTRUCTURE, with hard limits against pathological mail."""

from dataclasses import dataclass, field
from itertools import takewhile

from . import limits
from .exceptions import (
    LimitExceededError,
    ProtocolError,
)
from .headers import decode_params, to_text


@dataclass(frozen=True)
class MessagePart:
    """One MIME part. `part_number` is what BODY.PEEK[<part_number>] fetches ("" for the
    multipart root of a message, which has no number of its own in IMAP)."""

    part_number: str
    type: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict, hash=False)
    size: int | None = None
    content_id: str | None = None
    encoding: str | None = None
    disposition: str | None = None
    filename: str | None = None
    children: tuple["MessagePart", ...] = ()
    # An attached message's subject (from its ENVELOPE), encoded words still encoded.
    subject: str | None = None

    @property
    def mime_type(self) -> str:
        return f"{self.type}/{self.subtype}"

    @property
    def charset(self) -> str | None:
        return self.params.get("charset")

    @property
    def is_multipart(self) -> bool:
        return self.type == "multipart"

    def walk(self):
        """This part and every part below it, depth first, in message order."""
        yield self
        for child in self.children:
            yield from child.walk()


def parse_bodystructure(
    body, *, max_depth: int = limits.MAX_DEPTH, max_parts: int = limits.MAX_PARTS
) -> MessagePart:
    """The tree of a parsed BODYSTRUCTURE (imapclient's BodyData or the raw nested tuples).

    Raises LimitExceededError when the nesting is deeper than `max_depth` or there are more
    than `max_parts` parts, so a hostile message becomes an error and not a stack overflow.
    """
    counter = [0]
    try:
        return _parse(body, "", 0, counter, max_depth, max_parts)
    except (IndexError, TypeError, ValueError) as error:
        raise ProtocolError(detail=f"unreadable BODYSTRUCTURE: {error}") from error


def _parse(node, number: str, depth: int, counter: list[int], max_depth: int, max_parts: int):
    if depth > max_depth:
        raise LimitExceededError(detail=f"MIME parts nested more than {max_depth} deep")
    counter[0] += 1
    if counter[0] > max_parts:
        raise LimitExceededError(detail=f"more than {max_parts} MIME parts")
    if isinstance(node[0], list | tuple):
        return _parse_multipart(node, number, depth, counter, max_depth, max_parts)
    # A message that is a single part still has part number 1 in IMAP.
    number = number or "1"
    mime_type, subtype = to_text(node[0]).lower(), to_text(node[1]).lower()
    params = decode_params(node[2])
    extension_at = 7
    children = ()
    subject = None
    if mime_type == "text":
        extension_at = 8  # after the line count
    elif mime_type == "message" and subtype in ("rfc822", "global") and len(node) > 8:
        # envelope, body, line count; the enclosed message's parts number below this one
        inner = node[8]
        inner_number = number if isinstance(inner[0], list | tuple) else f"{number}.1"
        children = (_parse(inner, inner_number, depth + 1, counter, max_depth, max_parts),)
        subject = _envelope_subject(node[7])
        extension_at = 10
    disposition, disposition_params = _disposition(node, extension_at + 1)
    return MessagePart(
        part_number=number,
        type=mime_type,
        subtype=subtype,
        params=params,
        size=node[6] if isinstance(node[6], int) else None,
        content_id=_optional_text(node[3]),
        encoding=to_text(node[5]).lower() if node[5] else None,
        disposition=disposition,
        filename=disposition_params.get("filename") or params.get("name") or None,
        children=children,
        subject=subject,
    )


def _parse_multipart(node, number, depth, counter, max_depth, max_parts) -> MessagePart:
    if isinstance(node[0], list):  # imapclient's BodyData gathers the parts in a list
        parts, rest = node[0], tuple(node[1:])
    else:  # raw tuples, as inside message/rfc822: the parts, then the subtype
        parts = list(takewhile(lambda item: isinstance(item, tuple), node))
        rest = tuple(node[len(parts) :])
    prefix = f"{number}." if number else ""
    children = tuple(
        _parse(child, f"{prefix}{index}", depth + 1, counter, max_depth, max_parts)
        for index, child in enumerate(parts, start=1)
    )
    disposition, _params = _disposition(rest, 2)
    return MessagePart(
        part_number=number,
        type="multipart",
        subtype=to_text(rest[0]).lower(),
        params=decode_params(rest[1]) if len(rest) > 1 else {},
        disposition=disposition,
        children=children,
    )


def _envelope_subject(envelope) -> str | None:
    """The subject of an ENVELOPE (imapclient's Envelope or the raw tuple), or None."""
    subject = getattr(envelope, "subject", None)
    if subject is None and isinstance(envelope, tuple | list) and len(envelope) > 1:
        subject = envelope[1]
    return _optional_text(subject) if isinstance(subject, bytes | str) else None


def _optional_text(value) -> str | None:
    return to_text(value).strip() or None if value else None


def _disposition(node, index: int) -> tuple[str | None, dict[str, str]]:
    if len(node) <= index or not isinstance(node[index], tuple) or not node[index]:
        return None, {}
    value = node[index]
    params = decode_params(value[1]) if len(value) > 1 and value[1] else {}
    return to_text(value[0]).lower(), params


def has_attachment(root: MessagePart) -> bool:
    """What a mail client shows a paper clip for: parts meant to be saved, not read inline.

    Images inside multipart/related belong to the HTML body (cid: links) and do not count.
    """
    if root.is_multipart:
        return any(_has_attachment(child, root.subtype == "related") for child in root.children)
    # A message that is nothing but a file (a scanner's PDF) still counts.
    return root.disposition == "attachment" or bool(root.filename)


def _has_attachment(part: MessagePart, inside_related: bool) -> bool:
    if part.is_multipart:
        related = inside_related or part.subtype == "related"
        return any(_has_attachment(child, related) for child in part.children)
    if part.disposition == "attachment" or part.type == "message":
        return True
    return bool(part.filename) and not inside_related
