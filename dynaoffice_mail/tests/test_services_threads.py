"""Conversations from what servers answer and what headers say (#16): the THREAD answer
read exactly, or refused; messages joined by the IDs they name and by base subjects; new
mail placed into the last structure exactly as a THREAD of the whole folder places it,
checked against the folder's link index (whole, read in slices, or refused as too large)."""

import pytest

from odoo.addons.dynaoffice_mail.services import imap, limits, threads
from odoo.addons.dynaoffice_mail.services.exceptions import ProtocolError
from odoo.addons.dynaoffice_mail.services.threads import (
    _header_fields,
    _id_key,
    _index_entry,
    _links_of,
    group_by_links,
    parse_threads,
)
from odoo.addons.dynaoffice_mail.tests.common import imap_settings
from odoo.addons.dynaoffice_mail.tests.push_helpers import deliver_over_lmtp
from odoo.addons.dynaoffice_mail.tests.test_client_threads import _mail, _write
from odoo.addons.dynaoffice_mail.tests.test_services_mailbox import WireLog


def test_thread_answer_gives_each_threads_uids():
    assert parse_threads(b"(2)(3 6 (4 23)(44 7 96))") == [[2], [3, 6, 4, 23, 44, 7, 96]]
    assert parse_threads(b"((1)(2))(3)") == [[1, 2], [3]]
    assert parse_threads(b"") == []


@pytest.mark.parametrize(
    "answer",
    [b"(1)(2", b"(1))(2)", b"1 (2)", b"(1)(2 A0001 OK)", b"(1)\r\n* BYE"],
)
def test_a_broken_thread_answer_is_refused(answer):
    with pytest.raises(ProtocolError):
        parse_threads(answer)


def _header(subject, own, references=""):
    lines = [f"Subject: {subject}", f"Message-ID: <{own}@x>"]
    if references:
        lines.append("References: " + " ".join(f"<{name}@x>" for name in references.split()))
    return "\r\n".join(lines).encode() + b"\r\n\r\n"


def test_headers_join_what_names_each_other_or_a_common_message():
    links = {
        1: _links_of(_header("Angebot", "a1")),
        2: _links_of(_header("Rechnung", "b1")),
        # Answers to a message that is not in the folder (the user's own, in Sent).
        3: _links_of(_header("AW: Angebot", "a3", "a1 a2")),
        4: _links_of(_header("Re: Angebot", "a4", "a2")),
        # A reply that lost its references, joined by its base subject; a new mail with
        # the same subject that is no reply stays apart.
        5: _links_of(_header("AW: WG: Rechnung", "b2")),
        6: _links_of(_header("Rechnung", "b9")),
    }
    assert links[3][:2] == ("<a3@x>", ("<a1@x>", "<a2@x>"))
    assert links[5][2:] == ("Rechnung", True)
    assert group_by_links(links) == ((6,), (2, 5), (1, 3, 4))


def test_link_index_finds_what_a_search_of_the_folder_finds():
    """Message-IDs in any case, each message's every Message-ID and reference, subjects
    decoded and case folded as SEARCH compares them; a copy when extended."""
    headers = {
        1: b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\nMessage-ID: <A1@x>\r\n\r\n",
        2: b"Subject: Re: Angebot\r\nMessage-ID: <a2@x>\r\nReferences: <a1@x>\r\n <gone@x>\r\n\r\n",
        3: b"Subject: Pro\x01tokoll\r\nMessage-ID: <d1@x>\r\nMessage-ID: <d1@x>\r\n\r\n",
        4: b"Subject: Doppelt\r\nMessage-ID: <d1@x>\r\nIn-Reply-To: <a2@x>\r\n\r\n",
    }
    folded = {}
    entries = {uid: _index_entry(_header_fields(raw), folded) for uid, raw in headers.items()}
    index = threads._NO_LINKS.extended(entries, 4)

    def key(name):
        return _id_key(name.encode())

    assert index.covered == 4
    assert [index.holders(key(name)) for name in ("<a1@x>", "<d1@x>", "<gone@x>")] == [1, 2, 0]
    named = [name for name in ("<gone@x>", "<A1@X>", "<a2@x>", "<d1@x>") if index.names(key(name))]
    assert named == ["<gone@x>", "<A1@X>", "<a2@x>"]
    assert all(index.has_word(word) for word in ("GRÜSSE", "köln", "Protokoll", "angebot"))
    assert not index.has_word("Rechnung")
    more = index.extended({5: _index_entry(_header_fields(b"Subject: Rechnung\r\n"), {})}, 9)
    assert more.covered == 9 and more.has_word("Rechnung") and not index.has_word("Rechnung")
    assert more.weight > index.weight > 0


# -- new mail placed into the last structure, against Dovecot --------------------------------


@pytest.fixture
def threaded_inbox(mail_servers, mailbox, monkeypatch):
    """A connection to a mailbox whose Inbox has five conversations, the newest three
    looked at for new mail's place (limits.PLACING_CONVERSATIONS), and the user's answer
    to the oldest in Sent."""
    monkeypatch.setattr(limits, "PLACING_CONVERSATIONS", 3)
    threads.forget_structures()
    address, _password = mailbox
    mails = [
        ("INBOX", _mail("Angebot", "a1", 1), set()),
        ("Sent", _mail("Re: Angebot", "a2", 2, refs=["a1"]), {"\\Seen"}),
        ("INBOX", _mail("Rechnung", "b1", 2), set()),
        ("INBOX", _mail("Protokoll", "d1", 3), set()),
        ("INBOX", _mail("Termin", "c1", 4), set()),
        ("INBOX", _mail("AW: Termin", "c2", 5, refs=["c1"]), set()),
        ("INBOX", _mail("Urlaubsplanung", "e1", 6), set()),
    ]
    _write(mail_servers, address, mails)
    settings = imap_settings(mail_servers, *mailbox)

    def expunge(uid):
        """`uid` expunged from the Inbox by another mail program."""
        other = imap.connect(settings)
        other.select_folder("INBOX")
        other.add_flags([uid], [b"\\Deleted"])
        other.uid_expunge([uid])
        imap.close_quietly(other)

    client = imap.connect(settings)
    yield client, lambda raw: deliver_over_lmtp(mail_servers, address, raw), expunge
    imap.close_quietly(client)


