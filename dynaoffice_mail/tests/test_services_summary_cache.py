"""The list's row and page cache (services.messages), validated by CONDSTORE/QRESYNC against
the real Dovecot of this run: an unchanged folder costs one command (none right after a
look), and what a second IMAP client changes meanwhile (a flag, a new mail, an expunge)
shows on the next page. Without CONDSTORE the list works as before, with no cache."""

import datetime
import email
import email.policy
import math
import random
import re
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.dynaoffice_mail.services import imap, limits, list_rows, messages, uidsets
from odoo.addons.dynaoffice_mail.services.caches import BoundedCache
from odoo.addons.dynaoffice_mail.services.messages import MessageSearch, page_messages
from odoo.addons.dynaoffice_mail.services.reading import read_message
from odoo.addons.dynaoffice_mail.tests.test_services_mailbox import (
    NOW,
    WireLog,
    _connect,
    _raw,
)

FOLDER = "Cached"
COUNT = 120


@pytest.fixture
def cached_folder(mail_servers):
    """A user of its own with 120 messages in FOLDER, one an hour back from NOW (UID 120
    the newest), half of them unread; the caches emptied."""
    address = f"cache-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    entries = []
    for index in range(COUNT):
        date = NOW - datetime.timedelta(hours=COUNT - index)
        raw = _raw(f"Nachricht {index}", "Anna", "anna@example.com", date)
        entries.append((FOLDER, raw, {"\\Seen"} if index % 2 else set(), date))
    mail_servers.dovecot.write_messages(address, entries)
    messages.forget_summaries()
    yield address, password
    messages.forget_summaries()


@pytest.fixture
def no_window(monkeypatch):
    """Every page asks the server again (as one does a second after the last look)."""
    monkeypatch.setattr(imap, "RECHECK_AFTER", 0.0)


def _verbs(wire):
    return [" ".join(command.split()[1:3]) for command in wire.commands]


def _rows(page):
    return [(row.uid, row.seen, row.flagged, row.subject) for row in page.messages]


def _fresh_rows(mail_servers, address, password, **options):
    """The page as a connection of its own reads it, with the caches emptied first."""
    messages.forget_summaries()
    client = _connect(mail_servers, address, password)
    try:
        return _rows(page_messages(client, FOLDER, **options))
    finally:
        client.logout()


def test_an_unchanged_folder_costs_one_command_and_none_right_after(
    mail_servers, cached_folder, monkeypatch
):
    """One NOOP; none at all within imap.RECHECK_AFTER, where that is set (off by default)."""
    monkeypatch.setattr(imap, "RECHECK_AFTER", 60.0)
    client = _connect(mail_servers, *cached_folder)
    try:
        with WireLog(client) as cold:
            first = page_messages(client, FOLDER)
        with WireLog(client) as at_once:
            again = page_messages(client, FOLDER)
        monkeypatch.setattr(imap, "RECHECK_AFTER", 0.0)
        with WireLog(client) as later:
            later_page = page_messages(client, FOLDER)
        with WireLog(client) as searched:
            page_messages(client, FOLDER, search=MessageSearch(unseen=True))
        with WireLog(client) as searched_again:
            unseen = page_messages(client, FOLDER, search=MessageSearch(unseen=True))
    finally:
        client.logout()
    # Once per connection CONDSTORE is enabled (as QRESYNC), then SELECT, and the page's
    # guessed rows read while the server sorts (see test_a_first_look_...).
    assert _verbs(cold) == ["ENABLE QRESYNC", 'SELECT "Cached"', "FETCH 71:120", "UID SORT"]
    assert _verbs(at_once) == []
    assert _verbs(later) == ["NOOP"]
    assert _rows(first) == _rows(again) == _rows(later_page)
    assert [row.uid for row in first.messages] == list(range(COUNT, COUNT - 50, -1))
    # Half of the search's rows were cached by the first page: only the others are read.
    assert _verbs(searched) == ["NOOP", "UID SORT", "UID FETCH"]
    assert " 21," in searched.commands[-1] and "119" not in searched.commands[-1]
    assert _verbs(searched_again) == ["NOOP"]
    assert all(not row.seen for row in unseen.messages) and unseen.total == COUNT // 2


def _read_one_by_one(client, uids):
    """The rows of `uids` as a plain FETCH of exactly these reads them (no guess, no cache)."""
    return messages.fetch_summaries(client, list(uids), previews_of=client.selected_folder)


