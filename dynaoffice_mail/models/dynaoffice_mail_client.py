"""The mail client's calls (RPC): the one surface the browser talks to.

Each call on an account gets that account's role through one access check
(`_mailbox()`, `_composer()`, `_assigner()`, `_filer()` on the account: owner or group
member only, never an administrator) and delegates; what the browser sent as a message's
location becomes a `MessageRef` here, once. The work is done in `roles/`.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..roles import (
    assigner,
    composer,
    conversations,
    creator,
    errors,
    filer,
    invitations,
    reply_templates,
    searcher,
)
from ..services import addresses, limits, schedule
from ..services import exceptions as mail_errors
from ..services.imap import check_folder_name
from ..services.refs import MessageRef, parse_count, parse_id, parse_part


class DynaofficeMailClient(models.AbstractModel):
    _name = "dynaoffice.mail.client"
    _description = "Mail client calls"

    # -- mailbox: folders, pages, messages, flags, moves ---------------------------------

    @api.model
    def client_accounts(self):
        """The accounts the current user may open, personal first, for the account switcher."""
        accounts = self.search([]).filtered("can_use")
        return [
            {
                "id": account.id,
                "name": account.name,
                "email": account.email,
                "account_type": account.account_type,
                "group": account.group_id.name or False,
                "delete_mode": account.delete_mode,
            }
            for account in accounts.sorted(lambda a: (a.account_type != "personal", a.sequence))
        ]

    @api.model
    def client_account_unread(self):
        """Unread mail in the Inbox of each account the user may use, {account_id: unread},
        for the account switcher. An account whose server fails is left out: the others
        still show their counts."""
        unread = {}
        for account in self.search([]).filtered("can_use"):
            mailbox = account._mailbox()
            try:
                unread[account.id] = mailbox.inbox_unread()
            except UserError:
                continue
        return unread

    def client_reconnect_action(self):
        """The provider's consent page for an account whose login by token expired (the
        client's "Reconnect"); only for who may connect it (owner, administrators)."""
        account = self._checked_for_use()
        account._check_may_connect()
        return account._reconnect_action()

    def client_folders(self):
        """The folder tree with unread and total counts, special folders first."""
        return self._mailbox().folders()

    def client_folder_state(self, folder):
        """Cheap state of a folder (one STATUS): the client polls it to notice changes."""
        return self._mailbox().folder_state(folder)

    def client_watch(self, folder):
        """The client has `folder` open (it says so every minute): changes to it are pushed
        over the bus meanwhile (models/dynaoffice_mail_watch.py). Answers the folder's state
        as `client_folder_state` does, and {"live": pushed now, "heartbeat": seconds}."""
        state = self._mailbox().folder_state(folder)  # the user's account, an existing folder
        # The table of watched folders is the deployment's bookkeeping, closed to users; the
        # access check above is the one that counts.
        watch = self.env["dynaoffice.mail.watch"].sudo()._heartbeat(self, folder)
        return dict(watch, state=state)

    def client_page(self, folder, sort="date", reverse=True, offset=0, limit=50, search=None):
        """One page of a folder's message list, sorted and searched by the server."""
        offset, limit = self._window(offset, limit)
        return self._mailbox().page(folder, sort, reverse, offset, limit, search)

    @api.model
    def client_search_everywhere(self, query, account_id=False, limit=searcher.EVERYWHERE_LIMIT):
        """The search box's `query` in every folder of `account_id`, or of every account
        the user may use: per account and folder the count and the newest matches."""
        if account_id:
            account_id = self._checked_input(parse_id, account_id, "account")
        limit = self._checked_input(parse_count, limit, "limit")
        return searcher.search_everywhere(self.env, query, account_id, limit)

    def client_conversations(self, folder, offset=0, limit=50, search=None):
        """One page of a folder's conversations, newest first (roles/conversations.py)."""
        offset, limit = self._window(offset, limit)
        return conversations.page(self._mailbox(), folder, offset, limit, search)

    def client_conversation_uids(self, folder, uidvalidity, uid, search=None):
        """{uidvalidity, uids}: the messages in `folder` of message `uid`'s conversation."""
        mailbox = self._mailbox()
        ref = self._message_ref(folder, uidvalidity, uid)
        return conversations.conversation_uids(mailbox, ref, search)

    def client_matching_uids(self, folder, search=None):
        """ "Select all in this folder": {uidvalidity, uids} of every message of `folder`
        that matches `search` (as for `client_page`), for actions taken in batches."""
        return self._mailbox().matching_uids(folder, search)

    def client_message(self, folder, uidvalidity, uid):
        """A message for the reading pane; opening it marks it read, as other clients do."""
        mailbox = self._mailbox()
        return mailbox.message(self._message_ref(folder, uidvalidity, uid))

    def client_message_part(self, folder, uidvalidity, uid, part):
        """The message attached to a message as part `part` ("2", forwarded as attachment),
        for the reading pane as `client_message` answers; opening it marks nothing."""
        mailbox = self._mailbox()
        ref = self._message_ref(folder, uidvalidity, uid)
        return mailbox.message(ref, part=self._checked_input(parse_part, part))

    def client_set_flag(self, folder, uidvalidity, uids, flag, value, skip_gone=False):
        """Mark messages read/unread or flagged/unflagged on the server. With `skip_gone`
        ("Select all" batches) answers {gone}: how many of `uids` were moved or deleted
        elsewhere meanwhile (nothing was done to them), as `client_move` does."""
        mailbox = self._mailbox()
        refs = self._message_refs(folder, uidvalidity, uids)
        if skip_gone:
            return mailbox.set_flag(refs, flag, value, skip_gone=True)
        mailbox.set_flag(refs, flag, value)
        return True

    def client_move(self, folder, uidvalidity, uids, target, skip_gone=False):
        """Move messages to `target`; returns their refs there (JSON), which "Undo" moves
        back with this same call, or [] where the server does not say (no UIDPLUS).
        With `skip_gone` ("Select all" batches), messages already moved or deleted elsewhere
        are no error: answers {refs, gone} (how many of `uids` were gone)."""
        mailbox = self._mailbox()
        refs = self._message_refs(folder, uidvalidity, uids)
        return mailbox.move(refs, target, skip_gone=bool(skip_gone))

    def client_delete(self, folder, uidvalidity, uids, skip_gone=False):
        """Delete as the account's option says (Trash, mark as deleted, or at once); returns
        the refs in the Trash (for "Undo" with `client_move`), [] when nothing is left to
        move back (removed for good, or only marked as deleted). `skip_gone` as for
        `client_move`."""
        mailbox = self._mailbox()
        refs = self._message_refs(folder, uidvalidity, uids)
        return mailbox.delete(refs, skip_gone=bool(skip_gone))

    def client_mark_folder_read(self, folder):
        """Mark every unread message of `folder` read; returns how many were marked."""
        folder = self._checked_input(check_folder_name, folder)
        return self._mailbox().mark_folder_read(folder)

    def client_empty_trash(self):
        """Remove everything in Trash; returns how many messages were removed."""
        return self._mailbox().empty_trash()

    def client_create_folder(self, name):
        """Create a folder; `name` is the full path (parent, delimiter, new name)."""
        self._mailbox().create_folder(name)
        return True

    def client_rename_folder(self, folder, new_name):
        self._mailbox().rename_folder(folder, new_name)
        return True

    def client_delete_folder(self, folder):
        """Delete a folder and the mail in it, on the server."""
        self._mailbox().delete_folder(folder)
        return True

    # -- composer: drafts, sending -------------------------------------------------------

    def client_compose(self, mode, folder=False, uidvalidity=False, uid=False):
        """The composer's start: a new mail, or a reply/forward of the message named."""
        role = self._composer()
        original = self._message_ref(folder, uidvalidity, uid) if mode != "new" else None
        return role.open(mode, original)

    def client_save_draft(self, values):
        return self._composer().save_draft(self._checked_input(_mail_values, values))

    def client_send(self, values, force=False, hold=False):
        """Send now, or with `hold` (the composer's "Send") after the user's undo window:
        the server keeps the mail that long and then sends it, browser open or not."""
        role = self._composer()
        values = self._checked_input(_mail_values, values)
        seconds = self.env.user.dynaoffice_mail_undo_seconds if hold and not force else 0
        if seconds > 0:
            return role.send_held(values, seconds)
        return role.send(values, force=bool(force))

    def client_send_later(self, values, when, tz=False):
        """ "Send later": `when` is "tomorrow", "monday" or a moment (UTC, ISO 8601). `tz`,
        the browser's time zone, places "tomorrow" and "monday" for a user without one."""
        role = self._composer()
        return role.send_later(self._checked_input(_mail_values, values), when, browser_tz=tz)

    def client_scheduled(self):
        """The caller's scheduled mail of this account (the "Scheduled" view)."""
        return self._composer().scheduled()

    def client_scheduled_send_now(self, entry_id):
        role = self._composer()
        return role.send_scheduled(self._scheduled_entry(entry_id).id, due_only=False)

    def client_scheduled_reschedule(self, entry_id, when):
        role = self._composer()
        return role.reschedule(self._scheduled_entry(entry_id).id, when)

    def client_scheduled_cancel(self, entry_id):
        """ "Cancel" and "Undo": the mail stays in Drafts; answers its draft to reopen."""
        role = self._composer()
        return role.unschedule(self._scheduled_entry(entry_id).id)

    def client_outbox_mark_sent(self, values):
        return self._composer().mark_sent(self._checked_input(_mail_values, values))

    def client_discard(self, values):
        return self._composer().discard(self._checked_input(_mail_values, values))

    @api.model
    def client_suggest_recipients(self, term, limit=8):
        term = self._checked_input(_term, term)
        limit = self._checked_input(parse_count, limit, "limit")
        return composer.suggest_recipients(self.env, term, limit)

    def client_reply_templates(self, term=""):
        """The reply templates offered in this mailbox's composer, [{id, name, subject}]."""
        account = self._checked_for_use()
        return reply_templates.templates(account, self._checked_input(_term, term))

    def client_render_template(self, template_id, recipients=None):
        """{"subject", "body"} of a reply template for the first of `recipients`."""
        account = self._checked_for_use()
        template_id = self._checked_input(_record_id, template_id)
        return reply_templates.render(account, template_id, recipients)

    # -- snooze and follow-up -------------------------------------------------------------

    def client_snooze(self, folder, uidvalidity, uids, until):
        """Snooze messages of one folder until `until` (UTC, "YYYY-MM-DD HH:MM:SS", or ISO
        8601 with its offset): they go to "Snoozed" and come back to `folder` unread at
        that time."""
        role = self._snoozer()
        refs = self._message_refs(folder, uidvalidity, uids)
        moment = self._checked_input(_moment, until)
        return role.snooze(refs, moment)._json()

    def client_snoozed(self):
        """The messages of this mailbox that are snoozed, soonest back first."""
        self._checked_for_use()
        snoozes = self.env["dynaoffice.mail.snooze"].search([("account_id", "=", self.id)])
        return snoozes._json()

    def client_unsnooze(self, snooze_id):
        """ "Unsnooze now": the message back in its folder at once, unread."""
        role = self._snoozer()
        snooze_id = self._checked_input(_record_id, snooze_id)
        snooze = self.env["dynaoffice.mail.snooze"].search(
            [("id", "=", snooze_id), ("account_id", "=", self.id)]
        )
        if not snooze:
            raise UserError(self.env._("This message is no longer snoozed."))
        back = role.wake(snooze)
        return back and back.json()

    def client_follow_up(self, folder, uidvalidity, uid, deadline):
        """ "Remind me if no reply by `deadline`" (a date) on a sent message: an activity
        for the user, done by itself when the reply arrives."""
        role = self._snoozer()
        ref = self._message_ref(folder, uidvalidity, uid)
        day = self._checked_input(_date, deadline)
        handle = self.env["dynaoffice.mail.message"]._for_messages(role.account, [ref]).get(ref)
        if not handle:
            raise UserError(self.env._("The message is no longer there. Reload the list."))
        activity = handle._follow_up(day)
        return {"activity_id": activity.id, "handle_id": handle.id}

    # -- assigning mail to records -------------------------------------------------------

    def client_assign_suggestions(self, folder, uidvalidity, uid):
        role = self._assigner()
        return role.suggestions(self._message_ref(folder, uidvalidity, uid))

    def client_contact_defaults(self, folder, uidvalidity, uid):
        """ "Create contact from sender": the new contact's suggested values."""
        return self._assigner().contact_defaults(self._message_ref(folder, uidvalidity, uid))

    @api.model
    def client_assignable_models(self):
        return assigner.assignable_models(self.env)

    @api.model
    def client_search_records(self, res_model, term, limit=20):
        res_model = self._checked_input(_model_name, res_model)
        term = self._checked_input(_term, term)
        limit = self._checked_input(parse_count, limit, "limit")
        return assigner.search_records(self.env, res_model, term, limit)

    def client_assign(self, folder, uidvalidity, uids, res_model, res_id):
        role = self._assigner()
        refs = self._message_refs(folder, uidvalidity, uids)
        res_model = self._checked_input(_model_name, res_model)
        return role.assign(refs, res_model, self._checked_input(_record_id, res_id))

    def client_assignments(self, folder, uidvalidity, uids):
        role = self._assigner()
        return role.assignments(self._message_refs(folder, uidvalidity, uids))

    def client_message_handles(self, folder, uidvalidity, uids):
        role = self._assigner()
        return role.message_handles(self._message_refs(folder, uidvalidity, uids))

    @api.model
    def client_message_actions(self):
        return assigner.message_actions(self.env)

    @api.model
    def client_search_partner_mail(self, partner_id, limit=assigner.SEARCH_LIMIT):
        partner_id = self._checked_input(_record_id, partner_id)
        limit = self._checked_input(parse_count, limit, "limit")
        return assigner.search_partner_mail(self.env, partner_id, limit)

    # -- the team inbox (group mailboxes only, roles/team.py) ----------------------------

    def client_team_members(self):
        """The members of the account's group, for "Assign to..."."""
        return self._team().member_list()

    def client_team_states(self, folder, uidvalidity, uids):
        """{uid: {status, user_id, user_name, avatar_url}} of listed messages with a team
        state."""
        return self._team().states(self._message_refs(folder, uidvalidity, uids))

    def client_team_assign(self, folder, uidvalidity, uids, user_id):
        """Assign messages to a member of the group (False: to nobody)."""
        role = self._team()
        return role.assign(self._message_refs(folder, uidvalidity, uids), user_id)

    def client_team_take(self, folder, uidvalidity, uids, seen=None):
        """ "Take it": assign messages to the user. `seen` is {uid: the assignee's id the
        list showed, or False}; nothing sent: every message was shown unassigned. One that
        another member has taken since is refused ("taken by ...")."""
        role = self._team()
        refs = self._message_refs(folder, uidvalidity, uids)
        return role.take(refs, self._checked_input(_seen_assignees, seen))

    def client_team_set_status(self, folder, uidvalidity, uids, status):
        """Set open, waiting or done; done may move the mail to the archive folder."""
        role = self._team()
        return role.set_status(self._message_refs(folder, uidvalidity, uids), status)

    def client_team_page(self, view, sort="date", reverse=True, offset=0, limit=50, search=None):
        """One page of a team view (mine, unassigned, waiting) of the Inbox."""
        offset, limit = self._window(offset, limit)
        return self._team().page(view, sort, reverse, offset, limit, search)

    def client_team_matching_uids(self, view, search=None):
        """ "Select all" in a team view: {uidvalidity, uids} of its messages that match
        `search`, as `client_matching_uids` answers for a folder."""
        return self._team().matching_uids(view, search)

    def client_team_counts(self):
        """{mine, unassigned, waiting}: the counts of the team views, for the folder tree."""
        return self._team().counts()

    @api.model
    def client_team_mine(self):
        """{account id: mail assigned to the user and not done} of every group mailbox the
        user may use, from the records (no server asked): "Assigned to me" everywhere."""
        accounts = self.search([("group_id", "!=", False)]).filtered("can_use")
        counts = self.env["dynaoffice.mail.message"]._read_group(
            [
                ("account_id", "in", accounts.ids),
                ("team_user_id", "=", self.env.uid),
                ("team_status", "in", ("open", "waiting")),
            ],
            ["account_id"],
            ["__count"],
        )
        return {account.id: count for account, count in counts}

    # -- creating records from mail ------------------------------------------------------

    @api.model
    def client_creatable_models(self):
        """What "Create ..." offers: [{model, name, featured}] (roles/creator.py)."""
        return creator.creatable_models(self.env)

    def client_create_defaults(self, folder, uidvalidity, uid, res_model):
        """ "Create ...": the new record's form context (default_* values from the
        message); the form saves it, `client_assign` then assigns the message to it."""
        role = self._creator()
        return role.record_defaults(self._message_ref(folder, uidvalidity, uid), res_model)

    # -- the customer beside the mail ----------------------------------------------------

    def client_context(self, folder, uidvalidity, uid):
        """The context pane of a message: its sender's contact and the sections of
        dynaoffice.mail.context, the other people collapsed (roles/context.py)."""
        role = self._context_pane()
        return role.pane(self._message_ref(folder, uidvalidity, uid))

    @api.model
    def client_context_sections(self, partner_id):
        """The sections of one contact, for a person the pane lists collapsed."""
        partner_id = self._checked_input(_record_id, partner_id)
        partner = self.env["res.partner"].browse(partner_id).exists()
        if not partner:
            raise UserError(self.env._("The contact no longer exists."))
        return self.env["dynaoffice.mail.context"]._pane_sections(partner)

    def client_link_sender(self, folder, uidvalidity, uid, partner_id):
        """ "Link to existing contact": the sender's address onto contact `partner_id`."""
        role = self._context_pane()
        ref = self._message_ref(folder, uidvalidity, uid)
        return role.link_sender(ref, self._checked_input(_record_id, partner_id))

    # -- the team's notes and who is replying (group mailboxes only, roles/team.py) -------

    def client_notes(self, folder, uidvalidity, uid):
        """{"thread_model", "thread_id"} of the chatter with the message's internal notes."""
        role = self._team()
        return role.notes_thread(self._message_ref(folder, uidvalidity, uid))

    def client_note_counts(self, folder, uidvalidity, uids):
        """{uid: notes} for the list's rows (those without notes are left out)."""
        role = self._team()
        return role.note_counts(self._message_refs(folder, uidvalidity, uids))

    def client_who_is_replying(self, message_id, draft=None):
        """{"users": [{id, name}], "drafts": n}: colleagues with a reply to the message
        `message_id` open, and replies to it saved in Drafts (`draft`, the asking
        composer's own {folder, uidvalidity, uid}, left out)."""
        role = self._team()
        return role.replying(self._replied_id(message_id), self._own_draft(draft))

    def client_replying(self, message_id, draft=None):
        """The user's composer has a reply to `message_id` open (every 30 seconds, and
        at once when it opens); answers as `client_who_is_replying` and the heartbeat."""
        role = self._team()
        return role.start_replying(self._replied_id(message_id), self._own_draft(draft))

    def client_replying_done(self, message_id):
        """The user's composer with the reply to `message_id` closed."""
        role = self._team()
        return role.stop_replying(self._replied_id(message_id))

    # -- filing mail into documents ------------------------------------------------------

    @api.model
    def client_filing_targets(self):
        """What "File into documents" offers: {"destinations": [{"kind", ...}]}."""
        return filer.filing_targets(self.env)

    def client_file(self, folder, uidvalidity, uids, target, what="eml", part_numbers=None):
        """ "File into documents": into the place `target` {"kind", ...} names; answers
        {uid: {"filed", "skipped", "left_out", "gone"}} (roles/filer.py)."""
        role = self._filer()
        refs = self._message_refs(folder, uidvalidity, uids)
        return role.file(refs, target, what, part_numbers)

    def client_file_to_record(
        self, folder, uidvalidity, uids, res_model, res_id, what="eml", part_numbers=None
    ):
        role = self._filer()
        refs = self._message_refs(folder, uidvalidity, uids)
        res_model = self._checked_input(_model_name, res_model)
        res_id = self._checked_input(_record_id, res_id)
        target = {"kind": filer.RecordDestination.kind, "res_model": res_model, "res_id": res_id}
        return role.file(refs, target, what, part_numbers)

    @api.model
    def _filing_destinations(self):
        """The hook for places mail may be filed into: destination classes as
        roles/filer.py describes them. A bridge addon adds its own:
        `return super()._filing_destinations() + [MyDestination]`."""
        return [filer.RecordDestination]

    # -- calendar invitations -------------------------------------------------------------

    def client_invitation(self, folder, uidvalidity, uid):
        """The calendar invitation in a message, for the reading pane's card, or False."""
        role = self._mailbox()
        return invitations.card(role, self._message_ref(folder, uidvalidity, uid))

    def client_answer_invitation(self, folder, uidvalidity, uid, answer, token=None):
        """Accept, tentatively accept or decline an invitation (an iTIP REPLY to its
        organiser, sent as the account sends mail), or take a cancelled event out of the
        calendar (`answer` "remove"). `token` is the card's, so that one answer given twice
        from it is sent once."""
        role = self._composer()
        return invitations.answer(role, self._message_ref(folder, uidvalidity, uid), answer, token)

    def _invitation_state(self, invitation):
        """The hook for a calendar app: {"answer": accepted/tentative/declined or False,
        "in_calendar": bool, "can_update": bool, "updated": bool (an attendee's answer)}
        for the user and `invitation` (services/invitations.py).
        Without one, nothing is known."""
        return {}

    def _invitation_answered(self, invitation, answer):
        """The hook for a calendar app: the user answered `invitation` (accepted,
        tentative, declined) and the reply went out: put the event into their calendar.
        Returns what the user should know of it (translated texts, shown as warnings)."""
        return []

    def _invitation_replied(self, invitation):
        """The hook for a calendar app: take an attendee's answer (a REPLY, from
        `invitation.sender`) to an event the user organises into the calendar. Returns
        whether it did; False when the answer is no attendee's of such an event."""
        return False

    def _invitation_cancelled(self, invitation):
        """The hook for a calendar app: the organiser cancelled `invitation`; take the event
        out of the user's calendar."""
        return False

    # -- what the browser sent, checked once ---------------------------------------------

    def _scheduled_entry(self, entry_id):
        """The caller's own scheduled entry of this account: only its sender may send it
        now, move or cancel it (in a group mailbox too; the others see its draft)."""
        self.ensure_one()
        try:
            entry = self.env["dynaoffice.mail.outbox"].browse(int(entry_id)).exists()
        except (TypeError, ValueError):
            entry = None
        if not entry:
            raise UserError(self.env._("This mail is no longer scheduled."))
        if (
            not entry.has_access("read")
            or entry.account_id != self
            or entry.user_id != self.env.user
        ):
            raise AccessError(self.env._("This scheduled mail is not yours."))
        return entry

    def _message_ref(self, folder, uidvalidity, uid):
        self.ensure_one()
        return self._checked_input(MessageRef.parse, self.id, folder, uidvalidity, uid)

    def _message_refs(self, folder, uidvalidity, uids):
        self.ensure_one()
        return self._checked_input(MessageRef.many, self.id, folder, uidvalidity, uids)

    def _window(self, offset, limit):
        """(offset, limit) of a page as the browser sent them, checked."""
        return (
            self._checked_input(parse_count, offset, "offset"),
            self._checked_input(parse_count, limit, "limit"),
        )

    def _replied_id(self, message_id):
        if not message_id:
            raise UserError(self.env._("The message has no Message-ID to reply to."))
        return self._checked_input(_message_id, message_id)

    def _own_draft(self, draft):
        if not draft:
            return None
        if not isinstance(draft, dict):
            raise UserError(self.env._("A draft is named by its folder, UIDVALIDITY and UID."))
        return self._message_ref(draft.get("folder"), draft.get("uidvalidity"), draft.get("uid"))

    def _checked_input(self, parse, *values):
        try:
            return parse(*values)
        except mail_errors.InvalidInputError as error:
            raise UserError(errors.explain(self, error, self.imap_port)) from error


