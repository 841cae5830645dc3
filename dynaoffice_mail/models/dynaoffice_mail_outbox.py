"""The outbox: what was sent, by Message-ID, recorded outside the request's transaction.

Odoo runs an RPC call in one database transaction and, when that transaction hits a
serialization failure, rolls it back and runs the whole call again (`retrying`). A mail
handed to an SMTP server cannot be taken back by a rollback. So each message the user sends
gets an outbox entry, keyed by the account and the message's Message-ID (given when the
composer opens and kept through every save and retry), whose state is committed in a
transaction of its own as it changes:

    queued -> sending -> sent | uncertain | failed

Only `queued` and `failed` entries are sent (an `uncertain` one only when the user says
"Send again anyway"): a Message-ID that is being sent, was sent or may have been sent is
never sent again by a retried transaction, a double click, a second tab or a restarted
worker. `send_after` is when a queued entry may go (sending later and undoing a send build
on it).

The Sent copy: filed right after sending; when the mailbox cannot be reached then, the entry
keeps the message and a cron files it when the server is back. The draft is removed only
once the Sent copy exists.
"""

import datetime
import logging
import threading
from contextlib import contextmanager

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# States in which a send may start: nothing went out (yet), or it failed before the server
# had the message.
SENDABLE = ("queued", "failed")
# A send that has not finished after this long died with its worker: whether the server got
# the message is unknown.
STALE_SENDING = datetime.timedelta(minutes=15)
# Errors of a competing claim on the same entry (a second tab, a double click).
_CLAIM_CONFLICTS = (
    psycopg2.errors.UniqueViolation,
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.LockNotAvailable,
)


