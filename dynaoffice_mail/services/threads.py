"""Conversations: a folder's messages grouped by what they answer, a page at a time.

The grouping is the server's where it can: `UID THREAD REFERENCES UTF-8 <search>` (RFC
5256; Dovecot has it) names every thread of the folder as a tree of UIDs. Servers without
it get the same from the messages' Message-ID, In-Reply-To and References headers, read
here once per folder state, joined where one names another (or both name a third that is
not in the folder), and a reply whose references were lost joined to the conversation of
its base subject (services.subjects.base_subject).

Either way the whole folder is grouped: a conversation's messages can be anywhere in it.
That structure is cached per mailbox, folder, UIDVALIDITY, search and what names the
folder's set of messages: the message count and the highest UID. A UID is never given
twice, so a new mail raises the highest UID and an expunge without new mail lowers the
count; a flag change alters neither, and the structure stands. A page of an unchanged
folder then costs a NOOP, one `FETCH * (UID)` and the page's summaries (from the list's
row cache where it has them, services.messages), whatever the folder's size.

New mail is placed into the folder's last structure rather than threading the whole folder
again (with_new_mail()), where that gives exactly what a fresh THREAD (or the headers)
would: a new message that answers one of the newest conversations joins it, one that
answers nothing starts its own. Anything else (an expunge, a reference to a message not
known here, a subject another message shares, a search) threads the folder anew.
Whether an older message could change a new one's place (it names the new one, holds a
Message-ID the new one holds or names, has its subject's longest word) is asked of the
folder's link index (_LinkIndex), kept per process: a hash of each Message-ID its messages
hold and name and their subjects, about 50 bytes a message (limits.MAX_LINK_INDEX_BYTES);
a `UID SEARCH` by header reads the whole folder's headers on the server (with it, a page
after a new mail took 0.28 s at 100,000 messages and 0.04 s at 10,000). Threading by the
headers makes it from the same read; with the server's THREAD it is read with the first
new mails, a slice of limits.LINK_INDEX_SLICE messages with each (the rest searched
meanwhile), so that no page pays the whole read. A new mail then costs the same few
commands whatever the folder's size, and the same time but for the server's sync of the
new mail (the NOOP), which the flat list pays too.

Conversations are ordered by their newest message as the folder received it (the highest
UID), newest first: what arrived last is on top, as in the flat list's arrival order,
without reading the date of every message of the folder.

Messages of the conversations on the page that live in another folder of the account
(the user's own answers in Sent, or, looking at Sent, the mails they answered in the
Inbox) are found by one `UID SEARCH` there for the page's Message-IDs and References, and
shown with the conversation; see related_messages().
"""

import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import chain

import imapclient

from . import folders, imap, limits
from .caches import BoundedCache, mailbox_scope
from .exceptions import InvalidInputError, ProtocolError, UidValidityChangedError
from .list_rows import MessageSummary
from .messages import (
    _FLAG_KEYS,
    MessageSearch,
    _astring,
    _folder_state,
    _known_summaries,
    _needs_charset,
    fetch_summaries,
    search_criteria,
)
from .subjects import base_subject, subject_text
from .uidsets import compress_uids

# Conversation structures by mailbox, folder, UIDVALIDITY, search, message count and
# highest UID: conversations as tuples of UIDs, newest first.
_STRUCTURES = BoundedCache(limits.MAX_CACHED_THREAD_STRUCTURES)
# The last structure of a folder and search, by mailbox, folder, UIDVALIDITY, search and
# who threads (the server or the headers): (message count, highest UID, structure), which
# new mail is placed into (with_new_mail).
_LATEST = BoundedCache(limits.MAX_CACHED_THREAD_STRUCTURES)
# What links a message to others, by mailbox, folder, UIDVALIDITY and UID: (Message-ID,
# the Message-IDs it names in In-Reply-To and References, base subject, is it a reply).
_LINKS = BoundedCache(limits.MAX_CACHED_THREAD_LINKS)
# What a page's search in the related folder found, by mailbox, folder, its UIDVALIDITY,
# message count and UIDNEXT, and the search: ((UIDVALIDITY, UID, links, row), ...).
_RELATED_FOUND = BoundedCache(limits.MAX_CACHED_THREAD_STRUCTURES * 4)
# Each folder's link index (_LinkIndex) by mailbox, folder and UIDVALIDITY.
_LINK_INDEXES = BoundedCache(
    limits.MAX_CACHED_LINK_INDEXES,
    max_bytes=limits.MAX_LINK_INDEX_BYTES,
    weigh=lambda index: index.weight,
)
_LINK_ITEMS = b"(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES SUBJECT)])"
_MESSAGE_ID = re.compile(rb"<[\x21-\x3b\x3d\x3f-\x7e]{1,998}>")
# A field of _LINK_ITEMS with its folded lines.
_LINK_FIELD = re.compile(
    rb"^(message-id|in-reply-to|references|subject)[ \t]*:(.*(?:\r?\n[ \t].*)*)",
    re.IGNORECASE | re.MULTILINE,
)
_FOLDED_LINE = re.compile(rb"\r?\n[ \t]+")
# What decoding a subject drops: control characters (a subject without them, without 8-bit
# bytes and encoded words, stays as it is but for blanks).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FETCH_UID = re.compile(rb"\bUID (\d+)", re.IGNORECASE)
_THREAD_TOKEN = re.compile(rb"[()]|\d+")
_THREAD_JUNK = re.compile(rb"[^()\d \t]")
_LIST_TAGS = re.compile(r"\[[^\]]*\]")
_ANSWER_FIELDS = (b"References", b"In-Reply-To")
# The special folder whose messages join the conversations of a folder, and the folder
# whose messages join those of that special folder.
_RELATED = {"\\Sent": "INBOX"}
# Whether the server's THREAD=REFERENCES is used where it is offered: the one switch that
# makes a server that has it behave as one without it (tests and the benchmark, since
# Dovecot cannot be told to leave it out).
SERVER_THREADS = True


