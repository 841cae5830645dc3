"""Logins by token (OAuth2) against real parts: the local OAuth2 provider of
dynaoffice-mail-testing (Authlib, with a Microsoft-style and a Google-style pair of
endpoints), Dovecot's oauth2 passdb and the SMTP server's XOAUTH2, both asking the provider
whether a token is valid.

`OAuthCase` sets a provider up and connects accounts; `OAuthFlowCase` holds the tests every
provider bridge must pass. A bridge's test module subclasses them and names its server type,
its "Connect" button, its settings and its callback (dynaoffice_mail_outlook,
dynaoffice_mail_gmail). Odoo's `requests` trusts this run's CA
through REQUESTS_CA_BUNDLE, as an Odoo server trusts a real provider's certificate.
"""

import os
import secrets
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import Mock, patch
from urllib.parse import parse_qs, urlencode, urlsplit

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tools import config

from ..models import dynaoffice_mail_account as account_module
from ..roles.base import ReconnectRequiredError
from ..services import pool as imap_pool

# The modules, not their classes: pytest would collect a TestCase imported by name.
from . import common, test_outbox_retry
from .common import RpcAttackCase

try:
    from dynaoffice_mail_testing.oauth_control import OAuthControl
    from dynaoffice_mail_testing.odoo_server import OdooServer, OdooSession, RpcError
except ImportError:  # an older helper package: test_servers() already says what is missing
    OAuthControl = OdooServer = OdooSession = RpcError = None

ACCOUNT = "dynaoffice.mail.account"


class OAuthCase(RpcAttackCase):
    """One provider at the local OAuth2 provider; subclasses fill in the class attributes."""

    # What a bridge's test module names.
    server_type = None
    connect_method = None  # the form's "Connect your ... account" button
    provider = None  # as the messages name it: "Microsoft", "Google"
    client_id_param = None  # the system parameters of Odoo's module
    client_secret_param = None
    callback_path = None
    token_fields = ()  # the provider module's fields that would hold the grant

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.oauth = OAuthControl.from_description(cls.servers_info)
        os.environ["REQUESTS_CA_BUNDLE"] = cls.oauth.ca_file
        cls.addClassCleanup(os.environ.pop, "REQUESTS_CA_BUNDLE", None)
        cls.client_id = f"odoo-{secrets.token_hex(4)}"
        cls.client_secret = secrets.token_urlsafe(16)
        base_url = cls.base_url()
        cls.oauth.register_client(
            cls.client_id,
            cls.client_secret,
            [f"{base_url}{cls.callback_path}"],
            name="Odoo (tests)",
        )
        config = cls.env["ir.config_parameter"].sudo()
        config.set_param("web.base.url", base_url)
        config.set_param(cls.client_id_param, cls.client_id)
        config.set_param(cls.client_secret_param, cls.client_secret)
        cls.configure_provider(config)

    @classmethod
    def configure_provider(cls, config):
        """Point Odoo's module at the local provider (its endpoint parameter or a patch)."""

    def provider_url(self, url):
        """The consent page's URL as the module wrote it, at the local provider."""
        return url

    def token_requests_to(self, url):
        """A context in which the provider module's token requests go to `url` instead."""
        raise NotImplementedError

    # -- helpers ----------------------------------------------------------------------------

    def create_oauth_account(self, user=None, group=None):
        """A fresh mailbox and an account of this server type for it, saved by its owner (a
        personal account) or by the administrator (a group account): (account, address,
        password). Saving tests nothing yet: the account is not connected."""
        address, password = self.new_mailbox()
        values = self.account_values(address, password, server_type=self.server_type)
        del values["imap_password"], values["smtp_password"]
        if group:
            values["group_id"] = group.id
            creator = self.admin
        else:
            values["user_id"] = (user or self.owner).id
            creator = user or self.owner
        account = self.create_account_as(creator, **values)
        return account.with_user(creator), address, password

    def start_flow(self, account, user):
        """The "Connect" button clicked by `user` over RPC: the provider's consent URL."""
        answer = self.rpc(user, ACCOUNT, self.connect_method, [[account.id]])
        self.assertIn("result", answer, answer)
        action = answer["result"]
        self.assertEqual(action["type"], "ir.actions.act_url")
        return action["url"]

    def consent(self, url, address, password):
        """Log in on the provider's consent page and allow: where the browser goes next."""
        return self.oauth.consent(self.provider_url(url), address, password)

    def come_back(self, location):
        """Follow the provider's redirect into Odoo, in the current session."""
        return self.url_open(location, allow_redirects=False, timeout=60)

    def connect(self, account, user, address, password):
        """The whole flow as `user`; Odoo's answer to the callback."""
        location = self.consent(self.start_flow(account, user), address, password)
        return self.come_back(location)

    def token_requests(self):
        return self.oauth.token_requests(self.client_id)

    def assert_connected(self, response, account):
        self.assertEqual(response.status_code, 303, response.text[:2000])
        self.assertTrue(
            response.headers["Location"].endswith(f"/odoo/mail?account={account.id}"),
            response.headers["Location"],
        )
        # The test's transaction sees what the callback's request committed; what a call
        # made in it before remembered of the old grant (GRANTS_COMMITTED) is out of date.
        account._forget_committed_grants()
        account.invalidate_recordset()
        self.assertFalse(account.authorization_missing)
        self.assertFalse(account.authorization_ended)

    def folder_names(self, account):
        return {folder["name"] for folder in account.client_folders()}

    def send(self, account, to, subject):
        values = account.client_compose("new")
        values.update(to=[to], subject=subject, body_html="<p>Hallo</p>")
        return values, account.client_send(values)

    def inbox_subjects(self, address, password, folder="INBOX"):
        return [
            str(message["Subject"]) for message, _flags in self.fetch_all(address, password, folder)
        ]


