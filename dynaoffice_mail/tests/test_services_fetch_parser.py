"""The list's FETCH parser (services.fetch_parser) against imapclient's, whose results it must
give: for real answers, for answers cut and spliced from hostile pieces, and for random
bytes, the same values or an error of the same kind."""

import dataclasses
import datetime
import importlib
import operator
import pkgutil
import re
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_fetch_response, parse_response

from odoo.addons.dynaoffice_mail.services import (
    fetch_parser,
    imap,
    limits,
    list_rows,
    previews,
)
from odoo.addons.dynaoffice_mail.services.exceptions import LimitExceededError
from odoo.addons.dynaoffice_mail.services.exceptions import ProtocolError as ServiceProtocolError
from odoo.addons.dynaoffice_mail.services.fetch_parser import parse_fetch, parse_values
from odoo.addons.dynaoffice_mail.services.structure import has_attachment, parse_bodystructure
from odoo.addons.dynaoffice_mail.tests.test_hostile_fuzz_wire import FUZZ as WIRE_FUZZ

FUZZ = settings(WIRE_FUZZ, max_examples=1500)

# What Dovecot sends for a page of the list (ENVELOPE with encoded words, a group, an
# escaped quote, BODYSTRUCTURE of an alternative, PREVIEW), and a subject as a literal.
PAGE_LINE = (
    b'7 (UID 51 FLAGS (\\Seen $Forwarded) RFC822.SIZE 2873 INTERNALDATE "05-Dec-2026 00:50:57 '
    b'+0100" MODSEQ (12) PREVIEW "Hallo \\"Anna\\", anbei \\\\ das Angebot" ENVELOPE ("Mon, 1 '
    b'Jan 2024 10:50:00 +0000" "=?utf-8?q?Angebot_f=C3=BCr?=" (("Jana =?utf-8?q?M=C3=BCller?='
    b'" NIL "j.mueller" "example.de")) NIL NIL ((NIL NIL "team" NIL)("Ben" NIL "ben" "x.de")'
    b'(NIL NIL NIL NIL)) NIL NIL "<abc@example>" "<bulk-12@dynaoffice.test>") BODYSTRUCTURE '
    b'(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 1234 30 NIL NIL NIL NIL)'
    b'("text" "html" ("charset" "utf-8") NIL NIL "base64" 4567 80 NIL NIL NIL NIL) "alternative"'
    b' ("boundary" "xyz") NIL NIL NIL))'
)
LITERAL_ANSWER = [
    (b"8 (UID 52 FLAGS () ENVELOPE (NIL {12}", b"Gr\xc3\xbc\xc3\x9fe (\r\n)"),
    (b" NIL NIL NIL NIL NIL NIL NIL NIL) BODY[HEADER.FIELDS (SUBJECT)] {0}", b""),
    b")",
]
PIECES = [
    b"(",
    b")",
    b" ",
    b"  ",
    b"\t",
    b"\r\n",
    b"NIL",
    b"nil",
    b'"',
    b'""',
    b'"a b"',
    b'"\\"',
    b'"\\\\"',
    b'"\\x"',
    b"\\",
    b"[",
    b"]",
    b"BODY[HEADER.FIELDS (SUBJECT)]",
    b"BODY[1]<0>",
    b"{3}",
    b"{0}",
    b"{x}",
    b"{+3}",
    b"0",
    b"012",
    b"12",
    b"4294967296",
    b"UID",
    b"FLAGS",
    b"ENVELOPE",
    b"BODYSTRUCTURE",
    b"INTERNALDATE",
    b"RFC822.SIZE",
    b"%",
    b"*",
    b"\x00",
    b"\x01",
    b"\x7f",
    b"\xff",
    b"\xc3\xbc",
    b"\\Seen",
    b"a",
    b'"05-Dec-2026 00:50:57 +0000"',
    b'"Mon, 1 Jan 2024 10:50:00 +0000"',
    b'"not a date"',
    b"(NIL NIL NIL NIL)",
]
LINE = st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join)
CHUNK = st.one_of(
    LINE,
    st.tuples(LINE.map(lambda line: line + b"{3}"), st.binary(max_size=5)),
    st.tuples(LINE, st.binary(max_size=3)),
)


def _outcome(parse, data):
    try:
        return "ok", _plain(parse(data))
    except Exception as error:  # noqa: BLE001 - the kind of error is what is compared
        return "error", type(error).__name__


def _plain(value):
    """`value` with its times as (naive time, UTC offset): imapclient's time zones compare
    by identity, and one of over a day raises when compared."""
    if isinstance(value, datetime.datetime):
        try:
            offset = value.utcoffset()
        except ValueError:
            offset = "invalid"
        return "datetime", value.replace(tzinfo=None), offset, type(value.tzinfo), value.tzname()
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return type(value).__name__, *(_plain(getattr(value, field.name)) for field in fields)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return type(value).__name__, tuple(_plain(item) for item in value)
    return value


# imapclient's parser crashes on some malformed items instead of saying so
# (`0(NIL NIL NIL NIL)(` raises AttributeError in it); ours says what that means there: a
# ProtocolError.
_IMAPCLIENT_CRASHES = {"AttributeError", "TypeError", "IndexError"}


def _both(data):
    theirs = _outcome(
        lambda value: parse_fetch_response(value, normalise_times=False, uid_is_key=False), data
    )
    if theirs[0] == "error" and theirs[1] in _IMAPCLIENT_CRASHES:
        theirs = ("error", "ProtocolError")
    ours = _outcome(lambda value: parse_fetch(value, normalise_times=False, uid_is_key=False), data)
    return theirs, ours


def test_what_imapclient_crashes_on_is_a_protocol_error_here():
    theirs, ours = _both([b"0(NIL NIL NIL NIL)("])
    assert ours == theirs == ("error", "ProtocolError")


def test_a_page_of_the_list_parses_as_imapclient_parses_it():
    data = [PAGE_LINE.replace(b"7 (UID 51", b"%d (UID %d" % (n, 50 + n)) for n in range(1, 51)]
    theirs, ours = _both(data + LITERAL_ANSWER)
    assert theirs[0] == "ok"
    assert ours == theirs
    parsed = parse_fetch(data + LITERAL_ANSWER, normalise_times=False, uid_is_key=False)
    assert parsed[3][b"ENVELOPE"].subject == b"=?utf-8?q?Angebot_f=C3=BCr?="
    assert parsed[8][b"ENVELOPE"].subject == b"Gr\xc3\xbc\xc3\x9fe (\r\n)"
    assert parsed[3][b"PREVIEW"] == b'Hallo "Anna", anbei \\ das Angebot'
    assert parsed[3][b"UID"] == 53 and parsed[3][b"MODSEQ"] == (12,)


@FUZZ
@given(st.lists(CHUNK, max_size=4))
def test_spliced_answers_parse_or_fail_as_with_imapclient(data):
    theirs, ours = _both(data)
    assert ours == theirs
    values = _outcome(parse_values, data)
    assert values == _outcome(lambda value: list(parse_response(value)), data)