@dataclass(frozen=True)
class RelatedMessage:
    """A message of a conversation that lives in another folder of the account."""

    folder: str
    uidvalidity: int
    summary: MessageSummary


@dataclass(frozen=True)
class Conversation:
    uids: tuple[int, ...]  # its messages in the folder, in the order they arrived
    messages: tuple[MessageSummary, ...]  # their rows, the same order (gone ones missing)
    related: tuple[RelatedMessage, ...] = ()  # in other folders, oldest first


@dataclass(frozen=True)
class ConversationPage:
    total: int  # conversations in the folder that have a message matching the search
    uidvalidity: int
    offset: int
    threaded_by: str  # "server" (THREAD=REFERENCES) or "headers" (read here)
    conversations: tuple[Conversation, ...]


def page_conversations(
    client: imapclient.IMAPClient,
    folder: str,
    *,
    offset: int = 0,
    limit: int = 50,
    search: MessageSearch | None = None,
    related: bool = True,
) -> ConversationPage:
    """One page of `folder`'s conversations, newest first (see the module's text), each
    with its messages' rows; with `related`, with its messages in the related folder
    (related_messages)."""
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInputError(f"invalid offset {offset!r}")
    if not isinstance(limit, int) or not 0 < limit <= limits.MAX_PAGE_SIZE:
        raise InvalidInputError(f"page size must be between 1 and {limits.MAX_PAGE_SIZE}")
    imap.check_folder_name(folder, "folder name")
    criteria = search_criteria(search)
    by_server = SERVER_THREADS and client.has_capability("THREAD=REFERENCES")
    with imap.translate_errors(client):
        selected, count = imap.ensure_selected(client, folder, recent=True)
        structure = _structure(client, selected, count, criteria, by_server)
        chosen = structure[offset : offset + limit]
        uids = _capped(chosen)
        state = _folder_state(client, selected, count)
        rows = {row.uid: row for row in _known_summaries(client, selected, state, uids, True)}
        page = [
            Conversation(
                uids=conversation,
                messages=tuple(rows[uid] for uid in conversation if uid in rows),
            )
            for conversation in chosen
        ]
        if related and page:
            page = related_messages(client, selected, page)
        imap.mark_quiet(client)
    return ConversationPage(
        total=len(structure),
        uidvalidity=int(selected.uidvalidity),
        offset=offset,
        threaded_by="server" if by_server else "headers",
        conversations=tuple(page),
    )


def conversation_uids(
    client: imapclient.IMAPClient,
    folder: str,
    uid: int,
    *,
    uidvalidity: int,
    search: MessageSearch | None = None,
) -> tuple[int, list[int]]:
    """(UIDVALIDITY, every UID of the conversation `uid` belongs to in `folder`): what an
    action on the whole conversation acts on. UidValidityChangedError unless the folder
    still has the `uidvalidity` the UID was listed under."""
    imap.check_folder_name(folder, "folder name")
    criteria = search_criteria(search)
    by_server = SERVER_THREADS and client.has_capability("THREAD=REFERENCES")
    with imap.translate_errors(client):
        selected, count = imap.ensure_selected(client, folder, recent=True)
        if int(selected.uidvalidity) != int(uidvalidity):
            raise UidValidityChangedError(
                host=getattr(client, "host", ""),
                detail=f"{folder} was renumbered by the server; reload the list",
            )
        structure = _structure(client, selected, count, criteria, by_server)
    found = next((conversation for conversation in structure if uid in conversation), (uid,))
    return int(selected.uidvalidity), sorted(found)


