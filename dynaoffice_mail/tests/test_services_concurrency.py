"""Moving or deleting messages that are gone, against the real Dovecot of this run (issue
#19): two requests of one process racing for the same messages (one pool, two threads),
and messages another mail program moved or deleted first. Every message ends up in exactly
one place, and whoever came second is told the message was gone, never that it moved it.

Two Odoo processes racing are the account model's to keep apart (test_client_concurrency):
no answer of Dovecot tells two MOVEs started together apart, both copy.
"""

import collections
import threading

import pytest

from odoo.addons.dynaoffice_mail.services import actions, imap
from odoo.addons.dynaoffice_mail.services.folders import list_folders
from odoo.addons.dynaoffice_mail.services.pool import ConnectionPool
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings
from odoo.addons.dynaoffice_mail.tests.hostile_report import record

TRIALS = 50
# (what the first session does, what the second does), each a change and the folder the
# message ends up in when that session wins (None: removed).
PAIRS = [
    (("move", "Archive"), ("delete", "Trash")),
    (("move", "Archive"), ("move", "Junk")),
    (("move", "Archive"), ("expunge", None)),
]


def _fill(settings, count):
    """`count` messages in INBOX: (UIDVALIDITY, {UID: Message-ID})."""
    client = imap.connect(settings)
    try:
        for number in range(count):
            client.append("INBOX", build_message(f"Nachricht {number}"))
        validity = client.select_folder("INBOX")[b"UIDVALIDITY"]
        uids = client.search()
        return validity, _message_ids(client, uids)
    finally:
        client.logout()


def _message_ids(client, uids):
    fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    return {
        uid: data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].split(b":", 1)[1].strip()
        for uid, data in fetched.items()
    }


def _places(settings):
    """{Message-ID: [the folders it is in]} over every folder of the mailbox, and the
    flags of each copy: what another mail program sees."""
    client = imap.connect(settings)
    places = collections.defaultdict(list)
    flags = {}
    try:
        for folder in list_folders(client):
            client.select_folder(folder.name, readonly=True)
            uids = client.search()
            if not uids:
                continue
            fetched = client.fetch(uids, ["FLAGS"])
            for uid, message_id in _message_ids(client, uids).items():
                places[message_id].append(folder.name)
                flags[message_id, folder.name] = fetched[uid][b"FLAGS"]
        return places, flags
    finally:
        client.logout()


def _change(kind, target, validity, uid):
    if kind == "move":
        return lambda client: actions.move(client, "INBOX", validity, [uid], target)
    mode = "trash" if kind == "delete" else "expunge"
    return lambda client: actions.delete(client, "INBOX", validity, [uid], mode, "Trash")


def _session(start, reports, index, pool, settings, change):
    """One session's change, started together with the other's; its report or error."""
    start.wait(10)
    try:
        reports[index] = pool.run("account-1", settings, change, safe=False, folder="INBOX")
    except Exception as error:  # noqa: BLE001 - shown by the test
        reports[index] = error


