from odoo import http

from odoo.addons.dynaoffice_mail.controllers.authorization import (
    account_state,
    complete_authorization,
)
from odoo.addons.microsoft_outlook.controllers import main


class MicrosoftOutlookController(main.MicrosoftOutlookController):
    """Odoo's callback takes system users and its mixin's state only. The token request
    names this route as the redirect URI, so mail accounts come back here too: their state
    is handled by dynaoffice_mail (owner or administrator, state bound to the user), the
    rest by Odoo."""

    @http.route()
    def microsoft_outlook_callback(self, code=None, state=None, error_description=None, **kwargs):
        account = account_state(state)
        if account is None:
            return super().microsoft_outlook_callback(
                code=code, state=state, error_description=error_description, **kwargs
            )
        return complete_authorization(
            account,
            code,
            error_description or kwargs.get("error"),
            check_token=lambda record, token: record._check_outlook_csrf_token(token),
            exchange_code=lambda record, code: record._fetch_outlook_refresh_token(code),
        )