def _capped(conversations) -> list[int]:
    """The UIDs whose rows a page reads: each conversation's newest ones, at most
    limits.MAX_CONVERSATION_ROWS of each (a mailing list's thread of thousands shows its
    count, and its latest messages)."""
    return list(
        chain.from_iterable(
            conversation[-limits.MAX_CONVERSATION_ROWS :] for conversation in conversations
        )
    )


def _structure(client, selected, count, criteria, by_server) -> tuple[tuple[int, ...], ...]:
    """The folder's conversations that have a matching message, newest first, from the
    cache where the folder still holds the same messages."""
    scope = mailbox_scope(client)
    newest = _highest_uid(client, count)
    key = (scope, selected.name, int(selected.uidvalidity), tuple(criteria), by_server)
    key += (count, newest)
    if not _FLAG_KEYS.isdisjoint(criteria):
        # A search for unread or flagged mail matches other messages after a flag change:
        # such a structure holds for the folder's HIGHESTMODSEQ only (none: not kept).
        modseq = getattr(client, "highest_modseq", None)
        scope = scope if modseq is not None else None
        key += (modseq,)
    structure = _STRUCTURES.get(key) if scope is not None else None
    if structure is not None:
        return structure
    # Only the whole folder's: what a server's THREAD makes of the messages a search does
    # not find (links between those it finds, or none) is its own affair.
    placing = scope is not None and criteria == [b"ALL"]
    last = _LATEST.get(key[:5]) if placing else None
    if last is not None:
        structure = with_new_mail(client, selected, last, count, newest)
    if structure is None:
        if by_server:
            structure = _server_threads(client, criteria)
        else:
            structure = _header_threads(client, selected, criteria, newest)
    if scope is not None:
        _STRUCTURES.put(key, structure)
    if placing:
        _LATEST.put(key[:5], (count, newest, structure))
    return structure


def _highest_uid(client, count: int) -> int:
    if not count:
        return 0
    response = imap.fetch(client, "*", "(UID)", uid=False)
    return max((item.get(b"UID", 0) for item in response.values()), default=0)


def with_new_mail(client, selected, last, count, newest):
    """The folder's structure from `last` (message count, highest UID, structure), the
    folder's last one, and the mail that arrived since, when nothing but new mail came
    (no expunge) and each new message can be placed surely; otherwise None (threaded
    anew). A few commands whatever the folder's size: a `UID SEARCH` of the new UIDs, a
    FETCH of their links (and once of the newest conversations'), and a look at the older
    messages that could change where they go (see _placed): in the folder's link index,
    which the new links extend (_LinkIndex), or a `UID SEARCH` of those it does not cover
    yet. For the folder without a search only.

    The result is what THREAD=REFERENCES (RFC 5256) or group_by_links give for the whole
    folder: a new message named and held by no older one, whose references are all
    messages of one of the newest limits.PLACING_CONVERSATIONS conversations (each
    Message-ID held by that message alone), hangs below one of them and joins that
    conversation; a new message that names nothing is a conversation of its own when no
    older message's subject has its base subject's longest word (no merge by subject can
    take it)."""
    old_count, old_newest, structure = last
    added = count - old_count
    if not 0 < added <= limits.MAX_PLACED_MESSAGES or newest <= old_newest:
        return None
    arrived = _searched(client, [b"UID", f"{old_newest + 1}:*".encode("ascii")])
    # "n:*" holds the highest UID even when it is below n.
    arrived = [uid for uid in arrived if uid > old_newest]
    if len(arrived) != added:
        return None  # messages were expunged too
    entries: dict = {}
    links = message_links(client, selected, arrived, entries)
    known, placed = structure[: limits.PLACING_CONVERSATIONS], None
    if len(links) == len(arrived):
        placed = _placed(client, selected, structure, arrived, links, old_newest)
    if len(entries) == len(arrived):
        # Every message up to the highest new UID is in the folder's last structure or new.
        _extend_link_index(client, selected, old_newest, max(newest, *arrived), entries)
    if placed is None:
        return None
    top, moved = [], set()
    for group, uids in placed.items():
        if group[0] == "known":
            moved.add(group[1])
            top.append(known[group[1]] + tuple(uids))
        else:
            top.append(tuple(uids))
    top.sort(key=lambda conversation: conversation[-1], reverse=True)
    rest = tuple(item for index, item in enumerate(known) if index not in moved)
    return tuple(top) + rest + structure[len(known) :]


