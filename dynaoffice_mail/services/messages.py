"""The message list: one page of summaries, sorted and searched by the server."""

import contextlib
import dataclasses
import hashlib
import re
from array import array
from dataclasses import dataclass
from itertools import pairwise

import imapclient

from . import fetch_parser, imap, limits, list_rows, net, previews
from .caches import BoundedCache, mailbox_scope
from .exceptions import InvalidInputError, LimitExceededError, ProtocolError
from .headers import to_text
from .list_rows import MessageSummary
from .subjects import subject_sort_key
from .uidsets import compress_uids, parse_ordered_uids, set_ranges

SORT_KEYS = ("date", "arrival", "from", "subject", "size")

# BODY.PEEK is not needed: none of these items is a body section, so nothing sets \Seen.
_SUMMARY_ITEMS = "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE)"
_SUBJECT_ITEMS = b"(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])"
_FETCH_UID = re.compile(rb"\bUID (\d+)", re.IGNORECASE)
_SUBJECT_FIELD = re.compile(
    rb"(?:^|\n)subject[ \t]*:(.*?)(?=\r?\n(?![ \t])|$)", re.IGNORECASE | re.DOTALL
)
# Subject orders of folders and searches (see _subject_page), by mailbox, folder,
# UIDVALIDITY and the set of matching UIDs: ascending, as compact arrays of UIDs.
_SUBJECT_ORDERS = BoundedCache(limits.MAX_CACHED_SUBJECT_ORDERS)
# The subjects those orders were made of, by mailbox, folder and UIDVALIDITY: {UID:
# subject_sort_key}, so that a new order (new mail, an expunge, another search) reads only
# the subjects of messages it has not seen.
_SUBJECT_KEYS = BoundedCache(
    limits.MAX_CACHED_SUBJECT_ORDERS,
    max_bytes=limits.MAX_SUBJECT_KEY_BYTES,
    weigh=lambda keys: _subject_keys_weight(keys),
)
# The list's rows by mailbox, folder, UIDVALIDITY and UID, as (the folder's HIGHESTMODSEQ
# they were read at, whether with the preview, MessageSummary); and pages by mailbox,
# folder, UIDVALIDITY, sort, direction, offset, size and search, as (HIGHESTMODSEQ and
# message count they were read at, the lowest UID a later mail can have, total, UIDs).
_SUMMARIES = BoundedCache(
    limits.MAX_CACHED_SUMMARIES,
    max_bytes=limits.MAX_CACHED_SUMMARY_BYTES,
    weigh=lambda entry: _summary_weight(entry),
)
_PAGES = BoundedCache(limits.MAX_CACHED_PAGES)
# Folders (by mailbox, folder and UIDVALIDITY) whose dates did not follow their arrival the
# last time a page was guessed (see _first_look).
_UNGUESSED = BoundedCache(limits.MAX_CACHED_PAGES)
# The search keys whose matches a flag change alters (a page searched with one of them is
# asked again after any change; see _flag_refreshed_rows).
_FLAG_KEYS = frozenset(
    (b"ANSWERED", b"DELETED", b"DRAFT", b"FLAGGED", b"KEYWORD", b"NEW", b"OLD", b"RECENT")
    + (b"SEEN", b"UNANSWERED", b"UNDELETED", b"UNDRAFT", b"UNFLAGGED", b"UNKEYWORD", b"UNSEEN")
    + (b"MODSEQ",)
)
# The orders a page can be kept in from the rows alone after new mail or an expunge (see
# _merged_page), and what each orders by.
_MERGED_ORDERS = {
    "date": lambda row: row.sort_date,
    "size": lambda row: row.size,
}


@dataclass(frozen=True)
class MessageSearch:
    """What the user typed into the search fields; the server does the searching."""

    text: str = ""  # anywhere in headers and body
    from_: str = ""
    to: str = ""
    subject: str = ""
    unseen: bool = False
    flagged: bool = False
    # Keys of the search box's query, as services.search_query.parse_query made them (and
    # nothing else: they go on the wire as they are).
    query: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class MessagePage:
    total: int  # messages in the folder that match the search
    uidvalidity: int
    offset: int
    sort: str  # the order actually used (see page_messages for when it differs)
    reverse: bool
    messages: tuple[MessageSummary, ...]


