"""The message list's rows: what the list shows of a message (MessageSummary), made of the
answer to the list's FETCH (UID, FLAGS, RFC822.SIZE, INTERNALDATE, ENVELOPE, BODYSTRUCTURE and
the server's preview)."""

import dataclasses
import datetime
import functools
import operator
import re
from dataclasses import dataclass

from . import fetch_parser, limits, previews
from .addresses import Address
from .exceptions import LimitExceededError, ProtocolError
from .fetch_parser import ListedEnvelope, ListedStructure
from .headers import (
    FIRST_MAIL_YEAR,
    clean_text,
    decode_header_text,
    placeable_moment,
    sent_moment,
    to_text,
)
from .structure import has_attachment, parse_bodystructure

# A Date header in the one form that Dovecot's parser and _sort_date read alike (RFC 5322
# section 3.3 without its obsolete forms): day, month name, four-digit year, time, numeric
# zone, and at most a comment naming the zone.
_PLAIN_DATE = re.compile(
    rb"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) "
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) "
    rb"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))? ([+-])([0-9]{2})([0-9]{2})(?: \([A-Za-z0-9 +:-]*\))?"
)
_EPOCH = datetime.datetime(1970, 1, 1)
_UTC_EPOCH = _EPOCH.replace(tzinfo=datetime.UTC)
_SECOND = datetime.timedelta(seconds=1)
_MONTHS = {
    name: number
    for number, name in enumerate(
        (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun")
        + (b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"),
        start=1,
    )
}

# The time zones of the rows' dates by their fields (sign, hours, minutes; the world uses
# about 40 offsets), and the flag fields by the FLAGS list's text (see _flag_fields): kept
# up to a bound.
_ZONES: dict[tuple, datetime.timezone] = {}
_MAX_ZONES = 64
_FLAG_FIELDS: dict[bytes, tuple] = {}
_MAX_FLAG_FIELDS = 256


@dataclass(frozen=True)
class MessageSummary:
    uid: int
    seen: bool
    flagged: bool
    answered: bool
    deleted: bool
    draft: bool
    has_attachment: bool
    size: int
    internal_date: datetime.datetime | None  # when the server received it
    date: datetime.datetime | None  # the Date header, None if missing or unreadable
    subject: str
    from_: tuple[Address, ...]
    to: tuple[Address, ...]
    message_id: str | None
    preview: str = ""  # the first words of the text, one line (see services.previews)
    # Seconds since 1970 that the server's SORT DATE orders it by, where the Date header
    # leaves no doubt about that (see _sort_date); None otherwise. Not for the browser.
    sort_date: int | None = dataclasses.field(default=None, metadata={"json": False})


_ROW_FIELDS = tuple(field.name for field in dataclasses.fields(MessageSummary))
_NEW = object.__new__


def forget() -> None:
    """Empty the caches of the rows' addresses (see messages.forget_summaries)."""
    _address.cache_clear()


def summaries(client, answers, previews_of) -> tuple[MessageSummary, ...]:
    """The rows of `answers` ([(UID, the FETCH answer's items)]), in that order; with their
    previews where `previews_of` names the selected folder: the server's, else read here
    (previews.read_previews)."""
    if previews_of is None:
        return tuple(_summary(uid, item) for uid, item in answers)
    # Each row's fields first (an answer that cannot be read fails before a preview is
    # fetched), then the previews; each row is made once, with its preview.
    rows = [_summary_fields(uid, item) for uid, item in answers]
    texts = {uid: previews.from_server(item) for uid, item in answers}
    unmade = {uid: _structure(item) for uid, item in answers if texts[uid] is None}
    if unmade:
        texts.update(
            previews.read_previews(client, previews_of.name, previews_of.uidvalidity, unmade)
        )
    return tuple(
        MessageSummary(*fields, preview=texts.get(fields[0]) or "", sort_date=sort_date)
        for *fields, sort_date in rows
    )


def listed_rows(data: list, with_previews: bool) -> dict[int, MessageSummary] | None:
    """The rows of the list's FETCH answers `data` (imaplib's untagged FETCH answers) by
    message number, each as summaries() makes it of parse_fetch(data, listed=True), with
    its preview where `with_previews`; None where that would read a preview here (one the
    server did not make), where an answer is not a row or cannot be read, and where two
    answers name one message or one UID (parse_fetch() merges them): summaries() decides
    then, and says what is wrong.

    An answer as Dovecot sends it (see fetch_parser.LISTED_HEAD) is made into its row
    straight from the server's text, with two matches, in about three quarters of the time
    of those two steps; others are read those two ways, each alone."""
    made = RowsAsRead(with_previews)
    for chunk in data:
        made(chunk)
        if made.failed:
            return None
    return made.rows_of(data)


class RowsAsRead:
    """listed_rows() made answer by answer while the connection reads a FETCH's answers
    (imap.watch_answers): where the server sends them slower than their rows are made
    (Dovecot sends a page of the list in about 1 ms, its rows take about as long), the rows
    cost little time beyond the answer's. Not where a command waits to be sent until an
    answer that comes after them: that would wait for the rows too."""

    def __init__(self, with_previews: bool):
        self.with_previews = with_previews
        self.rows: dict[int, MessageSummary] = {}
        self.failed = False  # an answer that is not a row, or names a message twice
        self._uids: set[int] = set()
        self._lines: list = []  # of the answer read so far
        self._taken: list = []  # every answer's lines taken

    def __call__(self, chunk) -> None:
        """Take the next of the FETCH's untagged answers, as imaplib keeps it."""
        self._taken.append(chunk)
        if self.failed:
            return
        lines = self._lines
        lines.append(chunk)
        if type(chunk) is tuple:
            return  # a line that ends in a literal: the answer goes on
        self._lines = []
        try:
            answer = listed_row(lines, self.with_previews)
        except Exception:  # noqa: BLE001 - summaries() reads it again, and says what is wrong
            answer = None
        if answer is None:
            self.failed = True
            return
        number, row = answer
        if number in self.rows or row.uid in self._uids:
            self.failed = True  # parse_fetch() would merge the answers: summaries() decides
            return
        self.rows[number] = row
        self._uids.add(row.uid)

    def rows_of(self, data: list) -> dict[int, MessageSummary] | None:
        """listed_rows(data, with_previews): the rows made where `data` is what this took
        (the FETCH's answers since it began to watch them), else made now."""
        taken = self._taken
        if len(taken) != len(data) or not all(map(operator.is_, taken, data)):
            return listed_rows(data, self.with_previews)
        return None if self.failed or self._lines else self.rows


def listed_row(lines: list, with_previews: bool) -> tuple[int, MessageSummary] | None:
    """(message number, row) of one answer of the list's FETCH (its lines as imaplib gives
    them: those that end in a literal, with it, and the last), as listed_rows() makes it;
    None where listed_rows() says so, an error where the answer cannot be read."""
    if len(lines) == 1 and type(lines[0]) is bytes:
        line, literal, rest = lines[0], None, None
    elif len(lines) == 2 and type(lines[0]) is tuple and len(lines[0]) == 2:
        (line, literal), rest = lines
        if type(line) is not bytes or type(literal) is not bytes or type(rest) is not bytes:
            return None
    else:
        return _parsed_row(lines, with_previews)
    head = fetch_parser.LISTED_HEAD.match(line)
    if head is None:
        return _parsed_row(lines, with_previews)
    number, uid, flags, size, *internal, preview_size, quoted = head.groups()
    if preview_size is not None:
        if literal is None or len(literal) != int(preview_size) or rest[:1] != b" ":
            return _parsed_row(lines, with_previews)
        preview, text, position = literal, rest, 1
    elif literal is not None:
        return _parsed_row(lines, with_previews)
    else:
        preview, text, position = fetch_parser.unescaped(quoted), line, head.end()
    tail = fetch_parser.LISTED_TAIL.match(text, position)
    if tail is None or (with_previews and preview is None):
        return _parsed_row(lines, with_previews)
    internal_date = _plain_moment(*internal)
    if internal_date is None:
        return _parsed_row(lines, with_previews)
    date_text, subject, from_, _sender, _reply_to, to, *_others, message_id, body = tail.groups()
    if text.find(b"\\", position) >= 0:  # a quoted string with an escape, maybe
        date_text, subject, message_id = map(
            fetch_parser.unescaped, (date_text, subject, message_id)
        )
    plain = fetch_parser.HEADER_DATE.fullmatch(date_text) if date_text else None
    # A plain date's year is written with four digits: only one before 1900 is none.
    date = _plain_moment(*plain.groups()) if plain else None
    if date is None or date.year < FIRST_MAIL_YEAR:  # none, another form, or no mail's year
        moment = fetch_parser.header_date(date_text, False) if date_text else None
        date = _plain_timezone(sent_moment(date_text, moment))
        sort_date = _sort_date(date_text)
    else:
        sort_date = (date - _UTC_EPOCH) // _SECOND
        sort_date = sort_date if sort_date > 0 else None  # as _sort_date() counts
    message_id = clean_text(to_text(message_id)).strip() if message_id else ""
    # Most structures are plain text: told without making a ListedStructure.
    attached = not _surely_unattached(body) and _has_attachment(ListedStructure(body))
    row = _new_row(
        (
            int(uid),
            *_flag_fields(flags),
            attached,
            int(size),
            internal_date,
            date,
            decode_header_text(subject),
            _listed_addresses(from_),
            _listed_addresses(to),
            message_id or None,
            previews.one_line(to_text(preview)) if with_previews else "",
            sort_date,
        )
    )
    return int(number), row


def _new_row(values: tuple) -> MessageSummary:
    """MessageSummary(*values), in half the time: a frozen dataclass's __init__ sets each
    field through object.__setattr__(), and the list makes its rows by the thousand."""
    row = _NEW(MessageSummary)
    row.__dict__.update(zip(_ROW_FIELDS, values, strict=True))
    return row


def _plain_moment(day, month, year, hour, minute, second, sign, zone_hours, zone_minutes):
    """The moment of a date's fields (fetch_parser.HEADER_DATE's, or INTERNALDATE's) as
    _plain_timezone(fetch_parser.header_date()) makes it; None where it could differ or fail
    there (a zone of 24 hours or more, a year where the zone's conversion overflows, a day
    that does not exist)."""
    zone = _ZONES.get((sign, zone_hours, zone_minutes))
    if zone is None:
        zone = _zone(sign, zone_hours, zone_minutes)
        if zone is None:
            return None
    if year > b"9998":  # four digits
        return None
    try:
        return datetime.datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=zone
        )
    except ValueError:
        return None


def _zone(sign: bytes, hours: bytes, minutes: bytes) -> datetime.timezone | None:
    """The time zone of a numeric zone's fields, kept in _ZONES; None for one of 24 hours
    or more, or of 60 minutes or more (_sort_date() leaves those to the server)."""
    if int(hours) > 23 or int(minutes) > 59:
        return None
    offset = datetime.timedelta(hours=int(hours), minutes=int(minutes))
    zone = datetime.timezone(-offset if sign == b"-" else offset)
    if len(_ZONES) < _MAX_ZONES:
        _ZONES[sign, hours, minutes] = zone
    return zone


def _flag_fields(text: bytes) -> tuple:
    """flag_values() of a FLAGS list's text (`\\Seen \\Flagged`), kept by the text: a folder's
    messages have few combinations of flags. (A NIL among them is no flag, as where
    parse_fetch() reads it as None.)"""
    fields = _FLAG_FIELDS.get(text)
    if fields is None:
        flags = tuple(text.split(b" ")) if text else ()
        fields = tuple(flag_values({b"FLAGS": flags}).values())
        if len(_FLAG_FIELDS) < _MAX_FLAG_FIELDS:
            _FLAG_FIELDS[text] = fields
    return fields


def _parsed_row(lines: list, with_previews: bool) -> tuple[int, MessageSummary] | None:
    """listed_row() of an answer of another shape: read by parse_fetch() and made into a
    row by summaries()'s steps; None where listed_row() says so (an answer that cannot be
    read raises, as there)."""
    parsed = fetch_parser.parse_fetch(
        lines, normalise_times=False, uid_is_key=False, raw_dates=True, listed=True
    )
    if len(parsed) != 1:
        return None
    ((number, item),) = parsed.items()
    uid = item.get(b"UID")
    if type(uid) is not int or b"ENVELOPE" not in item:
        return None
    *fields, sort_date = _summary_fields(uid, item)
    preview = previews.from_server(item) if with_previews else ""
    if preview is None:
        return None
    return number, MessageSummary(*fields, preview=preview, sort_date=sort_date)


def _structure(item: dict):
    """An answer's BODYSTRUCTURE as imapclient's BodyData (or None)."""
    body = item.get(b"BODYSTRUCTURE")
    return body.parsed() if type(body) is ListedStructure else body


def flag_values(item: dict) -> dict:
    """MessageSummary's flag fields (seen, flagged, answered, deleted, draft) of an answer's
    FLAGS."""
    flags = {to_text(flag).lower() for flag in item.get(b"FLAGS", ())}
    return {
        "seen": "\\seen" in flags,
        "flagged": "\\flagged" in flags,
        "answered": "\\answered" in flags,
        "deleted": "\\deleted" in flags,
        "draft": "\\draft" in flags,
    }


def _summary(uid: int, item: dict) -> MessageSummary:
    *fields, sort_date = _summary_fields(uid, item)
    return MessageSummary(*fields, sort_date=sort_date)


def _summary_fields(uid: int, item: dict) -> tuple:
    """A row's fields but its preview, in MessageSummary's order: uid to message_id, then
    sort_date."""
    envelope = item.get(b"ENVELOPE")
    message_id = clean_text(to_text(envelope.message_id)).strip() if envelope else ""
    if type(envelope) is ListedEnvelope:
        from_ = _listed_addresses(envelope.fields[2])
        to = _listed_addresses(envelope.fields[5])
    else:
        from_ = _addresses(envelope.from_) if envelope else ()
        to = _addresses(envelope.to) if envelope else ()
    return (
        uid,
        *flag_values(item).values(),  # seen, flagged, answered, deleted, draft
        _has_attachment(item.get(b"BODYSTRUCTURE")),
        item.get(b"RFC822.SIZE", 0),
        _plain_timezone(item.get(b"INTERNALDATE")),
        _plain_timezone(sent_moment(item.get(b"ENVELOPE.DATE"), envelope.date))
        if envelope
        else None,
        decode_header_text(envelope.subject) if envelope else "",
        from_,
        to,
        message_id or None,
        _sort_date(item.get(b"ENVELOPE.DATE")),
    )


def _sort_date(raw) -> int | None:
    """The second (since 1970, UTC) by which SORT DATE orders a message whose Date header
    is `raw`, as the server sent it in the ENVELOPE; None unless `raw` has the plain form
    (_PLAIN_DATE) and names a real moment after 1970. SORT DATE orders messages without a
    readable date by their arrival instead (RFC 5256), and where a date could be read two
    ways (a two-digit year, a zone name, a 60th second) the server's reading decides:
    such a row never orders a page here."""
    if not isinstance(raw, bytes):
        return None
    found = _PLAIN_DATE.fullmatch(raw.strip())
    if found is None:
        return None
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = found.groups()
    if int(zone_hours) > 23 or int(zone_minutes) > 59:
        return None
    offset = int(zone_hours) * 3600 + int(zone_minutes) * 60
    try:
        moment = datetime.datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second or 0)
        )
    except ValueError:
        return None
    # The moment's timestamp() in its zone, counted without making the zone.
    seconds = (moment - _EPOCH) // _SECOND - (-offset if sign == b"-" else offset)
    return seconds if seconds > 0 else None


