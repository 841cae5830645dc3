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
worker. `send_after` is when a queued entry may go.

Sending later and undoing a send: a `scheduled` entry is one the server sends, not the
request: its mail waits in Drafts on the IMAP server (so it survives anything), and a cron
sends it once `send_after` has come (a trigger wakes the cron at that moment), through the
same claim as an immediate send. Until the claim, "Cancel" (or "Undo") takes the entry away
in one locked transaction; once claimed, it is too late. A scheduled send that fails before
the server had the mail is tried again later (`failed`, with the error shown and a later
`send_after`); one whose worker died while sending becomes `uncertain` (STALE_SENDING after
it started) and is never sent again by itself.

The Sent copy: filed right after sending; when the mailbox cannot be reached then, the entry
keeps the message and a cron files it when the server is back. The draft is removed only
once the Sent copy exists.
"""

import datetime
import logging
import threading
from contextlib import contextmanager

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# States in which a send may start: nothing went out (yet), or it failed before the server
# had the message.
SENDABLE = ("queued", "failed")
# A send that has not finished after this long died with its worker: whether the server got
# the message is unknown.
STALE_SENDING = datetime.timedelta(minutes=15)
# A scheduled send that failed before the server had the mail (the server was down) is tried
# again after this, doubled each time up to RETRY_MAX, and given up after RETRY_ATTEMPTS.
RETRY_FIRST = datetime.timedelta(minutes=5)
RETRY_MAX = datetime.timedelta(hours=2)
RETRY_ATTEMPTS = 8
# The cron that sends scheduled mail (data/dynaoffice_mail_cron.xml).
SEND_CRON = "dynaoffice_mail.dynaoffice_mail_outbox_cron_send_scheduled"
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
    # The server sends it at send_after (sending later, the undo window), from Drafts.
    scheduled = fields.Boolean(index=True, readonly=True)
    # Whether a failed scheduled send is tried again at send_after.
    retry = fields.Boolean(readonly=True)
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
                entry, state = outbox._locked(account, message_id)
                if not entry:
                    entry = outbox.create(
                        dict(
                            _entry_values(values),
                            account_id=account.id,
                            user_id=self.env.uid,
                            message_id=message_id,
                        )
                    )
                else:
                    if state == "sending" and entry._stale(_now()):
                        entry.write({"state": "uncertain", "error": "sending never finished"})
                        state = "uncertain"
                    if state not in allowed:
                        return entry.id, state
                    entry.write(_entry_values(values))
                entry._start_sending()
                return entry.id, None
        except _CLAIM_CONFLICTS:
            _logger.info("outbox entry of %s is being sent by another request", message_id)
            return None, "sending"

    def _start_sending(self, now=None):
        self.ensure_one()
        self.write(
            {
                "state": "sending",
                "sending_since": now or fields.Datetime.now(),
                "attempts": self.attempts + 1,
                "error": False,
                "retry": False,
            }
        )

    @api.model
    def _schedule(self, account, message_id, values, send_after):
        """Queue `message_id` for the server to send at `send_after` (its mail is in
        Drafts, which `values["draft"]` names), in a transaction of its own; the cron is
        woken at that moment. (entry id, None), or (entry id or None, state) for a message
        that is sending, sent or may have been sent already: that one is not queued."""
        try:
            with self._own_transaction() as outbox:
                entry, state = outbox._locked(account, message_id)
                if entry and state not in SENDABLE:
                    return entry.id, state
                values = dict(
                    _entry_values(values),
                    # Whoever sends it now is its sender, also of an entry another member
                    # of a group mailbox scheduled (its draft is in the shared Drafts): his
                    # to see, undo and change, and sent while he may use the mailbox.
                    user_id=self.env.uid,
                    state="queued",
                    scheduled=True,
                    retry=False,
                    send_after=send_after,
                    attempts=0,
                    error=False,
                )
                if entry:
                    entry.write(values)
                else:
                    entry = outbox.create(
                        dict(values, account_id=account.id, message_id=message_id)
                    )
                outbox.env.ref(SEND_CRON)._trigger(at=send_after)
                return entry.id, None
        except _CLAIM_CONFLICTS:
            return None, "sending"

    @api.model
    def _unschedule(self, entry_id):
        """Take a scheduled entry away before it is sent ("Cancel", "Undo"), atomically
        with respect to the cron's claim: ((draft reference JSON, Message-ID), None) when it
        is taken away, (None, state) when it is sending, sent or may have been sent."""
        try:
            with self._own_transaction() as outbox:
                entry, state = outbox._locked(None, None, entry_id=entry_id)
                if not entry or not entry.scheduled:
                    return None, "gone"
                if state not in SENDABLE:
                    return None, state
                taken = (entry.draft_ref, entry.message_id)
                entry.unlink()
                return taken, None
        except _CLAIM_CONFLICTS:
            return None, "sending"

    @api.model
    def _reschedule(self, entry_id, send_after):
        """A new time for a scheduled entry not claimed yet: True when it was changed."""
        try:
            with self._own_transaction() as outbox:
                entry, state = outbox._locked(None, None, entry_id=entry_id)
                if not entry or not entry.scheduled or state not in SENDABLE:
                    return False
                entry.write({"state": "queued", "send_after": send_after, "error": False})
                outbox.env.ref(SEND_CRON)._trigger(at=send_after)
                return True
        except _CLAIM_CONFLICTS:
            return False

    @api.model
    def _claim_scheduled(self, entry_id, now=None, due_only=True):
        """Take a scheduled entry for sending (the cron, "Send now"): the entry (on a
        cursor that is closed: read its fields only) when the caller is to send, else
        None. `due_only`: only when its time has come and it is to be tried (again)."""
        now = now or _now()
        try:
            with self._own_transaction() as outbox:
                entry, state = outbox._locked(None, None, entry_id=entry_id)
                if not entry or not entry.scheduled or state not in SENDABLE:
                    return None
                if due_only and (entry.send_after > now or (state == "failed" and not entry.retry)):
                    return None
                entry._start_sending(now)
                return {
                    "id": entry.id,
                    "message_id": entry.message_id,
                    "draft_ref": entry.draft_ref,
                    "original_ref": entry.original_ref,
                    "attempts": entry.attempts,
                }
        except _CLAIM_CONFLICTS:
            return None

    def _locked(self, account, message_id, entry_id=None):
        """(entry, state) of an account's Message-ID (or of `entry_id`), locked for this
        transaction, or (empty, None); raises LockNotAvailable when another one holds it."""
        if entry_id:
            query = "SELECT id, state FROM dynaoffice_mail_outbox WHERE id = %s FOR UPDATE NOWAIT"
            params = (entry_id,)
        else:
            query = (
                "SELECT id, state FROM dynaoffice_mail_outbox"
                " WHERE account_id = %s AND message_id = %s FOR UPDATE NOWAIT"
            )
            params = (account.id, message_id)
        # Another request holding the entry is an answer, not an error.
        self.env.cr.execute(query, params, log_exceptions=False)
        row = self.env.cr.fetchone()
        if row is None:
            return self.browse(), None
        return self.browse(row[0]), row[1]

    def _stale(self, now):
        """A send that started this long ago died with its worker."""
        self.ensure_one()
        return bool(self.sending_since) and self.sending_since < now - STALE_SENDING

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
            self._commit_batch()

    # -- scheduled mail: sending later, the undo window -------------------------------------

    @api.model
    def _cron_send_scheduled(self, now=None):
        """Send the scheduled mail whose time has come, each as its sender (who may still
        use the account), and mark the sends whose worker died as "may have been sent".

        One entry at a time, each committed: a mail that went out stays recorded as sent
        whatever befalls the next. This is a cron entry point: committing per entry is what
        it is for. `now` is for tests (a controllable clock).
        """
        now = now or _now()
        for entry in self.search(
            [
                ("scheduled", "=", True),
                ("state", "=", "sending"),
                ("sending_since", "<", now - STALE_SENDING),
            ]
        ):
            self._record(
                entry.id,
                state="uncertain",
                error=entry._sender_env()._(
                    "Sending was interrupted after it had started: the mail may have been "
                    'sent. It is kept in Drafts: open it there and choose "Send again '
                    'anyway" or "Mark as sent".'
                ),
            )
            self._commit_batch()
        due = self.search(
            [
                ("scheduled", "=", True),
                ("send_after", "<=", now),
                "|",
                ("state", "=", "queued"),
                "&",
                ("state", "=", "failed"),
                ("retry", "=", True),
            ],
            order="send_after, id",
        )
        for entry in due:
            sender = entry.user_id
            _ = entry._sender_env()._
            refusal = None
            if not sender.active:
                # The sender left (his user is archived): nothing more goes out in his name,
                # as nothing would had he left the group. The mail stays in Drafts, where a
                # colleague of a group mailbox may send it himself.
                refusal = _(
                    "Not sent: the sender's user was archived before its time came. The "
                    "mail is in its Drafts folder."
                )
            # Asked of the cron's view: a sender who left the group cannot read the account.
            elif not entry.account_id._is_usable_by(sender):
                refusal = _(
                    "Not sent: you may no longer use this mailbox. The mail is in its "
                    "Drafts folder."
                )
            if refusal:
                self._record(entry.id, state="failed", retry=False, error=refusal)
            else:
                account = entry.account_id.with_user(sender).with_context(lang=sender.lang)
                try:
                    result = account._composer().send_scheduled(entry.id, now=now)
                except Exception:
                    # Recorded as failed by send_scheduled; the others still go.
                    _logger.exception("Scheduled mail %s was not sent", entry.message_id)
                else:
                    if result.get("sent") and result.get("problems"):
                        entry._tell_sender(result["problems"])
            self._commit_batch()

    def _tell_sender(self, problems):
        """Tell the sender what went wrong with his mail the cron sent (`problems`: texts in
        his language), such as the recipients the server refused: nobody is there to read
        the cron's answer, and the mail, sent, leaves the "Scheduled" view. As Odoo tells the
        author of a scheduled message it could not post (mail.scheduled.message): in his
        Inbox, or by email, as he chose to be notified."""
        self.ensure_one()
        _ = self._sender_env()._
        body = Markup("<p>%s</p>") % _(
            "Your mail “%(subject)s” was sent at its time, but:", subject=self.subject or ""
        )
        body += Markup("").join(Markup("<p>%s</p>") % problem for problem in problems)
        try:
            with self.env.cr.savepoint():
                # sudo: a notification from OdooBot (as the cron's of scheduled messages)
                # to the sender about his own mail, which he may not post on any record.
                self.env["mail.thread"].sudo().message_notify(
                    partner_ids=self.user_id.partner_id.ids,
                    author_id=self.env.ref("base.partner_root").id,
                    subject=_(
                        "Scheduled mail sent with problems: %(subject)s",
                        subject=self.subject or "",
                    ),
                    body=body,
                )
        except Exception:
            _logger.exception("Could not tell the sender about scheduled mail %s", self.message_id)

    def _sender_env(self):
        """The environment in the sender's language, for texts the sender reads later."""
        self.ensure_one()
        return self.env(context=dict(self.env.context, lang=self.user_id.lang))

    def _commit_batch(self):
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _fail_scheduled(self, entry, error, retry, now=None):
        """A scheduled send failed before the server had the mail: tried again later (with
        `retry`, a while after `now`, up to RETRY_ATTEMPTS), else left with its error."""
        now = now or _now()
        retry = retry and entry["attempts"] < RETRY_ATTEMPTS
        values = {"state": "failed", "error": error, "retry": retry}
        if retry:
            delay = min(RETRY_FIRST * 2 ** max(entry["attempts"] - 1, 0), RETRY_MAX)
            values["send_after"] = now + delay
        self._record(entry["id"], **values)
        if retry:
            with self._own_transaction() as outbox:
                outbox.env.ref(SEND_CRON)._trigger(at=values["send_after"])

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