def test_a_first_look_by_date_reads_its_guess_while_the_server_sorts(
    mail_servers, cached_folder, no_window, monkeypatch
):
    """A page by date that this process has not read, in a folder above
    PIPELINED_SORT_MAX_COUNT: the FETCH of the messages it most likely holds (the folder's
    dates follow its arrival) goes out with the NOOP, before the NOOP's answer is read (two
    round trips in all), the SORT after that answer and before the FETCH's answers are
    read, and no FETCH follows. Each page is the server's, its rows those that a FETCH of
    exactly its messages reads; looked at again it costs the NOOP alone."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    monkeypatch.setattr(messages, "PIPELINED_SORT_ROUND_TRIP", math.inf)  # a near server
    monkeypatch.setattr(messages, "PIPELINED_SORT_MAX_COUNT", COUNT - 1)  # a folder above
    answer_lines, sent_before_reading = imap.answer_lines, []
    answer, sent_before_noop_read = imap.answer, []

    def reading(connection, tag, **options):
        if options.get("strict") is False:  # the guess's answers
            sent_before_reading.append(len(wire.commands))
        return answer_lines(connection, tag, **options)

    def answered(connection, tag, command, *args):
        if command == "NOOP":
            sent_before_noop_read.append(len(wire.commands))
        return answer(connection, tag, command, *args)

    monkeypatch.setattr(imap, "answer_lines", reading)
    monkeypatch.setattr(imap, "answer", answered)
    looks = {
        "71:120": {},
        "21:70": {"offset": 50},
        "1:50": {"reverse": False},
        "51:100": {"reverse": False, "offset": 50},
    }
    seen = {}
    try:
        other.select_folder(FOLDER)
        page_messages(client, FOLDER, sort="arrival")  # the folder selected: its count known
        for guessed, options in looks.items():
            sent_before_reading.clear()
            sent_before_noop_read.clear()
            with WireLog(client) as wire:
                page = page_messages(client, FOLDER, **options)
            wire.sent_before_reading = list(sent_before_reading)
            wire.sent_before_noop_read = list(sent_before_noop_read)
            with WireLog(client) as again:
                page_again = page_messages(client, FOLDER, **options)
            server = _server_page(
                other, "date", options.get("reverse", True), options.get("offset", 0)
            )
            plain = _read_one_by_one(client, server)
            seen[guessed] = (wire, again, page, page_again, server, plain)
    finally:
        other.logout()
        client.logout()
    for guessed, (wire, again, page, page_again, server, plain) in seen.items():
        assert _verbs(wire) == ["NOOP", f"FETCH {guessed}", "UID SORT"], guessed
        assert wire.sent_before_noop_read == [2], guessed  # the NOOP and the FETCH together
        assert wire.sent_before_reading == [3], guessed  # the SORT went out before
        assert [row.uid for row in page.messages] == server
        assert page.messages == plain
        assert page.total == COUNT
        assert _verbs(again) == ["NOOP"]
        assert page_again.messages == page.messages


def _rows_in_two_steps(client, uids):
    """The rows of `uids` as parse_fetch() and list_rows.summaries() make them."""
    selected = client.selected_folder
    items = messages._summary_items(client, selected)
    answers = imap.fetch(client, uidsets.compress_uids(set(uids)), items)
    by_uid = {item[b"UID"]: item for item in answers.values()}
    return list_rows.summaries(client, [(uid, by_uid[uid]) for uid in uids], selected)


def test_a_pages_rows_are_made_as_its_answers_are_read(
    mail_servers, cached_folder, no_window, monkeypatch
):
    """The rows of a first look's guess whose SORT went out with the NOOP, and of a page by
    arrival, are made while the connection reads the FETCH's answers (list_rows.RowsAsRead),
    none after them; where the SORT waits for the NOOP's answer (which comes after the
    FETCH's) they are made after it went out. They are the rows that parse_fetch() and
    summaries() make of the same messages."""
    client = _connect(mail_servers, *cached_folder)
    rows_of, listed_rows, made, after = list_rows.RowsAsRead.rows_of, list_rows.listed_rows, [], []

    def counted(rows_as_read, data):
        made.append(len(rows_as_read.rows))
        return rows_of(rows_as_read, data)

    def listed_after(data, with_previews):
        after.append(len(data))
        return listed_rows(data, with_previews)

    looks = [({}, COUNT), ({"offset": 50}, 0), ({"sort": "arrival", "offset": 20}, 0)]
    pages = []
    # A near server: where the SORT goes out is decided by the folder's size alone, not by
    # the round trip the first look measures (on a busy machine a loopback NOOP can take
    # longer than PIPELINED_SORT_ROUND_TRIP, and the second look's SORT would go out with it).
    monkeypatch.setattr(messages, "PIPELINED_SORT_ROUND_TRIP", math.inf)
    try:
        page_messages(client, FOLDER, sort="arrival")  # the folder selected: its count known
        monkeypatch.setattr(list_rows.RowsAsRead, "rows_of", counted)
        monkeypatch.setattr(list_rows, "listed_rows", listed_after)
        for options, max_count in looks:
            monkeypatch.setattr(messages, "PIPELINED_SORT_MAX_COUNT", max_count)
            made.clear()
            after.clear()
            rows = page_messages(client, FOLDER, **options).messages
            # The rows made as read of the FETCH's own (listed_rows() makes one more).
            pages.append((rows, made[:1], list(after)))
        monkeypatch.setattr(list_rows, "listed_rows", listed_rows)
        monkeypatch.setattr(list_rows.RowsAsRead, "rows_of", rows_of)
        expected = [_rows_in_two_steps(client, [row.uid for row in rows]) for rows, *_ in pages]
    finally:
        client.logout()
    assert [page[1:] for page in pages] == [([50], []), ([0], [50]), ([50], [])]
    for (rows, *_), two_steps in zip(pages, expected, strict=True):
        assert rows == two_steps


@pytest.mark.parametrize(
    ("round_trip", "max_count", "verbs"),
    [
        (math.inf, 0, ["NOOP", "FETCH 71:120", "FETCH 71:120", "UID SORT"]),
        (0.0, 0, ["NOOP", "FETCH 71:120", "UID SORT", "FETCH 71:120", "UID SORT"]),
        (math.inf, COUNT, ["NOOP", "FETCH 71:120", "UID SORT", "FETCH 71:120", "UID SORT"]),
    ],
    ids=["sort after the noop", "sort with the noop, far", "sort with the noop, small"],
)
def test_what_the_noop_tells_drops_what_was_sent_with_it(
    mail_servers, cached_folder, no_window, monkeypatch, round_trip, max_count, verbs
):
    """Another client delivers a new mail, flags a message of the page and expunges the
    folder's first one while the connection rests: the first look's FETCH, sent with the
    NOOP, read the folder as it was (Dovecot tells the NOOP's changes after it), and so may
    a SORT sent with them (a far server: Dovecot runs it before the NOOP's sync), so they
    are dropped and the page is guessed and sorted again from the folder as the NOOP left
    it. The page is the server's, its rows as a connection of its own reads them, and the
    next look costs the NOOP alone."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    monkeypatch.setattr(messages, "PIPELINED_SORT_ROUND_TRIP", round_trip)
    monkeypatch.setattr(messages, "PIPELINED_SORT_MAX_COUNT", max_count)
    try:
        page_messages(client, FOLDER, sort="arrival")  # the folder selected: its count known
        other.select_folder(FOLDER)
        other.append(FOLDER, _raw("Ganz neu", "Ben", "ben@example.com", NOW))
        other.add_flags([COUNT - 2], [b"\\Flagged"])
        other.delete_messages([1])
        other.uid_expunge([1])
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER)
        with WireLog(client) as again:
            page_again = page_messages(client, FOLDER)
        server = _server_page(other, "date", True, 0)
    finally:
        other.logout()
        client.logout()
    # The count before and after is 120: the same numbers, now other messages.
    assert _verbs(wire) == verbs
    assert [row.uid for row in page.messages] == server == list(range(COUNT + 1, COUNT - 49, -1))
    assert page.messages[0].subject == "Ganz neu"
    assert [row.uid for row in page.messages if row.flagged] == [COUNT - 2]
    assert page.messages == _fresh_page_rows(mail_servers, address, password, server)
    assert _verbs(again) == ["NOOP"] and page_again.messages == page.messages


@pytest.mark.parametrize("why", ["far server", "small folder"])
def test_a_first_look_at_a_far_server_or_a_small_folder_sends_its_sort_with_the_noop(
    mail_servers, cached_folder, no_window, monkeypatch, why
):
    """Where a round trip costs more than PIPELINED_SORT_ROUND_TRIP, or the folder holds
    at most PIPELINED_SORT_MAX_COUNT messages, the first look's SORT goes out with the NOOP
    and the FETCH, before anything is read: one round trip for the page. The page is the
    server's, its rows those of a FETCH of exactly its messages, and the next look costs
    the NOOP alone. On loopback the connection's round trip, measured from its NOOPs, is
    mostly far below that; in a larger folder the SORT waits there (the test above)."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    answer, sent_before_noop_read = imap.answer, []
    monkeypatch.setattr(messages, "PIPELINED_SORT_MAX_COUNT", 0 if why == "far server" else COUNT)

    def answered(connection, tag, command, *args):
        if command == "NOOP":
            sent_before_noop_read.append(len(wire.commands))
        return answer(connection, tag, command, *args)

    try:
        other.select_folder(FOLDER)
        page_messages(client, FOLDER, sort="arrival")  # the folder selected: its count known
        assert imap.round_trip(client) is None  # a SELECT tells nothing of it
        for offset in (50, 25, 10):  # first looks: the NOOP answered with the guess
            page_messages(client, FOLDER, offset=offset)
        loopback = imap.round_trip(client)
        # Measured; how long it is depends on how busy the machine is, so it is not compared
        # with PIPELINED_SORT_ROUND_TRIP: "far" is set to it below.
        assert loopback > 0
        if why == "far server":
            monkeypatch.setattr(messages, "PIPELINED_SORT_ROUND_TRIP", loopback)
        monkeypatch.setattr(imap, "answer", answered)
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER)
        monkeypatch.setattr(imap, "answer", answer)
        with WireLog(client) as again:
            page_again = page_messages(client, FOLDER)
        server = _server_page(other, "date", True, 0)
        plain = _read_one_by_one(client, server)
    finally:
        other.logout()
        client.logout()
    assert _verbs(wire) == ["NOOP", "FETCH 71:120", "UID SORT"]
    assert sent_before_noop_read == [3]  # the NOOP, the FETCH and the SORT together
    assert [row.uid for row in page.messages] == server
    assert page.messages == plain and page.total == COUNT
    assert _verbs(again) == ["NOOP"] and page_again.messages == page.messages


@pytest.fixture
def backdated_folder(mail_servers):
    """A user of its own with COUNT messages in FOLDER whose Date headers run against their
    arrival: UID 1 the newest by date, UID 120 the oldest (as an imported archive might)."""
    address = f"backdated-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    entries = []
    for index in range(COUNT):
        dated = NOW - datetime.timedelta(hours=index + 1)
        arrived = NOW - datetime.timedelta(minutes=COUNT - index)  # Dovecot's UID order
        raw = _raw(f"Import {index}", "Anna", "anna@example.com", dated)
        entries.append((FOLDER, raw, set(), arrived))
    mail_servers.dovecot.write_messages(address, entries)
    messages.forget_summaries()
    yield address, password
    messages.forget_summaries()


def test_a_guess_that_missed_is_read_after_and_not_made_again(
    mail_servers, backdated_folder, no_window
):
    """Where the dates run against the arrival the guessed rows are not the page's: the
    page's rows are read after the SORT (one FETCH more), and the folder is not guessed at
    again in this process. The page is the server's all the same."""
    client = _connect(mail_servers, *backdated_folder)
    other = _connect(mail_servers, *backdated_folder)
    try:
        other.select_folder(FOLDER)
        with WireLog(client) as missed:
            page = page_messages(client, FOLDER)
        server = _server_page(other, "date", True, 0)
        plain = _read_one_by_one(client, server)
        messages._SUMMARIES.clear()  # a page not read before; what the guess taught is kept
        messages._PAGES.clear()
        with WireLog(client) as unguessed:
            page_again = page_messages(client, FOLDER)
    finally:
        other.logout()
        client.logout()
    assert server == list(range(1, 51))
    assert _verbs(missed) == [
        "ENABLE QRESYNC",
        'SELECT "Cached"',
        "FETCH 71:120",
        "UID SORT",
        "UID FETCH",
    ]
    assert missed.commands[-1].split()[3] == "1:50"
    assert [row.uid for row in page.messages] == server
    assert page.messages == page_again.messages == plain
    assert _verbs(unguessed) == ["NOOP", "UID SORT", "UID FETCH"]


def test_a_guess_that_missed_a_row_reads_only_that_row_and_guesses_again(
    mail_servers, cached_folder, no_window
):
    """An old mail that arrived last (an import): the newest page's guess holds it and lacks
    the page's last row; that row alone is read after the SORT, and as the guess found the
    rest, the folder is guessed at again."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    try:
        old = NOW - datetime.timedelta(days=400)
        other.append(FOLDER, _raw("Altlast", "Ben", "ben@example.com", old))
        page_messages(client, FOLDER, sort="arrival")  # the folder selected: its count known
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER)
        messages._SUMMARIES.clear()  # a page not read before; what the guess taught is kept
        messages._PAGES.clear()
        with WireLog(client) as again:
            page_messages(client, FOLDER)
        other.select_folder(FOLDER)
        server = _server_page(other, "date", True, 0)
    finally:
        other.logout()
        client.logout()
    assert server == list(range(COUNT, COUNT - 50, -1))
    assert _verbs(wire) == ["NOOP", f"FETCH 72:{COUNT + 1}", "UID SORT", "UID FETCH"]
    assert wire.commands[-1].split()[3] == str(COUNT - 49)  # the one row the guess lacked
    assert [row.uid for row in page.messages] == server
    assert page.messages == _fresh_page_rows(mail_servers, address, password, server)
    assert _verbs(again) == ["NOOP", f"FETCH 72:{COUNT + 1}", "UID SORT", "UID FETCH"]


def _fresh_page_rows(mail_servers, address, password, uids):
    """The rows of `uids` as a connection of its own reads them with one plain FETCH."""
    client = _connect(mail_servers, address, password)
    try:
        client.select_folder(FOLDER)
        return _read_one_by_one(client, uids)
    finally:
        client.logout()


def _sent_otherwise(client, monkeypatch, send_instead, **later):
    """The first page by date read with imap.send replaced by `send_instead`, then the page
    of `later` (the options) read as usual: (wire log, page) of each."""
    send = imap.send
    monkeypatch.setattr(imap, "send", send_instead)
    try:
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER)
    finally:
        monkeypatch.setattr(imap, "send", send)
    with WireLog(client) as later_wire:
        later_page = page_messages(client, FOLDER, **later)
    return wire, page, later_wire, later_page


def test_a_change_while_the_guess_is_read_is_not_kept(
    mail_servers, cached_folder, no_window, monkeypatch
):
    """In a folder where the SORT waits for the NOOP (above PIPELINED_SORT_MAX_COUNT),
    another client flags the newest message after the NOOP's answer, right before the SORT
    goes out: the server tells of it with the SORT's answers, so the guessed rows (read
    before it) are not kept; the page's rows are read again and show the flag, and the page
    is not kept either (the next look sorts again)."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    send = imap.send
    monkeypatch.setattr(messages, "PIPELINED_SORT_MAX_COUNT", COUNT - 1)

    def flagged_first(connection, *words):
        if words[:2] == ("UID", "SORT"):
            other.add_flags([COUNT], [b"\\Flagged"])
        return send(connection, *words)

    try:
        other.select_folder(FOLDER)
        page_messages(client, FOLDER, sort="arrival")
        wire, page, next_look, page_next = _sent_otherwise(client, monkeypatch, flagged_first)
        server = _server_page(other, "date", True, 0)
    finally:
        other.logout()
        client.logout()
    assert _verbs(wire) == ["NOOP", "FETCH 71:120", "UID SORT", "UID FETCH"]
    assert (page.messages[0].uid, page.messages[0].flagged) == (COUNT, True)
    assert [row.uid for row in page.messages] == [row.uid for row in page_next.messages] == server
    assert page_next.messages == page.messages
    assert "UID SORT" in _verbs(next_look)


