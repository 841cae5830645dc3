"""A local OAuth2 authorization server that plays Microsoft and Google for tests and the demo.

Built on Authlib's Flask integration (authorization code with a consent page, refresh,
RFC 7662 introspection for Dovecot and the SMTP server, RFC 7009 revocation), served over
HTTPS on 127.0.0.1 with the run's server certificate (name `localhost`):

- `/ms/authorize`, `/ms/token`: what Odoo's `microsoft_outlook` builds from the system
  parameter `microsoft_outlook.endpoint` (`https://localhost:<port>/ms/`). A refresh answers
  with a new refresh token too; the old one stays valid, as at Microsoft.
- `/google/auth`, `/google/token`: Google's pair. A refresh answers with an access token only
  and the refresh token stays the same, as at Google.
- `/introspect`, `/revoke`: for the mail servers (client `mailservers`) and the clients.
- `/_control/...`: JSON for the tests (see `OAuthControl`), behind a bearer secret.

The mail users and their passwords are the SMTP server's users file, so whoever can log in to
Dovecot with a password can consent here. Clients and tokens survive a restart (a JSON file),
so that the demo's connected accounts stay connected after `make demo-stop` / `make demo`.
Run it as `python -m dynaoffice_mail_testing.oauth_provider --config FILE`.
"""

import html
import json
import logging
import os
import secrets
import signal
import ssl
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, Response, abort, jsonify, request
from werkzeug.serving import make_server

from .system import server_process_config, server_tls_context

_logger = logging.getLogger(__name__)

# The resource servers (Dovecot, the SMTP server) introspect tokens as this client.
MAIL_SERVERS_CLIENT = "mailservers"
CODE_LIFETIME = 600
DEFAULT_ACCESS_TOKEN_LIFETIME = 3600


# -- the store -------------------------------------------------------------------------------


class Store:
    """Clients, codes and tokens of the provider, behind one lock.

    A token record holds an access token and (not always) a refresh token; records issued
    from one consent share a grant id, which revoking a refresh token or a user ends.
    """

    def __init__(self, state_file: Path, users_file: Path, mail_servers_secret: str):
        self.state_file = state_file
        self.users_file = users_file
        self.lock = threading.RLock()
        self.clients = {}
        self.tokens = []
        self.revoked_grants = set()
        self.access_token_lifetime = DEFAULT_ACCESS_TOKEN_LIFETIME
        self.codes = {}
        self.token_requests = {}  # client_id -> grant_type -> count
        if state_file.exists():
            state = json.loads(state_file.read_text())
            self.clients = state["clients"]
            self.tokens = state["tokens"]
            self.revoked_grants = set(state["revoked_grants"])
            self.access_token_lifetime = state["access_token_lifetime"]
        self.clients[MAIL_SERVERS_CLIENT] = {
            "client_secret": mail_servers_secret,
            "redirect_uris": [],
            "name": "Mail servers",
        }

    def save(self):
        with self.lock:
            state = {
                "clients": self.clients,
                "tokens": self.tokens,
                "revoked_grants": sorted(self.revoked_grants),
                "access_token_lifetime": self.access_token_lifetime,
            }
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            os.replace(tmp, self.state_file)

    def check_password(self, username: str, password: str) -> str | None:
        """The user's address as the users file spells it, if the password is theirs."""
        users = json.loads(self.users_file.read_text()) if self.users_file.exists() else {}
        for address, stored in users.items():
            if address.lower() == username.strip().lower() and secrets.compare_digest(
                stored.encode(), password.encode()
            ):
                return address
        return None

    def count_token_request(self, client_id: str, grant_type: str):
        with self.lock:
            per_client = self.token_requests.setdefault(client_id or "", {})
            per_client[grant_type] = per_client.get(grant_type, 0) + 1

    def find_token(self, value: str, kind: str | None = None):
        kinds = (kind,) if kind else ("access_token", "refresh_token")
        with self.lock:
            for record in self.tokens:
                for candidate in kinds:
                    if value and record.get(candidate) == value:
                        return Token(self, record, candidate)
        return None

    def revoke_user(self, username: str) -> int:
        with self.lock:
            grants_of_user = {
                record["grant_id"]
                for record in self.tokens
                if record["user"].lower() == username.lower()
            }
            self.revoked_grants |= grants_of_user
            for code, data in list(self.codes.items()):
                if data["user"].lower() == username.lower():
                    del self.codes[code]
            self.save()
            return len(grants_of_user)

    def expire_access_tokens(self, username: str) -> int:
        with self.lock:
            count = 0
            for record in self.tokens:
                if record["user"].lower() == username.lower():
                    record["expires_in"] = 0
                    count += 1
            self.save()
            return count


