"""A handle on one message of a mailbox, for the mail users act on from Odoo.

The mail stays on the server. A handle names it (account, folder, UIDVALIDITY, UID) and
keeps what the message list shows (subject, sender, date, Message-ID), so that assignments
can refer to it, server actions and automation rules can run on it and lists can show it.
Bodies and attachments are read from the server when an action needs them.
"""

import datetime
import logging
import re

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from ..services import assigning, folders, html, imap
from ..services import exceptions as mail_errors
from .dynaoffice_mail_account_assign import _may_post_on

_logger = logging.getLogger(__name__)
# The specials of RFC 5322 (section 3.2.3): a display name holding one must be quoted.
_NEEDS_QUOTES = re.compile(r'[][\\()<>@,:;".]')

# What one assignment carries into the chatter; beyond it files are left out (and the
# chatter entry says which), as the mail would not have got through most servers anyway.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# Where "open the original" looks for a message that was moved, beyond its own folder.
MAX_LOOKUP_FOLDERS = 50
# References followed to find the record an Odoo-sent mail belonged to (the newest ones).
MAX_REFERENCES = 50


class _BigInteger(fields.Integer):
    """UIDs and UIDVALIDITY are 32-bit unsigned (RFC 3501): beyond a PostgreSQL int4."""

    _column_type = ("int8", "int8")


