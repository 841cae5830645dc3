"""Filing mail as files: the whole message as an .eml file and/or its attachments, stored
as attachments of a record (a bridge addon such as dynaoffice_mail_dms files them into
document storage instead, with the same pieces).

The same model as dynaoffice_mail_account.py, in a file of its own because it is a subject
of its own. A file whose content the record holds already (the same SHA-1, as ir.attachment
keeps it in `checksum`) is not filed twice.
"""

import hashlib
import re

from odoo import api, models
from odoo.exceptions import UserError

from ..services import assigning
from .dynaoffice_mail_account_assign import MAX_ASSIGN, NOT_ASSIGNABLE

FILING_WHAT = ("eml", "attachments", "both")
# What one message may carry into storage at most, source and files each; beyond it a
# file is left out (and named in the answer), as in the chatter.
MAX_FILED_BYTES = 25 * 1024 * 1024
MAX_FILENAME_CHARS = 120
# Not places for a mail's files: attachments of attachments, users (their partner is).
NOT_FILEABLE = NOT_ASSIGNABLE | {"ir.attachment"}
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


class DynaofficeMailAccount(models.Model):
    # A file of its own, as dynaoffice_mail_account_assign.py is: one subject per file.
    _inherit = "dynaoffice.mail.account"  # pylint: disable=consider-merging-classes-inherited

    # -- RPC ----------------------------------------------------------------------------

    @api.model
    def client_filing_targets(self):
        """Where "File into documents" may put mail besides records: {"directories":
        [{id, name, storage}]} of a document storage the user may add files to, or
        {"directories": None} when no document storage is installed (a bridge addon such
        as dynaoffice_mail_dms answers with its directories)."""
        return {"directories": None}

    def client_file(self, folder, uidvalidity, uids, target, what="eml", part_numbers=None):
        """ "File into documents" from the client. `target` {"res_model", "res_id"} files
        as attachments of that record; a bridge addon takes other targets (a document
        directory). Answers as client_file_to_record does."""
        if target.get("res_model"):
            return self.client_file_to_record(
                folder,
                uidvalidity,
                uids,
                target["res_model"],
                target.get("res_id"),
                what,
                part_numbers,
            )
        raise UserError(self.env._("Choose where to file the mail."))

    def client_file_to_record(
        self, folder, uidvalidity, uids, res_model, res_id, what="eml", part_numbers=None
    ):
        """Store messages as attachments of a record: the source as an .eml file ("eml"),
        their attachments ("attachments", the `part_numbers` chosen, else all that are not
        images of the body) or both.

        Returns {uid: {"filed": [names], "skipped": [names], "left_out": [names],
        "gone": bool}}: "skipped" files the record holds already (same content),
        "left_out" those beyond MAX_FILED_BYTES, "gone" when the message is no longer on
        the server.
        """
        self.ensure_one()
        self._check_usable()
        target = self._filing_target(res_model, res_id)
        results = {}
        for uid, files in self._filing_files(folder, uidvalidity, uids, what, part_numbers):
            result = results[uid] = _filing_result(files)
            if files is None:
                continue
            for name, mimetype, content in files:
                if content is None:
                    continue
                checksum = hashlib.sha1(content).hexdigest()
                if self._record_holds(target, checksum):
                    result["skipped"].append(name)
                    continue
                self.env["ir.attachment"].create(
                    {
                        "name": name,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": target._name,
                        "res_id": target.id,
                    }
                )
                result["filed"].append(name)
        return results

    # -- private --------------------------------------------------------------------------

    def _filing_target(self, res_model, res_id):
        """The record files go to, once the user is known to be allowed to change it."""
        if (
            not isinstance(res_model, str)
            or res_model not in self.env
            or res_model in NOT_FILEABLE
            or self.env[res_model]._abstract
            or self.env[res_model]._transient
        ):
            raise UserError(self._not_assignable(res_model))
        record = self.env[res_model].browse(int(res_id)).exists()
        if not record:
            raise UserError(self.env._("The record no longer exists."))
        record.check_access("write")
        return record

    def _record_holds(self, target, checksum):
        return bool(
            self.env["ir.attachment"].search_count(
                [
                    ("res_model", "=", target._name),
                    ("res_id", "=", target.id),
                    ("checksum", "=", checksum),
                ],
                limit=1,
            )
        )

    def _filing_files(self, folder, uidvalidity, uids, what, part_numbers=None):
        """[(uid, files)] of messages, in the order of `uids`: files as [(name, mimetype,
        content)], content None where it is beyond MAX_FILED_BYTES; files None for a
        message that is no longer on the server. What storage add-ons file."""
        self.ensure_one()
        self._check_usable()
        if what not in FILING_WHAT:
            raise ValueError(f"what must be one of {FILING_WHAT}, not {what!r}")
        uidvalidity = int(uidvalidity)
        uids = list(dict.fromkeys(int(uid) for uid in uids or ()))
        if not uids or len(uids) > MAX_ASSIGN:
            raise UserError(
                self.env._("Choose between 1 and %(count)s messages.", count=MAX_ASSIGN)
            )
        chosen = {str(part) for part in part_numbers} if part_numbers else None
        present = self._imap_run(
            lambda client: assigning.message_summaries(client, folder, uidvalidity, uids),
            safe=True,
        )
        found = []
        for uid in uids:
            if uid not in present:
                found.append((uid, None))
                continue
            view = self._read_message(folder, uidvalidity, uid)
            files = []
            if what in ("eml", "both"):
                files.append(self._filed_source(folder, uidvalidity, uid, view))
            if what in ("attachments", "both"):
                files += self._filed_attachments(folder, uidvalidity, uid, view, chosen)
            found.append((uid, files))
        return found

    def _filed_source(self, folder, uidvalidity, uid, view):
        source = self._imap_run(
            lambda client: assigning.read_source(
                client, folder, uidvalidity, uid, max_bytes=MAX_FILED_BYTES
            ),
            safe=True,
        )
        return (_eml_name(view.subject or self.env._("(no subject)")), "message/rfc822", source)

    def _filed_attachments(self, folder, uidvalidity, uid, view, chosen):
        """The attachments of `view` named in `chosen` (part numbers; all but the body's
        own images when None), with their content."""
        attachments = [
            attachment
            for attachment in view.attachments
            if (attachment.part_number in chosen if chosen is not None else not attachment.inline)
        ]
        if not attachments:
            return []
        contents = self._imap_run(
            lambda client: assigning.read_attachments(
                client,
                folder,
                uidvalidity,
                uid,
                [attachment.part_number for attachment in attachments],
                max_bytes=MAX_FILED_BYTES,
            ),
            safe=True,
        )
        return [
            (
                _safe_filename(attachment.filename),
                attachment.mime_type,
                contents.get(attachment.part_number),
            )
            for attachment in attachments
        ]


def _filing_result(files):
    result = {"filed": [], "skipped": [], "left_out": [], "gone": files is None}
    for name, _mimetype, content in files or ():
        if content is None:
            result["left_out"].append(name)
    return result


def _safe_filename(name):
    """A file name every file system and browser takes: no path separators, no control
    characters, not too long (the extension kept)."""
    name = " ".join(_UNSAFE_FILENAME.sub(" ", name or "").split()).strip(" .")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS].rstrip(" .")
    return name or "file"


def _eml_name(subject):
    return _safe_filename(subject)[: MAX_FILENAME_CHARS - 4].rstrip(" .") + ".eml"
