"""Microsoft 365 at the local OAuth2 provider: its Microsoft-style endpoints, to which the
module's own parameter `microsoft_outlook.endpoint` points."""

from contextlib import contextmanager


class OutlookProvider:
    """The class attributes of dynaoffice_mail's oauth_common cases for Microsoft 365."""

    server_type = "outlook"
    connect_method = "action_connect_microsoft"
    provider = "Microsoft"
    client_id_param = "microsoft_outlook_client_id"
    client_secret_param = "microsoft_outlook_client_secret"
    callback_path = "/microsoft_outlook/confirm"
    token_fields = (
        "microsoft_outlook_refresh_token",
        "microsoft_outlook_access_token",
        "microsoft_outlook_access_token_expiration",
    )

    @classmethod
    def configure_provider(cls, config):
        config.set_param("microsoft_outlook.endpoint", cls.oauth.microsoft_endpoint)

    @contextmanager
    def token_requests_to(self, url):
        config = self.env["ir.config_parameter"].sudo()
        config.set_param("microsoft_outlook.endpoint", url)
        try:
            yield
        finally:
            config.set_param("microsoft_outlook.endpoint", self.oauth.microsoft_endpoint)