def page_messages(
    client: imapclient.IMAPClient,
    folder: str,
    *,
    sort: str = "date",
    reverse: bool = True,
    offset: int = 0,
    limit: int = 50,
    search: MessageSearch | None = None,
    with_previews: bool = True,
) -> MessagePage:
    """One page of `folder`, sorted by `sort` (date, arrival, from, subject, size), each
    message with its preview line unless `with_previews` is false.

    The server sorts and searches; the cost of a page does not grow with the folder. The
    ways to get a page, cheapest first, used as far as the server allows:

    1. Arrival order (the order the folder received its mail, i.e. UID order) without a
       search: message sequence numbers are that order, so the page is a plain
       `FETCH n-49:n`; a NOOP first picks up mail that arrived meanwhile.
    2. With ESORT and PARTIAL (RFC 5267; Dovecot 2.3 supports PARTIAL on SORT although it
       advertises CONTEXT=SEARCH and not CONTEXT=SORT): `UID SORT RETURN (COUNT PARTIAL
       first:last)` returns the count and just this page's UIDs. Arrival order with a
       search uses `UID SEARCH RETURN (COUNT PARTIAL ...)` the same way (not SORT ARRIVAL,
       which orders by INTERNALDATE, not by UID); newest first it needs the count before
       it can ask for the last stretch (one command more).
    3. SORT without ESORT (or SEARCH for arrival order): the server returns every matching
       UID and the page is cut out here. More bytes, still one command.
    4. No SORT at all: arrival order, which any server can do; `MessagePage.sort` says so.

    Subjects are the exception: the server's SORT SUBJECT strips only "Re:" and "Fwd:"
    (RFC 5256), which files every German "AW:" and "WG:" under A and W. So the subject
    order is made here (_subject_page): the matching UIDs from the server, every one's
    Subject header once, sorted by subjects.base_subject(); the order is cached for the
    folder's set of matching UIDs, so the next page and the next look cost no more than
    any other order. Past limits.MAX_SUBJECT_SORT matches the server sorts after all.

    Then one `UID FETCH` with the page's UIDs as compressed ranges, which brings the
    previews too where the server makes them (services.previews; elsewhere they are read
    with one more bounded FETCH, or come from the cache). On a connection that has the
    folder selected that is at most three commands per page (a NOOP first, so that the
    server includes mail that arrived since the connection last looked; see
    imap.ensure_selected), four for a search newest first in arrival order, the first
    subject order of a folder state and a guess that missed (below); on a fresh connection
    SELECT takes the NOOP's place.

    A page by date without a search that is not cached (the first look at it in this
    process) has its rows guessed by arrival (_first_look): the FETCH of the messages the
    page most likely holds goes out before the SORT (with the NOOP, where the connection
    has the folder selected: two round trips in all, _guess_ahead; one where the server is
    far, the SORT with them), and its answers are read while the server sorts; rows the
    guess missed are read after the SORT (once per folder: where it missed, it is not made
    again).

    Where CONDSTORE is enabled (imap.VettedIMAPClient.select_folder), the page's UIDs and
    rows are cached per folder state (_folder_state: HIGHESTMODSEQ and message count, which
    the NOOP brings up to date): a page of an unchanged folder costs the NOOP alone (none
    within imap.RECHECK_AFTER of the last check, where that is on: ensure_selected's
    `recent`); a changed one reads only the rows it lacks, or the flags changed since
    (_known_summaries); after a change of flags alone, where neither sort nor search looks
    at flags, the cached order stands and the NOOP's answer names the changed flags (where
    it covers the time since the page was read: imap.SyncChanges; else one FETCH brings
    them, _flag_refreshed_rows); a page without a search, by date or size, is made from
    its cached rows and one FETCH after new mail or an expunge too (_merged_page: the
    page is named with margins of limits.PAGE_MARGIN messages before and after it, which
    shift it by the new mail that sorts before it and fill it for what was expunged). A
    page of a folder that changed since it was read thus costs at most two commands,
    except with a search or another order after new mail or an expunge, or beyond what
    the margins cover: the NOOP, the SORT and a FETCH of the rows the cache lacks (the
    margins' too, when sorted again after a change, for the next time).
    """
    if sort not in SORT_KEYS:
        raise InvalidInputError(f"unknown sort key {sort!r}")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInputError(f"invalid offset {offset!r}")
    if not isinstance(limit, int) or not 0 < limit <= limits.MAX_PAGE_SIZE:
        raise InvalidInputError(f"page size must be between 1 and {limits.MAX_PAGE_SIZE}")
    imap.check_folder_name(folder, "folder name")
    criteria = search_criteria(search)
    sort_key = _server_sort_key(client, sort)
    if sort_key is None:
        sort = "arrival"
    with imap.translate_errors(client):
        if sort == "arrival" and _search_is_empty(search):
            selected, count = imap.ensure_selected(client, folder, recent=True)
            messages = _page_by_sequence(
                client, count, reverse, offset, limit, selected if with_previews else None
            )
            total = count
        else:
            page = (sort, reverse, offset, limit, tuple(criteria))
            guess = _guess_ahead(client, folder, page, sort_key, with_previews)
            try:
                selected, count = imap.ensure_selected(
                    client, folder, recent=True, noop_sent=guess and guess.noop
                )
            except BaseException:
                with contextlib.suppress(Exception):
                    _drop_guess(client, guess)  # its answer is not left for the next FETCH
                raise
            state = _folder_state(client, selected, count)
            if guess is not None and state != guess.state:
                # The NOOP told of a change: the rows were read before it, maybe not as now.
                _drop_guess(client, guess)
                if guess.sort is not None:
                    # Dovecot says the HIGHESTMODSEQ of that change with the SORT's answer.
                    count = client.message_count
                    state = _folder_state(client, selected, count)
                guess = None
            page_key = cached = messages = None
            if state is not None:
                page_key = (*state[:3], *page)
                cached = _PAGES.get(page_key)
            changed = cached is not None and cached[:2] != state[3:]
            if changed:
                cached, messages = _changed_page(
                    client, selected, state, page_key, cached, with_previews
                )
            margins = ()
            if cached is None:
                # Sorted again after a change, the page's rows are mostly cached: no guess.
                found = (
                    None
                    if changed
                    else _first_look(
                        client,
                        selected,
                        state,
                        sort_key,
                        criteria,
                        reverse,
                        offset,
                        limit,
                        with_previews,
                        guess,
                    )
                )
                found = found or _page_uids(
                    client,
                    selected,
                    sort,
                    sort_key,
                    criteria,
                    reverse,
                    offset,
                    limit,
                    _margins(state, sort, criteria, offset),
                )
                total, uids, *margins = found
                named = uids + margins[0] + margins[1]
                if page_key is not None and _folder_state(client, selected, count) == state:
                    new_from = max([1, selected.uidnext, *(uid + 1 for uid in named)])
                    _PAGES.put(page_key, (*state[3:], new_from, total, uids, *margins))
            else:
                total, uids = cached[3:5]
            if messages is None:
                # Sorted again after a change: the margins' rows too, so that the next
                # change can be told without sorting (_merged_page).
                wanted = list(uids) + [uid for margin in margins if changed for uid in margin]
                messages = _known_summaries(client, selected, state, wanted, with_previews)
                if len(wanted) > len(uids):
                    on_page = set(uids)
                    messages = tuple(row for row in messages if row.uid in on_page)
        imap.mark_quiet(client)
    return MessagePage(
        total=total,
        uidvalidity=selected.uidvalidity,
        offset=offset,
        sort=sort,
        reverse=reverse,
        messages=messages,
    )


def _page_uids(client, selected, sort, sort_key, criteria, reverse, offset, limit, margins):
    """(total, the page's UIDs, the UIDs of up to `margins[0]` messages right before it, of
    up to `margins[1]` right after it) as the server sorts and searches them (see
    page_messages). Margins are only read where the server sorts (see _margins)."""
    found = None
    if sort == "arrival":
        found = _search_page(client, criteria, reverse, offset, limit)
    elif sort == "subject":
        found = _subject_page(client, selected, criteria, reverse, offset, limit)
    if found is not None:
        return found[0], tuple(found[1]), (), ()
    start = max(0, offset - margins[0])
    total, uids = _sort_page(
        client, sort_key, criteria, reverse, start, offset - start + limit + margins[1]
    )
    first, end = offset - start, offset - start + limit
    return total, tuple(uids[first:end]), tuple(uids[:first]), tuple(uids[end:])


def _margins(state, sort, criteria, offset) -> tuple[int, int]:
    """How many messages before and after the page are named with it: limits.PAGE_MARGIN
    each (none before the first page) for a page that _merged_page can keep after a change
    (cached, no search, an order of _MERGED_ORDERS), else none."""
    if state is None or sort not in _MERGED_ORDERS or criteria != [b"ALL"]:
        return 0, 0
    return (limits.PAGE_MARGIN if offset else 0), limits.PAGE_MARGIN


@dataclass(frozen=True)
class _Guess:
    """A first look's FETCH sent with the NOOP that brings the folder up to date (see
    _guess_ahead): the folder's state before the NOOP, the message numbers fetched, the
    tags of the NOOP, of the FETCH and of the SORT."""

    state: tuple
    first: int
    last: int
    noop: bytes
    fetch: bytes
    sort: bytes | None  # the SORT sent with them, where a round trip costs more (see there)
    rows: list_rows.RowsAsRead  # the FETCH's rows, made as its answers come with the SORT


