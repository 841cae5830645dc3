"""Sorting by subject as people read subjects, against the real Dovecot of this run: "AW:
Angebot" beside "Angebot" (the server's SORT SUBJECT would file it under A), German,
English and counted prefixes alike, both directions, with a search, page after page."""

import datetime
import secrets

import pytest

from odoo.addons.dynaoffice_mail.services import imap, messages
from odoo.addons.dynaoffice_mail.services.messages import MessageSearch, page_messages
from odoo.addons.dynaoffice_mail.services.subjects import base_subject, subject_sort_key
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings
from odoo.addons.dynaoffice_mail.tests.test_services_mailbox import WireLog

DAY = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
# In arrival order; the order a person expects ascending is by base subject, then arrival.
SUBJECTS = [
    "AW: Angebot",
    "WG: Zahlen",
    "Re: Angebot",
    "Antwort",
    "Angebot",
    "Bestellung",
    "RE[2]: AW(3): Bestellung",
    "wg: zahlen",
    "Äpfel und Birnen",
    "Fwd: Antwort",
    "Zahlen",
    "[Vertrieb] AW: Angebot",
    "Award: Gewinner",
    "",
]
EXPECTED_ASCENDING = [
    "",
    "AW: Angebot",
    "Re: Angebot",
    "Angebot",
    "[Vertrieb] AW: Angebot",
    "Antwort",
    "Fwd: Antwort",
    "Äpfel und Birnen",
    "Award: Gewinner",
    "Bestellung",
    "RE[2]: AW(3): Bestellung",
    "WG: Zahlen",
    "wg: zahlen",
    "Zahlen",
]


@pytest.mark.parametrize(
    "subject, base",
    [
        ("AW: Angebot", "Angebot"),
        ("WG: Zahlen", "Zahlen"),
        ("Re: AW: WG: Fwd: FW: Antw: Angebot", "Angebot"),
        ("RE[2]: AW(3): Angebot", "Angebot"),
        ("  aw :  Angebot   Müller ", "Angebot Müller"),
        ("[Vertrieb] AW: [Vertrieb] Re: Angebot", "Angebot"),
        ("Angebot (fwd)", "Angebot"),
        ("[Fwd: Angebot]", "Angebot"),
        ("Antwort", "Antwort"),
        ("Antwort: Termin", "Termin"),
        ("Award: Gewinner", "Award: Gewinner"),
        ("Rechnung 4711", "Rechnung 4711"),
        ("Re:", "Re:"),
        ("[Vertrieb]", "[Vertrieb]"),
        ("=?utf-8?q?AW=3A_Gr=C3=B6=C3=9Fe_M?=", "Größe M"),
        ("", ""),
    ],
)
def test_the_base_subject_drops_every_prefix_people_stack(subject, base):
    assert base_subject(subject) == base


def test_the_sort_key_ignores_case_and_keeps_umlauts_by_their_letter():
    keys = sorted(["Zahlen", "äpfel", "Apfel", "AW: Birnen"], key=subject_sort_key)
    assert keys == ["Apfel", "äpfel", "AW: Birnen", "Zahlen"]


@pytest.fixture(scope="module")
def subject_folder(mail_servers):
    address = f"subjects-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    client = imap.connect(imap_settings(mail_servers, address, password))
    try:
        # One APPEND after the other: UIDs in the order of SUBJECTS.
        for index, subject in enumerate(SUBJECTS):
            date = DAY + datetime.timedelta(hours=index)
            body = "Angebot anbei\n" if "Angebot" in subject else "Hallo\n"
            client.append("INBOX", build_message(subject, body=body), msg_time=date)
    finally:
        client.logout()
    return address, password


def _connect(servers, folder):
    return imap.connect(imap_settings(servers, *folder))


def _subjects(page):
    return [message.subject for message in page.messages]


def test_subjects_sort_by_their_base_subject(mail_servers, subject_folder):
    client = _connect(mail_servers, subject_folder)
    try:
        ascending = page_messages(client, "INBOX", sort="subject", reverse=False)
        descending = page_messages(client, "INBOX", sort="subject", reverse=True)
    finally:
        client.logout()
    assert _subjects(ascending) == EXPECTED_ASCENDING
    assert _subjects(descending) == EXPECTED_ASCENDING[::-1]
    assert ascending.sort == descending.sort == "subject"
    assert ascending.total == len(SUBJECTS)


