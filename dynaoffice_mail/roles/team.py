"""The team inbox of a group mailbox: who answers which mail (a member of the account's
group) and how far it got (open, waiting for the customer, done), the team's internal notes
on it and who is replying to it.

The state is kept on the message's handle (dynaoffice.mail.message): that record is the
truth. The server's keywords (services/team.py) follow it so that other mail programs see
it too, and are restored from it whenever the team's views or counts are loaded. The
assignee is told by an activity "Answer this mail" with a deadline on the handle: it waits
in their activities until done, also when they were not online when the mail came in.

Notes are the chatter of the same handle (made on demand): internal notes only, for the
members of the mailbox's group, never mailed to anyone else (the handle model keeps to that,
whoever posts). "Who is replying" is a short-lived presence: while a member's composer has a
reply open it says so every REPLYING_HEARTBEAT seconds (a row in dynaoffice.mail.replying, as
the folder watches of push keep theirs), and the other members hear of it on Odoo's bus; a
draft of a reply in the mailbox's Drafts folder (found by the server's In-Reply-To search)
counts too, whoever saved it.
"""

import datetime
import logging

from odoo import fields
from odoo.exceptions import UserError

from ..services import assigning, folders, imap
from ..services import team as team_keywords
from .assigner import Assigner
from .base import HandleRaceError, Role
from .mailbox import Mailbox

_logger = logging.getLogger(__name__)

HANDLE = "dynaoffice.mail.message"
ANSWER_ACTIVITY = "dynaoffice_mail.mail_activity_type_answer_mail"
ESCALATION_ACTIVITY = "dynaoffice_mail.mail_activity_type_mail_open_too_long"
# The team's views search the group mailbox's Inbox: the team's queue.
TEAM_FOLDER = "INBOX"
# At most this many handles that moved are looked for by Message-ID per restore (each look
# may search several folders).
MAX_RELOCATE = 20
MAX_TEAM_MESSAGES = 1000
REPLYING = "dynaoffice.mail.replying"
# The composer says every 30 seconds that it has the reply open; after 90 seconds without a
# word (a closed tab, a lost connection) it no longer counts.
REPLYING_HEARTBEAT = 30
REPLYING_WINDOW = 90
REPLYING_NOTIFICATION = "dynaoffice_mail.replying"
MAX_NOTE_COUNTS = 200


