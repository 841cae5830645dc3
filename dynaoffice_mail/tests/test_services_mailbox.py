"""Folders, message pages, search and MIME structure against the real Dovecot of this run."""

import datetime
import email.policy
import imaplib
import io
import logging
import random
import re
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from imapclient.imap_utf7 import encode as encode_utf7

from odoo.addons.dynaoffice_mail.services import exceptions, imap, limits, messages
from odoo.addons.dynaoffice_mail.services.folders import list_folders
from odoo.addons.dynaoffice_mail.services.messages import (
    SORT_KEYS,
    MessageSearch,
    page_messages,
)
from odoo.addons.dynaoffice_mail.services.structure import (
    has_attachment,
    parse_bodystructure,
)
from odoo.addons.dynaoffice_mail.services.uidsets import compress_uids, parse_ordered_uids
from odoo.addons.dynaoffice_mail.tests.common import imap_settings, nested_message


def _structure(client, folder, uid, *, max_depth=limits.MAX_DEPTH, max_parts=limits.MAX_PARTS):
    """The MIME tree of one message as the reading pane parses it: BODYSTRUCTURE only, through
    the one UID FETCH (no body is transferred)."""
    with imap.translate_errors(client):
        imap.ensure_selected(client, folder)
        response = imap.uid_fetch(client, [uid], "(UID BODYSTRUCTURE)")
    return parse_bodystructure(
        response[uid][b"BODYSTRUCTURE"], max_depth=max_depth, max_parts=max_parts
    )


_logger = logging.getLogger(__name__)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BULK_FOLDER = "Archive/Bulk"
BULK_SENDERS = (
    ("Jana Müller", "j.mueller@example.de"),
    ("Tom Becker", "tom@becker.example.com"),
    ("Mei Lin", "mei.lin@example.cn"),
    ("Order Desk", "orders@shop.example"),
)
BULK_SUBJECTS = ("Rechnung {n}", "Angebot für Projekt {n}", "Re: Lieferung {n}", "Notes {n}")
# UTC offsets of the Date headers: the server sorts by the instant, not by the text.
BULK_ZONES = (1, 2, -5, 8, 0)


def _connect(servers, address, password):
    return imap.connect(imap_settings(servers, address, password))


class WireLog:
    """Records what a client puts on the wire: every command gets a tag of its own."""

    def __init__(self, client):
        self._imap = client._imap
        self.tags = []
        self.sent = []

    def __enter__(self):
        new_tag, send = self._imap._new_tag, self._imap.send

        def counting_new_tag():
            tag = new_tag()
            self.tags.append(tag)
            return tag

        def recording_send(data):
            self.sent.append(bytes(data))
            return send(data)

        self._imap._new_tag = counting_new_tag
        self._imap.send = recording_send
        return self

    def __exit__(self, *exc_info):
        del self._imap._new_tag
        del self._imap.send

    @property
    def commands(self) -> list[str]:
        lines = b"".join(self.sent).split(b"\r\n")
        tags = {tag if isinstance(tag, bytes) else tag.encode() for tag in self.tags}
        return [line.decode(errors="replace") for line in lines if line.split(b" ")[0] in tags]


def _raw(subject, sender_name, sender, date, *, body="Hallo", message_id=None, to=None):
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = formataddr((sender_name, sender))
    message["To"] = to or "me@dynaoffice.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id or f"<{secrets.token_hex(8)}@dynaoffice.test>"
    message.set_content(body)
    return message.as_bytes()


def _ground_truth(servers, address, password, folder):
    """UID -> (message-id, flags) as a plain imapclient sees them, independent of our code."""
    client = _connect(servers, address, password)
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["ENVELOPE", "FLAGS"]) if uids else {}
    finally:
        client.logout()
    return {
        uid: (item[b"ENVELOPE"].message_id.decode(), set(item[b"FLAGS"]))
        for uid, item in data.items()
    }


def _ids(page):
    return [message.message_id for message in page.messages]


# -- folders ------------------------------------------------------------------------------------


