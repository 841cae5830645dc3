from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..roles.query import query_criteria


class DynaofficeMailSavedSearch(models.Model):
    """A search of the search box kept by one user, shown under the folders: one click
    runs it again, in its account (and folder) or everywhere."""

    _name = "dynaoffice.mail.saved.search"
    _description = "Saved mail search"
    _order = "sequence, name, id"

    name = fields.Char(required=True)
    query = fields.Char(required=True, help="As typed into the search box: from:anna is:unread")
    user_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
        index=True,
    )
    account_id = fields.Many2one(
        "dynaoffice.mail.account",
        string="Mailbox",
        ondelete="cascade",
        help="Searched in this mailbox only; empty: in every mailbox.",
    )
    folder = fields.Char(help="Searched in this folder of the mailbox only; empty: everywhere.")
    sequence = fields.Integer(default=10)

    @api.constrains("query")
    def _check_query(self):
        for saved in self:
            # Raises the search box's own message for a query it cannot read.
            if not query_criteria(self.env, saved.query or ""):
                raise ValidationError(self.env._("Type what to search for."))

    @api.constrains("account_id", "folder", "user_id")
    def _check_scope(self):
        for saved in self:
            if saved.folder and not saved.account_id:
                raise ValidationError(self.env._("A folder can only be saved with its mailbox."))
            if saved.account_id and not saved.account_id._is_usable_by(saved.user_id):
                raise ValidationError(self.env._("You cannot search a mailbox you may not use."))

    def write(self, vals):
        # The record rule checks whose searches these are before the write, not after it:
        # a search is never handed to another user.
        if "user_id" in vals and any(saved.user_id.id != vals["user_id"] for saved in self):
            raise AccessError(self.env._("A saved search cannot be given to another user."))
        return super().write(vals)
