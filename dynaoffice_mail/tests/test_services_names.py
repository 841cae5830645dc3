"""Names and texts from the server are clean before anything stores them: no NUL (which
PostgreSQL refuses), no other control characters, no lone surrogates (which no database
encoding takes), one line where a name is one line. Cleaned once, where the services decode
them (headers.clean_text), so every caller gets clean text; checked on a table of what
other mail programs write, on generated text, and on a draft stored in the real Dovecot.
"""

import base64
import datetime
import re
import secrets
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.fixed_offset import FixedOffset

from odoo.addons.dynaoffice_mail.services import headers, imap, messages, mime, reading
from odoo.addons.dynaoffice_mail.services.headers import (
    clean_text,
    decode_header_text,
    decode_params,
)
from odoo.addons.dynaoffice_mail.services.names import eml_filename, safe_filename
from odoo.addons.dynaoffice_mail.tests.common import imap_settings

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8
# A draft as another mail program might leave it in Drafts: a NUL, CR/LF, C1 controls and
# a lone surrogate (UTF-7's "+2AA-") in the subject and the file names, a NUL in the text.
HOSTILE_SUBJECT = b"=?utf-8?q?Entwurf=00_M=C3=A4rz=0D=0Azwei=C2=9Fdrei?= =?utf-7?q?+2AA-?="
CLEAN_SUBJECT = "Entwurf März zweidrei\ufffd"
# (Content-Disposition parameters, content) -> the name the user sees.
HOSTILE_FILES = [
    (b"filename*=utf-8''Angebot%00M%C3%A4rz.pdf", PDF, "AngebotMärz.pdf"),
    (b'filename="=?utf-8?q?Zeile=0D=0Azwei.txt?="', b"zwei", "Zeile zwei.txt"),
    (b'filename="=?utf-8?q?Preis=C2=9Fliste=C2=85neu.csv?="', b"a;b", "Preisliste neu.csv"),
    (b'filename="=?utf-7?q?Bild+2AA-.png?="', b"\x89PNG", "Bild\ufffd.png"),
]
# Written raw: Dovecot stores the NUL as 0x80, a byte that is no text in any header.
RAW_FILE = (b'filename="Roh\x00\x80.bin"', b"roh")


def hostile_draft(sender, recipient):
    """The draft's source: a text with a NUL, the HOSTILE_FILES and the RAW_FILE."""
    boundary = f"b{secrets.token_hex(6)}".encode()
    text = (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\nHallo=00 Welt=C2=9F, bis bald.\r\n"
    )
    parts = [text]
    for params, content, _name in [*HOSTILE_FILES, (*RAW_FILE, None)]:
        parts.append(
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; " + params + b"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(content)
        )
    head = (
        f"From: {sender}\r\nTo: {recipient}\r\n".encode()
        + b"Subject: "
        + HOSTILE_SUBJECT
        + b"\r\n"
        + f"Message-ID: <{secrets.token_hex(8)}@dynaoffice.test>\r\n".encode()
        + b"MIME-Version: 1.0\r\n"
        + b'Content-Type: multipart/mixed; boundary="'
        + boundary
        + b'"\r\n\r\n'
    )
    body = b"".join(b"--" + boundary + b"\r\n" + part for part in parts)
    return head + body + b"--" + boundary + b"--\r\n"


