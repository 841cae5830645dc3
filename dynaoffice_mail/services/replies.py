"""Replies and forwards: the draft a user starts from, with the original quoted, the
recipients chosen, the subject prefixed and the thread's references kept."""

import datetime
import email.utils
import html
import re
from collections.abc import Iterable, Sequence

from . import limits
from .addresses import LINE_BREAKS, MESSAGE_ID, Address, format_address, wire_address
from .exceptions import InvalidInputError
from .headers import decode_header_text
from .html import html_to_text
from .mime import Draft, OutgoingAttachment, strip_bcc
from .names import eml_filename
from .reading import MessageView
from .subjects import strip_forward_prefixes, strip_reply_prefixes, subject_text

# A picture in a signature: one without any text is a signature all the same.
_PICTURE = re.compile(r"<img\b", re.IGNORECASE)


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
    own = {_key(address) for address in own_addresses} | {_key(from_address)}
    senders = list(view.reply_to or view.from_)
    own_mail = _written_by(view, own)
    if own_mail:
        senders = list(view.to)  # a reply to something we sent continues to its recipients
    to, cc = _unique(senders, own, set()), []
    if reply_all:
        taken = {_key(address.address) for address in to}
        to += _unique(view.to, own, taken)
        cc = _unique(view.cc, own, taken)
    references = list(view.references)
    if not references and view.in_reply_to and MESSAGE_ID.fullmatch(view.in_reply_to):
        references = [view.in_reply_to]
    message_id = (
        view.message_id if view.message_id and MESSAGE_ID.fullmatch(view.message_id) else None
    )
    if message_id and message_id not in references:
        references.append(message_id)
    return Draft(
        from_name=from_name,
        from_address=from_address,
        to=[format_address(address) for address in to],
        cc=[format_address(address) for address in cc],
        subject=reply_subject(view.subject, prefix),
        html_body=_reply_body(view, message_id, signature_html, quoted_html, intro, own_mail),
        in_reply_to=message_id,
        references=[value for value in references if MESSAGE_ID.fullmatch(value)],
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
    own_mail = _written_by(view, {_key(from_address)})
    body = ["<p><br></p>", _signature_block(signature_html, original if own_mail else "")]
    if as_attachment:
        if raw_message is None:
            raise InvalidInputError("forwarding as attachment needs the original message")
        carried = [
            OutgoingAttachment(
                filename=eml_filename(decode_header_text(view.subject or "")),
                mime_type="message/rfc822",
                # The copy in Sent keeps its Bcc header for the sender; those it was hidden
                # from stay hidden from whoever the copy is forwarded to.
                data=strip_bcc(raw_message),
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
    return f"{prefix} " + strip_reply_prefixes(subject_text(subject))


def forward_subject(subject: str, prefix: str = "Fwd:") -> str:
    """`prefix` ("Fwd:", "WG:") once, in place of forward prefixes (Fwd:, FW:, WG:) the
    subject starts with; reply prefixes after it stay, they tell what was forwarded."""
    return f"{prefix} " + strip_forward_prefixes(subject_text(subject))


def _unique(addresses: Iterable[Address], own: set[str], taken: set[str]) -> list[Address]:
    found = []
    for address in addresses:
        key = _key(address.address)
        if not key or key in own or key in taken:
            continue
        taken.add(key)
        if len(address.name) > limits.MAX_NAME_LENGTH or any(
            char in LINE_BREAKS for char in address.name
        ):
            # A name no sender writes (a hostile original): the address alone is replied to.
            address = Address(name="", address=address.address)
        found.append(address)
    return found


def _key(address: str) -> str:
    """An address as it compares: in any case, an IDN domain in Unicode or as punycode
    (bücher.example is xn--bcher-kva.example)."""
    key = address.strip().lower()
    try:
        return wire_address(key)
    except InvalidInputError:
        return key  # no domain mail could go to: compared as written


def _written_by(view: MessageView, own: set[str]) -> bool:
    """Whether `view` was sent from one of the `own` addresses (compared as _key does)."""
    return bool(view.from_) and all(_key(address.address) in own for address in view.from_)


def _reply_body(
    view,
    message_id: str | None,
    signature_html: str,
    quoted_html: str | None,
    intro: str | None,
    own_mail: bool,
) -> str:
    original = _original_html(view, quoted_html)
    cite = f' cite="mid:{html.escape(message_id[1:-1])}"' if message_id else ""
    pieces = [
        "<p><br></p>",
        # Only one's own mail carries one's signature as its own: another's quotes it from
        # earlier in the thread, and the answer to it is signed all the same.
        _signature_block(signature_html, original if own_mail else ""),
        f'<div class="quote-intro">{html.escape(intro or quote_intro(view))}</div>',
        f'<blockquote type="cite"{cite}>{original}</blockquote>',
    ]
    return "\n".join(piece for piece in pieces if piece)


def _signature_block(signature_html: str, quoted: str) -> str:
    """The signature, unless there is none or `quoted` (the quoted text of one's own mail,
    else nothing) already carries it."""
    signature_text = _plain(signature_html)
    if signature_text:
        if signature_text in _plain(quoted):
            return ""
    elif not _PICTURE.search(signature_html or ""):
        return ""  # an empty editor's leftovers ("<p><br></p>")
    # A signature of pictures alone (a scanned signature, a logo) has no text to find in
    # the quote: it is added all the same.
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
