"""The search box's language: `from:anna is:unread -subject:"Newsletter" rechnung`, made
into IMAP SEARCH keys for the server (RFC 3501 section 6.4.4); nothing is filtered here.

A query is terms separated by spaces, all of which must match:

- a plain word or a "quoted phrase" (also „…“, “…” and «…»): anywhere in the message
  (TEXT, headers and body);
- `operator:value`, the value a word or a "quoted phrase": `from:`, `to:`, `cc:`,
  `subject:`, `has:attachment`, `is:unread`, `is:read`, `is:flagged`, `is:answered`, the
  team inbox's `is:open`, `is:waiting`, `is:done` and `is:mine` (assigned to me: by the
  keywords of services/team.py),
  `before:` and `after:` with a date (sent before that day; sent on that day or later),
  `larger:` and `smaller:` with a size in bytes, k or M (1024 and 1024²), with German
  aliases (`von:`, `an:`, `betreff:`, `hat:anhang`, `ist:ungelesen`, ...);
- any of these after a `-`: its negation (NOT);
- `OR` between two terms (upper case, as Gmail has it; German `ODER`): either matches
  (`from:anna OR from:bert rechnung` is mail from Anna or Bert with "rechnung" in it). OR
  binds tighter than the spaces' AND and chains (`a OR b OR c`); it goes to the server as
  IMAP's prefix OR, nested for a chain (`OR a OR b c`). Each term is one IMAP search key (a
  negation is NOT of one, has:attachment and punycode alternatives are an OR of their own),
  so none needs parentheses. `or` in lower case and `"OR"` in quotes are words; an OR
  without a term on each side (`OR x`, `x OR`, `x OR OR y`) is an error.

`from:`, `to:` and `cc:` with an internationalised domain as people type it
(`from:hans@müller-bau.example`, `an:müller-bau.example`) also find it as mail headers carry
it, in punycode (`xn--mller-bau-q9a.example`).

A word with a colon counts as an operator only when what comes before the colon is letters
(so "10:30" and "https://..." in quotes are words); an unknown operator is an error rather
than a word, so that a mistyped `form:anna` does not silently search the text "form:anna".

`has:attachment`: IMAP cannot search the MIME structure. The key asks for
`OR KEYWORD $HasAttachment (HEADER Content-Type "multipart/mixed" UNKEYWORD $HasNoAttachment)`:
where the server marks attachments itself (Dovecot's `mail_attachment_detection_options =
add-flags`) its keywords decide; elsewhere a mail whose top-level type is multipart/mixed
counts, which is how mail with files is built. Not found then: a file sent as the only
part (no multipart) or attached inside multipart/alternative or /related alone; found
although without a file: a multipart/mixed mail of text parts only (rare).
"""

import datetime
import re
from dataclasses import dataclass

from .exceptions import InvalidInputError
from .messages import _astring, _check_search_term, address_keys
from .team import STATUS_KEYWORDS

# The word between two terms either of which may match (as typed: upper case only).
OR_WORDS = ("OR", "ODER")
OR = "OR"  # Term.operator of such a word

# The operators and their aliases (lower case) -> the canonical name.
OPERATORS = {
    "from": "from",
    "von": "from",
    "to": "to",
    "an": "to",
    "cc": "cc",
    "subject": "subject",
    "betreff": "subject",
    "has": "has",
    "hat": "has",
    "is": "is",
    "ist": "is",
    "before": "before",
    "vor": "before",
    "after": "after",
    "nach": "after",
    "larger": "larger",
    "größer": "larger",
    "groesser": "larger",
    "grösser": "larger",  # Swiss spelling, and GRÖSSER in lower case
    "smaller": "smaller",
    "kleiner": "smaller",
}
_TEXT_KEYS = {"from": b"FROM", "to": b"TO", "cc": b"CC", "subject": b"SUBJECT"}
_STATES = {
    "unread": (b"UNSEEN",),
    "ungelesen": (b"UNSEEN",),
    "read": (b"SEEN",),
    "gelesen": (b"SEEN",),
    "flagged": (b"FLAGGED",),
    "markiert": (b"FLAGGED",),
    "answered": (b"ANSWERED",),
    "beantwortet": (b"ANSWERED",),
}
# The team inbox's statuses, by their keywords.
for _status, _aliases in {
    "open": ("open", "offen"),
    "waiting": ("waiting", "wartend"),
    "done": ("done", "erledigt"),
}.items():
    for _alias in _aliases:
        _STATES[_alias] = (b"KEYWORD", STATUS_KEYWORDS[_status].encode("ascii"))