def test_a_guess_the_server_refuses_costs_the_page_nothing(
    mail_servers, cached_folder, no_window, monkeypatch
):
    """A guessed FETCH that the server refuses (message numbers it does not have) leaves the
    page as the server sorts it, read with one FETCH more, and the connection in step."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    send = imap.send

    def out_of_range(connection, *words):
        if words[:2] == ("FETCH", "71:120"):
            words = ("FETCH", "500:600", *words[2:])
        return send(connection, *words)

    try:
        page_messages(client, FOLDER, sort="arrival")
        wire, page, after, second = _sent_otherwise(client, monkeypatch, out_of_range, offset=50)
        plain = _read_one_by_one(client, range(COUNT, COUNT - 50, -1))
    finally:
        client.logout()
    assert _verbs(wire) == ["NOOP", "FETCH 500:600", "UID SORT", "UID FETCH"]
    assert page.messages == plain
    assert _verbs(after) == ["NOOP", "FETCH 21:70", "UID SORT"]
    assert [row.uid for row in second.messages] == list(range(COUNT - 50, COUNT - 100, -1))


def test_what_a_second_client_changes_shows_on_the_next_page(
    mail_servers, cached_folder, no_window
):
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    unseen = MessageSearch(unseen=True)
    try:
        other.select_folder(FOLDER)
        page_messages(client, FOLDER)
        page_messages(client, FOLDER, search=unseen)

        other.add_flags([COUNT], [b"\\Flagged"])
        other.add_flags([COUNT - 1], [b"\\Seen"])  # odd UIDs are unread
        with WireLog(client) as flagged_wire:
            flagged = page_messages(client, FOLDER)
        flagged_unseen = page_messages(client, FOLDER, search=unseen)

        new_date = NOW + datetime.timedelta(minutes=5)
        other.append(FOLDER, _raw("Ganz neu", "Ben", "ben@example.com", new_date))
        appended = page_messages(client, FOLDER)

        other.delete_messages([COUNT - 1])
        other.uid_expunge([COUNT - 1])
        expunged = page_messages(client, FOLDER)
        expunged_next = page_messages(client, FOLDER, offset=50)
    finally:
        other.logout()
        client.logout()
    # The flag: the order cannot have changed, and the NOOP told what did.
    assert _verbs(flagged_wire) == ["NOOP"]
    assert (flagged.messages[0].uid, flagged.messages[0].flagged) == (COUNT, True)
    assert (flagged.messages[1].uid, flagged.messages[1].seen) == (COUNT - 1, True)
    assert COUNT - 1 not in [row.uid for row in flagged_unseen.messages]
    assert flagged_unseen.total == COUNT // 2 - 1
    # The new mail on top, the expunged one gone; each page as a fresh connection reads it.
    assert appended.total == COUNT + 1
    assert appended.messages[0].subject == "Ganz neu"
    assert expunged.total == COUNT
    assert COUNT - 1 not in [row.uid for row in expunged.messages + expunged_next.messages]
    assert _rows(expunged) == _fresh_rows(mail_servers, address, password)
    assert _rows(expunged_next) == _fresh_rows(mail_servers, address, password, offset=50)


def test_a_folder_that_grew_enough_since_its_select_is_selected_again(
    mail_servers, cached_folder, no_window, monkeypatch
):
    """Dovecot keeps memory for each new mail a session takes into a large Maildir folder,
    until it selects again (imap.RESELECT_AFTER_GROWTH): once the new mails the NOOPs brought,
    each counted with the folder's size, add up to the bound, the next page selects the
    folder instead of its NOOP (and sends no NOOP ahead with a guess), and counts anew from
    there. Every page is the one a fresh connection reads."""
    monkeypatch.setattr(imap, "RESELECT_AFTER_GROWTH", (COUNT + 1) + (COUNT + 2))
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)  # delivers, as LMTP would: no SELECT
    firsts, pages, fresh = [], [], []
    try:
        page_messages(client, FOLDER)
        for index in range(4):
            new_date = NOW + datetime.timedelta(minutes=5 + index)
            other.append(FOLDER, _raw(f"Neu {index}", "Ben", "ben@example.com", new_date))
            due = not imap.will_sync(client, FOLDER)
            with WireLog(client) as wire:
                page = page_messages(client, FOLDER)
            firsts.append((due, _verbs(wire)[0], client.grown_since_select))
            pages.append(_rows(page))
            fresh.append(_fresh_rows(mail_servers, address, password))
    finally:
        other.logout()
        client.logout()
    assert firsts == [
        (False, "NOOP", COUNT + 1),
        (False, "NOOP", (COUNT + 1) + (COUNT + 2)),
        (True, 'SELECT "Cached"', 0),
        (False, "NOOP", COUNT + 4),
    ]
    assert pages == fresh
    assert [rows[0][3] for rows in pages] == ["Neu 0", "Neu 1", "Neu 2", "Neu 3"]


def test_a_flag_change_keeps_the_order_where_it_cannot_change_it(
    mail_servers, cached_folder, no_window
):
    """Sorts and searches that do not look at flags keep their cached order after a flag
    change elsewhere: the NOOP alone, whose answer names the changed flags. A search for
    unread mail is asked again; a new mail that keeps the count (one expunged, one new) is
    seen."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    unseen = MessageSearch(unseen=True)
    by_anna = MessageSearch(from_="Anna")
    try:
        other.select_folder(FOLDER)
        for options in (
            {},
            {"offset": 50},
            {"sort": "subject"},
            {"search": by_anna, "reverse": False},
            {"search": unseen},
        ):
            page_messages(client, FOLDER, **options)

        other.add_flags([COUNT - 1], [b"\\Seen"])  # odd UIDs are unread
        other.add_flags([COUNT], [b"\\Flagged"])  # the folder's last message
        wires, pages = {}, {}
        for name, options in (
            ("newest", {}),
            ("older", {"offset": 50}),
            ("subject", {"sort": "subject"}),
            ("anna", {"search": by_anna, "reverse": False}),
            ("unseen", {"search": unseen}),
        ):
            with WireLog(client) as wires[name]:
                pages[name] = page_messages(client, FOLDER, **options)

        # What a connection of its own reads (this empties the caches: fill them again).
        fresh = {
            name: _fresh_rows(mail_servers, address, password, **options)
            for name, options in (
                ("newest", {}),
                ("older", {"offset": 50}),
                ("subject", {"sort": "subject"}),
                ("anna", {"search": by_anna, "reverse": False}),
            )
        }
        page_messages(client, FOLDER)
        page_messages(client, FOLDER, search=by_anna, reverse=False)

        other.delete_messages([1])
        other.uid_expunge([1])
        new_date = NOW + datetime.timedelta(minutes=5)
        other.append(FOLDER, _raw("Ganz neu", "Ben", "ben@example.com", new_date))
        other.add_flags([COUNT - 3], [b"\\Seen"])
        with WireLog(client) as same_count_wire:
            same_count = page_messages(client, FOLDER)
        with WireLog(client) as anna_wire:
            anna = page_messages(client, FOLDER, search=by_anna, reverse=False)
    finally:
        other.logout()
        client.logout()
    for name in ("newest", "older", "subject", "anna"):
        assert _verbs(wires[name]) == ["NOOP"], name
    assert (pages["newest"].messages[0].uid, pages["newest"].messages[0].flagged) == (COUNT, True)
    assert (pages["newest"].messages[1].uid, pages["newest"].messages[1].seen) == (COUNT - 1, True)
    for name, rows in fresh.items():
        assert _rows(pages[name]) == rows, name
    # Unread mail is searched again: the message just read is no longer in it.
    assert "UID SORT" in _verbs(wires["unseen"])
    assert COUNT - 1 not in [row.uid for row in pages["unseen"].messages]
    assert pages["unseen"].total == COUNT // 2 - 1
    # Same count, other messages: read again, the new mail on top, the expunged one gone.
    assert "UID SORT" in _verbs(same_count_wire)
    assert same_count.total == COUNT
    assert same_count.messages[0].subject == "Ganz neu"
    assert (same_count.messages[4].uid, same_count.messages[4].seen) == (COUNT - 3, True)
    assert _rows(same_count) == _fresh_rows(mail_servers, address, password)
    assert "UID SORT" in _verbs(anna_wire) or "UID SEARCH" in _verbs(anna_wire)
    assert 1 not in [row.uid for row in anna.messages]
    assert _rows(anna) == _fresh_rows(
        mail_servers, address, password, search=by_anna, reverse=False
    )


