"""Who wrote a mail, guessed from its From header and the signature block of its text: the
name, company and phone a new contact is prefilled with (the user edits them before saving).

A heuristic, deliberately small: the signature is the text after the sig dash ("-- ") or after
the last closing formula ("Mit freundlichen Grüßen", "Best regards", ...) before any quoted
mail; in its first lines, a line with a legal form (GmbH, AG, Ltd, ...) names the company and a
line led by "Tel", "Phone", "Mobil" ... the phone.
"""

import re
from dataclasses import dataclass

# Lines read after the start of a signature: a signature is short, a quoted mail is not.
MAX_SIGNATURE_LINES = 8
MAX_TEXT_CHARS = 20_000
MAX_FIELD_CHARS = 128

_CLOSINGS = re.compile(
    r"^\s*(mit\s+)?(freundlichen|besten|herzlichen|vielen|liebe|viele|beste|schöne)?\s*"
    r"(grüßen|grüssen|grüße|grüsse|gruß|gruss|dank)\b"
    r"|^\s*(best|kind|warm|many)?\s*(regards|wishes|thanks)\b"
    r"|^\s*(sincerely|cheers|yours\s+(sincerely|truly)|mfg|vg|lg)\b",
    re.IGNORECASE,
)
_QUOTE_START = re.compile(
    r"^\s*(>|-{3,}\s*(original|ursprüngliche)|on .+ wrote:\s*$|am .+ schrieb .+:\s*$"
    r"|von:\s|from:\s)",
    re.IGNORECASE,
)
_LEGAL_FORMS = re.compile(
    r"(?<![\w])(gmbh|mbh|ag|kg|kgaa|ohg|gbr|ug|e\.\s?k\.|e\.\s?v\.|se|ltd\.?|limited|inc\.?|"
    r"llc|plc|corp\.?|s\.\s?a\.|s\.\s?a\.\s?r\.\s?l\.|sarl|b\.\s?v\.|n\.\s?v\.|s\.\s?r\.\s?l\.|"
    r"co\.)(?![\w])",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"^\s*(tel(efon)?|phone|fon|mobil(e|telefon)?|handy|cell|t|m)\s*[.:]?\s*"
    r"(?P<number>[+(]?\d[\d\s/().\-]{5,}\d)",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'.\-]*[.]?$")


@dataclass(frozen=True)
class ContactGuess:
    name: str
    company: str
    phone: str


def guess_contact(display_name: str, address: str, text: str | None) -> ContactGuess:
    """The sender's name (the header's display name, else the signature's first line that
    reads like a name, else the address's local part when it has two words), company and
    phone (from the signature); each empty when nothing names it."""
    block = signature_block(text or "")
    name = _clean(display_name)
    if not name or "@" in name:
        name = next((line for line in block[:3] if _looks_like_name(line)), "")
    if not name:
        name = _name_of_local_part(address)
    company = next((_company_of(line) for line in block if _LEGAL_FORMS.search(line)), "")
    phone = ""
    for line in block:
        match = _PHONE.match(line)
        if match:
            phone = match.group("number").strip()
            break
    return ContactGuess(name=_clean(name), company=_clean(company), phone=_clean(phone))


def signature_block(text: str) -> list[str]:
    """The signature's first non-empty lines (stripped), or [] when none is found."""
    lines = text[:MAX_TEXT_CHARS].splitlines()
    end = next((i for i, line in enumerate(lines) if _QUOTE_START.match(line)), len(lines))
    own = lines[:end]
    dash = closing = None
    for index, line in enumerate(own):
        if line.rstrip() in ("--", "-- "):
            dash = index + 1
        elif _CLOSINGS.match(line) and len(line.strip()) <= 40:
            closing = index + 1
    start = dash if dash is not None else closing
    if start is None:
        return []
    block = [line.strip() for line in own[start:] if line.strip()]
    return block[:MAX_SIGNATURE_LINES]


def _company_of(line):
    """The piece of a signature line with the legal form: "Head of Sales, Acme Ltd." ->
    "Acme Ltd."."""
    pieces = [piece.strip() for piece in re.split(r"[,|·•]", line)]
    return next(piece for piece in pieces if _LEGAL_FORMS.search(piece))


def _looks_like_name(line):
    words = line.split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.match(word) for word in words)


def _name_of_local_part(address):
    """ "juergen.weiss@..." -> "Juergen Weiss"; "info@..." names nobody ("")."""
    local = (address or "").partition("@")[0]
    words = [word for word in re.split(r"[._\-+]+", local) if word and not word.isdigit()]
    if len(words) < 2:
        return ""
    return " ".join(word[:1].upper() + word[1:] for word in words)


def _clean(value):
    return " ".join((value or "").split())[:MAX_FIELD_CHARS]
