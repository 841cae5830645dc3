"""The team inbox on the server: IMAP keywords that say a mail's status and assignee to
every mail program, kept as the Odoo records say (those are the truth), and the keyword
searches of the team's views.

Keywords (RFC 3501 flag keywords; "$" marks them as meant for many clients):

- `$Odoo-Open`, `$Odoo-Waiting`, `$Odoo-Done`: the status, one at a time;
- `$Odoo-Assignee-<name>`: the assignee, `<name>` made from the user's login (see
  `assignee_keyword`), at most one per message.

A server whose PERMANENTFLAGS lack `\\*` keeps no new keywords: the state then lives in
Odoo alone (`sync_keywords` answers False).
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import imapclient

from . import imap, limits, messages
from .exceptions import InvalidInputError, ProtocolError
from .headers import to_text
from .uidsets import checked_uid_set, compress_uids

STATUSES = ("open", "waiting", "done")
STATUS_KEYWORDS = {
    "open": "$Odoo-Open",
    "waiting": "$Odoo-Waiting",
    "done": "$Odoo-Done",
}
ASSIGNEE_PREFIX = "$Odoo-Assignee-"
# The views of a group mailbox's Inbox, each one keyword search.
VIEWS = ("mine", "unassigned", "waiting")
# Atom characters kept in a keyword as they are (RFC 3501 atom-char, without the ones some
# servers and clients mishandle: "%", "*", "]", quotes, "\", braces, parentheses).
_ATOM_SAFE = re.compile(r"[^A-Za-z0-9._@+-]")
_MAX_NAME = 48


@dataclass(frozen=True)
class KeywordSync:
    """What `sync_keywords` did: whether the server keeps keywords, the UIDs whose
    keywords it changed (restored or brought up to date) and those no longer there."""

    kept: bool
    changed: frozenset[int] = frozenset()
    missing: frozenset[int] = frozenset()


def assignee_keyword(login: str, user_id: int) -> str:
    """The keyword naming an assignee: `$Odoo-Assignee-` and the login, where every
    character that is not a plain atom character becomes "_" (accents dropped first:
    "jürgen" -> "jurgen"); a login that had to change gets "-<user id>" so that two users
    never share a keyword. At most _MAX_NAME characters of the login are used."""
    text = unicodedata.normalize("NFKD", login or "").encode("ascii", "ignore").decode()
    name = _ATOM_SAFE.sub("_", text)[:_MAX_NAME]
    if not name or name != login:
        name = f"{name or 'user'}-{int(user_id)}"
    return ASSIGNEE_PREFIX + name


def wanted_keywords(status: str | None, assignee_keyword_: str | None) -> frozenset[str]:
    """The team keywords a message with this state carries."""
    wanted = set()
    if status:
        if status not in STATUS_KEYWORDS:
            raise InvalidInputError(f"unknown status {status!r}")
        wanted.add(STATUS_KEYWORDS[status])
    if assignee_keyword_:
        wanted.add(assignee_keyword_)
    return frozenset(wanted)


def is_team_keyword(flag: str) -> bool:
    """Whether `flag` is one of the team's keywords (compared without case, as IMAP does)."""
    lowered = flag.lower()
    return lowered in {keyword.lower() for keyword in STATUS_KEYWORDS.values()} or (
        lowered.startswith(ASSIGNEE_PREFIX.lower())
    )


def keeps_keywords(client: imapclient.IMAPClient, folder: str) -> bool:
    """Whether the server keeps new keywords in `folder`: `\\*` in its PERMANENTFLAGS
    (read from the SELECT answer, which a selected folder's connection still holds)."""
    imap.ensure_selected(client, folder, refresh=False)
    permanent = getattr(client, "permanent_flags", None)
    if permanent is None:
        return True  # not told: try, and let a refusal say otherwise
    return b"\\*" in permanent


def sync_keywords(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    wanted: Mapping[int, Iterable[str]],
) -> KeywordSync:
    """Make the team keywords of the messages `wanted` names ({uid: keywords}) exactly
    those: missing ones are added (restored where another program removed them), other
    team keywords removed; other flags are left alone. One FETCH FLAGS, then one STORE per
    distinct change. Messages no longer there are skipped."""
    wanted = {int(uid): frozenset(keywords) for uid, keywords in wanted.items()}
    if not wanted:
        return KeywordSync(True)
    for keywords in wanted.values():
        for keyword in keywords:
            if not is_team_keyword(keyword) or _ATOM_SAFE.search(keyword.lstrip("$")):
                raise InvalidInputError(f"not a team keyword: {keyword!r}")
    with imap.translate_errors(client):
        checked_uid_set(wanted, limits.MAX_SUMMARIES)
        imap.select_checked(client, folder, uidvalidity)
        present = {
            uid: {to_text(flag) for flag in item.get(b"FLAGS", ())}
            for uid, item in imap.uid_fetch(client, wanted, "(UID FLAGS)").items()
        }
        missing = frozenset(wanted.keys() - present.keys())
        if not keeps_keywords(client, folder):
            return KeywordSync(False, missing=missing)
    adds: dict[str, list[int]] = {}
    removes: dict[str, list[int]] = {}
    changed = set()
    for uid, flags in present.items():
        have = {flag.lower(): flag for flag in flags if is_team_keyword(flag)}
        want = {keyword.lower(): keyword for keyword in wanted[uid]}
        for key, keyword in want.items():
            if key not in have:
                adds.setdefault(keyword, []).append(uid)
                changed.add(uid)
        for key, flag in have.items():
            if key not in want:
                removes.setdefault(flag, []).append(uid)
                changed.add(uid)
    try:
        with imap.translate_errors(client):
            for flag, uids in removes.items():
                client.remove_flags(compress_uids(uids), [flag.encode()], silent=True)
            for keyword, uids in adds.items():
                client.add_flags(compress_uids(uids), [keyword.encode()], silent=True)
    except ProtocolError:
        # A server that announced \* and refuses all the same: the state stays in Odoo.
        return KeywordSync(False, missing=missing)
    return KeywordSync(True, frozenset(changed), missing)


def view_criteria(view: str, my_keyword: str, member_keywords: Iterable[str]) -> tuple[bytes, ...]:
    """The SEARCH keys of a team view: "mine" (assigned to the user, not done),
    "unassigned" (no member's keyword, not done), "waiting" (status waiting)."""
    done = STATUS_KEYWORDS["done"].encode()
    if view == "mine":
        return (b"KEYWORD", my_keyword.encode(), b"UNKEYWORD", done)
    if view == "unassigned":
        keys = [b"UNKEYWORD", done]
        for keyword in sorted(set(member_keywords)):
            keys += [b"UNKEYWORD", keyword.encode()]
        return tuple(keys)
    if view == "waiting":
        return (b"KEYWORD", STATUS_KEYWORDS["waiting"].encode())
    raise InvalidInputError(f"unknown team view {view!r}")


def count_matches(client: imapclient.IMAPClient, folder: str, criteria: Iterable[bytes]) -> int:
    """How many messages of `folder` match `criteria`: the list's "select all" search
    (ESEARCH RETURN (ALL), ranges), never a FETCH."""
    _uidvalidity, uids = messages.matching_uids(
        client, folder, messages.MessageSearch(query=tuple(criteria))
    )
    return len(uids)
