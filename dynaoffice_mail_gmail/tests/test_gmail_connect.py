"""Gmail accounts connected through Odoo's google_gmail, against the local provider's
Google-style endpoints, Dovecot and the SMTP server: the tests of dynaoffice_mail's
oauth_common.

google_gmail writes Google's URLs inline (no parameter), so in these tests only its module's
and dynaoffice_mail's (renewals) `requests.post` are sent to the local token endpoint
(`redirect_requests`), and the consent URL it builds is read at the local provider instead
of accounts.google.com. An Odoo of its own process is told by a test-only module it loads
server-wide (dynaoffice_mail_testing_google).
"""

import re
from pathlib import Path

from odoo.tests import tagged

# The modules, not their classes or functions: pytest would collect a TestCase imported by
# name.
from odoo.addons.dynaoffice_mail.models import dynaoffice_mail_account as account_module
from odoo.addons.dynaoffice_mail.tests import oauth_common
from odoo.addons.dynaoffice_mail.tests import test_outbox_retry as outbox_retry
from odoo.addons.google_gmail.models import google_gmail_mixin

GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
# The test-only module that points a process's Google token requests elsewhere, and where.
TEST_ADDONS = Path(__file__).resolve().parents[2] / "dynaoffice_mail_testing" / "odoo_addons"
TOKEN_URL_MODULE = "dynaoffice_mail_testing_google"
TOKEN_URL_VARIABLE = "DYNAOFFICE_MAIL_TEST_GOOGLE_TOKEN_URL"


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
        # The code exchange is the module's request, a renewal dynaoffice_mail's.
        for module in (google_gmail_mixin, account_module):
            cls.startClassPatcher(
                oauth_common.redirect_requests(
                    module, {GOOGLE_TOKEN_URL: cls.oauth.google_token_url}
                )
            )

    def token_requests_to(self, url):
        return oauth_common.redirect_requests(account_module, {GOOGLE_TOKEN_URL: url})

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


def _server_config(tmp_path):
    """outbox_retry's odoo.conf, loading the test-only module server-wide."""
    path = outbox_retry._server_config(tmp_path)
    text = re.sub(r"(?m)^server_wide_modules = .*\n", "", path.read_text())
    text = re.sub(r"(?m)^(addons_path = .*)$", rf"\1,{TEST_ADDONS}", text)
    path.write_text(f"{text}server_wide_modules = base,web,{TOKEN_URL_MODULE}\n")
    return path


def test_connecting_and_renewing_in_a_real_odoo_process(tmp_path):
    """The flow as production runs it, in an Odoo process of its own (see oauth_common),
    which sends Google's token requests to the local provider (TOKEN_URL_MODULE)."""

    def google_consent(oauth, url):
        assert url.startswith(GOOGLE_AUTH_URL), url
        return oauth.google_auth_url + url[len(GOOGLE_AUTH_URL) :]

    oauth_common.connect_and_renew_in_a_real_odoo_process(
        tmp_path,
        TestGmailConnect,
        name="Gustav Gmail",
        settings=lambda oauth: {},
        server_config=_server_config,
        environ=lambda oauth: {TOKEN_URL_VARIABLE: oauth.google_token_url},
        consent_url=google_consent,
    )