@dataclass
class User:
    address: str

    def get_user_id(self):
        return self.address


class Client(ClientMixin):
    def __init__(self, client_id: str, data: dict):
        self.client_id = client_id
        self.data = data

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        uris = self.data["redirect_uris"]
        return uris[0] if uris else None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.data["redirect_uris"]

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(
            self.data["client_secret"].encode(), (client_secret or "").encode()
        )

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code" and self.client_id != MAIL_SERVERS_CLIENT

    def check_grant_type(self, grant_type):
        return self.client_id != MAIL_SERVERS_CLIENT and grant_type in (
            "authorization_code",
            "refresh_token",
        )


class AuthorizationCode(AuthorizationCodeMixin):
    def __init__(self, code: str, data: dict):
        self.code = code
        self.data = data

    def get_redirect_uri(self):
        return self.data["redirect_uri"]

    def get_scope(self):
        return self.data["scope"]


class Token(TokenMixin):
    """One token of a record: its access token or its refresh token (`kind`)."""

    def __init__(self, store: Store, record: dict, kind: str):
        self.store = store
        self.record = record
        self.kind = kind

    def check_client(self, client):
        return client.get_client_id() == self.record["client_id"]

    def get_scope(self):
        return self.record["scope"]

    def get_expires_in(self):
        return self.record["expires_in"]

    def expires_at(self) -> int:
        return self.record["issued_at"] + self.record["expires_in"]

    def is_expired(self):
        return self.kind == "access_token" and self.expires_at() <= time.time()

    def is_revoked(self):
        if self.record["grant_id"] in self.store.revoked_grants:
            return True
        return self.kind == "access_token" and self.record.get("access_revoked", False)

    def get_user(self):
        return User(self.record["user"])

    def get_client(self):
        data = self.store.clients.get(self.record["client_id"])
        return Client(self.record["client_id"], data) if data else None


# -- grants, one set per provider ------------------------------------------------------------


def make_grants(store: Store, realm: str, rotate_refresh_token: bool):
    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, request):
            with store.lock:
                store.codes[code] = {
                    "client_id": request.client.get_client_id(),
                    "redirect_uri": request.payload.redirect_uri,
                    "scope": request.payload.scope or "",
                    "user": request.user.address,
                    "realm": realm,
                    "expires_at": time.time() + CODE_LIFETIME,
                }

        def query_authorization_code(self, code, client):
            with store.lock:
                data = store.codes.get(code)
            if (
                data
                and data["client_id"] == client.get_client_id()
                and data["realm"] == realm
                and data["expires_at"] > time.time()
            ):
                return AuthorizationCode(code, data)
            return None

        def delete_authorization_code(self, authorization_code):
            with store.lock:
                store.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return User(authorization_code.data["user"])

    class RefreshGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
        INCLUDE_NEW_REFRESH_TOKEN = rotate_refresh_token

        def authenticate_refresh_token(self, refresh_token):
            token = store.find_token(refresh_token, "refresh_token")
            if token and not token.is_revoked() and token.record["realm"] == realm:
                return token
            return None

        def authenticate_user(self, refresh_token):
            return refresh_token.get_user()

        def revoke_old_credential(self, refresh_token):
            # Neither provider ends the old refresh token when it answers a refresh: a client
            # that lost the answer (a rolled back transaction) can still use the old one.
            pass

    return CodeGrant, RefreshGrant