@pytest.fixture
def filled_folders(mail_servers, mailbox):
    address, _password = mailbox
    day = datetime.datetime(2024, 5, 1, tzinfo=UTC)
    entries = [
        ("INBOX", set()),
        ("INBOX", set()),
        ("INBOX", {"\\Seen"}),
        ("INBOX/Projekte", {"\\Seen"}),
        ("Zeitung", set()),
        ("aktuell", {"\\Seen"}),
        (encode_utf7("Bücher").decode(), set()),
        ("Archive/2023", {"\\Seen"}),
        ("Trash", set()),
    ]
    mail_servers.dovecot.write_messages(
        address,
        [(folder, _raw("x", "A", "a@x.test", day), flags, day) for folder, flags in entries],
    )
    return mailbox


def test_folders_special_use_first_then_alphabetical_with_counts(mail_servers, filled_folders):
    client = _connect(mail_servers, *filled_folders)
    try:
        folders = list_folders(client)
    finally:
        client.logout()
    assert [folder.name for folder in folders] == [
        "INBOX",
        "INBOX/Projekte",
        "Drafts",
        "Sent",
        "Trash",
        "Junk",
        "Archive",
        "Archive/2023",
        "aktuell",
        "Bücher",
        "Zeitung",
    ]
    by_name = {folder.name: folder for folder in folders}
    assert by_name["INBOX"].special_use == "\\Inbox"
    assert by_name["Trash"].special_use == "\\Trash"
    assert by_name["Archive/2023"].special_use is None
    assert (by_name["INBOX"].total, by_name["INBOX"].unread) == (3, 2)
    assert (by_name["Trash"].total, by_name["Trash"].unread) == (1, 1)
    assert (by_name["Bücher"].total, by_name["Bücher"].unread) == (1, 1)
    assert (by_name["Drafts"].total, by_name["Drafts"].unread) == (0, 0)
    assert by_name["Archive/2023"].path == ("Archive", "2023")
    assert by_name["INBOX/Projekte"].delimiter == "/"


def test_folders_without_list_status_count_with_status(mail_servers, filled_folders):
    client = _connect(mail_servers, *filled_folders)
    try:
        with_list_status = list_folders(client)
        client._cached_capabilities = tuple(
            capability
            for capability in client.capabilities()
            if capability not in (b"LIST-STATUS", b"SPECIAL-USE", b"LIST-EXTENDED")
        )
        with WireLog(client) as wire:
            with_status = list_folders(client)
    finally:
        client.logout()
    assert with_status == with_list_status
    assert sum(command.split()[1] == "STATUS" for command in wire.commands) == 11


# -- paging a big folder ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bulk_folder(mail_servers):
    """1,200 messages in Archive/Bulk of a user of its own (filled once): all Dates different
    and not in arrival order, four senders, five time zones, a third unread. Returns each
    Message-ID's Date and the folder as imapclient sees it."""
    address = f"bulk-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    rng = random.Random(2)
    dates, entries = {}, []
    for index, hours_back in enumerate(rng.sample(range(3600), 1200)):
        name, sender = BULK_SENDERS[index % len(BULK_SENDERS)]
        zone = datetime.timezone(datetime.timedelta(hours=BULK_ZONES[index % len(BULK_ZONES)]))
        date = (NOW - datetime.timedelta(hours=hours_back)).astimezone(zone)
        message_id = f"<bulk-{index}@dynaoffice.test>"
        subject = rng.choice(BULK_SUBJECTS).format(n=index)
        raw = _raw(subject, name, sender, date, message_id=message_id)
        entries.append((BULK_FOLDER, raw, set() if index % 3 == 0 else {"\\Seen"}, date))
        dates[message_id] = date
    mail_servers.dovecot.write_messages(address, entries)
    truth = _ground_truth(mail_servers, address, password, BULK_FOLDER)
    return address, password, dates, truth


