from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    dynaoffice_mail_account_ids = fields.One2many(
        "dynaoffice.mail.account", "user_id", string="Mail Accounts"
    )
    dynaoffice_mail_trusted_sender_ids = fields.One2many(
        "dynaoffice.mail.trusted.sender", "user_id", string="Senders With Remote Content"
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "dynaoffice_mail_account_ids",
            # Read only: not self-writeable, whose writes Odoo makes as superuser.
            "dynaoffice_mail_trusted_sender_ids",
        ]

    def action_dynaoffice_mail_new_account(self):
        """The seed's "Neues E-Mail Konto hinzufügen" in the user's own preferences."""
        self.ensure_one()
        return self.env["dynaoffice.mail.account"]._action_new_account(user=self)
