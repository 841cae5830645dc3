"""One IMAP primitive per job: the folder for Sent, Drafts, Trash, Junk and Archive found
the same way for every kind, "Move to Trash" on a server that flags no folder \\Trash, a
message found by its Message-ID, and the one raw UID FETCH. Against the real Dovecot of
this run, and a second Dovecot whose folders carry no special-use attributes (as on a
server set up without them: RFC 6154 is optional)."""

import re
import secrets

import pytest

from odoo.addons.dynaoffice_mail.services import actions, exceptions, imap
from odoo.addons.dynaoffice_mail.services.folders import (
    create_folder,
    list_folders,
    special_folder,
)
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.services.refs import MessageRef
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings

from dynaoffice_mail_testing import dovecot


@pytest.fixture(scope="module")
def plain_dovecot(mail_servers):
    """A Dovecot of its own whose configuration names no special-use folders: a new user
    has the Inbox alone, and a folder called "Trash" is just a folder."""
    server = dovecot.Dovecot(mail_servers.base / "dovecot-plain", mail_servers.certificates)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dovecot, "SPECIAL_FOLDERS", {})
        server.start()
    try:
        yield server
    finally:
        server.stop()
        server.remove_data()


def _connect(servers, server, folders=()):
    """A new user on `server` (the run's Dovecot or the plain one) with `folders` created."""
    address = f"user-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    server.add_user(address, password)
    client = imap.connect(imap_settings(servers, address, password, port=server.port_imaps))
    for name in folders:
        create_folder(client, name)
    return client


@pytest.fixture
def plain_client(mail_servers, plain_dovecot):
    client = _connect(mail_servers, plain_dovecot)
    yield client
    imap.close_quietly(client)


@pytest.fixture
def client(mail_servers, mailbox):
    client = imap.connect(imap_settings(mail_servers, *mailbox))
    yield client
    imap.close_quietly(client)


def _subjects(client, folder):
    return [message.subject for message in page_messages(client, folder).messages]


def _deliver(client, subject, folder="INBOX"):
    client.append(folder, build_message(subject))
    page = page_messages(client, folder)
    (message,) = [message for message in page.messages if message.subject == subject]
    return page.uidvalidity, message.uid


# -- the folder for each kind ----------------------------------------------------------------


def test_the_plain_server_flags_no_folder(plain_client):
    create_folder(plain_client, "Trash")
    create_folder(plain_client, "Projekte")
    create_folder(plain_client, "Projekte/Trash")
    listed = list_folders(plain_client)
    assert not any(folder.flags & {"\\Trash", "\\trash"} for folder in listed)
    # The list names the folder deleting uses (special_folder) as the Trash, as if flagged.
    assert {folder.name: folder.special_use for folder in listed} == {
        "INBOX": "\\Inbox",
        "Trash": "\\Trash",
        "Projekte": None,
        "Projekte/Trash": None,
    }


@pytest.mark.parametrize(
    ("kind", "names", "found"),
    [
        ("\\Trash", ["Trash"], "Trash"),
        ("\\Trash", ["Deleted Items"], "Deleted Items"),
        ("\\Trash", ["Papierkorb"], "Papierkorb"),
        ("\\Trash", ["Gelöschte Elemente"], "Gelöschte Elemente"),
        ("\\Sent", ["Sent Items"], "Sent Items"),
        ("\\Sent", ["Gesendet"], "Gesendet"),
        ("\\Drafts", ["Entwürfe"], "Entwürfe"),
        ("\\Junk", ["Spam"], "Spam"),
        ("\\Archive", ["Archiv"], "Archiv"),
        # Nearest the top wins, then the more usual name.
        ("\\Trash", ["Projekte", "Projekte/Trash", "Papierkorb"], "Papierkorb"),
        ("\\Trash", ["Papierkorb", "Trash"], "Trash"),
        ("\\Sent", ["Kunden", "Kunden/Sent"], "Kunden/Sent"),
        # Names of other kinds, or none at all: nothing.
        ("\\Trash", ["Sent", "Archiv", "Müll"], None),
        ("\\Drafts", [], None),
    ],
)
def test_every_kind_is_found_by_its_usual_names(mail_servers, plain_dovecot, kind, names, found):
    client = _connect(mail_servers, plain_dovecot, names)
    try:
        assert special_folder(client, kind) == found
    finally:
        imap.close_quietly(client)


def test_the_flagged_folder_wins_over_usual_names(client):
    # The run's Dovecot flags "Trash" \Trash and "Sent" \Sent (RFC 6154).
    create_folder(client, "Papierkorb")
    create_folder(client, "Gesendet")
    assert special_folder(client, "\\Trash") == "Trash"
    assert special_folder(client, "\\Sent") == "Sent"


@pytest.mark.parametrize("kind", ["\\Inbox", "\\All", "Trash", "", None])
def test_only_the_five_kinds_are_looked_up(client, kind):
    with pytest.raises(exceptions.InvalidInputError):
        special_folder(client, kind)


# -- "Move to Trash" ----------------------------------------------------------------------------