class Team(Role):
    """Assignee, status, notes and who is replying of a group mailbox's mail, for a member
    of its group."""

    def __init__(self, account):
        super().__init__(account)
        if account.account_type != "group":
            raise UserError(
                account.env._(
                    "%(account)s is a personal mailbox: only group mailboxes have a team inbox.",
                    account=account.name,
                )
            )

    # -- members --------------------------------------------------------------------------

    def members(self):
        """The users of the account's group who may be assigned mail (internal, active)."""
        return team_members(self.account)

    def member_list(self):
        """The members as the "Assign to..." picker shows them."""
        return [
            {
                "id": user.id,
                "name": user.sudo().name,
                "avatar_url": f"/web/image/res.users/{user.id}/avatar_128",
                "is_me": user == self.env.user,
            }
            for user in self.members().sorted(lambda user: user.sudo().name or "")
        ]

    def keyword_of(self, user):
        # sudo: the login of a member of the user's own group (the keyword's name).
        return team_keywords.assignee_keyword(user.sudo().login, user.id)

    # -- state ----------------------------------------------------------------------------

    def states(self, refs):
        """{uid: state} of messages of one folder (see `state_json`); messages without a
        team state are missing."""
        return {
            handle.uid: state_json(handle)
            for handle in self._handles(refs)
            if handle.team_status or handle.team_user_id
        }

    def assign(self, refs, user_id):
        """Assign messages of one folder to a member (False: to nobody); open unless
        waiting. Answers {"states": {uid: state}, "keywords": kept on the server}."""
        user = self._checked_member(user_id)
        handles = self._make_handles(refs)
        for handle in handles:
            previous = handle.team_user_id
            reopened = handle.team_status == "done"
            values = {"team_user_id": user.id or False}
            if handle.team_status in (False, "done"):
                values.update(_open_values())
            # sudo: users only read handles (ACL); this user is a member of the mailbox's
            # group (the role's access check) and the assignee one too (_checked_member).
            handle.sudo().write(values)
            if previous and previous != user:
                handle.sudo().activity_unlink([ANSWER_ACTIVITY], user_id=previous.id)
            if user and (previous != user or reopened):
                self._schedule_answer(handle, user)
        kept = self._write_keywords(handles)
        return {"states": self.states(refs), "keywords": kept}

    def take(self, refs, seen=None):
        """Assign messages to the user, as the list showed them: `seen` is {uid: the
        assignee's id the list showed}, a message left out was shown unassigned. One that
        another member took since (the list was not reloaded) is refused, lest it be taken
        from them unasked; "Assign to..." reassigns on purpose."""
        seen = seen or {}
        for handle in self._handles(refs):
            holder = handle.team_user_id
            if holder and holder != self.env.user and holder.id != seen.get(handle.uid):
                raise UserError(
                    self.env._(
                        "This mail was taken by %(user)s in the meantime. Reload the list.",
                        user=holder.sudo().name,
                    )
                )
        return self.assign(refs, self.env.user.id)

    def set_status(self, refs, status):
        """Set the status of messages of one folder; "done" ends the assignee's activity
        and, where the account says so, moves the mail to the archive folder. Answers
        {"states", "keywords", "moved": where the messages are now (refs), or []}."""
        if status not in team_keywords.STATUSES:
            raise UserError(self.env._("Unknown status: %(status)s.", status=status))
        archive = status == "done" and self.account.team_done_archive
        target = self.archive_folder() if archive else None
        handles = self._make_handles(refs)
        values = {"team_status": status}
        if status == "open":
            values = _open_values()
        members = self.members()
        for handle in handles:
            if handle.team_status == status:
                continue
            reopened = handle.team_status == "done"
            # sudo: as in `assign`: users only read handles; the user is a member.
            handle.sudo().write(values)
            if status == "done" and handle.team_user_id:
                handle.sudo().activity_feedback([ANSWER_ACTIVITY])
            elif reopened and handle.team_user_id in members:
                self._schedule_answer(handle, handle.team_user_id)
        kept = self._write_keywords(handles)
        states = self.states(refs)
        moved = []
        if target and target != refs[0].folder:
            moved = Mailbox(self.account).move(refs, target)
            self._follow_move(handles, target)
        return {"states": states, "keywords": kept, "moved": moved}

    def archive_folder(self):
        """The folder "done" mail goes to: the account's option, else the server's
        archive folder (special use, else by its usual name)."""
        if self.account.team_archive_folder:
            return self.account.team_archive_folder
        found = self.run(lambda client: folders.special_folder(client, "\\Archive"), safe=True)
        if not found:
            raise UserError(
                self.env._(
                    "%(account)s has no archive folder: choose one in the account's options, "
                    "or turn off archiving of done mail.",
                    account=self.account.name,
                )
            )
        return found

    # -- the team's views -----------------------------------------------------------------

    def view_criteria(self, view):
        """The SEARCH keys of one of the team's views of the Inbox."""
        if view not in team_keywords.VIEWS:
            raise UserError(self.env._("Unknown view: %(view)s.", view=view))
        members = [self.keyword_of(user) for user in self.members()]
        return team_keywords.view_criteria(view, self.keyword_of(self.env.user), members)

    def page(self, view, sort="date", reverse=True, offset=0, limit=50, search=None):
        """One page of a team view, as the message list shows a folder: the Inbox searched
        by the server for the view's keywords (restored from the records first)."""
        criteria = self.view_criteria(view)
        self.restore(TEAM_FOLDER)
        page = Mailbox(self.account).page(
            TEAM_FOLDER, sort, reverse, offset, limit, search, extra_criteria=criteria
        )
        page["team_view"] = view
        return page

    def matching_uids(self, view, search=None):
        """{uidvalidity, uids} of every message of a team view that matches `search`, for
        "Select all" in the view: its messages, not the whole Inbox (as `page`)."""
        criteria = self.view_criteria(view)
        self.restore(TEAM_FOLDER)
        return Mailbox(self.account).matching_uids(TEAM_FOLDER, search, extra_criteria=criteria)

    def counts(self):
        """{view: how many messages} of the team's views (keywords restored first)."""
        self.restore(TEAM_FOLDER)
        criteria = {view: self.view_criteria(view) for view in team_keywords.VIEWS}
        return self.run(
            lambda client: {
                view: team_keywords.count_matches(client, TEAM_FOLDER, keys)
                for view, keys in criteria.items()
            },
            safe=True,
        )

    # -- keywords -------------------------------------------------------------------------

    def restore(self, folder):
        """Put the team keywords back on the messages of `folder` whose records have a
        state, where another program removed or changed them; handles of messages that
        another program moved follow them (found by Message-ID). Answers how many
        messages had their keywords restored."""
        handles = self.env[HANDLE].search(
            [
                ("account_id", "=", self.account.id),
                ("folder", "=", folder),
                "|",
                ("team_status", "!=", False),
                ("team_user_id", "!=", False),
            ],
            limit=MAX_TEAM_MESSAGES,
        )
        changed = 0
        missing = self.env[HANDLE]
        for group in handles.grouped("uidvalidity").values():
            result, gone = self._sync(group)
            changed += len(result.changed)
            missing |= gone
        moved = self.env[HANDLE]
        for handle in missing[:MAX_RELOCATE]:
            try:
                handle._locate()
            except UserError as error:
                _logger.info("Team mail %s of %s is gone: %s", handle.id, self.account.id, error)
                continue
            moved |= handle
        if moved:
            self._write_keywords(moved)
        return changed

    def _write_keywords(self, handles):
        """The records' state onto the server, per folder; False when the server keeps no
        keywords (the state then stays in Odoo alone)."""
        kept = True
        for group in handles.grouped(lambda h: (h.folder, h.uidvalidity)).values():
            result, _gone = self._sync(group)
            kept = kept and result.kept
        return kept

    def _sync(self, handles):
        """Sync the keywords of `handles` (one folder and UIDVALIDITY): (KeywordSync, the
        handles whose message is not there)."""
        first = handles[0]._ref()
        wanted = {
            handle.uid: team_keywords.wanted_keywords(
                handle.team_status, handle.team_user_id and self.keyword_of(handle.team_user_id)
            )
            for handle in handles
        }

        def sync(client):
            return team_keywords.sync_keywords(client, first.folder, first.uidvalidity, wanted)

        try:
            result = self.run_in_folder(first, sync, safe=False)
        except UserError as error:
            # Renumbered or gone with its folder: the handles look for their mail.
            _logger.info(
                "Keywords of %s in %s not synced: %s", self.account.id, first.folder, error
            )
            return team_keywords.KeywordSync(True), handles
        return result, handles.filtered(lambda handle: handle.uid in result.missing)

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

    # -- private --------------------------------------------------------------------------

    def _checked_member(self, user_id):
        """The user `user_id` names, who must be a member of the account's group; an empty
        recordset for False (nobody)."""
        Users = self.env["res.users"]
        if not user_id:
            return Users
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise UserError(self.env._("Choose a member of the group to assign the mail to."))
        user = Users.browse(user_id)
        if user not in self.members():
            raise UserError(
                self.env._(
                    "Mail of %(account)s can only be assigned to members of its group.",
                    account=self.account.name,
                )
            )
        return user

    def _handles(self, refs):
        # The assigner knows the handles of refs (one search per folder).
        return Assigner(self.account)._handles(refs)

    def _make_handles(self, refs):
        """The handles of `refs` (one folder), made where missing; refuses messages that
        are no longer there."""
        if not refs or len(refs) > MAX_TEAM_MESSAGES:
            raise UserError(
                self.env._("Choose between 1 and %(count)s messages.", count=MAX_TEAM_MESSAGES)
            )
        try:
            found = self.env[HANDLE]._for_messages(self.account, refs)
        except HandleRaceError as error:
            taker = self._taken_meanwhile(refs)
            if not taker:
                raise
            raise UserError(
                self.env._(
                    "This mail was taken by %(user)s at the same moment. Reload the list.",
                    user=taker.sudo().name,
                )
            ) from error
        handles = self.env[HANDLE].union(*found.values())
        # A handle made before (notes, an assignment to a record) outlives a message another
        # mail program deleted since the list showed it: it would be assigned, and waited
        # for in an activity, though nobody can open it any more.
        present = Assigner(self.account).on_server(handles)
        if len(found) != len(set(refs)) or present != handles:
            _ = self.env._
            reason = _(
                "the message was already moved or deleted (in another window or by another "
                "mail program). Reload the list."
            )
            raise UserError(
                _("Mailbox %(account)s: %(reason)s", account=self.account.name, reason=reason)
            )
        return handles

    def _taken_meanwhile(self, refs):
        """Whom another request assigned one of `refs` (one folder) to, as committed (this
        transaction does not see it yet): another member, or nobody."""
        first = refs[0]
        with self.env.registry.cursor() as cr:
            handles = self.env(cr=cr)[HANDLE].search(
                [
                    ("account_id", "=", self.account.id),
                    ("folder", "=", first.folder),
                    ("uidvalidity", "=", first.uidvalidity),
                    ("uid", "in", [ref.uid for ref in refs]),
                    ("team_user_id", "!=", False),
                    ("team_user_id", "!=", self.env.uid),
                ],
                limit=1,
            )
            return self.env["res.users"].browse(handles.team_user_id.id)

    def _schedule_answer(self, handle, user):
        """The assignee's activity "Answer this mail", due after the account's working
        days, unless they have it already: it waits until the mail is done."""
        # sudo: as below.
        if handle.sudo().activity_search([ANSWER_ACTIVITY], user_id=user.id):
            return
        deadline = add_working_days(
            fields.Date.context_today(handle), self.account.team_answer_days
        )
        # sudo: activities on a handle need write access to it, which users never have; the
        # assignee is a member of the mailbox's group (checked), who may read the handle.
        handle.sudo().activity_schedule(
            ANSWER_ACTIVITY,
            date_deadline=deadline,
            user_id=user.id,
            summary=self.env._("Answer this mail"),
        )

    def _follow_move(self, handles, target):
        """The handles of messages just moved to `target`, found there by Message-ID."""

        def look(client):
            found = {}
            for handle in handles:
                if handle.message_id:
                    found[handle.id] = assigning.find_message(client, [target], handle.message_id)
            return found

        for handle_id, ref in self.run(look, safe=True).items():
            if ref:
                handle = handles.browse(handle_id)
                # sudo: the handle follows its message, which this member just moved.
                handle.sudo().write(
                    {"folder": ref.folder, "uidvalidity": ref.uidvalidity, "uid": ref.uid}
                )

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