def test_newest_first_pages_match_a_full_sort(mail_servers, bulk_folder):
    address, password, dates, _truth = bulk_folder
    newest_first = sorted(dates, key=dates.get, reverse=True)
    client = _connect(mail_servers, address, password)
    try:
        first = page_messages(client, BULK_FOLDER)
        second = page_messages(client, BULK_FOLDER, offset=50)
        last = page_messages(client, BULK_FOLDER, offset=1180)
        beyond = page_messages(client, BULK_FOLDER, offset=1200)
        status = client.folder_status(BULK_FOLDER, ["UIDVALIDITY"])
    finally:
        client.logout()
    assert first.total == second.total == 1200
    assert first.uidvalidity == status[b"UIDVALIDITY"]
    assert len(first.messages) == len(second.messages) == 50
    assert not set(_ids(first)) & set(_ids(second))
    assert _ids(first) + _ids(second) == newest_first[:100]
    assert _ids(last) == newest_first[1180:]
    assert beyond.messages == ()
    assert first.messages[0].date == dates[newest_first[0]]
    assert first.messages[0].date.tzinfo is not None


def test_arrival_order_pages_follow_the_uids(mail_servers, bulk_folder):
    address, password, _dates, truth = bulk_folder
    by_arrival = [truth[uid][0] for uid in sorted(truth)]
    client = _connect(mail_servers, address, password)
    try:
        newest = page_messages(client, BULK_FOLDER, sort="arrival", limit=40)
        oldest = page_messages(client, BULK_FOLDER, sort="arrival", reverse=False)
        middle = page_messages(client, BULK_FOLDER, sort="arrival", offset=600)
    finally:
        client.logout()
    assert _ids(newest) == by_arrival[::-1][:40]
    assert _ids(oldest) == by_arrival[:50]
    assert _ids(middle) == by_arrival[::-1][600:650]
    assert newest.total == 1200


def test_a_page_costs_at_most_three_commands_and_never_the_uid_list(
    mail_servers, bulk_folder, monkeypatch
):
    """Pages as they cost when the folder has changed since the last look, which the list's
    cache cannot help (see test_services_summary_cache for the unchanged folder)."""
    address, password, _dates, _truth = bulk_folder
    monkeypatch.setattr(imap, "RECHECK_AFTER", 0.0)
    messages.forget_summaries()
    client = _connect(mail_servers, address, password)
    measured = {}
    try:
        with WireLog(client) as cold:
            page_messages(client, BULK_FOLDER)
        cases = {
            "date": {},
            "date, page 2": {"offset": 50},
            "subject ascending": {"sort": "subject", "reverse": False},
            "subject ascending, page 2": {"sort": "subject", "reverse": False, "offset": 50},
            "arrival": {"sort": "arrival", "offset": 100},
            "search by sender": {"search": MessageSearch(from_="mueller")},
            "arrival with search": {"sort": "arrival", "search": MessageSearch(unseen=True)},
        }
        for name, arguments in cases.items():
            messages.forget_summaries()
            with WireLog(client) as wire:
                page = page_messages(client, BULK_FOLDER, **arguments)
            assert page.messages, name
            measured[name] = wire.commands
    finally:
        client.logout()
    _logger.info("cold connection: %s", cold.commands)
    for name, commands in measured.items():
        _logger.info("%s: %d commands: %s", name, len(commands), commands)
    # SELECT takes the place of the NOOP; once per connection, ENABLE QRESYNC before it.
    assert [command.split()[1] for command in cold.commands[:2]] == ["ENABLE", "SELECT"]
    assert len(cold.commands) <= 4
    for name, commands in measured.items():
        # NOOP (mail that arrived meanwhile), SORT, FETCH; a search newest first in arrival
        # order needs the count before the page, and the first subject order of a folder
        # reads every subject once (see page_messages).
        four = ("arrival with search", "subject ascending")
        assert len(commands) <= (4 if name in four else 3), name
        # At most a page of UIDs (as ranges where they run on), never the folder's 1,200.
        assert all(len(command) < 500 for command in commands), name
    # By date the rows guessed by arrival (the files' names give Dovecot the dates' order
    # here) are read while the server sorts: no FETCH after the SORT.
    assert [command.split()[1:3] for command in measured["date, page 2"]] == [
        ["NOOP"],
        ["FETCH", "1101:1150"],
        ["UID", "SORT"],
    ]
    assert [command.split()[1] for command in measured["arrival"]] == ["NOOP", "FETCH"]


