"""E-mail addresses and the header values around them: parsed from what a user typed,
checked before they reach a header or the SMTP envelope, and written back for the user.

Nothing a user typed reaches a header unchecked: a line break in a name or address would
start a header of its own ("Bcc: ..."), and is refused rather than cleaned, so that the user
sees what was wrong. Domains may be internationalised (müller.de, sent as punycode); the
part before the @ must be ASCII, as we do not send with SMTPUTF8.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import Address as HeaderAddress

from . import limits
from .exceptions import InvalidInputError

# Every character str.splitlines() breaks at, and NUL. The email package folds headers
# with splitlines(), so \x0b or U+2028 in a value could end a header line as well as CR/LF.
LINE_BREAKS = frozenset("\r\n\0\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# A Message-ID as we write and accept it in In-Reply-To and References: <left@right>.
MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_NAME_SPECIALS = re.compile(r"""[()<>\[\]:;@\\,."]""")


@dataclass(frozen=True)
class Address:
    name: str
    address: str


def check_header_value(value: str, what: str, max_length: int | None = None) -> str:
    """Refuse anything that would end a header line: CR, LF, NUL and their Unicode kin;
    lone surrogates (JSON can carry "\\ud800", no charset can); and, with `max_length`,
    text longer than that."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be text")
    if any(char in LINE_BREAKS for char in value):
        raise InvalidInputError(f"{what} contains a line break or NUL character")
    check_encodable(value, what)
    if max_length is not None and len(value) > max_length:
        raise InvalidInputError(f"{what} is longer than {max_length} characters")
    return value


def check_encodable(value: str, what: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what} contains a character that is not text") from None


def parse_addresses(text: str, what: str = "address") -> list[Address]:
    """The addresses in `text`, separated by commas or semicolons, each "Name <address>",
    '"Name, with comma" <address>' or a bare address.

    Every address is checked; the first invalid one is named in the InvalidInputError.
    Domains may be internationalised (müller.de); the part before the @ must be ASCII, as
    we do not send with SMTPUTF8.
    """
    check_header_value(text, what)
    found = []
    for piece in _split_addresses(text):
        name, address = _name_and_address(piece)
        check_address(address, piece)
        if len(name) > limits.MAX_NAME_LENGTH:
            raise InvalidInputError(
                f'"{piece[:40]}...": the name is longer than {limits.MAX_NAME_LENGTH} characters'
            )
        found.append(Address(name=name, address=address))
    return found


def _split_addresses(text: str) -> list[str]:
    pieces, current, quoted, angle, escaped = [], [], False, False, False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"' and not angle:
            quoted = not quoted
        elif char == "<" and not quoted:
            angle = True
        elif char == ">" and not quoted:
            angle = False
        elif char in ",;" and not quoted and not angle:
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]


def _name_and_address(piece: str) -> tuple[str, str]:
    if "<" not in piece and ">" not in piece:
        return "", piece
    match = re.fullmatch(
        r'(?s)(?P<name>(?:"(?:[^"\\]|\\.)*"|[^"<>])*?)\s*<(?P<addr>[^<>]*)>', piece
    )
    if match is None:
        raise InvalidInputError(f'"{piece}" is not a valid e-mail address')
    name = match.group("name").strip()
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    elif '"' in name:
        raise InvalidInputError(f'"{piece}" is not a valid e-mail address')
    return name.strip(), match.group("addr").strip()


def check_address(address: str, shown: str) -> None:
    """InvalidInputError, naming `shown`, unless `address` is one we can send to."""
    local, at, domain = address.rpartition("@")
    invalid = InvalidInputError(f'"{shown}" is not a valid e-mail address')
    if not at or len(address) > limits.MAX_ADDRESS_LENGTH or len(local) > 64:
        raise invalid
    if not local.isascii():
        raise InvalidInputError(
            f'"{shown}": letters other than ASCII before the @ cannot be sent (no SMTPUTF8)'
        )
    if not _LOCAL_PART.fullmatch(local):
        raise invalid
    try:
        ascii_domain(domain)
    except InvalidInputError:
        raise invalid from None


def ascii_domain(domain: str) -> str:
    """The domain as it goes on the wire: IDN labels as punycode (xn--...)."""
    try:
        wire = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        raise InvalidInputError(f"invalid domain {domain!r}") from None
    labels = wire.split(".")
    if (
        len(labels) < 2
        or len(wire) > 253
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidInputError(f"invalid domain {domain!r}")
    return wire


def wire_address(address: str) -> str:
    """`address` with its domain as the wire carries it (punycode, lower case); raises
    InvalidInputError for a domain no mail can go to. The part before the @ is left as is."""
    local, at, domain = address.rpartition("@")
    return f"{local}{at}{ascii_domain(domain)}"


def envelope_address(address: str) -> str:
    """A checked address as SMTP and sendmail need it: ASCII, the domain as punycode."""
    check_header_value(address, "address")
    check_address(address, address)
    return wire_address(address)


def format_address(address: Address) -> str:
    """An address as a user would type it, and parse_addresses reads back."""
    name = address.name.strip()
    if not name:
        return address.address
    if _NAME_SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address.address}>"


def header_address(address: Address) -> HeaderAddress:
    """A checked address for the email package's address headers, the domain as punycode."""
    local, _at, domain = address.address.rpartition("@")
    return HeaderAddress(display_name=address.name, username=local, domain=ascii_domain(domain))


def parse_unique(entries: Iterable[str], what: str, seen: set[str]) -> list[Address]:
    """The addresses of every entry, leaving out those in `seen` (lower-cased), which
    takes in those found."""
    found = []
    for entry in entries:
        for address in parse_addresses(entry, what):
            key = address.address.lower()
            if key not in seen:
                seen.add(key)
                found.append(address)
    return found


def check_message_id(value: str | None, what: str) -> str | None:
    """A Message-ID for `what` (Message-ID, In-Reply-To, References) as it may go into a
    header, or None for none; InvalidInputError for anything else."""
    if not value:
        return None
    value = check_header_value(value, what).strip()
    if not MESSAGE_ID.fullmatch(value):
        raise InvalidInputError(f"{what} is not a message id: {value!r}")
    return value