def make_server_for(app, store: Store, realm: str, rotate_refresh_token: bool):
    def query_client(client_id):
        data = store.clients.get(client_id)
        return Client(client_id, data) if data else None

    def save_token(token, request):
        # Authlib leaves out an `expires_in` of 0, which Odoo's modules need; the answer is
        # this very dict.
        token.setdefault("expires_in", store.access_token_lifetime)
        refresh = getattr(request, "refresh_token", None)
        grant_id = refresh.record["grant_id"] if refresh else secrets.token_hex(8)
        with store.lock:
            store.tokens.append(
                {
                    "access_token": token["access_token"],
                    "refresh_token": token.get("refresh_token"),
                    "client_id": request.client.get_client_id(),
                    "user": request.user.address,
                    "scope": token.get("scope", ""),
                    "issued_at": int(time.time()),
                    "expires_in": token["expires_in"],
                    "grant_id": grant_id,
                    "realm": realm,
                }
            )
            store.save()

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            lambda *args, **kwargs: secrets.token_urlsafe(32),
            lambda *args, **kwargs: secrets.token_urlsafe(40),
            lambda client, grant_type: store.access_token_lifetime,
        ),
    )
    code_grant, refresh_grant = make_grants(store, realm, rotate_refresh_token)
    server.register_grant(code_grant)
    server.register_grant(refresh_grant)
    return server