def _guess_ahead(client, folder, page, sort_key, with_previews) -> _Guess | None:
    """The first look's FETCH (_first_look) sent right behind the NOOP that
    imap.ensure_selected() will send for `page` (sort, direction, offset, size, search
    criteria), where the folder is selected here, its state known and the page not cached
    for it: the page then costs two round trips, as the floor's SORT and FETCH.

    The SORT waits for the NOOP's answer, which makes it see what the NOOP brought (a
    server may run a SORT sent behind a NOOP before that NOOP's sync: Dovecot does), and the
    FETCH's rows are made while the server sorts; the FETCH need not wait, where the NOOP
    says that nothing changed (else its rows are dropped, page_messages). In a small folder
    (PIPELINED_SORT_MAX_COUNT), and where a round trip to the server costs more than the
    overlap of making the rows while it sorts (PIPELINED_SORT_ROUND_TRIP: a server
    elsewhere), the SORT goes out with them too, and counts alike only where the NOOP says
    that nothing changed (else it is sent again): one round trip for the page; the rows are
    then made as the FETCH's answers come (list_rows.RowsAsRead). (Dovecot runs a SORT that
    comes with a FETCH side by side with it, and the FETCH's answers then wait for the
    sort; where that is short, the rows made as the answers come end the page sooner than a
    sort that waits for the NOOP.) None where that does not apply, having sent nothing."""
    if not imap.will_sync(client, folder, recent=True):
        return None
    selected = client.selected_folder
    state = _folder_state(client, selected, client.message_count)
    if state is None or _PAGES.get((*state[:3], *page)) is not None:
        return None
    _sort, reverse, offset, limit, criteria = page
    criteria = list(criteria)
    span = _guess_span(client, state, sort_key, criteria, reverse, offset, limit, with_previews)
    if span is None:
        return None
    items = _summary_items(client, selected if with_previews else None)
    noop = imap.send(client, "NOOP")
    fetch = imap.send(client, "FETCH", f"{span[0]}:{span[1]}", items)
    rows = list_rows.RowsAsRead(with_previews)
    sort = None
    small = state[4] <= PIPELINED_SORT_MAX_COUNT
    if small or (imap.round_trip(client) or 0) >= PIPELINED_SORT_ROUND_TRIP:
        args = _first_sort_args(state, sort_key, criteria, reverse, offset, limit)[0]
        sort = imap.send(client, "UID", "SORT", *args)
        # Nothing waits for the FETCH's last answer: its rows are made as they come. A SORT
        # sent after the NOOP's answer, which comes after them, would wait for those rows.
        imap.watch_answers(client, fetch, rows)
    return _Guess(
        state=state, first=span[0], last=span[1], noop=noop, fetch=fetch, sort=sort, rows=rows
    )


# The round trip (imap.round_trip, seconds) from which a first look sends its SORT with the
# NOOP (_guess_ahead), and the most messages of a folder where it does so also nearer. In a
# larger folder that saves nothing near the server (`make bench`: at 6,000 messages and more
# the page costs the same both ways; at 1,000 about 0.3 ms less, 20 %), and a SORT the NOOP's
# change makes useless would cost it a sort (at 10,000 messages Dovecot sorts for about 5 ms).
PIPELINED_SORT_ROUND_TRIP = 0.003
PIPELINED_SORT_MAX_COUNT = 5_000


def _first_sort_args(
    state, sort_key, criteria, reverse, offset, limit
) -> tuple[list, int, int, tuple]:
    """(the SORT's arguments, where the page starts among the UIDs it returns, where it
    ends, the margins) of a first look at a page by date in the folder state `state`."""
    margins = _margins(state, "date", criteria, offset)
    start = max(0, offset - margins[0])
    end = offset - start + limit
    args = _partial_sort_args(sort_key, criteria, reverse, start, end + margins[1])
    return args, start, end, margins


def _drop_guess(client, guess: _Guess | None) -> None:
    """Read the answers of a guess's FETCH and SORT and drop them (a broken connection
    raises)."""
    if guess is not None:
        imap.answer_lines(client, guess.fetch, strict=False)
        if guess.sort is not None:
            imap.answer_unless_refused(client, guess.sort, "SORT", "ESEARCH")


def _guess_span(client, state, sort_key, criteria, reverse, offset, limit, with_previews):
    """(first, last): the message numbers a first look at the page guesses it holds
    (_first_look); None where it guesses not."""
    count = state[4] if state is not None else None
    if sort_key != b"DATE" or criteria != [b"ALL"] or state is None or not count:
        return None
    if _UNGUESSED.get(state[:3]) or not (client.has_capability("ESORT") and _has_partial(client)):
        return None
    if with_previews and previews.server_item(client) is None:
        return None  # each guessed row's preview would be read here, also for rows missed
    last = count - offset if reverse else min(count, offset + limit)
    first = max(1, last - limit + 1) if reverse else offset + 1
    return (first, last) if first <= last else None


def _first_look(
    client, selected, state, sort_key, criteria, reverse, offset, limit, with_previews, guess
):
    """A page by date without a search that is not cached (see page_messages), read in
    the time of its SORT: a FETCH of the messages the page most likely holds is sent,
    then, once the server answers it, the SORT that names the page (imap.await_answer),
    and the FETCH's answers are read here while the server sorts. At 10,000 messages and
    more the rows thus cost no time beyond the sort's. Where the FETCH went out with the
    NOOP (`guess`, see _guess_ahead), whose answer is in, the SORT follows at once, or went
    out with them (a server far away).

    The guess: the dates of a folder's messages mostly follow their arrival (message
    sequence numbers), so the newest first page by date is mostly the folder's last
    messages by number (alike for any page and either direction). The SORT decides what
    the page holds; guessed rows that are on it are used, and those the guess missed are
    read as any others (one FETCH more). The guessed rows are kept in the row cache where
    the folder did not change while they were read (the state after the NOOP, `state`, is
    still the folder's after the SORT), else they are read again (_known_summaries). A
    folder where the guess found less than half of a page is not guessed at again
    (_UNGUESSED; a FETCH the server refused says nothing of that), nor is one without a
    known state (nothing is cached there), nor where the previews are read here (a server
    without PREVIEW: see services.previews).

    (total, the page's UIDs, the margins' UIDs), as _page_uids gives them; None where
    it does not apply, having sent nothing."""
    if guess is not None:
        first, last, fetch_tag, made = guess.first, guess.last, guess.fetch, guess.rows
    else:
        span = _guess_span(client, state, sort_key, criteria, reverse, offset, limit, with_previews)
        if span is None:
            return None
        first, last = span
    sort_args, start, end, margins = _first_sort_args(
        state, sort_key, criteria, reverse, offset, limit
    )
    previews_of = selected if with_previews else None
    if guess is None:
        items = _summary_items(client, previews_of)
        fetch_tag = imap.send(client, "FETCH", f"{first}:{last}", items)
        made = list_rows.RowsAsRead(with_previews)
        imap.watch_answers(client, fetch_tag, made)
        imap.await_answer(client)  # the server runs the FETCH: the SORT is run after it
    if guess is not None and guess.sort is not None:
        sort_tag = guess.sort  # sent with the NOOP, which told no change (page_messages)
    else:
        sort_tag = imap.send(client, "UID", "SORT", *sort_args)
    try:
        # Read while the server sorts.
        data = imap.answer_lines(client, fetch_tag, strict=False)
        guessed = _guessed_rows(client, data, first, last, previews_of, made)
    finally:
        _typ, data = imap.answer(client, sort_tag, "SORT", "ESEARCH")
    result = _esearch_result(data)
    uids = _partial_uids(result, end + margins[1])
    page = uids[offset - start : end]
    if _folder_state(client, selected, client.message_count) == state:
        # Read after the NOOP, and nothing changed since: the rows are those of this state.
        scope, folder, uidvalidity, modseq, _count = state
        _SUMMARIES.put_many(
            ((scope, folder, uidvalidity, row.uid), (modseq, with_previews, row))
            for row in guessed or ()
        )
        found = {row.uid for row in guessed or ()}.intersection(page)
        if guessed is not None and 2 * len(found) < len(page):
            _UNGUESSED.put(state[:3], True)
    return result.get(b"COUNT", 0), tuple(page), tuple(uids[: offset - start]), tuple(uids[end:])


