"""Writing mail from an account: compose, drafts on the server, sending, the Sent copy.

Uploaded files wait in ir.attachment records that belong to nothing (res_id 0, readable by
their uploader only) until the mail is sent or discarded.

A message is written once, to a temporary file (mime.spool), its attachments streamed
into it from the filestore; saving, sending and filing read that file in chunks. A draft
is reopened from a temporary file as well, each attachment decoded from it only to be
stored. So a large attachment is in memory at most once, while it is stored.

The outbox (dynaoffice.mail.outbox) records each Message-ID's state in transactions of its
own, so that a mail that is being sent, was sent or may have been sent is not sent again
when Odoo retries the call, on a double click or from another tab.
"""

import dataclasses
import datetime
import io
import logging
import re
import smtplib

import pytz

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import html_sanitize, plaintext2html
from odoo.tools.misc import human_size

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from ..services import (
    addresses,
    folders,
    html,
    imap,
    limits,
    mime,
    reading,
    replies,
    schedule,
    sending,
    spool,
)
from ..services import exceptions as mail_errors
from ..services import filing as imap_filing
from ..services.refs import MessageRef
from .base import Role
from .errors import explain, refused_recipients
from .mailbox import Mailbox

_logger = logging.getLogger(__name__)

OUTBOX = "dynaoffice.mail.outbox"
COMPOSE_MODES = ("new", "reply", "reply_all", "forward", "forward_attachment", "draft")
UPLOAD_AGE_LIMIT = datetime.timedelta(days=2)
# The model the composer's uploads are attachments of (with res_id 0: of no record).
UPLOADS_MODEL = "dynaoffice.mail.account"
# Where the editor shows a picture of the text (cid:) from its upload, readable by the
# uploader only (see _shown_pictures); never part of a mail.
SHOWN_PICTURE_URL = "/web/image/{}"
# The editor may have made the URL absolute: any host's is taken back (it becomes cid:).
# So are the pictures of the account's signature, as Odoo's editor links them:
# /web/image/<id>-<checksum>/<name>?access_token=... (see _signature_pictures).
_SHOWN_PICTURE = re.compile(
    r"(?:(?:https?:)?//[^/]*)?/web/image/(\d{1,18})(?:-[0-9a-f]+)?(?:[/?#].*)?", re.DOTALL
)


@dataclasses.dataclass(frozen=True)
class Filing:
    """What is done on the mailbox once a mail went out: the draft to remove and the
    original to mark, as answered or (`forwarded`) as forwarded."""

    draft: MessageRef | None = None
    original: MessageRef | None = None
    forwarded: bool = False

    def json(self):
        """The composer's `draft` and `original` (the outbox keeps them alike)."""
        original = None
        if self.original:
            original = dict(self.original.json(), forwarded=self.forwarded)
        return {"draft": self.draft.json() if self.draft else None, "original": original}


class DraftGoneError(UserError):
    """The draft of a scheduled mail is not in Drafts any more."""