def _placed_or_threaded(client):
    """(the conversations of the Inbox's first page, as the cached structure gives them,
    whether the whole folder was threaded for it, the commands sent), beside the same from
    a THREAD (or the headers) of the whole folder afresh."""
    with WireLog(client) as wire:
        page = threads.page_conversations(client, "INBOX", limit=200, related=False)
    anew = any("THREAD" in line or "FETCH 1:*" in line for line in wire.commands)
    selected, _count = imap.ensure_selected(client, "INBOX")
    if page.threaded_by == "server":
        fresh = threads._server_threads(client, [b"ALL"])
    else:
        fresh = group_by_links(threads.message_links(client, selected, None))
    return [c.uids for c in page.conversations], list(fresh), anew, wire.commands


# (what arrives, whether the whole folder is threaded anew for it)
DELIVERIES = [
    ("an unrelated new mail", [_mail("Messe", "f1", 7)], False),
    (
        "a reply to a conversation on page 1",
        [_mail("Re: Termin", "c3", 8, refs=["c1", "c2"])],
        False,
    ),
    ("a reply to the new mail", [_mail("Re: Messe", "f2", 8, reply_to="f1")], False),
    ("a reply to a conversation far back", [_mail("AW: Angebot", "a3", 9, refs=["a1"])], True),
    ("a reply whose parent is in Sent only", [_mail("Re: x", "g3", 9, refs=["a2"])], True),
    ("a subject-only reply", [_mail("Re: Urlaubsplanung", "e2", 10)], True),
    ("a new mail of an older one's subject", [_mail("Rechnung", "b7", 10)], True),
    (
        "two replies to one absent message",
        [_mail("Re: Feier", "h2", 11, refs=["h1"]), _mail("Re: Feier", "h3", 11, refs=["h1"])],
        True,
    ),
    ("the message they answer", [_mail("Feier", "h1", 12)], True),
    ("a new mail of an older one's Message-ID", [_mail("Neuigkeit", "d1", 12)], True),
    ("a reply before its parent", [_mail("Re: Umzug", "k2", 12, refs=["k1"])], True),
    ("that parent", [_mail("Umzug", "k1", 13)], True),
    ("a new mail after all that", [_mail("Budget 2027", "m1", 14)], False),
]


@pytest.mark.parametrize("index", ["whole", "slices", "refused"])
@pytest.mark.parametrize("server_threads", [True, False], ids=["THREAD", "headers"])
def test_new_mail_is_placed_as_a_fresh_thread_would_place_it(
    threaded_inbox, server_threads, index, monkeypatch
):
    client, deliver, expunge = threaded_inbox
    monkeypatch.setattr(threads, "SERVER_THREADS", server_threads)
    if index == "slices":
        # Two messages a slice: the older messages are partly in the index, partly searched.
        monkeypatch.setattr(limits, "LINK_INDEX_SLICE", 2)
    if index == "refused":
        monkeypatch.setattr(limits, "MAX_LINK_INDEX_BYTES", 100)
    placed, fresh, anew, _commands = _placed_or_threaded(client)
    assert placed == fresh and anew
    assert len(placed) == 5
    for what, mails, expected_anew in DELIVERIES:
        for raw in mails:
            deliver(raw)
        placed, fresh, anew, commands = _placed_or_threaded(client)
        assert placed == fresh, what
        assert anew == expected_anew, (what, commands)
        if not anew:
            # The new UIDs, their links, the older messages that could change their
            # place (in the link index; searched where it is refused, and where a slice
            # of it is not read yet): no command reads the whole folder.
            _check_older_searches(index, commands, what)
    # A new mail and an expunge at once: threaded anew.
    uid = placed[-1][0]
    expunge(uid)
    deliver(_mail("Neu", "n1", 15))
    placed, fresh, anew, _commands = _placed_or_threaded(client)
    assert anew and placed == fresh
    assert uid not in {u for conversation in placed for u in conversation}
    # The link index keeps the expunged message's entries: new mail after it is placed.
    deliver(_mail("Lieferung", "p1", 16))
    placed, fresh, anew, commands = _placed_or_threaded(client)
    assert placed == fresh and not anew
    _check_older_searches(index, commands, "new mail after an expunge")
    kept = list(threads._LINK_INDEXES._entries.values())
    assert kept and all(item.refused == (index == "refused") for item in kept)
    assert threads._LINK_INDEXES.weight <= limits.MAX_LINK_INDEX_BYTES


def _check_older_searches(index, commands, what):
    """The searches of older messages (after the one of the new UIDs): none where the link
    index is whole."""
    searches = [line for line in commands if " UID SEARCH " in line][1:]
    if index == "whole":
        assert not searches, (what, commands)
    elif index == "refused":
        assert 1 <= len(searches) <= 2, (what, commands)
    else:
        assert len(searches) <= 2, (what, commands)
