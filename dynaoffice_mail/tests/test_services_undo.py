"""Where a move put the messages (for "Undo") and every UID a search matches ("select all
in this folder"), against the real Dovecot of this run."""

import datetime

from odoo.addons.dynaoffice_mail.services import actions, imap, messages
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings

RECEIVED = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)


def _fill(mail_servers, mailbox, subjects, folder="INBOX"):
    address, password = mailbox
    mail_servers.dovecot.write_messages(
        address, [(folder, build_message(subject), set(), RECEIVED) for subject in subjects]
    )
    return imap.connect(imap_settings(mail_servers, address, password))


def _message_ids(client, folder, uids):
    client.select_folder(folder)
    fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    return sorted(
        item[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().strip() for item in fetched.values()
    )


def test_a_move_names_the_new_uids_and_moving_them_back_is_undo(mail_servers, mailbox):
    client = _fill(mail_servers, mailbox, ["Eins", "Zwei", "Drei"])
    try:
        validity, uids = messages.matching_uids(client, "INBOX")
        moving = uids[:2]
        before = _message_ids(client, "INBOX", moving)
        report = actions.move(client, "INBOX", validity, moving, "Archive")
        archive = client.select_folder("Archive")
        assert report.target_uidvalidity == archive[b"UIDVALIDITY"]
        assert sorted(report.target_uids) == sorted(client.search("ALL"))
        assert _message_ids(client, "Archive", sorted(report.target_uids)) == before

        back = actions.move(
            client, "Archive", report.target_uidvalidity, report.target_uids, "INBOX"
        )
        assert back.done == report.target_uids and not back.gone
        assert client.select_folder("Archive")[b"EXISTS"] == 0
        # Back with the same Message-IDs, under new UIDs (IMAP gives every arrival one).
        assert _message_ids(client, "INBOX", sorted(back.target_uids)) == before
        assert not set(back.target_uids) & set(uids)
    finally:
        imap.close_quietly(client)


def test_without_uidplus_the_server_does_not_say_where_they_went(mail_servers, mailbox):
    client = _fill(mail_servers, mailbox, ["Eins"])
    try:
        validity, uids = messages.matching_uids(client, "INBOX")
        client._cached_capabilities = tuple(
            capability for capability in client.capabilities() if capability != b"UIDPLUS"
        )
        report = actions.move(client, "INBOX", validity, uids, "Archive")
        assert report.done == frozenset(uids)
        assert report.target_uidvalidity is None and not report.target_uids
    finally:
        imap.close_quietly(client)


def test_deleting_for_good_leaves_nothing_to_move_back(mail_servers, mailbox):
    client = _fill(mail_servers, mailbox, ["Eins", "Zwei"])
    try:
        validity, uids = messages.matching_uids(client, "INBOX")
        to_trash = actions.delete(client, "INBOX", validity, uids[:1], "trash", "Trash")
        assert len(to_trash.target_uids) == 1 and to_trash.target_uidvalidity
        removed = actions.delete(client, "INBOX", validity, uids[1:], "expunge", "Trash")
        assert removed.done == frozenset(uids[1:])
        assert removed.target_uidvalidity is None and not removed.target_uids
    finally:
        imap.close_quietly(client)


def test_all_matching_uids_with_and_without_a_search(mail_servers, mailbox):
    subjects = [f"Rechnung {n}" for n in range(1, 8)] + ["Angebot", "Lieferschein"]
    client = _fill(mail_servers, mailbox, subjects)
    try:
        validity, every = messages.matching_uids(client, "INBOX")
        assert validity == client.select_folder("INBOX")[b"UIDVALIDITY"]
        assert every == sorted(client.search("ALL")) and len(every) == 9
        _validity, invoices = messages.matching_uids(
            client, "INBOX", messages.MessageSearch(subject="Rechnung")
        )
        assert invoices == sorted(client.search(["SUBJECT", "Rechnung"]))
        assert len(invoices) == 7
        _validity, none = messages.matching_uids(
            client, "INBOX", messages.MessageSearch(subject="Mahnung")
        )
        assert none == []
        # A server without ESEARCH answers with a plain SEARCH: the same UIDs.
        client._cached_capabilities = tuple(
            capability for capability in client.capabilities() if capability != b"ESEARCH"
        )
        assert messages.matching_uids(client, "INBOX")[1] == every
        _validity, plain = messages.matching_uids(
            client, "INBOX", messages.MessageSearch(subject="Rechnung")
        )
        assert plain == invoices
    finally:
        imap.close_quietly(client)