def test_an_expunge_told_before_a_page_was_read_does_not_count_against_it(
    mail_servers, cached_folder, no_window
):
    """The connection keeps what its NOOPs told (imap.SyncChanges); an expunge it heard of
    before the page was read again does not make a later flag change cost more than the
    NOOP, on the first page or the next."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    try:
        other.select_folder(FOLDER)
        for offset in (0, 50):
            page_messages(client, FOLDER, offset=offset)
        other.delete_messages([1])
        other.uid_expunge([1])
        for offset in (0, 50):
            page_messages(client, FOLDER, offset=offset)
        other.add_flags([COUNT, COUNT - 60], [b"\\Flagged"])
        wires, pages = [], []
        for offset in (0, 50):
            with WireLog(client) as wire:
                pages.append(page_messages(client, FOLDER, offset=offset))
            wires.append(wire)
        fresh = [_fresh_rows(mail_servers, address, password, offset=offset) for offset in (0, 50)]
    finally:
        other.logout()
        client.logout()
    assert [_verbs(wire) for wire in wires] == [["NOOP"], ["NOOP"]]
    assert [_rows(page) for page in pages] == fresh
    flagged = [row.uid for page in pages for row in page.messages if row.flagged]
    assert flagged == [COUNT, COUNT - 60]


def test_flags_the_noop_cannot_vouch_for_are_asked_for(mail_servers, cached_folder, no_window):
    """A NOOP tells a connection what changed since that connection last asked: rows read
    (by another connection) before that are asked what changed since they were read, `UID
    FETCH ... (UID FLAGS) (CHANGEDSINCE m)`, and show the change that the NOOP did not."""
    address, password = cached_folder
    reader = _connect(mail_servers, address, password)
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    try:
        other.select_folder(FOLDER)
        page_messages(reader, FOLDER)  # the rows and the page, read at HIGHESTMODSEQ m
        other.add_flags([COUNT], [b"\\Flagged"])  # m + 1
        imap.ensure_selected(client, FOLDER)  # this connection learns m + 1
        other.add_flags([COUNT - 2], [b"\\Flagged"])  # m + 2: its NOOP tells this one only
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER)
    finally:
        for connection in (other, client, reader):
            connection.logout()
    assert _verbs(wire) == ["NOOP", "UID FETCH"]
    assert "CHANGEDSINCE" in wire.commands[-1]
    flagged = {row.uid for row in page.messages if row.flagged}
    assert flagged == {COUNT, COUNT - 2}
    assert _rows(page) == _fresh_rows(mail_servers, address, password)


def test_opening_a_message_keeps_what_its_noop_told(mail_servers, cached_folder, no_window):
    """Opening a message sends the NOOP with the message's FETCH (imap.checked_fetch); the
    changes that NOOP tells still count for the list: after another client flags a message
    of a cached page, the page's next NOOP vouches for every row, with no FETCH."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    try:
        other.select_folder(FOLDER)
        first = page_messages(client, FOLDER)  # the rows and the page, read at m
        other.add_flags([COUNT], [b"\\Flagged"])  # m + 1: the opening's NOOP tells it
        with WireLog(client) as opening:
            read_message(client, FOLDER, first.uidvalidity, COUNT - 5)
        other.add_flags([COUNT - 2], [b"\\Flagged"])  # m + 2: the page's NOOP tells it
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER)
    finally:
        other.logout()
        client.logout()
    assert _verbs(opening)[:2] == ["NOOP", "UID FETCH"]
    assert _verbs(wire) == ["NOOP"]
    assert {row.uid for row in page.messages if row.flagged} == {COUNT, COUNT - 2}
    assert _rows(page) == _fresh_rows(mail_servers, address, password)


