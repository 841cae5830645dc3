"""Gmail / Google Workspace accounts: IMAP and SMTP logins by OAuth2 token, with the flow and
the token requests of Odoo's `google_gmail` (its mixin); this addon only stores the grant the
way dynaoffice_mail stores passwords and fills in the login seams. A renewal is the mixin's
request, sent by dynaoffice_mail's _request_renewal, which tells a refused grant from a
provider that is down."""

import time
from urllib.parse import urljoin

from odoo import api, fields, models

from odoo.addons.dynaoffice_mail.models.dynaoffice_mail_account import SHOW_GRANT
from odoo.addons.google_gmail.models.google_gmail_mixin import GMAIL_TOKEN_REQUEST_TIMEOUT

SERVER_TYPE = "gmail"
PROVIDER = "Google"
# Where google_gmail's mixin asks for tokens (written inline there, not a parameter).
TOKEN_URL = "https://oauth2.googleapis.com/token"
TOKEN_HOST = "oauth2.googleapis.com"
# What the server type fills in (Google's published settings).
GMAIL_SERVERS = {
    "imap_host": "imap.gmail.com",
    "imap_ssl": True,
    "imap_port": 993,
    "imap_allow_insecure": False,
    "smtp_method": "smtp",
    "smtp_host": "smtp.gmail.com",
    "smtp_port": 465,
    "smtp_encryption": "ssl",
    "smtp_auth": True,
}
# The mixin's token fields: refresh token, access token, its expiry.
GMAIL_GRANT_FIELDS = (
    "google_gmail_refresh_token",
    "google_gmail_access_token",
    "google_gmail_access_token_expiration",
)


class DynaofficeMailAccount(models.Model):
    _name = "dynaoffice.mail.account"
    _inherit = ["dynaoffice.mail.account", "google.gmail.mixin"]

    server_type = fields.Selection(
        selection_add=[(SERVER_TYPE, "Gmail / Google Workspace")],
        ondelete={SERVER_TYPE: "set default"},
    )
    is_google_gmail_configured = fields.Boolean(compute="_compute_is_google_gmail_configured")
    # The mixin's token fields, not stored: the grant is kept encrypted like the passwords
    # (_store_authorization). They show it only to the mixin's methods (_showing_grant) and
    # are empty for everyone else, administrators included. The one-time authorization code
    # is never kept.
    google_gmail_authorization_code = fields.Char(
        compute="_compute_gmail_grant", inverse="_inverse_gmail_grant", store=False
    )
    google_gmail_refresh_token = fields.Char(
        compute="_compute_gmail_grant", inverse="_inverse_gmail_grant", store=False
    )
    google_gmail_access_token = fields.Char(
        compute="_compute_gmail_grant", inverse="_inverse_gmail_grant", store=False
    )
    google_gmail_access_token_expiration = fields.Integer(
        compute="_compute_gmail_grant", inverse="_inverse_gmail_grant", store=False
    )

    def _compute_is_google_gmail_configured(self):
        # System parameters are readable by administrators only; the form shows every user
        # whether Gmail can be connected, hence sudo.
        config = self.env["ir.config_parameter"].sudo()
        configured = bool(
            config.get_param("google_gmail_client_id")
            and config.get_param("google_gmail_client_secret")
        )
        for account in self:
            account.is_google_gmail_configured = configured

    @api.depends_context(SHOW_GRANT)
    def _compute_gmail_grant(self):
        self.google_gmail_authorization_code = False
        self._show_grant_in(*GMAIL_GRANT_FIELDS)

    def _inverse_gmail_grant(self):
        self._keep_grant_from(*GMAIL_GRANT_FIELDS)

    @api.onchange("server_type")
    def _onchange_server_type_gmail(self):
        if self.server_type == SERVER_TYPE:
            self.update(GMAIL_SERVERS)

    def action_connect_google(self):
        """The form's "Connect your Google account": Google's consent page, whose answer
        comes back to /google_gmail/confirm (controllers/main.py)."""
        return self._consent_page_action(
            "is_google_gmail_configured",
            self.env._(
                "Gmail is not set up in Odoo yet: an administrator enters the client ID "
                "and secret of the Google app in the General Settings."
            ),
            "google_gmail_uri",
        )

    def open_google_gmail_uri(self):
        # The mixin's button allows system users only; accounts are connected by their owner.
        return self.action_connect_google()

    def _get_gmail_csrf_token(self):
        # The mixin binds the state to the record; a mail account's also to the user.
        return self._authorization_state_token("dynaoffice_mail_gmail_oauth")

    def _check_gmail_csrf_token(self, token):
        # The callback's check of that token (controllers/main.py): good once, for a while.
        return self._authorization_state_check("dynaoffice_mail_gmail_oauth", token)

    def _login_by_token(self):
        return self.server_type == SERVER_TYPE or super()._login_by_token()

    def _reconnect_action(self):
        if self.server_type == SERVER_TYPE:
            return self.action_connect_google()
        return super()._reconnect_action()

    def _token_login(self, login):
        # The mixin's token requests and XOAUTH2 string (see _log_in_with_token).
        if self.server_type != SERVER_TYPE:
            return super()._token_login(login)

        def renew(refresh_token):
            # The mixin's _fetch_gmail_access_token, the same request (see the module's
            # docstring). Google keeps the refresh token: it answers with a new access token.
            config = self.env["ir.config_parameter"].sudo()
            answer = self._request_renewal(
                TOKEN_URL,
                {
                    "client_id": config.get_param("google_gmail_client_id"),
                    "client_secret": config.get_param("google_gmail_client_secret"),
                    "redirect_uri": urljoin(self.get_base_url(), "/google_gmail/confirm"),
                    "refresh_token": refresh_token,
                },
                timeout=GMAIL_TOKEN_REQUEST_TIMEOUT,
            )
            return "", answer["access_token"], int(time.time()) + int(answer["expires_in"])

        def sasl_response():
            account = self._showing_grant()
            return account._generate_oauth2_string(login, account.google_gmail_refresh_token)

        def token_login(refresh):
            return self._xoauth2_login(
                refresh,
                provider=PROVIDER,
                host=TOKEN_HOST,
                renew=renew,
                sasl_response=sasl_response,
            )

        return token_login, PROVIDER