@pytest.mark.parametrize("trash_name", ["Trash", "Deleted Items"])
def test_move_to_trash_finds_a_trash_the_server_does_not_flag(
    mail_servers, plain_dovecot, trash_name
):
    """Found: with no folder flagged \\Trash, "Move to Trash" deleted mail for good."""
    client = _connect(mail_servers, plain_dovecot, [trash_name])
    try:
        uidvalidity, uid = _deliver(client, "Rechnung März")
        trash = special_folder(client, "\\Trash")
        assert trash == trash_name

        report = actions.delete(client, "INBOX", uidvalidity, [uid], "trash", trash)

        assert (report.done, report.gone) == ({uid}, set())
        assert _subjects(client, "INBOX") == []
        assert _subjects(client, trash_name) == ["Rechnung März"]
        # Deleted inside Trash, it goes for good, as it does where Trash is flagged.
        page = page_messages(client, trash_name)
        (message,) = page.messages
        actions.delete(client, trash_name, page.uidvalidity, [message.uid], "trash", trash)
        assert _subjects(client, trash_name) == []
    finally:
        imap.close_quietly(client)


def test_move_to_trash_without_any_trash_deletes_nothing(plain_client):
    uidvalidity, uid = _deliver(plain_client, "Vertrag")
    trash = special_folder(plain_client, "\\Trash")
    assert trash is None

    with pytest.raises(exceptions.NoTrashFolderError, match="no Trash folder"):
        actions.delete(plain_client, "INBOX", uidvalidity, [uid], "trash", trash)

    (message,) = page_messages(plain_client, "INBOX").messages
    assert (message.subject, message.deleted) == ("Vertrag", False)
    # The other modes do what they say without a Trash.
    actions.delete(plain_client, "INBOX", uidvalidity, [uid], "flag", None)
    assert page_messages(plain_client, "INBOX").messages[0].deleted
    actions.delete(plain_client, "INBOX", uidvalidity, [uid], "expunge", None)
    assert _subjects(plain_client, "INBOX") == []


# -- a message by its Message-ID ----------------------------------------------------------------


def test_a_message_is_found_by_its_message_id(client):
    wanted = f"<{secrets.token_hex(8)}@example.org>"
    raw = re.sub(
        rb"Message-ID: <[^>]+>", b"Message-ID: " + wanted.encode(), build_message("Angebot")
    )
    client.append("INBOX", raw)
    client.append("INBOX", build_message("Anderes"))
    page = page_messages(client, "INBOX")
    (offer,) = [message for message in page.messages if message.subject == "Angebot"]

    found = imap.find_by_message_id(client, "INBOX", wanted)
    assert found == MessageRef(0, "INBOX", page.uidvalidity, offer.uid)
    assert imap.find_by_message_id(client, "INBOX", wanted, only_one=True) == found
    assert imap.find_by_message_id(client, "Sent", wanted) is None
    assert imap.find_by_message_id(client, "INBOX", "<nobody@example.org>") is None

    # A second copy: the newest is meant, unless there must be only one.
    client.append("INBOX", raw)
    newest = max(message.uid for message in page_messages(client, "INBOX").messages)
    assert imap.find_by_message_id(client, "INBOX", wanted).uid == newest
    assert imap.find_by_message_id(client, "INBOX", wanted, only_one=True) is None


@pytest.mark.parametrize(
    "value",
    ["", None, "<a\r\nA1 DELETE INBOX@x>", "<a b@x>", "<ä@x>", "<" + "a" * 2000 + "@x>"],
)
def test_what_is_no_message_id_is_never_searched_for(client, value):
    sent = []
    send = client._imap.send
    client._imap.send = lambda data: sent.append(bytes(data)) or send(data)
    try:
        assert imap.find_by_message_id(client, "INBOX", value) is None
    finally:
        del client._imap.send
    assert not [line for line in sent if b"SEARCH" in line]


# -- the raw UID FETCH --------------------------------------------------------------------------


def test_uid_fetch_answers_for_the_messages_still_there(client):
    _validity, first = _deliver(client, "Eins")
    uidvalidity, second = _deliver(client, "Zwei")
    actions.delete(client, "INBOX", uidvalidity, [first], "expunge", None)

    answer = imap.uid_fetch(client, [first, second, second + 100], "(UID FLAGS RFC822.SIZE)")

    assert list(answer) == [second]
    assert answer[second][b"UID"] == second
    assert answer[second][b"RFC822.SIZE"] > 0


def test_uid_fetch_takes_no_flag_change_of_another_program_for_an_answer(
    client, mail_servers, mailbox
):
    """The second message is now number 1 in the folder, and 1 was the UID of the first:
    a FETCH the server sends unasked about message 1 (another program flagged it) is no
    answer for UID 1."""
    _validity, first = _deliver(client, "Eins")
    uidvalidity, second = _deliver(client, "Zwei")
    actions.delete(client, "INBOX", uidvalidity, [first], "expunge", None)
    assert first == 1
    other = imap.connect(imap_settings(mail_servers, *mailbox))
    try:
        other.select_folder("INBOX")
        other.add_flags([second], [b"\\Flagged"])
    finally:
        imap.close_quietly(other)

    answer = imap.uid_fetch(client, [first, second], "(UID FLAGS)")

    assert list(answer) == [second]
    assert b"\\Flagged" in answer[second][b"FLAGS"]