def test_a_silent_change_of_our_own_shows_on_the_next_page(mail_servers, cached_folder, no_window):
    """`STORE .SILENT` (how the client marks mail) on the connection that keeps the NOOPs'
    changes (imap.SyncChanges): the next page shows the flag, on the first page and the
    next, whether the server told of it in the STORE's answer or in the next NOOP's."""
    client = _connect(mail_servers, *cached_folder)
    try:
        for offset in (0, 50):
            page_messages(client, FOLDER, offset=offset)
        client.add_flags([COUNT, COUNT - 60], [b"\\Flagged"], silent=True)
        client.remove_flags([COUNT - 1, COUNT - 61], [b"\\Seen"], silent=True)
        pages = [page_messages(client, FOLDER, offset=offset) for offset in (0, 50)]
    finally:
        client.logout()
    rows = {row.uid: row for page in pages for row in page.messages}
    assert rows[COUNT].flagged and rows[COUNT - 60].flagged
    assert not rows[COUNT - 1].seen and not rows[COUNT - 61].seen
    assert [_rows(page) for page in pages] == [
        _fresh_rows(mail_servers, *cached_folder, offset=offset) for offset in (0, 50)
    ]


def test_our_own_change_shows_at_once_without_a_check(mail_servers, cached_folder, monkeypatch):
    """A change made on the connection itself is never hidden by the moment without NOOP."""
    monkeypatch.setattr(imap, "RECHECK_AFTER", 60.0)
    client = _connect(mail_servers, *cached_folder)
    try:
        page_messages(client, FOLDER)
        client.add_flags([COUNT], [b"\\Flagged"])
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER)
    finally:
        client.logout()
    assert _verbs(wire)[0] == "NOOP"
    assert page.messages[0].flagged


def test_without_condstore_every_page_is_read_as_before(mail_servers, cached_folder, no_window):
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    client._cached_capabilities = tuple(
        capability
        for capability in client.capabilities()
        if capability not in (b"CONDSTORE", b"QRESYNC")
    )
    try:
        with WireLog(client) as cold:
            page_messages(client, FOLDER)
        with WireLog(client) as again:
            page_messages(client, FOLDER)
        other.select_folder(FOLDER)
        other.add_flags([COUNT], [b"\\Flagged"])
        changed = page_messages(client, FOLDER)
    finally:
        other.logout()
        client.logout()
    assert _verbs(cold) == ['SELECT "Cached"', "UID SORT", "UID FETCH"]
    assert _verbs(again) == ["NOOP", "UID SORT", "UID FETCH"]
    assert changed.messages[0].flagged
    assert len(messages._SUMMARIES) == len(messages._PAGES) == 0


