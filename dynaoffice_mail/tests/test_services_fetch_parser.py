"""The list's FETCH parser (services.fetch_parser) against imapclient's, whose results it must
give: for real answers, for answers cut and spliced from hostile pieces, and for random
bytes, the same values or an error of the same kind."""

import dataclasses
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_fetch_response, parse_response

from odoo.addons.dynaoffice_mail.services import messages
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
        return "datetime", value.replace(tzinfo=None), offset
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
)
_PARAMS = st.sampled_from(
    [b"NIL", b'("charset" "utf-8")', b'("name" "a.pdf")', b'("NAME*" "a")', b'("charset")']
    + [b'("filename*0" "a")', b'("boundary" "x")', b"()", b'("charset" NIL)', b"(1 2)"]
)
_DISPOSITION = st.sampled_from(
    [b"NIL", b'("attachment" NIL)', b'("inline" NIL)', b'("inline" ("filename" "x"))', b"()"]
    + [b'("attachment")', b"12", b'"x"', b'(("a") NIL)']
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
    """messages._plainly_without_attachment() says "no attachment" only for structures that
    structure.has_attachment() reads without error and finds none in."""
    try:
        parsed = parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + body + b")"])
    except (ProtocolError, ValueError, TypeError, IndexError):
        return  # imap.fetch() refuses the answer
    structure = parsed[1].get(b"BODYSTRUCTURE")
    if not structure or not messages._plainly_without_attachment(structure):
        return
    assert not has_attachment(parse_bodystructure(structure))


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
        assert messages._plainly_without_attachment(structure) is shortcut, body
        assert messages._has_attachment(structure) == has_attachment(parse_bodystructure(structure))
    assert messages._has_attachment(
        parse_fetch([b"1 (UID 1 BODYSTRUCTURE " + pdf + b")"])[1][b"BODYSTRUCTURE"]
    )
