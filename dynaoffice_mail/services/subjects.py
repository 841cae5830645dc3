"""Subjects as people read them: what reply and forward prefixes mail programs put before
a subject in any language ("Re:", "AW:", "Antw:", "Fwd:", "WG:", "RE[2]:", "AW(3):"), and
the base subject that is left without them, by which the list sorts and threads group."""

import re
import unicodedata

from .headers import decode_header_text

# Reply prefixes: English and Latin "Re", German "AW" / "Antw" / "Antwort" (Lotus Notes),
# Scandinavian "SV" / "VS", Dutch "Antw", French "Ref", Italian "Rif", Polish "Odp",
# Portuguese "Res", Turkish "Ynt"; Outlook counts replies as "RE[2]:" or "AW(3):".
_REPLY_WORDS = r"re|aw|sv|vs|antw|antwort|ref|rif|odp|res|ynt"
# Forward prefixes: "Fwd" / "Fw", German "WG", French "TR", Spanish "RV", Finnish "VL",
# Italian "I".
_FORWARD_WORDS = r"fwd?|wg|tr|rv|vl|i"
_COUNTER = r"(?:\[\d+\]|\(\d+\))?"
_REPLY_PREFIX = re.compile(rf"^\s*(?:(?:{_REPLY_WORDS}){_COUNTER}\s*:\s*)+", re.IGNORECASE)
_FORWARD_PREFIX = re.compile(rf"^\s*(?:(?:{_FORWARD_WORDS}){_COUNTER}\s*:\s*)+", re.IGNORECASE)
_ANY_PREFIX = re.compile(
    rf"^\s*(?:(?:{_REPLY_WORDS}|{_FORWARD_WORDS}){_COUNTER}\s*:\s*)+", re.IGNORECASE
)
# A mailing list's tag ("[Vertrieb] AW: Angebot"), dropped when a subject follows it.
_LIST_TAG = re.compile(r"^\s*\[[^\[\]]*\]\s*(?=\S)")
# What RFC 5256 calls a subject trailer, and its "[Fwd: subject]" wrapper.
_TRAILER = re.compile(r"\s*\((?:fwd?|wg)\)\s*$", re.IGNORECASE)
_FORWARD_WRAPPER = re.compile(r"^\[(?:fwd?|wg)\s*:\s*(.*)\]$", re.IGNORECASE | re.DOTALL)


def subject_text(subject: str | bytes | None) -> str:
    """A subject header's value as one line of text (RFC 2047 words decoded)."""
    return decode_header_text(subject or "")  # clean text already


def strip_reply_prefixes(subject: str) -> str:
    """`subject` without the reply prefixes it starts with ("Re: AW: Angebot" -> "Angebot");
    forward prefixes after them stay, they tell what was answered."""
    return _REPLY_PREFIX.sub("", subject)


def strip_forward_prefixes(subject: str) -> str:
    """`subject` without the forward prefixes it starts with ("WG: Fwd: Plan" -> "Plan");
    reply prefixes after them stay, they tell what was forwarded."""
    return _FORWARD_PREFIX.sub("", subject)


def base_subject(subject: str | bytes | None) -> str:
    """The subject without every reply and forward prefix, list tag and forward trailer,
    in any order and number, as RFC 5256 defines the base subject but with the prefixes of
    other languages too: "AW: WG: [Vertrieb] Re[2]: Angebot (fwd)" -> "Angebot".

    Blanks are collapsed; case is kept (sort_key() folds it). A subject that is nothing
    but a prefix keeps its text ("Re:" is "Re:"), as does a tag with nothing after it.
    """
    text = " ".join(subject_text(subject).split())
    while True:
        before = text
        text = _TRAILER.sub("", text)
        wrapped = _FORWARD_WRAPPER.match(text)
        if wrapped and wrapped.group(1).strip():
            text = wrapped.group(1).strip()
        stripped = _ANY_PREFIX.sub("", text)
        if stripped.strip():
            text = stripped
        text = _LIST_TAG.sub("", text)
        if text == before:
            return text.strip()


def subject_sort_key(subject: str | bytes | None) -> tuple[str, str]:
    """What the list sorts subjects by: the base subject, case folded, first without
    accents and then with them, so that "Äpfel" sorts among the A's (after "Apfel") and
    "AW: Angebot" beside "Angebot"."""
    decomposed = unicodedata.normalize("NFKD", base_subject(subject).casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain, (plain if plain == decomposed else decomposed)  # one text kept, not two