def test_the_row_cache_stays_within_its_bound(mail_servers, cached_folder, monkeypatch):
    bound = BoundedCache(30, max_bytes=40_000, weigh=messages._summary_weight)
    monkeypatch.setattr(messages, "_SUMMARIES", bound)
    client = _connect(mail_servers, *cached_folder)
    try:
        pages = [page_messages(client, FOLDER, offset=offset) for offset in (0, 50, 100)]
    finally:
        client.logout()
    assert sum(len(page.messages) for page in pages) == COUNT
    assert 0 < len(bound) <= 30
    assert 0 < bound.weight <= 40_000
    # By bytes too: rows of about 1.2 kB each, at most 20 kB.
    small = BoundedCache(1000, max_bytes=20_000, weigh=messages._summary_weight)
    for page in pages:
        for row in page.messages:
            small.put(row.uid, (1, True, row))
    assert 10 <= len(small) < 20 and small.weight <= 20_000
    assert messages._summary_weight((1, True, pages[0].messages[0])) > 900
    # The worker's own cache: entries and estimated bytes.
    assert limits.MAX_CACHED_SUMMARIES * 1000 <= limits.MAX_CACHED_SUMMARY_BYTES


@given(
    st.lists(st.tuples(st.integers(0, 8), st.integers(0, 12)), max_size=20),
    st.integers(1, 6),
    st.integers(1, 40),
)
@settings(max_examples=300, deadline=None)
def test_rows_put_at_once_keep_the_newest_within_the_bounds(items, max_entries, max_bytes):
    """put_many() (a page's rows at once): the most recently put entries, as many as the
    bounds allow and no fewer, with their weights summed; put() alike."""
    many = BoundedCache(max_entries, max_bytes=max_bytes, weigh=len)
    many.put_many((key, "x" * size) for key, size in items)
    latest = {}
    for key, size in items:
        latest.pop(key, None)
        latest[key] = size  # by the order each key was last put
    kept, weight = [], 0
    for key, size in reversed(latest.items()):
        if len(kept) == max_entries or weight + size > max_bytes:
            break
        kept.insert(0, key)
        weight += size
    assert list(many._entries) == kept
    assert many.weight == weight == sum(len(value) for value in many._entries.values())
    # Read back at once: each as get() reads it, each used most recently in that order.
    probe = [99, *reversed(kept), *(key for key, _size in items if key not in kept)]
    assert many.get_many(probe, "-") == ["-", *("x" * latest[key] for key in reversed(kept))] + [
        "-" for key, _size in items if key not in kept
    ]
    assert list(many._entries) == kept[::-1]
    one = BoundedCache(max_entries, max_bytes=max_bytes, weigh=len)
    for key, size in items[-1:]:
        one.put(key, "x" * size)
        assert len(one) == (size <= max_bytes)


def _raw_dated(subject: str, date_header: str | None) -> bytes:
    """A message whose Date header is exactly `date_header` (None: without one)."""
    date = f"Date: {date_header}\r\n" if date_header is not None else ""
    return (
        f"From: Ben <ben@example.com>\r\nTo: me@dynaoffice.test\r\nSubject: {subject}\r\n"
        f"{date}Message-ID: <{secrets.token_hex(8)}@dynaoffice.test>\r\n\r\nHallo\r\n"
    ).encode()


