from odoo import models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_dynaoffice_mail_compose(self):
        """ "Write e-mail": the mail client's composer, addressed to these contacts."""
        with_address = self.filtered("email")
        if not with_address:
            raise UserError(self.env._("This contact has no e-mail address."))
        action = self.env["ir.actions.actions"]._for_xml_id(
            "dynaoffice_mail.dynaoffice_mail_client_action"
        )
        action["params"] = {
            "compose": {"to": [partner.email_formatted for partner in with_address]}
        }
        return action