class Composer(Role):
    """Writing, saving, sending and filing the mail of one account."""

    # -- what the client calls ----------------------------------------------------------

    def open(self, mode, ref=None):
        """What the composer starts with: recipients, subject, body with the signature
        (and the quoted original for replies and forwards), files carried along. `ref`
        names the message answered or forwarded, or the draft to reopen."""
        account = self.account
        if mode not in COMPOSE_MODES:
            raise UserError(self.env._("Unknown way of writing: %(mode)s", mode=mode))
        filing = Filing()
        uploads = None
        notes = []
        if mode == "new":
            draft = mime.Draft(
                from_name=account._from_name(),
                from_address=account.email,
                html_body=replies.new_body(account.signature or ""),
            )
        elif mode == "draft":
            with self._spool_source(ref) as source:
                draft = mime.read_draft(source)
                # Stored while the source is open: each file is read from it.
                uploads = self.store_uploads(draft.attachments)
            if not draft.html_body and draft.text_body:
                # A draft in plain text (another program's): the editor takes HTML only.
                draft.html_body = plaintext2html(draft.text_body)
            # Another mail program may have written the draft (into a group mailbox, too):
            # it goes into Odoo's page like quoted mail (in_page), its cid: links kept.
            draft.html_body = html.sanitize_html(
                html_sanitize(draft.html_body or ""),
                cid_url=lambda content_id: f"cid:{content_id}",
                allow_remote=False,
                in_page=True,
            ).html
            filing = Filing(draft=ref, original=self._replied_original(draft.in_reply_to))
        else:
            view = Mailbox(account).message_view(ref)
            quoted = self._quoted_html(view)
            filing = Filing(original=ref, forwarded=mode.startswith("forward"))
            if mode in ("reply", "reply_all"):
                draft = replies.reply_draft(
                    view,
                    own_addresses=[account.email],
                    reply_all=mode == "reply_all",
                    from_name=account._from_name(),
                    from_address=account.email,
                    signature_html=account.signature or "",
                    quoted_html=quoted,
                    intro=self._quote_intro(view),
                    # Translated: a German user answers "AW:" and forwards "WG:".
                    prefix=self.env._("Re:"),
                )
            else:
                draft = self._forward_draft(view, ref, mode, quoted, notes)
        if uploads is None:
            uploads = self.store_uploads(draft.attachments)
        body_html = _shown_pictures(draft.html_body, uploads)
        return {
            "account_id": account.id,
            # The Message-ID the mail will be sent with, through every save and retry.
            "message_id": draft.message_id or mime.new_message_id(account.email),
            "from_display": addresses.format_address(
                addresses.Address(name=account._from_name(), address=account.email)
            ),
            "to": list(draft.to),
            "cc": list(draft.cc),
            "bcc": list(draft.bcc),
            "subject": draft.subject,
            "body_html": body_html,
            "in_reply_to": draft.in_reply_to,
            "references": list(draft.references),
            **filing.json(),
            "attachments": uploads,
            "notes": notes,
        }

    def save_draft(self, values):
        """Store the draft in the server's Drafts folder (replacing its last version)."""
        message = self._build_outgoing(values)
        filing = self._filing(values)
        # Another window on the same mail may have sent it meanwhile: saved now, it would
        # stay in Drafts as a mail never sent.
        _entry_id, state = self.env[OUTBOX]._entry_state(self.account, message["Message-ID"])
        if state == "sent":
            raise UserError(
                self.env._(
                    "This mail has been sent already (from another window): it is not "
                    "saved as a draft again."
                )
            )
        if state == "sending":
            raise UserError(
                self.env._(
                    "This mail is being sent right now (from another window or by an earlier "
                    "click). Wait a moment and look in Sent."
                )
            )
        with mime.spool(message) as data:
            return {"draft": self._store_draft(data, filing.draft).json()}

    def send(self, values, force=False, message=None):
        """Send the mail the account's way, then file it in Sent, mark the original and
        remove the draft. A failure to send keeps the mail as a draft; a failure after
        sending is reported, never answered by sending again.

        The outbox records the Message-ID's state: a message that is being sent, was sent
        or may have been sent is not sent again. `force` sends a message that may have
        been sent ("Send again anyway"), with the same Message-ID. `message`, when given,
        is the mail to send (built by the caller: an invitation's answer), which `values`
        then only describe for the outbox.
        """
        if message is None:
            message = self._build_outgoing(values)
        message_id = message["Message-ID"]
        filing = self._filing(values)
        # What is sent, kept in Drafts on failure and filed in Sent: the same file.
        with mime.spool(message) as data:
            Outbox = self.env["dynaoffice.mail.outbox"]
            entry_id, state = Outbox._claim(
                self.account, message_id, dict(values, **filing.json()), force=force
            )
            if state is not None:
                return self._outbox_answer(entry_id, state, message_id, values, filing)
            try:
                refusals = self._deliver(message, data)
            except mail_errors.MailServiceError as error:
                uncertain = isinstance(error, mail_errors.DeliveryUncertainError)
                Outbox._record(
                    entry_id,
                    state="uncertain" if uncertain else "failed",
                    # Our words, not the server's (those go to the log).
                    error=explain(self.account, error, self.account.smtp_port),
                )
                return dict(self._keep_as_draft(data, filing.draft, error), uncertain=uncertain)
            except Exception as error:
                # Refused before anything was sent (not allowed any more, say): a failure.
                Outbox._record(entry_id, state="failed", error=str(error)[:2000])
                raise
            Outbox._record(entry_id, state="sent", sent_at=datetime.datetime.now())
            return self._after_sending(entry_id, message_id, data, values, filing, refusals)

    # -- sending later, the undo window ---------------------------------------------------

    def send_later(self, values, when, now=None, browser_tz=None):
        """Keep the mail in Drafts and let the server send it at `when` (a quick choice or
        a moment: services/schedule.py), in the user's time zone (see `_user_tz`)."""
        return self._hold(values, self._send_moment(when, now, browser_tz))

    def send_held(self, values, seconds, now=None):
        """ "Send" with an undo window: the mail waits `seconds` on the server (in Drafts),
        then the cron sends it, whether or not the browser is still open."""
        now = (now or datetime.datetime.now()).replace(microsecond=0)
        answer = self._hold(values, now + datetime.timedelta(seconds=seconds))
        return dict(answer, undo_seconds=seconds)

    def _hold(self, values, send_after):
        """Save the mail in Drafts and queue it in the outbox for `send_after`."""
        message = self._build_outgoing(values)
        message_id = message["Message-ID"]
        filing = self._filing(values)
        Outbox = self.env[OUTBOX]
        # Checked before anything changes: what the account may not send is refused now,
        # not at the time (it is checked again then).
        self.account._check_sending_allowed(self.account.email)
        entry_id, state = Outbox._entry_state(self.account, message_id)
        if state in ("sending", "sent", "uncertain"):
            return self._outbox_answer(entry_id, state, message_id, values, filing)
        with mime.spool(message) as data:
            draft = self._store_draft(data, filing.draft)
        refs = dataclasses.replace(filing, draft=draft).json()
        entry_id, state = Outbox._schedule(
            self.account, message_id, dict(values, **refs), send_after
        )
        if state is not None:
            return self._outbox_answer(entry_id, state, message_id, values, filing)
        # The files are in the draft now; reopening it ("Undo", "Cancel") stores them anew.
        self._drop_uploads(values.get("attachments"))
        return {
            "sent": False,
            "scheduled": True,
            "entry_id": entry_id,
            "message_id": message_id,
            "send_after": fields.Datetime.to_string(send_after),
            "draft": refs["draft"],
        }

    def scheduled(self):
        """The user's mail of this account that the server is to send (or failed to): for
        the "Scheduled" view. Another member's scheduled mail in a group mailbox is his."""
        entries = self.env[OUTBOX].search(
            [
                ("account_id", "=", self.account.id),
                ("user_id", "=", self.env.uid),
                ("scheduled", "=", True),
                ("state", "!=", "sent"),
            ],
            order="send_after, id",
        )
        return [
            {
                "id": entry.id,
                "subject": entry.subject or "",
                "recipients": entry.recipients or "",
                "send_after": fields.Datetime.to_string(entry.send_after),
                "state": entry.state,
                "error": entry.error or "",
                "draft": entry.draft_ref or None,
            }
            for entry in entries
        ]

    def send_scheduled(self, entry_id, now=None, due_only=True):
        """Send a scheduled mail from its draft: the cron when its time has come, or
        "Send now" (`due_only` False). The draft is looked up by its Message-ID (another
        window may have saved it again since), rebuilt as reopening and sending it would,
        sent the account's way and filed as an immediate send is."""
        now = now or datetime.datetime.now()
        Outbox = self.env[OUTBOX]
        entry = Outbox._claim_scheduled(entry_id, now, due_only)
        if entry is None:
            return {
                "sent": False,
                "error": self.env._("This mail is no longer waiting to be sent."),
            }
        message_id = entry["message_id"]
        filing = self.stored_filing(entry["draft_ref"], entry["original_ref"])
        try:
            source, draft_ref = self._scheduled_draft(message_id, filing.draft)
        except UserError as error:
            gone = isinstance(error, DraftGoneError)
            Outbox._fail_scheduled(entry, str(error), retry=not gone, now=now)
            return {"sent": False, "error": str(error)}
        filing = dataclasses.replace(filing, draft=draft_ref)
        with source:
            try:
                message = self._build_from_draft(mime.read_draft(source), message_id)
            except UserError as error:
                Outbox._fail_scheduled(entry, str(error), retry=False, now=now)
                return {"sent": False, "error": str(error)}
            except RecursionError:
                # Parts nested so deep that the email package cannot read them back. Nothing
                # was sent: the entry must fail now, not wait claimed until it counts as
                # "may have been sent".
                reason = self.env._(
                    "Not sent: the draft's parts are nested too deep to be read. The mail is "
                    "in its Drafts folder."
                )
                Outbox._fail_scheduled(entry, reason, retry=False, now=now)
                return {"sent": False, "error": reason}
            with mime.spool(message) as data:
                try:
                    refusals = self._deliver(message, data)
                except mail_errors.MailServiceError as error:
                    reason = explain(self.account, error, self.account.smtp_port)
                    if isinstance(error, mail_errors.DeliveryUncertainError):
                        Outbox._record(entry["id"], state="uncertain", error=reason)
                    else:
                        retry = isinstance(error, mail_errors.ConnectionFailedError)
                        Outbox._fail_scheduled(entry, reason, retry=retry, now=now)
                    return {"sent": False, "error": reason}
                except Exception as error:
                    # Refused before anything was sent (not allowed any more, say).
                    Outbox._fail_scheduled(entry, str(error)[:2000], retry=False, now=now)
                    raise
                Outbox._record(entry["id"], state="sent", sent_at=now)
                return self._after_sending(entry["id"], message_id, data, {}, filing, refusals)

    def unschedule(self, entry_id):
        """ "Cancel" or "Undo": the mail is not sent and stays in Drafts; its draft's
        reference (JSON) for the composer to reopen. Too late once sending started."""
        taken, state = self.env[OUTBOX]._unschedule(entry_id)
        if state is not None:
            raise UserError(self._too_late(state))
        draft_ref, message_id = taken
        draft = self._stored_ref(draft_ref)
        if draft is None:
            return {"draft": None}
        try:
            # Where the draft is now: saved again since (another window), it has a new UID.
            found = self.run(
                lambda client: imap.find_by_message_id(client, draft.folder, message_id),
                safe=True,
            )
        except UserError:
            found = None  # the composer says so when it cannot open it
        if found:
            draft = dataclasses.replace(found, account=self.account.id)
        return {"draft": draft.json()}

    def reschedule(self, entry_id, when, now=None):
        """ "Change time": the scheduled mail goes at `when` (as for send_later)."""
        moment = self._send_moment(when, now)
        if not self.env[OUTBOX]._reschedule(entry_id, moment):
            raise UserError(self._too_late("sending"))
        return {"send_after": fields.Datetime.to_string(moment)}

    def _send_moment(self, when, now=None, browser_tz=None):
        """The naive UTC moment the user chose (services/schedule.py), checked."""
        now = now or datetime.datetime.now()
        try:
            moment = schedule.send_time(when, now, self._user_tz(browser_tz))
        except mail_errors.InvalidInputError as error:
            raise UserError(self.env._("Choose a date and time to send the mail at.")) from error
        if not schedule.in_range(moment, now):
            raise UserError(
                self.env._("Choose a time to send the mail at that is ahead, within the next year.")
            )
        return moment

    def _too_late(self, state):
        if state == "gone":
            return self.env._("This mail is no longer scheduled.")
        if state == "sent":
            return self.env._("Too late: the mail has been sent.")
        return self.env._("Too late: the mail is being sent already.")

    def _user_tz(self, browser_tz=None):
        """The user's time zone in Odoo; for a user without one, the browser's (`browser_tz`,
        the zone the web client shows times in, when it is a known one), else UTC."""
        for name in (self.env.user.tz, browser_tz):
            if name and isinstance(name, str):
                try:
                    return pytz.timezone(name)
                except pytz.UnknownTimeZoneError:
                    continue
        return pytz.utc

    def _scheduled_draft(self, message_id, draft):
        """(source in a temporary file, its MessageRef) of the draft with `message_id` in
        the folder `draft` names (or Drafts). Raises DraftGoneError when it is not there."""
        account = self.account

        def read(client):
            folder = draft.folder if draft else None
            folder = folder or account.drafts_folder or folders.special_folder(client, "\\Drafts")
            found = folder and imap.find_by_message_id(client, folder, message_id)
            if not found:
                return None, None
            source = spool.temporary_file()
            try:
                _size, chunks = reading.stream_source(
                    client, found.folder, found.uidvalidity, found.uid
                )
                source.writelines(chunks)
                source.seek(0)
            except BaseException:
                source.close()
                raise
            return source, dataclasses.replace(found, account=account.id)

        source, ref = self.run(read, safe=True)
        if source is None:
            raise DraftGoneError(
                self.env._(
                    "Not sent: its draft is no longer in Drafts (deleted or sent from "
                    "another mail program)."
                )
            )
        return source, ref

    def _build_from_draft(self, draft, message_id):
        """The mail a scheduled draft stands for, built as reopening and sending it would:
        the account's sender (named as the sender writes from it), the body cleaned, the
        Message-ID the outbox knows."""
        draft.from_name = self.account._from_name()
        draft.from_address = self.account.email
        draft.html_body = html_sanitize(draft.html_body or "")
        try:
            return mime.build_message(draft, include_bcc=True, message_id=message_id)
        except mail_errors.InvalidInputError as error:
            raise UserError(
                self.env._("The mail cannot be sent: %(reason)s", reason=error)
            ) from error

    def mark_sent(self, values):
        """The user says a mail that may have been sent did go out: it is filed in Sent
        (and its draft removed) as if sending had been confirmed."""
        message = self._build_outgoing(values)
        message_id = message["Message-ID"]
        filing = self._filing(values)
        Outbox = self.env["dynaoffice.mail.outbox"]
        entry_id, state = Outbox._entry_state(self.account, message_id)
        if state not in ("uncertain", "sent"):
            raise UserError(
                self.env._("Only a mail that may have been sent can be marked as sent.")
            )
        if state == "sent":
            # Marked (or sent) already, a second click: no second copy in Sent.
            return self._outbox_answer(entry_id, state, message_id, values, filing)
        Outbox._record(entry_id, state="sent", sent_at=datetime.datetime.now())
        with mime.spool(message) as data:
            return self._after_sending(entry_id, message_id, data, values, filing)

    def discard(self, values):
        """Throw the mail away: its saved draft on the server and its uploaded files, and
        its schedule if it was to be sent later (not once its sending started)."""
        draft = self._filing(values).draft
        Outbox = self.env[OUTBOX]
        entry_id, state = Outbox._entry_state(self.account, values.get("message_id") or "")
        if entry_id and state in ("queued", "failed"):
            _taken, state = Outbox._unschedule(entry_id)
        # Being sent this moment (the cron took it from its draft a moment ago): throwing
        # the draft away would not stop it, and the user would believe it had.
        if state == "sending":
            raise UserError(self._too_late(state))
        if draft:
            self.run(
                lambda client: imap_filing.delete_draft(
                    client, draft.folder, draft.uidvalidity, draft.uid
                ),
                safe=False,
            )
        self._drop_uploads(values.get("attachments"))
        return True

    def store_uploads(self, attachments):
        """Files for the composer as attachments of nothing (res_id 0): only the user who
        uploaded them (and administrators) can read them, until sent or discarded."""
        uploads = []
        for attachment in attachments:
            record = self.env["ir.attachment"].create(
                {
                    "name": attachment.filename,
                    "raw": attachment.content(),
                    "mimetype": attachment.mime_type,
                    "res_model": UPLOADS_MODEL,
                    "res_id": 0,
                }
            )
            uploads.append(_upload_json(record, attachment.content_id))
        return uploads

    # -- after sending: the Sent copy, the original, the draft ---------------------------

    def file_sent(self, data, filing):
        """Sent copy, \\Answered or $Forwarded, draft removed: (what failed, in words;
        whether the Sent copy is there). Without the copy the draft stays."""
        account = self.account

        def file(client):
            return imap_filing.file_sent_message(
                client,
                data,
                sent_folder=account.sent_folder or folders.special_folder(client, "\\Sent"),
                original=filing.original,
                forwarded=filing.forwarded,
                draft=filing.draft,
            )

        try:
            report = self.run(file, safe=False)
        except UserError as error:
            cause = error.__cause__
            reason = (
                explain(account, cause, account.imap_port, mail_sent=True)
                if isinstance(cause, mail_errors.MailServiceError)
                else str(error)
            )
            return [
                self.env._(
                    "The mail was sent, but the mailbox could not be reached afterwards: "
                    "%(reason)s",
                    reason=reason,
                )
            ], False
        steps = {
            "sent copy": self.env._("The mail was sent, but no copy could be put in Sent"),
            "mark original": self.env._(
                "The mail was sent, but the original could not be marked as answered"
            ),
            "remove draft": self.env._("The mail was sent, but its draft could not be removed"),
        }
        problems = [
            f"{steps.get(step, step)}: {explain(account, error, account.imap_port, mail_sent=True)}"
            for step, error in report.problems
        ]
        return problems, not any(step == "sent copy" for step, _error in report.problems)

    def stored_filing(self, draft_ref, original_ref):
        """The Filing an outbox entry kept (`draft_ref`, `original_ref`: the composer's
        JSON as it was when the mail went out; entries from before references named their
        account belong to this one). What cannot be read any more is left undone."""
        return Filing(
            draft=self._stored_ref(draft_ref),
            original=self._stored_ref(original_ref),
            forwarded=bool(original_ref and original_ref.get("forwarded")),
        )

    def _after_sending(self, entry_id, message_id, data, values, filing, refusals=()):
        """The mail is out: file the Sent copy (or leave it to the outbox's cron), mark the
        original, drop the uploads. `refusals`: what the user reads of the recipients the
        server refused while it took the mail for the others (see _deliver)."""
        problems, filed = self.file_sent(data, filing)
        problems[:0] = refusals
        refs = filing.json()
        self.env["dynaoffice.mail.outbox"]._record(
            entry_id,
            sent_copy="done" if filed else "pending",
            # What the cron files later; once filed, the mail is only in the mailbox.
            keep_message=None if filed else data,
            drop_message=filed,
            draft_ref=refs["draft"] or False,
            original_ref=refs["original"] or False,
        )
        if not filed:
            problems.append(
                self.env._(
                    "The copy for Sent will be filed as soon as the mailbox can be reached; "
                    "the mail stays in Drafts until then. Do not send it again."
                )
            )
        self._drop_uploads(values.get("attachments"))
        return {"sent": True, "message_id": message_id, "problems": problems}

    def _outbox_answer(self, entry_id, state, message_id, values, filing):
        """The answer for a message the outbox does not let go out (again)."""
        if state == "sent":
            # Sent already (a retried call, a second click, a draft sent earlier): what is
            # left is only what came after sending, if that was not done.
            self.env["dynaoffice.mail.outbox"]._file_pending_copy(entry_id, self)
            self._drop_uploads(values.get("attachments"))
            return {
                "sent": True,
                "already": True,
                "message_id": message_id,
                "problems": [],
            }
        draft = filing.json()["draft"]
        if state == "uncertain":
            return {
                "sent": False,
                "uncertain": True,
                "draft": draft,
                "error": self.env._(
                    "This mail may have been sent already: the connection broke after the "
                    'server had it. Check with the recipient, then choose "Send again '
                    'anyway" or "Mark as sent".'
                ),
            }
        return {
            "sent": False,
            "sending": True,
            "draft": draft,
            "error": self.env._(
                "This mail is being sent right now (from another window or by an earlier "
                "click). Wait a moment and look in Sent."
            ),
        }

    # -- what the browser sent -------------------------------------------------------------

    def _filing(self, values):
        """The draft and the original the composer's values name, checked: a reference to
        another account's message is refused."""
        original = values.get("original") or None
        return Filing(
            draft=self._browser_ref(values.get("draft")),
            original=self._browser_ref(original),
            forwarded=bool(original and original.get("forwarded")),
        )

    def _browser_ref(self, value):
        if not value:
            return None
        try:
            return MessageRef.from_json(value, account=self.account.id)
        except mail_errors.InvalidInputError as error:
            raise UserError(explain(self.account, error, self.account.imap_port)) from error

    def _stored_ref(self, value):
        if not value:
            return None
        try:
            return MessageRef.from_json(value, account=self.account.id)
        except mail_errors.InvalidInputError as error:
            _logger.warning(
                "Mail account %s: unreadable stored reference: %s", self.account.id, error
            )
            return None

    # -- uploads ----------------------------------------------------------------------------

    def _uploads(self, ids):
        records = self.env["ir.attachment"].browse([int(i) for i in ids or []]).exists()
        for record in records:
            if (
                record.res_model != UPLOADS_MODEL
                or record.res_id
                or record.create_uid != self.env.user
            ):
                raise AccessError(self.env._("These files were not uploaded for your mail."))
        return records

    def _drop_uploads(self, uploads):
        self._uploads([upload["id"] for upload in uploads or []]).unlink()

    # -- building and sending -------------------------------------------------------------

    def _build_outgoing(self, values):
        """The mail as written (with its Bcc header: drafts and the Sent copy keep it,
        sending leaves it out)."""
        account = self.account
        listed = values.get("attachments") or []
        uploads = self._uploads([upload["id"] for upload in listed])
        # What the browser says of an upload is only ever its Content-ID (checked when
        # the message is built); the file is the one stored for this user.
        content_ids = {int(upload["id"]): upload.get("content_id") for upload in listed}
        # What the editor produced, cleaned as Odoo cleans every HTML field: a group
        # account's draft is opened by the other members too. The pictures of the
        # account's signature go inline; those it showed from their uploads go as the cid:
        # links they came as.
        html_body, signature_pictures = self._signature_pictures(
            html_sanitize(values.get("body_html") or "")
        )
        html_body, strays = _sent_pictures(
            html_body, {upload.id: content_ids.get(upload.id) for upload in uploads}
        )
        if strays:
            # Its URL would point the recipient at this server (and show them nothing).
            raise UserError(
                self.env._(
                    "A picture in the text is not one of this mail's files (it was removed, "
                    "or comes from elsewhere in Odoo). Delete it from the text and try again."
                )
            )
        draft = mime.Draft(
            from_name=account._from_name(),
            from_address=account.email,
            to=_entries(values.get("to")),
            cc=_entries(values.get("cc")),
            bcc=_entries(values.get("bcc")),
            subject=values.get("subject") or "",
            html_body=html_body,
            attachments=[
                *(
                    mime.OutgoingAttachment(
                        filename=upload.name,
                        mime_type=upload.mimetype or "application/octet-stream",
                        open_content=_content_opener(upload),
                        content_id=content_ids.get(upload.id),
                    )
                    for upload in uploads
                ),
                *signature_pictures,
            ],
            in_reply_to=values.get("in_reply_to") or None,
            references=[str(ref) for ref in values.get("references") or []],
        )
        try:
            return mime.build_message(
                draft, include_bcc=True, message_id=values.get("message_id") or None
            )
        except mail_errors.InvalidInputError as error:
            raise UserError(
                self.env._("The mail cannot be sent: %(reason)s", reason=error)
            ) from error

    def _signature_pictures(self, body_html):
        """`body_html` with the pictures of the account's signature linked as cid:, and
        those pictures as inline parts. The editor shows them from Odoo (/web/image/...),
        where no recipient could load them; a mail program sends its signature's pictures
        along so. Only the account's own pictures (see the account's
        _adopt_signature_pictures), never another file a link in the text names."""
        account = self.account
        linked = signature_picture_ids(body_html)
        if not linked:
            return body_html, []
        # Read access to the account's attachments is read access to the account, which
        # this user has (the role's access check).
        pictures = self.env["ir.attachment"].search(
            [
                ("id", "in", sorted(linked)),
                ("res_model", "=", account._name),
                ("res_id", "=", account.id),
                ("mimetype", "=like", "image/%"),
            ]
        )
        content_ids = {
            picture.id: f"signature-{picture.id}.{picture.checksum or 'x'}@dynaoffice"
            for picture in pictures
        }
        if not content_ids:
            return body_html, []

        def cid_url(src):
            match = _SHOWN_PICTURE.fullmatch(src)
            content_id = content_ids.get(int(match.group(1))) if match else None
            return f"cid:{content_id}" if content_id else None

        return html.replace_image_sources(body_html, cid_url), [
            mime.OutgoingAttachment(
                filename=picture.name,
                mime_type=picture.mimetype,
                open_content=_content_opener(picture),
                content_id=content_ids[picture.id],
            )
            for picture in pictures
        ]

    def _deliver(self, message, data):
        """Send `message`, written to the file `data` (mime.spool), the account's way.
        Returns what the user reads of recipients refused while the others got it (only
        Odoo's way sends so; SMTP and sendmail send to all or none): a list of texts."""
        account = self.account
        # Checked again for each mail: administrators may have changed what they allow since
        # the account was saved. The From is the account's address (_build_outgoing takes
        # none from the browser).
        account._check_sending_allowed(account.email)
        if account.smtp_method == "smtp":
            sending.send_smtp(
                account._smtp_settings(), message, data=data, connect=account._get_smtp_session
            )
        elif account.smtp_method == "sendmail":
            sending.send_sendmail(
                account._sendmail_path(),
                message,
                timeout=account._connection_timeout() * 3,
                data=data,
            )
        else:
            return self._deliver_through_odoo(message)
        return []

    def _deliver_through_odoo(self, message):
        # Odoo's outgoing mail servers are visible to administrators only; every user may
        # send through them (as the chatter does), hence sudo. send_email takes the
        # envelope from To, Cc and Bcc and removes Bcc before sending. Naming the server
        # keeps the From as it is: Odoo never sends our mail in another name.
        # send_email takes only a whole EmailMessage: on this way the attachments are read
        # into memory (and smtplib copies the message), unlike SMTP and sendmail.
        # smtplib sends to the recipients the server accepted when it refuses some, and
        # send_email drops the refused ones it returns: on a session of our own, they are
        # noted (the mail is out, to the others: it must not be sent again).
        # The envelope is the sender's too: left to Odoo, it would be the company's bounce
        # address wherever the server may send as that, and a bounce of the user's mail
        # would go to Odoo's catch-all, where nobody reads it, instead of to his mailbox.
        server = self.account._odoo_mail_server(self.account.email)
        mail_server = (
            self.env["ir.mail_server"]
            .sudo()
            .with_context(domain_bounce_address=addresses.envelope_address(self.account.email))
        )
        refused = {}
        try:
            session = mail_server.connect(
                mail_server_id=server.id or None, smtp_from=message["From"]
            )
            if session is not None:  # None while Odoo runs its tests: it sends nothing then
                _note_refusals(session, refused)
            try:
                mail_server.send_email(
                    mime.with_content(message),
                    mail_server_id=server.id or None,
                    smtp_session=session,
                )
            except BaseException:
                if session is not None:
                    session.close()
                raise
        except Exception as error:
            refusal = _odoo_refusal(error, server.smtp_host or "")
            if refusal is not None:
                raise refusal from error
            if _surely_not_sent(error):
                raise mail_errors.ConnectionFailedError(host="", detail=str(error)) from error
            raise mail_errors.DeliveryUncertainError(
                "the connection to Odoo's outgoing mail server broke while the mail was sent",
                host=server.smtp_host or "",
                detail=str(error),
            ) from error
        if session is not None:
            try:
                session.quit()
            except (smtplib.SMTPException, OSError):
                session.close()  # the server has the mail already; its goodbye does not matter
        if not refused:
            return []
        answers = {
            address: f"{code} {_reply_text(reply)}" for address, (code, reply) in refused.items()
        }
        return [refused_recipients(self.account, server.smtp_host, answers)]

    def _keep_as_draft(self, data, draft, error):
        """Sending failed: the mail goes to Drafts (with its files), and the user reads why."""
        # One table for every failure (roles/errors.py); for a mail that may have gone out
        # it never says "try again".
        reason = explain(self.account, error, self.account.smtp_port)
        if isinstance(error, mail_errors.DeliveryUncertainError):
            reason = self.env._(
                '%(reason)s It is kept in Drafts: choose "Send again anyway" or "Mark as sent".',
                reason=reason,
            )
        try:
            draft = self._store_draft(data, draft)
        except UserError as draft_error:
            _logger.warning("Could not keep a failed mail as a draft: %s", draft_error)
            reason = self.env._(
                "%(reason)s It could not be saved in Drafts either; it is still open here.",
                reason=reason,
            )
        return {"sent": False, "error": reason, "draft": draft.json() if draft else None}

    def _store_draft(self, data, draft):
        """Store `data` in Drafts, replacing `draft` (the version saved before, if it is
        in the same folder); the new draft's MessageRef."""
        account = self.account

        def store(client):
            folder = account.drafts_folder or folders.special_folder(client, "\\Drafts")
            if not folder:
                raise UserError(
                    self.env._("%(account)s has no Drafts folder.", account=account.name)
                )
            replaced = draft if draft and draft.folder == folder else None
            saved = imap_filing.save_draft(
                client,
                folder,
                data,
                replace_uid=replaced.uid if replaced else None,
                uidvalidity=replaced.uidvalidity if replaced else None,
            )
            return dataclasses.replace(saved, account=account.id)

        return self.run(store, safe=False)

    # -- replies and forwards ---------------------------------------------------------------

    def _spool_source(self, ref):
        """The message's source in a temporary file (on disk when large), fetched in chunks;
        the caller closes it."""

        def read(client):
            source = spool.temporary_file()
            try:
                _size, chunks = reading.stream_source(client, ref.folder, ref.uidvalidity, ref.uid)
                source.writelines(chunks)
            except BaseException:
                source.close()
                raise
            return source

        return self.run(read, safe=True)

    def _read_part(self, ref, part_number):
        def read(client):
            _head, chunks = reading.stream_part(
                client, ref.folder, ref.uidvalidity, ref.uid, part_number
            )
            return b"".join(chunks)

        return self.run(read, safe=True)

    def _quoted_html(self, view, content_ids=()):
        """The original's body for quoting: sanitised, remote images left out, and inline
        images dropped (their links point into this Odoo, not to anything a recipient
        could load) but for those of `content_ids`, which the mail carries along (a
        forward): their cid: links stay. Fit for Odoo's own page, of which the editor is
        part: without the mail's style sheets, the styles that would lift it over the page
        (position, z-index, transforms, negative margins) and the ids, names and classes
        the page would take for its own (`<img name="querySelector">` replaces
        document.querySelector)."""
        if not view.html:
            return None
        # A cid: link names its part in any case (reading.py compares them so too).
        carried = {content_id.lower(): content_id for content_id in content_ids}

        def cid_url(content_id):
            kept = carried.get(content_id.lower())
            return f"cid:{kept}" if kept else None

        return html.sanitize_html(view.html, cid_url=cid_url, allow_remote=False, in_page=True).html

    def _replied_original(self, in_reply_to):
        """The message a reopened draft answers, looked up in INBOX by its Message-ID, so
        that sending the draft still marks it as answered."""
        if not in_reply_to:
            return None
        found = self.run(
            # Only one: with two answers to choose from, nobody could say which is meant.
            lambda client: imap.find_by_message_id(client, "INBOX", in_reply_to, only_one=True),
            safe=True,
        )
        return dataclasses.replace(found, account=self.account.id) if found else None

    def _quote_intro(self, view):
        sender = addresses.format_address(view.from_[0]) if view.from_ else "?"
        if view.date is None:
            return self.env._("%(sender)s wrote:", sender=sender)
        date, time = self._local_moment(view.date)
        return self.env._(
            "On %(date)s at %(time)s, %(sender)s wrote:", date=date, time=time, sender=sender
        )

    def _local_moment(self, moment):
        """(date, time) of `moment` as the user reads them: their time zone, their
        language's date and time format."""
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        return replies.quote_moment(
            moment,
            pytz.timezone(self.env.user.tz or "UTC"),
            lang.date_format if lang else "%m/%d/%Y",
            lang.short_time_format if lang else "%H:%M",
        )

    def _forward_draft(self, view, ref, mode, quoted, notes):
        account = self.account
        _ = self.env._
        common = {
            "from_name": account._from_name(),
            "from_address": account.email,
            "signature_html": account.signature or "",
            "prefix": _("Fwd:"),
        }
        if mode == "forward_attachment":
            # Within the limit the files of an inline forward keep to (a mail this big would
            # not get through most servers anyway), read no further than that.
            raw = Mailbox(account).read_source(ref, max_bytes=limits.MAX_ATTACHMENT_BYTES)
            if raw is None:
                raise UserError(
                    _(
                        "This mail is too large to forward as an attachment (more than "
                        "%(size)s). Forward it inline: its files go along as far as they fit.",
                        size=human_size(limits.MAX_ATTACHMENT_BYTES),
                    )
                )
            return replies.forward_draft(view, as_attachment=True, raw_message=raw, **common)
        carried, total = [], 0
        referenced = reading.referenced_content_ids(view.html)
        for attachment in view.attachments:
            # The pictures in the text go along with it, by their Content-ID (one that no
            # header could carry again would break the mail: such a picture stays out).
            content_id = _sendable_content_id(attachment.content_id)
            if attachment.inline and not content_id:
                continue
            # Beyond the limit files are left out (and the user is told), as a mail this
            # big would not get through most servers anyway.
            if total + (attachment.size or 0) > limits.MAX_ATTACHMENT_BYTES:
                notes.append(
                    _(
                        "%(name)s was left out: the files together are too large.",
                        name=attachment.filename,
                    )
                )
                continue
            data = self._read_part(ref, attachment.part_number)
            total += len(data)
            inline, mime_type = attachment.inline, attachment.mime_type
            picture = (
                reading.picture_type(data) if mime_type == "application/octet-stream" else None
            )
            if picture and content_id and content_id.lower() in referenced:
                # A picture of the text its mailer typed application/octet-stream (the
                # reading pane shows it by its bytes): it stays in the text, as that picture.
                inline, mime_type = True, picture
            carried.append(
                mime.OutgoingAttachment(
                    attachment.filename,
                    mime_type,
                    data,
                    content_id=content_id if inline else None,
                )
            )
        shown = [attachment.content_id for attachment in carried if attachment.content_id]
        return replies.forward_draft(
            view,
            as_attachment=False,
            quoted_html=self._quoted_html(view, shown) if shown else quoted,
            attachments=carried,
            heading=_("-------- Forwarded Message --------"),
            labels={
                "Subject": _("Subject"),
                "Date": _("Date"),
                "From": _("From"),
                "Reply-To": _("Reply to"),
                "To": _("To"),
                "Cc": _("Cc"),
            },
            date_text=" ".join(self._local_moment(view.date)) if view.date else None,
            **common,
        )


