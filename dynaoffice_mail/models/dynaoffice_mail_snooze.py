"""A snoozed message: it waits on the server in "Snoozed" (services/snoozing.py) and comes
back to its folder, unread, at `until`. The record names it by Message-ID, which survives
the moves; the message itself is never stored in Odoo."""

import logging
import threading

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..roles.snoozer import mailbox_unreachable

_logger = logging.getLogger(__name__)


class DynaofficeMailSnooze(models.Model):
    _name = "dynaoffice.mail.snooze"
    _description = "Snoozed Mail"
    _order = "until, id"
    _rec_name = "subject"

    account_id = fields.Many2one(
        "dynaoffice.mail.account", required=True, index=True, ondelete="cascade", readonly=True
    )
    # A user deleted meanwhile leaves the snooze to the mailbox: the mail comes back all the
    # same, brought by another member (_acting_user).
    user_id = fields.Many2one("res.users", string="Snoozed by", ondelete="set null", readonly=True)
    folder = fields.Char(string="Returns to", required=True, readonly=True)
    message_id = fields.Char(string="Message-ID", required=True, readonly=True)
    subject = fields.Char(readonly=True)
    email_from = fields.Char(string="From", readonly=True)
    date = fields.Datetime(readonly=True)
    until = fields.Datetime(string="Snoozed until", required=True, index=True, readonly=True)

    @api.depends("subject")
    def _compute_display_name(self):
        for snooze in self:
            snooze.display_name = snooze.subject or self.env._("(no subject)")

    def action_unsnooze(self):
        """ "Unsnooze now": the messages back to their folders at once, unread. One that
        another mail program took out of "Snoozed" meanwhile is not brought anywhere (its
        snooze is dropped): the user is told so, or he would look for it in its folder."""
        gone = []
        for snooze in self:
            subject = snooze.display_name
            if snooze.account_id._snoozer().wake(snooze) is None:
                gone.append(subject)
        if not gone:
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "message": self.env._(
                    "Not brought back, as another mail program had already moved or deleted "
                    "it from Snoozed: %(subjects)s. It is no longer snoozed.",
                    subjects=", ".join(f"“{subject}”" for subject in gone),
                ),
                "sticky": True,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _json(self):
        return [
            {
                "id": snooze.id,
                "folder": snooze.folder,
                "message_id": snooze.message_id,
                "subject": snooze.subject or "",
                "email_from": snooze.email_from or "",
                "date": snooze.date and fields.Datetime.to_string(snooze.date),
                "until": fields.Datetime.to_string(snooze.until),
                "user": snooze.user_id.name or "",
            }
            for snooze in self
        ]

    @api.model
    def _cron_wake(self):
        """Bring back the messages whose time has come, each as a user of its mailbox.

        One message at a time, each committed: a mailbox that is down must not keep the
        others snoozed. Nor may its server's timeout, waited out once per run, not once per
        message: ten of them at 20 seconds each would outlast the cron's time limit, run
        after run, and the mail of every mailbox after them would never come back.
        This is a cron entry point: committing per message is what it is for.
        """
        unreachable = set()
        for snooze in self.search([("until", "<=", fields.Datetime.now())]):
            if snooze.account_id.id in unreachable:
                continue  # tried again at the next run
            user = snooze._acting_user()
            if not user:
                _logger.warning(
                    "Snoozed message %s of account %s: nobody may use the account any more",
                    snooze.message_id,
                    snooze.account_id.id,
                )
                continue
            account = snooze.account_id.with_user(user)
            try:
                account._snoozer().wake(snooze.with_user(user))
            except UserError as error:
                _logger.info("Snoozed message %s stays for now: %s", snooze.message_id, error)
                if mailbox_unreachable(error):
                    unreachable.add(snooze.account_id.id)
            if not getattr(threading.current_thread(), "testing", False):
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _acting_user(self):
        """Who brings the message back: who snoozed it, or (having left the group of a
        group mailbox, or deleted) another member; none for a mailbox nobody may use."""
        self.ensure_one()
        account = self.account_id
        if account._is_usable_by(self.user_id):
            return self.user_id
        members = account.group_id.users.filtered(lambda user: user.active and not user.share)
        return members[:1]