# -- every sort key, both ways, on a folder whose order is known --------------------------------


@pytest.fixture(scope="module")
def shuffled_folder(mail_servers):
    """40 messages; date, sender, subject, size and arrival each give a different order."""
    address = f"sort-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    rng = random.Random(7)
    orders = {key: rng.sample(range(40), 40) for key in ("date", "from", "subject", "size")}
    expected_keys = {}
    entries = []
    for index in range(40):
        date = NOW - datetime.timedelta(hours=orders["date"][index] * 7)
        rank = orders["from"][index]
        name = f"Sender {chr(65 + rank // 26)}{chr(65 + rank % 26)}"
        subject = f"Topic {orders['subject'][index]:02d}"
        message_id = f"<sorted-{index}@dynaoffice.test>"
        body = "Hallo\n" + "x" * (300 * orders["size"][index])
        raw = _raw(subject, name, f"s{index}@example.com", date, body=body, message_id=message_id)
        entries.append(("INBOX", raw, set(), date))
        expected_keys[message_id] = {"date": date, "from": name, "subject": subject}
        expected_keys[message_id]["size"] = len(raw)
    # Two batches with a look in between, so that later UIDs carry older dates too.
    mail_servers.dovecot.write_messages(address, entries[::2])
    _ground_truth(mail_servers, address, password, "INBOX")
    mail_servers.dovecot.write_messages(address, entries[1::2])
    truth = _ground_truth(mail_servers, address, password, "INBOX")
    for uid, (message_id, _flags) in truth.items():
        expected_keys[message_id]["arrival"] = uid
    return address, password, expected_keys


@pytest.mark.parametrize("reverse", [True, False], ids=["descending", "ascending"])
@pytest.mark.parametrize("sort", SORT_KEYS)
def test_every_sort_key_pages_in_order(mail_servers, shuffled_folder, sort, reverse):
    address, password, keys = shuffled_folder
    expected = sorted(keys, key=lambda message_id: keys[message_id][sort], reverse=reverse)
    client = _connect(mail_servers, address, password)
    try:
        pages = [
            page_messages(client, "INBOX", sort=sort, reverse=reverse, offset=offset, limit=15)
            for offset in (0, 15, 30)
        ]
    finally:
        client.logout()
    assert [message_id for page in pages for message_id in _ids(page)] == expected
    assert all(page.sort == sort and page.total == 40 for page in pages)


def test_arrival_order_differs_from_date_order(shuffled_folder):
    _address, _password, keys = shuffled_folder
    by_date = sorted(keys, key=lambda message_id: keys[message_id]["date"])
    by_arrival = sorted(keys, key=lambda message_id: keys[message_id]["arrival"])
    assert by_date != by_arrival  # otherwise the arrival test above would prove nothing


@pytest.mark.parametrize(
    "hidden, expected_sort",
    [
        ((b"ESORT",), "subject"),  # plain SORT: all UIDs come back, the page is cut here
        ((b"ESEARCH", b"CONTEXT=SEARCH"), "subject"),
        ((b"SORT", b"ESORT"), "arrival"),  # no server-side sorting at all
    ],
    ids=["without-esort", "without-esearch", "without-sort"],
)
def test_servers_without_extensions_get_the_same_pages(
    mail_servers, shuffled_folder, hidden, expected_sort
):
    address, password, _keys = shuffled_folder
    client = _connect(mail_servers, address, password)
    try:
        full = {
            sort: page_messages(client, "INBOX", sort=sort, offset=10, limit=10)
            for sort in ("subject", "arrival")
        }
        searched = page_messages(
            client, "INBOX", sort="arrival", search=MessageSearch(subject="Topic 1"), limit=4
        )
        client._cached_capabilities = tuple(
            capability for capability in client.capabilities() if capability not in hidden
        )
        reduced = page_messages(client, "INBOX", sort="subject", offset=10, limit=10)
        reduced_search = page_messages(
            client, "INBOX", sort="arrival", search=MessageSearch(subject="Topic 1"), limit=4
        )
    finally:
        client.logout()
    assert reduced.sort == expected_sort
    assert _ids(reduced) == _ids(full[expected_sort])
    assert reduced.total == 40
    assert _ids(reduced_search) == _ids(searched)
    assert reduced_search.total == searched.total == 10