def _header_date(moment: datetime.datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z")


def _delivered_and_read(other, client, subject, moment, options):
    """Another client (`other`) appends a mail dated `moment`; then (what `client` sent,
    the page it read)."""
    other.append(FOLDER, _raw_dated(subject, _header_date(moment)))
    with WireLog(client) as wire:
        page = page_messages(client, FOLDER, **options)
    return wire, page


@pytest.mark.parametrize("sort", ["date", "size"])
@pytest.mark.parametrize("reverse", [True, False])
def test_new_mail_joins_the_first_page_from_one_fetch(
    mail_servers, cached_folder, no_window, sort, reverse
):
    """After new mail the first page (no search; by date or size) is made from the rows it
    had and one `UID FETCH ... (CHANGEDSINCE m VANISHED)`: NOOP and that FETCH, no SORT.
    Each page is the one the server sorts for a connection of its own, for mail newer than
    the page, older than it, in the same second as a row of it (ties go by arrival), and
    after an expunge elsewhere in the folder. Where a Date header could be read two ways,
    or a message of the full page is gone, the server sorts again."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    options = {"sort": sort, "reverse": reverse}
    newest_on_page = NOW - datetime.timedelta(hours=1)
    plain = [
        ("Neuer als alles", NOW + datetime.timedelta(minutes=5)),
        ("Gleiche Sekunde", newest_on_page),  # the same second as UID 120
        ("Uralt", NOW - datetime.timedelta(days=400)),
        ("Mitten drin", NOW - datetime.timedelta(hours=30, minutes=30)),
        ("Zweite gleiche Sekunde", NOW + datetime.timedelta(minutes=5)),
    ]
    wires, pages, fresh = [], [], []
    try:
        other.select_folder(FOLDER)
        page_messages(client, FOLDER, **options)
        for subject, moment in plain:
            wire, page = _delivered_and_read(other, client, subject, moment, options)
            wires.append(wire)
            pages.append(page)
            fresh.append(_fresh_rows(mail_servers, address, password, **options))
            page_messages(client, FOLDER, **options)  # the caches again, as they were
        # An expunge outside the first page, with new mail.
        outside = 1 if reverse else COUNT
        other.delete_messages([outside])
        other.uid_expunge([outside])
        other.append(FOLDER, _raw_dated("Nach dem Löschen", _header_date(NOW)))
        with WireLog(client) as expunged_wire:
            expunged = page_messages(client, FOLDER, **options)
        expunged_fresh = _fresh_rows(mail_servers, address, password, **options)
        page_messages(client, FOLDER, **options)
        # Dates in other forms: the server's reading decides, so it sorts by date.
        doubtful = []
        for header in ("5 Dec 26 10:00:00 +0100", "Sat, 5 Dec 2026 10:00:00 EST", None):
            other.append(FOLDER, _raw_dated("Anders datiert", header))
            with WireLog(client) as wire:
                page = page_messages(client, FOLDER, **options)
            doubtful.append((wire, page, _fresh_rows(mail_servers, address, password, **options)))
            page_messages(client, FOLDER, **options)
        # A message of the full page expunged: which follows the page is not known here.
        on_page = page_messages(client, FOLDER, **options).messages[3].uid
        other.delete_messages([on_page])
        other.uid_expunge([on_page])
        with WireLog(client) as gone_wire:
            gone = page_messages(client, FOLDER, **options)
        gone_fresh = _fresh_rows(mail_servers, address, password, **options)
    finally:
        other.logout()
        client.logout()
    for (subject, _moment), wire, page, rows in zip(plain, wires, pages, fresh, strict=True):
        assert _verbs(wire) == ["NOOP", "UID FETCH"], subject
        assert "CHANGEDSINCE" in wire.commands[-1] and "VANISHED" in wire.commands[-1]
        assert _rows(page) == rows, subject
    if sort == "date" and reverse:
        assert [row.subject for row in pages[-1].messages[:2]] == [
            "Neuer als alles",
            "Zweite gleiche Sekunde",
        ]
    assert _verbs(expunged_wire) == ["NOOP", "UID FETCH"]
    assert _rows(expunged) == expunged_fresh
    assert expunged.total == COUNT + len(plain)
    for wire, page, rows in doubtful:
        # By size a date does not matter.
        assert ("UID SORT" in _verbs(wire)) == (sort == "date")
        assert _rows(page) == rows
    # The NOOP named the expunged UID: sorted at once, the rows the cache lacks read.
    assert _verbs(gone_wire) == ["NOOP", "UID SORT", "UID FETCH"]
    assert on_page not in [row.uid for row in gone.messages]
    assert _rows(gone) == gone_fresh


def _server_page(other, sort, reverse, offset, limit=50) -> list[int]:
    """The page's UIDs as the server sorts them for a plain imapclient connection."""
    other.noop()
    program = f"REVERSE {sort.upper()}" if reverse else sort.upper()
    return list(other.sort([program]))[offset : offset + limit]


@pytest.mark.parametrize("sort", ["date", "size"])
@pytest.mark.parametrize("reverse", [True, False])
def test_new_mail_shifts_a_later_page_from_one_fetch(
    mail_servers, cached_folder, no_window, sort, reverse
):
    """A later page (no search; by date or size) after new mail: its margin, the messages
    right before it as the server last sorted them, shifts it (NOOP and one FETCH, no
    SORT) by the new mail that sorts before it, takes in what sorts into it, and leaves
    out what sorts after it; each page is the one the server sorts. Once more new mail
    sorted before the page than its margin holds, or after an expunge, the server sorts
    again, and the margin is read anew."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    third = _connect(mail_servers, address, password)
    options = {"sort": sort, "reverse": reverse, "offset": 50}
    first_on_page = NOW - datetime.timedelta(hours=51)  # UID 70, the first of page 2
    first_of_margin = NOW - datetime.timedelta(hours=41)  # UID 80, newest first
    plain = [
        ("Neuer als alles", NOW + datetime.timedelta(minutes=5)),
        ("Uralt", NOW - datetime.timedelta(days=400)),
        ("Mitten drin", NOW - datetime.timedelta(hours=75, minutes=30)),
        ("Gleiche Sekunde", first_on_page),
        ("Gleich mit dem Rand", first_of_margin),
    ]
    wires, pages, truth = [], [], []
    try:
        other.select_folder(FOLDER)
        page_messages(client, FOLDER, **{**options, "offset": 0})  # the user came by page 1
        page_messages(client, FOLDER, **options)
        for subject, moment in plain:
            wire, page = _delivered_and_read(other, client, subject, moment, options)
            wires.append(wire)
            pages.append(page)
            truth.append(_server_page(other, sort, reverse, 50))
        # New mail sorted before the page until the margin is used up.
        flood = []
        for number in range(limits.PAGE_MARGIN):
            moment = NOW + datetime.timedelta(hours=number + 1)
            if not reverse:
                moment = NOW - datetime.timedelta(days=500 + number)
            wire, page = _delivered_and_read(other, client, f"Flut {number}", moment, options)
            flood.append((wire, page, _server_page(other, sort, reverse, 50)))
        # An expunge before the page, with new mail, read on a connection that was not
        # told of them (as a pooled one of another request): the message count says it.
        before_page = page_messages(client, FOLDER, **{**options, "offset": 0}).messages[7].uid
        page_messages(client, FOLDER, **options)
        other.delete_messages([before_page])
        other.uid_expunge([before_page])
        other.append(FOLDER, _raw_dated("Nach dem Löschen", _header_date(NOW)))
        with WireLog(third) as expunged_wire:
            expunged = page_messages(third, FOLDER, **options)
        expunged_truth = _server_page(other, sort, reverse, 50)
    finally:
        for connection in (third, other, client):
            connection.logout()
    for (subject, _moment), wire, page, uids in zip(plain, wires, pages, truth, strict=True):
        assert _verbs(wire) == ["NOOP", "UID FETCH"], subject
        assert "CHANGEDSINCE" in wire.commands[-1], subject
        assert [row.uid for row in page.messages] == uids, subject
        assert len(uids) == 50
    assert pages[-1].total == COUNT + len(plain)
    if sort == "date" and reverse:
        # The page moved by the newest mail, and took in the one dated within it.
        assert pages[0].messages[0].uid == 71
        assert "Mitten drin" in [row.subject for row in pages[2].messages]
    elif sort == "date":
        assert [page.messages[0].uid for page in pages[:2]] == [51, 50]  # "Uralt" came first
    for wire, page, uids in flood:
        assert [row.uid for row in page.messages] == uids
        assert len(_verbs(wire)) <= 3
    if sort == "date":
        # Each flood mail sorts before the page: the margin (10, less what the first new
        # mails before it used) runs out, and the server sorts again.
        assert any("UID SORT" in _verbs(wire) for wire, _page, _uids in flood)
        assert _verbs(flood[0][0]) == ["NOOP", "UID FETCH"]
    assert "UID SORT" in _verbs(expunged_wire)
    assert [row.uid for row in expunged.messages] == expunged_truth
    assert before_page not in expunged_truth


@pytest.mark.parametrize("sort", ["date", "size"])
@pytest.mark.parametrize("offset", [0, 50])
def test_an_expunge_on_a_page_is_filled_from_its_margin(
    mail_servers, cached_folder, no_window, sort, offset
):
    """Messages expunged from a page (and from the margin before it) by another client:
    the messages the server sorted right after the page fill it (NOOP and one FETCH), once
    a page sorted again after a change has read its margins' rows; with new mail as well.
    More expunged than the margin after holds, and the server sorts again."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    options = {"sort": sort, "reverse": True, "offset": offset}
    steps = []

    def expunge_and_read(uids, *, deliver=False):
        other.delete_messages(uids)
        other.uid_expunge(uids)
        if deliver:
            other.append(FOLDER, _raw_dated("Neu", _header_date(NOW)))
        with WireLog(client) as wire:
            page = page_messages(client, FOLDER, **options)
        steps.append((wire, page, _server_page(other, sort, True, offset)))
        return page

    try:
        other.select_folder(FOLDER)
        page = page_messages(client, FOLDER, **options)
        page = expunge_and_read([page.messages[5].uid])  # sorted again: margins read
        gone = [page.messages[9].uid, page.messages[30].uid]
        if offset:  # and one of the margin before the page
            gone.append(page_messages(client, FOLDER, **{**options, "offset": 45}).messages[0].uid)
            page_messages(client, FOLDER, **options)
        page = expunge_and_read(gone, deliver=True)
        page = expunge_and_read([row.uid for row in page.messages[:3]])
        expunge_and_read([row.uid for row in page.messages[: limits.PAGE_MARGIN + 1]])
    finally:
        other.logout()
        client.logout()
    for _wire, page, uids in steps:
        assert [row.uid for row in page.messages] == uids
        assert len(uids) == 50
    first, filled, again, too_many = (_verbs(wire) for wire, _page, _uids in steps)
    assert first == ["NOOP", "UID SORT", "UID FETCH"]
    assert filled == again == ["NOOP", "UID FETCH"]
    assert "UID SORT" in too_many
    assert steps[1][1].total == COUNT - 3 - bool(offset) + 1


@pytest.mark.parametrize("sort", ["date", "size"])
@pytest.mark.parametrize("reverse", [True, False])
def test_pages_kept_through_random_changes_are_the_servers(
    mail_servers, cached_folder, no_window, sort, reverse
):
    """Pages 1 to 3 looked at after each of 30 random changes by another client (new mail
    of any date and size, expunges anywhere, flags): each is the page the server sorts,
    however it was made; and most were made without sorting again."""
    address, password = cached_folder
    client = _connect(mail_servers, address, password)
    other = _connect(mail_servers, address, password)
    rng = random.Random(f"{sort}-{reverse}")
    ways = []
    try:
        other.select_folder(FOLDER)
        for _round in range(30):
            change = rng.choice(["new", "new", "expunge", "flag"])
            if change == "new":
                for _mail in range(rng.randint(1, 3)):
                    moment = NOW - datetime.timedelta(minutes=rng.randint(-600, 130 * 60))
                    raw = _raw_dated("x" * rng.randint(1, 400), _header_date(moment))
                    other.append(FOLDER, raw)
            else:
                other.noop()
                uids = list(other.search(["ALL"]))
                chosen = rng.sample(uids, rng.randint(1, 3))
                if change == "expunge":
                    other.delete_messages(chosen)
                    other.uid_expunge(chosen)
                else:
                    other.add_flags(chosen, [b"\\Flagged"])
            for offset in (0, 50, 100):
                options = {"sort": sort, "reverse": reverse, "offset": offset}
                with WireLog(client) as wire:
                    page = page_messages(client, FOLDER, **options)
                ways.append(_verbs(wire))
                truth = _server_page(other, sort, reverse, offset)
                assert [row.uid for row in page.messages] == truth, (change, offset)
    finally:
        other.logout()
        client.logout()
    kept = sum(way in (["NOOP"], ["NOOP", "UID FETCH"]) for way in ways)
    assert kept > len(ways) // 2, ways


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"Sat, 05 Dec 2026 10:00:00 +0100", 1796461200),
        (b"5 Dec 2026 10:00 +0100", 1796461200),
        (b"Sat, 5 Dec 2026 09:00:00 -0000 (UTC)", 1796461200),
        (b"  Sat, 5 Dec 2026 04:00:00 -0500  ", 1796461200),
        (b"5 Dec 26 10:00:00 +0100", None),  # two-digit year: 1926 or 2026?
        (b"Sat, 5 Dec 2026 10:00:00 EST", None),  # zone names differ between readers
        (b"Sat, 5 Dec 2026 10:00:60 +0100", None),  # a leap second
        (b"Mon, 30 Feb 2026 10:00:00 +0100", None),
        (b"Thu, 1 Jan 1970 00:00:00 +0000", None),  # 0: SORT takes the arrival then
        (b"Sat, 5 Dec 2026 10:00:00 +0100 trailing", None),
        (b"", None),
        (None, None),
    ],
)
def test_a_sort_date_is_known_only_where_its_form_leaves_no_doubt(header, seconds):
    assert list_rows._sort_date(header) == seconds


