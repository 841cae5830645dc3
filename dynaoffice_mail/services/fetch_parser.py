"""FETCH answers read with regular expressions: what imapclient's parser makes of them, faster.

imapclient reads an answer one byte at a time through a chain of Python iterators: for the
50 ENVELOPEs and BODYSTRUCTUREs of a page of the list that takes longer than the server
needs to find and send them. Here the same grammar is cut into tokens by one regular
expression and assembled with a stack; the FETCH items are converted by imapclient's own
functions (ENVELOPE, BODYSTRUCTURE, INTERNALDATE), so the result is the same objects.

The lexer follows imapclient's (response_lexer.Lexer) rule for rule, quirks included, and a
test holds the two to the same result, or the same refusal, for generated answers
(tests/test_services_fetch_parser.py): whitespace is space, tab, CR and LF; a word runs until
whitespace or one of `( ) % "` or a control character, and takes a `[...]` section whole
(brackets are not escaped); a quoted string undoes `\\\\` and `\\"` only; `NIL` is None, digits
without a leading zero an int; `{n}` stands for the literal of the answer line it ends.
"""

import re
from collections import defaultdict

from imapclient.exceptions import ProtocolError
from imapclient.response_parser import _convert_ENVELOPE, _convert_INTERNALDATE
from imapclient.response_types import BodyData

# One token each: a quoted string; a word right before a quote (an error, as in imapclient);
# a word; any other character but whitespace ("(", ")", "%", a control character, and an
# opening quote or bracket that is never closed). Possessive: no backtracking.
_WORD = rb'(?:[^\x00-\x20()%"\[]|\[[^\]]*\])++'
_TOKEN = re.compile(
    rb'[ \t\r\n]*+(?:("(?:[^"\\]|\\.)*+")|(' + _WORD + rb'(?="))|(' + _WORD + rb")|([^ \t\r\n]))?",
    re.DOTALL,
)
_ESCAPED = re.compile(rb'\\([\\"])')


def parse_fetch(
    data: list, *, normalise_times: bool = True, uid_is_key: bool = True, raw_dates: bool = False
):
    """imapclient.response_parser.parse_fetch_response(data, normalise_times, uid_is_key);
    with `raw_dates`, each ENVELOPE's date also as the server sent it, under
    `b"ENVELOPE.DATE"` (imapclient keeps only what Python's date parser made of it)."""
    if data == [None]:
        return defaultdict()
    values = iter(parse_values(data))
    parsed = defaultdict(dict)
    for seq in values:
        msg_id = seq = _int_or_error(seq, "invalid message ID")
        try:
            items = next(values)
        except StopIteration:
            raise ProtocolError("unexpected EOF") from None
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
        parsed[msg_id].update(message)
    return parsed


# What imapclient's converters raise on malformed items instead of a ProtocolError.
_CRASHES = (AttributeError, TypeError, IndexError)


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