def suggest_recipients(env, term, limit):
    """Contacts for the To/Cc/Bcc fields, as far as the user may read them."""
    term = (term or "").strip()
    if len(term) < 2:
        return []
    partners = env["res.partner"].search_fetch(
        [("email", "!=", False), "|", ("name", "ilike", term), ("email", "ilike", term)],
        ["name", "email"],
        limit=int(limit),
    )
    return [
        {
            "name": partner.name or "",
            "email": partner.email,
            "display": addresses.format_address(
                addresses.Address(name=partner.name or "", address=partner.email.strip())
            ),
        }
        for partner in partners
    ]


def drop_stale_uploads(env):
    """Files of mail that was neither sent nor discarded (a closed browser tab)."""
    # sudo: the files belong to whoever uploaded them; this is the database's cleanup.
    env["ir.attachment"].sudo().search(
        [
            ("res_model", "=", UPLOADS_MODEL),
            ("res_id", "=", 0),
            ("create_date", "<", datetime.datetime.now() - UPLOAD_AGE_LIMIT),
        ]
    ).unlink()


def _entries(value):
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(entry) for entry in value if str(entry).strip()]


def _content_opener(upload):
    """How an upload's content is opened for reading: its file in the filestore, or, for an
    attachment kept in the database, its bytes from there."""
    path = upload._full_path(upload.store_fname) if upload.store_fname else None

    def open_content():
        if path:
            try:
                return open(path, "rb")  # the caller closes it
            except OSError:
                _logger.warning("The file of attachment %s is missing", upload.id)
        return io.BytesIO(upload.raw or b"")

    return open_content