# -- search -------------------------------------------------------------------------------------


@pytest.fixture
def search_folder(mail_servers, mailbox):
    address, _password = mailbox
    day = datetime.datetime(2024, 5, 1, tzinfo=UTC)
    messages = [
        ("Angebot Büromöbel", "Jürgen Weiß", "juergen@example.org", "Preise anbei", set()),
        ("Grüße aus Köln", "Zoë Krüger", "zoe@example.net", "Schöne Grüße vom Rhein", {"\\Seen"}),
        ("Invoice 4711", "Billing", "billing@shop.example.com", "amount due: 42 EUR", set()),
        ("Lunch?", "Ben", "ben@example.com", "pizza or curry", {"\\Seen", "\\Flagged"}),
        ("Re: Invoice 4711", "Ben", "ben@example.com", "paid yesterday", {"\\Seen"}),
    ]
    mail_servers.dovecot.write_messages(
        address,
        [
            (
                "INBOX",
                _raw(subject, name, sender, day + datetime.timedelta(hours=index), body=body),
                flags,
                day + datetime.timedelta(hours=index),
            )
            for index, (subject, name, sender, body, flags) in enumerate(messages)
        ],
    )
    return mailbox


def _subjects(page):
    return [message.subject for message in page.messages]


@pytest.mark.parametrize(
    "search, subjects",
    [
        (MessageSearch(from_="ben@"), ["Re: Invoice 4711", "Lunch?"]),
        (MessageSearch(subject="invoice"), ["Re: Invoice 4711", "Invoice 4711"]),
        (MessageSearch(text="pizza"), ["Lunch?"]),
        (MessageSearch(text="42 EUR"), ["Invoice 4711"]),
        (MessageSearch(unseen=True), ["Invoice 4711", "Angebot Büromöbel"]),
        (MessageSearch(flagged=True), ["Lunch?"]),
        (MessageSearch(from_="ben", subject="invoice"), ["Re: Invoice 4711"]),
        (MessageSearch(to="me@dynaoffice.test", unseen=True, subject="Lunch"), []),
        (MessageSearch(subject="Grüße"), ["Grüße aus Köln"]),
        (MessageSearch(text="Schöne Grüße"), ["Grüße aus Köln"]),
        (MessageSearch(from_="Weiß"), ["Angebot Büromöbel"]),
    ],
    ids=[
        "sender",
        "subject",
        "full-text",
        "phrase-with-space",
        "unseen",
        "flagged",
        "sender-and-subject",
        "nothing-matches",
        "umlaut-subject",
        "umlaut-body",
        "umlaut-sender-name",
    ],
)
@pytest.mark.parametrize("sort", ["date", "arrival"])
def test_search_is_done_by_the_server(mail_servers, search_folder, search, subjects, sort):
    client = _connect(mail_servers, *search_folder)
    try:
        page = page_messages(client, "INBOX", sort=sort, search=search)
    finally:
        client.logout()
    assert _subjects(page) == subjects
    assert page.total == len(subjects)


def test_non_ascii_headers_are_decoded(mail_servers, search_folder):
    client = _connect(mail_servers, *search_folder)
    try:
        page = page_messages(client, "INBOX", search=MessageSearch(subject="Köln"))
    finally:
        client.logout()
    (message,) = page.messages
    assert message.subject == "Grüße aus Köln"
    assert [(sender.name, sender.address) for sender in message.from_] == [
        ("Zoë Krüger", "zoe@example.net")
    ]
    assert message.to[0].address == "me@dynaoffice.test"
    assert message.seen and not message.flagged and not message.has_attachment