def assert_clean_name(name):
    """One line of text PostgreSQL stores: no control character, no lone surrogate."""
    assert isinstance(name, str)
    unclean = [char for char in name if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")]
    assert not unclean, repr(name)
    name.encode("utf-8")  # raises on a lone surrogate


# -- the table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "one_line", "multiline"),
    [
        ("Angebot März 2026.pdf", "Angebot März 2026.pdf", "Angebot März 2026.pdf"),
        ("a\x00b", "ab", "ab"),  # NUL: PostgreSQL refuses it in text
        ("Zeile\r\nzwei", "Zeile zwei", "Zeile\r\nzwei"),
        ("a\t\tb", "a b", "a\t\tb"),
        ("Preis\x9fliste\x7f", "Preisliste", "Preisliste"),  # C1 and DEL
        ("a\x85b\u2028c\u2029d", "a b c d", "ab\u2028c\u2029d"),  # line breaks of Unicode
        ("a\x0b\x0c\x1cb", "a b", "ab"),
        ("\x01\x1f\x1b[31mrot", "[31mrot", "[31mrot"),
        ("Bild\ud800.png", "Bild\ufffd.png", "Bild\ufffd.png"),  # from UTF-7 "+2AA-"
        # The email package keeps 8-bit bytes as surrogates: they come back as to_text
        # reads bytes (UTF-8, else Latin-1), or as U+FFFD beside other text.
        ("Gr\udcc3\udcbc\udcc3\udc9fe", "Grüße", "Grüße"),
        ("Bericht_\udce4.pdf", "Bericht_ä.pdf", "Bericht_ä.pdf"),
        ("Grüße\udcff", "Grüße\ufffd", "Grüße\ufffd"),
        ("Roh\udc80\udc80.bin", "Roh.bin", "Roh.bin"),  # Latin-1 0x80 is a C1 control
        ("👍 日本語 עברית", "👍 日本語 עברית", "👍 日本語 עברית"),
    ],
)
def test_clean_text_table(text, one_line, multiline):
    assert clean_text(text) == one_line
    assert clean_text(text, multiline=True) == multiline


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"=?utf-8?q?a=00b?=", "ab"),
        (b"=?utf-8?b?" + base64.b64encode(b"a\r\nBcc: x") + b"?=", "a Bcc: x"),
        (b"=?utf-7?q?+2AA-x?=", "\ufffdx"),
        (b"=?utf-8?q?=C2=85=C2=9F?= ok", "ok"),  # C1 controls (NEL, APC)
        (b"Roh\x00\x80", "Roh"),  # raw bytes, not UTF-8: read as Latin-1
        (HOSTILE_SUBJECT, CLEAN_SUBJECT),
    ],
)
def test_decoded_header_text_is_clean(raw, expected):
    assert decode_header_text(raw) == expected


@pytest.mark.parametrize(("params", "_content", "expected"), HOSTILE_FILES)
def test_file_names_from_bodystructure_parameters_are_clean(params, _content, expected):
    name, _equals, value = params.partition(b"=")
    assert decode_params([name, value.strip(b'"')])["filename"] == expected


def test_a_parameter_in_a_charset_that_cannot_replace_still_reads():
    """RFC 2231 names a codec that raises instead of replacing (idna): read as UTF-8."""
    params = decode_params([b"filename*", b"idna''Bericht%20%C3%A4.pdf", b"name", b"x.pdf"])
    assert params == {"filename": "Bericht ä.pdf", "name": "x.pdf"}


def test_a_draft_with_hostile_names_is_read_back_clean():
    raw = hostile_draft("Olga <olga@dynaoffice.test>", "kunde@example.org")
    draft = mime.parse_draft(raw)
    assert draft.subject == CLEAN_SUBJECT
    names = [attachment.filename for attachment in draft.attachments]
    assert names[:-1] == [name for _params, _content, name in HOSTILE_FILES]
    assert names[-1].startswith("Roh") and names[-1].endswith(".bin")
    for name in names:
        assert_clean_name(name)
    contents = [attachment.data for attachment in draft.attachments]
    assert contents == [content for _params, content, _name in HOSTILE_FILES] + [RAW_FILE[1]]
    # What the composer shows goes back into a header when the draft is saved again.
    mime.build_message(draft)


def test_a_draft_whose_file_name_the_email_package_cannot_decode_still_opens():
    """Found: UTF-7 in a file name made every look at Content-Disposition raise
    UnicodeEncodeError in the email package, get_body() included: the draft did not open."""
    for params in (b"filename*=utf-7''Bild%2B2AA-.png", b'filename="=?utf-7?q?+2AA-?="'):
        raw = hostile_draft("olga@dynaoffice.test", "kunde@example.org").replace(
            HOSTILE_FILES[0][0], params
        )
        draft = mime.parse_draft(raw)
        assert len(draft.attachments) == len(HOSTILE_FILES) + 1
        assert_clean_name(draft.attachments[0].filename)