def test_subject_pages_are_stable_and_read_the_subjects_once(
    mail_servers, subject_folder, monkeypatch
):
    # Each page as a second later, its rows not cached (see test_services_summary_cache).
    monkeypatch.setattr(imap, "RECHECK_AFTER", 0.0)
    messages.forget_summaries()
    client = _connect(mail_servers, subject_folder)
    try:
        pages, commands = [], []
        for offset in range(0, len(SUBJECTS), 4):
            with WireLog(client) as wire:
                pages.append(
                    page_messages(
                        client, "INBOX", sort="subject", reverse=False, offset=offset, limit=4
                    )
                )
            commands.append(wire.commands)
    finally:
        client.logout()
    assert [subject for page in pages for subject in _subjects(page)] == EXPECTED_ASCENDING
    # Later pages: NOOP, SEARCH (which messages match), FETCH of the page; the subjects
    # were read once, by whichever request came first in this process.
    for later in commands[1:]:
        assert [command.split()[1:3] for command in later] == [
            ["NOOP"],
            ["UID", "SEARCH"],
            ["UID", "FETCH"],
        ]
        assert "HEADER.FIELDS" not in later[-1]


def test_a_search_sorted_by_subject(mail_servers, subject_folder):
    client = _connect(mail_servers, subject_folder)
    try:
        found = page_messages(
            client, "INBOX", sort="subject", reverse=False, search=MessageSearch(text="Angebot")
        )
        reverse = page_messages(
            client, "INBOX", sort="subject", reverse=True, search=MessageSearch(subject="zahlen")
        )
    finally:
        client.logout()
    assert _subjects(found) == ["AW: Angebot", "Re: Angebot", "Angebot", "[Vertrieb] AW: Angebot"]
    assert found.total == 4
    assert _subjects(reverse) == ["Zahlen", "wg: zahlen", "WG: Zahlen"]


def _subject_reads(wire) -> list[str]:
    """The UID sets of the subject FETCHes on `wire`."""
    return [
        command.split()[3]
        for command in wire.commands
        if "HEADER.FIELDS (SUBJECT)" in command.upper()
    ]


def test_new_mail_takes_its_place_in_the_subject_order(mail_servers, mailbox):
    """New mail and an expunge make a new order, for which only the new mail's subject is
    read: the others were read for the order before."""
    client = imap.connect(imap_settings(mail_servers, *mailbox))
    try:
        for subject in ("Zahlen", "Angebot", "WG: Bestellung"):
            client.append("INBOX", build_message(subject))
        with WireLog(client) as first:
            before = page_messages(client, "INBOX", sort="subject", reverse=False)
        client.append("INBOX", build_message("AW: Bestellung"))
        with WireLog(client) as new_mail:
            after = page_messages(client, "INBOX", sort="subject", reverse=False)
        client.select_folder("INBOX")
        client.delete_messages(client.search(["SUBJECT", "Angebot"]))
        client.expunge()
        with WireLog(client) as expunge:
            expunged = page_messages(client, "INBOX", sort="subject", reverse=False)
        messages._SUBJECT_ORDERS.clear()
        messages._SUBJECT_KEYS.clear()
        with WireLog(client) as forgotten:
            again = page_messages(client, "INBOX", sort="subject", reverse=True)
    finally:
        client.logout()
    assert _subjects(before) == ["Angebot", "WG: Bestellung", "Zahlen"]
    assert _subjects(after) == ["Angebot", "WG: Bestellung", "AW: Bestellung", "Zahlen"]
    assert _subjects(expunged) == ["WG: Bestellung", "AW: Bestellung", "Zahlen"]
    assert _subjects(again) == ["Zahlen", "AW: Bestellung", "WG: Bestellung"]
    newest = max(row.uid for row in after.messages)
    assert _subject_reads(first) == [f"{min(row.uid for row in before.messages)}:{newest - 1}"]
    assert _subject_reads(new_mail) == [str(newest)]
    assert _subject_reads(expunge) == []
    assert len(_subject_reads(forgotten)) == 1  # read whole again