def _placed(client, selected, structure, arrived, links, old_newest) -> dict | None:
    """{("known", index in the newest conversations of `structure`) or ("new", first
    UID): the new UIDs it takes}, or None where a new message cannot be placed surely (see
    with_new_mail)."""
    known = structure[: limits.PLACING_CONVERSATIONS]
    owners = _owners(client, selected, known)
    groups: dict = {}  # a new message's Message-ID -> its group
    placed: dict = {}
    named, held, fresh, words = set(), {}, [], []
    subjects = {uid: links[uid][2].casefold() for uid in arrived}
    for uid in arrived:
        own, names, base, _reply = links[uid]
        if own and (own in owners or own in groups or own in named):
            return None  # a second message of one Message-ID, or one answered already
        if len(names) >= limits.MAX_READ_REFERENCES:
            return None  # references were left out: what they join is not known
        if names:
            found = {groups.get(name) or owners.get(name) for name in names}
            if None in found or len(found) != 1:
                # Not in the newest conversations (or not in the folder), held twice, or
                # joining conversations.
                return None
            group = found.pop()
            held.update((name, owners.uids[name]) for name in names if name not in groups)
        else:
            group = ("new", uid)
            word = _subject_word(base)
            others = (text for other, text in subjects.items() if other != uid)
            if word is None or (word and any(word.casefold() in text for text in others)):
                return None  # new mail of one subject: merged or not, THREAD decides
            words += [word] if word else []
        if own:
            groups[own] = group
            fresh.append(own)
        named.update(names)
        placed.setdefault(group, []).append(uid)
    alone = _nothing_else(client, selected, structure, old_newest, fresh, held, words)
    return placed if alone else None


class _Owners(dict):
    """{Message-ID: ("known", index)} of the messages of the newest conversations whose
    rows a page reads, None for a Message-ID two of them hold; `uids`: their UIDs."""

    def __init__(self):
        super().__init__()
        self.uids: dict = {}


def _owners(client, selected, known) -> _Owners:
    owners = _Owners()
    their_links = message_links(client, selected, _capped(known))
    for index, conversation in enumerate(known):
        for uid in conversation[-limits.MAX_CONVERSATION_ROWS :]:
            own = their_links.get(uid, (None,))[0]
            if own:
                owners[own] = None if own in owners else ("known", index)
                owners.uids[own] = uid
    return owners


def _nothing_else(client, selected, structure, old_newest, fresh, held, words) -> bool:
    """Whether no older message (UIDs 1 to `old_newest`, those of `structure`) holds a new
    message's Message-ID (`fresh`) or names it in References or In-Reply-To, or has a
    subject with one of `words`, and none but the one `held` names holds each Message-ID
    that new ones name. Answered by the folder's link index for the messages it covers
    (_link_index), by a `UID SEARCH` for the others: one of the others, one of the held
    ones for what they must not have."""
    if not (fresh or held or words):
        return True
    index = _link_index(client, selected, structure, old_newest)
    covered = 0
    if index is not None:
        covered = index.covered
        fresh_keys = [_id_key(own.encode("ascii")) for own in fresh]
        if any(index.holders(key) or index.names(key) for key in fresh_keys):
            return False
        if any(index.has_word(word) for word in words):
            return False
        for name, uid in held.items():
            if index.holders(_id_key(name.encode("ascii"))) != (uid <= covered):
                return False  # held by another message too (or by none: not sure)
        if covered >= old_newest:
            return True
    expected = sorted(uid for uid in held.values() if uid > covered)
    answered = compress_uids(expected).encode("ascii") if expected else None
    ids = [[b"HEADER", b"Message-ID", _astring(name)] for name in held]
    fields = (b"Message-ID", *_ANSWER_FIELDS)
    keys = [[b"HEADER", field, _astring(own)] for own in fresh for field in fields]
    keys += [[b"SUBJECT", _astring(word)] for word in words]
    if len(ids) + len(keys) > limits.MAX_RELATED_KEYS:
        return False  # a search too long for one command
    if keys or ids:
        others = [b"UID", f"{covered + 1}:{old_newest}".encode("ascii")]
        others += [b"NOT", b"UID", answered] if answered else []
        if _searched(client, [*others, *_any_of(ids + keys)]):
            return False
    return not (keys and answered and _searched(client, [b"UID", answered, *_any_of(keys)]))


