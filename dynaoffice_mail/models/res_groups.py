from odoo import fields, models


class ResGroups(models.Model):
    _inherit = "res.groups"

    dynaoffice_mail_account_ids = fields.One2many(
        "dynaoffice.mail.account", "group_id", string="Mail Accounts"
    )

    def write(self, vals):
        result = super().write(vals)
        if "users" in vals or "implied_ids" in vals:
            # Every group mailbox: a group's members are also those of groups implying it.
            self.env["dynaoffice.mail.message"]._team_unassign_former_members()
        return result

    def unlink(self):
        # The database would delete the group's mail accounts by itself (ondelete
        # "cascade"), leaving what only the accounts' unlink forgets: a grant, pooled
        # connections. sudo after the check: whoever deletes the group deletes them anyway.
        self.check_access("unlink")
        self.sudo().with_context(active_test=False).dynaoffice_mail_account_ids.unlink()
        return super().unlink()

    def action_dynaoffice_mail_new_account(self):
        """The seed's "Neues E-Mail Konto hinzufügen" on the group form (administrators)."""
        self.ensure_one()
        return self.env["dynaoffice.mail.account"]._action_new_account(group=self)