def _guessed_rows(client, data, first, last, previews_of, made):
    """The rows of the FETCH of message numbers `first` to `last` that _first_look sent, of
    its answers `data` (imap.answer_lines), made as they were read (`made`); None where the
    server refused it or its answer could not be read (the page's rows are then read as any
    others, and an unreadable one fails there)."""
    if data is None:
        return None
    rows = made.rows_of(data)
    if rows is not None:
        return tuple(row for number, row in sorted(rows.items()) if first <= number <= last)
    answers = imap.read_fetch(client, data, strict=False, listed=True)
    if answers is None:
        return None
    whole = [
        (item[b"UID"], item)
        for number, item in sorted(answers.items())
        if first <= number <= last and b"UID" in item and b"ENVELOPE" in item
    ]
    return list_rows.summaries(client, whole, previews_of)


def matching_uids(
    client: imapclient.IMAPClient, folder: str, search: MessageSearch | None = None
) -> tuple[int, list[int]]:
    """(UIDVALIDITY, UIDs) of every message of `folder` that matches `search`, ascending:
    "select all in this folder", with the page's search criteria. With ESEARCH one
    `UID SEARCH RETURN (ALL)`, whose answer is ranges; else a plain UID SEARCH.
    LimitExceededError beyond limits.MAX_SELECTION matches."""
    imap.check_folder_name(folder, "folder name")
    criteria = search_criteria(search)
    charset = [b"CHARSET", b"UTF-8"] if _needs_charset(criteria) else []
    with imap.translate_errors(client):
        selected, _count = imap.ensure_selected(client, folder)
        if client.has_capability("ESEARCH"):
            result = _esearch(client, b"SEARCH", [b"RETURN", b"(ALL)", *charset, *criteria])
            uids = parse_ordered_uids(result.get(b"ALL"), limits.MAX_SELECTION)
        else:
            uids = _plain_uids(imap.untagged_command(client, b"SEARCH", [*charset, *criteria]))
            if len(uids) > limits.MAX_SELECTION:
                raise LimitExceededError(detail=f"more than {limits.MAX_SELECTION} matches")
    return int(selected.uidvalidity), sorted(set(uids))


def _search_is_empty(search: MessageSearch | None) -> bool:
    return search is None or search_criteria(search) == [b"ALL"]


def search_criteria(search: MessageSearch | None) -> list[bytes]:
    """IMAP SEARCH keys for `search`, all of which must match; `[b"ALL"]` for no search.

    Raises InvalidInputError for CR, LF or NUL, which imapclient would put on the wire as
    they are, letting a search term inject a command of its own.
    """
    if search is None:
        return [b"ALL"]
    criteria = []
    for keyword, value, what in (
        (b"TEXT", search.text, "search text"),
        (b"FROM", search.from_, "sender"),
        (b"TO", search.to, "recipient"),
        (b"SUBJECT", search.subject, "subject"),
    ):
        _check_search_term(value, what)
        if value and value.strip():
            if keyword in (b"FROM", b"TO"):
                criteria += address_keys(keyword, value.strip())
            else:
                criteria += [keyword, _astring(value.strip())]
    if search.unseen:
        criteria.append(b"UNSEEN")
    if search.flagged:
        criteria.append(b"FLAGGED")
    criteria.extend(search.query)
    return criteria or [b"ALL"]


def _check_search_term(value, what: str) -> None:
    """Text that can go on the wire: no line break or NUL, no lone surrogate (JSON can
    carry "\\ud800", UTF-8 cannot), and short enough for one command line."""
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be text")
    net.check_wire_safe(value, what)
    if len(value) > limits.MAX_SEARCH_LENGTH:
        raise InvalidInputError(f"{what} is longer than {limits.MAX_SEARCH_LENGTH} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what} contains a character that is not text") from None


def address_keys(key: bytes, value: str) -> tuple[bytes, ...]:
    """The SEARCH keys for `value` in the address header `key` (FROM, TO, CC): where it
    names an internationalised domain (hans@müller-bau.example, müller-bau.example), that
    domain as headers carry it (punycode, xn--...) or as typed (a header in UTF-8)."""
    carried = _domain_as_carried(value)
    if carried is None:
        return (key, _astring(value))
    return (b"OR", key, _astring(value), key, _astring(carried))


def _domain_as_carried(value: str) -> str | None:
    """`value` with the non-ASCII labels of its domain (after the @, or the whole value
    where it has a dot and no @ nor blank) as punycode (IDNA, as services.addresses sends
    them); None where it has no such label or one that cannot be written so."""
    local, at, domain = value.rpartition("@")
    if domain.isascii() or any(character.isspace() for character in domain):
        return None
    if not at and "." not in domain:
        return None  # a name (Jürgen), not a domain
    labels = []
    for label in domain.split("."):
        try:
            labels.append(label if label.isascii() else label.encode("idna").decode("ascii"))
        except UnicodeError:
            return None
    return f"{local}{at}{'.'.join(labels)}"


def _astring(value: str) -> bytes:
    encoded = value.encode("utf-8")
    if not value.isascii():
        return encoded  # imapclient sends 8-bit arguments as literals
    return b'"' + encoded.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _needs_charset(criteria: list[bytes]) -> bool:
    return any(byte > 127 for item in criteria for byte in item)


def _server_sort_key(client, sort: str) -> bytes | None:
    """The SORT key for `sort`, or None when the server cannot sort (arrival order then)."""
    if sort == "arrival":
        return b"ARRIVAL"
    if not client.has_capability("SORT"):
        return None
    if sort == "from":
        # Plain FROM sorts by the mailbox part of the address; users see the name.
        return b"DISPLAYFROM" if client.has_capability("SORT=DISPLAY") else b"FROM"
    return sort.upper().encode("ascii")


def _has_partial(client) -> bool:
    return client.has_capability("CONTEXT=SEARCH") or client.has_capability("CONTEXT=SORT")


def _partial_range(offset: int, limit: int) -> bytes:
    return f"{offset + 1}:{offset + limit}".encode("ascii")