def _plain_timezone(moment: datetime.datetime | None) -> datetime.datetime | None:
    """imapclient's own tzinfo class as a standard `datetime.timezone`; None where no zone
    could show the moment (headers.placeable_moment)."""
    moment = placeable_moment(moment)
    if moment is None or moment.utcoffset() is None:
        return moment
    return moment.astimezone(datetime.timezone(moment.utcoffset()))


def _has_attachment(body) -> bool:
    if not body:
        return False
    if type(body) is ListedStructure:
        text = body.text
        if _surely_unattached(text):
            return False
        small = text.count(b"(") <= limits.MAX_PARTS
        if small and not _ENCLOSED.search(text) and body.has_attached_part():
            return True
        body = body.parsed()
    parts = _plain_parts(body)
    if parts is not None and _none_attached(parts):
        return False
    if parts is not None and _surely_attached(parts):
        return True
    try:
        return has_attachment(parse_bodystructure(body))
    except LimitExceededError:
        # Hundreds of parts or deep nesting: certainly not a plain text mail.
        return True
    except ProtocolError:
        return False


def _surely_unattached(text: bytes) -> bool:
    """Whether _has_attachment() of a ListedStructure of `text` is surely false: small
    enough for limits.MAX_PARTS, and no hint of an attachment (_ATTACHMENT_HINT)."""
    return text.count(b"(") <= limits.MAX_PARTS and not _ATTACHMENT_HINT.search(text)