class OAuthFlowCase(OAuthCase):
    """The whole flow for one provider."""

    def test_owner_connects_then_reads_and_sends(self):
        account, address, password = self.create_oauth_account()
        self.assertTrue(account.login_by_token)
        self.assertTrue(account.authorization_missing)
        before = self.token_requests()
        response = self.connect(account, self.owner, address, password)
        self.assert_connected(response, account)
        after = self.token_requests()
        # One code exchange; the save test and what follows use its access token.
        self.assertEqual(
            after.get("authorization_code", 0), before.get("authorization_code", 0) + 1
        )
        self.assertEqual(after.get("refresh_token", 0), before.get("refresh_token", 0))
        self.assertIn("INBOX", self.folder_names(account))
        partner, partner_password = self.new_mailbox()
        subject = f"Per Token gesendet {secrets.token_hex(3)}"
        _values, result = self.send(account, partner, subject)
        self.assertTrue(result["sent"], result)
        self.assertIn(subject, self.inbox_subjects(partner, partner_password))
        self.assertIn(subject, self.inbox_subjects(address, password, "Sent"))
        self.assertEqual(
            self.token_requests().get("refresh_token", 0), before.get("refresh_token", 0)
        )

    def test_access_token_is_renewed_before_it_expires(self):
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        grant = account.sudo()._authorization()
        # A minute left: less than a login may need, so the next login renews first.
        account.sudo()._store_authorization(
            grant.refresh_token, grant.access_token, int(time.time()) + 60
        )
        before = self.token_requests().get("refresh_token", 0)
        account._test_connection()  # IMAP, then SMTP: one renewal serves both
        self.assertEqual(self.token_requests().get("refresh_token", 0), before + 1)
        renewed = account.sudo()._authorization()
        self.assertNotEqual(renewed.access_token, grant.access_token)
        self.assertGreater(renewed.expires_at, time.time() + 600)

    def test_a_request_that_fails_after_a_renewal_still_says_why(self):
        """A request that renewed the access token (kept on a cursor of its own, remembered
        in the request's) and then fails: Odoo closes its cursor without a commit. The user
        must get the request's error, not "maximum recursion depth exceeded", and the
        database connection must go back to the pool."""
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        grant = account.sudo()._authorization()
        # A request's cursor, as Odoo's HTTP layer opens it (not the test's shared one).
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        env = api.Environment(cr, SUPERUSER_ID, {})
        env[ACCOUNT].browse(account.id)._remember_committed_grant(grant)
        self.assertEqual(env[ACCOUNT].browse(account.id)._authorization(), grant)
        cr.close()
        self.assertTrue(cr.closed)

    def test_a_refused_token_is_renewed_once(self):
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        # The provider ends the access token while Odoo's clock still takes it for valid.
        self.assertGreaterEqual(self.oauth.expire_access_tokens(address), 1)
        before = self.token_requests().get("refresh_token", 0)
        self.assertIn("INBOX", self.folder_names(account))
        self.assertEqual(self.token_requests().get("refresh_token", 0), before + 1)

    def test_a_revoked_grant_asks_to_reconnect_keeps_the_draft_and_reconnecting_helps(self):
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        partner, _partner_password = self.new_mailbox()
        values = account.client_compose("new")
        subject = f"Bleibt als Entwurf {secrets.token_hex(3)}"
        values.update(to=[partner], subject=subject, body_html="<p>Hallo</p>")
        # The pooled connection, logged in before the grant ends, still files the draft.
        self.assertIn("INBOX", self.folder_names(account))
        self.assertGreaterEqual(self.oauth.revoke_user(address), 1)
        before = self.token_requests().get("refresh_token", 0)
        result = account.client_send(values)
        self.assertFalse(result["sent"], result)
        self.assertIn(f"the connection to {self.provider} has expired", result["error"])
        # Renewed once for SMTP: refused, and not asked again and again.
        self.assertEqual(self.token_requests().get("refresh_token", 0), before + 1)
        self.assertIn(subject, self.inbox_subjects(address, password, "Drafts"))
        # A fresh connection (the pooled ones logged in before) cannot log in either: the
        # client gets the error it offers "Reconnect" for.
        imap_pool.POOL.clear(account._pool_key())
        answer = self.rpc(self.owner, ACCOUNT, "client_folders", [[account.id]])
        self.assertTrue(answer["error"]["data"]["name"].endswith("ReconnectRequiredError"), answer)
        self.assertIn(
            f"the connection to {self.provider} has expired", answer["error"]["data"]["message"]
        )
        reconnect = self.rpc(self.owner, ACCOUNT, "client_reconnect_action", [[account.id]])
        location = self.consent(reconnect["result"]["url"], address, password)
        self.assert_connected(self.come_back(location), account)
        self.assertIn("INBOX", self.folder_names(account))

    def test_a_refused_grant_is_offered_once_and_the_account_asks_to_be_reconnected(self):
        """The provider refuses to renew the grant (the user withdrew Odoo's access, an
        administrator disabled the user, it ran out): later pages, push rounds and cron runs
        must not offer it the same dead grant again and again (providers throttle or lock
        an app for that), and the account must no longer look connected."""
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        self.assertGreaterEqual(self.oauth.revoke_user(address), 1)
        imap_pool.POOL.clear(account._pool_key())
        before = self.token_requests().get("refresh_token", 0)
        for _attempt in range(3):
            with self.assertRaises(ReconnectRequiredError) as refused:
                account.client_folders()
            self.assertIn(f"the connection to {self.provider} has expired", str(refused.exception))
        answer = self.rpc(self.owner, ACCOUNT, "action_test_connection", [[account.id]])
        self.assertIn(
            f"the connection to {self.provider} has expired", answer["error"]["data"]["message"]
        )
        self.assertEqual(self.token_requests().get("refresh_token", 0), before + 1)
        # The form no longer says "Connected" but why and what to do.
        answer = self.rpc(
            self.owner,
            ACCOUNT,
            "read",
            [[account.id], ["authorization_missing", "authorization_ended"]],
        )
        self.assertEqual(
            answer["result"][0],
            {"id": account.id, "authorization_missing": True, "authorization_ended": True},
        )
        reconnect = self.rpc(self.owner, ACCOUNT, "client_reconnect_action", [[account.id]])
        location = self.consent(reconnect["result"]["url"], address, password)
        self.assert_connected(self.come_back(location), account)
        self.assertIn("INBOX", self.folder_names(account))

    def test_a_refusal_of_the_old_grant_keeps_the_one_the_user_reconnected_with(self):
        """A request that began before the user reconnected still sees the old grant (its
        transaction's snapshot) and has it refused: the new grant must stay."""
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        old = account.sudo()._authorization()
        self.assertGreaterEqual(self.oauth.revoke_user(address), 1)
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        new = account.sudo()._authorization()
        self.assertNotEqual(new.refresh_token, old.refresh_token)
        # What that request's snapshot shows it.
        account.sudo()._remember_committed_grant(old)
        imap_pool.POOL.clear(account._pool_key())
        with self.assertRaises(ReconnectRequiredError):
            account.client_folders()
        account._forget_committed_grants()
        self.assertEqual(account.sudo()._authorization().refresh_token, new.refresh_token)
        self.assertIn("INBOX", self.folder_names(account))

    def test_a_provider_that_fails_keeps_the_grant(self):
        """A token endpoint that is down or throttling (5xx, 429) refused nothing: the grant
        stays, the user is told to try again (not to reconnect), and it works again once
        the provider answers."""
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        for status in (503, 429):
            with self.subTest(status=status):
                grant = account.sudo()._authorization()
                # A login that needs a new access token.
                imap_pool.POOL.clear(account._pool_key())
                self.assertGreaterEqual(self.oauth.expire_access_tokens(address), 1)
                with (
                    failing_token_endpoint(status) as url,
                    self.token_requests_to(url),
                    self.assertRaises(UserError) as failed,
                ):
                    account.client_folders()
                self.assertNotIsInstance(failed.exception, ReconnectRequiredError)
                self.assertIn("Try again in a moment", str(failed.exception))
                self.assertEqual(account.sudo()._authorization().refresh_token, grant.refresh_token)
                account.invalidate_recordset()
                self.assertFalse(account.authorization_missing)
                self.assertIn("INBOX", self.folder_names(account))

    def test_group_account_is_connected_by_an_administrator_not_by_a_stranger(self):
        account, address, password = self.create_oauth_account(group=self.sales)
        # Neither a member nor a stranger may give Odoo a grant to the group's mailbox.
        for user in (self.member, self.other):
            answer = self.rpc(user, ACCOUNT, self.connect_method, [[account.id]])
            self.assertIn("error", answer, f"{user.login} started the flow")
        url = self.start_flow(account, self.admin)
        location = self.consent(url, address, password)
        response = self.come_back(location)
        # The administrator is no member: back to the account's form, connected.
        self.assertEqual(response.status_code, 303, response.text[:2000])
        self.assertTrue(response.headers["Location"].endswith(f"/odoo/{ACCOUNT}/{account.id}"))
        self.assertIn("INBOX", self.folder_names(account.with_user(self.member)))

    def test_state_of_another_user_or_forged_is_refused(self):
        account, address, password = self.create_oauth_account()
        location = self.consent(self.start_flow(account, self.owner), address, password)
        # Another user who got hold of the owner's link cannot complete it.
        self.authenticate(self.admin.login, self.admin.login)
        self.assertEqual(self.come_back(location).status_code, 403)
        # Nor can the owner with a state for another account or a forged token.
        other_account, _address, _password = self.create_oauth_account()
        query = parse_qs(urlsplit(location).query)
        code = query["code"][0]
        for state in (
            query["state"][0].replace(str(account.id), str(other_account.id)),
            '{"model": "%s", "id": %d, "csrf_token": "forged"}' % (ACCOUNT, account.id),
            '{"model": "%s", "id": %d}' % (ACCOUNT, account.id),
        ):
            self.authenticate(self.owner.login, self.owner.login)
            response = self.url_open(
                f"{self.callback_path}?{urlencode({'code': code, 'state': state})}",
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 403, state)
        account.invalidate_recordset()
        other_account.invalidate_recordset()
        self.assertTrue(account.authorization_missing)
        self.assertTrue(other_account.authorization_missing)

    def test_a_used_state_cannot_connect_another_mailbox(self):
        """A connection link that leaked (history, a proxy's log, a Referer) is of no use
        once it has served: an attacker who allows access to a mailbox of theirs with it and
        gets the owner to open the answer must not replace the account's grant with theirs
        (which left the owner's account disconnected)."""
        account, address, password = self.create_oauth_account()
        url = self.start_flow(account, self.owner)
        self.assert_connected(self.come_back(self.consent(url, address, password)), account)
        connected = account.sudo()._authorization().refresh_token
        attacker, attacker_password = self.new_mailbox()
        planted = self.consent(url, attacker, attacker_password)
        # In the session that connected, and in a new one of the owner's.
        for session in ("same", "new"):
            if session == "new":
                self.authenticate(self.owner.login, self.owner.login)
            response = self.come_back(planted)
            self.assertEqual(response.status_code, 200, session)
            self.assertIn("has expired or was used already", response.text, session)
            account.invalidate_recordset()
            self.assertEqual(account.sudo()._authorization().refresh_token, connected, session)
        self.assertIn("INBOX", self.folder_names(account))

    def test_a_state_older_than_half_an_hour_is_refused(self):
        account, address, password = self.create_oauth_account()
        long_ago = time.time() - 31 * 60
        with patch.object(account_module, "time", Mock(wraps=time, time=lambda: long_ago)):
            url = self.start_flow(account, self.owner)
        response = self.come_back(self.consent(url, address, password))
        self.assertEqual(response.status_code, 200, response.headers)
        self.assertIn("has expired or was used already", response.text)
        account.invalidate_recordset()
        self.assertTrue(account.authorization_missing)
        # Connecting again (a new link) works.
        self.assert_connected(self.connect(account, self.owner, address, password), account)

    def test_tokens_are_never_read_back(self):
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        grant = account.sudo()._authorization()
        for user in (self.owner, self.admin):
            answer = self.rpc(user, ACCOUNT, "read", [[account.id]])
            text = str(answer)
            self.assertNotIn(grant.refresh_token, text)
            self.assertNotIn(grant.access_token, text)
            for name in self.token_fields:
                answer = self.rpc(user, ACCOUNT, "read", [[account.id], [name]])
                self.assertNotIn(grant.refresh_token, str(answer))
                self.assertNotIn(grant.access_token, str(answer))
                if "result" in answer:
                    self.assertFalse(answer["result"][0][name], (user.login, name))
        # Stored encrypted, in no column of the account's table.
        self.env.cr.execute(
            "SELECT refresh_token_crypt, access_token_crypt FROM "
            "dynaoffice_mail_account_authorization WHERE account_id = %s",
            (account.id,),
        )
        stored = self.env.cr.fetchone()
        self.assertNotIn(grant.refresh_token, str(stored))
        self.assertNotIn(grant.access_token, str(stored))

    def test_changing_the_servers_forgets_the_grant(self):
        """No token goes to a server the writer chose: a connected account whose server
        changes must be connected again (as a password must be entered again)."""
        for field, value in (("imap_host", "127.0.0.1"), ("smtp_host", "127.0.0.1")):
            with self.subTest(field=field):
                account, address, password = self.create_oauth_account()
                self.assert_connected(self.connect(account, self.owner, address, password), account)
                account.invalidate_recordset()
                self.assertTrue(account.sudo()._authorization().refresh_token)
                # The name, signature and options keep it.
                self.rpc(self.owner, ACCOUNT, "write", [[account.id], {"name": "Renamed"}])
                self.assertTrue(account.sudo()._authorization().refresh_token)
                answer = self.rpc(self.owner, ACCOUNT, "write", [[account.id], {field: value}])
                self.assertIn("result", answer, answer)
                account.invalidate_recordset()
                self.assertFalse(account.sudo()._authorization().refresh_token)
                self.assertTrue(account.authorization_missing)

    def test_deleting_the_account_forgets_the_grant(self):
        account, address, password = self.create_oauth_account()
        self.assert_connected(self.connect(account, self.owner, address, password), account)
        account_id = account.id
        account.action_delete_account()
        self.env.cr.execute(
            "SELECT count(*) FROM dynaoffice_mail_account_authorization WHERE account_id = %s",
            (account_id,),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_without_client_credentials_the_form_says_so(self):
        account, _address, _password = self.create_oauth_account()
        config = self.env["ir.config_parameter"].sudo()
        config.set_param(self.client_secret_param, False)
        answer = self.rpc(self.owner, ACCOUNT, self.connect_method, [[account.id]])
        self.assertIn("General Settings", answer["error"]["data"]["message"])


@contextmanager
def failing_token_endpoint(status):
    """The URL of a provider whose every endpoint answers with HTTP `status`, as one that is
    down (5xx) or throttling (429) does; the local provider cannot."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"error": "temporarily_unavailable"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def redirect_requests(module, url_map):
    """`module`'s `requests.post` (and only that module's), with the URLs of `url_map`
    replaced: for a provider module that writes its endpoints inline, in tests only."""
    real = module.requests

    class _Requests:
        RequestException = real.RequestException

        @staticmethod
        def post(url, *args, **kwargs):
            return real.post(url_map.get(url, url), *args, **kwargs)

    return patch.object(module, "requests", _Requests)


def connect_and_renew_in_a_real_odoo_process(
    tmp_path, provider, *, name, settings, server_config=None, environ=None, consent_url=None
):
    """A bridge's "Connect" as production runs it: Odoo as a process of its own, each request
    in a transaction that sees the database as it was when it began (REPEATABLE READ). The
    grant the callback keeps, and a token a login renews, are committed on cursors of their
    own; the same request must log in with them, not with what it saw before. So is the end
    of a grant the provider refuses to renew: the request's error rolls its transaction back,
    and no later request may offer the provider that grant again. Test transactions cannot
    show this (they share one connection), so the user and account are committed, and
    removed again at the end.

    `provider` is the bridge's OAuthCase subclass (its server type, "Connect" method,
    settings and callback), `settings` its own parameters beside the client's, `environ` the
    variables of the server process, `consent_url(url)` where the provider's consent page
    really is.
    """
    description, servers = common.test_servers()
    oauth = OAuthControl.from_description(description)
    database = config["db_name"]
    if isinstance(database, list):
        database = database[0]
    token = secrets.token_hex(4)
    address, password = f"oauth-{token}@dynaoffice.test", secrets.token_urlsafe(12)
    servers.add_user(address, password)
    login = f"oauth-process-{token}"
    config_file = (server_config or test_outbox_retry._server_config)(tmp_path)
    server = OdooServer(config_file, database, tmp_path / "odoo.log")
    client_id, client_secret = f"odoo-{token}", secrets.token_urlsafe(16)
    oauth.register_client(client_id, client_secret, [f"{server.url}{provider.callback_path}"])
    settings = {
        "web.base.url": server.url,
        "web.base.url.freeze": "True",
        provider.client_id_param: client_id,
        provider.client_secret_param: client_secret,
        "dynaoffice_mail.allow_private_hosts": "True",
        **settings(oauth),
    }
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        settings_before = {key: params.get_param(key) for key in settings}
        for key, value in settings.items():
            params.set_param(key, value)
        user, account = common.committed_account(env, servers, login, name, address, password)
        account._without_connection_test().write({"server_type": provider.server_type})
        ids = {"user": user.id, "account": account.id}
    environ = {"REQUESTS_CA_BUNDLE": oauth.ca_file, **(environ(oauth) if environ else {})}
    environ_before = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    try:
        server.start()
        session = OdooSession(server.url)
        session.authenticate(database, login, login)
        action = session.call(ACCOUNT, provider.connect_method, [ids["account"]])
        url = consent_url(oauth, action["url"]) if consent_url else action["url"]
        location = oauth.consent(url, address, password)
        with session.opener.open(location, timeout=120) as response:
            landed, page = response.geturl(), response.read().decode(errors="replace")
        # Connected: the mail client on the account, not the page saying what went wrong.
        assert landed.endswith(f"/odoo/mail?account={ids['account']}"), page[:3000]
        folders = session.call(ACCOUNT, "client_folders", [ids["account"]])
        assert "INBOX" in {folder["name"] for folder in folders}
        # The provider ends the access token while Odoo's clock takes it for valid: the
        # test of the connection renews it once (at the local provider) and logs in with
        # the new one.
        assert oauth.expire_access_tokens(address) >= 1
        before = oauth.token_requests(client_id).get("refresh_token", 0)
        answer = session.call(ACCOUNT, "action_test_connection", [ids["account"]])
        assert answer["params"]["type"] == "success", answer
        assert oauth.token_requests(client_id).get("refresh_token", 0) == before + 1
        # The user withdraws Odoo's access at the provider: the next test of the connection
        # offers the grant once, is refused, and asks to reconnect; the one after that does
        # not offer it again.
        assert oauth.revoke_user(address) >= 1
        before = oauth.token_requests(client_id).get("refresh_token", 0)
        for _attempt in range(2):
            try:
                session.call(ACCOUNT, "action_test_connection", [ids["account"]])
            except RpcError as error:
                assert f"the connection to {provider.provider} has expired" in str(error), error
            else:
                raise AssertionError("the connection test passed with a revoked grant")
        assert oauth.token_requests(client_id).get("refresh_token", 0) == before + 1
    finally:
        server.stop()
        for key, value in environ_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env[ACCOUNT].browse(ids["account"]).unlink()
            env["res.users"].browse(ids["user"]).active = False
            params = env["ir.config_parameter"]
            for key, value in settings_before.items():
                params.set_param(key, value or False)