def test_what_noops_told_joins_only_where_nothing_was_learnt_in_between(monkeypatch):
    first = imap.SyncChanges(since=10, until=12, flags={5: (11, (b"\\Seen",))}, vanished=())
    second = imap.SyncChanges(
        since=12, until=15, flags={5: (14, ()), 7: (13, (b"\\Flagged",))}, vanished=((15, b"9"),)
    )
    joined = second.after(first)
    assert (joined.since, joined.until) == (10, 15)
    assert joined.flags == {5: (14, ()), 7: (13, (b"\\Flagged",))}
    # Something told in between (another command's answer raised the HIGHESTMODSEQ): alone.
    gap = imap.SyncChanges(since=13, until=15, flags={}, vanished=())
    assert gap.after(first) is gap
    assert second.after(None) is second
    # An expunge counts against what was read before the NOOP that told it, not after.
    assert joined.expunged_after(12) and not joined.expunged_after(15)
    # Bounded: beyond limits.MAX_SYNC_CHANGES changed messages, the newer alone.
    monkeypatch.setattr(limits, "MAX_SYNC_CHANGES", 2)
    assert second.after(first) is second


def test_expunged_uids_are_read_from_sets_as_the_server_writes_them():
    assert uidsets.set_ranges(b" 9:7,12 ") == [(7, 9), (12, 12)]
    assert uidsets.set_ranges(b"3:x") is None and uidsets.set_ranges(b"") is None
    answers = [b"(EARLIER) 9:7,12", b"40"]
    assert messages._vanished_among(answers, [6, 7, 12, 13, 40]) == {7, 12, 40}
    assert messages._vanished_among([b"(EARLIER) *"], [1]) is None
    assert imap._set_size(b"2,5:7") == 4 and imap._set_size(b"junk") == 0


def test_dovecots_answers_make_the_lists_rows_in_one_step(mail_servers, monkeypatch):
    """The list's FETCH answers from Dovecot (8-bit previews as literals, encoded subjects, an
    attached file, a Date header with a zone's name) become rows straight from their text:
    on a first look by date, by arrival and for rows the cache lacks, neither answer by
    answer nor all of them in two steps; the rows are those of the two steps."""
    address = f"rows-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    entries = []
    for index in range(60):
        date = NOW - datetime.timedelta(hours=60 - index)
        body = f"Schöne Grüße, hier ist Nachricht {index}.\n" * 3
        raw = _raw(f"Grüße Nummer {index}", "Jörg Müller", "joerg@example.com", date, body=body)
        if index % 5 == 0:
            message = email.message_from_bytes(raw, policy=email.policy.SMTP)
            pdf = {"maintype": "application", "subtype": "pdf", "filename": "Angebot.pdf"}
            message.add_attachment(b"%PDF-1.4", **pdf)
            raw = message.as_bytes()
        if index % 7 == 0:
            raw = re.sub(rb"\r\nDate: ([^\r]*)\r\n", rb"\r\nDate: \1 (CET)\r\n", raw, count=1)
        entries.append(("Rows", raw, {"\\Seen"} if index % 2 else set(), date))
    mail_servers.dovecot.write_messages(address, entries)
    client = _connect(mail_servers, address, password)
    looks = [{}, {"offset": 10}, {"sort": "arrival"}, {"sort": "size"}]
    monkeypatch.setattr(imap, "RECHECK_AFTER", 0.0)  # each look with its NOOP and guess
    listed_rows = list_rows.listed_rows
    try:
        page_messages(client, "Rows", sort="arrival")  # the folder selected: its count known
        monkeypatch.setattr(list_rows, "listed_rows", lambda *_args: None)  # two steps
        two_steps = []
        for options in looks:
            messages.forget_summaries()
            two_steps.append(page_messages(client, "Rows", **options))
        monkeypatch.setattr(list_rows, "listed_rows", listed_rows)
        monkeypatch.setattr(list_rows, "summaries", _refused)
        monkeypatch.setattr(list_rows, "_parsed_row", _refused)
        one_step = []
        for options in looks:
            messages.forget_summaries()
            one_step.append(page_messages(client, "Rows", **options))
    finally:
        messages.forget_summaries()
        client.logout()
    assert one_step == two_steps
    rows = {row.uid: row for page in one_step for row in page.messages}
    assert len(rows) == 60
    assert rows[1].subject == "Grüße Nummer 0" and rows[1].from_[0].name == "Jörg Müller"
    assert rows[1].preview.startswith("Schöne Grüße, hier ist Nachricht 0.")
    assert sorted(uid for uid, row in rows.items() if row.has_attachment) == list(range(1, 61, 5))


def _refused(*_args):
    raise AssertionError("the rows made in two steps")
