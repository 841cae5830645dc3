"""FETCH answers read with regular expressions: what imapclient's parser makes of them, faster.

imapclient reads an answer one byte at a time through a chain of Python iterators: for the
50 ENVELOPEs and BODYSTRUCTUREs of a page of the list that takes longer than the server
needs to find and send them. Here the same grammar is read two ways, and both give what
imapclient's parse_fetch_response() gives: the same objects, or the same refusal.

Each answer of the shape servers send for the list is read item by item, with a regular
expression per item and one for all the fields of an ENVELOPE: `seq (item value ...)`, the
items UID, FLAGS, RFC822.SIZE, INTERNALDATE, MODSEQ, PREVIEW, ENVELOPE and BODYSTRUCTURE in
any order, one blank between tokens, strings quoted or NIL (PREVIEW and INTERNALDATE also a
literal), plain keywords. An answer that differs from that shape in any way is read the
generic way below, alone; where it is no complete answer of its own either, or anything goes
wrong, the whole FETCH is read the generic way, which refuses what imapclient refuses.

With `listed`, an answer of that shape keeps its ENVELOPE and a BODYSTRUCTURE of the shapes
mail mostly has (a part, or a multipart of parts and multiparts of parts, each field where
RFC 3501 puts it) as the server sent them, read when asked: a ListedEnvelope reads its date
at once and the rest of its fields when they are asked for; a ListedStructure is its text,
made into imapclient's BodyData by parsed(). The list reads from most rows only the subject,
the date and two address lists, and from the structure of most mail that it has no file
name, without making objects of either.

The generic way cuts the answers into tokens with one regular expression and assembles them
with a stack; the FETCH items are converted by imapclient's own functions (ENVELOPE,
BODYSTRUCTURE, INTERNALDATE), so the result is the same objects.

The lexer follows imapclient's (response_lexer.Lexer) rule for rule, quirks included, and a
test holds the two to the same result, or the same refusal, for generated answers
(tests/test_services_fetch_parser.py): whitespace is space, tab, CR and LF; a word runs until
whitespace or one of `( ) % "` or a control character, and takes a `[...]` section whole
(brackets are not escaped); a quoted string undoes `\\\\` and `\\"` only; `NIL` is None, digits
without a leading zero an int; `{n}` stands for the literal of the answer line it ends.
"""

import datetime
import re
from collections import defaultdict

from imapclient.datetime_util import parse_to_datetime
from imapclient.exceptions import ProtocolError
from imapclient.fixed_offset import FixedOffset
from imapclient.response_parser import _convert_ENVELOPE, _convert_INTERNALDATE
from imapclient.response_types import Address, BodyData, Envelope

# One token each: a quoted string; a word right before a quote (an error, as in imapclient);
# a word; any other character but whitespace ("(", ")", "%", a control character, and an
# opening quote or bracket that is never closed). Possessive: no backtracking.
_WORD = rb'(?:[^\x00-\x20()%"\[]|\[[^\]]*\])++'
_QUOTED = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_TOKEN = re.compile(
    rb"[ \t\r\n]*+(?:(" + _QUOTED + rb")|(" + _WORD + rb'(?="))|(' + _WORD + rb")|([^ \t\r\n]))?",
    re.DOTALL,
)
_ESCAPED = re.compile(rb'\\([\\"])')

