"""Gmail accounts connected through Odoo's google_gmail, against the local provider's
Google-style endpoints, Dovecot and the SMTP server: the tests of dynaoffice_mail's
oauth_common.

google_gmail writes Google's URLs inline (no parameter), so in these tests only its module's
`requests.post` is sent to the local token endpoint (`redirect_requests`), and the consent URL
it builds is read at the local provider instead of accounts.google.com. An Odoo of its own
process is told by a test-only module it loads server-wide (dynaoffice_mail_testing_google).
"""

import os
import re
import secrets
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tools import config

# The modules, not their classes or functions: pytest would collect a TestCase imported by
# name.
from odoo.addons.dynaoffice_mail.tests import common, oauth_common
from odoo.addons.dynaoffice_mail.tests import test_outbox_retry as outbox_retry
from odoo.addons.google_gmail.models import google_gmail_mixin

try:
    from dynaoffice_mail_testing.odoo_server import OdooServer, OdooSession
except ImportError:  # without the test helper package (common.py says what is missing)
    OdooServer = OdooSession = None

GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
MODEL = "dynaoffice.mail.account"
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


def _server_config(tmp_path):
    """outbox_retry's odoo.conf, loading the test-only module server-wide."""
    path = outbox_retry._server_config(tmp_path)
    text = re.sub(r"(?m)^server_wide_modules = .*\n", "", path.read_text())
    text = re.sub(r"(?m)^(addons_path = .*)$", rf"\1,{TEST_ADDONS}", text)
    path.write_text(f"{text}server_wide_modules = base,web,{TOKEN_URL_MODULE}\n")
    return path


def test_connecting_and_renewing_in_a_real_odoo_process(tmp_path):
    """As dynaoffice_mail_outlook's test of the same name: Odoo as a process of its own, each
    request in a transaction that sees the database as it was when it began. The grant the
    callback keeps, and a token a login renews, are committed on cursors of their own; the
    same request must log in with them. The user and account are committed."""
    description, servers = common.test_servers()
    oauth = oauth_common.OAuthControl.from_description(description)
    database = config["db_name"]
    if isinstance(database, list):
        database = database[0]
    token = secrets.token_hex(4)
    address, password = f"gmail-{token}@dynaoffice.test", secrets.token_urlsafe(12)
    servers.add_user(address, password)
    login = f"gmail-process-{token}"
    server = OdooServer(_server_config(tmp_path), database, tmp_path / "odoo.log")
    client_id, client_secret = f"odoo-{token}", secrets.token_urlsafe(16)
    oauth.register_client(
        client_id, client_secret, [f"{server.url}{TestGmailConnect.callback_path}"]
    )
    settings = {
        "web.base.url": server.url,
        "web.base.url.freeze": "True",
        TestGmailConnect.client_id_param: client_id,
        TestGmailConnect.client_secret_param: client_secret,
        "dynaoffice_mail.allow_private_hosts": "True",
    }
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        settings_before = {key: params.get_param(key) for key in settings}
        for key, value in settings.items():
            params.set_param(key, value)
        user, account = common.committed_account(
            env, servers, login, "Gustav Gmail", address, password
        )
        account._without_connection_test().write({"server_type": TestGmailConnect.server_type})
        ids = {"user": user.id, "account": account.id}
    environ_before = {
        name: os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", TOKEN_URL_VARIABLE)
    }
    os.environ["REQUESTS_CA_BUNDLE"] = oauth.ca_file
    os.environ[TOKEN_URL_VARIABLE] = oauth.google_token_url
    try:
        server.start()
        session = OdooSession(server.url)
        session.authenticate(database, login, login)
        action = session.call(MODEL, TestGmailConnect.connect_method, [ids["account"]])
        assert action["url"].startswith(GOOGLE_AUTH_URL), action["url"]
        consent_url = oauth.google_auth_url + action["url"][len(GOOGLE_AUTH_URL) :]
        location = oauth.consent(consent_url, address, password)
        with session.opener.open(location, timeout=120) as response:
            landed, page = response.geturl(), response.read().decode(errors="replace")
        # Connected: the mail client on the account, not the page saying what went wrong.
        assert landed.endswith(f"/odoo/mail?account={ids['account']}"), page[:3000]
        folders = session.call(MODEL, "client_folders", [ids["account"]])
        assert "INBOX" in {folder["name"] for folder in folders}
        # Google ends the access token while Odoo's clock takes it for valid: the test of
        # the connection renews it once (at the local provider) and logs in with the new one.
        assert oauth.expire_access_tokens(address) >= 1
        before = oauth.token_requests(client_id).get("refresh_token", 0)
        answer = session.call(MODEL, "action_test_connection", [ids["account"]])
        assert answer["params"]["type"] == "success", answer
        assert oauth.token_requests(client_id).get("refresh_token", 0) == before + 1
    finally:
        server.stop()
        for name, value in environ_before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env[MODEL].browse(ids["account"]).unlink()
            env["res.users"].browse(ids["user"]).active = False
            params = env["ir.config_parameter"]
            for key, value in settings_before.items():
                params.set_param(key, value or False)