class StoreTokenEndpoint:
    """What introspection and revocation share: client auth, tokens from the store."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def __init__(self, server, store):
        super().__init__(server)
        self.store = store

    def query_token(self, token_string, token_type_hint):
        return self.store.find_token(token_string, token_type_hint)


class Introspection(StoreTokenEndpoint, IntrospectionEndpoint):
    def check_permission(self, token, client, request):
        # The mail servers may look at every token, a client only at its own.
        return client.get_client_id() in (MAIL_SERVERS_CLIENT, token.record["client_id"])

    def introspect_token(self, token):
        user = token.record["user"]
        payload = {
            "active": True,
            "client_id": token.record["client_id"],
            "token_type": "Bearer",
            "scope": token.get_scope(),
            "sub": user,
            "username": user,
            "email": user,
            "iat": token.record["issued_at"],
        }
        if token.kind == "access_token":
            payload["exp"] = token.expires_at()
        return payload


class Revocation(StoreTokenEndpoint, RevocationEndpoint):
    def revoke_token(self, token, request):
        # RFC 7009 2.1: revoking a refresh token ends the grant and its access tokens.
        with self.store.lock:
            if token.kind == "refresh_token":
                self.store.revoked_grants.add(token.record["grant_id"])
            else:
                token.record["access_revoked"] = True
            self.store.save()


# -- the consent page ------------------------------------------------------------------------

CONSENT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{provider}: sign in</title>
<style>
 body {{ font-family: sans-serif; max-width: 28em; margin: 3em auto; }}
 label {{ display: block; margin: .8em 0; }} input {{ width: 100%; }}
 .error {{ color: #b00020; }}
</style></head>
<body>
<h1>{provider}</h1>
<p><strong id="client-name">{client}</strong> wants to read and send your mail
(<span id="scope">{scope}</span>).</p>
{message}
<form method="post" id="consent">
 <label>E-mail address <input type="email" name="username" id="username" value="{username}"
   autocomplete="username"></label>
 <label>Password <input type="password" name="password" id="password"
   autocomplete="current-password"></label>
 <button type="submit" name="decision" value="allow" id="allow">Allow</button>
 <button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>
</body></html>
"""

ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{provider}: error</title></head>
<body><h1>{provider}</h1><p class="error" id="error">{error}: {description}</p></body></html>
"""


def consent_page(provider, grant, username="", message=""):
    client = grant.client
    body = CONSENT_PAGE.format(
        provider=html.escape(provider),
        client=html.escape(client.data.get("name") or client.get_client_id()),
        scope=html.escape(grant.request.payload.scope or ""),
        username=html.escape(username),
        message=f'<p class="error" id="error">{html.escape(message)}</p>' if message else "",
    )
    return Response(body, status=200, mimetype="text/html")


def error_page(provider, error: OAuth2Error):
    body = ERROR_PAGE.format(
        provider=html.escape(provider),
        error=html.escape(error.error or "error"),
        description=html.escape(error.get_error_description() or ""),
    )
    return Response(body, status=400, mimetype="text/html")


# -- the application -------------------------------------------------------------------------


def create_app(config: dict) -> Flask:
    base = Path(config["state_dir"])
    base.mkdir(parents=True, exist_ok=True)
    store = Store(
        base / "oauth-state.json", Path(config["users_file"]), config["mail_servers_secret"]
    )
    app = Flask(__name__)
    app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
    servers = {
        "ms": ("Microsoft (local test provider)", make_server_for(app, store, "ms", True)),
        "google": ("Google (local test provider)", make_server_for(app, store, "google", False)),
    }
    common = servers["ms"][1]
    common.register_endpoint(Introspection(common, store))
    common.register_endpoint(Revocation(common, store))
    app.extensions["oauth_store"] = store

    def authorize(realm):
        provider, server = servers[realm]
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            # Unknown client or redirect URI: never redirect, say so (RFC 6749 4.1.2.1).
            if error.redirect_uri:
                return server.handle_error_response(None, error)
            return error_page(provider, error)
        if request.method == "GET":
            return consent_page(provider, grant)
        if request.form.get("decision") != "allow":
            return server.create_authorization_response(grant_user=None, grant=grant)
        username = request.form.get("username", "")
        address = store.check_password(username, request.form.get("password", ""))
        if address is None:
            return consent_page(
                provider, grant, username, "The e-mail address or the password is wrong."
            )
        return server.create_authorization_response(grant_user=User(address), grant=grant)

    def token(realm):
        _provider, server = servers[realm]
        client_id = request.form.get("client_id")
        if not client_id and request.authorization:
            client_id = request.authorization.username
        store.count_token_request(client_id, request.form.get("grant_type", ""))
        return server.create_token_response()

    app.add_url_rule(
        "/ms/authorize", "ms_authorize", lambda: authorize("ms"), methods=["GET", "POST"]
    )
    app.add_url_rule("/ms/token", "ms_token", lambda: token("ms"), methods=["POST"])
    app.add_url_rule(
        "/google/auth", "google_auth", lambda: authorize("google"), methods=["GET", "POST"]
    )
    app.add_url_rule("/google/token", "google_token", lambda: token("google"), methods=["POST"])

    @app.post("/introspect")
    def introspect():
        return common.create_endpoint_response(Introspection.ENDPOINT_NAME)

    @app.post("/revoke")
    def revoke():
        return common.create_endpoint_response(Revocation.ENDPOINT_NAME)

    register_control(app, store, config["control_secret"])
    return app


def register_control(app: Flask, store: Store, control_secret: str):
    """The tests' levers: clients, revoking a user, token lifetime, counting token requests."""

    @app.before_request
    def check_control_secret():
        if request.path.startswith("/_control/"):
            expected = f"Bearer {control_secret}".encode()
            given = request.headers.get("Authorization", "").encode()
            if not secrets.compare_digest(expected, given):
                abort(401)

    @app.post("/_control/clients")
    def register_client():
        data = request.get_json()
        if data["client_id"] == MAIL_SERVERS_CLIENT:
            abort(400)
        with store.lock:
            store.clients[data["client_id"]] = {
                "client_secret": data["client_secret"],
                "redirect_uris": list(data["redirect_uris"]),
                "name": data.get("name") or data["client_id"],
            }
            store.save()
        return jsonify({})

    @app.post("/_control/revoke_user")
    def revoke_user():
        return jsonify({"revoked_grants": store.revoke_user(request.get_json()["username"])})

    @app.post("/_control/expire_access_tokens")
    def expire_access_tokens():
        count = store.expire_access_tokens(request.get_json()["username"])
        return jsonify({"expired": count})

    @app.post("/_control/access_token_lifetime")
    def access_token_lifetime():
        with store.lock:
            store.access_token_lifetime = int(request.get_json()["seconds"])
            store.save()
        return jsonify({"seconds": store.access_token_lifetime})

    @app.get("/_control/token_requests")
    def token_requests():
        client_id = request.args.get("client_id")
        with store.lock:
            counts = {}
            for client, per_grant in store.token_requests.items():
                if client_id is None or client == client_id:
                    for grant_type, count in per_grant.items():
                        counts[grant_type] = counts.get(grant_type, 0) + count
        return jsonify(counts)


def main():
    config = server_process_config(__doc__)
    app = create_app(config)
    context = server_tls_context(config)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    server = make_server("127.0.0.1", config["port"], app, threaded=True, ssl_context=context)
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
    _logger.info("OAuth2 provider on https://localhost:%s", config["port"])
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