def _sendable_content_id(content_id):
    """`content_id` if a mail can carry it again, else None."""
    try:
        return mime.check_content_id(content_id)
    except mail_errors.InvalidInputError:
        return None


def _shown_pictures(body_html, uploads):
    """`body_html` for the editor: a picture its cid: link names, carried along as an
    upload, shown from that upload (a browser cannot show cid: links). _sent_pictures puts
    the cid: links back."""
    shown = {
        upload["content_id"].lower(): upload["id"] for upload in uploads if upload.get("content_id")
    }
    if not shown:
        return body_html

    def shown_url(src):
        content_id = html.cid_of(src)
        upload_id = shown.get(content_id.lower()) if content_id else None
        return SHOWN_PICTURE_URL.format(upload_id) if upload_id else None

    return html.replace_image_sources(body_html, shown_url)


def signature_picture_ids(signature_html):
    """The attachment ids of the pictures Odoo's editor linked (/web/image/...) into
    `signature_html` (or into a mail's text that holds the signature)."""
    found = set()

    def collect(src):
        match = _SHOWN_PICTURE.fullmatch(src)
        if match:
            found.add(int(match.group(1)))

    html.replace_image_sources(signature_html or "", collect)
    return found


def _sent_pictures(body_html, content_ids):
    """(`body_html` for the mail, how many pictures it still shows from this server): the
    pictures shown from uploads that go inline (`content_ids`: {upload id: its Content-ID})
    linked as cid: again; other URLs stay as they are. A picture of an upload that is not
    among them (removed from the mail, dropped as stale, another user's) keeps its URL of
    this server, which no mail may carry: the caller refuses such a mail."""
    inline = {upload_id: content_id for upload_id, content_id in content_ids.items() if content_id}
    strays = []

    def cid_url(src):
        match = _SHOWN_PICTURE.fullmatch(src.strip())
        content_id = inline.get(int(match.group(1))) if match else None
        if match and not content_id:
            strays.append(src)
        return f"cid:{content_id}" if content_id else None

    return html.replace_image_sources(body_html, cid_url), len(strays)


