"""One name for one thing: where a message is.

A message on an IMAP server is named by its folder, the folder's UIDVALIDITY and its UID
(RFC 3501: a UID names the same message for as long as the folder keeps its UIDVALIDITY).
The account says which server. `MessageRef` carries the four together from the services
through the models, the download routes' query strings and the JSON the browser gets, and
is the only place that turns what a browser sent into them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sized
from dataclasses import dataclass, replace

from . import limits, net
from .exceptions import InvalidInputError

# What a browser may send for a UID or UIDVALIDITY: a positive 32-bit number (RFC 3501
# nz-number). Anything else is refused before it reaches the server.
_MAX_UID = 2**32 - 1
# What a browser may send for a record's id: a positive PostgreSQL integer.
_MAX_ID = 2**31 - 1
# A part of a message as IMAP numbers it ("2", "2.1.3"): digits and dots only, each number
# positive, no deeper than a message may nest.
_PART = re.compile(rf"[1-9][0-9]{{0,8}}(?:\.[1-9][0-9]{{0,8}}){{0,{limits.MAX_DEPTH - 1}}}")


@dataclass(frozen=True)
class MessageRef:
    """A message of an account: (account id, folder, UIDVALIDITY, UID).

    `account` is the id of the Odoo account (services do not use it; 0 where no account
    is known, as in tests of the services alone)."""

    account: int
    folder: str
    uidvalidity: int
    uid: int

    @classmethod
    def parse(cls, account, folder, uidvalidity, uid) -> MessageRef:
        """A reference from values as a browser or a route sent them (strings or numbers);
        InvalidInputError when one is not what it must be."""
        return cls(
            account=_number(account, "account", minimum=0),
            folder=_folder(folder),
            uidvalidity=_number(uidvalidity, "UIDVALIDITY"),
            uid=_number(uid, "UID"),
        )

    @classmethod
    def from_json(cls, value: Mapping, account: int | None = None) -> MessageRef:
        """A reference from its JSON form {account, folder, uidvalidity, uid}. `account`,
        when given, is the account the call is about: a reference to another account's
        message is refused, one without an account (stored before the account was part
        of it) belongs to this one."""
        if not isinstance(value, Mapping):
            raise InvalidInputError(detail="a message reference must be an object")
        named = value.get("account")
        if account is not None:
            if named not in (None, False) and _number(named, "account", minimum=0) != account:
                raise InvalidInputError(detail="the message belongs to another account")
            named = account
        return cls.parse(
            named if named not in (None, False) else 0,
            value.get("folder"),
            value.get("uidvalidity"),
            value.get("uid"),
        )

    @classmethod
    def many(cls, account, folder, uidvalidity, uids: Iterable) -> list[MessageRef]:
        """References to several messages of one folder listed under one UIDVALIDITY, in
        the order given, each once; at least one, at most limits.MAX_UIDS named.

        The count is checked before any UID is read: a browser may send a list of millions,
        which would keep the worker busy for many seconds only to be refused afterwards."""
        if isinstance(uids, str | bytes) or not isinstance(uids, Iterable):
            raise InvalidInputError(detail="UIDs must be a list")
        limit = limits.MAX_UIDS
        too_many = f"between 1 and {limit} messages at a time"
        if isinstance(uids, Sized) and len(uids) > limit:
            raise InvalidInputError(too_many)
        first = cls.parse(account, folder, uidvalidity, 1)
        refs = {}
        for count, uid in enumerate(uids, 1):
            if count > limit:
                raise InvalidInputError(too_many)
            ref = replace(first, uid=_number(uid, "UID"))
            refs.setdefault(ref.uid, ref)
        if not refs:
            raise InvalidInputError(detail="no message named")
        return list(refs.values())

    def with_uid(self, uid: int) -> MessageRef:
        return replace(self, uid=_number(uid, "UID"))

    def json(self) -> dict:
        return {
            "account": self.account,
            "folder": self.folder,
            "uidvalidity": self.uidvalidity,
            "uid": self.uid,
        }

    def query(self) -> dict:
        """The download routes' query string (the account is in their path)."""
        return {"folder": self.folder, "uidvalidity": self.uidvalidity, "uid": self.uid}


def parse_part(value) -> str:
    """A part number ("2.1") as a browser or a route sent it; InvalidInputError unless it
    is one."""
    if not isinstance(value, str) or not _PART.fullmatch(value):
        raise InvalidInputError(detail="invalid part number")
    return value


def parse_id(value, what: str = "record id") -> int:
    """A record's id as a browser sent it (a number, or its digits): InvalidInputError
    unless it is one PostgreSQL can look up."""
    return _whole(value, what, minimum=1)


def parse_count(value, what: str) -> int:
    """An offset or a limit as a browser sent it (a number, 0 or more)."""
    return _whole(value, what, minimum=0)


def _whole(value, what: str, minimum: int) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(detail=f"{what} must be a number")
    if not minimum <= value <= _MAX_ID:
        raise InvalidInputError(detail=f"{what} out of range")
    return value


def _number(value, what: str, minimum: int = 1) -> int:
    if isinstance(value, bool):
        raise InvalidInputError(detail=f"{what} must be a number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInputError(detail=f"{what} must be a number") from None
    if not minimum <= number <= _MAX_UID:
        raise InvalidInputError(detail=f"{what} out of range")
    return number


def _folder(value) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(detail="a folder name is needed")
    # Never a folder's name on the server, and PostgreSQL refuses a NUL in text.
    return net.check_wire_safe(value, "folder name")