# What a structure.has_attachment() that finds an attachment reads from a ListedStructure (a
# file's name, a disposition, an enclosed message) begins a quoted string that begins so:
# where none does (and it is too small to exceed limits.MAX_PARTS) it finds none.
_ATTACHMENT_HINT = re.compile(rb'"(?:(?:file)?name|attachment"|message")', re.IGNORECASE)
# structure.parse_bodystructure() reads an enclosed message's fields in their own places, and
# fails on one that has not got them: any part may be one where this is found.
_ENCLOSED = re.compile(rb'"message"', re.IGNORECASE)
# A part named so may be a file (see structure.has_attachment): its name is decoded then.
_NAME_PARAMS = (b"name", b"filename")
# How far the shortcut below looks before it leaves a structure to the full parse (far
# below limits.MAX_DEPTH and MAX_PARTS, so it never hides their error).
_PLAIN_MAX_DEPTH = 3
_PLAIN_MAX_PARTS = 12
_UNPLAIN = object()


def _none_attached(parts: list) -> bool:
    """Whether structure.has_attachment() surely finds no attachment among `parts` (see
    _plain_parts): none has a Content-Disposition or a parameter that could name a file.
    Most of the list's mail is such text (a plain or an HTML part, or both), and this
    spares it decoding every parameter."""
    return all(
        disposition is None and not any(name.lower().startswith(_NAME_PARAMS) for name in names)
        for _leaf, disposition, names in parts
    )