# -- file names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Angebot.pdf", "Angebot.pdf"),
        ("Angebot 2026/17: Dach", "Angebot 2026 17 Dach"),  # a subject as a file name
        ("..\\..\\evil.exe", "evil.exe"),
        ("/etc/passwd", "etc passwd"),
        (" .hidden. ", "hidden"),
        ('<img src=x onerror="alert(1)">.txt', "img src=x onerror= alert(1) .txt"),
        ("Zeile\r\n\tzwei\x00.txt", "Zeile zwei.txt"),
        ("Preis\x9fliste\u2028neu.csv", "Preisliste neu.csv"),
        ("Bild\ud800.png", "Bild\ufffd.png"),
        ("Rechnung\u202efdp.exe", "Rechnungfdp.exe"),  # would read "Rechnungexe.pdf"
        ("\u2067Beleg\u200f.\u2069scr", "Beleg.scr"),
        ("עברית.pdf", "עברית.pdf"),  # right-to-left text itself stays
        ("a" * 200 + ".pdf", "a" * 116 + ".pdf"),  # cut, the extension kept
        ("a" * 200 + ".x" + "y" * 20, ("a" * 200 + ".x" + "y" * 20)[:120]),
        # Cut in bytes too: 120 characters of Japanese or emoji are more than a file
        # system takes (255 bytes), and a place's suffix "(1)" must still fit.
        ("見" * 200 + ".pdf", "見" * 78 + ".pdf"),
        ("👍" * 100, "👍" * 60),
        ("€" * 100 + ".pdf", "€" * 78 + ".pdf"),  # 104 characters, but 304 bytes
        ("", "fallback.bin"),
        ("  ..  ", "fallback.bin"),
        ('\\/:*?"<>|', "fallback.bin"),
        (None, "fallback.bin"),
    ],
)
def test_file_names_are_safe_for_every_file_system(name, expected):
    safe = safe_filename(name, "fallback.bin")
    assert safe == expected
    assert len(safe) <= 120
    assert len(safe.encode()) <= 240
    assert_clean_name(safe)
    assert safe_filename(safe, "fallback.bin") == safe


def test_a_message_saved_as_a_file_is_named_after_its_subject():
    assert eml_filename("Re: Angebot 2026/17") == "Re Angebot 2026 17.eml"
    assert eml_filename("") == "message.eml"
    assert eml_filename("x" * 500) == "x" * 116 + ".eml"
    assert eml_filename("見積書" * 100) == ("見積書" * 100)[:78] + ".eml"


@settings(derandomize=True, database=None, deadline=None, max_examples=300)
@given(name=st.text(max_size=300))
def test_any_file_name_comes_out_safe(name):
    safe = safe_filename(name, "file")
    assert safe and len(safe) <= 120 and len(safe.encode()) <= 240
    assert_clean_name(safe)
    assert not set(safe) & set('/\\:*?"<>|')
    assert not set(safe) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not safe.startswith((".", " ")) and not safe.endswith((".", " "))


# -- generated text -----------------------------------------------------------------------------

ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from("\x00\r\n\t\x0b\x85\x9f\x7f\u2028\ud800\udfff\udc80\udcff"),
    ),
    max_size=40,
)


@settings(derandomize=True, database=None, deadline=None, max_examples=500)
@given(text=ANY_TEXT)
def test_clean_text_leaves_nothing_a_database_or_a_line_refuses(text):
    cleaned = clean_text(text)
    assert_clean_name(cleaned)
    assert clean_text(cleaned) == cleaned
    lines = clean_text(text, multiline=True)
    lines.encode("utf-8")
    controls = [char for char in lines if unicodedata.category(char) == "Cc"]
    assert set(controls) <= set("\t\n\r"), repr(lines)
    if not any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in text):
        assert cleaned == text == lines