@FUZZ
@given(
    st.integers(min_value=0, max_value=len(PAGE_LINE) - 1),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(PIECES),
)
def test_a_real_answer_cut_or_changed_anywhere_parses_or_fails_as_with_imapclient(
    position, length, piece
):
    for data in (
        [PAGE_LINE[:position]],
        [PAGE_LINE[:position] + piece + PAGE_LINE[position + length :]],
        [PAGE_LINE[:position] + PAGE_LINE[position + length :]],
    ):
        theirs, ours = _both(data)
        assert ours == theirs, data


@FUZZ
@given(st.lists(st.one_of(st.binary(max_size=60), st.tuples(st.binary(), st.binary())), max_size=3))
def test_random_bytes_parse_or_fail_as_with_imapclient(data):
    theirs, ours = _both(data)
    assert ours == theirs


# BODYSTRUCTUREs of every shape the list's attachment shortcut looks at, and some it must not
# trust: types, parameters (a file's name among them), dispositions, malformed fields.
_ATOM = st.sampled_from(
    [b"NIL", b'"text"', b'"TEXT"', b'"plain"', b'"html"', b'"message"', b'"rfc822"', b"12"]
    + [b'"application"', b'"pdf"', b'"image"', b'"related"', b'"mixed"', b'"x"', b'""', b"()"]
    + [b"012", b"0", b"nil", b'"a \\"b\\" \\\\"', b'"\xc3\xa4"', b'"x"NIL', b"NIL\t", b"{1}"]
)
_PARAMS = st.sampled_from(
    [b"NIL", b'("charset" "utf-8")', b'("name" "a.pdf")', b'("NAME*" "a")', b'("charset")']
    + [b'("filename*0" "a")', b'("boundary" "x")', b"()", b'("charset" NIL)', b"(1 2)"]
    + [b'("name*" "idna\'\'x")', b'("charset*" "idna\'\'x")', b'("NAME" "")']
)
_DISPOSITION = st.sampled_from(
    [b"NIL", b'("attachment" NIL)', b'("inline" NIL)', b'("inline" ("filename" "x"))', b"()"]
    + [b'("attachment")', b"12", b'"x"', b'(("a") NIL)', b'("ATTACHMENT" ("size" "1"))']
    + [b'("attachment" ("filename*" "idna\'\'x"))', b'("attachment" ("filename" NIL))']
)
_LEAF = st.tuples(
    _ATOM, _ATOM, _PARAMS, _ATOM, _ATOM, _ATOM, _ATOM, st.lists(_ATOM, max_size=2), _DISPOSITION
).map(lambda parts: b"(" + b" ".join([*parts[:7], *parts[7], parts[8]]) + b")")
_BODY = st.recursive(
    _LEAF,
    lambda children: st.tuples(
        st.lists(children, min_size=1, max_size=3), _ATOM, _PARAMS, _DISPOSITION
    ).map(lambda parts: b"(" + b"".join(parts[0]) + b" " + b" ".join(parts[1:]) + b")"),
    max_leaves=6,
)


@FUZZ
@given(_BODY)
def test_the_attachment_shortcut_only_answers_where_the_full_parse_finds_none(body):
    """The list's shortcut says "no attachment" (list_rows._none_attached()) only for
    structures that structure.has_attachment() reads without error and finds none in."""
    try:
        parsed = parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"])
    except (ProtocolError, ValueError, TypeError, IndexError):
        return  # imap.fetch() refuses the answer
    structure = parsed[1].get(b"BODYSTRUCTURE")
    parts = list_rows._plain_parts(structure) if structure else None
    if parts is None or not list_rows._none_attached(parts):
        return
    assert not has_attachment(parse_bodystructure(structure))


def _attachment_as_parsed(structure):
    """What list_rows._has_attachment() says from the full parse alone (or its error)."""
    try:
        return has_attachment(parse_bodystructure(structure))
    except LimitExceededError:
        return True
    except ServiceProtocolError:
        return False
    except Exception as error:  # noqa: BLE001 - the kind of error is what is compared
        return type(error).__name__


@FUZZ
@given(_BODY)
def test_the_attachment_shortcuts_answer_as_the_full_parse(body):
    """list_rows._has_attachment() answers "no" and "yes" from the structure's shape where it
    can, and says what the full parse says (structure.has_attachment()), errors included."""
    try:
        parsed = parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"])
    except (ProtocolError, ValueError, TypeError, IndexError):
        return  # imap.fetch() refuses the answer
    structure = parsed[1].get(b"BODYSTRUCTURE")
    try:
        answer = list_rows._has_attachment(structure)
    except Exception as error:  # noqa: BLE001 - the kind of error is what is compared
        answer = type(error).__name__
    assert answer == (_attachment_as_parsed(structure) if structure else False)


def test_the_attachment_shortcuts_answer_for_plain_text_and_for_an_attached_file():
    plain = b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL NIL)'
    pdf = b'("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 40 NIL ("attachment" %s) NIL)'
    shapes = {
        plain: False,
        b"("
        + plain
        + pdf % b'("filename" "a.pdf")'
        + b' "mixed" ("boundary" "x") NIL NIL NIL)': True,
        # RFC 2231: the full parse decides (a charset that cannot be used is read as UTF-8).
        b"(" + plain + pdf % b'("filename*" "idna\'\'x")' + b' "mixed" NIL NIL NIL NIL)': None,
    }
    for body, shortcut in shapes.items():
        structure = parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"])[1][b"BODYSTRUCTURE"]
        parts = list_rows._plain_parts(structure)
        found = None
        if parts is not None and list_rows._none_attached(parts):
            found = False
        elif parts is not None and list_rows._surely_attached(parts):
            found = True
        assert found is shortcut, body
        assert list_rows._has_attachment(structure) == _attachment_as_parsed(structure)
    assert list_rows._has_attachment(structure)  # the idna file name, as the full parse


def test_the_attachment_shortcut_answers_for_plain_and_alternative_text():
    plain = b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL NIL)'
    html = b'("text" "html" ("charset" "utf-8") NIL NIL "base64" 40 1 NIL ("inline" NIL) NIL NIL)'
    pdf = (
        b'("application" "pdf" ("name" "a.pdf") NIL NIL "base64" 40 NIL ("attachment" NIL) NIL NIL)'
    )
    shapes = {
        plain: True,
        b"("
        + plain
        + plain.replace(b'"plain"', b'"html"')
        + b' "alternative" ("boundary" "x") NIL NIL NIL)': True,
        html: False,  # a disposition: the full parse decides
        b"(" + plain + pdf + b' "mixed" ("boundary" "x") NIL NIL NIL)': False,
    }
    for body, shortcut in shapes.items():
        structure = parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"])[1][b"BODYSTRUCTURE"]
        parts = list_rows._plain_parts(structure)
        assert (parts is not None and list_rows._none_attached(parts)) is shortcut, body
        parsed = has_attachment(parse_bodystructure(structure))
        assert list_rows._has_attachment(structure) == parsed
    assert list_rows._has_attachment(
        parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + pdf + b")"])[1][b"BODYSTRUCTURE"]
    )