class DynaofficeMailOutbox(models.Model):
    _name = "dynaoffice.mail.outbox"
    _description = "Mail Outbox Entry"
    _order = "id desc"
    _rec_name = "subject"

    _sql_constraints = [
        (
            "message_unique",
            "UNIQUE (account_id, message_id)",
            "A message is sent from an account once.",
        ),
    ]

    account_id = fields.Many2one(
        "dynaoffice.mail.account", required=True, index=True, ondelete="cascade", readonly=True
    )
    user_id = fields.Many2one(
        "res.users", string="Sender", required=True, index=True, ondelete="cascade", readonly=True
    )
    message_id = fields.Char(string="Message-ID", required=True, readonly=True)
    subject = fields.Char(readonly=True)
    recipients = fields.Char(readonly=True)
    state = fields.Selection(
        string="Status",
        selection=[
            ("queued", "Queued"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("uncertain", "May have been sent"),
            ("failed", "Not sent"),
        ],
        required=True,
        default="queued",
        index=True,
        readonly=True,
    )
    send_after = fields.Datetime(default=fields.Datetime.now, index=True, readonly=True)
    sending_since = fields.Datetime(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    attempts = fields.Integer(readonly=True)
    error = fields.Text(readonly=True)
    sent_copy = fields.Selection(
        [("pending", "Pending"), ("done", "Filed")],
        readonly=True,
    )
    # What filing the Sent copy later needs: the message as sent, the draft to remove and
    # the original to mark. The message is an attachment of the entry (kept in the filestore,
    # never read into a field's base64) and goes when the Sent copy is filed. The draft and
    # the original are MessageRef JSON (the Composer role reads them; entries from before
    # a reference named its account lack "account").
    message_attachment_id = fields.Many2one(
        "ir.attachment", string="Message as Sent", readonly=True, ondelete="set null"
    )
    draft_ref = fields.Json(string="Draft", readonly=True)
    original_ref = fields.Json(string="Original", readonly=True)

    # -- claiming and recording (each in a transaction of its own) ------------------------

    @api.model
    def _claim(self, account, message_id, values, force=False):
        """Take the entry of `message_id` for sending, in a transaction of its own.

        Returns (entry id, None) when the caller is to send now, else (entry id or None,
        state) for a message that is sending, sent or may have been sent already (or
        "sending" when another request holds the entry at this moment).
        """
        allowed = SENDABLE + ("uncertain",) if force else SENDABLE
        try:
            with self._own_transaction() as outbox:
                outbox.env.cr.execute(
                    "SELECT id, state, sending_since FROM dynaoffice_mail_outbox"
                    " WHERE account_id = %s AND message_id = %s FOR UPDATE NOWAIT",
                    (account.id, message_id),
                    # Another request holding the entry is an answer, not an error.
                    log_exceptions=False,
                )
                row = outbox.env.cr.fetchone()
                if row is None:
                    entry = outbox.create(
                        dict(
                            _entry_values(values),
                            account_id=account.id,
                            user_id=self.env.uid,
                            message_id=message_id,
                        )
                    )
                else:
                    entry = outbox.browse(row[0])
                    state = row[1]
                    if state == "sending" and row[2] and row[2] < _now() - STALE_SENDING:
                        entry.write({"state": "uncertain", "error": "sending never finished"})
                        state = "uncertain"
                    if state not in allowed:
                        return entry.id, state
                    entry.write(_entry_values(values))
                entry.write(
                    {
                        "state": "sending",
                        "sending_since": fields.Datetime.now(),
                        "attempts": entry.attempts + 1,
                        "error": False,
                    }
                )
                return entry.id, None
        except _CLAIM_CONFLICTS:
            _logger.info("outbox entry of %s is being sent by another request", message_id)
            return None, "sending"

    @api.model
    def _record(self, entry_id, **values):
        """Commit a change of the entry at once, whatever becomes of the request."""
        with self._own_transaction() as outbox:
            entry = outbox.browse(entry_id)
            if values.pop("drop_message", False):
                entry.message_attachment_id.unlink()
            message = values.pop("keep_message", None)
            if message:
                entry._keep_message(message)
            entry.write(values)

    @api.model
    def _entry_state(self, account, message_id):
        """(entry, state) of `message_id` as committed (not as this transaction saw it)."""
        with self._own_transaction() as outbox:
            entry = outbox.search(
                [("account_id", "=", account.id), ("message_id", "=", message_id)], limit=1
            )
            return entry.id, entry.state

    @contextmanager
    def _own_transaction(self):
        """This model, sudo, on a cursor of its own that is committed when the block ends.

        sudo: users only read their entries; the addon writes them, for a mailbox the
        caller was found allowed to use.
        """
        with self.env.registry.cursor() as cr:
            yield self.env(cr=cr, su=True)[self._name]

    def _keep_message(self, data):
        """Keep the message as sent (bytes, or the file compose.spool wrote) with the entry.
        ir.attachment takes only bytes, so a file is read into memory here, once: only when
        the mailbox could not take the Sent copy."""
        self.ensure_one()
        if not isinstance(data, bytes):
            data.seek(0)
            data = data.read()
        self.message_attachment_id.unlink()
        self.message_attachment_id = self.env["ir.attachment"].create(
            {
                "name": f"{self.message_id}.eml",
                "raw": data,
                "mimetype": "message/rfc822",
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    # -- the Sent copies the mailbox could not take when the mail went out ----------------

    @api.model
    def _cron_file_sent_copies(self):
        """File the Sent copies still pending, each as its sender (who may use the account).

        One entry at a time, each committed: a mailbox that is still down must not undo what
        the others filed. This is a cron entry point: committing per entry is what it is for.
        """
        for entry in self.search([("state", "=", "sent"), ("sent_copy", "=", "pending")]):
            account = entry.account_id.with_user(entry.user_id)
            if not account._is_usable_by(entry.user_id):
                continue  # the sender left the group: the copy waits for nobody
            try:
                self.with_user(entry.user_id)._file_pending_copy(entry.id, account._composer())
            except UserError as error:
                _logger.info("Sent copy of %s still pending: %s", entry.message_id, error)
            if not getattr(threading.current_thread(), "testing", False):
                self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _file_pending_copy(self, entry_id, composer):
        """File the Sent copy of a sent entry whose copy is pending, with `composer` (the
        Composer role of the entry's account, for its sender); True when it is there.

        The entry is read in a transaction of its own: it may be younger than this
        request's view of the database (another request sent the mail meanwhile).
        """
        with self._own_transaction() as outbox:
            entry = outbox.browse(entry_id).exists()
            if not entry or entry.sent_copy != "pending":
                return False
            data = entry.message_attachment_id.raw
            filing = composer.stored_filing(entry.draft_ref, entry.original_ref)
        if not data:
            return False
        _problems, filed = composer.file_sent(data, filing)
        if filed:
            self._record(entry_id, sent_copy="done", drop_message=True)
        return filed


def _entry_values(values):
    """What the entry keeps of the composer's values: for lists and for filing later
    (`draft` and `original` as the Composer role checked them: MessageRef JSON)."""
    recipients = [str(entry) for key in ("to", "cc", "bcc") for entry in values.get(key) or ()]
    return {
        "subject": (values.get("subject") or "")[:500],
        "recipients": ", ".join(recipients)[:2000],
        "draft_ref": values.get("draft") or False,
        "original_ref": values.get("original") or False,
    }


def _now():
    return fields.Datetime.now()