# -- the link index ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _LinkIndex:
    """What the messages of a folder with UIDs 1 to `covered` say that could change where
    new mail goes, so that placing it (with_new_mail) asks this rather than the server,
    whose `UID SEARCH` by header reads the whole folder: the Message-IDs they hold and
    name, and their subjects, as SEARCH compares them (case folded; Message-IDs in any
    case, as 64-bit hashes: two that share a hash make a Message-ID count as held or
    named, and the folder is threaded anew). An expunged message's entries stay: they can
    only send new mail to be threaded anew. New mail extends it; a folder of another
    UIDVALIDITY has an index of its own."""

    covered: int
    held: array  # the hash of each Message-ID each message holds, sorted
    named: array  # the hash of each Message-ID named in References or In-Reply-To, sorted
    subjects: bytes  # every subject as _folded gives it, a line each
    refused: bool = False  # larger than limits.MAX_LINK_INDEX_BYTES: none kept

    @property
    def weight(self) -> int:
        return 8 * (len(self.held) + len(self.named)) + len(self.subjects)

    def holders(self, key: int) -> int:
        return bisect_right(self.held, key) - bisect_left(self.held, key)

    def names(self, key: int) -> bool:
        at = bisect_left(self.named, key)
        return at < len(self.named) and self.named[at] == key

    def has_word(self, word: str) -> bool:
        return _folded(word) in self.subjects

    def extended(self, entries: dict, covered: int) -> "_LinkIndex":
        """This index with the `entries` (_index_entry) of the messages after `covered`
        up to `covered`."""
        values = [entries[uid] for uid in sorted(entries)]
        named = set(chain.from_iterable(entry[1] for entry in values))
        subjects = [self.subjects] if self.subjects else []
        return _LinkIndex(
            covered=covered,
            held=_merged(self.held, list(chain.from_iterable(entry[0] for entry in values))),
            named=_merged(self.named, [key for key in named if not self.names(key)]),
            subjects=b"\n".join(chain(subjects, (entry[2] for entry in values))),
        )


def _merged(ordered: array, keys: list[int]) -> array:
    """`ordered` (ascending) with `keys`, ascending: a copy, as other threads may read it."""
    if len(keys) > 64:
        return array("q", sorted(chain(ordered, keys)))
    merged = ordered[:]
    for key in keys:
        merged.insert(bisect_left(merged, key), key)
    return merged


_NO_LINKS = _LinkIndex(covered=0, held=array("q"), named=array("q"), subjects=b"")


def _link_index(client, selected, structure, old_newest) -> _LinkIndex | None:
    """The folder's link index for the messages of UIDs 1 to `old_newest` (those of
    `structure`), or for the first of them: what it does not cover yet, it is extended by
    (limits.LINK_INDEX_SLICE messages read at once); None where it cannot serve."""
    scope = mailbox_scope(client)
    if scope is None:
        return None
    key = (scope, selected.name, int(selected.uidvalidity))
    index = _LINK_INDEXES.get(key) or _NO_LINKS
    if index.refused or index.covered > old_newest:
        return None
    if index.covered < old_newest:
        uids = sorted(uid for uid in chain.from_iterable(structure) if uid > index.covered)
        chosen = uids[: limits.LINK_INDEX_SLICE]
        entries = _index_entries(client, chosen)
        covered = old_newest if len(chosen) == len(uids) else chosen[-1]
        index = _kept_link_index(key, index.extended(entries, covered))
    return None if index.refused else index


def _extend_link_index(client, selected, old_newest, newest, entries) -> None:
    """The folder's link index, where it covers `old_newest`, extended by the new mail's
    `entries` to `newest`."""
    scope = mailbox_scope(client)
    key = (scope, selected.name, int(selected.uidvalidity))
    index = _LINK_INDEXES.get(key) if scope is not None else None
    if index is not None and not index.refused and index.covered == old_newest:
        _kept_link_index(key, index.extended(entries, newest))


def _kept_link_index(key, index: _LinkIndex) -> _LinkIndex:
    if index.weight > limits.MAX_LINK_INDEX_BYTES:
        index = _LinkIndex(index.covered, array("q"), array("q"), b"", refused=True)
    _LINK_INDEXES.put(key, index)
    return index


def _id_key(message_id: bytes) -> int:
    """A Message-ID's 64-bit hash in the link index, in any case (as SEARCH compares)."""
    return hash(message_id.lower())


def _folded(text: str) -> bytes:
    """`text` case folded and decomposed, as Dovecot's SEARCH compares text (RFC 5051
    i;unicode-casemap): a word of a subject is in the folded subject."""
    if text.isascii():
        return text.lower().encode("ascii")
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold()).encode(
        "utf-8", "replace"
    )


def _folded_subject(value: bytes) -> bytes:
    """A Subject field's value as the link index holds it: decoded and _folded; where it
    has encoded words or 8-bit text, as it stands too (a server that reads them otherwise
    then finds what it finds)."""
    if value.isascii() and b"=?" not in value and not _CONTROL.search(value):
        return value.lower()
    decoded = _folded(subject_text(_FOLDED_LINE.sub(b" ", value).strip()))
    raw = value.lower() if value.isascii() else _folded(value.decode("utf-8", "replace"))
    return decoded if raw == decoded else decoded + b"\n" + raw