# -- the list's shortcut (answers read item by item) held to the generic way and imapclient --
#
# Answers of the list's shape and near it, made of the values servers send and of what they
# must not send: literals in any string position, escaped quotes and backslashes, NIL in every
# field, groups in address lists, 8-bit bytes, items in another order, unsolicited answers with
# only FLAGS and MODSEQ, numbers where strings belong, dates of every form. `{{L:hex}}` stands
# for a literal until _chunks() makes imaplib's (line, literal) pairs of it.


def _literal(data: bytes) -> bytes:
    return b"{{L:" + data.hex().encode() + b"}}"


def _chunks(text: bytes) -> list:
    """`text` as imaplib hands an answer over: a (line, literal) pair for each literal, then
    the rest of the line."""
    pieces = re.split(rb"\{\{L:((?:[0-9a-f]{2})*)\}\}", text)
    chunks = [
        (line + b"{%d}" % (len(bytes.fromhex(data.decode())),), bytes.fromhex(data.decode()))
        for line, data in zip(pieces[0:-1:2], pieces[1::2], strict=True)
    ]
    return [*chunks, pieces[-1]]


_STRING = st.sampled_from(
    [b'"plain"', b'""', b'"NIL"', b'"a \\"b\\" c"', b'"back\\\\slash"', b'"odd\\x"', b"NIL"]
    + [b'"Gr\xc3\xbc\xc3\x9fe"', b'"=?utf-8?q?f=C3=BCr?="', b'"\xff\x00\x7f"', b'"tab\there"']
    + [b"nil", b"12", b"012", b"()", b'"(x)"', b"atom", b"[a]", _literal(b"Gr\xc3\xbc\xc3\x9fe")]
    + [_literal(b""), _literal(b'with "quote" \\ ( ) {3}\r\n'), _literal(b"NIL")]
)
_DATE = st.sampled_from(
    [b'"05-Dec-2026 00:50:57 +0100"', b'" 5-Dec-2026 00:50:57 -0000"']
    + [b'"5-Dec-2026 00:50:57 -0130"', b'"31-Feb-2026 00:50:57 +0000"']
    + [b'"05-Dec-2026 24:00:00 +0000"', b'"05-dec-2026 00:50:57 +0000"']
    + [b'"05-Dec-0099 00:50:57 +0000"', b'"05-Dec-2026 00:50:57 +2400"']
    + [b'"05-Dec-2026 00:50:57 +0860"', b'"05-Dec-9999 23:59:59 -0100"']
    + [b'"Mon, 1 Jan 2024 10:50:00 +0000"', b'"1 Jan 2024 10:50:00 +0200"']
    + [b'"Mon, 01 Jan 2024 10:50:00 -0130 (XYZ)"', b'"1 Jan 2024 10:50 +0000"']
    + [b'"Tue, 1 Jan 24 10:50:00 +0000"', b'"Mon 1 Jan 2024 10:50:00 +0000"']
    + [b'"1 Jan 2024 10:50:00 GMT"', b'"Sat, 05 Sep 2026 10:12:30 +0800"']
    + [b'"1 Jan 2024 10.50.00 +0000"', b'"not a date"', b"NIL", b'""', b"12"]
    + [b'"Mon, 1 Jan 2024 10:50:00 +0860"', b'"1 Jan 1970 00:00:00 +0000"']
    + [b'"1 Jan 1970 00:00:01 +0000"', b'"30 Feb 2024 10:50:00 +0000"']
    + [b'"05-Dec-2026 00:50:57 \\"+0100\\""', b'"Mon,  1 Jan 2024 10:50:00 +0000"']
    + [b'"Mon, 1 Jan 0001 10:50:00 +0000"', b'"14 Oct 1066 10:50:00 +0000"']
    + [b'"1 Jan 126 10:50 +0000"']
    + [_literal(b"1 Jan 2024 10:50:00 +0000")]
)
# Date headers in the last day of Python's calendar, which the Date of anyone's mail can
# name: no time zone can show some of them (imapclient's own reading of such an
# INTERNALDATE fails otherwise than ours: they are not among _DATE).
_LAST_DAY_DATES = [b'"Fri, 31 Dec 9999 23:59:59 -0100"', b'"31 Dec 9999 23:59:59 EST"']
_LAST_DAY_DATES += [b'"Fri, 31 Dec 9999 23:30:00 +0100"']
# The strings a server may send (quoted, NIL, literal), which the shortcut reads as such.
_SENT_STRING = st.sampled_from(
    [b'"plain"', b'""', b'"NIL"', b'"a \\"b\\" c"', b'"back\\\\slash"', b'"odd\\x"', b"NIL"]
    + [b'"Gr\xc3\xbc\xc3\x9fe"', b'"\xff\x00\x7f"', b'"tab\there"', _literal(b"\xc3\xbc")]
)


def _envelopes(strings, dates, more_addresses):
    address = st.one_of(
        st.lists(strings, min_size=4, max_size=4).map(
            lambda fields: b"(" + b" ".join(fields) + b")"
        ),
        st.sampled_from([b'(NIL NIL "team" NIL)', b"(NIL NIL NIL NIL)"]),
    )
    addresses = st.one_of(
        st.just(b"NIL"),
        st.lists(address, min_size=1, max_size=3).map(lambda found: b"(" + b"".join(found) + b")"),
        more_addresses,
    )
    return st.tuples(dates, strings, *[addresses] * 6, strings, strings).map(
        lambda fields: b"(" + b" ".join(fields) + b")"
    )