def _moment(value):
    """A moment a browser sent (UTC unless it names its offset) as naive UTC, refused when
    it is not one."""
    if not isinstance(value, str):
        raise mail_errors.InvalidInputError(detail=f"not a date and time: {value!r}")
    try:
        return schedule.utc_moment(value)
    except mail_errors.InvalidInputError as error:
        raise mail_errors.InvalidInputError(detail=f"not a date and time: {value!r}") from error


def _date(value):
    try:
        day = fields.Date.to_date(str(value)[:10])
    except ValueError as error:
        raise mail_errors.InvalidInputError(detail=f"not a date: {value!r}") from error
    if not day:
        raise mail_errors.InvalidInputError(detail="no date given")
    return day


def _record_id(value):
    return parse_id(value)


def _seen_assignees(value):
    """ "Take it": {uid: the assignee's user id the list showed, or False} as the browser
    sent it (JSON names the UIDs as text)."""
    if value in (None, False):
        return {}
    if not isinstance(value, dict):
        raise mail_errors.InvalidInputError(detail="the assignees seen must be an object")
    seen = {}
    for uid, user_id in value.items():
        uid = str(uid)
        if not (uid.isascii() and uid.isdigit() and len(uid) <= 10):
            raise mail_errors.InvalidInputError(detail="UIDs must be numbers")
        seen[int(uid)] = parse_id(user_id, "assignee") if user_id else False
    return seen


def _mail_values(value):
    """The composer's values ({to, subject, body, ...}) as the browser sent them."""
    if not isinstance(value, dict):
        raise mail_errors.InvalidInputError(detail="the mail's values must be an object")
    return value


def _model_name(value):
    """A model's name as the browser sent it; whether it may be used is the role's to say."""
    if not isinstance(value, str):
        raise mail_errors.InvalidInputError(detail="a model must be named by its name")
    return value


def _term(value):
    """What the user typed into a search or suggestion field: text, without NUL (which
    PostgreSQL refuses); nothing typed is ""."""
    if value in (None, False):
        return ""
    if not isinstance(value, str) or "\0" in value:
        raise mail_errors.InvalidInputError(detail="the search must be text")
    return value


def _message_id(value):
    """A Message-ID as the browser sent it, checked as one that could be in a header."""
    addresses.check_header_value(value, "Message-ID", limits.MAX_MESSAGE_ID_LENGTH)
    return addresses.check_message_id(value, "Message-ID")