def _index_entry(fields: dict, folded: dict) -> tuple:
    """(the hashes of the Message-IDs a message holds, of those it names, its subjects)
    from its _header_fields: every one, not the first only, as SEARCH finds any.
    `folded`: the subjects folded so far (replies share theirs, mailing lists too)."""
    held = {
        _id_key(token)
        for value in fields.get(b"message-id", ())
        for token in _MESSAGE_ID.findall(value)
    }
    named = {
        _id_key(token)
        for field in (b"references", b"in-reply-to")
        for value in fields.get(field, ())
        for token in _MESSAGE_ID.findall(value)
    }
    subjects = []
    for value in fields.get(b"subject", ()):
        if value not in folded:
            folded[value] = _folded_subject(value)
        subjects.append(folded[value])
    return tuple(held), tuple(named), b"\n".join(subjects)


def _index_entries(client, uids: list[int]) -> dict[int, tuple]:
    """{uid: _index_entry} of `uids` (messages gone missing), read in batches of
    limits.SUBJECT_FETCH_BATCH."""
    entries, folded = {}, {}
    for uid, header in _read_headers(client, uids):
        entries[uid] = _index_entry(_header_fields(header), folded)
    return entries


def _subject_word(base: str) -> str | None:
    """The longest word of base subject `base` outside list tags, which every subject of
    the same base subject holds (RFC 5256 merges conversations by it); "" for an empty
    subject (never merged), None when no word can be searched for."""
    if not base:
        return ""
    words = [word for word in _LIST_TAGS.sub(" ", base).split() if word.isprintable()]
    return max(words, key=len) if words else None


def _searched(client, keys: list[bytes]) -> list[int]:
    """The UIDs a `UID SEARCH` for `keys` finds, ascending."""
    charset = [b"CHARSET", b"UTF-8"] if _needs_charset(keys) else []
    found = imap.untagged_command(client, b"SEARCH", [*charset, *keys])
    return sorted({int(number) for item in found if item for number in item.split()})


def _server_threads(client, criteria) -> tuple[tuple[int, ...], ...]:
    charset = b"UTF-8" if _needs_charset(criteria) else b"US-ASCII"
    data = imap.untagged_command(client, b"THREAD", [b"REFERENCES", charset, *criteria])
    raw = b" ".join(item for item in data if isinstance(item, bytes))
    conversations = [tuple(sorted(set(uids))) for uids in parse_threads(raw) if uids]
    conversations.sort(key=lambda conversation: conversation[-1], reverse=True)
    return tuple(conversations)


def parse_threads(raw: bytes) -> list[list[int]]:
    """The UIDs of each thread of a THREAD answer ("(1)(2 3 (4)(5))" -> [[1], [2, 3, 4,
    5]]): the outermost parentheses make a thread, whatever the tree inside. Read here
    rather than by imapclient's general parser, which takes seconds for the 100,000 UIDs
    of a large folder; the answer holds nothing but parentheses, blanks and numbers."""
    if _THREAD_JUNK.search(raw):
        raise ProtocolError(detail="unreadable THREAD answer")
    threads, depth, current = [], 0, []
    for token in _THREAD_TOKEN.findall(raw):
        if token == b"(":
            depth += 1
        elif token == b")":
            depth -= 1
            if depth < 0:
                raise ProtocolError(detail="unreadable THREAD answer: unbalanced parentheses")
            if depth == 0:
                threads.append(current)
                current = []
        elif depth == 0:
            raise ProtocolError(detail="unreadable THREAD answer: a UID outside a thread")
        else:
            current.append(int(token))
    if depth:
        raise ProtocolError(detail="unreadable THREAD answer: unbalanced parentheses")
    return threads


def _header_threads(client, selected, criteria, newest) -> tuple[tuple[int, ...], ...]:
    """The conversations as THREAD=REFERENCES would name them, from the headers; for the
    whole folder (highest UID `newest`), its link index from the same read."""
    uids = None if criteria == [b"ALL"] else _searched(client, criteria)  # None: every one
    entries = {} if uids is None else None
    links = message_links(client, selected, uids, entries)
    scope = mailbox_scope(client)
    if entries is not None and scope is not None:
        key = (scope, selected.name, int(selected.uidvalidity))
        _kept_link_index(key, _NO_LINKS.extended(entries, max(newest, max(entries, default=0))))
    return group_by_links(links)


def message_links(client, selected, uids: list[int] | None, entries=None) -> dict[int, tuple]:
    """{uid: (Message-ID, referenced Message-IDs, base subject, is a reply)} of `uids` (None:
    every message of the selected folder), from the cache or read in batches of
    limits.SUBJECT_FETCH_BATCH; into `entries`, the _index_entry of each message read."""
    scope = mailbox_scope(client)
    folder, uidvalidity = selected.name, int(selected.uidvalidity)
    links, missing, folded = {}, None, {}
    if uids is not None:
        missing = []
        for uid in uids:
            entry = _LINKS.get((scope, folder, uidvalidity, uid)) if scope else None
            if entry is None:
                missing.append(uid)
            else:
                links[uid] = entry
    for uid, header in _read_headers(client, missing):
        fields = _header_fields(header)
        links[uid] = _links_of_fields(fields)
        if entries is not None:
            entries[uid] = _index_entry(fields, folded)
        if scope is not None:
            _LINKS.put((scope, folder, uidvalidity, uid), links[uid])
    return links