_ENVELOPE = _envelopes(
    _STRING,
    _DATE,
    st.sampled_from([b"()", b'("a" NIL "b")', b"(NIL)", b'(("a" NIL "b" "c") ("d" NIL "e" "f"))']),
)
_SENT_ENVELOPE = _envelopes(
    _SENT_STRING,
    st.sampled_from([date for date in _DATE.elements if date.startswith(b'"')] + [b"NIL"]),
    st.nothing(),
)
_FLAGS = st.lists(
    st.sampled_from(
        [b"\\Seen", b"\\Recent", b"$Forwarded", b"NonJunk", b"$label-1.x", b"NIL", b"nil", b"12"]
        + [b"\\*", b"a[b]", b'"q"', b"%", b"\\", b"{3}", b"\xc3\xbc", b"Junk\\x"]
    ),
    max_size=4,
).map(lambda flags: b"(" + b" ".join(flags) + b")")
_NUMBER = st.sampled_from([b"12", b"0", b"012", b"4294967296", b"NIL", b'"12"', b"(12)", b"12a"])
_STRUCTURE = st.one_of(
    _BODY,
    st.sampled_from(
        [b'("text" "plain" ("name" ' + _literal(b"\xc3\xa4.txt") + b') NIL NIL "7bit" 1 1)', b"NIL"]
        + [b'("text" "plain" NIL NIL NIL "7bit" 1 1 NIL NIL NIL NIL) ', b"()", b'("text"  "plain")']
    ),
)
_ITEM = st.one_of(
    st.tuples(st.sampled_from([b"UID", b"RFC822.SIZE", b"uid"]), _NUMBER),
    st.tuples(st.sampled_from([b"FLAGS", b"Flags"]), st.one_of(_FLAGS, st.just(b"NIL"))),
    st.tuples(st.just(b"INTERNALDATE"), _DATE),
    st.tuples(st.just(b"MODSEQ"), st.sampled_from([b"(12)", b"(012)", b"()", b"12", b"(1 2)"])),
    st.tuples(st.sampled_from([b"PREVIEW", b"preview"]), _STRING),
    st.tuples(st.sampled_from([b"ENVELOPE", b"envelope"]), _ENVELOPE),
    st.tuples(st.sampled_from([b"BODYSTRUCTURE", b"BODY"]), _STRUCTURE),
    st.tuples(st.just(b"BODY[HEADER.FIELDS (SUBJECT)]"), _STRING),
).map(b" ".join)
_SENT_BODIES = [
    b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL NIL)',
    b'(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 1234 30 NIL NIL NIL NIL)'
    + b'("text" "html" ("charset" "utf-8") NIL NIL "base64" 4567 80 NIL NIL NIL NIL)'
    + b' "alternative" ("boundary" "xyz") NIL NIL NIL)',
    b'(("text" "plain" NIL NIL NIL "8bit" 260 8 NIL NIL NIL NIL)("application" "pdf" ("name"'
    + b' "a \\"b\\".pdf") NIL NIL "base64" 40 NIL ("attachment" ("filename" "\xc3\xa4.pdf")) NIL'
    + b' NIL) "mixed" ("boundary" "=_b") NIL NIL NIL)',
]
# Items as a server sends them, each of the shape the shortcut reads.
_SENT_ITEM = st.one_of(
    st.tuples(st.sampled_from([b"UID", b"RFC822.SIZE"]), st.sampled_from([b"0", b"12", b"99999"])),
    st.tuples(
        st.just(b"FLAGS"),
        _FLAGS.filter(lambda flags: not re.search(rb"[^ ()$\\\w.-]|\d\b", flags)),
    ),
    st.tuples(st.just(b"INTERNALDATE"), _DATE),
    st.tuples(st.just(b"MODSEQ"), st.sampled_from([b"(0)", b"(12)"])),
    st.tuples(st.just(b"PREVIEW"), _SENT_STRING),
    st.tuples(st.just(b"ENVELOPE"), _SENT_ENVELOPE),
    st.tuples(st.just(b"BODYSTRUCTURE"), st.one_of(_BODY, st.sampled_from(_SENT_BODIES))),
).map(b" ".join)
_SEQ = st.sampled_from([b"1", b"7", b"007", b"51", b"x", b""])
_LIST_ANSWER = st.one_of(
    st.tuples(
        _SEQ, st.lists(_ITEM, max_size=9), st.sampled_from([b")", b"", b"))", b") ", b")x"])
    ).map(lambda parts: parts[0] + b" (" + b" ".join(parts[1]) + parts[2]),
    st.tuples(_SEQ, st.lists(_SENT_ITEM, min_size=1, max_size=9)).map(
        lambda parts: parts[0] + b" (" + b" ".join(parts[1]) + b")"
    ),
)


@st.composite
def _list_answers(draw):
    """One to three answers of the list's shape or near it, one of them perhaps unsolicited
    (FLAGS and MODSEQ only), one perhaps cut, spliced or with other blanks."""
    answers = draw(
        st.lists(
            st.one_of(
                _LIST_ANSWER,
                st.sampled_from([b"3 (FLAGS (\\Seen) MODSEQ (5))", b"3 (MODSEQ (5) FLAGS ())"]),
            ),
            min_size=1,
            max_size=3,
        )
    )
    index = draw(st.integers(min_value=0, max_value=len(answers) - 1))
    answer = answers[index]
    change = draw(st.sampled_from(["none", "none", "cut", "insert", "blanks"]))
    position = draw(st.integers(min_value=0, max_value=len(answer)))
    if change == "cut":
        answer = answer[:position]
    elif change == "insert":
        answer = answer[:position] + draw(st.sampled_from(PIECES)) + answer[position:]
    elif change == "blanks":
        answer = answer.replace(b" ", draw(st.sampled_from([b"  ", b"\t", b"\r\n", b""])), 1)
    answers[index] = answer
    return [chunk for answer in answers for chunk in _chunks(answer)]


def _all_agree(data) -> tuple:
    """The shortcut's, the generic way's and imapclient's result for `data` (or their kinds
    of error), checked to be one; that result."""
    for options in (
        {"normalise_times": False, "uid_is_key": False, "raw_dates": True},
        {"normalise_times": True, "uid_is_key": True, "raw_dates": False},
    ):
        ours = _outcome(partial(parse_fetch, **options), data)
        generic = _outcome(partial(fetch_parser._parse_generic, **options), data)
        assert ours == generic, data
        if not options["raw_dates"]:
            del options["raw_dates"]
            theirs = _outcome(partial(parse_fetch_response, **options), data)
            if theirs[0] == "error" and theirs[1] in _IMAPCLIENT_CRASHES:
                theirs = ("error", "ProtocolError")
            assert ours == theirs, data
    return ours


@FUZZ
@given(_list_answers())
def test_answers_of_the_lists_shape_read_as_the_generic_way_and_imapclient_read_them(data):
    _all_agree(data)


def _shortcut(data, **options) -> dict:
    """What the shortcut alone made of `data`'s answers, each read by it (the test fails if
    one was left to the generic way)."""
    options = {"normalise_times": False, "uid_is_key": False, "raw_dates": True, **options}
    lines, found = [], {}
    for chunk in data:
        lines.append(chunk if isinstance(chunk, tuple) else (chunk, None))
        if not isinstance(chunk, tuple):
            answer = fetch_parser._listed_answer(lines, known={}, **options)
            assert answer is not None, lines
            found[answer[0]] = answer[1]
            lines = []
    return found


