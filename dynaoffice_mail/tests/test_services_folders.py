"""Creating, renaming and deleting folders, and the folder state the browser polls, against
the real Dovecot of this run."""

import pytest

from odoo.addons.dynaoffice_mail.services import actions, exceptions, imap
from odoo.addons.dynaoffice_mail.services.folders import (
    create_folder,
    delete_folder,
    folder_state,
    list_folders,
    rename_folder,
)
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings


def _settings(servers, address, password):
    return imap_settings(servers, address, password)


@pytest.fixture
def client(mail_servers, mailbox):
    client = imap.connect(_settings(mail_servers, *mailbox))
    yield client
    imap.close_quietly(client)


@pytest.fixture
def other_client(mail_servers, mailbox):
    """A second mail program of the same user."""
    client = imap.connect(_settings(mail_servers, *mailbox))
    yield client
    imap.close_quietly(client)


class Wire:
    """Records the commands a client sends."""

    def __init__(self, client):
        self._imap = client._imap
        self.sent = []

    def __enter__(self):
        send = self._imap.send

        def recording_send(data):
            self.sent.append(bytes(data))
            return send(data)

        self._imap.send = recording_send
        return self

    def __exit__(self, *exc_info):
        del self._imap.send

    @property
    def commands(self) -> list[str]:
        lines = b"".join(self.sent).decode(errors="replace").split("\r\n")
        return [line.split(" ")[1] for line in lines if line.count(" ") >= 1]


def _names(client):
    return [folder.name for folder in list_folders(client)]


def _subscribed(client):
    return {name for _flags, _delimiter, name in client.list_sub_folders()}


def test_create_rename_delete_round_trip(client, other_client):
    create_folder(client, "Projekte")
    create_folder(client, "Projekte/Größe")
    other_client.append("Projekte/Größe", build_message("Maße"))
    names = _names(client)
    assert names.index("Projekte") + 1 == names.index("Projekte/Größe")
    assert {"Projekte", "Projekte/Größe"} <= _subscribed(other_client)
    # On the wire the name is modified UTF-7 (RFC 3501, 5.1.3), as other clients expect.
    other_client.folder_encode = False
    raw = {name for _flags, _delimiter, name in other_client.list_folders("", "Projekte/*")}
    assert raw == {b"Projekte/Gr&APYA3w-e"}
    other_client.folder_encode = True

    rename_folder(client, "Projekte", "Kunden Ärzte")
    folders = {folder.name: folder for folder in list_folders(client)}
    assert "Projekte" not in folders and "Projekte/Größe" not in folders
    assert folders["Kunden Ärzte/Größe"].total == 1  # the messages moved along
    # Subscriptions follow (Dovecot alone would leave them under the old names).
    subscribed = _subscribed(other_client)
    assert {"Kunden Ärzte", "Kunden Ärzte/Größe"} <= subscribed
    assert not {"Projekte", "Projekte/Größe"} & subscribed

    delete_folder(client, "Kunden Ärzte/Größe")
    delete_folder(client, "Kunden Ärzte")
    assert not [name for name in _names(client) if name.startswith("Kunden")]
    assert not [name for name in _subscribed(other_client) if name.startswith("Kunden")]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: rename_folder(c, "INBOX", "Eingang"), "Inbox cannot be renamed"),
        (lambda c: rename_folder(c, "inbox", "Eingang"), "Inbox cannot be renamed"),
        (lambda c: delete_folder(c, "INBOX"), "Inbox cannot be deleted"),
        (lambda c: rename_folder(c, "Trash", "Papierkorb"), "special folder for Trash"),
        (lambda c: delete_folder(c, "Sent"), "special folder for Sent"),
        (lambda c: delete_folder(c, "Archive"), "special folder for Archive"),
        (lambda c: delete_folder(c, "Projekte"), "has subfolders"),
        (lambda c: rename_folder(c, "Projekte", "Projekte/Neu"), "into itself"),
        (lambda c: create_folder(c, "Projekte"), "already exists"),
        (lambda c: rename_folder(c, "Projekte/Alt", "Drafts"), "already exists"),
        (lambda c: create_folder(c, ""), "needs a name"),
        (lambda c: create_folder(c, "   "), "needs a name"),
        (lambda c: create_folder(c, "/Projekte"), "start or end"),
        (lambda c: create_folder(c, "Projekte/"), "start or end"),
        (lambda c: rename_folder(c, "Projekte/Alt", "Projekte//Alt"), "empty part"),
        (lambda c: create_folder(c, "Alles*"), r"\* or %"),
        (lambda c: create_folder(c, "100%"), r"\* or %"),
        # Refused by Dovecot itself (Maildir++): "NO [CANNOT] Character not allowed".
        (lambda c: create_folder(c, "Version 1.2"), "does not accept the folder name"),
        (lambda c: rename_folder(c, "Projekte/Alt", "Projekte/v2.0"), "does not accept"),
    ],
)
def test_refused_folder_changes(client, change, message):
    create_folder(client, "Projekte")
    create_folder(client, "Projekte/Alt")
    before = _names(client)
    with pytest.raises(exceptions.InvalidInputError, match=message):
        change(client)
    assert _names(client) == before


