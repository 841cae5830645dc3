from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """The user's preferences for the mail client, which reads them at once (no call)."""
        info = super().session_info()
        if self.env.user._is_internal():
            user = self.env.user
            info["dynaoffice_mail_notify_desktop"] = user.dynaoffice_mail_notify_desktop
            info["dynaoffice_mail_conversations"] = user.dynaoffice_mail_conversations
        return info
