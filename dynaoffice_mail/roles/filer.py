"""Filing mail as files: the whole message as an .eml file and/or its attachments, stored
in a place of a filing destination, each content once per place.

A destination is a kind of place a user may file into. The base addon knows one, the
attachments of a record (`RecordDestination`); a bridge addon adds its own (a document
storage's directories, say) by extending the account's hook `_filing_destinations()`:

    class DynaofficeMailAccount(models.Model):
        _inherit = "dynaoffice.mail.account"

        @api.model
        def _filing_destinations(self):
            return super()._filing_destinations() + [MyDestination]

The mail client's dialog shows what each destination `describe`s, through the component
the bridge registers under the same `kind` in the JS registry
"dynaoffice_mail.filing_destinations" (static/src/client/file_dialog.js), and sends back
a target {"kind", ...} that the destination `resolve`s into the place the files go to.
"""

import hashlib

from odoo.exceptions import UserError, ValidationError

from ..services import limits, names
from ..services.exceptions import InvalidInputError
from ..services.refs import parse_id
from . import assigner
from .base import Role
from .mailbox import Mailbox

FILING_WHAT = ("eml", "attachments", "both")
# Not places for a mail's files: attachments of attachments, users (their partner is).
NOT_FILEABLE = assigner.NOT_ASSIGNABLE | {"ir.attachment"}


class Filer(Role):
    """Mail of one account stored as files where the user may add them."""

    def file(self, refs, target, what="eml", part_numbers=None):
        """Store messages of one folder as files of the place `target` names (what the
        mail client sends: {"kind", ...}, without a kind {"res_model", "res_id"} of a
        record): the source as an .eml file ("eml"), their attachments ("attachments",
        the `part_numbers` chosen, else all that are not images of the body) or both.

        Returns {uid: {"filed": [names], "skipped": [names], "left_out": [names],
        "refused": [{"name", "reason"}], "gone": bool}}: "filed" the names stored (a place
        may rename a file whose name it holds already), "skipped" files the place holds
        already (same content), "left_out" those beyond limits.MAX_ATTACHMENT_BYTES (the
        source, the files together), "refused" those the place does not accept (a
        document storage's forbidden extension or size) and its reason, "gone" when the
        message is no longer on the server.
        """
        place = self._place(target)
        results = {}
        for ref, files in self._files(refs, what, part_numbers):
            result = results[ref.uid] = _result(files)
            for name, mimetype, content in files or ():
                if content is None:
                    continue
                if place.holds(hashlib.sha1(content).hexdigest()):
                    result["skipped"].append(name)
                    continue
                try:
                    # One file the place refuses leaves the others of the batch filed,
                    # and is named in the answer: it rolls back alone.
                    with self.env.cr.savepoint():
                        stored = place.store(name, mimetype, content)
                except ValidationError as error:
                    result["refused"].append({"name": name, "reason": str(error.args[0])})
                    continue
                result["filed"].append(stored)
        return results

    # -- private --------------------------------------------------------------------------

    def _place(self, target):
        """The place `target` names, once the user is known to be allowed to add files."""
        if isinstance(target, dict):
            kind = target.get("kind") or RecordDestination.kind
            for destination in self.account._filing_destinations():
                if destination.kind == kind:
                    return destination.resolve(self.env, target)
        raise UserError(self.env._("Choose where to file the mail."))

    def _files(self, refs, what, part_numbers=None):
        """[(ref, files)] of messages, in the order of `refs`: files as [(name, mimetype,
        content)], content None where it is beyond the limit; files None for a
        message that is no longer on the server."""
        if what not in FILING_WHAT:
            raise ValueError(f"what must be one of {FILING_WHAT}, not {what!r}")
        if not refs or len(refs) > assigner.MAX_ASSIGN:
            raise UserError(
                self.env._("Choose between 1 and %(count)s messages.", count=assigner.MAX_ASSIGN)
            )
        if len({(ref.folder, ref.uidvalidity) for ref in refs}) > 1:
            # The answer names messages by UID, which only a folder's listing makes unique.
            raise ValueError("refs of one folder only")
        present = assigner.Assigner(self.account).summaries(refs)
        mailbox = Mailbox(self.account)
        chosen = {str(part) for part in part_numbers} if part_numbers else None
        found = []
        for ref in refs:
            if ref.uid not in present:
                found.append((ref, None))
                continue
            view = mailbox.message_view(ref)
            files = []
            if what in ("eml", "both"):
                files.append(self._source(ref, view))
            if what in ("attachments", "both"):
                files += self._attachments(ref, view, chosen)
            found.append((ref, files))
        return found

    def _source(self, ref, view):
        source = Mailbox(self.account).read_source(ref, max_bytes=limits.MAX_ATTACHMENT_BYTES)
        name = names.eml_filename(view.subject or self.env._("(no subject)"))
        return (name, "message/rfc822", source)

    def _attachments(self, ref, view, chosen):
        """The attachments of `view` named in `chosen` (part numbers; all but the body's
        own images when None), with their content."""
        attachments = [
            attachment
            for attachment in view.attachments
            if (attachment.part_number in chosen if chosen is not None else not attachment.inline)
        ]
        if not attachments:
            return []
        contents = Mailbox(self.account).read_attachments(
            ref,
            [attachment.part_number for attachment in attachments],
            max_bytes=limits.MAX_ATTACHMENT_BYTES,
        )
        return [
            (
                names.safe_filename(attachment.filename, "file"),
                attachment.mime_type,
                contents.get(attachment.part_number),
            )
            for attachment in attachments
        ]


