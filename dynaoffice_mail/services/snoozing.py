"""Snoozing on the server: a snoozed message waits in the folder "Snoozed" with the keyword
`$Odoo-Snoozed` (so that other mail programs show where it went and why), and comes back to
its folder unread; and the replies to a sent message, found by In-Reply-To and References.

The message itself is never rewritten: MOVE keeps its bytes (and a signature over them),
its Date header and its INTERNALDATE.
"""

from collections.abc import Iterable

import imapclient

from . import actions, imap, net
from .exceptions import FolderNotFoundError, ProtocolError
from .refs import MessageRef

# The server's name of the folder, the same in every language (the client shows it
# translated, as it shows "INBOX" as "Posteingang"): other mail programs and other Odoo
# users of a group mailbox must find the one folder.
SNOOZED_FOLDER = "Snoozed"
SNOOZED_KEYWORD = b"$Odoo-Snoozed"


def ensure_snoozed_folder(client: imapclient.IMAPClient) -> str:
    """The folder "Snoozed", created (and subscribed) where it is missing."""
    with imap.translate_errors(client):
        if not client.folder_exists(SNOOZED_FOLDER):
            client.create_folder(SNOOZED_FOLDER)
            client.subscribe_folder(SNOOZED_FOLDER)
    return SNOOZED_FOLDER


def snooze(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uids: Iterable[int]
) -> actions.ChangeReport:
    """Move the messages `uids` of `folder` to "Snoozed" with the keyword, in one MOVE:
    the server moves all of them or none, so no message waits in "Snoozed" that nothing
    brings back. The report says which moved (`done`) and which another program moved or
    deleted first (`gone`); AlreadyMovedError when that was every one."""
    target = ensure_snoozed_folder(client)
    uids = list(uids)
    with imap.translate_errors(client):
        imap.select_checked(client, folder, uidvalidity)
        _add_keyword(client, uids)
    report = actions.move(client, folder, uidvalidity, uids, target)
    if not report.done:
        report.check()
    return report


def waiting(client: imapclient.IMAPClient, message_ids: Iterable[str]) -> set[str]:
    """Those of `message_ids` that a message in "Snoozed" has: one SEARCH each, none when
    the folder is missing."""
    found = set()
    for message_id in message_ids:
        try:
            if imap.find_by_message_id(client, SNOOZED_FOLDER, message_id):
                found.add(message_id)
        except (FolderNotFoundError, ProtocolError):
            return found  # no "Snoozed" (yet): nothing waits there
    return found


def wake(client: imapclient.IMAPClient, message_id: str, folder: str) -> MessageRef | None:
    """Bring the snoozed message with this Message-ID back to `folder` (the Inbox when
    `folder` is gone), unread and without the keyword; where it is now, or None when
    "Snoozed" holds it no more (another mail program moved or deleted it)."""
    net.check_wire_safe(message_id, "Message-ID")
    try:
        found = imap.find_by_message_id(client, SNOOZED_FOLDER, message_id)
    except (FolderNotFoundError, ProtocolError):
        return None  # the folder itself was deleted meanwhile
    if found is None:
        return None
    with imap.translate_errors(client):
        if not client.folder_exists(folder):
            folder = "INBOX"
        imap.select_checked(client, SNOOZED_FOLDER, found.uidvalidity)
        client.remove_flags([found.uid], [b"\\Seen", SNOOZED_KEYWORD], silent=True)
    report = actions.move(client, SNOOZED_FOLDER, found.uidvalidity, [found.uid], folder)
    if not report.done:
        return None
    if not report.target_uids:
        return MessageRef(0, folder, 0, 0)
    return MessageRef(0, folder, report.target_uidvalidity, min(report.target_uids))


def find_replies(
    client: imapclient.IMAPClient, folder: str, message_ids: Iterable[str]
) -> set[str]:
    """Those of `message_ids` that a message in `folder` answers (its In-Reply-To or
    References names them): one SEARCH each, by the server. A Message-ID the server cannot
    be searched for (imap.searchable_message_id) is answered by none."""
    answered = set()
    with imap.translate_errors(client):
        imap.ensure_selected(client, folder)
        for message_id in message_ids:
            if not imap.searchable_message_id(message_id):
                continue
            criteria = [
                "OR",
                ["HEADER", "In-Reply-To", message_id],
                ["HEADER", "References", message_id],
            ]
            if client.search(criteria):
                answered.add(message_id)
    return answered


def _add_keyword(client, uids) -> bool:
    """The keyword on `uids`; False where the server keeps none (PERMANENTFLAGS lacking
    \\*): the mail is snoozed all the same, the folder tells other programs where it went."""
    try:
        client.add_flags(uids, [SNOOZED_KEYWORD], silent=True)
    except imapclient.exceptions.IMAPClientError:
        return False
    return True