@pytest.mark.parametrize("bad", ["Neu\r\nA1 DELETE INBOX", "Neu\nx", "Neu\0"])
def test_line_breaks_in_folder_names_never_reach_the_wire(client, bad):
    create_folder(client, "Projekte")
    with Wire(client) as wire:
        for change in (
            lambda: create_folder(client, bad),
            lambda: rename_folder(client, "Projekte", bad),
            lambda: rename_folder(client, bad, "Projekte2"),
            lambda: delete_folder(client, bad),
            lambda: folder_state(client, bad),
        ):
            with pytest.raises(exceptions.InvalidInputError, match="line break"):
                change()
    assert wire.sent == []
    assert "Projekte" in _names(client)


def test_missing_folders_are_reported_as_such(client):
    with pytest.raises(exceptions.FolderNotFoundError):
        delete_folder(client, "Gibt es nicht")
    with pytest.raises(exceptions.FolderNotFoundError):
        rename_folder(client, "Gibt es nicht", "Neu")
    with pytest.raises(exceptions.FolderNotFoundError):
        folder_state(client, "Gibt es nicht")


def test_selected_folder_can_be_renamed_and_deleted(client, other_client):
    create_folder(client, "Ablage")
    other_client.append("Ablage", build_message("Rechnung"))
    assert page_messages(client, "Ablage").total == 1  # the connection now has it selected

    rename_folder(client, "Ablage", "Ablage 2024")
    page = page_messages(client, "Ablage 2024")
    assert [message.subject for message in page.messages] == ["Rechnung"]

    delete_folder(client, "Ablage 2024")
    # Dovecot drops a connection whose selected folder it deletes; this one left it first.
    assert "Ablage 2024" not in _names(client)
    assert page_messages(client, "INBOX").total == 0


def test_folder_state_follows_new_mail_and_flag_changes(client, other_client):
    create_folder(client, "Anfragen")
    with Wire(client) as wire:
        empty = folder_state(client, "Anfragen")
    assert wire.commands == ["STATUS"]
    assert (empty.total, empty.unread, empty.uidnext) == (0, 0, 1)
    assert empty.highestmodseq is not None  # Dovecot has CONDSTORE

    other_client.append("Anfragen", build_message("Termin?"))
    arrived = folder_state(client, "Anfragen")
    assert (arrived.total, arrived.unread, arrived.uidnext) == (1, 1, 2)
    assert arrived.uidvalidity == empty.uidvalidity
    assert arrived.highestmodseq > empty.highestmodseq

    other_client.select_folder("Anfragen")
    other_client.add_flags([1], [b"\\Seen"])
    read = folder_state(client, "Anfragen")
    assert (read.total, read.unread, read.uidnext) == (1, 0, 2)
    assert read.highestmodseq > arrived.highestmodseq

    other_client.add_flags([1], [b"\\Flagged"])  # changes no count at all
    flagged = folder_state(client, "Anfragen")
    assert (flagged.total, flagged.unread, flagged.uidnext) == (1, 0, 2)
    assert flagged.highestmodseq > read.highestmodseq


def test_folder_state_of_the_selected_folder_is_current(client, other_client):
    # Dovecot answers STATUS on the selected folder from the connection's last view.
    assert page_messages(client, "INBOX").total == 0
    other_client.append("INBOX", build_message("Neu"))
    with Wire(client) as wire:
        state = folder_state(client, "INBOX")
    assert wire.commands == ["UNSELECT", "STATUS"]
    assert (state.total, state.unread) == (1, 1)
    assert page_messages(client, "INBOX").total == 1


def test_folder_state_notices_a_recreated_folder(client, other_client):
    create_folder(client, "Projekte")
    other_client.append("Projekte", build_message("Alt"))
    old = page_messages(client, "Projekte")
    delete_folder(other_client, "Projekte")
    create_folder(other_client, "Projekte")
    other_client.append("Projekte", build_message("Neu"))

    state = folder_state(client, "Projekte")
    assert state.uidvalidity != old.uidvalidity
    # The new message has the old one's UID; changing it by the old list must be refused.
    assert [message.uid for message in old.messages] == [1] and state.uidnext == 2
    with pytest.raises(exceptions.UidValidityChangedError):
        actions.set_flag(client, "Projekte", old.uidvalidity, [1], "seen", True)
    new = page_messages(client, "Projekte")
    assert [(message.subject, message.seen) for message in new.messages] == [("Neu", False)]