def _sort_page(client, sort_key, criteria, reverse, offset, limit) -> tuple[int, list[int]]:
    if client.has_capability("ESORT") and _has_partial(client):
        args = _partial_sort_args(sort_key, criteria, reverse, offset, limit)
        result = _esearch(client, b"SORT", args)
        return result.get(b"COUNT", 0), _partial_uids(result, limit)
    program = _sort_program(sort_key, reverse)
    data = imap.untagged_command(client, b"SORT", [program, b"UTF-8", *criteria])
    uids = _plain_uids(data)
    return len(uids), uids[offset : offset + limit]


def _partial_sort_args(sort_key, criteria, reverse, offset, limit) -> list[bytes]:
    """`UID SORT`'s arguments for the count and the UIDs from `offset` to `offset + limit`
    (ESORT and PARTIAL, see page_messages)."""
    returns = b"(COUNT PARTIAL " + _partial_range(offset, limit) + b")"
    return [b"RETURN", returns, _sort_program(sort_key, reverse), b"UTF-8", *criteria]


def _sort_program(sort_key: bytes, reverse: bool) -> bytes:
    return b"(REVERSE " + sort_key + b")" if reverse else b"(" + sort_key + b")"


def _subject_page(client, selected, criteria, reverse, offset, limit):
    """(total, the page's UIDs) in the order of their base subjects (then of arrival), or
    None when more than limits.MAX_SUBJECT_SORT messages match (the server sorts then).

    `UID SEARCH RETURN (COUNT ALL)` names the matching messages as a compressed UID set;
    an order made for exactly that set in this folder and UIDVALIDITY is still right (a
    message never changes its subject). For another set (new mail, an expunge, another
    search) only the subjects not read before are read (_SUBJECT_KEYS), in batches of
    limits.SUBJECT_FETCH_BATCH, and the order is sorted again here.
    """
    matching = _matching_uids(client, criteria)
    if matching is None:
        return None
    uid_set, uids = matching
    scope = mailbox_scope(client)
    digest = hashlib.blake2b(uid_set.encode("ascii"), digest_size=16).digest()
    key = (scope, selected.name, int(selected.uidvalidity), digest)
    order = _SUBJECT_ORDERS.get(key) if scope is not None else None
    if order is None:
        subjects = _SUBJECT_KEYS.get(key[:3], {}) if scope is not None else {}
        subjects.update(_fetch_subjects(client, [uid for uid in uids if uid not in subjects]))
        if criteria == [b"ALL"]:  # every message of the folder: forget the expunged
            subjects = {uid: subjects[uid] for uid in uids if uid in subjects}
        unknown = subject_sort_key("")  # gone since the search
        order = array("I", sorted(uids, key=lambda uid: (subjects.get(uid, unknown), uid)))
        if scope is not None:
            _SUBJECT_ORDERS.put(key, order)
            _SUBJECT_KEYS.put(key[:3], subjects)  # weighed again
    total = len(order)
    if reverse:
        page = [order[total - 1 - index] for index in range(offset, min(total, offset + limit))]
    else:
        page = list(order[offset : offset + limit])
    return total, page


def _subject_keys_weight(keys: dict) -> int:
    """The estimated bytes of a folder's subject keys: the dict, the tuples and the text
    (equal subjects share their key)."""
    texts = {id(key): len(key[0]) + len(key[1]) for key in keys.values()}
    return 100 * len(keys) + sum(120 + 2 * size for size in texts.values())


def _matching_uids(client, criteria) -> tuple[str, list[int]] | None:
    """(the matching UIDs as a compressed set, the UIDs), or None for more than
    limits.MAX_SUBJECT_SORT of them."""
    charset = [b"CHARSET", b"UTF-8"] if _needs_charset(criteria) else []
    if client.has_capability("ESEARCH"):
        result = _esearch(client, b"SEARCH", [b"RETURN", b"(COUNT ALL)", *charset, *criteria])
        if result.get(b"COUNT", 0) > limits.MAX_SUBJECT_SORT:
            return None
        found = result.get(b"ALL")
        uids = parse_ordered_uids(found, max_count=limits.MAX_SUBJECT_SORT)
        return to_text(found), uids
    data = imap.untagged_command(client, b"SEARCH", [*charset, *criteria])
    uids = _plain_uids(data)
    if len(uids) > limits.MAX_SUBJECT_SORT:
        return None
    return (compress_uids(uids) if uids else ""), uids


def _fetch_subjects(client, uids: list[int]) -> dict[int, tuple[str, str]]:
    """{uid: subject_sort_key of its Subject header} (messages gone meanwhile missing).

    The answers are read here rather than by imapclient, whose general parser takes three
    times as long as the rest for ten thousand of them: each is a line naming the UID and
    BODY[HEADER.FIELDS (SUBJECT)], then the header as a literal.
    """
    keys, known = {}, {}
    ordered = sorted(uids)
    for start in range(0, len(ordered), limits.SUBJECT_FETCH_BATCH):
        uid_set = compress_uids(ordered[start : start + limits.SUBJECT_FETCH_BATCH])
        data = imap.untagged_command(client, b"FETCH", [uid_set.encode("ascii"), _SUBJECT_ITEMS])
        for index, entry in enumerate(data):
            line, header = entry if isinstance(entry, tuple) else (entry, b"")
            if not isinstance(line, bytes) or b"BODY[" not in line.upper():
                continue  # an unsolicited FETCH (flags another client changed), a ")"
            uid = _FETCH_UID.search(line)
            after = data[index + 1] if index + 1 < len(data) else None
            if uid is None and isinstance(entry, tuple) and isinstance(after, bytes):
                uid = _FETCH_UID.search(after)  # the server put UID after the header
            if uid is None:
                continue
            field = _SUBJECT_FIELD.search(header) if isinstance(header, bytes) else None
            subject = field.group(1).strip() if field else b""
            if subject not in known:  # replies share their subject, mailing lists too
                known[subject] = subject_sort_key(subject)
            keys[int(uid.group(1))] = known[subject]
    return keys


def _search_page(client, criteria, reverse, offset, limit) -> tuple[int, list[int]]:
    charset = [b"CHARSET", b"UTF-8"] if _needs_charset(criteria) else []
    if client.has_capability("ESEARCH") and client.has_capability("CONTEXT=SEARCH"):
        if not reverse:
            returns = b"(COUNT PARTIAL " + _partial_range(offset, limit) + b")"
            result = _esearch(client, b"SEARCH", [b"RETURN", returns, *charset, *criteria])
            return result.get(b"COUNT", 0), _partial_uids(result, limit)
        counted = _esearch(client, b"SEARCH", [b"RETURN", b"(COUNT)", *charset, *criteria])
        total = counted.get(b"COUNT", 0)
        last = total - offset
        if last < 1:
            return total, []
        first = max(1, last - limit + 1)
        returns = f"(PARTIAL {first}:{last})".encode("ascii")
        result = _esearch(client, b"SEARCH", [b"RETURN", returns, *charset, *criteria])
        return total, _partial_uids(result, limit)[::-1]
    data = imap.untagged_command(client, b"SEARCH", [*charset, *criteria])
    uids = sorted(_plain_uids(data), reverse=reverse)
    return len(uids), uids[offset : offset + limit]


def _esearch(client, command: bytes, args: list[bytes]) -> dict:
    """Run a UID SEARCH/SORT with RETURN options and read its ESEARCH answer."""
    return _esearch_result(imap.untagged_command(client, command, args, response_name="ESEARCH"))


