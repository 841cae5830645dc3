"""Filing message handles into DMS directories: for server actions and automation rules."""

from odoo import models

from ..roles.dms_directory import DmsDirectoryDestination


class DynaofficeMailMessage(models.Model):
    _inherit = "dynaoffice.mail.message"

    def file_to_directory(self, directory_id, what="eml", part_numbers=None):
        """Store these messages as files of a DMS directory, each content once; for
        automation code: `records.file_to_directory(env.ref("...").id, "both")`.

        Returns {handle id: {"filed", "skipped", "left_out", "refused", "gone"}} as
        file_to_record does; "filed" names the files as stored (a name taken gets a
        suffix), "refused" those the document storage does not accept, with its reason.
        """
        target = {"kind": DmsDirectoryDestination.kind, "directory_id": directory_id}
        return self._file_into(target, what, part_numbers)

    def action_file_to_account_directory(self):
        """Server action: each message (its .eml file and its attachments) into the
        document directory of its mailbox, each file once; messages of mailboxes without
        one are left alone."""
        filed = already = skipped = 0
        refused = []
        for account, handles in self.grouped("account_id").items():
            if not account.dms_directory_id:
                skipped += len(handles)
                continue
            for result in handles.file_to_directory(account.dms_directory_id.id, "both").values():
                filed += len(result["filed"])
                already += len(result["skipped"])
                refused += [f"{each['name']} ({each['reason']})" for each in result["refused"]]
        notes = []
        if skipped:
            notes.append(
                self.env._(
                    "Messages left alone (their mailbox has no document directory): %(skipped)s.",
                    skipped=skipped,
                )
            )
        if refused:
            notes.append(
                self.env._(
                    "Not accepted by the document storage: %(files)s", files=", ".join(refused)
                )
            )
        return self._file_notification(filed, already, " ".join(notes))