# What Dovecot sends for a page of the list, the preview a literal (8-bit), and answers of that
# shape with NIL everywhere, an empty string, 8-bit and escapes in quoted strings, groups,
# items in another order, unsolicited answers (FLAGS and MODSEQ), an INTERNALDATE literal.
_PREVIEW = b'Gr\xc3\xbc\xc3\x9fe, anbei "das" Angebot \\ (neu)\r\n'
_OLGA = b'(("Olga" NIL "olga" "mail.example.com"))'
_DOVECOT_ANSWER = (
    b"9 (UID 951 FLAGS (\\Recent) RFC822.SIZE 1330 "
    + b'INTERNALDATE "05-Sep-2026 02:12:30 +0000" PREVIEW '
    + _literal(_PREVIEW)
    + b' ENVELOPE ("Sat, 05 Sep 2026 10:12:30 +0800" "Termin" '
    + b" ".join([_OLGA] * 3)
    + b' ((NIL NIL "bench" "dynaoffice.test")) NIL NIL NIL "<bulk.950@mail.example.com>")'
    + b' BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 260 8 NIL NIL NIL'
    + b' NIL)("image" "png" ("name" "D.png") NIL NIL "base64" 488 NIL ("attachment"'
    + b' ("filename" "D.png")) NIL NIL) "mixed" ("boundary" "=_b") NIL NIL NIL))'
)
_NIL_ANSWER = (
    b'10 (BODYSTRUCTURE ("text" "plain" NIL NIL NIL "7bit" 0 0 NIL NIL NIL NIL) ENVELOPE'
    + b" (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) PREVIEW NIL INTERNALDATE NIL MODSEQ (7)"
    + b" FLAGS () UID 52 RFC822.SIZE 0)"
)
_QUIRKY_ANSWER = (
    b'11 (UID 53 ENVELOPE ("" "\xc3\xbc \\"q\\" \\\\ \xff" ((NIL NIL "team" NIL)'
    + b'("B" NIL "b" "x.de")(NIL NIL NIL NIL)) NIL NIL NIL NIL NIL NIL "<id>")'
    + b' PREVIEW "a \\"b\\"")'
)
_SHORT_ANSWERS = [
    [PAGE_LINE],
    _chunks(_DOVECOT_ANSWER),
    [_NIL_ANSWER, _QUIRKY_ANSWER],
    [b"3 (FLAGS (\\Seen $Forwarded) MODSEQ (5))", b"4 (MODSEQ (6) FLAGS ())"],
    _chunks(b"5 (UID 9 INTERNALDATE " + _literal(b"05-Sep-2026 02:12:30 +0000") + b")"),
]


def test_the_lists_answers_are_read_by_the_shortcut():
    """The list's answers go the short way, and come out as the generic way reads them."""
    for data in _SHORT_ANSWERS:
        assert _all_agree(data)[0] == "ok", data
        for options in (
            {"normalise_times": False, "uid_is_key": False, "raw_dates": True},
            {"normalise_times": False, "uid_is_key": True, "raw_dates": False},
        ):
            generic = fetch_parser._parse_generic(data, **options)
            assert _plain(_shortcut(data, **options)) == _plain(dict(generic))
    page = _shortcut(_SHORT_ANSWERS[1])[9]
    assert page[b"PREVIEW"] == _PREVIEW
    assert page[b"ENVELOPE.DATE"] == b"Sat, 05 Sep 2026 10:12:30 +0800"
    assert page[b"ENVELOPE"].date.utcoffset() == datetime.timedelta(hours=8)
    assert page[b"ENVELOPE"].from_[0].mailbox == b"olga"
    assert page[b"BODYSTRUCTURE"].is_multipart
    quirky = _shortcut(_SHORT_ANSWERS[2])[11][b"ENVELOPE"]
    assert quirky.subject == b'\xc3\xbc "q" \\ \xff' and quirky.date is None
    assert [address.mailbox for address in quirky.from_] == [b"team", b"b", None]


def test_answers_off_the_lists_shape_are_left_to_the_generic_way():
    """Literals inside an ENVELOPE or BODYSTRUCTURE, other blanks, lower-case names, NIL as a
    flag, numbers where strings belong: not for the shortcut, the same result all the same."""
    for text in [
        b"1 (UID 1 ENVELOPE (NIL " + _literal(b"\xc3\xbc") + b" NIL NIL NIL NIL NIL NIL NIL NIL))",
        b'1 (UID 1 BODYSTRUCTURE ("text" "plain" ("name" '
        + _literal(b"a")
        + b') NIL NIL "7bit" 1 1))',
        b"1 (UID 1  FLAGS ())",
        b"1 (uid 1 FLAGS ())",
        b"1 (UID 1 FLAGS (NIL))",
        b"1 (UID 1 ENVELOPE (NIL 12 NIL NIL NIL NIL NIL NIL NIL NIL))",
        b'1 (UID 1 PREVIEW "a"NIL)',
        b"1 (UID 1 RFC822.SIZE 012)",
    ]:
        data = _chunks(text)
        assert (
            fetch_parser._listed_answer(
                [chunk if isinstance(chunk, tuple) else (chunk, None) for chunk in data],
                normalise_times=False,
                uid_is_key=False,
                raw_dates=True,
                known={},
            )
            is None
        ), text
        _all_agree(data)


def test_dates_of_every_form_read_as_the_generic_way_reads_them():
    """INTERNALDATE and the ENVELOPE's date: the plain forms the shortcut converts itself
    and all the others it leaves to imapclient's date parser come out alike."""
    for date in _DATE.elements:
        data = _chunks(
            b"1 (UID 1 INTERNALDATE "
            + date
            + b" ENVELOPE ("
            + date
            + b" NIL NIL NIL NIL NIL NIL NIL NIL NIL))"
        )
        _all_agree(data)
        if date.startswith(b'"') and b"\\" not in date:  # INTERNALDATE: plain quoted only
            options = {"normalise_times": False, "uid_is_key": False, "raw_dates": True}
            generic = fetch_parser._parse_generic(data, **options)
            assert _plain(_shortcut(data, **options)) == _plain(dict(generic)), date


def test_the_lists_rows_are_made_at_once_with_their_preview():
    """list_rows.summaries() makes each row once, with the server's preview: the rows of
    _summary() with previews.from_server()'s preview, as before."""
    data = [PAGE_LINE, _QUIRKY_ANSWER, *_chunks(_DOVECOT_ANSWER)]
    parsed = parse_fetch(data, normalise_times=False, uid_is_key=False, raw_dates=True)
    answers = [(item[b"UID"], item) for item in parsed.values()]
    folder = imap.SelectedFolder(name="INBOX", uidvalidity=1, readonly=False)
    rows = list_rows.summaries(None, answers, folder)
    assert rows == tuple(
        dataclasses.replace(list_rows._summary(uid, item), preview=previews.from_server(item))
        for uid, item in answers
    )
    assert [row.preview for row in rows] == [
        'Hallo "Anna", anbei \\ das Angebot',
        'a "b"',
        'Grüße, anbei "das" Angebot \\ (neu)',
    ]
    assert rows[0].from_[0].name == "Jana Müller" and rows[0].sort_date == 1704106200
    assert rows == list_rows.summaries(None, answers, folder)  # the addresses kept