# An ESEARCH answer of numbers and PARTIAL results (Dovecot's to the list's SORT), read
# with one match: each item as parse_values() reads it (a number without a leading zero an
# int, a PARTIAL's range and UIDs as text; a single UID there, or NIL, goes that way).
# (Python 3.11's re raises a SystemError for groups inside a repeat that does not
# backtrack: the whole answer is matched without them, then findall() reads each item.)
_ESEARCH_ITEM = re.compile(
    rb" ([A-Za-z]++) (?:(0|[1-9][0-9]*+)|\(([0-9]++:[0-9]++) ([0-9]++[,:][0-9,:]*+)\))"
)
_PLAIN_ESEARCH = re.compile(
    rb'(?:\(TAG "[^"\\]*+"\))?(?: UID)?((?: [A-Za-z]++ '
    rb"(?:0|[1-9][0-9]*+|\([0-9]++:[0-9]++ [0-9]++[,:][0-9,:]*+\)))*+)\Z"
)


def _esearch_result(data: list) -> dict:
    """What an ESEARCH answer (RFC 4731) says, by its names: {b"COUNT": 80, b"PARTIAL":
    ...}."""
    answer = [item for item in data if item]
    if not answer:
        return {}
    plain = _PLAIN_ESEARCH.match(answer[-1]) if type(answer[-1]) is bytes else None
    if plain is not None:
        return {
            name.upper(): int(number) if number else (first_last, uids)
            for name, number, first_last, uids in _ESEARCH_ITEM.findall(plain.group(1))
        }
    parsed = fetch_parser.parse_values(answer[-1:])  # parse_response()'s values, faster
    # (TAG "A12") UID COUNT 80 PARTIAL (1:50 80,79,...)
    if parsed and isinstance(parsed[0], tuple):
        parsed = parsed[1:]
    if parsed and parsed[0] == b"UID":
        parsed = parsed[1:]
    pairs = zip(parsed[::2], parsed[1::2], strict=False)
    return {name.upper(): value for name, value in pairs if type(name) is bytes}


def _partial_uids(result: dict, limit: int) -> list[int]:
    partial = result.get(b"PARTIAL")
    if not partial:
        return []
    if not isinstance(partial, tuple) or len(partial) != 2:
        raise ProtocolError(detail=f"unreadable PARTIAL result {partial!r}")
    return parse_ordered_uids(partial[1], max_count=limit)


def _plain_uids(data: list) -> list[int]:
    numbers = b" ".join(item for item in data if isinstance(item, bytes)).split()
    if len(numbers) > limits.MAX_FALLBACK_RESULTS:
        raise LimitExceededError(detail=f"more than {limits.MAX_FALLBACK_RESULTS} matches")
    try:
        return [int(number) for number in numbers]
    except ValueError as error:
        raise ProtocolError(detail="unreadable SEARCH/SORT answer") from error


def _page_by_sequence(
    client, count, reverse, offset, limit, previews_of=None
) -> tuple[MessageSummary, ...]:
    if reverse:
        last = count - offset
        first = max(1, last - limit + 1)
    else:
        first, last = offset + 1, min(count, offset + limit)
    if last < first or first > count:
        return ()
    items = _summary_items(client, previews_of)
    made = list_rows.RowsAsRead(previews_of is not None)
    data = imap.fetch_lines(client, f"{first}:{last}", items, uid=False, watch=made)
    rows = made.rows_of(data)
    if rows is not None:
        numbers = sorted((number for number in rows if first <= number <= last), reverse=reverse)
        return tuple(rows[number] for number in numbers)
    response = imap.read_fetch(client, data, listed=True)
    numbers = sorted((seq for seq in response if first <= seq <= last), reverse=reverse)
    answers = [(response[seq][b"UID"], response[seq]) for seq in numbers if b"UID" in response[seq]]
    return list_rows.summaries(client, answers, previews_of)


def _folder_state(client, selected, count) -> tuple | None:
    """What names the selected folder's content exactly: (mailbox, folder, UIDVALIDITY,
    HIGHESTMODSEQ, message count); None without CONDSTORE or a known HIGHESTMODSEQ (then
    nothing is cached). Every new mail, expunge and flag change raises HIGHESTMODSEQ."""
    modseq = getattr(client, "highest_modseq", None)
    scope = mailbox_scope(client)
    if modseq is None or scope is None:
        return None
    return (scope, selected.name, int(selected.uidvalidity), modseq, count)


def _known_summaries(client, selected, state, uids, with_previews):
    """The page's rows as fetch_summaries() reads them, from the row cache where it has
    them for this folder state (`state`, see _folder_state; None: no cache).

    A row is filed with the HIGHESTMODSEQ it was read at: at that value it is still true.
    A row read at a lower one is brought up to date by what the NOOP that gave this state
    told of the changes since (_synced_row), where that covers the time since the row was
    read; else it is asked for what changed since, `UID FETCH <uids> (UID FLAGS)
    (CHANGEDSINCE <modseq>)` (a message changes nothing but its flags). Rows the cache
    lacks are read in full, with those, in one FETCH (with a page's of them at most).
    """
    previews_of = selected if with_previews else None
    if state is None:
        return fetch_summaries(client, uids, previews_of=previews_of)
    scope, folder, uidvalidity, modseq, _count = state
    changes = _changes_up_to(client, modseq)
    rows, stale, missing = {}, {}, []
    keys = [(scope, folder, uidvalidity, uid) for uid in uids]
    for key, entry in zip(keys, _SUMMARIES.get_many(keys), strict=True):
        uid = key[3]
        if entry is None or (with_previews and not entry[1]):
            missing.append(uid)
        elif entry[0] == modseq:
            rows[uid] = entry[2]
        elif changes is not None and entry[0] >= changes.since:
            rows[uid] = _synced_row(entry, changes)
            _SUMMARIES.put(key, (modseq, entry[1], rows[uid]))
        else:
            stale[uid] = entry
    if missing:
        # Stale rows are read again with the missing ones, in one FETCH; more than a page's
        # of them (a page of conversations has up to 1,000) are only asked what changed.
        refetched = list(stale) if len(stale) <= limits.STALE_ROWS_READ_AGAIN else []
        read = fetch_summaries(client, missing + refetched, previews_of=previews_of)
        rows.update((summary.uid, summary) for summary in read)
        _SUMMARIES.put_many(
            ((scope, folder, uidvalidity, summary.uid), (modseq, with_previews, summary))
            for summary in read
        )
        stale = {} if refetched else stale
    if stale:
        since = min(entry[0] for entry in stale.values())
        items = f"(UID FLAGS) (CHANGEDSINCE {since})"
        changed = imap.uid_fetch(client, stale, items)
        for uid, (_modseq, had_preview, summary) in stale.items():
            if uid in changed:
                summary = dataclasses.replace(summary, **list_rows.flag_values(changed[uid]))
            rows[uid] = summary
            _SUMMARIES.put((scope, folder, uidvalidity, uid), (modseq, had_preview, summary))
    return _as_listed(rows, uids, with_previews)


