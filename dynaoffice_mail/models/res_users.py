from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    dynaoffice_mail_account_ids = fields.One2many(
        "dynaoffice.mail.account", "user_id", string="Mail Accounts"
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["dynaoffice_mail_account_ids"]

    def action_dynaoffice_mail_new_account(self):
        """The seed's "Neues E-Mail Konto hinzufügen" in the user's own preferences."""
        self.ensure_one()
        return self.env["dynaoffice.mail.account"]._action_new_account(user=self)
