"""Microsoft 365 accounts connected through Odoo's microsoft_outlook, against the local
provider's Microsoft-style endpoints (the module's own parameter `microsoft_outlook.endpoint`
points there), Dovecot and the SMTP server: the tests of dynaoffice_mail's oauth_common."""

import os
import secrets

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tools import config

# The modules, not their classes or functions: pytest would collect a TestCase imported by
# name.
from odoo.addons.dynaoffice_mail.tests import common, oauth_common
from odoo.addons.dynaoffice_mail.tests import test_outbox_retry as outbox_retry

from .common import OutlookProvider

try:
    from dynaoffice_mail_testing.odoo_server import OdooServer, OdooSession
except ImportError:  # without the test helper package (common.py says what is missing)
    OdooServer = OdooSession = None

MODEL = "dynaoffice.mail.account"


@tagged("post_install", "-at_install")
class TestOutlookConnect(OutlookProvider, oauth_common.OAuthFlowCase):
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


def test_connecting_and_renewing_in_a_real_odoo_process(tmp_path):
    """The flow as production runs it: Odoo as a process of its own, each request in a
    transaction that sees the database as it was when it began (REPEATABLE READ). The grant
    the callback keeps, and a token a login renews, are committed on cursors of their own;
    the same request must log in with them, not with what it saw before. Test transactions
    cannot show this (they share one connection), so the user and account are committed."""
    description, servers = common.test_servers()
    oauth = oauth_common.OAuthControl.from_description(description)
    database = config["db_name"]
    if isinstance(database, list):
        database = database[0]
    token = secrets.token_hex(4)
    address, password = f"oauth-{token}@dynaoffice.test", secrets.token_urlsafe(12)
    servers.add_user(address, password)
    login = f"oauth-process-{token}"
    server = OdooServer(outbox_retry._server_config(tmp_path), database, tmp_path / "odoo.log")
    client_id, client_secret = f"odoo-{token}", secrets.token_urlsafe(16)
    oauth.register_client(
        client_id, client_secret, [f"{server.url}{OutlookProvider.callback_path}"]
    )
    settings = {
        "web.base.url": server.url,
        "web.base.url.freeze": "True",
        OutlookProvider.client_id_param: client_id,
        OutlookProvider.client_secret_param: client_secret,
        "microsoft_outlook.endpoint": oauth.microsoft_endpoint,
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
            env, servers, login, "Olga Outlook", address, password
        )
        account._without_connection_test().write({"server_type": OutlookProvider.server_type})
        ids = {"user": user.id, "account": account.id}
    bundle_before = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = oauth.ca_file
    try:
        server.start()
        session = OdooSession(server.url)
        session.authenticate(database, login, login)
        action = session.call(MODEL, OutlookProvider.connect_method, [ids["account"]])
        location = oauth.consent(action["url"], address, password)
        with session.opener.open(location, timeout=120) as response:
            landed, page = response.geturl(), response.read().decode(errors="replace")
        # Connected: the mail client on the account, not the page saying what went wrong.
        assert landed.endswith(f"/odoo/mail?account={ids['account']}"), page[:3000]
        folders = session.call(MODEL, "client_folders", [ids["account"]])
        assert "INBOX" in {folder["name"] for folder in folders}
        # The provider ends the access token while Odoo's clock takes it for valid: the
        # test of the connection renews it once and logs in with the new one.
        assert oauth.expire_access_tokens(address) >= 1
        answer = session.call(MODEL, "action_test_connection", [ids["account"]])
        assert answer["params"]["type"] == "success", answer
    finally:
        server.stop()
        if bundle_before is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = bundle_before
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env[MODEL].browse(ids["account"]).unlink()
            env["res.users"].browse(ids["user"]).active = False
            params = env["ir.config_parameter"]
            for key, value in settings_before.items():
                params.set_param(key, value or False)