# -- the list's answers read when asked (parse_fetch(listed=True)) --------------------------
#
# The list asks its FETCHes with `listed`: the ENVELOPE and BODYSTRUCTURE of its answers are
# then read when and as far as a row needs them (services.messages). The rows must be the
# ones made of the answers read whole, for every answer, errors included.


def _rows(data, listed: bool):
    """What the list makes of `data`: each answer's row fields, server preview and
    BODYSTRUCTURE (as BodyData), by its key."""
    parsed = parse_fetch(
        data, normalise_times=False, uid_is_key=False, raw_dates=True, listed=listed
    )
    return {
        key: (
            list_rows._summary_fields(item.get(b"UID"), item),
            previews.from_server(item),
            list_rows._structure(item),
        )
        for key, item in parsed.items()
    }


@FUZZ
@given(_list_answers())
def test_the_lists_rows_are_the_same_when_its_answers_are_read_when_asked(data):
    # _outcome compares times with their zones (_plain), not only the moments.
    listed = _outcome(partial(_rows, listed=True), data)
    assert listed == _outcome(partial(_rows, listed=False), data)


_WELL_PARAMS = st.sampled_from(
    [b"NIL", b'("charset" "utf-8")', b'("CHARSET" "us-ascii" "format" "flowed")']
    + [b'("name" "a.pdf")', b'("NAME*" "utf-8\'\'%C3%A4.pdf")', b'("name" "")', b'("x-name" "b")']
    + [b'("boundary" "name")', b'("filename*0" "a" "filename*1" "b")', b'("charset" "a \\"b\\"")']
)
_WELL_DISPOSITION = st.sampled_from(
    [b"NIL", b'("inline" NIL)', b'("INLINE" ("size" "12"))', b'("attachment" NIL)']
    + [b'("Attachment" ("filename" "x.pdf"))', b'("inline" ("FileName" "y.png"))']
    + [b'("form-data" ("name" "f"))', b'("inline" ("filename" ""))']
)
_WELL_EXTENSIONS = st.one_of(
    st.just(b""),
    st.tuples(
        st.sampled_from([b"NIL", b'"md5"']),
        st.sampled_from([b"", *(b" " + dsp for dsp in _WELL_DISPOSITION.elements)]),
        st.sampled_from([b"", b" NIL", b' "de"', b' ("de" "en")']),
        st.sampled_from([b"", b" NIL", b' "http://x/y"']),
    ).map(lambda parts: b" " + parts[0] + (parts[1] + parts[2] + parts[3] if parts[1] else b"")),
)
_WELL_PART = st.tuples(
    st.sampled_from([b'"text"', b'"TEXT"', b'"application"', b'"image"', b'"message"']),
    st.sampled_from([b'"plain"', b'"html"', b'"pdf"', b'"png"', b'"rfc822"', b'"delivery-status"']),
    _WELL_PARAMS,
    st.sampled_from([b"NIL", b'"<cid@x>"']),
    st.sampled_from([b"NIL", b'"a description"']),
    st.sampled_from([b'"7bit"', b'"BASE64"', b"NIL"]),
    st.sampled_from([b"0", b"4567"]),
    st.sampled_from([b"", b" 12"]),
    _WELL_EXTENSIONS,
).map(lambda parts: b"(" + b" ".join(parts[:7]) + b"".join(parts[7:]) + b")")
_WELL_BODY = st.recursive(
    _WELL_PART,
    lambda children: st.tuples(
        st.lists(children, min_size=1, max_size=4),
        st.sampled_from([b'"mixed"', b'"alternative"', b'"RELATED"', b'"report"']),
        st.sampled_from([b"", b" NIL", b' ("boundary" "=_x")', b' ("boundary" "b") NIL NIL NIL']),
    ).map(lambda parts: b"(" + b"".join(parts[0]) + b" " + parts[1] + parts[2] + b")"),
    max_leaves=8,
)


def _attachment_both_ways(body: bytes) -> tuple:
    """(the full parse's answer, the answer from the structure read when asked, what that
    read: a ListedStructure or BodyData), each an answer or the kind of error."""
    answers = []
    for listed in (False, True):
        structure = parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"], listed=listed)[1][
            b"BODYSTRUCTURE"
        ]
        try:
            answers.append(list_rows._has_attachment(structure))
        except Exception as error:  # noqa: BLE001 - the kind of error is what is compared
            answers.append(type(error).__name__)
    return answers[0], answers[1], structure


@FUZZ
@given(st.one_of(_WELL_BODY, _BODY))
def test_the_attachment_read_from_a_structure_read_when_asked_is_the_full_parses(body):
    try:
        full = parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"])[1][b"BODYSTRUCTURE"]
    except (ProtocolError, ValueError, TypeError, IndexError):
        return  # imap.fetch() refuses the answer
    whole, asked, structure = _attachment_both_ways(body)
    assert asked == whole == _attachment_as_parsed(full)
    if isinstance(structure, fetch_parser.ListedStructure):
        assert structure.parsed() == full


def test_the_structures_of_most_mail_are_read_when_asked():
    """Plain text, alternative text, a file attached, a multipart of multiparts: kept as
    text; a message too deep or with a literal is read at once, as before."""
    plain = _SENT_BODIES[0]
    for body in [*_SENT_BODIES, b"((" + plain + plain + b' "alternative")' + plain + b' "mixed")']:
        whole, asked, structure = _attachment_both_ways(body)
        assert isinstance(structure, fetch_parser.ListedStructure), body
        assert whole == asked == (b'"attachment"' in body)
    deep = b"(((" + plain + b' "a") "b") "c")'
    assert isinstance(_attachment_both_ways(deep)[2], tuple)


def test_a_structure_of_more_parts_than_the_limit_has_an_attachment_also_read_when_asked():
    """structure.parse_bodystructure() refuses more than limits.MAX_PARTS parts, and the list
    shows such a message with a paper clip: a structure read when asked is parsed when it
    could have that many, although it names no file."""
    leaf = b'("text" "plain" NIL NIL NIL "7bit" 1 1)'
    for count, clip in ((limits.MAX_PARTS - 1, False), (limits.MAX_PARTS, True)):
        whole, asked, structure = _attachment_both_ways(b"(" + leaf * count + b' "mixed")')
        assert isinstance(structure, fetch_parser.ListedStructure)
        assert whole == asked == clip


def test_the_lists_answers_from_dovecot_are_read_when_asked():
    data = [PAGE_LINE, _QUIRKY_ANSWER, *_chunks(_DOVECOT_ANSWER), _NIL_ANSWER]
    parsed = parse_fetch(data, normalise_times=False, uid_is_key=False, raw_dates=True, listed=True)
    assert isinstance(parsed[7][b"ENVELOPE"], fetch_parser.ListedEnvelope)
    assert isinstance(parsed[9][b"BODYSTRUCTURE"], fetch_parser.ListedStructure)
    assert _plain(_rows(data, listed=True)) == _plain(_rows(data, listed=False))
    rows = _rows(data, listed=True)
    assert rows[7][0][11][0].name == "Jana Müller" and rows[9][0][6] is True
    envelope = parsed[11][b"ENVELOPE"]
    assert envelope.subject == b'\xc3\xbc "q" \\ \xff' and envelope.date is None
    assert [address.mailbox for address in envelope.from_] == [b"team", b"b", None]