def _read_headers(client, uids: list[int] | None):
    """(uid, header bytes of _LINK_ITEMS) of `uids` (None: every message), read in batches
    of limits.SUBJECT_FETCH_BATCH."""
    if uids is None:
        sets = ["1:*"]
    else:
        ordered, batch = sorted(uids), limits.SUBJECT_FETCH_BATCH
        sets = [compress_uids(ordered[i : i + batch]) for i in range(0, len(ordered), batch)]
    for uid_set in sets:
        data = imap.untagged_command(client, b"FETCH", [uid_set.encode("ascii"), _LINK_ITEMS])
        yield from _fetched_headers(data)


def _fetched_headers(data):
    """(uid, header bytes) of a raw FETCH answer of one HEADER.FIELDS section."""
    for index, entry in enumerate(data):
        line, header = entry if isinstance(entry, tuple) else (entry, b"")
        if not isinstance(line, bytes) or b"BODY[" not in line.upper():
            continue
        uid = _FETCH_UID.search(line)
        after = data[index + 1] if index + 1 < len(data) else None
        if uid is None and isinstance(after, bytes):
            uid = _FETCH_UID.search(after)
        if uid is not None:
            yield int(uid.group(1)), header if isinstance(header, bytes) else b""


def _header_fields(header: bytes) -> dict[bytes, list[bytes]]:
    """{lower-case field name: [its values, folded lines and all]} of a _LINK_ITEMS header."""
    fields: dict = {}
    for name, value in _LINK_FIELD.findall(header):
        fields.setdefault(name.lower(), []).append(value)
    return fields


def _links_of(header: bytes) -> tuple:
    return _links_of_fields(_header_fields(header))


def _links_of_fields(fields: dict) -> tuple:
    """(Message-ID, the Message-IDs named, base subject, is a reply) from a message's first
    Message-ID, References, In-Reply-To and Subject field."""

    def first(name):
        values = fields.get(name)
        return _FOLDED_LINE.sub(b" ", values[0]).strip() if values else b""

    own = _MESSAGE_ID.search(first(b"message-id"))
    named = _MESSAGE_ID.findall(first(b"references"))[-limits.MAX_READ_REFERENCES :]
    named += _MESSAGE_ID.findall(first(b"in-reply-to"))
    subject = first(b"subject")
    base = base_subject(subject)
    own_id = own.group().decode("ascii") if own else None
    names = tuple(
        dict.fromkeys(name.decode("ascii") for name in named if name.decode("ascii") != own_id)
    )
    # A prefix, tag or trailer was taken off: a reply or a forward.
    reply = " ".join(subject_text(subject).split()) != base
    return own_id, names, base, reply


def group_by_links(links: dict[int, tuple]) -> tuple[tuple[int, ...], ...]:
    """Conversations from message links (message_links), newest first: messages that name
    each other, or a common message, are one; so are a reply and the conversation whose
    base subject it has, when nothing it names is in the folder."""
    parent: dict = {}

    def find(key):
        root = key
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[key] != root:  # path compression
            parent[key], key = root, parent[key]
        return root

    def join(first, second):
        first, second = find(first), find(second)
        if first != second:
            parent[max(first, second, key=str)] = min(first, second, key=str)

    for uid, (own, names, _base, _reply) in links.items():
        node = ("uid", uid)
        if own:
            join(node, ("id", own))
        for name in names:
            join(node, ("id", name))
    # A reply that names nothing in the folder, and the conversation its base subject is
    # the subject of (the one whose first message has it, as RFC 5256 merges by subject).
    by_subject: dict = {}
    for uid in sorted(links):
        _own, _names, base, reply = links[uid]
        if base and not reply:
            by_subject.setdefault(base, ("uid", uid))
    listed = frozenset(own for own, _names, _base, _reply in links.values() if own)
    for uid in sorted(links):
        own, names, base, reply = links[uid]
        if reply and base in by_subject and not any(name in listed for name in names):
            join(("uid", uid), by_subject[base])
    groups: dict = {}
    for uid in links:
        groups.setdefault(find(("uid", uid)), []).append(uid)
    conversations = [tuple(sorted(uids)) for uids in groups.values()]
    conversations.sort(key=lambda conversation: conversation[-1], reverse=True)
    return tuple(conversations)


# -- across folders -----------------------------------------------------------------------------


