from odoo import http

from odoo.addons.dynaoffice_mail.controllers.authorization import (
    account_state,
    complete_authorization,
)
from odoo.addons.google_gmail.controllers import main


class GoogleGmailController(main.GoogleGmailController):
    """Odoo's callback takes system users and its mixin's state only. The token request
    names this route as the redirect URI, so mail accounts come back here too: their state
    is handled by dynaoffice_mail (owner or administrator, state bound to the user), the
    rest by Odoo."""

    @http.route()
    def google_gmail_callback(self, code=None, state=None, error=None, **kwargs):
        account = account_state(state)
        if account is None:
            return super().google_gmail_callback(code=code, state=state, error=error, **kwargs)
        return complete_authorization(
            account,
            code,
            error,
            check_token=lambda record, token: record._check_gmail_csrf_token(token),
            exchange_code=lambda record, code: record._fetch_gmail_refresh_token(code),
        )