@settings(derandomize=True, database=None, deadline=None, max_examples=200)
@given(name=ANY_TEXT)
def test_any_encoded_file_name_decodes_clean(name):
    encoded = name.encode("utf-8", "surrogatepass")
    for value in (
        b"=?utf-8?b?" + base64.b64encode(encoded) + b"?=",
        b"=?utf-7?b?" + base64.b64encode(name.encode("utf-7", "surrogatepass")) + b"?=",
        encoded,
    ):
        assert_clean_name(decode_header_text(value))


_WORD_CHARSETS = ["utf-8", "UTF-8", "iso-8859-1", "utf-8*de", " utf-8", "utf-7", "idna"]
_WORD_CHARSETS += ["unicode-escape", "x-unknown", "", "windows-1252"]


@st.composite
def _encoded_words(draw) -> str:
    """One RFC 2047 word: a charset of any kind, Q or B, text encoded right or broken."""
    charset = draw(st.sampled_from(_WORD_CHARSETS))
    encoding = draw(st.sampled_from("qQbB"))
    data = draw(
        st.one_of(
            ANY_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")), st.binary(max_size=30)
        )
    )
    if encoding in "bB":
        encoded = base64.b64encode(data).decode()
        encoded = draw(
            st.sampled_from(
                [encoded, encoded.rstrip("="), encoded[:-1], "&" + encoded, encoded + "A"]
            )
        )
    else:
        encoded = "".join(
            chr(byte) if chr(byte).isalnum() and byte < 128 else f"={byte:02X}" for byte in data
        )
        encoded = draw(st.sampled_from([encoded, encoded + "=", "=ZZ" + encoded, encoded + "_x"]))
    return f"=?{charset}?{encoding}?{encoded}?="


@settings(derandomize=True, database=None, deadline=None, max_examples=500)
@given(word=_encoded_words())
def test_a_subject_of_one_encoded_word_decodes_as_among_other_text(word):
    """A text that is one encoded word and nothing else (read in one step) decodes as the
    same word after a blank, where it is read among the text around it."""
    assert decode_header_text(word.encode()) == decode_header_text(b" " + word.encode())


def test_a_subject_of_one_encoded_word_is_decoded_in_one_step(monkeypatch):
    """Such a subject is not split into the pieces of a mixed text (finditer)."""
    pattern = headers._ENCODED_WORD

    class _WholeOnly:
        fullmatch = pattern.fullmatch

        def finditer(self, _text):
            raise AssertionError("read as a mixed text")

    monkeypatch.setattr(headers, "_ENCODED_WORD", _WholeOnly())
    assert decode_header_text(b"=?utf-8?q?=C3=9Cbergabe_Projekt?=") == "Übergabe Projekt"
    assert decode_header_text(b"=?utf-8?b?w5xiZXJnYWJl?=") == "Übergabe"
    with pytest.raises(AssertionError, match="mixed text"):
        decode_header_text(b"Re: =?utf-8?q?=C3=9Cbergabe?=")


def _q_bytes_as_specified(encoded: str) -> bytes:
    """RFC 2047's Q: "_" a blank, "=" and two hex digits a byte, anything else as it is."""
    data = encoded.replace("_", " ").encode("utf-8", "surrogateescape")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda match: bytes([int(match[1], 16)]), data)


@settings(derandomize=True, database=None, deadline=None, max_examples=1000)
@given(encoded=st.text(alphabet="=_0123aAbBcCdDfFgG9z:.\u00fc\u20ac\udcc3", max_size=40))
def test_a_q_word_decodes_as_rfc_2047_says_whichever_way_it_is_read(encoded):
    """The Q word's bytes, read in C (binascii.a2b_qp) where every "=" begins an escape and
    with _Q_ESCAPE otherwise, are those the rule gives: also for "==", "=" at the end, "=3D"
    followed by hex digits, and 8-bit text."""
    assert headers._word_bytes("q", encoded) == _q_bytes_as_specified(encoded)