# The answers of the list's shape (see above). A keyword is one as mail programs name them
# (`\Seen`, `$Forwarded`, `NonJunk`): never a number or a literal; NIL is looked for apart.
_INNER = rb'(?:NIL|"([^"\\]*+(?:\\.[^"\\]*+)*+)")'  # its group is None for NIL
_NUMBER = rb"(0|[1-9][0-9]*+)"  # what imapclient makes an int of: no leading zero
_FLAG = rb"[\\$]?[A-Za-z][A-Za-z0-9_.$-]*+"
_ANSWER = re.compile(rb"([0-9]+) \(")
_ITEM = re.compile(
    rb"UID ([0-9]+)"
    + rb"|FLAGS \(((?:"
    + _FLAG
    + rb"(?: "
    + _FLAG
    + rb")*+)?)\)"
    + rb"|RFC822\.SIZE "
    + _NUMBER
    + rb'|INTERNALDATE "([^"\\]*+)"'
    + rb"|MODSEQ \("
    + _NUMBER
    + rb"\)"
    + rb'|PREVIEW "([^"\\]*+(?:\\.[^"\\]*+)*+)"'
    + rb"|(ENVELOPE|BODYSTRUCTURE|PREVIEW|INTERNALDATE) ",
    re.DOTALL,
)
# How Dovecot begins each answer of the list: its first four items read with one match.
_HEAD_START = (
    rb"([0-9]+) \(UID ([0-9]+) FLAGS \(((?:"
    + _FLAG
    + rb"(?: "
    + _FLAG
    + rb")*+)?)\) RFC822\.SIZE "
    + _NUMBER
    + rb" INTERNALDATE "
)
_HEAD = re.compile(_HEAD_START + rb'"([^"\\]*+)" ')
_ADDRESS = rb"\(" + b" ".join([rb"(?:NIL|" + _QUOTED + rb")"] * 4) + rb"\)"
_ENVELOPE = re.compile(
    rb"\("
    + _INNER
    + b" "
    + _INNER
    + (rb" (NIL|\((?:" + _ADDRESS + rb")++\))") * 6
    + (b" " + _INNER) * 2
    + rb"\)",
    re.DOTALL,
)
_ADDRESS_FIELDS = re.compile(rb"\(" + b" ".join([_INNER] * 4) + rb"\)", re.DOTALL)
_LITERAL = re.compile(rb"\{([0-9]+)\}")
# A BODYSTRUCTURE that a ListedStructure keeps as text (see above): a part with its fields
# where RFC 3501 puts them and nothing after its location; a multipart of such parts, or of
# such parts and multiparts of them, with its subtype and perhaps its parameters,
# disposition, language and location. Its tokens parse alike the generic way and as
# _structure(); BodyData.create() reads it without error.
# (Not formatted by ruff: the patterns read as the grammar they follow, a part a line.)
# fmt: off
_NSTRING = rb"(?:NIL|" + _QUOTED + rb")"
_PARAMS = rb"(?:NIL|\(" + _QUOTED + rb"(?: " + _QUOTED + rb")*+\))"
_EXTENSIONS = (
    rb"(?: (?:NIL|\(" + _QUOTED + b" " + _PARAMS + rb"\))"  # disposition
    + rb"(?: (?:" + _NSTRING + rb"|\(" + _QUOTED + rb"(?: " + _QUOTED + rb")*+\))"  # language
    + rb"(?: " + _NSTRING + rb")?)?)?"  # location
)
_PART = (
    rb"\(" + _QUOTED + b" " + _QUOTED + b" " + _PARAMS + (b" " + _NSTRING) * 3
    + rb" (?:0|[1-9][0-9]*+)(?: (?:0|[1-9][0-9]*+))?"  # size, lines
    + rb"(?: " + _NSTRING + _EXTENSIONS + rb")?\)"  # MD5 and the rest
)
# A part of a ListedStructure whose Content-Disposition says "attachment", its fields where
# RFC 3501 puts them: a text part with its line count, a part of another type (but a
# message) without. Only a part begins with two quoted strings, so a search finds parts.
_TEXT = rb'"[Tt][Ee][Xx][Tt]"'
_ATTACHED_PART = re.compile(
    rb"\((?:"
    + _TEXT
    + b" "
    + _QUOTED
    + b" "
    + _PARAMS
    + (b" " + _NSTRING) * 3
    + rb" [0-9]++ [0-9]++|(?!"
    + _TEXT
    + rb'|"[Mm][Ee][Ss][Ss][Aa][Gg][Ee]")'
    + _QUOTED
    + b" "
    + _QUOTED
    + b" "
    + _PARAMS
    + (b" " + _NSTRING) * 3
    + rb" [0-9]++) "
    + _NSTRING
    + rb' \("[Aa][Tt][Tt][Aa][Cc][Hh][Mm][Ee][Nn][Tt]" ',
    re.DOTALL,
)
_MULTIPART_TAIL = b" " + _QUOTED + rb"(?: " + _PARAMS + _EXTENSIONS + rb")?\)"
_LISTED_STRUCTURE = re.compile(
    rb"(?:\((?:" + _PART + rb"|\((?:" + _PART + rb")++" + _MULTIPART_TAIL + rb")++"
    + _MULTIPART_TAIL + b"|" + _PART + b")",
    re.DOTALL,
)
# fmt: on
# A BODYSTRUCTURE's tokens, and every other character of the line as a token of its own:
# blanks one by one, an unclosed quote; a word is anything else up to a blank or parenthesis.
_STRUCTURE_TOKEN = re.compile(rb"[() ]|" + _QUOTED + rb'|[^ ()"][^ ()]*+|"', re.DOTALL)
# Dates in the form imapclient's parser (email.utils.parsedate_tz) reads without a doubt: a
# day, a month's name, a four-digit year, hh:mm:ss and a numeric zone; INTERNALDATE with
# dashes, a Date header with or without the day's name.
_MONTH_NAMES = (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun")
_MONTH_NAMES += (b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTH = rb"(" + b"|".join(_MONTH_NAMES) + rb")"
_TIME = rb"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"
_INTERNALDATE = re.compile(rb" ?([0-9]{1,2})-" + _MONTH + rb"-([1-9][0-9]{3}) " + _TIME)
HEADER_DATE = re.compile(
    rb"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) " + _MONTH + rb" ([1-9][0-9]{3}) " + _TIME
)
# An answer of the list as Dovecot sends it, read with two matches (see list_rows.listed_row):
# its first line up to the PREVIEW's literal (or up to the ENVELOPE, where the preview is
# quoted, NIL or not asked for), then the ENVELOPE (the groups of _ENVELOPE) and a
# BODYSTRUCTURE that a ListedStructure keeps as text, the answer's last items. The
# INTERNALDATE's fields as _INTERNALDATE reads them.
LISTED_HEAD = re.compile(
    _HEAD_START
    + b'"'
    + _INTERNALDATE.pattern
    + b'" '
    + rb'(?:PREVIEW (?:\{([0-9]+)\}\Z|"([^"\\]*+(?:\\.[^"\\]*+)*+)" |NIL ))?'
)
LISTED_TAIL = re.compile(
    rb"ENVELOPE "
    + _ENVELOPE.pattern
    + rb" BODYSTRUCTURE ("
    + _LISTED_STRUCTURE.pattern
    + rb")\)\Z",
    re.DOTALL,
)
# imapclient's time zones by offset in seconds: they hold nothing but the offset, so one
# serves every time of that offset (the world uses about 40; a server cannot add more).
_ZONES: dict[int, FixedOffset] = {}
_MAX_ZONES = 64


def parse_fetch(
    data: list,
    *,
    normalise_times: bool = True,
    uid_is_key: bool = True,
    raw_dates: bool = False,
    listed: bool = False,
):
    """imapclient.response_parser.parse_fetch_response(data, normalise_times, uid_is_key);
    with `raw_dates`, each ENVELOPE's date also as the server sent it, under
    `b"ENVELOPE.DATE"` (imapclient keeps only what Python's date parser made of it); with
    `listed`, ENVELOPEs and BODYSTRUCTUREs of answers of the list's shape are read when
    asked (see above)."""
    if data == [None]:
        return defaultdict()
    try:
        parsed = _parse_by_answer(data, normalise_times, uid_is_key, raw_dates, listed)
    except Exception:  # noqa: BLE001 - the generic way below says what was wrong, as ever
        parsed = None
    if parsed is not None:
        return parsed
    return _parse_generic(data, normalise_times, uid_is_key, raw_dates)


def _parse_generic(data: list, normalise_times: bool, uid_is_key: bool, raw_dates: bool):
    """parse_fetch() the generic way (see above), for any answer."""
    values = iter(parse_values(data))
    parsed = defaultdict(dict)
    for seq in values:
        try:
            items = next(values)
        except StopIteration:
            _int_or_error(seq, "invalid message ID")
            raise ProtocolError("unexpected EOF") from None
        msg_id, message = _answer(seq, items, normalise_times, uid_is_key, raw_dates)
        parsed[msg_id].update(message)
    return parsed


def _answer(seq, items, normalise_times: bool, uid_is_key: bool, raw_dates: bool):
    """(key, items) of one answer as parse_fetch_response() files it."""
    msg_id = seq = _int_or_error(seq, "invalid message ID")
    if not isinstance(items, tuple):
        raise ProtocolError(f"bad response type: {items!r}")
    if len(items) % 2:
        raise ProtocolError(f"uneven number of response items: {items!r}")
    message = {b"SEQ": seq}
    try:
        for index in range(0, len(items), 2):
            word = items[index].upper()
            value = items[index + 1]
            if word == b"UID":
                uid = _int_or_error(value, "invalid UID")
                if uid_is_key:
                    msg_id = uid
                else:
                    message[word] = uid
            elif word == b"INTERNALDATE":
                message[word] = _convert_INTERNALDATE(value, normalise_times)
            elif word == b"ENVELOPE":
                message[word] = _convert_ENVELOPE(value, normalise_times)
                if raw_dates:
                    message[b"ENVELOPE.DATE"] = value[0]
            elif word in (b"BODY", b"BODYSTRUCTURE"):
                message[word] = BodyData.create(value)
            else:
                message[word] = value
    except _CRASHES as error:
        # imapclient's converters crash on some malformed items (a number where a name
        # belongs, an ENVELOPE too short): that is a malformed answer.
        raise ProtocolError(f"unreadable FETCH items: {items!r}") from error
    return msg_id, message


# What imapclient's converters raise on malformed items instead of a ProtocolError.
_CRASHES = (AttributeError, TypeError, IndexError)


def _parse_by_answer(
    data: list, normalise_times: bool, uid_is_key: bool, raw_dates: bool, listed: bool
):
    """parse_fetch()'s result read answer by answer (the lines of one answer: those that end
    in a literal and the one after them), or None where they are not each an answer of its
    own that reads without error."""
    parsed = defaultdict(dict)
    lines = []
    known = {}
    for chunk in data:
        if type(chunk) is tuple:
            if len(chunk) != 2 or type(chunk[0]) is not bytes or type(chunk[1]) is not bytes:
                return None
            lines.append(chunk)
            continue
        if type(chunk) is not bytes:
            return None
        lines.append((chunk, None))
        answer = _listed_answer(lines, normalise_times, uid_is_key, raw_dates, known, listed)
        if answer is None:
            values = parse_values([line if text is None else (line, text) for line, text in lines])
            if len(values) != 2:
                return None
            answer = _answer(values[0], values[1], normalise_times, uid_is_key, raw_dates)
        parsed[answer[0]].update(answer[1])
        lines = []
    return None if lines else parsed


def _listed_answer(lines: list, normalise_times, uid_is_key, raw_dates, known: dict, listed=False):
    """(key, items) of one answer of the list's shape (see above), or None; `known` as for
    _envelope(), `listed` as for parse_fetch()."""
    line, literal = lines[0]
    last = len(lines) - 1
    index = 0
    found = _HEAD.match(line)
    if found is not None:
        seq, uid, flags, size, date = found.groups()
        msg_id = seq = int(seq)
        message = {b"SEQ": seq}
        if uid_is_key:
            msg_id = int(uid)
        else:
            message[b"UID"] = int(uid)
        message[b"FLAGS"] = _plain_item(2, flags, normalise_times)
        if message[b"FLAGS"] is _UNFIT:
            return None
        message[b"RFC822.SIZE"] = int(size)
        message[b"INTERNALDATE"] = _internaldate(date, normalise_times)
    else:
        found = _ANSWER.match(line)
        if found is None:
            return None
        msg_id = seq = int(found.group(1))
        message = {b"SEQ": seq}
    position = found.end()
    while True:
        found = _ITEM.match(line, position)
        if found is None:
            return None
        position = found.end()
        kind = found.lastindex
        if kind == 1 and uid_is_key:
            msg_id = int(found.group(1))
        elif kind < 7:
            value = _plain_item(kind, found.group(kind), normalise_times)
            if value is _UNFIT:
                return None
            message[_PLAIN_ITEMS[kind]] = value
        elif found.group(7) in (b"ENVELOPE", b"BODYSTRUCTURE"):
            position = _put_structure(
                message, found.group(7), line, position, (normalise_times, raw_dates, listed), known
            )
            if position is None:
                return None
        elif line.startswith(b"NIL", position):
            position += 3
            message[found.group(7)] = None
        else:
            word = found.group(7)
            found = _LITERAL.fullmatch(line, position)
            if found is None or index == last or len(literal) != int(found.group(1)):
                return None
            message[word] = (
                _internaldate(literal, normalise_times) if word == b"INTERNALDATE" else literal
            )
            index += 1
            line, literal = lines[index]
            position = 0
        if line[position : position + 1] == b" ":
            position += 1
        elif position == len(line) - 1 and index == last and line[position] == 41:  # ")"
            return msg_id, message
        else:
            return None


# The keys of the items _ITEM reads with their value, by the number of its group.
_PLAIN_ITEMS = {
    1: b"UID",
    2: b"FLAGS",
    3: b"RFC822.SIZE",
    4: b"INTERNALDATE",
    5: b"MODSEQ",
    6: b"PREVIEW",
}
_UNFIT = object()


def _plain_item(kind: int, text: bytes, normalise_times: bool):
    """The value of an item _ITEM read whole, as imapclient's parser makes it; _UNFIT for
    what this shortcut leaves to the generic way."""
    if kind == 2:
        flags = tuple(text.split(b" ")) if text else ()
        return _UNFIT if b"NIL" in flags else flags
    if kind in (1, 3):
        return int(text)
    if kind == 4:
        return _internaldate(text, normalise_times)
    if kind == 5:
        return (int(text),)
    return unescaped(text)


def _put_structure(message, word, line, position, options: tuple, known):
    """The ENVELOPE or BODYSTRUCTURE at `position` into `message`; where it ends, or None if
    it is not of the list's shape (see above). `options`: parse_fetch()'s normalise_times,
    raw_dates and listed."""
    normalise_times, raw_dates, listed = options
    if word == b"ENVELOPE":
        found = _ENVELOPE.match(line, position)
        if found is None:
            return None
        if listed:
            message[word] = ListedEnvelope(found.groups(), normalise_times, known)
        else:
            message[word] = _envelope(found.groups(), normalise_times, known)
        if raw_dates:
            message[b"ENVELOPE.DATE"] = unescaped(found.group(1))
        return found.end()
    if listed:
        found = _LISTED_STRUCTURE.match(line, position)
        if found is not None:
            message[word] = ListedStructure(found.group())
            return found.end()
    structure, position = _structure(line, position)
    if structure is None:
        return None
    message[word] = BodyData.create(structure)
    return position


def unescaped(text: bytes | None) -> bytes | None:
    if text is None or b"\\" not in text:
        return text
    return _ESCAPED.sub(rb"\1", text)


def _envelope(fields: tuple, normalise_times: bool, known: dict) -> Envelope:
    """_convert_ENVELOPE() of the fields of an _ENVELOPE match; `known` as for
    _address_list()."""
    date = unescaped(fields[0])
    moment = header_date(date, normalise_times) if date else None
    return Envelope(
        date=moment,
        subject=unescaped(fields[1]),
        from_=_address_list(fields[2], known),
        sender=_address_list(fields[3], known),
        reply_to=_address_list(fields[4], known),
        to=_address_list(fields[5], known),
        cc=_address_list(fields[6], known),
        bcc=_address_list(fields[7], known),
        in_reply_to=unescaped(fields[8]),
        message_id=unescaped(fields[9]),
    )


def _address_list(text: bytes, known: dict) -> tuple[Address, ...] | None:
    """The Address objects of an address list of an _ENVELOPE match (None for NIL); `known`
    has the fields of the lists read before in the same FETCH by their text (From, Sender
    and Reply-To are mostly one, and a page has few senders)."""
    if text == b"NIL":
        return None
    return tuple([Address(*address) for address in address_fields(text, known)])


def address_fields(text: bytes, known: dict) -> list[tuple]:
    """(name, route, mailbox, host) of each address of an address list of an _ENVELOPE
    match, strings unescaped; kept in `known` by the list's text."""
    found = known.get(text)
    if found is None:
        found = [address.groups() for address in _ADDRESS_FIELDS.finditer(text)]
        if b"\\" in text:
            found = [tuple(map(unescaped, address)) for address in found]
        known[text] = found
    return found


class ListedEnvelope:
    """An ENVELOPE of the list's shape as parse_fetch(listed=True) gives it: the fields of
    imapclient's Envelope, each read from the server's text when it is asked for (the date
    at once, so that a date that cannot be read fails where it would have). The list reads
    the address lists' fields straight from `fields` (address_fields())."""

    __slots__ = ("date", "fields", "known")

    def __init__(self, fields: tuple, normalise_times: bool, known: dict):
        self.fields = fields  # an _ENVELOPE match's groups
        date = unescaped(fields[0])
        self.date = header_date(date, normalise_times) if date else None
        self.known = known  # as for _address_list()

    subject = property(lambda self: unescaped(self.fields[1]))
    from_ = property(lambda self: _address_list(self.fields[2], self.known))
    sender = property(lambda self: _address_list(self.fields[3], self.known))
    reply_to = property(lambda self: _address_list(self.fields[4], self.known))
    to = property(lambda self: _address_list(self.fields[5], self.known))
    cc = property(lambda self: _address_list(self.fields[6], self.known))
    bcc = property(lambda self: _address_list(self.fields[7], self.known))
    in_reply_to = property(lambda self: unescaped(self.fields[8]))
    message_id = property(lambda self: unescaped(self.fields[9]))


class ListedStructure:
    """A BODYSTRUCTURE of the shapes mail mostly has (see above) as parse_fetch(listed=True)
    gives it: its `text` as the server sent it; parsed() makes imapclient's BodyData of it,
    as parse_fetch() would have."""

    __slots__ = ("text",)

    def __init__(self, text: bytes):
        self.text = text

    def parsed(self) -> BodyData:
        return BodyData.create(_structure(self.text, 0)[0])

    def has_attached_part(self) -> bool:
        """Whether a part (not a multipart) of it has an `attachment` Content-Disposition,
        read by the fields' places in RFC 3501 (a part of type message is not looked at)."""
        return _ATTACHED_PART.search(self.text) is not None


def _structure(line: bytes, position: int):
    """(the BODYSTRUCTURE that starts at `position` as nested tuples, where it ends), or
    (None, position) where it is not all in this line, of quoted strings, NIL and numbers
    separated by blanks or parentheses."""
    if line[position : position + 1] != b"(":
        return None, position
    tokens = _STRUCTURE_TOKEN.findall(line, position)
    stack = []
    top = None
    for index, token in enumerate(tokens):
        if token == b" ":
            continue
        if token == b"(":
            top = []
            stack.append(top)
        elif token == b")":
            closed = tuple(stack.pop())
            if not stack:
                return closed, position + sum(map(len, tokens[: index + 1]))
            top = stack[-1]
            top.append(closed)
        elif token == b"NIL":
            top.append(None)
        elif token[0] == 34 and len(token) > 1:  # a quoted string
            token = token[1:-1]
            top.append(_ESCAPED.sub(rb"\1", token) if b"\\" in token else token)
        elif token.isdigit() and (token[0] != 48 or len(token) == 1):  # no leading "0"
            top.append(int(token))
        else:
            return None, position
    return None, position


def header_date(text: bytes, normalise_times: bool):
    """The date of _convert_ENVELOPE()."""
    try:
        return _datetime(text, HEADER_DATE, normalise_times)
    except ValueError:
        return None


def _internaldate(text: bytes | None, normalise_times: bool):
    """_convert_INTERNALDATE()"""
    if text is None:
        return None
    try:
        return _datetime(text, _INTERNALDATE, normalise_times)
    except ValueError:
        return None


def _datetime(text: bytes, plain: re.Pattern, normalise_times: bool):
    """imapclient's parse_to_datetime(text, normalise_times), reading a date of the `plain`
    form itself as parsedate_tz() reads it."""
    found = None if normalise_times else plain.fullmatch(text)
    if found is None:
        return parse_to_datetime(text, normalise=normalise_times)
    day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = found.groups()
    offset = int(zone_hours) * 3600 + int(zone_minutes) * 60
    if sign == b"-":
        offset = -offset
    zone = _ZONES.get(offset)
    if zone is None:
        zone = FixedOffset(offset / 60)
        if len(_ZONES) < _MAX_ZONES:
            _ZONES[offset] = zone
    return datetime.datetime(
        int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=zone
    )


def parse_values(data: list) -> list:
    """The values of untagged answers as imapclient's parse_response() gives them: nested
    tuples of bytes, ints and None."""
    stack = [[]]
    top = stack[0]
    for chunk in data:
        literal = None
        if isinstance(chunk, tuple):
            chunk, literal = chunk[0], chunk[1]
            if not chunk.endswith(b"}"):
                raise ProtocolError(f"unexpected literal line {chunk!r}")
        for quoted, before_quote, word, other in _TOKEN.findall(chunk):
            if word:
                top.append(_word(word, literal))
            elif quoted:
                inner = quoted[1:-1]
                top.append(_ESCAPED.sub(rb"\1", inner) if b"\\" in inner else inner)
            elif other == b"(":
                top = []
                stack.append(top)
            elif other == b")":
                if len(stack) == 1:
                    top.append(b")")
                else:
                    closed = tuple(stack.pop())
                    top = stack[-1]
                    top.append(closed)
            elif other in (b'"', b"["):
                raise ProtocolError(f"No closing {other!r}")
            elif other:
                top.append(other)
            elif before_quote:
                raise ProtocolError(f"a quote right after {before_quote!r}")
    if len(stack) > 1:
        raise ProtocolError("Tuple incomplete")
    return stack[0]


def _word(word: bytes, literal: bytes | None):
    if word == b"NIL":
        return None
    if word[:1] == b"{":
        try:
            size = int(word[1:-1])
        except ValueError as error:
            raise ProtocolError(f"bad literal size {word!r}") from error
        if literal is None:
            raise ProtocolError(f"No literal corresponds to {word!r}")
        if len(literal) != size:
            raise ProtocolError(f"Expecting literal of size {size}, got {len(literal)}")
        return literal
    if word.isdigit() and (word[:1] != b"0" or len(word) == 1):
        return int(word)
    return word


def _int_or_error(value, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ProtocolError(f"{what}: {value!r}") from None
