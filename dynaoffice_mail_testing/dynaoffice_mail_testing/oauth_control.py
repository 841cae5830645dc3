"""Talking to the local OAuth2 provider (`oauth_provider.py`) without Flask or Authlib.

`OAuthControl` is the tests' handle on the provider: from a test with the `mail_servers`
fixture (`mail_servers.oauth`) or from an Odoo test case that only has the published JSON
(`OAuthControl.from_description(description)`, the `description` that
`dynaoffice_mail/tests/common.py`'s `test_servers()` returns). `introspect()` is how the SMTP
server checks a token, as Dovecot does: RFC 7662 over verified TLS.
"""

import base64
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request


def _context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)


def introspect(url: str, client_id: str, client_secret: str, ca_file: str, token: str) -> dict:
    """The provider's RFC 7662 answer for `token`, asked as the resource server `client_id`."""
    credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode({"token": token}).encode(),
        headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, context=_context(ca_file), timeout=10) as response:
        return json.loads(response.read())


def xoauth2_string(address: str, access_token: str) -> str:
    """The SASL XOAUTH2 initial response (what Odoo's mixins build), not yet base64."""
    return f"user={address}\x01auth=Bearer {access_token}\x01\x01"


def oauthbearer_string(address: str, access_token: str) -> str:
    """The SASL OAUTHBEARER initial response (RFC 7628), not yet base64."""
    return f"n,a={address},\x01auth=Bearer {access_token}\x01\x01"


class ConsentRefused(Exception):
    """The consent page answered with a page instead of a redirect; `args[0]` is its HTML."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class OAuthControl:
    """The provider's test-control API (`/_control/...`) and its addresses.

    Attributes: `base_url`, `microsoft_endpoint` (for the system parameter
    `microsoft_outlook.endpoint`), `google_auth_url`, `google_token_url`, `introspection_url`,
    `revocation_url`, `ca_file` (for `REQUESTS_CA_BUNDLE`), `server_spki_sha256` (for
    Chromium's `--ignore-certificate-errors-spki-list`, which cannot take the CA).
    """

    def __init__(self, oauth: dict):
        self.base_url = oauth["base_url"]
        self.microsoft_endpoint = oauth["microsoft_endpoint"]
        self.google_auth_url = oauth["google_auth_url"]
        self.google_token_url = oauth["google_token_url"]
        self.introspection_url = oauth["introspection_url"]
        self.revocation_url = oauth["revocation_url"]
        self.ca_file = oauth["ca_file"]
        self.server_spki_sha256 = oauth["server_spki_sha256"]
        self._control_secret = oauth["control_secret"]

    @classmethod
    def from_description(cls, description: dict) -> "OAuthControl":
        """From `MailServers.describe()` (the JSON of DYNAOFFICE_TEST_SERVERS)."""
        return cls(description["oauth"])

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}/_control/{path}",
            data=json.dumps(payload).encode() if payload is not None else None,
            headers={
                "Authorization": f"Bearer {self._control_secret}",
                "Content-Type": "application/json",
            },
            method=method,
        )
        with urllib.request.urlopen(request, context=_context(self.ca_file), timeout=10) as answer:
            return json.loads(answer.read())

    def register_client(self, client_id, client_secret, redirect_uris, name=None):
        """Add (or replace) a client that may use both the Microsoft and the Google pair."""
        self._call(
            "POST",
            "clients",
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": list(redirect_uris),
                "name": name,
            },
        )

    def revoke_user(self, address: str) -> int:
        """End every grant of `address`: its refresh and access tokens become inactive.
        Returns how many grants were ended."""
        return self._call("POST", "revoke_user", {"username": address})["revoked_grants"]

    def expire_access_tokens(self, address: str) -> int:
        """Let every access token of `address` expire now; the refresh tokens stay valid."""
        return self._call("POST", "expire_access_tokens", {"username": address})["expired"]

    def set_access_token_lifetime(self, seconds: int):
        """`expires_in` of access tokens issued from now on (default 3600)."""
        self._call("POST", "access_token_lifetime", {"seconds": seconds})

    def consent(self, authorize_url: str, username: str, password: str, allow=True) -> str:
        """Answer the consent page of `authorize_url` as a browser would (without one) and
        return where the provider sends the browser back: the client's redirect URI with
        `code` and `state`, or `error=access_denied`. Raises `ConsentRefused` when the page
        does not redirect (wrong password, unknown client: its text says why)."""
        form = {"username": username, "password": password}
        form["decision"] = "allow" if allow else "deny"
        request = urllib.request.Request(
            authorize_url, data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=_context(self.ca_file)), _NoRedirect()
        )
        try:
            with opener.open(request, timeout=10) as answer:
                raise ConsentRefused(answer.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            if error.code in (302, 303):
                return error.headers["Location"]
            raise ConsentRefused(error.read().decode("utf-8", "replace")) from error

    def token_requests(self, client_id: str | None = None) -> dict:
        """Requests to the token endpoints so far, per grant type, e.g.
        {"authorization_code": 1, "refresh_token": 2}; failed ones count too."""
        query = f"?{urllib.parse.urlencode({'client_id': client_id})}" if client_id else ""
        return self._call("GET", f"token_requests{query}")
