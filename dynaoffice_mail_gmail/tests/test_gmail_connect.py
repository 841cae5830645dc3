"""Gmail accounts connected through Odoo's google_gmail, against the local provider's
Google-style endpoints, Dovecot and the SMTP server: the tests of dynaoffice_mail's
oauth_common.

google_gmail writes Google's URLs inline (no parameter), so in these tests only its module's
`requests.post` is sent to the local token endpoint (`redirect_requests`), and the consent URL
it builds is read at the local provider instead of accounts.google.com.
"""

from odoo.tests import tagged

# The module, not its class: pytest would collect a TestCase imported by name.
from odoo.addons.dynaoffice_mail.tests import oauth_common
from odoo.addons.google_gmail.models import google_gmail_mixin

GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"


@tagged("post_install", "-at_install")
class TestGmailConnect(oauth_common.OAuthFlowCase):
    server_type = "gmail"
    connect_method = "action_connect_google"
    provider = "Google"
    client_id_param = "google_gmail_client_id"
    client_secret_param = "google_gmail_client_secret"
    callback_path = "/google_gmail/confirm"
    token_fields = (
        "google_gmail_authorization_code",
        "google_gmail_refresh_token",
        "google_gmail_access_token",
        "google_gmail_access_token_expiration",
    )

    @classmethod
    def configure_provider(cls, config):
        cls.startClassPatcher(
            oauth_common.redirect_requests(
                google_gmail_mixin, {GOOGLE_TOKEN_URL: cls.oauth.google_token_url}
            )
        )

    def provider_url(self, url):
        self.assertTrue(url.startswith(GOOGLE_AUTH_URL), url)
        return self.oauth.google_auth_url + url[len(GOOGLE_AUTH_URL) :]

    def test_gmail_type_fills_in_googles_servers(self):
        account = (
            self.env["dynaoffice.mail.account"]
            .with_user(self.owner)
            .new({"user_id": self.owner.id, "email": "olga@example.com"})
        )
        account.server_type = "gmail"
        account._onchange_server_type_gmail()
        self.assertEqual(
            (account.imap_host, account.imap_port, account.imap_ssl),
            ("imap.gmail.com", 993, True),
        )
        self.assertEqual(
            (account.smtp_host, account.smtp_port, account.smtp_encryption),
            ("smtp.gmail.com", 465, "ssl"),
        )
        self.assertTrue(account.login_by_token)