def test_racing_moves_and_deletes_leave_every_message_in_one_place(mail_servers, mailbox):
    settings = imap_settings(mail_servers, *mailbox)
    validity, message_ids = _fill(settings, TRIALS)
    pools = [ConnectionPool()] * 2  # one process: its requests share the pool
    expected = {}
    unsettled = []  # trials without exactly one session told "done" and one told "gone"
    false_success = 0
    for trial, uid in enumerate(sorted(message_ids)):
        sessions = PAIRS[trial % len(PAIRS)]
        start = threading.Barrier(2)
        reports = [None, None]
        threads = [
            threading.Thread(
                target=_session,
                args=(
                    start,
                    reports,
                    index,
                    pools[index],
                    settings,
                    _change(*sessions[index], validity, uid),
                ),
            )
            for index in (0, 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        done = [
            index
            for index, report in enumerate(reports)
            if isinstance(report, actions.ChangeReport) and report.done == {uid}
        ]
        told_gone = [
            index
            for index, report in enumerate(reports)
            if isinstance(report, actions.ChangeReport) and report.gone == {uid}
        ]
        false_success += max(len(done) - 1, 0)
        if len(done) != 1 or len(told_gone) != 1:
            unsettled.append((trial, sessions, reports))
        expected[message_ids[uid]] = sessions[done[0]][1] if done else "INBOX"
    pools[0].clear()

    places, flags = _places(settings)
    duplicates = sum(len(folders) > 1 for folders in places.values())
    lost = sum(1 for message_id, folder in expected.items() if folder and message_id not in places)
    record("race_trials", TRIALS)
    record("race_duplicates", duplicates)
    record("race_lost", lost)
    record("race_false_success", false_success)
    assert (duplicates, lost, false_success) == (0, 0, 0)
    assert unsettled == []
    assert {message_id: folders[0] for message_id, folders in places.items()} == {
        message_id: folder for message_id, folder in expected.items() if folder
    }
    # What arrived is as it was: not flagged deleted, say.
    assert [copy for copy, copy_flags in flags.items() if set(copy_flags) - {b"\\Recent"}] == []


def test_moving_messages_another_program_removed_meanwhile(mail_servers, mailbox):
    """The list is older than another program's move and delete: of four messages, two
    are moved, two reported gone, and deleting what is gone says so in each delete mode."""
    settings = imap_settings(mail_servers, *mailbox)
    validity, message_ids = _fill(settings, 4)
    first, second, third, fourth = sorted(message_ids)
    pool = ConnectionPool()
    pool.run("account-1", settings, lambda client: imap.ensure_selected(client, "INBOX"), safe=True)
    other = imap.connect(settings)
    try:
        other.select_folder("INBOX")
        other.move([second], "Junk")
        other.delete_messages([fourth])
        other.uid_expunge([fourth])
    finally:
        other.logout()

    report = pool.run(
        "account-1",
        settings,
        lambda client: actions.move(client, "INBOX", validity, list(message_ids), "Archive"),
        safe=False,
    )
    assert (report.done, report.gone) == ({first, third}, {second, fourth})
    with pytest.raises(actions.AlreadyMovedError) as caught:
        report.check()
    assert (caught.value.gone, caught.value.total) == (2, 4)
    places, _flags = _places(settings)
    assert dict(places) == {
        message_ids[first]: ["Archive"],
        message_ids[second]: ["Junk"],
        message_ids[third]: ["Archive"],
    }

    for mode in ("trash", "flag", "expunge"):
        report = pool.run(
            "account-1",
            settings,
            lambda client, mode=mode: actions.delete(
                client, "INBOX", validity, [first, third], mode, "Trash"
            ),
            safe=False,
        )
        assert (report.done, report.gone) == (set(), {first, third}), mode
    pool.clear()


@pytest.mark.parametrize("move_command", [True, False], ids=["MOVE", "COPY and EXPUNGE"])
def test_copyuid_tells_what_was_moved(mail_servers, mailbox, move_command):
    """MOVE, or COPY and UID EXPUNGE on a server without MOVE (hidden here: Dovecot has
    it); their COPYUID names the messages that were still there."""
    settings = imap_settings(mail_servers, *mailbox)
    validity, message_ids = _fill(settings, 2)
    there, gone = sorted(message_ids)
    client = imap.connect(settings)
    hidden = set() if move_command else {"MOVE"}
    has_capability = client.has_capability
    client.has_capability = lambda name: name not in hidden and has_capability(name)
    try:
        imap.ensure_selected(client, "INBOX")
        other = imap.connect(settings)
        other.select_folder("INBOX")
        other.move([gone], "Junk")
        other.logout()
        report = actions.move(client, "INBOX", validity, [there, gone], "Archive")
    finally:
        client.logout()
    assert (report.done, report.gone) == ({there}, {gone})
    places, _flags = _places(settings)
    assert dict(places) == {message_ids[there]: ["Archive"], message_ids[gone]: ["Junk"]}
