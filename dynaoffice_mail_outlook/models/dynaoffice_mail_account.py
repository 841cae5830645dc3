"""Microsoft 365 / Outlook accounts: IMAP and SMTP logins by OAuth2 token, with the flow and
the token requests of Odoo's `microsoft_outlook` (its mixin); this addon only stores the grant
the way dynaoffice_mail stores passwords and fills in the login seams. A renewal is the
mixin's request, sent by dynaoffice_mail's _request_renewal, which tells a refused grant from
a provider that is down."""

import time
from urllib.parse import urljoin, urlsplit

from odoo import api, fields, models

from odoo.addons.dynaoffice_mail.models.dynaoffice_mail_account import SHOW_GRANT

SERVER_TYPE = "outlook"
PROVIDER = "Microsoft"
# Exchange Online's IMAP and SMTP; the mixin adds offline_access (the refresh token).
OUTLOOK_SCOPE = (
    "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
)
# What the server type fills in (Microsoft's published settings).
OUTLOOK_SERVERS = {
    "imap_host": "outlook.office365.com",
    "imap_ssl": True,
    "imap_port": 993,
    "imap_allow_insecure": False,
    "smtp_method": "smtp",
    "smtp_host": "smtp.office365.com",
    "smtp_port": 587,
    "smtp_encryption": "tls",
    "smtp_auth": True,
}
# The mixin's token fields: refresh token, access token, its expiry.
OUTLOOK_GRANT_FIELDS = (
    "microsoft_outlook_refresh_token",
    "microsoft_outlook_access_token",
    "microsoft_outlook_access_token_expiration",
)


class DynaofficeMailAccount(models.Model):
    _name = "dynaoffice.mail.account"
    _inherit = ["dynaoffice.mail.account", "microsoft.outlook.mixin"]

    _OUTLOOK_SCOPE = OUTLOOK_SCOPE

    server_type = fields.Selection(
        selection_add=[(SERVER_TYPE, "Microsoft 365 / Outlook")],
        ondelete={SERVER_TYPE: "set default"},
    )
    # The mixin's token fields, not stored: the grant is kept encrypted like the passwords
    # (_store_authorization). They show it only to the mixin's methods (_showing_grant) and
    # are empty for everyone else, administrators included.
    microsoft_outlook_refresh_token = fields.Char(
        compute="_compute_outlook_grant", inverse="_inverse_outlook_grant", store=False
    )
    microsoft_outlook_access_token = fields.Char(
        compute="_compute_outlook_grant", inverse="_inverse_outlook_grant", store=False
    )
    microsoft_outlook_access_token_expiration = fields.Integer(
        compute="_compute_outlook_grant", inverse="_inverse_outlook_grant", store=False
    )

    @api.depends_context(SHOW_GRANT)
    def _compute_outlook_grant(self):
        self._show_grant_in(*OUTLOOK_GRANT_FIELDS)

    def _inverse_outlook_grant(self):
        self._keep_grant_from(*OUTLOOK_GRANT_FIELDS)

    @api.onchange("server_type")
    def _onchange_server_type_outlook(self):
        if self.server_type == SERVER_TYPE:
            self.update(OUTLOOK_SERVERS)

    def action_connect_microsoft(self):
        """The form's "Connect your Microsoft account": Microsoft's consent page, whose
        answer comes back to /microsoft_outlook/confirm (controllers/main.py)."""
        return self._consent_page_action(
            "is_microsoft_outlook_configured",
            self.env._(
                "Microsoft 365 is not set up in Odoo yet: an administrator enters the "
                "client ID and secret of the Microsoft app in the General Settings."
            ),
            "microsoft_outlook_uri",
        )

    def open_microsoft_outlook_uri(self):
        # The mixin's button allows system users only; accounts are connected by their owner.
        return self.action_connect_microsoft()

    def _get_outlook_csrf_token(self):
        # The mixin binds the state to the record; a mail account's also to the user.
        return self._authorization_state_token("dynaoffice_mail_outlook_oauth")

    def _check_outlook_csrf_token(self, token):
        # The callback's check of that token (controllers/main.py): good once, for a while.
        return self._authorization_state_check("dynaoffice_mail_outlook_oauth", token)

    def _login_by_token(self):
        return self.server_type == SERVER_TYPE or super()._login_by_token()

    def _reconnect_action(self):
        if self.server_type == SERVER_TYPE:
            return self.action_connect_microsoft()
        return super()._reconnect_action()

    def _token_login(self, login):
        # The mixin's token requests and XOAUTH2 string (see _log_in_with_token).
        if self.server_type != SERVER_TYPE:
            return super()._token_login(login)

        def token_login(refresh):
            return self._xoauth2_login(
                refresh,
                provider=PROVIDER,
                host=urlsplit(self._get_microsoft_endpoint()).hostname or "",
                renew=self._renew_outlook_grant,
                sasl_response=lambda: self._showing_grant()._generate_outlook_oauth2_string(login),
            )

        return token_login, PROVIDER

    def _renew_outlook_grant(self, refresh_token):
        """The mixin's _fetch_outlook_access_token, the same request (see the module's
        docstring): (new refresh token, access token, expiry)."""
        config = self.env["ir.config_parameter"].sudo()
        answer = self._request_renewal(
            urljoin(self._get_microsoft_endpoint(), "token"),
            {
                "client_id": config.get_param("microsoft_outlook_client_id"),
                "client_secret": config.get_param("microsoft_outlook_client_secret"),
                "scope": f"offline_access {self._OUTLOOK_SCOPE}",
                "redirect_uri": urljoin(self.get_base_url(), "/microsoft_outlook/confirm"),
                "refresh_token": refresh_token,
            },
            timeout=10,
        )
        return (
            answer.get("refresh_token") or "",
            answer["access_token"],
            int(time.time()) + int(answer["expires_in"]),
        )
