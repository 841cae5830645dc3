from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """The user's preference for the mail client, which reads it at once (no call)."""
        info = super().session_info()
        if self.env.user._is_internal():
            info["dynaoffice_mail_notify_desktop"] = self.env.user.dynaoffice_mail_notify_desktop
        return info