@pytest.mark.parametrize("character", ["\r", "\n", "\0"], ids=["CR", "LF", "NUL"])
def test_line_breaks_and_nul_never_reach_the_wire(mail_servers, search_folder, character):
    client = _connect(mail_servers, *search_folder)
    try:
        page_messages(client, "INBOX")
        attempts = [
            {"search": MessageSearch(text=f"x{character}A1 DELETE INBOX")},
            {"search": MessageSearch(from_=f"a{character}b")},
            {"search": MessageSearch(to=f"a{character}b")},
            {"search": MessageSearch(subject=f"a{character}b")},
        ]
        with WireLog(client) as wire:
            for arguments in attempts:
                with pytest.raises(exceptions.InvalidInputError):
                    page_messages(client, "INBOX", **arguments)
            with pytest.raises(exceptions.InvalidInputError):
                page_messages(client, f"INBOX{character}A1 DELETE INBOX")
            with pytest.raises(exceptions.InvalidInputError):
                _structure(client, f"INBOX{character}", 1)
        assert wire.sent == []
        assert page_messages(client, "INBOX").total == 5  # and the connection still works
    finally:
        client.logout()


def test_listing_a_page_leaves_messages_unread(mail_servers, search_folder):
    address, password = search_folder
    client = _connect(mail_servers, address, password)
    try:
        page = page_messages(client, "INBOX")
        page_messages(client, "INBOX", sort="arrival")
        page_messages(client, "INBOX", search=MessageSearch(text="Preise"))
        for message in page.messages:
            _structure(client, "INBOX", message.uid)
    finally:
        client.logout()
    unread = [message.subject for message in page.messages if not message.seen]
    assert unread == ["Invoice 4711", "Angebot Büromöbel"]
    truth = _ground_truth(mail_servers, address, password, "INBOX")
    assert sum(b"\\Seen" not in flags for _message_id, flags in truth.values()) == 2
    assert [(message.seen, message.flagged) for message in page.messages] == [
        (True, False),
        (True, True),
        (False, False),
        (True, False),
        (False, False),
    ]


def test_invalid_page_requests_are_refused(mail_servers, search_folder):
    client = _connect(mail_servers, *search_folder)
    try:
        for arguments in ({"sort": "colour"}, {"offset": -1}, {"limit": 0}, {"limit": 10_000}):
            with pytest.raises(exceptions.InvalidInputError):
                page_messages(client, "INBOX", **arguments)
        with pytest.raises(exceptions.ProtocolError):
            page_messages(client, "No such folder")
    finally:
        client.logout()


# -- UID sets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uids, expected",
    [
        ([1, 2, 3, 7], "1:3,7"),
        ([7], "7"),
        ([9, 3, 2, 1, 10, 3], "1:3,9:10"),
        ([5, 7, 9], "5,7,9"),
        (range(1, 100_001), "1:100000"),
    ],
)
def test_compress_uids(uids, expected):
    assert compress_uids(uids) == expected


def test_compress_uids_refuses_what_is_not_a_set_of_uids():
    with pytest.raises(ValueError):
        compress_uids([])
    with pytest.raises(ValueError):
        compress_uids([0, 1])


def test_sorted_results_keep_their_order():
    assert parse_ordered_uids(b"33:35,7,5:3", max_count=50) == [33, 34, 35, 7, 5, 4, 3]
    assert parse_ordered_uids(b"1000,998,999", max_count=3) == [1000, 998, 999]
    assert parse_ordered_uids(12, max_count=1) == [12]
    assert parse_ordered_uids(None, max_count=1) == []
    with pytest.raises(exceptions.LimitExceededError):
        parse_ordered_uids(b"1:4294967295", max_count=50)
    with pytest.raises(exceptions.LimitExceededError):
        parse_ordered_uids(b"5,4,3", max_count=2)
    with pytest.raises(exceptions.ProtocolError):
        parse_ordered_uids(b"5,,3", max_count=50)