def filing_targets(env):
    """What the filing dialog offers the current user: {"destinations": [what each
    destination the user may file into describes, {"kind", ...}]}."""
    destinations = env["dynaoffice.mail.account"]._filing_destinations()
    return {
        "destinations": [
            destination.describe(env) for destination in destinations if destination.available(env)
        ]
    }


class RecordDestination:
    """The attachments of a record the user may change: the base addon's destination.

    A destination class says who may use it (`available`), what the dialog needs to offer
    it (`describe`) and which place a target names (`resolve`, which checks the user's
    right to add files there); the place it returns says whether it holds a content
    already (`holds`, by SHA-1) and stores a file (`store`, answering the name stored).
    """

    kind = "record"

    def __init__(self, record):
        self.record = record

    @classmethod
    def available(cls, env):
        return True

    @classmethod
    def describe(cls, env):
        # The dialog's record picker asks for its suggestions and searches itself.
        return {"kind": cls.kind}

    @classmethod
    def resolve(cls, env, target):
        res_model = target.get("res_model")
        if not res_model:
            raise UserError(env._("Choose where to file the mail."))
        # The records the picker offers: the same business models as for assigning.
        if (
            not isinstance(res_model, str)
            or res_model in NOT_FILEABLE
            or res_model not in assigner.assignable_model_names(env)
        ):
            raise UserError(assigner.not_assignable_message(env, res_model))
        try:
            res_id = parse_id(target.get("res_id"))
        except InvalidInputError:
            raise UserError(env._("Choose where to file the mail.")) from None
        record = env[res_model].browse(res_id).exists()
        if not record:
            raise UserError(env._("The record no longer exists."))
        record.check_access("write")
        return cls(record)

    def holds(self, checksum):
        # ir.attachment keeps the SHA-1 of its content in `checksum`.
        return bool(
            self.record.env["ir.attachment"].search_count(
                [
                    ("res_model", "=", self.record._name),
                    ("res_id", "=", self.record.id),
                    ("checksum", "=", checksum),
                ],
                limit=1,
            )
        )

    def store(self, name, mimetype, content):
        self.record.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "mimetype": mimetype,
                "res_model": self.record._name,
                "res_id": self.record.id,
            }
        )
        return name


def _result(files):
    result = {"filed": [], "skipped": [], "left_out": [], "refused": [], "gone": files is None}
    for name, _mimetype, content in files or ():
        if content is None:
            result["left_out"].append(name)
    return result
