"""Microsoft 365 accounts connected through Odoo's microsoft_outlook, against the local
provider's Microsoft-style endpoints (the module's own parameter `microsoft_outlook.endpoint`
points there), Dovecot and the SMTP server: the tests of dynaoffice_mail's oauth_common."""

from odoo.tests import tagged

from odoo.addons.dynaoffice_mail.tests.oauth_common import OAuthFlowCase


@tagged("post_install", "-at_install")
class TestOutlookConnect(OAuthFlowCase):
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

    def test_outlook_type_fills_in_microsofts_servers(self):
        account = (
            self.env["dynaoffice.mail.account"]
            .with_user(self.owner)
            .new({"user_id": self.owner.id, "email": "olga@contoso.example"})
        )
        account.server_type = "outlook"
        account._onchange_server_type_outlook()
        self.assertEqual(
            (account.imap_host, account.imap_port, account.imap_ssl),
            ("outlook.office365.com", 993, True),
        )
        self.assertEqual(
            (account.smtp_host, account.smtp_port, account.smtp_encryption),
            ("smtp.office365.com", 587, "tls"),
        )
        self.assertTrue(account.login_by_token)