def test_a_q_word_whose_equals_signs_all_begin_escapes_is_read_in_c(monkeypatch):
    class _Refused:
        def sub(self, *_args):
            raise AssertionError("read with the regular expression")

    monkeypatch.setattr(headers, "_Q_ESCAPE", _Refused())
    assert (
        headers._word_bytes("Q", "Pr=C3=BCfung_f=c3=bcr_M=C3=A4rz") == "Prüfung für März".encode()
    )
    with pytest.raises(AssertionError, match="regular expression"):
        headers._word_bytes("Q", "a=")


# -- the real Dovecot ----------------------------------------------------------------------------


def test_names_read_from_dovecot_are_clean(mail_servers, mailbox):
    address, password = mailbox
    client = imap.connect(imap_settings(mail_servers, address, password))
    try:
        client.append("Drafts", hostile_draft(address, "kunde@example.org"))
        page = messages.page_messages(client, "Drafts")
        (summary,) = page.messages
        assert summary.subject == CLEAN_SUBJECT
        view = reading.read_message(client, "Drafts", page.uidvalidity, summary.uid)
    finally:
        imap.close_quietly(client)
    assert view.subject == CLEAN_SUBJECT
    assert view.text.startswith("Hallo Welt, bis bald.")
    names = [attachment.filename for attachment in view.attachments]
    assert names[:-1] == [name for _params, _content, name in HOSTILE_FILES]
    for name in names:
        assert_clean_name(name)
    assert names[-1].startswith("Roh") and names[-1].endswith(".bin")


def test_a_date_is_kept_where_every_time_zone_can_show_it():
    """headers.placeable_moment: a Date within a day of the ends of Python's calendar, or
    with a zone of 24 hours (imapclient makes one, Python refuses it when asked), is none;
    any other is kept as it is, one without a zone counted as UTC."""
    utc, zone = datetime.timezone.utc, datetime.timezone

    def moment(*fields, tzinfo=utc):
        return datetime.datetime(*fields, tzinfo=tzinfo)

    kept = [
        moment(2026, 12, 4, 10, 0, tzinfo=zone(datetime.timedelta(hours=1))),
        moment(9999, 12, 30, 23, 59, 59),
        moment(9999, 12, 31, 22, 0, tzinfo=zone(datetime.timedelta(hours=23))),
        moment(1, 1, 2, 0, 0),
        moment(1, 1, 1, 1, 0, tzinfo=zone(-datetime.timedelta(hours=23))),
        moment(2026, 12, 4, 10, 0, tzinfo=FixedOffset(-23 * 60 - 59)),
        datetime.datetime(9999, 12, 30, 12, 0),
    ]
    for value in kept:
        assert headers.placeable_moment(value) is value
    beyond = [
        moment(9999, 12, 31, 23, 59, 59, tzinfo=zone(-datetime.timedelta(hours=1))),
        moment(9999, 12, 31, 0, 0),
        moment(1, 1, 1, 23, 59, 59),
        moment(1, 1, 2, 0, 0, tzinfo=zone(datetime.timedelta(minutes=1))),
        moment(2026, 12, 4, 10, 0, tzinfo=FixedOffset(24 * 60)),
        moment(2026, 12, 4, 10, 0, tzinfo=FixedOffset(-99 * 60 - 59)),
        datetime.datetime(9999, 12, 31, 0, 0),
    ]
    for value in beyond:
        assert headers.placeable_moment(value) is None, value
    assert headers.placeable_moment(None) is None
    # What Python reads of a header, as the reading pane does.
    assert reading._date("Fri, 31 Dec 9999 23:59:59 -0100") is None
    assert reading._date("Fri, 04 Dec 2026 10:00:00 +2400") is None
    assert reading._date("Fri, 04 Dec 2026 10:00:00 -0000") == moment(2026, 12, 4, 10, 0)
