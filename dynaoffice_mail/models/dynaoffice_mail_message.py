"""A handle on one message of a mailbox, for the mail users act on from Odoo.

The mail stays on the server. A handle names it (account, folder, UIDVALIDITY, UID: its
MessageRef) and keeps what the message list shows (subject, sender, date, Message-ID), so
that assignments can refer to it, server actions and automation rules can run on it and
lists can show it. What is done with the message (reading, posting, filing) is done by the
account's roles (roles/assigner.py, roles/filer.py).
"""

import datetime
import logging
import threading

import psycopg2

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from ..roles.assigner import assign_target, formatted_address, may_post_on, utc_naive
from ..roles.base import HandleRaceError
from ..roles.creator import creatable_model
from ..roles.snoozer import mailbox_unreachable
from ..roles.team import team_members, team_partners
from ..services import imap
from ..services.refs import MessageRef

_logger = logging.getLogger(__name__)

FOLLOW_UP = "dynaoffice_mail.dynaoffice_mail_activity_type_follow_up"


class _BigInteger(fields.Integer):
    """UIDs and UIDVALIDITY are 32-bit unsigned (RFC 3501): beyond a PostgreSQL int4."""

    _column_type = ("int8", "int8")


class DynaofficeMailMessage(models.Model):
    _name = "dynaoffice.mail.message"
    _description = "Mail Message Handle"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _rec_name = "subject"
    # Users read handles and never write them (what they hold is the server's); reading one
    # is enough to put activities (a follow-up) on it, to mark them done, and to post the
    # team's internal notes in its chatter (members only read handles: ACL, record rules;
    # see _get_thread_with_access).
    _mail_post_access = "read"

    _sql_constraints = [
        (
            "message_unique",
            "UNIQUE (account_id, folder, uidvalidity, uid)",
            "A message has one handle per mailbox folder.",
        ),
    ]

    account_id = fields.Many2one(
        "dynaoffice.mail.account", required=True, index=True, ondelete="cascade", readonly=True
    )
    folder = fields.Char(required=True, readonly=True)
    uidvalidity = _BigInteger(string="UIDVALIDITY", required=True, readonly=True)
    uid = _BigInteger(string="UID", required=True, readonly=True)
    message_id = fields.Char(string="Message-ID", index=True, readonly=True)
    subject = fields.Char(readonly=True)
    email_from = fields.Char(string="From", readonly=True)
    date = fields.Datetime(readonly=True)
    assignment_ids = fields.One2many(
        "dynaoffice.mail.assignment", "message_id", string="Assignments", readonly=True
    )
    assignment_count = fields.Integer(compute="_compute_assignment_count")
    # The team inbox (group mailboxes only, roles/team.py): who answers the mail and how far
    # it got. The truth; the server's keywords follow it (services/team.py).
    team_user_id = fields.Many2one(
        "res.users", string="Assignee", index="btree_not_null", readonly=True, ondelete="set null"
    )
    team_status = fields.Selection(
        [("open", "Open"), ("waiting", "Waiting"), ("done", "Done")],
        string="Status",
        index="btree_not_null",
        readonly=True,
    )
    # Since when the mail is open (escalation counts from here) and whether the group's
    # responsible was told already.
    team_open_since = fields.Datetime(readonly=True)
    team_escalated = fields.Boolean(readonly=True)
    assigned_to = fields.Char(string="Assigned to", compute="_compute_assigned_to")

    # -- computes -------------------------------------------------------------------------

    @api.depends("assignment_ids")
    def _compute_assignment_count(self):
        for handle in self:
            handle.assignment_count = len(handle.assignment_ids)

    @api.depends("assignment_ids")
    @api.depends_context("uid")
    def _compute_assigned_to(self):
        # In the order assigned, the names the user may read (record_name says "not visible
        # to you" otherwise), apart by semicolons: a contact's name holds a comma.
        for handle in self:
            assignments = handle.assignment_ids.sorted("id")
            handle.assigned_to = "; ".join(assignments.mapped("record_name"))

    @api.depends("subject")
    def _compute_display_name(self):
        for handle in self:
            handle.display_name = handle.subject or self.env._("(no subject)")

    # -- CRUD -----------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # A handle is made whenever a user acts on a message: no "created" entry in its
        # notes, and its maker does not follow it for that.
        handles = super(
            DynaofficeMailMessage,
            self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True),
        ).create(vals_list)
        return handles.with_env(self.env)

    # -- the team's notes: internal, members only -------------------------------------------

    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        """The gate of Odoo's chatter routes (thread data, posting, uploads): a handle of a
        group mailbox the user is a member of; personal mailboxes have no notes."""
        thread = super()._get_thread_with_access(thread_id, mode=mode, **kwargs)
        if thread and not thread._may_take_notes():
            return self.browse()
        return thread

    def message_post(self, **kwargs):
        """An internal note and nothing else: whatever subtype is asked for, the note's
        (never mailed to followers outside), and only members of the mailbox's group are
        notified (a customer named in it is not)."""
        self.ensure_one()
        # An activity marked done (a follow-up on a personal mailbox's mail too) says so
        # in the chatter of whoever may use the mailbox; notes are the team's alone.
        done_activity = kwargs.get("mail_activity_type_id") and (
            self.env.su or self.account_id._is_usable_by(self.env.user)
        )
        if not (done_activity or self._may_take_notes()):
            raise AccessError(
                self.env._("Only members of the mailbox's group may write notes on its mail.")
            )
        subtype = kwargs.get("subtype_id") and self.env["mail.message.subtype"].browse(
            kwargs["subtype_id"]
        )
        if not (subtype and subtype.exists() and subtype.internal):
            kwargs.pop("subtype_id", None)
            kwargs["subtype_xmlid"] = "mail.mt_note"
        if kwargs.get("message_type") not in ("comment", "notification"):
            kwargs["message_type"] = "comment"
        if kwargs.get("partner_ids"):
            members = set(team_partners(self.account_id).ids)
            kwargs["partner_ids"] = [pid for pid in kwargs["partner_ids"] if pid in members]
        return super().message_post(**kwargs)

    def _message_update_content(
        self, message, body, attachment_ids=None, partner_ids=None, **kwargs
    ):
        # Odoo's chatter edits a note as sudo once its author asked: only while the author
        # may still use the mailbox, and whoever the edit mentions, only members are named.
        if not self._may_take_notes():
            raise AccessError(
                self.env._("Only members of the mailbox's group may write notes on its mail.")
            )
        if partner_ids:
            members = set(team_partners(self.account_id).ids)
            partner_ids = [pid for pid in partner_ids if pid in members]
        return super()._message_update_content(
            message, body, attachment_ids=attachment_ids, partner_ids=partner_ids, **kwargs
        )

    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        # Followers are members of the mailbox's group, never the sender or anyone else a
        # notification would be mailed to.
        if partner_ids:
            members = set(team_partners(self.account_id).ids)
            partner_ids = [pid for pid in partner_ids if pid in members]
        return super()._message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids, customer_ids=customer_ids
        )

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        # The last word: whoever came in as a follower or mention, only members hear of a
        # note (in Odoo, or by mail as each of them chose).
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        members = set(team_partners(self.account_id).ids)
        return [recipient for recipient in recipients if recipient["id"] in members]

    def _message_get_suggested_recipients(self):
        # The notes are internal: nobody outside to suggest.
        return []

    # -- actions --------------------------------------------------------------------------

    def action_open_in_client(self):
        """The mail client on this message, if it is still on the server (found again by
        its Message-ID when another mail program moved it)."""
        self.ensure_one()
        ref = self._locate()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "dynaoffice_mail.dynaoffice_mail_client_action"
        )
        action["params"] = {
            "account_id": self.account_id.id,
            "folder": ref.folder,
            "uidvalidity": ref.uidvalidity,
            "uid": ref.uid,
        }
        return action

    def action_assign_to_sender_contact(self):
        """Server action: each message to the one contact whose address is its sender."""
        targets, skipped = {}, 0
        for handle in self:
            partner = handle._sender_contact()
            if len(partner) != 1 or not may_post_on(partner):
                skipped += 1
                continue
            targets[handle] = ("res.partner", partner.id)
        assigned, gone = self._assign_each(targets)
        return self._assign_notification(assigned, skipped, gone)

    def action_assign_to_replied_record(self):
        """Server action: each message that answers mail sent from Odoo to that mail's
        record, whatever its model (where the user may post on it)."""
        # Read from the server, not from the reading cache of a message deleted since.
        present = self._on_server()
        targets, skipped = {}, 0
        for handle in present:
            records = handle.account_id._assigner().replied_records(handle._ref())
            if len(records) != 1:
                skipped += 1
                continue
            targets[handle] = (records[0]._name, records[0].id)
        assigned, gone = self._assign_each(targets)
        return self._assign_notification(assigned, skipped, gone + len(self - present))

    def _assign_each(self, targets):
        """Assign each handle of `targets` ({handle: (model, id)}) to its record, those of
        one record together (one check and one mark on the server per folder, not per
        message): (assigned, gone)."""
        by_target = {}
        for handle, target in targets.items():
            by_target[target] = by_target.get(target, self.browse()) | handle
        statuses = []
        for (res_model, res_id), handles in by_target.items():
            results = handles.assign_to_record(res_model, res_id)
            statuses += [status for status, _message in results.values()]
        gone = statuses.count("gone")
        return len(statuses) - gone, gone

    def assign_to_record(self, res_model, res_id):
        """Post these messages into the chatter of one record, once each; for server
        actions and automation rules: `records.assign_to_record("res.partner", 7)`.

        Returns {handle id: (status, mail.message)}, status "assigned", "already" or
        "gone" (the message is no longer on the server: nothing posted).
        """
        target = assign_target(self.env, res_model, res_id)
        results = {}
        for account, handles in self.grouped("account_id").items():
            results.update(account._assigner().assign_handles(handles, target))
        return results

    def create_record_from_mail(self, res_model, values=None):
        """A new record of `res_model` for each of these messages, prefilled from it (name
        from the subject, partner from the sender, description from the body; `values`
        win), the message then assigned to it; for server actions and automation rules:
        `records.create_record_from_mail("crm.lead")`. Returns the new records; a message
        no longer on the server (deleted elsewhere since) makes none."""
        return self._create_records_from_mail(res_model, values)[0]

    def action_create_record_from_mail(self, res_model, values=None):
        """Server action "Create a record from the mail": create_record_from_mail, and a
        notification naming what was created (and the messages that are gone)."""
        created, gone = self._create_records_from_mail(res_model, values)
        _ = self.env._
        message = _("Created: %(records)s.", records="; ".join(created.mapped("display_name")))
        if gone:
            message += " " + _gone_message(self.env, len(gone))
        return _notification(_("Create from mail"), message, success=bool(created) and not gone)

    def file_to_record(self, res_model, res_id, what="eml", part_numbers=None):
        """Store these messages as attachments of one record (the .eml file, the
        attachments or both), each file once; for server actions and automation rules:
        `records.file_to_record("res.partner", 7, "both")`.

        Returns {handle id: {"filed", "skipped", "left_out", "gone"}} as the Filer answers
        per UID.
        """
        return self._file_into({"res_model": res_model, "res_id": res_id}, what, part_numbers)

    def action_file_to_assigned_records(self):
        """Server action: each message (its .eml file and its attachments) into the
        documents of every record it is assigned to, where the user may change that
        record; each file once per record."""
        filed = already = skipped = 0
        for handle in self:
            targets = handle.assignment_ids.filtered(lambda a: a._may_file_on())
            if not targets:
                skipped += 1
                continue
            for assignment in targets:
                result = handle.file_to_record(assignment.res_model, assignment.res_id, "both")
                filed += len(result[handle.id]["filed"])
                already += len(result[handle.id]["skipped"])
        note = skipped and self.env._(
            "Messages left alone (not assigned to a record you may change): %(skipped)s.",
            skipped=skipped,
        )
        return self._file_notification(filed, already, note)

    # -- the team inbox: server actions, automation rules, escalation ----------------------

    def team_set_status(self, status):
        """Set the team status of these messages (open, waiting, done); for server actions
        and automation rules: `records.team_set_status("waiting")`."""
        for (account, _folder, _validity), handles in self._team_groups().items():
            account._team().set_status([handle._ref() for handle in handles], status)
        return True

    def team_assign(self, user):
        """Assign these messages to `user` (a member of each account's group; an empty
        recordset: to nobody); for automation rules: `records.team_assign(user)`."""
        for (account, _folder, _validity), handles in self._team_groups().items():
            account._team().assign([handle._ref() for handle in handles], user.id or False)
        return True

    def action_team_assign_round_robin(self):
        """Server action: each unassigned message to the next member of its account's group
        in turn (after the one assigned last by this rule)."""
        assigned = skipped = 0
        for handle in self:
            account = handle.account_id
            members = account._team().members().sorted("id")
            if handle.team_user_id or not members:
                skipped += 1
                continue
            later = members.filtered(
                lambda user, last=account.team_last_assignee_id: user.id > last.id
            )
            user = (later or members)[0]
            handle.team_assign(user)
            # sudo: the rule's bookkeeping on the account, which members may not change.
            account.sudo().team_last_assignee_id = user
            assigned += 1
        return self._assign_notification(assigned, skipped)

    def action_team_assign_salesperson(self):
        """Server action: each unassigned message to the salesperson of the sender's
        company (the contact's company's, else the contact's own), when a member."""
        assigned = skipped = 0
        for handle in self:
            partner = handle._sender_contact()
            salesperson = partner[:1].commercial_partner_id.user_id or partner[:1].user_id
            members = handle.account_id._team().members()
            if handle.team_user_id or len(partner) != 1 or salesperson not in members:
                skipped += 1
                continue
            handle.team_assign(salesperson)
            assigned += 1
        return self._assign_notification(assigned, skipped)

    @api.model
    def _cron_team_escalate(self, now=None):
        """Mail open longer than its account's hours: an activity for the account's
        responsible, once per time the mail is opened. `now` for tests (a clock they set)."""
        now = now or fields.Datetime.now()
        accounts = self.env["dynaoffice.mail.account"].search(
            [("group_id", "!=", False), ("team_responsible_id", "!=", False)]
        )
        for account in accounts:
            if account.team_responsible_id not in team_members(account):
                # Left the group (or was archived) since: the activity would name mail
                # they may no longer read.
                _logger.info("Escalation of %s skipped: its responsible is no member", account.id)
                continue
            since = now - datetime.timedelta(hours=max(0, account.team_escalate_hours))
            overdue = self.search(
                [
                    ("account_id", "=", account.id),
                    ("team_status", "=", "open"),
                    ("team_open_since", "<=", since),
                    ("team_escalated", "=", False),
                ]
            )
            for handle in overdue:
                handle.activity_schedule(
                    "dynaoffice_mail.mail_activity_type_mail_open_too_long",
                    date_deadline=fields.Date.context_today(handle, now),
                    user_id=account.team_responsible_id.id,
                    summary=self.env._(
                        "Open for more than %(hours)s hours", hours=account.team_escalate_hours
                    ),
                )
            overdue.write({"team_escalated": True})

    @api.model
    def _team_unassign_former_members(self, users=None, groups=None):
        """Mail assigned to users who are no longer members of its account's group, or
        whose user was archived, goes back to nobody, and their activities on the mailbox's
        mail go (the assignee's "Answer this mail", the responsible's "Mail open too long", a
        follow-up): they name mail those users may no longer read, and could not be marked
        done (the note saying so would be refused). The keywords follow when the team's
        views next restore them (administrators may not use the mailbox)."""
        domain = [("team_user_id", "!=", False), ("account_id.group_id", "!=", False)]
        if users is not None:
            domain.append(("team_user_id", "in", users.ids))
        if groups is not None:
            domain.append(("account_id.group_id", "in", groups.ids))
        # sudo: called after a change of group membership (by whoever may make it), for
        # every mailbox of those groups, including ones the writer may not read.
        handles = self.sudo().search(domain)
        former = handles.filtered(
            lambda handle: (
                not handle.team_user_id.active
                or handle.account_id.group_id not in handle.team_user_id.groups_id
            )
        )
        former.write({"team_user_id": False})
        activity_domain = [("res_model", "=", self._name)]
        if users is not None:
            activity_domain.append(("user_id", "in", users.ids))
        # sudo: as above; activities of other users, on mail the writer may not read.
        activities = self.env["mail.activity"].sudo().search(activity_domain)
        mail = self.sudo().browse(activities.mapped("res_id")).exists()
        group_of = {handle.id: handle.account_id.group_id for handle in mail}

        def held_by_former_member(activity):
            group = group_of.get(activity.res_id)
            if not group or (groups is not None and group not in groups):
                return False
            return not activity.user_id.active or group not in activity.user_id.groups_id

        activities.filtered(held_by_former_member).unlink()

    # -- follow-up ------------------------------------------------------------------------

    def _follow_up(self, deadline):
        """ "Remind me if no reply by `deadline`": a follow-up activity for the user, done
        by itself when a reply arrives (_cron_clear_answered_follow_ups)."""
        self.ensure_one()
        if not imap.searchable_message_id(self.message_id):
            raise UserError(
                self.env._(
                    "A message without a usable Message-ID cannot be followed up: its reply "
                    "could not be recognised."
                )
            )
        return self.activity_schedule(
            FOLLOW_UP,
            date_deadline=deadline,
            summary=self.env._("No reply yet: %(subject)s", subject=self.display_name),
            user_id=self.env.uid,
        )

    @api.model
    def _cron_clear_answered_follow_ups(self):
        """Mark follow-ups done whose reply has arrived, in the Inbox or filed elsewhere
        (In-Reply-To or References naming the sent message; Snoozer.answered), each mailbox
        searched as the user reminded.

        One mailbox at a time, each committed: a mailbox that is down must not keep the
        others' reminders, nor hold up the run once per user waiting in it (its server's
        timeout is waited out once). This is a cron entry point: committing per batch is
        what it is for.
        """
        follow_up = self.env.ref(FOLLOW_UP, raise_if_not_found=False)
        if not follow_up:
            return
        activities = self.env["mail.activity"].search(
            [("activity_type_id", "=", follow_up.id), ("res_model", "=", self._name)]
        )
        handles = self.browse(activities.mapped("res_id")).exists()
        # Handles go with their account in the database (ondelete cascade), their activities
        # stay behind: reminders of mail Odoo forgot, which nobody can open any more.
        existing = set(handles.ids)
        forgotten = activities.filtered(lambda activity: activity.res_id not in existing)
        forgotten.unlink()
        activities -= forgotten
        unreachable = set()
        for (account, user), group in activities.grouped(
            lambda a: (self.browse(a.res_id).account_id, a.user_id)
        ).items():
            if not account or account.id in unreachable or not account._is_usable_by(user):
                continue
            by_message_id = {}
            for activity in group:
                handle = handles.browse(activity.res_id)
                if handle.message_id:
                    by_message_id.setdefault(handle.message_id, []).append(activity)
            try:
                answered = account.with_user(user)._snoozer().answered(list(by_message_id))
            except UserError as error:
                _logger.info("Follow-ups of %s not checked: %s", account.name, error)
                if mailbox_unreachable(error):
                    unreachable.add(account.id)
                continue
            as_user = self.with_user(user).with_context(lang=user.lang)
            for message_id in answered:
                for activity in by_message_id[message_id]:
                    activity.with_env(as_user.env).action_feedback(
                        feedback=as_user.env._("Reply received")
                    )
            if not getattr(threading.current_thread(), "testing", False):
                self.env.cr.commit()  # pylint: disable=invalid-commit

    # -- private --------------------------------------------------------------------------

    def _team_groups(self):
        """These handles by (account, folder, UIDVALIDITY): one team call each."""
        return self.grouped(lambda h: (h.account_id, h.folder, h.uidvalidity))

    def _create_records_from_mail(self, res_model, values=None):
        """(the records create_record_from_mail makes, the handles whose message is gone):
        the message's text may still be in the reading cache, its record would be made
        without the mail in its chatter."""
        Model = creatable_model(self.env, res_model)
        created = Model
        present = self._on_server()
        for handle in self.filtered(lambda handle: handle in present):
            created |= handle.account_id._creator().create_from(handle, res_model, values)
        return created, self - present

    def _on_server(self):
        """These handles whose message is still on the server (one request per folder)."""
        present = self.browse()
        for account, handles in self.grouped("account_id").items():
            present |= account._assigner().on_server(handles)
        return present

    def _ref(self):
        """Where the handle says its message is."""
        self.ensure_one()
        return MessageRef(self.account_id.id, self.folder, self.uidvalidity, self.uid)

    def _file_into(self, target, what="eml", part_numbers=None):
        """{handle id: result} of filing these messages into the place `target` names (as
        the mail client sends it, see roles/filer.py): one Filer call per folder, which
        answers per UID."""
        results = {}
        for (account, _folder, _uidvalidity), handles in self.grouped(
            lambda h: (h.account_id, h.folder, h.uidvalidity)
        ).items():
            refs = [handle._ref() for handle in handles]
            by_uid = account._filer().file(refs, target, what, part_numbers)
            for handle in handles:
                results[handle.id] = by_uid[handle.uid]
        return results

    @api.model
    def _for_messages(self, account, refs):
        """{ref: handle} for messages of `account`, made for those that have none yet;
        messages no longer on the server are left out."""
        assigner = account._assigner()
        found = {}
        by_folder = {}
        for ref in refs:
            by_folder.setdefault((ref.folder, ref.uidvalidity), []).append(ref)
        for (folder, uidvalidity), group in by_folder.items():
            # Refused before PostgreSQL sees it: a NUL in a folder name fails the search.
            assigner.check_folder_name(folder)
            uids = sorted({ref.uid for ref in group})
            handles = self.search(
                [
                    ("account_id", "=", account.id),
                    ("folder", "=", folder),
                    ("uidvalidity", "=", uidvalidity),
                    ("uid", "in", uids),
                ]
            )
            by_uid = {handle.uid: handle for handle in handles}
            missing = [ref for ref in group if ref.uid not in by_uid]
            if missing:
                summaries = assigner.summaries(missing)
                # Two members acting on a message nobody acted on before (both "Take it"
                # at once) both make its handle: the second insert waits for the first's
                # commit and then meets its row, which this transaction cannot see. The
                # savepoint keeps the transaction usable to say so.
                try:
                    with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                        # sudo: users only read handles (ACL); they are made here, for an account
                        # the user may use (the role's access check), from what its server says.
                        created = self.sudo().create(
                            [
                                {
                                    "account_id": account.id,
                                    "folder": folder,
                                    "uidvalidity": uidvalidity,
                                    "uid": uid,
                                    "message_id": summary.message_id,
                                    "subject": summary.subject,
                                    "email_from": (
                                        formatted_address(summary.from_[0])
                                        if summary.from_
                                        else False
                                    ),
                                    "date": utc_naive(summary.date or summary.internal_date),
                                }
                                for uid, summary in summaries.items()
                            ]
                        )
                except psycopg2.errors.UniqueViolation as error:
                    raise HandleRaceError(
                        self.env._(
                            "This mail was changed elsewhere at the same moment: reload the "
                            "list and try again."
                        )
                    ) from error
                by_uid.update({handle.uid: handle.with_env(self.env) for handle in created})
            found.update({ref: by_uid[ref.uid] for ref in group if ref.uid in by_uid})
        return found

    def _sender_contact(self):
        """The contacts whose address is the sender's (as many as there are)."""
        self.ensure_one()
        address = tools.email_normalize(self.email_from or "")
        if not address:
            return self.env["res.partner"]
        return self.env["res.partner"].search([("email_normalized", "=", address)], limit=2)

    def _locate(self):
        """The message's MessageRef on the server now: where the handle says, or found
        again by its Message-ID (the handle then follows it)."""
        self.ensure_one()
        account = self.account_id
        assigner = account._assigner()
        ref = self._ref()
        if assigner.still_there(ref):
            return ref
        found = self.message_id and assigner.find(self.message_id, ref.folder)
        if not found:
            raise UserError(
                self.env._(
                    "The message is no longer in %(account)s: it was deleted, or moved "
                    "where it cannot be found.",
                    account=account.name,
                )
            )
        taken = self.search_count(
            [
                ("account_id", "=", account.id),
                ("folder", "=", found.folder),
                ("uidvalidity", "=", found.uidvalidity),
                ("uid", "=", found.uid),
            ],
            limit=1,
        )
        if not taken:
            # sudo: users only read handles; this one follows its message, which the
            # user's own mailbox (usable: the role's access check) found there.
            self.sudo().write(
                {"folder": found.folder, "uidvalidity": found.uidvalidity, "uid": found.uid}
            )
        return found

    def _may_take_notes(self):
        """Whether the user may read and write notes on these handles: mail of group
        mailboxes whose group the user is in (a sudo'ed call acts for the code that made
        it, which checked already)."""
        return all(
            handle.account_id.group_id
            and (self.env.su or handle.account_id._is_usable_by(self.env.user))
            for handle in self
        )

    @api.model
    def _assign_notification(self, assigned, skipped, gone=0):
        _ = self.env._
        if skipped:
            message = _(
                "Messages assigned: %(assigned)s; left alone (no single match): %(skipped)s.",
                assigned=assigned,
                skipped=skipped,
            )
        else:
            message = _("Messages assigned: %(assigned)s.", assigned=assigned)
        if gone:
            message += " " + _gone_message(self.env, gone)
        return _notification(_("Assign mail"), message, success=bool(assigned) and not gone)

    @api.model
    def _file_notification(self, filed, already, skipped_note=None):
        """What a filing server action did, as a notification; `skipped_note` says which
        messages it left alone and why."""
        _ = self.env._
        parts = [_("Files filed: %(filed)s.", filed=filed)]
        if already:
            parts.append(_("Already there: %(already)s.", already=already))
        if skipped_note:
            parts.append(skipped_note)
        return _notification(
            _("File into documents"), " ".join(parts), success=bool(filed or already)
        )


def _gone_message(env, gone):
    """What a server action says of `gone` messages no longer on the mail server."""
    if gone == 1:
        return env._("1 message is no longer on the mail server.")
    return env._("%(count)s messages are no longer on the mail server.", count=gone)


def _notification(title, message, success):
    """What a server action on messages answers: a notification, nothing to close."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": "success" if success else "warning",
            "title": title,
            "message": message,
            "sticky": False,
        },
    }