# `is:mine`: the user's own assignee keyword, which the caller knows.
_MINE = ("mine", "meine", "mir")
HAS_ATTACHMENT = (
    b"OR",
    b"KEYWORD",
    b"$HasAttachment",
    b"(HEADER",
    b"Content-Type",
    b'"multipart/mixed"',
    b"UNKEYWORD",
    b"$HasNoAttachment)",
)
_HAS = {"attachment": HAS_ATTACHMENT, "anhang": HAS_ATTACHMENT}
ISO_DATE = "%Y-%m-%d"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SIZE = re.compile(r"(\d{1,10}(?:[.,]\d{1,3})?)\s*([km]?)b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
MAX_SIZE = 4294967295  # an IMAP number (RFC 3501: 32 bits)
# Quotation marks as word processors and phones type them (German „…“, English “…”, Swiss
# «…»), read as the plain '"' of the language: a phrase pasted from a letter is a phrase.
_QUOTATION_MARKS = str.maketrans(dict.fromkeys("„“”«»", '"'))
# A term: an optional "-", then a quoted phrase, or a word that may be `name:` followed by
# a quoted phrase or a word. An unclosed quote runs to the end, as people type it.
_TERM = re.compile(
    r'(?P<neg>-)?(?:"(?P<phrase>[^"]*)"?|(?:(?P<op>[^\W\d_]+):)?(?:"(?P<quoted>[^"]*)"?|(?P<word>\S*)))'
)


class SearchQueryError(InvalidInputError):
    """A query the language does not understand. `kind` says what (unknown_operator,
    unknown_value, missing_value, bad_date, bad_size, dangling_or), `term` is the term as
    typed: the caller turns them into a message for the user in the user's language."""

    def __init__(self, kind: str, term: str):
        super().__init__(detail=f"{kind}: {term}")
        self.kind = kind
        self.term = term


@dataclass(frozen=True)
class Term:
    operator: str  # canonical name, "" for text anywhere, OR for the word between two terms
    value: str
    negated: bool = False
    raw: str = ""


def split_terms(text: str) -> list[Term]:
    """The terms of `text` as typed, operators resolved to their canonical names."""
    typed, text = text, text.translate(_QUOTATION_MARKS)  # one character for one
    terms, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return terms
        match = _TERM.match(text, position)
        end = match.end()
        if end == position:  # cannot happen: \S* takes at least the character here
            end = position + 1
        raw = typed[position:end]
        position = end
        negated = bool(match["neg"])
        if match["phrase"] is not None:
            terms.append(Term("", match["phrase"], negated, raw))
            continue
        operator = match["op"]
        value = match["quoted"] if match["quoted"] is not None else match["word"]
        if operator is None:
            if not negated and match["word"] in OR_WORDS:
                terms.append(Term(OR, value, False, raw))
                continue
            if negated and not value:
                value = "-"  # a lone dash is a word
                negated = False
            terms.append(Term("", value, negated, raw))
            continue
        canonical = OPERATORS.get(operator.lower())
        if canonical is None:
            raise SearchQueryError("unknown_operator", f"{operator}:")
        if not value.strip():
            raise SearchQueryError("missing_value", raw)
        terms.append(Term(canonical, value.strip(), negated, raw))


def parse_query(
    text: str, date_formats: tuple[str, ...] = (), my_keyword: str | None = None
) -> tuple[bytes, ...]:
    """The IMAP SEARCH keys of the query `text`, all of which must match; () for an empty
    query. `date_formats`: strptime formats of dates in the user's language (ISO dates
    are always understood); `my_keyword`: the user's assignee keyword, for `is:mine` (not
    understood without). Raises SearchQueryError for what it does not understand and
    InvalidInputError for what may not go on the wire (line breaks, NUL, overlong)."""
    _check_search_term(text, "search query")
    criteria = []
    for alternatives in _alternatives(split_terms(text or "")):
        either = []
        for term in alternatives:
            keys = _keys(term, date_formats, my_keyword)
            if keys:
                either.append((b"NOT", *keys) if term.negated else keys)
        if not either:
            continue
        keys = either.pop()
        while either:  # a OR b OR c: OR a (OR b c)
            keys = (b"OR", *either.pop(), *keys)
        criteria.extend(keys)
    return tuple(criteria)


def _alternatives(terms: list[Term]) -> list[list[Term]]:
    """The terms grouped by OR, each group one term or several of which either may match:
    `a b OR c` is [[a], [b, c]]. SearchQueryError for an OR without a term on each side."""
    groups, joined = [], False
    for position, term in enumerate(terms):
        if term.operator == OR:
            if not groups or joined or position == len(terms) - 1:
                raise SearchQueryError("dangling_or", term.raw)
            joined = True
        elif joined:
            groups[-1].append(term)
            joined = False
        else:
            groups.append([term])
    return groups


def _keys(term: Term, date_formats, my_keyword=None) -> tuple[bytes, ...]:
    operator, value = term.operator, term.value
    if not operator:
        return (b"TEXT", _astring(value)) if value.strip() else ()
    if operator == "subject":
        return (b"SUBJECT", _astring(value))
    if operator in _TEXT_KEYS:
        return address_keys(_TEXT_KEYS[operator], value)
    if operator == "is" and value.lower() in _MINE and my_keyword:
        return (b"KEYWORD", my_keyword.encode("ascii"))
    if operator in ("is", "has"):
        keys = (_STATES if operator == "is" else _HAS).get(value.lower())
        if keys is None:
            raise SearchQueryError("unknown_value", term.raw)
        return keys
    if operator in ("before", "after"):
        day = parse_date(value, date_formats)
        if day is None:
            raise SearchQueryError("bad_date", term.raw)
        return (b"SENTBEFORE" if operator == "before" else b"SENTSINCE", imap_date(day))
    size = parse_size(value)
    if size is None:
        raise SearchQueryError("bad_size", term.raw)
    return (b"LARGER" if operator == "larger" else b"SMALLER", str(size).encode("ascii"))


def parse_date(value: str, date_formats: tuple[str, ...] = ()) -> datetime.date | None:
    """`value` as a day in one of `date_formats` or ISO 8601 (2026-03-31), else None."""
    for date_format in (*date_formats, ISO_DATE):
        try:
            return datetime.datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    return None


def imap_date(day: datetime.date) -> bytes:
    """A day as IMAP writes it (31-Mar-2026), with English month names whatever the locale."""
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year:04d}".encode("ascii")


def parse_size(value: str) -> int | None:
    """`value` (120, 10k, 1.5M, 2 MB; units of 1024) in bytes, else None."""
    match = _SIZE.fullmatch(value.strip())
    if match is None:
        return None
    number = float(match[1].replace(",", "."))
    size = round(number * _UNITS[match[2].lower()])
    return size if size <= MAX_SIZE else None