def test_plain_text_and_an_attached_file_are_told_apart_without_a_parse(monkeypatch):
    """The list's usual structures (text, alternative text, a file with an `attachment`
    disposition) answer from their text alone; an inline part with a file name and a text
    part without its line count (whose fields the parse reads in other places) are parsed."""

    def refuse(_structure):
        raise AssertionError("parsed")

    inline = b'("image" "png" ("name" "a.png") NIL NIL "base64" 4 NIL ("inline" NIL) NIL NIL)'
    no_lines = b'("text" "plain" NIL NIL NIL "7bit" 4 NIL ("attachment" NIL))'
    monkeypatch.setattr(fetch_parser.ListedStructure, "parsed", refuse)
    listed = {
        body: parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"], listed=True)[1][
            b"BODYSTRUCTURE"
        ]
        for body in (*_SENT_BODIES, inline, no_lines)
    }
    for body, clip in zip(_SENT_BODIES, (False, False, True), strict=True):
        assert list_rows._has_attachment(listed[body]) is clip, body
    for body in (inline, no_lines):
        with pytest.raises(AssertionError, match="parsed"):
            list_rows._has_attachment(listed[body])
    monkeypatch.undo()
    for body, clip in ((inline, True), (no_lines, False)):
        assert _attachment_both_ways(body)[:2] == (clip, clip)


# -- the list's rows read straight from the server's text (list_rows.listed_rows) ----------
#
# The list makes its rows of the answers' text where they have Dovecot's shape (its item
# order, see fetch_parser.LISTED_HEAD), in one step instead of two: parse_fetch(listed=True),
# then list_rows.summaries(). The rows must be those two steps' rows, or none at all (and
# then the two steps decide).


def _dovecot_answer(number, uid, flags, date, preview, envelope, body) -> bytes:
    """An answer of the list in Dovecot's order of items; `preview` with its item name."""
    items = [b"UID", uid, b"FLAGS", flags, b"RFC822.SIZE 1330 INTERNALDATE", date + preview]
    items += [b"ENVELOPE", envelope, b"BODYSTRUCTURE", body]
    return number + b" (" + b" ".join(items) + b")"


def _answers(answer):
    return st.lists(answer, min_size=1, max_size=3).map(
        lambda answers: [chunk for text in answers for chunk in _chunks(text)]
    )


# Answers in Dovecot's order with the hostile values of the generators above.
_DOVECOT_LIST_ANSWERS = _answers(
    st.tuples(
        _SEQ,
        st.sampled_from([b"1", b"12", b"012", b"4294967296"]),
        _FLAGS,
        _DATE,
        st.one_of(st.just(b""), _STRING.map(lambda preview: b" PREVIEW " + preview)),
        _ENVELOPE,
        st.one_of(_STRUCTURE, _WELL_BODY),
    ).map(lambda parts: _dovecot_answer(*parts))
)


# Structures of the shapes a ListedStructure keeps (others are parsed: in two steps), without
# a message part (which here lacks the fields Dovecot sends for one).
_LISTED_BODY = _WELL_BODY.filter(
    lambda body: fetch_parser._LISTED_STRUCTURE.fullmatch(body) and b'"message"' not in body
)
# The ENVELOPE of such answers without literals (Dovecot sends 8-bit header text as one:
# such an answer is read in two steps).
_QUOTED_ENVELOPE = _envelopes(
    st.sampled_from([string for string in _SENT_STRING.elements if b"{{L:" not in string]),
    st.sampled_from([date for date in _DATE.elements if date.startswith(b'"')] + _LAST_DAY_DATES),
    st.nothing(),
)


@st.composite
def _sent_list_answers(draw):
    """Answers as Dovecot sends them, for messages of their own: plain INTERNALDATEs, the
    Date headers of every form, strings quoted as it quotes them, keywords as flags,
    structures of every shape, a preview quoted or a literal."""
    count = draw(st.integers(min_value=1, max_value=3))
    numbers = draw(st.lists(st.integers(1, 999), min_size=count, max_size=count, unique=True))
    uids = draw(st.lists(st.integers(1, 99999), min_size=count, max_size=count, unique=True))
    answers = []
    for number, uid in zip(numbers, uids, strict=True):
        answer = _dovecot_answer(
            b"%d" % number,
            b"%d" % uid,
            draw(st.sampled_from([b"()", b"(\\Seen)", b"(\\Seen \\Flagged $Forwarded)"])),
            draw(
                st.sampled_from(
                    [b'"05-Dec-2026 00:50:57 +0100"', b'" 5-Dec-2026 00:50:57 -0000"']
                    + [b'"31-Dec-2026 23:59:59 -1130"']
                )
            ),
            draw(
                st.sampled_from(
                    [b' PREVIEW "Hallo"', b' PREVIEW ""', b" PREVIEW " + _literal(_PREVIEW)]
                )
            ),
            draw(_QUOTED_ENVELOPE),
            draw(st.one_of(_LISTED_BODY, st.sampled_from(_SENT_BODIES))),
        )
        answers.extend(_chunks(answer))
    return answers


def _two_steps(data, with_previews: bool) -> dict:
    """The rows by message number as parse_fetch(listed=True) and list_rows.summaries()
    make them (for answers that all have a UID, an ENVELOPE and the server's preview)."""
    parsed = parse_fetch(data, normalise_times=False, uid_is_key=False, raw_dates=True, listed=True)
    answers = [(item[b"UID"], item) for item in parsed.values()]
    folder = imap.SelectedFolder(name="INBOX", uidvalidity=1, readonly=False)
    rows = list_rows.summaries(None, answers, folder if with_previews else None)
    return dict(zip(parsed, rows, strict=True))


@FUZZ
@given(st.one_of(_list_answers(), _DOVECOT_LIST_ANSWERS, _sent_list_answers()), st.booleans())
def test_the_lists_rows_read_straight_from_the_text_are_those_of_the_two_steps(data, with_previews):
    rows = list_rows.listed_rows(data, with_previews)
    if rows is not None:
        # _plain compares times with their zones, not only the moments.
        assert _plain(rows) == _plain(_two_steps(data, with_previews)), data


@FUZZ
@given(_sent_list_answers(), st.booleans())
def test_what_dovecot_sends_for_the_list_is_made_rows_in_one_step(data, with_previews):
    """Never by the two steps, answer by answer (list_rows._parsed_row), nor all of them
    (listed_rows() giving None)."""
    original = list_rows._parsed_row
    list_rows._parsed_row = _refuse
    try:
        rows = list_rows.listed_rows(data, with_previews)
    finally:
        list_rows._parsed_row = original
    assert rows is not None, data
    assert _plain(rows) == _plain(_two_steps(data, with_previews))


