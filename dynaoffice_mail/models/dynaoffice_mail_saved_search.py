from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..roles.query import query_criteria
from ..services.addresses import LINE_BREAKS

# The texts of a saved search: each one line of the list under the folders, and the query
# and folder go to the server.
TEXT_FIELDS = ("name", "query", "folder")


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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_one_line(vals)
        return super().create(vals_list)

    def write(self, vals):
        # The record rule checks whose searches these are before the write, not after it:
        # a search is never handed to another user.
        if "user_id" in vals and any(saved.user_id.id != vals["user_id"] for saved in self):
            raise AccessError(self.env._("A saved search cannot be given to another user."))
        self._check_one_line(vals)
        return super().write(vals)

    def _check_one_line(self, vals):
        # Before PostgreSQL sees them, which stores no NUL (the RPC would fail with a server
        # error); a line break would be saved for the server to refuse at every click.
        for field_name in TEXT_FIELDS:
            value = vals.get(field_name)
            if isinstance(value, str) and any(char in LINE_BREAKS for char in value):
                raise ValidationError(
                    self.env._(
                        "%(field)s must not contain line breaks.",
                        field=self._fields[field_name].get_description(self.env)["string"],
                    )
                )
