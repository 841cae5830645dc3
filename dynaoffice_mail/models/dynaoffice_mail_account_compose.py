"""Writing mail from an account: compose, drafts on the server, sending, the Sent copy.

The same model as dynaoffice_mail_account.py, in a file of its own because writing is a
subject of its own. Uploaded files wait in ir.attachment records that belong to nothing
(res_id 0, readable by their uploader only) until the mail is sent or discarded.

A message is written once, to a temporary file (compose.spool), its attachments streamed
into it from the filestore; saving, sending and filing read that file in chunks. A draft
is reopened from a temporary file as well, each attachment decoded from it only to be
stored. So a large attachment is in memory at most once, while it is stored.
"""

import datetime
import io
import logging

import pytz

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html_sanitize

from ..services import compose, html, reading, sending, spool
from ..services import exceptions as mail_errors

_logger = logging.getLogger(__name__)

COMPOSE_MODES = ("new", "reply", "reply_all", "forward", "forward_attachment", "draft")
# Forwarding carries the original's files along; beyond this they are left out (and the
# user is told), as a mail this big would not get through most servers anyway.
MAX_FORWARDED_BYTES = 25 * 1024 * 1024
UPLOAD_AGE_LIMIT = datetime.timedelta(days=2)


class DynaofficeMailAccount(models.Model):
    _inherit = "dynaoffice.mail.account"

    # -- RPC ----------------------------------------------------------------------------

    def client_compose(self, mode, folder=False, uidvalidity=False, uid=False):
        """What the composer starts with: recipients, subject, body with the signature
        (and the quoted original for replies and forwards), files carried along."""
        self.ensure_one()
        self._check_usable()
        if mode not in COMPOSE_MODES:
            raise UserError(self.env._("Unknown way of writing: %(mode)s", mode=mode))
        original = draft_ref = uploads = None
        notes = []
        if mode == "new":
            draft = compose.Draft(
                from_name=self.sender_name or "",
                from_address=self.email,
                html_body=compose.new_body(self.signature or ""),
            )
        elif mode == "draft":
            with self._spool_source(folder, int(uidvalidity), int(uid)) as source:
                draft = compose.read_draft(source)
                # Stored while the source is open: each file is read from it.
                uploads = self._store_uploads(draft.attachments)
            # Another mail program may have written the draft (into a group mailbox, too):
            # it goes into Odoo's page like quoted mail (in_page), its cid: links kept.
            draft.html_body = html.sanitize_html(
                html_sanitize(draft.html_body or ""),
                cid_url=lambda content_id: f"cid:{content_id}",
                allow_remote=False,
                in_page=True,
            ).html
            draft_ref = {"folder": folder, "uidvalidity": int(uidvalidity), "uid": int(uid)}
            original = self._replied_original(draft.in_reply_to)
        else:
            view = self._read_message(folder, int(uidvalidity), int(uid))
            address = {"folder": folder, "uidvalidity": int(uidvalidity), "uid": int(uid)}
            quoted = self._quoted_html(view)
            original = dict(address, forwarded=mode.startswith("forward"))
            if mode in ("reply", "reply_all"):
                draft = compose.reply_draft(
                    view,
                    own_addresses=[self.email],
                    reply_all=mode == "reply_all",
                    from_name=self.sender_name or "",
                    from_address=self.email,
                    signature_html=self.signature or "",
                    quoted_html=quoted,
                    intro=self._quote_intro(view),
                    # Translated: a German user answers "AW:" and forwards "WG:".
                    prefix=self.env._("Re:"),
                )
            else:
                draft = self._forward_draft(view, address, mode, quoted, notes)
        if uploads is None:
            uploads = self._store_uploads(draft.attachments)
        return {
            "account_id": self.id,
            # The Message-ID the mail will be sent with, through every save and retry.
            "message_id": draft.message_id or compose.new_message_id(self.email),
            "from_display": compose.format_address(
                compose.Address(name=self.sender_name or "", address=self.email)
            ),
            "to": list(draft.to),
            "cc": list(draft.cc),
            "bcc": list(draft.bcc),
            "subject": draft.subject,
            "body_html": draft.html_body,
            "in_reply_to": draft.in_reply_to,
            "references": list(draft.references),
            "original": original,
            "draft": draft_ref,
            "attachments": uploads,
            "notes": notes,
        }

    def client_save_draft(self, values):
        """Store the draft in the server's Drafts folder (replacing its last version)."""
        self.ensure_one()
        self._check_usable()
        message = self._build_outgoing(values, include_bcc=True)
        with compose.spool(message) as data:
            return {"draft": self._store_draft(data, values.get("draft"))}

    def client_send(self, values, force=False):
        """Send the mail the account's way, then file it in Sent, mark the original and
        remove the draft. A failure to send keeps the mail as a draft; a failure after
        sending is reported, never answered by sending again.

        The outbox (dynaoffice.mail.outbox) records the Message-ID's state in transactions
        of its own: a message that is being sent, was sent or may have been sent is not
        sent again when Odoo retries this call, on a double click or from another tab.
        `force` sends a message that may have been sent ("Send again anyway"), with the
        same Message-ID.
        """
        self.ensure_one()
        self._check_usable()
        message = self._build_outgoing(values, include_bcc=True)
        message_id = message["Message-ID"]
        # What is sent, kept in Drafts on failure and filed in Sent: the same file.
        with compose.spool(message) as data:
            Outbox = self.env["dynaoffice.mail.outbox"]
            entry_id, state = Outbox._claim(self, message_id, values, force=bool(force))
            if state is not None:
                return self._outbox_answer(entry_id, state, message_id, values)
            try:
                self._deliver(message, data)
            except mail_errors.MailServiceError as error:
                uncertain = isinstance(error, mail_errors.DeliveryUncertainError)
                Outbox._record(
                    entry_id,
                    state="uncertain" if uncertain else "failed",
                    # Our words, not the server's (those go to the log).
                    error=self._explain(error, self.smtp_port),
                )
                return dict(self._keep_as_draft(data, values, error), uncertain=uncertain)
            except Exception as error:
                # Refused before anything was sent (not allowed any more, say): a failure.
                Outbox._record(entry_id, state="failed", error=str(error)[:2000])
                raise
            Outbox._record(entry_id, state="sent", sent_at=datetime.datetime.now())
            return self._after_sending(entry_id, message_id, data, values)

    def client_outbox_mark_sent(self, values):
        """The user says a mail that may have been sent did go out: it is filed in Sent
        (and its draft removed) as if sending had been confirmed."""
        self.ensure_one()
        self._check_usable()
        message = self._build_outgoing(values, include_bcc=True)
        message_id = message["Message-ID"]
        Outbox = self.env["dynaoffice.mail.outbox"]
        entry_id, state = Outbox._entry_state(self, message_id)
        if state not in ("uncertain", "sent"):
            raise UserError(
                self.env._("Only a mail that may have been sent can be marked as sent.")
            )
        if state == "sent":
            # Marked (or sent) already, a second click: no second copy in Sent.
            return self._outbox_answer(entry_id, state, message_id, values)
        Outbox._record(entry_id, state="sent", sent_at=datetime.datetime.now())
        with compose.spool(message) as data:
            return self._after_sending(entry_id, message_id, data, values)

    def _after_sending(self, entry_id, message_id, data, values):
        """The mail is out: file the Sent copy (or leave it to the outbox's cron), mark the
        original, drop the uploads."""
        problems, filed = self._file_sent(data, values)
        self.env["dynaoffice.mail.outbox"]._record(
            entry_id,
            sent_copy="done" if filed else "pending",
            # What the cron files later; once filed, the mail is only in the mailbox.
            keep_message=None if filed else data,
            drop_message=filed,
            draft_ref=values.get("draft") or False,
            original_ref=values.get("original") or False,
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

    def _outbox_answer(self, entry_id, state, message_id, values):
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
        if state == "uncertain":
            return {
                "sent": False,
                "uncertain": True,
                "draft": values.get("draft"),
                "error": self.env._(
                    "This mail may have been sent already: the connection broke after the "
                    'server had it. Check with the recipient, then choose "Send again '
                    'anyway" or "Mark as sent".'
                ),
            }
        return {
            "sent": False,
            "sending": True,
            "draft": values.get("draft"),
            "error": self.env._(
                "This mail is being sent right now (from another window or by an earlier "
                "click). Wait a moment and look in Sent."
            ),
        }

    def client_discard(self, values):
        """Throw the mail away: its saved draft on the server and its uploaded files."""
        self.ensure_one()
        self._check_usable()
        ref = values.get("draft")
        if ref:
            self._imap_run(
                lambda client: sending.delete_draft(
                    client, ref["folder"], int(ref["uidvalidity"]), int(ref["uid"])
                ),
                safe=False,
            )
        self._drop_uploads(values.get("attachments"))
        return True

    @api.model
    def client_suggest_recipients(self, term, limit=8):
        """Contacts for the To/Cc/Bcc fields, as far as the user may read them."""
        term = (term or "").strip()
        if len(term) < 2:
            return []
        partners = self.env["res.partner"].search_fetch(
            [("email", "!=", False), "|", ("name", "ilike", term), ("email", "ilike", term)],
            ["name", "email"],
            limit=int(limit),
        )
        return [
            {
                "name": partner.name or "",
                "email": partner.email,
                "display": compose.format_address(
                    compose.Address(name=partner.name or "", address=partner.email.strip())
                ),
            }
            for partner in partners
        ]

    # -- uploads --------------------------------------------------------------------------

    def _store_uploads(self, attachments):
        """Files for the composer as attachments of nothing (res_id 0): only the user who
        uploaded them (and administrators) can read them, until sent or discarded."""
        records = self.env["ir.attachment"]
        for attachment in attachments:
            records |= records.create(
                {
                    "name": attachment.filename,
                    "raw": attachment.content(),
                    "mimetype": attachment.mime_type,
                    "res_model": self._name,
                    "res_id": 0,
                }
            )
        return [_upload_json(record) for record in records]

    def _uploads(self, ids):
        records = self.env["ir.attachment"].browse([int(i) for i in ids or []]).exists()
        for record in records:
            if (
                record.res_model != self._name
                or record.res_id
                or record.create_uid != self.env.user
            ):
                raise AccessError(self.env._("These files were not uploaded for your mail."))
        return records

    def _drop_uploads(self, uploads):
        self._uploads([upload["id"] for upload in uploads or []]).unlink()

    @api.autovacuum
    def _gc_compose_uploads(self):
        """Files of mail that was neither sent nor discarded (a closed browser tab)."""
        self.env["ir.attachment"].sudo().search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", 0),
                ("create_date", "<", datetime.datetime.now() - UPLOAD_AGE_LIMIT),
            ]
        ).unlink()

    # -- building and sending -------------------------------------------------------------

    def _build_outgoing(self, values, include_bcc):
        uploads = self._uploads([upload["id"] for upload in values.get("attachments") or []])
        draft = compose.Draft(
            from_name=self.sender_name or "",
            from_address=self.email,
            to=_entries(values.get("to")),
            cc=_entries(values.get("cc")),
            bcc=_entries(values.get("bcc")),
            subject=values.get("subject") or "",
            # What the editor produced, cleaned as Odoo cleans every HTML field: a group
            # account's draft is opened by the other members too.
            html_body=html_sanitize(values.get("body_html") or ""),
            attachments=[
                compose.OutgoingAttachment(
                    filename=upload.name,
                    mime_type=upload.mimetype or "application/octet-stream",
                    open_content=_content_opener(upload),
                )
                for upload in uploads
            ],
            in_reply_to=values.get("in_reply_to") or None,
            references=[str(ref) for ref in values.get("references") or []],
        )
        try:
            return compose.build_message(
                draft, include_bcc=include_bcc, message_id=values.get("message_id") or None
            )
        except mail_errors.InvalidInputError as error:
            raise UserError(
                self.env._("The mail cannot be sent: %(reason)s", reason=error)
            ) from error

    def _deliver(self, message, data):
        """Send `message`, written to the file `data` (compose.spool), the account's way."""
        # Checked again for each mail: administrators may have changed what they allow since
        # the account was saved. The From is the account's address (_build_outgoing takes
        # none from the browser).
        self._check_sending_allowed(self.email)
        if self.smtp_method == "smtp":
            sending.send_smtp(self._smtp_settings(), message, data=data)
        elif self.smtp_method == "sendmail":
            sending.send_sendmail(
                self._sendmail_path(),
                message,
                timeout=self._connection_timeout() * 3,
                data=data,
            )
        else:
            self._deliver_through_odoo(message)

    def _deliver_through_odoo(self, message):
        # Odoo's outgoing mail servers are visible to administrators only; every user may
        # send through them (as the chatter does), hence sudo. send_email takes the
        # envelope from To, Cc and Bcc and removes Bcc before sending. Naming the server
        # keeps the From as it is: Odoo never sends our mail in another name.
        # send_email takes only a whole EmailMessage: on this way the attachments are read
        # into memory (and smtplib copies the message), unlike SMTP and sendmail.
        server = self._odoo_mail_server(self.email)
        mail_server = self.env["ir.mail_server"].sudo()
        try:
            mail_server.send_email(compose.with_content(message), mail_server_id=server.id or None)
        except Exception as error:
            raise mail_errors.ConnectionFailedError(host="", detail=str(error)) from error

    def _keep_as_draft(self, data, values, error):
        """Sending failed: the mail goes to Drafts (with its files), and the user reads why."""
        # One table for every failure (dynaoffice_mail_account_errors.py); for a mail that
        # may have gone out it never says "try again".
        reason = self._explain(error, self.smtp_port)
        if isinstance(error, mail_errors.DeliveryUncertainError):
            reason = self.env._(
                '%(reason)s It is kept in Drafts: choose "Send again anyway" or "Mark as sent".',
                reason=reason,
            )
        draft_ref = values.get("draft")
        try:
            draft_ref = self._store_draft(data, draft_ref)
        except UserError as draft_error:
            _logger.warning("Could not keep a failed mail as a draft: %s", draft_error)
            reason = self.env._(
                "%(reason)s It could not be saved in Drafts either; it is still open here.",
                reason=reason,
            )
        return {"sent": False, "error": reason, "draft": draft_ref}

    def _store_draft(self, data, draft_ref):
        def store(client):
            folder = self.drafts_folder or sending.find_special_folder(client, "\\Drafts")
            if not folder:
                raise UserError(self.env._("%(account)s has no Drafts folder.", account=self.name))
            same_folder = draft_ref and draft_ref.get("folder") == folder
            uidvalidity, uid = sending.save_draft(
                client,
                folder,
                data,
                replace_uid=int(draft_ref["uid"]) if same_folder else None,
                uidvalidity=int(draft_ref["uidvalidity"]) if same_folder else None,
            )
            return {"folder": folder, "uidvalidity": uidvalidity, "uid": uid}

        return self._imap_run(store, safe=False)

    def _file_sent(self, data, values):
        """Sent copy, \\Answered or $Forwarded, draft removed: (what failed, in words;
        whether the Sent copy is there). Without the copy the draft stays."""
        original, draft = values.get("original"), values.get("draft")

        def file(client):
            return sending.file_sent_message(
                client,
                data,
                sent_folder=self.sent_folder or sending.find_special_folder(client, "\\Sent"),
                original=_ref(original),
                forwarded=bool(original and original.get("forwarded")),
                draft=_ref(draft),
            )

        try:
            report = self._imap_run(file, safe=False)
        except UserError as error:
            cause = error.__cause__
            reason = (
                self._explain(cause, self.imap_port, mail_sent=True)
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
            f"{steps.get(step, step)}: {self._explain(error, self.imap_port, mail_sent=True)}"
            for step, error in report.problems
        ]
        return problems, not any(step == "sent copy" for step, _error in report.problems)

    # -- replies and forwards ---------------------------------------------------------------

    def _read_source(self, folder, uidvalidity, uid):
        def read(client):
            _size, chunks = reading.stream_source(client, folder, uidvalidity, uid)
            return b"".join(chunks)

        return self._imap_run(read, safe=True)

    def _spool_source(self, folder, uidvalidity, uid):
        """The message's source in a temporary file (on disk when large), fetched in chunks;
        the caller closes it."""

        def read(client):
            source = spool.temporary_file()
            try:
                _size, chunks = reading.stream_source(client, folder, uidvalidity, uid)
                source.writelines(chunks)
            except BaseException:
                source.close()
                raise
            return source

        return self._imap_run(read, safe=True)

    def _quoted_html(self, view):
        """The original's body for quoting: sanitised, remote images left out, and inline
        images dropped (their links point into this Odoo, not to anything a recipient
        could load). Fit for Odoo's own page, of which the editor is part: without the
        mail's style sheets, the styles that would lift it over the page (position,
        z-index, transforms, negative margins) and the ids, names and classes the page
        would take for its own (`<img name="querySelector">` replaces
        document.querySelector)."""
        if not view.html:
            return None
        return html.sanitize_html(
            view.html, cid_url=lambda _cid: None, allow_remote=False, in_page=True
        ).html

    def _replied_original(self, in_reply_to):
        """The message a reopened draft answers, looked up in INBOX by its Message-ID, so
        that sending the draft still marks it as answered."""
        if not in_reply_to:
            return None
        ref = self._imap_run(
            lambda client: sending.find_message(client, "INBOX", in_reply_to), safe=True
        )
        if ref is None:
            return None
        return {
            "folder": ref.folder,
            "uidvalidity": ref.uidvalidity,
            "uid": ref.uid,
            "forwarded": False,
        }

    def _quote_intro(self, view):
        sender = compose.format_address(view.from_[0]) if view.from_ else "?"
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
        return compose.quote_moment(
            moment,
            pytz.timezone(self.env.user.tz or "UTC"),
            lang.date_format if lang else "%m/%d/%Y",
            lang.short_time_format if lang else "%H:%M",
        )

    def _forward_draft(self, view, address, mode, quoted, notes):
        _ = self.env._
        common = {
            "from_name": self.sender_name or "",
            "from_address": self.email,
            "signature_html": self.signature or "",
            "prefix": _("Fwd:"),
        }
        if mode == "forward_attachment":
            raw = self._read_source(address["folder"], address["uidvalidity"], address["uid"])
            return compose.forward_draft(view, as_attachment=True, raw_message=raw, **common)
        carried, total = [], 0
        for attachment in view.attachments:
            if attachment.inline:
                continue
            if total + (attachment.size or 0) > MAX_FORWARDED_BYTES:
                notes.append(
                    _(
                        "%(name)s was left out: the files together are too large.",
                        name=attachment.filename,
                    )
                )
                continue
            data = self._read_part(address, attachment.part_number)
            total += len(data)
            carried.append(
                compose.OutgoingAttachment(attachment.filename, attachment.mime_type, data)
            )
        return compose.forward_draft(
            view,
            as_attachment=False,
            quoted_html=quoted,
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

    def _read_part(self, address, part_number):
        def read(client):
            _head, chunks = reading.stream_part(
                client, address["folder"], address["uidvalidity"], address["uid"], part_number
            )
            return b"".join(chunks)

        return self._imap_run(read, safe=True)


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


def _ref(value):
    if not value:
        return None
    try:
        return sending.MessageRef(
            folder=value["folder"], uidvalidity=int(value["uidvalidity"]), uid=int(value["uid"])
        )
    except (KeyError, TypeError, ValueError):
        return None


def _upload_json(record):
    return {
        "id": record.id,
        "name": record.name,
        "mimetype": record.mimetype,
        "size": record.file_size,
    }