def _refuse(*_args):
    raise AssertionError("read in two steps")


# Zones as far from UTC as the world's clocks go: where the user may read a date.
_FARTHEST_ZONES = (
    datetime.timezone(datetime.timedelta(hours=14)),
    datetime.timezone(-datetime.timedelta(hours=12)),
)


@pytest.mark.parametrize(
    "date", [date for date in _DATE.elements if date.startswith(b'"')] + _LAST_DAY_DATES
)
def test_a_row_of_the_list_has_a_date_of_any_form_or_none(date):
    """Whatever the Date header says (anyone's mail sets it) and whatever INTERNALDATE of
    the plain form (a program that APPENDs sets it; a zone of 24 hours, the last day of
    Python's calendar), the list makes the row, in one step and in two alike: its dates are
    shown in the farthest zones, or are none (headers.placeable_moment)."""
    good = b'"05-Dec-2026 00:50:57 +0100"'
    internal_dates = [good] + ([date] if fetch_parser._INTERNALDATE.fullmatch(date[1:-1]) else [])
    for internal in internal_dates:
        answer = _dovecot_answer(
            b"7",
            b"7",
            b"(\\Seen)",
            internal,
            b' PREVIEW "Hallo"',
            b"(" + date + b' "s" NIL NIL NIL NIL NIL NIL NIL "<a@b>")',
            _SENT_BODIES[0],
        )
        data = _chunks(answer)
        rows = list_rows.listed_rows(data, True)
        assert rows is not None, answer
        assert _plain(rows) == _plain(_two_steps(data, True)), answer
        row = rows[7]
        for moment in (row.date, row.internal_date):
            for zone in _FARTHEST_ZONES:
                assert moment is None or moment.astimezone(zone), answer
    hostile_internal_dates = (b'"05-Dec-9999 23:59:59 -0100"', b'"05-Dec-2026 00:50:57 +2400"')
    assert len(internal_dates) == 2 or date not in hostile_internal_dates


def _copied(chunk):
    """An equal chunk that is another object."""
    if type(chunk) is tuple:
        return tuple(bytes(bytearray(part)) for part in chunk)
    return bytes(bytearray(chunk))


@FUZZ
@given(
    st.one_of(_list_answers(), _sent_list_answers()),
    st.booleans(),
    st.sampled_from(["all", "after some", "others alike", "more"]),
)
def test_rows_made_as_the_answers_are_read_are_listed_rows_of_them(data, with_previews, took):
    """The rows a RowsAsRead made of the answers it was given are listed_rows() of them;
    of answers it was not all given (it began to watch after some; another list alike;
    answers it was given that are not all in the list), listed_rows() of those asked for."""
    expected = list_rows.listed_rows(data, with_previews)
    made = list_rows.RowsAsRead(with_previews)
    given_chunks = {
        "all": data,
        "after some": data[2:],
        "others alike": [_copied(chunk) for chunk in data],
        "more": [b"1 (UID 1 FLAGS () MODSEQ (3))", *data],
    }[took]
    for chunk in given_chunks:
        made(chunk)
    original, calls = list_rows.listed_rows, []
    list_rows.listed_rows = lambda *args: calls.append(args) or original(*args)
    try:
        rows = made.rows_of(data)
    finally:
        list_rows.listed_rows = original
    assert rows == expected
    # Made again of `data` unless it took these very answers.
    these = len(given_chunks) == len(data) and all(map(operator.is_, given_chunks, data))
    assert calls == ([] if these else [(data, with_previews)])
    assert these or took != "all"


def test_answers_the_two_steps_would_merge_or_read_more_for_are_left_to_them():
    """Two answers for one message or one UID (parse_fetch merges them), a preview the
    server did not make (read here then), an unsolicited change of flags, an answer that
    cannot be read: no rows in one step; with the preview, and for Dovecot's answers
    (literal preview, quoted preview, none asked for), rows."""
    dovecot = _chunks(_DOVECOT_ANSWER)
    assert list_rows.listed_rows(dovecot, True)[9].preview == 'Grüße, anbei "das" Angebot \\ (neu)'
    nothing = b"(" + b" ".join([b"NIL"] * 10) + b")"
    date = b'"05-Dec-2026 00:50:57 +0100"'
    quoted = _dovecot_answer(
        b"3", b"60", b"()", date, b' PREVIEW "Hallo"', nothing, _SENT_BODIES[0]
    )
    unasked = quoted.replace(b' PREVIEW "Hallo"', b"")
    assert list_rows.listed_rows([quoted], True)[3].preview == "Hallo"
    assert list_rows.listed_rows([unasked], False)[3].preview == ""
    assert list_rows.listed_rows([unasked], True) is None
    assert list_rows.listed_rows([quoted.replace(b'"Hallo"', b"NIL")], True) is None
    assert list_rows.listed_rows([*dovecot, quoted.replace(b"3 (", b"9 (")], True) is None
    assert list_rows.listed_rows([*dovecot, quoted.replace(b"UID 60", b"UID 951")], True) is None
    assert list_rows.listed_rows([*dovecot, b"3 (FLAGS (\\Seen) MODSEQ (5))"], True) is None
    assert list_rows.listed_rows([*dovecot, quoted[:-1]], True) is None
    assert list_rows.listed_rows([*dovecot, quoted], True).keys() == {9, 3}


def _groups_in_possessive_repeats(items, inside: bool = False) -> bool:
    """Whether a parsed pattern has a capturing group inside a possessive repeat."""
    constants = re._constants
    for op, value in items:
        parts = []
        if op is constants.SUBPATTERN:
            if value[0] is not None and inside:
                return True
            parts = [(value[-1], inside)]
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT):
            parts = [(value[2], inside or op is constants.POSSESSIVE_REPEAT)]
        elif op is constants.BRANCH:
            parts = [(branch, inside) for branch in value[1]]
        if any(_groups_in_possessive_repeats(*part) for part in parts):
            return True
    return False


def test_no_pattern_has_a_group_inside_a_possessive_repeat():
    """Python 3.11's re raises a SystemError ("The span of capturing group is wrong") for
    some texts where a group sits inside a repeat like `(?:...)*+`: none of the services'
    patterns has one (the check itself finds the one that had)."""
    had = rb"((?: ([A-Z]++) (?:(0|[1-9][0-9]*+)|\(([0-9]++:[0-9]++) ([0-9,:]++)\)))*+)\Z"
    assert _groups_in_possessive_repeats(re._parser.parse(had, 0))
    found = []
    services = importlib.import_module(fetch_parser.__package__)
    for module_info in pkgutil.iter_modules(services.__path__):
        module = importlib.import_module(f"{services.__name__}.{module_info.name}")
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and _groups_in_possessive_repeats(
                re._parser.parse(value.pattern, value.flags)
            ):
                found.append(f"{module_info.name}.{name}")
    assert found == []