_ESEARCH_NUMBER = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["007", "0", "NIL"]))
_ESEARCH_UIDS = st.one_of(
    st.lists(st.integers(1, 5000).map(str), min_size=1, max_size=8).map(",".join),
    st.sampled_from(["1000:991", "5,3:1,9", "NIL", "12", "4,,5", "1:"]),
)
_ESEARCH_ITEMS = st.one_of(
    st.tuples(st.sampled_from(["COUNT", "count", "MIN", "MAX"]), _ESEARCH_NUMBER).map(" ".join),
    st.tuples(st.sampled_from(["1:60", "41:110", "5"]), _ESEARCH_UIDS).map(
        lambda pair: f"PARTIAL ({pair[0]} {pair[1]})"
    ),
    st.sampled_from(["ALL 1:5,7", "X-FOO bar", "PARTIAL (1:2 3,4) extra"]),
)


@given(
    st.sampled_from(['(TAG "A12") ', '(TAG "A\\"1") ', "", '(TAG "B7")']),
    st.sampled_from(["UID ", "", "uid "]),
    st.lists(_ESEARCH_ITEMS, max_size=4).map(" ".join),
    st.sampled_from(["", " "]),
)
@example('(TAG "A12") ', "UID ", "COUNT 0 PARTIAL (1:60 1000:991)", "")  # a SystemError once
@settings(max_examples=600, deadline=None)
def test_esearch_answers_read_in_one_match_as_value_by_value(tag, uid, items, end):
    """An ESEARCH answer of numbers and PARTIAL results, as Dovecot answers the list's SORT,
    is read with one match: the same names and values as parse_values() reads, and any
    other answer is read that way."""
    line = f"{tag}{uid}{items}{end}".encode()
    fast = messages._esearch_result([b"", line])
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(messages, "_PLAIN_ESEARCH", re.compile(rb"(?!)"))
        assert fast == messages._esearch_result([b"", line])


def test_dovecots_esearch_answer_is_read_in_one_match(monkeypatch):
    def refused(_data):
        raise AssertionError("read value by value")

    monkeypatch.setattr(messages.fetch_parser, "parse_values", refused)
    line = b'(TAG "KPED5") UID PARTIAL (1:60 1000,999,998) COUNT 1000'
    assert messages._esearch_result([line]) == {
        b"PARTIAL": (b"1:60", b"1000,999,998"),
        b"COUNT": 1000,
    }


def _ordered_uids_item_by_item(text: bytes, max_count: int) -> list[int]:
    """parse_ordered_uids() as it reads a result with ranges: item by item."""
    uids = []
    try:
        for item in text.decode("ascii").split(","):
            first, _, last = item.partition(":")
            start, end = int(first), int(last or first)
            step = 1 if end >= start else -1
            if len(uids) + abs(end - start) + 1 > max_count:
                raise exceptions.LimitExceededError(detail="too many")
            uids.extend(range(start, end + step, step))
    except ValueError as error:
        raise exceptions.ProtocolError(detail="unreadable") from error
    return uids


def _outcome(function, *args):
    try:
        return function(*args)
    except (exceptions.LimitExceededError, exceptions.ProtocolError) as error:
        return type(error)


@given(
    st.lists(
        st.one_of(
            st.integers(0, 5000).map(str),
            st.sampled_from(["", " 7", "+7", "1_0", "x", "-3", "07"]),
        ),
        min_size=1,
        max_size=12,
    ).map(",".join),
    st.integers(1, 12),
)
@settings(max_examples=400, deadline=None)
def test_sorted_results_without_ranges_read_as_item_by_item(text, max_count):
    """A result of single UIDs (as a sorted page mostly is) is read in one pass: the same
    UIDs, and the same error where one item is not a number or there are too many."""
    data = text.encode()
    expected = _outcome(_ordered_uids_item_by_item, data, max_count)
    assert _outcome(parse_ordered_uids, data, max_count) == expected


# -- MIME structure -----------------------------------------------------------------------------


def _rich_message():
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = formataddr(("Jörg Müller", "joerg@example.org"))
    message["To"] = "me@dynaoffice.test"
    message["Subject"] = "Angebot mit Anhang"
    message["Date"] = format_datetime(NOW)
    message.set_content("Hallo, anbei das Angebot.")
    message.add_alternative('<p>Hallo <img src="cid:logo@x"></p>', subtype="html")
    html = message.get_payload()[1]
    html.add_related(
        b"\x89PNG fake", "image", "png", cid="<logo@x>", filename="logo.png", disposition="inline"
    )
    message.add_attachment(b"%PDF-1.4 fake", "application", "pdf", filename="Grüße & Angebot.pdf")
    return message.as_bytes()