def _changes_up_to(client, modseq: int) -> "imap.SyncChanges | None":
    """What the connection's last NOOP told (imap.SyncChanges), if it brought the folder to
    HIGHESTMODSEQ `modseq`, the state a page is made for; else None."""
    changes = getattr(client, "sync_changes", None)
    return changes if changes is not None and changes.until == modseq else None


def _synced_row(entry, changes) -> MessageSummary:
    """The row of a row cache entry read at `changes.since` or later, with the flags the
    NOOP told of where they changed after it was read."""
    read_at, _had_preview, row = entry
    told = changes.flags.get(row.uid)
    if told is None or told[0] <= read_at:
        return row
    return dataclasses.replace(row, **list_rows.flag_values({b"FLAGS": told[1]}))


def _as_listed(rows: dict, uids, with_previews: bool) -> tuple[MessageSummary, ...]:
    """The rows of `uids` in that order, as fetch_summaries() gives them."""
    if not with_previews:
        rows = {
            uid: dataclasses.replace(row, preview="") if row.preview else row
            for uid, row in rows.items()
        }
    return tuple(rows[uid] for uid in uids if uid in rows)


def _flag_refreshed_rows(client, state, cached, entries) -> dict | None:
    """{uid: row} of a cached page (`cached`, see _PAGES) whose folder has changed only
    flags since, with their flags brought up to date; None when that cannot be told (the
    page is read again then).

    The page's order is still right when the sort and search do not look at flags (the
    caller checks) and the folder holds the same messages: the same count (`state`, see
    _folder_state) and no mail since, hence no expunge either. One command says both:
    `UID FETCH <page UIDs>,<new_from>:* (UID FLAGS) (CHANGEDSINCE <modseq>)` answers for
    the page's messages whose flags changed and for every message that arrived since the
    page was read (those have UIDs from new_from on and a higher MODSEQ); without such
    mail `<new_from>:*` names the last message, whose UID is lower. `entries`: the row
    cache's entries of the page's rows (_cached_entries).
    """
    scope, folder, uidvalidity, modseq, _count = state
    page_modseq, _page_count, new_from, _total, uids, _before, _after = cached
    since = min([page_modseq, *(entry[0] for entry in entries.values())])
    message_set = f"{compress_uids(uids)},{new_from}:*" if uids else f"{new_from}:*"
    changed = {}
    response = imap.fetch(client, message_set, f"(UID FLAGS) (CHANGEDSINCE {since})")
    for item in response.values():
        uid = item.get(b"UID")
        if uid in entries:
            changed.setdefault(uid, {}).update(item)
        elif not isinstance(uid, int) or uid >= new_from:
            return None  # a new mail
    rows = {}
    for uid, (_modseq, had_preview, summary) in entries.items():
        if b"FLAGS" in changed.get(uid, {}):
            summary = dataclasses.replace(summary, **list_rows.flag_values(changed[uid]))
        rows[uid] = summary
        _SUMMARIES.put((scope, folder, uidvalidity, uid), (modseq, had_preview, summary))
    return rows


def _changed_page(client, selected, state, page_key, cached, with_previews):
    """(the page's entry in _PAGES, its rows) for a cached page whose folder changed since
    (`state`, see _folder_state), where the NOOP's answer or one FETCH tells it (the
    NOOP where it told every change and that was flags alone; _merged_page for a page
    without a search, by date or size, within what its margins cover;
    _flag_refreshed_rows where only flags changed); (None, None) where the server must
    sort and search again."""
    _scope, _folder, _uidvalidity, sort, reverse, offset, limit, criteria = page_key
    count = state[4]
    entries = _cached_entries(state, cached[4], with_previews)
    if entries is None:
        return None, None
    changes = _changes_up_to(client, state[3])
    if (
        changes is not None
        and cached[0] >= changes.since
        and cached[1] == count
        and not changes.expunged_after(cached[0])
        and _FLAG_KEYS.isdisjoint(criteria)
    ):
        # The NOOP told every change since the page was read: flags alone, whose rows
        # _known_summaries brings up to date from it (the same messages, the same order).
        cached = (*state[3:], *cached[2:])
        _PAGES.put(page_key, cached)
        return cached, None
    # The margin after the page serves where its rows are known (it fills the page after
    # an expunge); the one before it is needed to place the page at all.
    after = _cached_entries(state, cached[6], with_previews) or {}
    kept = (*cached[:6], tuple(after))
    if _mergeable(client, kept, page_key, count):
        before = _cached_entries(state, cached[5], with_previews)
        window = {**(before or {}), **entries, **after}
        order_key = _order_key(sort, reverse)
        if before is not None and _in_order([entry[2] for entry in window.values()], order_key):
            merged = _merged_page(
                client, selected, state, kept, window, order_key, offset, limit, with_previews
            )
            if merged is None:
                return None, None
            new_from, uids, before, after, rows = merged
            cached = (*state[3:], new_from, count, uids, before, after)
            if _folder_state(client, selected, count) == state:
                _PAGES.put(page_key, cached)
            return cached, _as_listed(rows, uids, with_previews)
    if cached[1] != count or not _FLAG_KEYS.isdisjoint(criteria):
        return None, None
    rows = _flag_refreshed_rows(client, state, cached, entries)
    if rows is None:
        return None, None
    cached = (*state[3:], *cached[2:])
    _PAGES.put(page_key, cached)
    return cached, _as_listed(rows, cached[4], with_previews)


def _mergeable(client, cached, page_key, count) -> bool:
    """Whether _merged_page may try to keep a cached page (`cached`, see _PAGES) of a
    changed folder of `count` messages: a page without a search in an order of
    _MERGED_ORDERS, with margins wide enough for the mail that came since and for the
    messages the connection was told were expunged from it."""
    _scope, _folder, _uidvalidity, sort, _reverse, offset, _limit, criteria = page_key
    page_count, total, uids, before, after = cached[1], *cached[3:]
    if criteria != (b"ALL",) or sort not in _MERGED_ORDERS:
        return False
    if offset > len(before) and count - page_count > len(before):
        return False  # more new mail than the margin can shift the page by
    gone = _vanished_among(getattr(client, "expunged", ()), (*before, *uids))
    reaches_end = offset + len(uids) + len(after) >= total
    return gone is not None and (reaches_end or len(gone) <= len(after))


def _cached_entries(state, uids, with_previews) -> dict | None:
    """{uid: the row cache's entry} of every one of `uids`, or None where one is missing
    (or lacks the preview that is wanted)."""
    scope, folder, uidvalidity, _modseq, _count = state
    entries = {}
    for uid in uids:
        entry = _SUMMARIES.get((scope, folder, uidvalidity, uid))
        if entry is None or (with_previews and not entry[1]):
            return None
        entries[uid] = entry
    return entries


