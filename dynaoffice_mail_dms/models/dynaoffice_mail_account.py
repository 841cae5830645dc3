"""The mailbox's document directory, and the document storage as a place to file mail
into (roles/dms_directory.py)."""

from odoo import api, fields, models

from ..roles.dms_directory import DmsDirectoryDestination


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

    @api.model
    def _filing_destinations(self):
        return super()._filing_destinations() + [DmsDirectoryDestination]