def related_folder(client, folder: str) -> str | None:
    """The folder whose messages join `folder`'s conversations: the account's Sent folder
    (what the user answered), or for Sent the Inbox (what they answered); None for others.
    """
    sent = folders.special_folder(client, "\\Sent")
    if sent is None or folder == sent:
        return _RELATED["\\Sent"] if folder == sent else None
    return sent if folder.upper() == "INBOX" else None


def related_messages(client, selected, page: list[Conversation]) -> list[Conversation]:
    """`page` with the messages of its conversations found in the related folder
    (related_folder): those whose Message-ID one of the page's messages names, or that
    name one of the page's Message-IDs in In-Reply-To or References.

    One `UID SEARCH` there with at most limits.MAX_RELATED_KEYS Message-IDs (a page's
    newest messages first), one FETCH of the found messages' links and one of their rows;
    the folder selected before is selected again at the next page (a SELECT instead of a
    NOOP). What was found is kept while the related folder holds the same messages (one
    STATUS, see _related_found): a page looked at again, or polled, costs that STATUS.
    Only for the page, never for the whole folder: a search by header reads the related
    folder's header cache on the server, which grows with that folder; it is asked once
    per page and folder state, and only of Sent (from the Inbox) and the Inbox (from
    Sent): the user's own answers are in Sent, and what they answered in the Inbox. Other
    folders (an archive, a project folder) are not searched: that would be a SELECT and
    a SEARCH per folder and page, for mail the user filed away on purpose.
    """
    other = related_folder(client, selected.name)
    if other is None:
        return page
    links = message_links(client, selected, _capped([item.uids for item in page]))
    page_ids, criteria = {}, []
    for index, conversation in enumerate(page):
        for uid in reversed(conversation.uids[-limits.MAX_CONVERSATION_ROWS :]):
            own, names, _base, _reply = links.get(uid, (None, (), "", False))
            # Answers to this message name it; the messages it answers are named by it.
            wanted = [(own, (b"References", b"In-Reply-To"))] + [
                (name, (b"Message-ID",)) for name in names
            ]
            for name, fields in wanted:
                if not name or name in page_ids or len(page_ids) >= limits.MAX_RELATED_KEYS:
                    continue
                page_ids[name] = index
                criteria += [[b"HEADER", field, name.encode("ascii")] for field in fields]
    if not criteria:
        return page
    found = _related_found(client, other, criteria)
    found_for: dict = {}
    for there_validity, _uid, their_links, row in found:
        own, names, _base, _reply = their_links
        for name in (own, *names):
            if name in page_ids:
                found_for.setdefault(page_ids[name], []).append((there_validity, row))
                break
    result = []
    for index, conversation in enumerate(page):
        related = tuple(
            RelatedMessage(other, uidvalidity, row) for uidvalidity, row in found_for.get(index, ())
        )
        result.append(Conversation(conversation.uids, conversation.messages, related))
    return result


def _related_found(client, other, criteria) -> tuple:
    """((UIDVALIDITY, UID, links, row) of the messages of `other` that match any of
    `criteria`), from the cache while `other` holds the same messages: one STATUS tells
    (UIDNEXT grows with new mail, MESSAGES falls with an expunge). The rows' flags may be
    older than the folder's then; they are the user's own answers, mostly, and opening one
    reads it afresh."""
    state = folders.folder_state(client, other)
    scope = mailbox_scope(client)
    key = (scope, other, state.uidvalidity, state.total, state.uidnext, tuple(map(tuple, criteria)))
    found = _RELATED_FOUND.get(key) if scope is not None else None
    if found is not None:
        return found
    there, _count = imap.ensure_selected(client, other)
    uids = _searched(client, _any_of(criteria))[-limits.MAX_RELATED_MESSAGES :]
    found = ()
    if uids:
        their_links = message_links(client, there, uids)
        rows = {row.uid: row for row in fetch_summaries(client, uids, previews_of=there)}
        found = tuple(
            (int(there.uidvalidity), uid, their_links[uid], rows[uid])
            for uid in uids
            if uid in rows and uid in their_links
        )
    if scope is not None:
        _RELATED_FOUND.put(key, found)
    return found


def _any_of(keys: list[list[bytes]]) -> list[bytes]:
    """One SEARCH program matching any of `keys`: OR a (OR b (OR c d)), as a flat list."""
    if len(keys) == 1:
        return keys[0]
    program: list[bytes] = []
    for key in keys[:-1]:
        program += [b"OR", *key]
    return program + keys[-1]


def forget_structures() -> None:
    """Empty the conversation caches (for tests and the benchmark)."""
    _STRUCTURES.clear()
    _LATEST.clear()
    _LINKS.clear()
    _RELATED_FOUND.clear()
    _LINK_INDEXES.clear()