def state_json(handle):
    """A message's team state as the list row and the reading pane show it."""
    user = handle.team_user_id
    return {
        "status": handle.team_status or False,
        "user_id": user.id or False,
        # sudo: the name of a member of the group (the user may read the handle).
        "user_name": user.sudo().name or False,
        "avatar_url": user and f"/web/image/res.users/{user.id}/avatar_128",
    }


def add_working_days(day, count):
    """`day` plus `count` working days (Monday to Friday); 0: `day` itself."""
    count = max(0, int(count or 0))
    while count:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _open_values():
    return {
        "team_status": "open",
        "team_open_since": fields.Datetime.now(),
        "team_escalated": False,
    }


def team_members(account):
    """The users of a group mailbox's group who make its team (active internal users): who
    may be assigned its mail, and reads and is told of its notes and replies. None for a
    personal mailbox."""
    # sudo: the group's member list, for a mailbox the caller may use or its own bookkeeping.
    users = account.sudo().group_id.users
    return users.filtered(lambda user: user.active and not user.share).with_env(account.env)


def team_partners(account):
    """The partners of the team of a group mailbox (team_members)."""
    return team_members(account).partner_id


def replying_since():
    """Heartbeats older than this no longer count."""
    return fields.Datetime.now() - datetime.timedelta(seconds=REPLYING_WINDOW)
