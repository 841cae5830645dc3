"""Header text as IMAP hands it over (raw bytes, RFC 2047 words, RFC 2231 parameters)."""

import binascii
import codecs
import datetime
import email.utils
import re

_FOLDING = re.compile(r"\r?\n(?=[ \t])")
# What clean_text() looks at: C0 (NUL among them) and C1 control characters, DEL,
# surrogates, and Unicode's own line and paragraph separators.
UNCLEAN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# Among them, what separates words: tabs and every character str.splitlines() breaks at.
_BLANKS = re.compile("[\t\n\x0b\x0c\r\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# As email.header reads them: no blank inside, no "?" in the charset or the encoded text.
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?\s]*)\?=")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
# An "=" that begins no escape: _Q_ESCAPE leaves it as it is, binascii.a2b_qp() would not.
_LONE_EQUALS = re.compile(r"=(?![0-9A-Fa-f]{2})")
# Python's calendar ends with the years 1 and 9999: a moment within a day of either end
# cannot be shown in every time zone (placeable_moment).
_FIRST_MOMENT = datetime.datetime.min + datetime.timedelta(days=1)
_LAST_MOMENT = datetime.datetime.max - datetime.timedelta(days=1)
# Python's date parser (email.utils.parsedate_tz) adds 1900 or 2000 to any year below 100,
# however written: "0001" becomes 2001. The numbers of a Date header (not the time's, not
# the zone's) say how its year was written (sent_moment). Mail's dates begin with 1900
# (RFC 5322 section 3.3); Dovecot reads no earlier year either, and sorts such mail by arrival.
_DATE_NUMBERS = re.compile(rb"(?<![0-9:.+])[0-9]+(?![0-9:]|\.[0-9])")
FIRST_MAIL_YEAR = 1900
_TWO_DIGIT_YEARS = range(1969, 2069)
# Codecs that are no charset of mail text: decoding with them would turn escapes into text.
_NOT_TEXT_CODECS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
# Charset names mail programs write that Python knows as a smaller charset than the one they
# mean, or not at all, read as browsers and Thunderbird read them (WHATWG Encoding Standard):
# the euro sign and typographic quotes of Windows in "iso-8859-1" mail (Latin-1 has control
# characters there), Chinese, Korean and Japanese mail named after the older standard but
# written in its Windows superset, Mac names; Outlook's Hebrew "iso-8859-8-i" and Thai
# "windows-874" too, which Python knows only once Odoo has taught it (odoo/_monkeypatches).
_CHARSET_ALIASES = {
    **dict.fromkeys(
        ("iso-8859-8-i", "iso-8859-8-e", "csiso88598i", "csiso88598e", "logical", "visual"),
        "iso8859-8",
    ),
    **dict.fromkeys(("iso-8859-6-i", "iso-8859-6-e", "csiso88596i", "csiso88596e"), "iso8859-6"),
    **dict.fromkeys(("windows-874", "dos-874", "iso-8859-11", "iso8859-11", "tis-620"), "cp874"),
    **dict.fromkeys(
        ("iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "csisolatin1"),
        "cp1252",
    ),
    **dict.fromkeys(("iso-8859-9", "iso8859-9", "iso_8859-9", "latin5", "l5"), "cp1254"),
    **dict.fromkeys(("x-cp1250",), "cp1250"),
    **dict.fromkeys(("x-cp1251",), "cp1251"),
    **dict.fromkeys(("x-mac-roman", "mac"), "mac-roman"),
    **dict.fromkeys(("x-mac-cyrillic", "x-mac-ukrainian"), "mac-cyrillic"),
    **dict.fromkeys(
        ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j", "x-ms-cp932"),
        "cp932",
    ),
    **dict.fromkeys(("x-euc-jp",), "euc_jp"),
    **dict.fromkeys(
        ("gb2312", "gb_2312", "gb_2312-80", "csgb2312", "chinese", "gbk", "x-gbk"), "gb18030"
    ),
    **dict.fromkeys(
        ("euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "ksc_5601", "korean"),
        "cp949",
    ),
    **dict.fromkeys(
        ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"),
        "utf-8",
    ),
}


def to_text(value: bytes | str | int | None) -> str:
    """Bytes from the server as text: UTF-8 when they are, else Latin-1, which never fails."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Text from the server as names and texts in Odoo may hold it.

    Other mail programs write what no standard allows, and decoding brings it to light: NUL
    and other control characters (`=00` in an encoded word, `%00` in an RFC 2231 file name),
    C1 controls (Latin-1 read from stray 8-bit bytes), lone surrogates (the email package's
    stand-ins for 8-bit bytes, or UTF-7's "+2AA-"). PostgreSQL stores neither NUL nor a
    lone surrogate, and the others are nothing a person wrote.

    Surrogates that stand for bytes become those bytes read as to_text() reads them, other
    surrogates U+FFFD. Then, by default, tabs and line breaks of any kind become one blank
    (a name or a subject is one line) and the other control characters are dropped; with
    `multiline` (a body text), tabs and CR/LF stay.
    """
    if text.isprintable() or not UNCLEAN.search(text):  # none of UNCLEAN is printable
        return text
    if _SURROGATES.search(text):
        text = _without_surrogates(text)
    if multiline:
        return _CONTROLS_BUT_LINES.sub("", text)
    return _CONTROLS.sub("", _BLANKS.sub(" ", text))


def _without_surrogates(text: str) -> str:
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that stand for no byte
        return _SURROGATES.sub("\ufffd", text)
    if _SURROGATES.sub("", text).isascii():
        return to_text(data)  # bytes that came as they are: UTF-8, else Latin-1
    return data.decode("utf-8", "replace")


def decode_header_text(value: bytes | str | None) -> str:
    """Unfold and decode RFC 2047 encoded words; what cannot be decoded stays as it came.

    The result is one line of clean text (see clean_text): a line break left in a subject
    would break the one-line list the user sees, and a NUL would not get into the database.
    """
    text = to_text(value)
    if "\n" in text:
        text = _FOLDING.sub("", text)
    if "=?" in text:
        text = _decode_words(text)
    return clean_text(text).strip()


def _decode_words(text: str) -> str:
    """RFC 2047 words decoded, in one pass over the text.

    Not email.header.decode_header(): it hands the text between words back as bytes made
    with raw-unicode-escape, which cannot be told apart from a backslash the sender wrote,
    so "C:\\users" failed to decode and "\\u0041" came out as "A". Adjacent words of one
    charset are joined before decoding, as a character may be split between two of them;
    blanks between two words are dropped (RFC 2047, section 6.2).
    """
    whole = _ENCODED_WORD.fullmatch(text)
    if whole is not None:  # one word and nothing else (a subject mostly is): as below
        data = _word_bytes(whole[2], whole[3])
        if data is not None:
            return _decode_chunk(data, _charset(whole[1]))
    pieces = []  # [charset, bytearray] for decoded words, [None, str] for text as it came
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        position = match.end()
        charset, encoding, encoded = match.groups()
        data = _word_bytes(encoding, encoded)
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append([None, between])
        if data is None:
            pieces.append([None, match.group()])
            continue
        charset = _charset(charset)
        if pieces and pieces[-1][0] == charset:
            pieces[-1][1] += data
        else:
            pieces.append([charset, bytearray(data)])
    pieces.append([None, text[position:]])
    return "".join(
        value if charset is None else _decode_chunk(bytes(value), charset)
        for charset, value in pieces
    )


def _charset(name: str) -> str:
    return name.split("*", 1)[0].strip().lower()  # without RFC 2231's language suffix


def _word_bytes(encoding: str, encoded: str) -> bytes | None:
    """The bytes of one encoded word, or None if they are not what the word says."""
    if encoding in "bB":
        data = encoded.encode("ascii", "ignore")
        data += b"=" * (-len(data) % 4)  # many mailers leave out the padding
        try:
            return binascii.a2b_base64(data, strict_mode=False)
        except (binascii.Error, ValueError):
            return None
    data = encoded.encode("utf-8", "surrogateescape")
    if not _LONE_EQUALS.search(encoded):
        # Every "=" begins an escape: binascii's decoder (in C; with `header`, "_" is a
        # blank) reads the word alike, in a tenth of the time. German subjects and names
        # mostly come so.
        return binascii.a2b_qp(data, header=True)
    return _Q_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data.replace(b"_", b" "))


def mail_codec(charset: str | None) -> str | None:
    """The Python codec that reads text of the MIME charset `charset` as mail programs mean
    it (see _CHARSET_ALIASES), or None for none fit for mail text (unknown, or a codec for
    other purposes: a charset naming one is nonsense or an attempt to have escapes read)."""
    name = (charset or "").strip().strip("\"'").lower()
    if not name:
        return None
    try:
        info = codecs.lookup(_CHARSET_ALIASES.get(name, name))
    except (LookupError, ValueError):
        return None
    if info.name in _NOT_TEXT_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _decode_chunk(chunk: bytes, charset: str) -> str:
    codec = mail_codec(charset)
    if codec is None:  # a charset Python does not know
        return chunk.decode("utf-8", "replace")
    try:
        return chunk.decode(codec, "replace")
    except (LookupError, ValueError, TypeError):
        return chunk.decode("utf-8", "replace")


def placeable_moment(moment: datetime.datetime | None) -> datetime.datetime | None:
    """`moment` (a Date header or INTERNALDATE as read) where any time zone can show it;
    None where its zone is no zone (an offset of 24 hours or more: "+2400", which Python
    refuses the moment it is asked) or where it lies within a day of the ends of Python's
    calendar ("31 Dec 9999 23:59:59 -0100" is in the year 10000 in UTC). Such a date is
    read as none, as one that cannot be read at all: the message is listed, opened and
    answered all the same. A moment without a zone counts as UTC."""
    if moment is None:
        return None
    try:
        utc = moment.replace(tzinfo=None) - (moment.utcoffset() or datetime.timedelta())
    except (ValueError, OverflowError):
        return None
    return moment if _FIRST_MOMENT <= utc <= _LAST_MOMENT else None


def sent_moment(text: bytes | str | None, moment: datetime.datetime | None):
    """`moment`, as Python's date parser read it of the Date header `text`, where the header
    names a year of mail; None for a year before 1900 (a year of three digits among them)
    and for one that the parser took for a two-digit year although it was written otherwise
    ("Mon, 1 Jan 0001" is no date of 2001). Such a date counts as none: the message is
    shown with the day it arrived, as mail without a readable date is."""
    if moment is None or moment.year < FIRST_MAIL_YEAR:
        return None
    if text and moment.year in _TWO_DIGIT_YEARS:
        raw = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
        written = {b"%d" % moment.year, b"%02d" % (moment.year % 100)}
        if written.isdisjoint(_DATE_NUMBERS.findall(raw)):
            return None
    return moment


def decode_params(pairs) -> dict[str, str]:
    """MIME parameters from BODYSTRUCTURE (a flat name, value, ... tuple) as a dict.

    Names are lowercased; RFC 2231 continuations and charsets (`filename*0*=utf-8''...`) are
    joined and decoded, and RFC 2047 words, which many mailers put into file names although
    the standard forbids it, are decoded too.
    """
    if not pairs:
        return {}
    items = list(pairs)
    raw = [(to_text(items[i]).lower(), to_text(items[i + 1])) for i in range(0, len(items) - 1, 2)]
    # decode_params() treats its first pair as the content type itself, hence the stand-in.
    try:
        decoded = email.utils.decode_params([("", ""), *raw])[1:]
    except (ValueError, LookupError, UnicodeError):
        decoded = raw
    params = {}
    for name, value in decoded:
        if isinstance(value, tuple):
            # RFC 2231's charset as the words' (the email package knows fewer names).
            value = (mail_codec(value[0]) or value[0], *value[1:])
            try:
                value = email.utils.collapse_rfc2231_value(value)
            except UnicodeError:  # a codec that cannot replace what it fails to read (idna)
                value = email.utils.collapse_rfc2231_value(("utf-8", *value[1:]))
        params[name] = decode_header_text(email.utils.unquote(value))
    return params