def _surely_attached(parts: list) -> bool:
    """Whether structure.has_attachment() surely finds an attachment among `parts` (see
    _plain_parts): a part (not a multipart) says it is one in its Content-Disposition."""
    return any(leaf and disposition == b"attachment" for leaf, disposition, _names in parts)


def _plain_parts(node, depth: int = 0, parts: list | None = None) -> list | None:
    """The parts of a BODYSTRUCTURE (imapclient's BodyData) as [(whether not a multipart,
    its disposition's type in lower case or None, its parameters' names)], where
    structure.parse_bodystructure() surely reads it without error: parts of a plain shape,
    none a message, at most _PLAIN_MAX_PARTS of them, _PLAIN_MAX_DEPTH deep, no parameter
    in RFC 2231's form (continuations and charsets are the full parse's to decode). None
    means "not sure": the full parse decides then."""
    parts = [] if parts is None else parts
    if len(parts) >= _PLAIN_MAX_PARTS or depth > _PLAIN_MAX_DEPTH or len(node) < 2:
        return None
    if isinstance(node[0], list):  # a multipart: its parts, subtype, parameters, disposition
        names = _param_names(node[2] if len(node) > 2 else None)
        disposition = _plain_disposition(node, 3)
        if not node[0] or not isinstance(node[1], bytes) or names is None:
            return None
        if disposition is _UNPLAIN:
            return None
        parts.append((False, disposition, names))
        for part in node[0]:
            if not isinstance(part, tuple) or _plain_parts(part, depth + 1, parts) is None:
                return None
        return parts
    kind = node[0]
    if not isinstance(kind, bytes) or not isinstance(node[1], bytes) or len(node) < 7:
        return None
    if kind.lower() == b"message" or not all(
        value is None or isinstance(value, bytes) for value in (node[3], node[5])
    ):
        return None
    names = _param_names(node[2])
    disposition = _plain_disposition(node, 9 if kind.lower() == b"text" else 8)
    if names is None or disposition is _UNPLAIN:
        return None
    parts.append((True, disposition, names))
    return parts