class DynaofficeMailMessage(models.Model):
    _name = "dynaoffice.mail.message"
    _description = "Mail Message Handle"
    _order = "date desc, id desc"
    _rec_name = "subject"

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

    # -- actions --------------------------------------------------------------------------

    def action_open_in_client(self):
        """The mail client on this message, if it is still on the server (found again by
        its Message-ID when another mail program moved it)."""
        self.ensure_one()
        self.account_id._check_usable()
        folder, uidvalidity, uid = self._locate()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "dynaoffice_mail.dynaoffice_mail_client_action"
        )
        action["params"] = {
            "account_id": self.account_id.id,
            "folder": folder,
            "uidvalidity": uidvalidity,
            "uid": uid,
        }
        return action

    def action_assign_to_sender_contact(self):
        """Server action: each message to the one contact whose address is its sender."""
        assigned = skipped = 0
        for handle in self:
            partner = handle._sender_contact()
            if len(partner) != 1 or not _may_post_on(partner):
                skipped += 1
                continue
            handle.assign_to_record("res.partner", partner.id)
            assigned += 1
        return self._assign_notification(assigned, skipped)

    def action_assign_to_replied_record(self):
        """Server action: each message that answers mail sent from Odoo to that mail's
        record, whatever its model (where the user may post on it)."""
        assigned = skipped = 0
        for handle in self:
            records = self.env["dynaoffice.mail.account"]._replied_records(handle._read_view())
            if len(records) != 1:
                skipped += 1
                continue
            handle.assign_to_record(records[0]._name, records[0].id)
            assigned += 1
        return self._assign_notification(assigned, skipped)

    def assign_to_record(self, res_model, res_id):
        """Post these messages into the chatter of one record, once each; for server
        actions and automation rules: `records.assign_to_record("res.partner", 7)`.

        Returns {handle id: (status, mail.message)}, status "assigned" or "already".
        """
        target = self.env["dynaoffice.mail.account"]._assign_target(res_model, res_id)
        results = {}
        for account, handles in self.grouped("account_id").items():
            account._check_usable()
            for handle in handles:
                results[handle.id] = handle._assign_to(target)
            for (folder, uidvalidity), group in handles.grouped(
                lambda h: (h.folder, h.uidvalidity)
            ).items():
                account._mark_assigned(folder, uidvalidity, group.mapped("uid"))
        return results

    def file_to_record(self, res_model, res_id, what="eml", part_numbers=None):
        """Store these messages as attachments of one record (the .eml file, the
        attachments or both), each file once; for server actions and automation rules:
        `records.file_to_record("res.partner", 7, "both")`.

        Returns {handle id: {"filed", "skipped", "left_out", "gone"}} as
        client_file_to_record answers per UID.
        """
        return self._file_by_place(
            lambda account, folder, uidvalidity, uids: account.client_file_to_record(
                folder, uidvalidity, uids, res_model, res_id, what, part_numbers
            )
        )

    def _file_by_place(self, file):
        """{handle id: result} of `file(account, folder, uidvalidity, uids)`, a filing
        call of the account (answering per UID), made once per folder of these handles."""
        results = {}
        for (account, folder, uidvalidity), handles in self.grouped(
            lambda h: (h.account_id, h.folder, h.uidvalidity)
        ).items():
            by_uid = file(account, folder, uidvalidity, handles.mapped("uid"))
            for handle in handles:
                results[handle.id] = by_uid[handle.uid]
        return results

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

    # -- private --------------------------------------------------------------------------

    @api.model
    def _for_messages(self, account, folder, uidvalidity, uids):
        """{uid: handle} for messages of a folder, made for those that have none yet; UIDs
        no longer on the server are left out."""
        account._check_usable()
        # A folder name is the server's own and never cleaned (it names the folder there);
        # one that no command can carry (NUL, a lone surrogate) cannot be stored either.
        try:
            imap.check_folder_name(folder)
        except mail_errors.InvalidInputError as error:
            raise UserError(account._mailbox_error(error)) from error
        uids = sorted({int(uid) for uid in uids})
        handles = self.search(
            [
                ("account_id", "=", account.id),
                ("folder", "=", folder),
                ("uidvalidity", "=", uidvalidity),
                ("uid", "in", uids),
            ]
        )
        by_uid = {handle.uid: handle for handle in handles}
        missing = [uid for uid in uids if uid not in by_uid]
        if missing:
            summaries = account._imap_run(
                lambda client: assigning.message_summaries(client, folder, uidvalidity, missing),
                safe=True,
            )
            # sudo: users only read handles (ACL); they are made here, for an account the
            # user may use (checked above), from what its server says.
            created = self.sudo().create(
                [
                    {
                        "account_id": account.id,
                        "folder": folder,
                        "uidvalidity": uidvalidity,
                        "uid": uid,
                        "message_id": summary.message_id,
                        "subject": summary.subject,
                        "email_from": _formatted(summary.from_[0]) if summary.from_ else False,
                        "date": _utc(summary.date or summary.internal_date),
                    }
                    for uid, summary in summaries.items()
                ]
            )
            by_uid.update({handle.uid: handle.with_env(self.env) for handle in created})
        return by_uid

    def _read_view(self):
        self.ensure_one()
        return self.account_id._read_message(self.folder, self.uidvalidity, self.uid)

    def _sender_contact(self):
        """The contacts whose address is the sender's (as many as there are)."""
        self.ensure_one()
        address = tools.email_normalize(self.email_from or "")
        if not address:
            return self.env["res.partner"]
        return self.env["res.partner"].search([("email_normalized", "=", address)], limit=2)

    def _assign_to(self, target):
        """Post this message into `target`'s chatter unless it is there already (the same
        Message-ID on the same record); remember the assignment either way."""
        self.ensure_one()
        done = self.assignment_ids.filtered(
            lambda a: a.res_model == target._name and a.res_id == target.id
        )
        if done:
            return "already", done[0].mail_message_id
        view = self._read_view()
        message = self._posted_on(target, view.message_id)
        status = "already"
        if not message:
            message = self._post_on(target, view)
            status = "assigned"
        # sudo: users only read assignments (ACL); one is made here, after the caller was
        # found allowed to use the mailbox and to post on the target (_assign_target).
        self.env["dynaoffice.mail.assignment"].sudo().create(
            {
                "message_id": self.id,
                "res_model": target._name,
                "res_id": target.id,
                "mail_message_id": message.id,
                "rfc_message_id": view.message_id or self.message_id,
            }
        )
        return status, message

    def _posted_on(self, target, rfc_message_id):
        if not rfc_message_id:
            return self.env["mail.message"]
        # sudo: only whether the record's chatter holds this Message-ID already; the user
        # may post there (checked by the caller) but need not see every message in it.
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", target._name),
                    ("res_id", "=", target.id),
                    ("message_id", "=", rfc_message_id),
                ],
                limit=1,
            )
            .with_env(self.env)
        )

    def _post_on(self, target, view):
        """The chatter entry: the mail as it came in, from its sender, on its date."""
        notes = []
        attachments = self._chatter_attachments(view, notes)
        sender = view.from_[0] if view.from_ else None
        # A message without a sender (a draft, a broken header) is the mailbox's own.
        email_from = _formatted(sender) if sender and sender.address else self.account_id.email
        author = target._mail_find_partner_from_emails([email_from], records=target)[0]
        values = {
            "body": self._chatter_body(view, notes),
            "subject": view.subject or False,
            "message_type": "email",
            "subtype_xmlid": "mail.mt_comment",
            "author_id": author.id or False,
            "email_from": email_from,
            "attachments": attachments,
            "parent_id": self._parent_message(target, view).id or False,
        }
        if view.date or self.date:
            values["date"] = _utc(view.date) if view.date else self.date
        if view.message_id:
            values["message_id"] = view.message_id
        # Followers hear of it as of any mail that comes in; the user assigning it does not
        # become one.
        return target.with_context(mail_create_nosubscribe=True).message_post(**values)

    def _chatter_body(self, view, notes):
        _ = self.env._
        if view.html:
            # Remote images stay out (they tell the sender the mail was read); images the
            # body shows from its own parts come along as attachments (cid: links). The
            # chatter is Odoo's page: nothing may position itself over it or take the
            # names of its elements (in_page).
            body = Markup(
                html.sanitize_html(
                    view.html,
                    cid_url=lambda content_id: f"cid:{content_id}",
                    allow_remote=False,
                    in_page=True,
                ).html
            )
        elif view.text:
            body = tools.plaintext2html(view.text)
        else:
            body = Markup()
        if view.truncated:
            notes.append(_("The text was shortened: the message is longer than can be shown."))
        if view.error:
            notes.append(
                _("The message could not be read completely: %(reason)s", reason=view.error)
            )
        for note in notes:
            body += Markup("<p><em>%s</em></p>") % note
        return body

    def _chatter_attachments(self, view, notes):
        """[(filename, content, info)] within MAX_ATTACHMENT_BYTES; what does not fit is
        named in `notes`. A message that could not be read properly comes as its source
        (an .eml file), so that nothing of it is lost in the chatter."""
        account = self.account_id
        address = (self.folder, self.uidvalidity, self.uid)
        if view.error:
            source = account._imap_run(
                lambda client: assigning.read_source(
                    client, *address, max_bytes=MAX_ATTACHMENT_BYTES
                ),
                safe=True,
            )
            if source is None:
                notes.append(self.env._("The original message is too large to attach."))
                return []
            return [(self.env._("original message.eml"), source, {})]
        if not view.attachments:
            return []
        contents = account._imap_run(
            lambda client: assigning.read_attachments(
                client,
                *address,
                [attachment.part_number for attachment in view.attachments],
                max_bytes=MAX_ATTACHMENT_BYTES,
            ),
            safe=True,
        )
        result = []
        for attachment in view.attachments:
            content = contents.get(attachment.part_number)
            if content is None:
                notes.append(
                    self.env._(
                        "%(name)s was left out: the files together are too large.",
                        name=attachment.filename,
                    )
                )
                continue
            info = {"cid": attachment.content_id} if attachment.content_id else {}
            result.append((attachment.filename, content, info))
        return result

    def _parent_message(self, target, view):
        """The message of `target` this mail answers, to thread it in the chatter."""
        references = [ref for ref in (*view.references, view.in_reply_to) if ref]
        if not references:
            return self.env["mail.message"]
        # sudo: only the id, to thread the new entry; message_post checks the rest.
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", target._name),
                    ("res_id", "=", target.id),
                    ("message_id", "in", references[-MAX_REFERENCES:]),
                ],
                order="id desc",
                limit=1,
            )
        )

    def _locate(self):
        """(folder, UIDVALIDITY, UID) of the message on the server now: where the handle
        says, or found again by its Message-ID (the handle then follows it)."""
        self.ensure_one()
        account = self.account_id
        place = (self.folder, self.uidvalidity, self.uid)
        if self._still_there(place):
            return place
        found = self.message_id and account._imap_run(self._find_elsewhere, safe=True)
        if not found:
            raise UserError(
                self.env._(
                    "The message is no longer in %(account)s: it was deleted, or moved "
                    "where it cannot be found.",
                    account=account.name,
                )
            )
        folder, uidvalidity, uid = found
        taken = self.search_count(
            [
                ("account_id", "=", account.id),
                ("folder", "=", folder),
                ("uidvalidity", "=", uidvalidity),
                ("uid", "=", uid),
            ],
            limit=1,
        )
        if not taken:
            # sudo: users only read handles; this one follows its message, which the
            # user's own mailbox (usable, checked by the caller) found there.
            self.sudo().write({"folder": folder, "uidvalidity": uidvalidity, "uid": uid})
        return found

    def _still_there(self, place):
        try:
            return bool(
                self.account_id._imap_run(
                    lambda client: assigning.message_summaries(
                        client, place[0], place[1], [place[2]]
                    ),
                    safe=True,
                )
            )
        except UserError as error:
            # Renumbered, or gone with its folder: the caller looks for it by Message-ID.
            _logger.info("Message %s not where its handle says: %s", self.id, error)
            return False

    def _find_elsewhere(self, client):
        names = [self.folder] + [
            folder.name
            for folder in folders.list_folders(client)
            if folder.selectable and folder.name != self.folder
        ]
        return assigning.find_message(client, names[:MAX_LOOKUP_FOLDERS], self.message_id)

    @api.model
    def _assign_notification(self, assigned, skipped):
        if skipped:
            message = self.env._(
                "Messages assigned: %(assigned)s; left alone (no single match): %(skipped)s.",
                assigned=assigned,
                skipped=skipped,
            )
        else:
            message = self.env._("Messages assigned: %(assigned)s.", assigned=assigned)
        return _notification(self.env._("Assign mail"), message, success=bool(assigned))

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


def _formatted(address):
    """The sender as people read it: the name quoted only where RFC 5322 needs it.

    Odoo's `formataddr` always quotes the name, and the chatter and the assigned-mail list
    show this text as it is. Python's `email.utils.formataddr` quotes only when needed but
    encodes a non-ASCII name (=?utf-8?...?=), which nobody should read.
    """
    name = address.name or ""
    formatted = tools.formataddr((name, address.address or ""))
    if name and name.isprintable() and not _NEEDS_QUOTES.search(name):
        return formatted.replace(f'"{name}"', name, 1)
    return formatted


def _utc(moment):
    """A time with zone as the naive UTC time Odoo stores, or False."""
    if not moment:
        return False
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