def _upload_json(record, content_id=None):
    upload = {
        "id": record.id,
        "name": record.name,
        "mimetype": record.mimetype,
        "size": record.file_size,
    }
    if content_id:
        # An image the body shows (cid:), from a reopened draft: it goes out inline again.
        upload["content_id"] = content_id
    return upload


def _note_refusals(session, refused):
    """Make `session` (smtplib) put the recipients it was refused into `refused`, which
    its send_message() returns and ir.mail_server.send_email() drops."""
    send_message = session.send_message

    def send_message_noting_refusals(*args, **kwargs):
        answer = send_message(*args, **kwargs)
        refused.update(answer or {})
        return answer

    session.send_message = send_message_noting_refusals


def _reply_text(reply):
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return str(reply).replace("\n", " ")


# What Odoo's outgoing mail server answered before it took the mail: refused, not sent.
_REFUSED_BEFORE_TAKEN = (
    smtplib.SMTPSenderRefused,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPHeloError,
    smtplib.SMTPNotSupportedError,
)


def _odoo_refusal(error, host):
    """What Odoo's outgoing mail server refused before it took the mail (every recipient,
    the sender, the message), as the SMTP way reports it (services/sending.py), so that
    the user reads who or what was refused and a scheduled mail is not tried again as if
    the server had been out of reach; None for any other error."""
    cause = error.__context__ if isinstance(error, MailDeliveryException) else error
    if isinstance(cause, smtplib.SMTPRecipientsRefused):
        refused = {
            address: f"{code} {_reply_text(reply)}"
            for address, (code, reply) in cause.recipients.items()
        }
        return mail_errors.RecipientsRefusedError(host=host, refused=refused)
    if not isinstance(cause, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return None
    detail = f"{cause.smtp_code} {_reply_text(cause.smtp_error)}"
    if cause.smtp_code == 552:
        return mail_errors.MessageTooLargeError(host=host, detail=detail)
    if isinstance(cause, smtplib.SMTPSenderRefused):
        return mail_errors.SenderRefusedError(host=host, detail=f"{cause.sender}: {detail}")
    return mail_errors.MessageRefusedError(host=host, detail=detail)


def _surely_not_sent(error) -> bool:
    """Whether Odoo's send_email() failed before its server could have taken the mail.
    send_email() tells neither: it raises what connecting raised as it is, and wraps what
    sending raised in a MailDeliveryException, but for SMTPServerDisconnected, which smtplib
    raises also when the connection broke (or timed out) after the whole mail went out and
    before the server's answer. So: a connection that never began, or a refusal the server
    answered, is no mail sent; anything else may have been one, and is never sent again on
    its own (the SMTP way tells that apart itself: services/sending.py)."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return False
    if isinstance(error, MailDeliveryException):
        return isinstance(error.__context__, _REFUSED_BEFORE_TAKEN)
    return True
