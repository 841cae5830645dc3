"""A group mailbox read by a team: internal notes on its mail and who is replying to it.

Notes are the chatter of a message's handle (dynaoffice.mail.message, made on demand):
internal notes only, for the members of the mailbox's group, never mailed to anyone else
(the handle model keeps to that, whoever posts). "Who is replying" is a short-lived
presence: while a member's composer has a reply open it says so every REPLYING_HEARTBEAT
seconds (a row in dynaoffice.mail.replying, as the folder watches of push keep theirs), and
the other members hear of it on Odoo's bus; a draft of a reply in the mailbox's Drafts
folder (found by the server's In-Reply-To search) counts too, whoever saved it.
"""

import datetime

from odoo import fields
from odoo.exceptions import UserError

from ..services import folders, imap
from .assigner import Assigner
from .base import Role

HANDLE = "dynaoffice.mail.message"
REPLYING = "dynaoffice.mail.replying"
# The composer says every 30 seconds that it has the reply open; after 90 seconds without a
# word (a closed tab, a lost connection) it no longer counts.
REPLYING_HEARTBEAT = 30
REPLYING_WINDOW = 90
REPLYING_NOTIFICATION = "dynaoffice_mail.replying"
MAX_NOTE_COUNTS = 200


class Team(Role):
    """The team's side of a group mailbox, for one of its members."""

    # -- notes ---------------------------------------------------------------------------

    def notes_thread(self, ref):
        """{"thread_model", "thread_id"}: the chatter holding the message's notes (its
        handle, made now if the message has none yet)."""
        handles = self.env[HANDLE]._for_messages(self.account, [ref])
        if ref not in handles:
            raise UserError(self.env._("The message is no longer on the mail server."))
        return {"thread_model": HANDLE, "thread_id": handles[ref].id}

    def note_counts(self, refs):
        """{uid: notes} of the messages of `refs` that have notes (the list's marker): one
        search for their handles (none are made) and one count for all of them."""
        if len(refs) > MAX_NOTE_COUNTS:
            raise UserError(
                self.env._("Ask for at most %(count)s messages.", count=MAX_NOTE_COUNTS)
            )
        handles = self._handles(refs)
        if not handles:
            return {}
        note = self.env.ref("mail.mt_note")
        # sudo: one GROUP BY instead of mail.message's check per document; the handles
        # were found under the user's record rules, in a mailbox the user may use.
        counted = (
            self.env["mail.message"]
            .sudo()
            ._read_group(
                [
                    ("model", "=", HANDLE),
                    ("res_id", "in", handles.ids),
                    ("message_type", "=", "comment"),
                    ("subtype_id", "=", note.id),
                ],
                ["res_id"],
                ["__count"],
            )
        )
        uid_of = {handle.id: handle.uid for handle in handles}
        return {uid_of[res_id]: count for res_id, count in counted}

    # -- who is replying -----------------------------------------------------------------

    def replying(self, message_id, own_draft=None):
        """Who else is replying to the message `message_id`: {"users": [{id, name}] with a
        reply open in their composer, "drafts": replies saved in Drafts (`own_draft`, the
        asking composer's, left out)}."""
        users = self._replying_users(message_id)
        return {
            "users": [user for user in users if user["id"] != self.env.uid],
            "drafts": self._drafts_answering(message_id, own_draft),
        }

    def start_replying(self, message_id, own_draft=None):
        """The user's composer has a reply to `message_id` open (said again every
        REPLYING_HEARTBEAT seconds); the others hear of it when it starts. Answers who
        else is replying, as `replying` does, and {"heartbeat": seconds}."""
        if self.env[REPLYING].sudo()._heartbeat(self.account, message_id):
            self._announce(message_id)
        return dict(self.replying(message_id, own_draft), heartbeat=REPLYING_HEARTBEAT)

    def stop_replying(self, message_id):
        """The user's composer closed (sent, discarded, or just closed)."""
        if self.env[REPLYING].sudo()._drop(self.account, message_id):
            self._announce(message_id)
        return True

    # -- private -------------------------------------------------------------------------

    def _handles(self, refs):
        # The assigner knows the handles of refs (one search per folder).
        return Assigner(self.account)._handles(refs)

    def _replying_users(self, message_id):
        # sudo: the presence table is closed to users; the role's access check counts.
        rows = self.env[REPLYING].sudo()._current(self.account, message_id)
        return [{"id": row.user_id.id, "name": row.user_id.name} for row in rows]

    def _drafts_answering(self, message_id, own_draft):
        def search(client):
            folder = self.account.drafts_folder or folders.special_folder(client, "\\Drafts")
            if not folder:
                return 0
            uids = imap.search_replies(client, folder, message_id)
            if own_draft and own_draft.folder == folder:
                uids = [uid for uid in uids if uid != own_draft.uid]
            return len(uids)

        return self.run(search, safe=True)

    def _announce(self, message_id):
        """The members' browsers hear who is replying to `message_id` now."""
        team_partners(self.account)._bus_send(
            REPLYING_NOTIFICATION,
            {
                "account_id": self.account.id,
                "message_id": message_id,
                "users": self._replying_users(message_id),
            },
        )


def team_partners(account):
    """The partners of a group mailbox's members (active internal users): who may read
    and is told of its notes and replies. None for a personal mailbox."""
    if not account.group_id:
        return account.env["res.partner"]
    users = account.group_id.users.filtered(lambda user: user.active and not user.share)
    return users.partner_id


def replying_since():
    """Heartbeats older than this no longer count."""
    return fields.Datetime.now() - datetime.timedelta(seconds=REPLYING_WINDOW)