def _many_parts_message(count):
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = f"{count} parts"
    message["Date"] = format_datetime(NOW)
    message.set_content("many")
    for index in range(count):
        message.add_attachment(f"part {index}", filename=f"p{index}.txt")
    return message.as_bytes()


@pytest.fixture
def structure_folder(mail_servers, mailbox):
    address, _password = mailbox
    raws = [
        _rich_message(),
        _raw("plain", "A", "a@example.org", NOW),
        nested_message(25, Subject="nested 25", Date=format_datetime(NOW)),
        _many_parts_message(600),
    ]
    mail_servers.dovecot.write_messages(
        address,
        [
            ("INBOX", raw, set(), NOW + datetime.timedelta(minutes=index))
            for index, raw in enumerate(raws)
        ],
    )
    return mailbox


def test_message_structure_is_a_tree_of_decoded_parts(mail_servers, structure_folder):
    client = _connect(mail_servers, *structure_folder)
    try:
        page = page_messages(client, "INBOX", sort="arrival", reverse=False)
        rich, plain = page.messages[0], page.messages[1]
        tree = _structure(client, "INBOX", rich.uid)
        plain_tree = _structure(client, "INBOX", plain.uid)
    finally:
        client.logout()
    parts = [(part.part_number, part.mime_type) for part in tree.walk()]
    assert parts == [
        ("", "multipart/mixed"),
        ("1", "multipart/alternative"),
        ("1.1", "text/plain"),
        ("1.2", "multipart/related"),
        ("1.2.1", "text/html"),
        ("1.2.2", "image/png"),
        ("2", "application/pdf"),
    ]
    by_number = {part.part_number: part for part in tree.walk()}
    assert by_number["1.1"].charset == "utf-8"
    assert by_number["1.2.2"].content_id == "<logo@x>"
    assert by_number["2"].filename == "Grüße & Angebot.pdf"
    assert by_number["2"].disposition == "attachment"
    assert by_number["2"].size > 0
    assert has_attachment(tree) and rich.has_attachment
    assert [(part.part_number, part.mime_type) for part in plain_tree.walk()] == [
        ("1", "text/plain")
    ]
    assert not plain.has_attachment


def test_pathological_structures_hit_the_limits(mail_servers, structure_folder):
    client = _connect(mail_servers, *structure_folder)
    try:
        page = page_messages(client, "INBOX", sort="arrival", reverse=False)
        nested, many = page.messages[2], page.messages[3]
        with pytest.raises(exceptions.LimitExceededError):
            _structure(client, "INBOX", nested.uid)
        with pytest.raises(exceptions.LimitExceededError):
            _structure(client, "INBOX", many.uid)
        shallow = _structure(client, "INBOX", nested.uid, max_depth=30)
        fewer = _structure(client, "INBOX", many.uid, max_parts=700)
    finally:
        client.logout()
    # The list still shows them; a reader can say "too complex" instead of hanging.
    assert [message.subject for message in page.messages[2:]] == ["nested 25", "600 parts"]
    assert sum(1 for _part in shallow.walk()) == 26
    assert sum(1 for _part in fewer.walk()) == 602


def test_long_answer_lines_of_servers_without_esort_are_read(mail_servers, mailbox):
    # A plain SEARCH/SORT answer for 200,000 messages is one line of about 1.3 MB, more than
    # imaplib's own 1 MB limit; what our connection reads in its place:
    client = _connect(mail_servers, *mailbox)
    try:
        answer = b"* SEARCH " + b" ".join(b"%d" % uid for uid in range(1, 200_001)) + b"\r\n"
        real_file = client._imap.file
        client._imap.file = io.BufferedReader(
            io.BytesIO(answer + b"* SEARCH " + b"9" * limits.MAX_LINE)
        )
        assert client._imap.readline() == answer
        with pytest.raises(imaplib.IMAP4.error):
            client._imap.readline()
        client._imap.file = real_file
    finally:
        client.logout()
