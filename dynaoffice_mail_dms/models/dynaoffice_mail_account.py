"""Filing mail into document storage (OCA dms): the .eml source and/or attachments become
dms.file records of a directory the user may add files to, each content once per
directory (the same SHA-1, as dms.file keeps it in `checksum`)."""

import base64
import hashlib

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.dms.tools.file import unique_name
from odoo.addons.dynaoffice_mail.models.dynaoffice_mail_account_file import _filing_result


class DynaofficeMailAccount(models.Model):
    _inherit = "dynaoffice.mail.account"

    dms_directory_id = fields.Many2one(
        "dms.directory",
        string="Document directory",
        ondelete="set null",
        domain=[("permission_create", "=", True)],
        help='Where the server action "File into the mailbox\'s document directory" '
        "files this mailbox's mail (for example in an automation rule).",
    )

    # -- RPC ----------------------------------------------------------------------------

    @api.model
    def client_filing_targets(self):
        # Users who do not work with the documents file into records only.
        if not self.env.user.has_group("dms.group_dms_user"):
            return super().client_filing_targets()
        return {"directories": self.client_dms_directories()}

    @api.model
    def client_dms_directories(self):
        """Directories the user may add files to: [{id, name, storage}], by path."""
        # The same domain dms puts on dms.file's directory field.
        directories = self.env["dms.directory"].search([("permission_create", "=", True)])
        return [
            {
                "id": directory.id,
                "name": directory.complete_name,
                "storage": directory.storage_id.name,
            }
            for directory in directories
        ]

    def client_file(self, folder, uidvalidity, uids, target, what="eml", part_numbers=None):
        if target.get("directory_id"):
            return self.client_file_to_dms(
                folder, uidvalidity, uids, target["directory_id"], what, part_numbers
            )
        return super().client_file(folder, uidvalidity, uids, target, what, part_numbers)

    def client_file_to_dms(
        self, folder, uidvalidity, uids, directory_id, what="eml", part_numbers=None
    ):
        """Store messages as files of a DMS directory, as client_file_to_record does on a
        record: {uid: {"filed", "skipped", "left_out", "gone"}}; "skipped" are files whose
        content the directory holds already. A name taken in the directory gets a suffix."""
        self.ensure_one()
        self._check_usable()
        directory = self._dms_target(directory_id)
        File = self.env["dms.file"]
        results = {}
        for uid, files in self._filing_files(folder, uidvalidity, uids, what, part_numbers):
            result = results[uid] = _filing_result(files)
            for name, _mimetype, content in files or ():
                if content is None:
                    continue
                checksum = hashlib.sha1(content).hexdigest()
                if File.search_count(
                    [("directory_id", "=", directory.id), ("checksum", "=", checksum)], limit=1
                ):
                    result["skipped"].append(name)
                    continue
                # sudo: only the names taken in the directory (dms itself looks them up so
                # when copying); file names must be unique there.
                taken = directory.sudo().with_context(active_test=False).file_ids.mapped("name")
                stored_name = unique_name(name, taken, escape_suffix=True)
                # dms.file's create checks the user's right to add files to the directory.
                File.create(
                    {
                        "name": stored_name,
                        "directory_id": directory.id,
                        "content": base64.b64encode(content),
                    }
                )
                result["filed"].append(stored_name)
        return results

    # -- private --------------------------------------------------------------------------

    @api.model
    def _dms_target(self, directory_id):
        """The directory files go to, once the user is known to be allowed to add files."""
        directory = self.env["dms.directory"].browse(int(directory_id)).exists()
        if not directory:
            raise UserError(self.env._("The record no longer exists."))
        directory.check_access("read")
        if not directory.permission_create:
            raise AccessError(
                self.env._(
                    "You may not add files to %(directory)s.", directory=directory.complete_name
                )
            )
        return directory