def _merged_page(client, selected, state, cached, window, order_key, offset, limit, with_previews):
    """(the lowest UID a later mail can have, the page's UIDs, its new margins' before and
    after it, {uid: row}) of a page of a folder listed without a search in an order of
    _MERGED_ORDERS (`order_key`, see _order_key), from the page as it was read before
    (`cached`, see _PAGES) and one FETCH, after mail arrived, flags changed or mail was
    expunged; None where that cannot be told surely (the server sorts again then).
    `window`: the row cache's entries of the page's rows and its margins' (the messages the
    server sorted right before and after it), in the order the server gave them.

    `UID FETCH <the window's UIDs>,<new_from>:* <the list's items> (CHANGEDSINCE <m>
    VANISHED)` answers with the rows of those messages that changed since and of every
    message that arrived since (a new mail has a higher MODSEQ), and names those that were
    expunged (`VANISHED (EARLIER)`, QRESYNC). The other messages still sort where they did
    (a date or a size never changes), so the page is found in the window's remaining rows
    and the new mail that sorts among them: shifted by the new mail that sorts before the
    window, which no more may do than the margin before it holds, and filled from the
    margin after it for the messages expunged before its end. That holds where every
    expunged message was in the window, which the message count tells (it grew by the new
    mail less those), or, for the first page, anywhere after it; and where the window
    holds a whole page after the shift, or reached the folder's end. Else None.

    The order is the server's: SORT DATE by the Date header in whole seconds (UTC), SORT
    SIZE by RFC822.SIZE, messages alike in that by arrival, i.e. UID, ascending in both
    directions (RFC 5256; Dovecot's index-sort.c). The caller checked that the window's
    rows are in that order by their keys; a new row without a sure date (_sort_date) gives
    None.
    """
    scope, folder, uidvalidity, modseq, count = state
    page_modseq, page_count, new_from, total, uids, before, after = cached
    if not getattr(client, "qresync", False):
        return None
    previews_of = selected if with_previews else None
    since = min([page_modseq, *(entry[0] for entry in window.values())])
    message_set = f"{compress_uids(window)},{new_from}:*" if window else f"{new_from}:*"
    items = _summary_items(client, previews_of)
    imap.take_untagged(client, "VANISHED")
    response = imap.fetch(
        client, message_set, f"{items} (CHANGEDSINCE {since} VANISHED)", listed=True
    )
    answers = [
        (item[b"UID"], item)
        for item in response.values()
        if isinstance(item.get(b"UID"), int) and b"ENVELOPE" in item
    ]
    rows = {uid: entry[2] for uid, entry in window.items()}
    rows.update((row.uid, row) for row in list_rows.summaries(client, answers, previews_of))
    vanished = _vanished_among(imap.take_untagged(client, "VANISHED") or (), window)
    arrived = [uid for uid, _item in answers if uid >= new_from and uid not in window]
    if vanished is None:
        return None
    if offset and page_count + len(arrived) - len(vanished) != count:
        return None  # a message expunged outside the window: where the page starts is unknown
    if any(order_key(rows[uid]) is None for uid in (*window, *arrived) if uid not in vanished):
        return None
    old = [rows[uid] for uid in window if uid not in vanished]
    if offset and not old:
        return None  # nothing to find the page by
    new = sorted((rows[uid] for uid in arrived), key=order_key)
    ahead = 0
    if offset > len(before):  # the window does not start at the folder's start
        first = order_key(old[0])
        ahead = sum(1 for row in new if order_key(row) < first)
        if ahead > len(before):
            return None
        new = [row for row in new if order_key(row) > first]
    reaches_end = offset + len(uids) + len(after) >= total
    if not reaches_end:  # what sorts after the window's last is not known here
        last = order_key(old[-1]) if old else None
        new = [row for row in new if last is not None and order_key(row) < last]
    merged = sorted(old + new, key=order_key)
    start = len(before) - ahead if offset > len(before) else offset
    page = merged[start : start + limit]
    if len(page) < limit and not reaches_end:
        return None  # the messages that follow the window would fill the page
    _SUMMARIES.put_many(
        ((scope, folder, uidvalidity, row.uid), (modseq, with_previews, row)) for row in merged
    )
    new_from = max([new_from, *(uid + 1 for uid, _item in answers)])
    margin = limits.PAGE_MARGIN
    before = merged[max(0, start - margin) : start] if offset else []
    after = merged[start + limit : start + limit + margin]
    return new_from, *(tuple(row.uid for row in part) for part in (page, before, after)), rows


def _order_key(sort: str, reverse: bool):
    """The key that sorts rows as the server's SORT (see _merged_page) orders them: None
    for a row whose key is not known."""
    of = _MERGED_ORDERS[sort]

    def key(row):
        value = of(row)
        if value is None:
            return None
        return (-value if reverse else value, row.uid)

    return key


def _in_order(rows, order_key) -> bool:
    keys = [order_key(row) for row in rows]
    return None not in keys and all(first < second for first, second in pairwise(keys))


def _vanished_among(answers, uids) -> set[int] | None:
    """Which of `uids` the `VANISHED [(EARLIER)] <set>` answers (without their name) name;
    None where one cannot be read."""
    gone = set()
    for answer in answers:
        text = answer.strip() if isinstance(answer, bytes) else b""
        if text.upper().startswith(b"(EARLIER)"):
            text = text[len(b"(EARLIER)") :]
        ranges = set_ranges(text)
        if ranges is None:
            return None
        gone.update(uid for uid in uids for low, high in ranges if low <= uid <= high)
    return gone


def forget_summaries() -> None:
    """Empty the list's caches (for tests and the benchmark, which measure reading them)."""
    _SUMMARIES.clear()
    _PAGES.clear()
    _UNGUESSED.clear()
    list_rows.forget()


def _summary_weight(entry) -> int:
    """A cached row's estimated size in bytes: the objects' overhead and the text."""
    summary = entry[2]
    weight = 900 + 2 * (len(summary.subject) + len(summary.preview) + len(summary.message_id or ""))
    for address in summary.from_ + summary.to:
        weight += 150 + 2 * (len(address.name) + len(address.address))
    return weight


def fetch_summaries(
    client, uids: list[int], *, previews_of: imap.SelectedFolder | None = None
) -> tuple[MessageSummary, ...]:
    """The list data of `uids` of the selected folder, in the order given; with their
    previews where `previews_of` names the folder (as selected: its UIDVALIDITY files
    the previews read here)."""
    if not uids:
        return ()
    items = _summary_items(client, previews_of)
    made = list_rows.RowsAsRead(previews_of is not None)
    data = imap.fetch_lines(client, compress_uids(set(uids)), items, uid=True, watch=made)
    rows = made.rows_of(data)
    # A message expunged by another client since the search is simply not on the page.
    if rows is not None:
        by_uid = {row.uid: row for row in rows.values()}
        return tuple(by_uid[uid] for uid in uids if uid in by_uid)
    response = imap.answers_by_uid(imap.read_fetch(client, data, listed=True), set(uids))
    answers = [(uid, response[uid]) for uid in uids if uid in response]
    return list_rows.summaries(client, answers, previews_of)


def _summary_items(client, previews_of) -> str:
    item = previews.server_item(client) if previews_of is not None else None
    return f"{_SUMMARY_ITEMS[:-1]} {item})" if item else _SUMMARY_ITEMS
