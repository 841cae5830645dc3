"""Who has a reply to a group mailbox's message open in the composer (roles/team.py).

A row per user, account and Message-ID, refreshed by the composer's heartbeat and dropped
when it closes; rows older than the window do not count, and the autovacuum removes them.
Closed to users (no ACL): the team role writes and reads it after its access check.
"""

import datetime

from odoo import api, fields, models
from odoo.tools import SQL

from ..roles.team import replying_since


class DynaofficeMailReplying(models.Model):
    _name = "dynaoffice.mail.replying"
    _description = "Reply open in a mail composer"

    _sql_constraints = [
        (
            "user_account_message_unique",
            "unique(user_id, account_id, message_id)",
            "A user replies to a message once at a time.",
        ),
    ]

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    account_id = fields.Many2one(
        "dynaoffice.mail.account", required=True, ondelete="cascade", index=True
    )
    message_id = fields.Char(string="Message-ID", required=True, index=True)
    seen_at = fields.Datetime(required=True, string="Last Seen Open")

    @api.model
    def _heartbeat(self, account, message_id):
        """The user has a reply to `message_id` of `account` (checked by the caller) open.
        Returns whether that is news: no row, or only one that had expired."""
        # One statement: two tabs saying it at once must not trip over the unique key.
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO dynaoffice_mail_replying
                    (user_id, account_id, message_id, seen_at, create_uid, create_date,
                     write_uid, write_date)
                VALUES (%(uid)s, %(account)s, %(message_id)s, %(now)s, %(uid)s, %(now)s,
                        %(uid)s, %(now)s)
                ON CONFLICT (user_id, account_id, message_id)
                DO UPDATE SET seen_at = EXCLUDED.seen_at
                RETURNING (SELECT seen_at FROM dynaoffice_mail_replying
                           WHERE user_id = %(uid)s AND account_id = %(account)s
                             AND message_id = %(message_id)s)
                """,
                account=account.id,
                message_id=message_id,
                now=fields.Datetime.now(),
                uid=self.env.uid,
            )
        )
        before = self.env.cr.fetchone()[0]
        self.invalidate_model()
        return before is None or before < replying_since()

    @api.model
    def _drop(self, account, message_id):
        """The user's reply to `message_id` closed; returns whether one was open."""
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM dynaoffice_mail_replying
                WHERE user_id = %s AND account_id = %s AND message_id = %s
                RETURNING seen_at
                """,
                self.env.uid,
                account.id,
                message_id,
            )
        )
        gone = self.env.cr.fetchone()
        self.invalidate_model()
        return bool(gone) and gone[0] >= replying_since()

    @api.model
    def _current(self, account, message_id):
        """Who has a reply to `message_id` of `account` open now, first come first."""
        return self.search(
            [
                ("account_id", "=", account.id),
                ("message_id", "=", message_id),
                ("seen_at", ">=", replying_since()),
            ],
            order="create_date, id",
        ).filtered(lambda row: account._is_usable_by(row.user_id))

    @api.autovacuum
    def _gc_replying(self):
        """Rows of replies nobody has had open for an hour."""
        self.env.cr.execute(
            "DELETE FROM dynaoffice_mail_replying WHERE seen_at < %s",
            (fields.Datetime.now() - datetime.timedelta(hours=1),),
        )