def _plain_disposition(node, index: int):
    """The type of the disposition at `index` as structure._disposition() reads it, in
    lower case; None where there is none, _UNPLAIN where it is not plain."""
    if len(node) <= index or not isinstance(node[index], tuple) or not node[index]:
        return None
    value = node[index]
    params = _param_names(value[1]) if len(value) > 1 and value[1] else ()
    if not isinstance(value[0], bytes) or params is None:
        return _UNPLAIN
    return value[0].lower()


def _param_names(params) -> tuple | None:
    """The names of parameters that decode without error; None for others."""
    if params is None:
        return ()
    if not isinstance(params, tuple) or len(params) % 2:
        return None
    if not all(isinstance(value, bytes) for value in params):
        return None
    names = params[::2]
    return None if any(b"*" in name for name in names) else names


def _listed_addresses(text: bytes) -> tuple[Address, ...]:
    """_addresses() of an address list of a ListedEnvelope by its text (b"NIL" for none),
    kept for the next rows where it is short (a page has few senders)."""
    if len(text) > _LISTED_ADDRESSES_MAX_TEXT:
        return _addresses_of_fields(text)
    return _short_addresses(text)


def _addresses_of_fields(text: bytes) -> tuple[Address, ...]:
    if text == b"NIL":
        return ()
    return tuple(
        _address(name, mailbox, host)
        for name, _route, mailbox, host in fetch_parser.address_fields(text, {})
        if host is not None  # as in _addresses()
    )


# 1,024 address lists of up to 512 bytes each take under 1 MB with their addresses.
_LISTED_ADDRESSES_MAX_TEXT = 512
_short_addresses = functools.lru_cache(maxsize=1024)(_addresses_of_fields)


def _addresses(addresses) -> tuple[Address, ...]:
    return tuple(
        _address(address.name, address.mailbox, address.host)
        for address in addresses or ()
        # A host of None: the start or end marker of an RFC 5322 group.
        if address.host is not None
    )


@functools.lru_cache(maxsize=1024)
def _address(name, mailbox, host) -> Address:
    """An address of an ENVELOPE as the list shows it, kept for the next rows (a page has
    few senders, and they come again on the next pages): 1024 of them take under 1 MB."""
    mailbox = clean_text(to_text(mailbox))
    host = clean_text(to_text(host))
    return Address(name=decode_header_text(name), address=f"{mailbox}@{host}" if host else mailbox)
