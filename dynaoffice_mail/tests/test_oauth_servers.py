"""The local OAuth2 provider, Dovecot's oauth2 passdb and the SMTP server's XOAUTH2, for real.

What the Outlook and Gmail bridges are tested against: the provider plays Microsoft's and
Google's endpoints (consent page, code, refresh, introspection, revocation) and the mail
servers accept its tokens and refuse them once revoked or expired.
"""

import base64
import imaplib
import json
import os
import smtplib
import ssl
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from dynaoffice_mail_testing.oauth_control import (
    ConsentRefused,
    OAuthControl,
    oauthbearer_string,
    xoauth2_string,
)
from dynaoffice_mail_testing.servers import MailServers

MS_SCOPE = (
    "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
    "https://outlook.office.com/SMTP.Send"
)
GOOGLE_SCOPE = "https://mail.google.com/"


def _get(url, oauth, **kwargs):
    # verify= on each call: requests prefers REQUESTS_CA_BUNDLE over a session's verify.
    return requests.get(url, verify=oauth.ca_file, timeout=10, **kwargs)


def _post(url, oauth, **kwargs):
    return requests.post(url, verify=oauth.ca_file, timeout=10, **kwargs)


def _ms_authorize_url(oauth, client_id, redirect_uri, state):
    request = requests.Request(
        "GET",
        f"{oauth.microsoft_endpoint}authorize",
        params={
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "response_mode": "query",
            "scope": MS_SCOPE,
            "state": json.dumps(state),
        },
    )
    return request.prepare().url


def _google_authorize_url(oauth, client_id, redirect_uri, state):
    request = requests.Request(
        "GET",
        oauth.google_auth_url,
        params={
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": GOOGLE_SCOPE,
            "access_type": "offline",
            "prompt": "consent",
            "state": json.dumps(state),
        },
    )
    return request.prepare().url


def _ms_token(oauth, client, **values):
    client_id, client_secret, redirect_uri = client
    # As Odoo's microsoft_outlook posts it: credentials in the body, scope and redirect_uri.
    return _post(
        f"{oauth.microsoft_endpoint}token",
        oauth,
        data={
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": MS_SCOPE,
            "redirect_uri": redirect_uri,
            **values,
        },
    )


def _ms_tokens(oauth, client, mailbox):
    """Consent as the mailbox's user and exchange the code: the token answer (a dict)."""
    client_id, _secret, redirect_uri = client
    url = _ms_authorize_url(oauth, client_id, redirect_uri, {"id": 1})
    back = oauth.consent(url, *mailbox)
    code = parse_qs(urlsplit(back).query)["code"][0]
    answer = _ms_token(oauth, client, grant_type="authorization_code", code=code)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _imap_token_login(servers, address, token, mechanism="XOAUTH2"):
    """Log in to the test Dovecot over IMAPS with a token; returns the LOGIN answer."""
    build = xoauth2_string if mechanism == "XOAUTH2" else oauthbearer_string
    responses = [build(address, token).encode()]
    # A refused token gets an error challenge, which the client acknowledges with an empty
    # response (XOAUTH2) or ^A (RFC 7628); the server then answers NO.
    responses.append(b"" if mechanism == "XOAUTH2" else b"\x01")
    context = ssl.create_default_context(cafile=str(servers.certificates.ca_cert))
    with imaplib.IMAP4_SSL(
        "localhost", servers.ports.imaps, ssl_context=context, timeout=10
    ) as client:
        answer = client.authenticate(mechanism, lambda _challenge: responses.pop(0))
        status, folders = client.list()
        assert status == "OK" and any(b"INBOX" in line for line in folders)
        return answer


def _smtp_token_login(servers, address, token, mechanism="XOAUTH2"):
    """AUTH with a token at the SMTP server (implicit TLS): (code, text)."""
    build = xoauth2_string if mechanism == "XOAUTH2" else oauthbearer_string
    context = ssl.create_default_context(cafile=str(servers.certificates.ca_cert))
    with smtplib.SMTP_SSL(
        "localhost", servers.ports.smtp_tls, context=context, timeout=10
    ) as client:
        client.ehlo()
        assert mechanism in client.esmtp_features["auth"].split()
        initial = base64.b64encode(build(address, token).encode()).decode()
        return client.docmd("AUTH", f"{mechanism} {initial}")


# -- the provider ----------------------------------------------------------------------------


def test_microsoft_code_flow_with_consent_page_and_refresh(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    client_id, _secret, redirect_uri = oauth_client
    state = {"model": "dynaoffice.mail.account", "id": 7, "csrf_token": "abc"}
    page = _get(_ms_authorize_url(oauth, client_id, redirect_uri, state), oauth)
    assert page.status_code == 200
    for selector in ('name="username"', 'name="password"', 'id="allow"', 'id="deny"'):
        assert selector in page.text
    assert ">Allow<" in page.text and ">Deny<" in page.text

    answer = _post(
        page.url,
        oauth,
        data={"username": mailbox[0], "password": mailbox[1], "decision": "allow"},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    query = parse_qs(location.query)
    assert json.loads(query["state"][0]) == state  # Odoo's JSON state comes back unchanged

    tokens = _ms_token(
        oauth, oauth_client, grant_type="authorization_code", code=query["code"][0]
    ).json()
    assert {"access_token", "refresh_token", "expires_in"} <= set(tokens)
    # A code is good once.
    again = _ms_token(oauth, oauth_client, grant_type="authorization_code", code=query["code"][0])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    refreshed = _ms_token(
        oauth, oauth_client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    ).json()
    # Microsoft answers a refresh with a new refresh token too (Odoo stores it).
    assert {"access_token", "refresh_token", "expires_in"} <= set(refreshed)
    assert refreshed["access_token"] != tokens["access_token"]
    _imap_token_login(mail_servers, mailbox[0], refreshed["access_token"])
    assert oauth.token_requests(client_id) == {"authorization_code": 2, "refresh_token": 1}


def test_google_code_flow_keeps_the_refresh_token(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    client_id, client_secret, redirect_uri = oauth_client
    back = oauth.consent(_google_authorize_url(oauth, client_id, redirect_uri, {"id": 3}), *mailbox)
    code = parse_qs(urlsplit(back).query)["code"][0]
    form = {"client_id": client_id, "client_secret": client_secret, "redirect_uri": redirect_uri}
    tokens = _post(
        oauth.google_token_url,
        oauth,
        data={**form, "grant_type": "authorization_code", "code": code},
    ).json()
    assert {"access_token", "refresh_token", "expires_in"} <= set(tokens)
    for _round in range(2):
        refreshed = _post(
            oauth.google_token_url,
            oauth,
            data={**form, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert refreshed.status_code == 200, refreshed.text
        # Google's answer: a new access token, and the same refresh token stays in use.
        assert "refresh_token" not in refreshed.json()
        _smtp_token_login(mail_servers, mailbox[0], refreshed.json()["access_token"])


def test_deny_redirects_with_access_denied(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    client_id, _secret, redirect_uri = oauth_client
    url = _ms_authorize_url(oauth, client_id, redirect_uri, {"id": 1})
    back = oauth.consent(url, mailbox[0], "", allow=False)
    query = parse_qs(urlsplit(back).query)
    assert back.startswith(redirect_uri)
    assert query["error"] == ["access_denied"] and "code" not in query


def test_wrong_consent_password_shows_the_form_again(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    client_id, _secret, redirect_uri = oauth_client
    url = _ms_authorize_url(oauth, client_id, redirect_uri, {"id": 1})
    with pytest.raises(ConsentRefused) as refused:
        oauth.consent(url, mailbox[0], "not the password")
    page = refused.value.args[0]
    assert "The e-mail address or the password is wrong." in page
    assert 'id="allow"' in page and f'value="{mailbox[0]}"' in page
    assert oauth.token_requests(client_id) == {}


def test_unknown_client_and_foreign_redirect_uri_are_refused(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    client_id, _secret, redirect_uri = oauth_client
    # Neither case may send the browser anywhere: an error page instead of a redirect.
    unknown = _get(
        _ms_authorize_url(oauth, "no-such-client", redirect_uri, {"id": 1}),
        oauth,
        allow_redirects=False,
    )
    assert unknown.status_code == 400 and "invalid_client" in unknown.text
    foreign = _get(
        _ms_authorize_url(oauth, client_id, "https://attacker.test/steal", {"id": 1}),
        oauth,
        allow_redirects=False,
    )
    assert foreign.status_code == 400 and "Location" not in foreign.headers

    tokens = _ms_tokens(oauth, oauth_client, mailbox)
    # A forged client (right id, wrong secret) gets no token for a real refresh token.
    forged = _ms_token(
        oauth,
        (client_id, "forged secret", redirect_uri),
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
    )
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_client"


def test_another_clients_refresh_token_is_refused(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    tokens = _ms_tokens(oauth, oauth_client, mailbox)
    other = ("other-" + oauth_client[0], "other secret", oauth_client[2])
    oauth.register_client(*other[:2], [other[2]])
    stolen = _ms_token(
        oauth, other, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"


def test_control_api_needs_its_secret(mail_servers):
    oauth = mail_servers.oauth
    answer = _post(
        f"{oauth.base_url}/_control/revoke_user", oauth, json={"username": "anyone@dynaoffice.test"}
    )
    assert answer.status_code == 401


def test_control_reachable_from_the_published_description(mail_servers, mailbox, oauth_client):
    # What an Odoo test case has: the JSON file named by DYNAOFFICE_TEST_SERVERS, which
    # common.test_servers() reads and hands to MailServers.attach().
    with open(os.environ["DYNAOFFICE_TEST_SERVERS"]) as handle:
        description = json.load(handle)
    for oauth in (
        OAuthControl.from_description(description),
        MailServers.attach(description).oauth,
    ):
        assert oauth.microsoft_endpoint == f"https://localhost:{mail_servers.ports.oauth}/ms/"
        assert (
            oauth.google_token_url == f"https://localhost:{mail_servers.ports.oauth}/google/token"
        )
    _ms_tokens(oauth, oauth_client, mailbox)
    assert oauth.token_requests(oauth_client[0]) == {"authorization_code": 1}


# -- Dovecot and SMTP with tokens ------------------------------------------------------------


def test_imap_and_smtp_accept_tokens_and_refuse_them_after_revocation(
    mail_servers, mailbox, oauth_client
):
    oauth = mail_servers.oauth
    address = mailbox[0]
    tokens = _ms_tokens(oauth, oauth_client, mailbox)
    access = tokens["access_token"]
    assert _imap_token_login(mail_servers, address, access)[0] == "OK"
    assert _imap_token_login(mail_servers, address, access, "OAUTHBEARER")[0] == "OK"
    assert _smtp_token_login(mail_servers, address, access)[0] == 235
    assert _smtp_token_login(mail_servers, address, access, "OAUTHBEARER")[0] == 235

    assert oauth.revoke_user(address) == 1
    for mechanism in ("XOAUTH2", "OAUTHBEARER"):
        with pytest.raises(imaplib.IMAP4.error):
            _imap_token_login(mail_servers, address, access, mechanism)
        assert _smtp_token_login(mail_servers, address, access, mechanism)[0] == 535
    refresh = _ms_token(
        oauth, oauth_client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    # The password still works: the token passdb stands beside the password one.
    context = ssl.create_default_context(cafile=str(mail_servers.certificates.ca_cert))
    with imaplib.IMAP4_SSL(
        "localhost", mail_servers.ports.imaps, ssl_context=context, timeout=10
    ) as client:
        assert client.login(*mailbox)[0] == "OK"
    with smtplib.SMTP("localhost", mail_servers.ports.smtp_starttls, timeout=10) as client:
        client.starttls(context=context)
        assert client.login(*mailbox)[0] == 235


def test_expired_access_token_is_refused_and_one_refresh_restores(
    mail_servers, mailbox, oauth_client
):
    oauth = mail_servers.oauth
    address = mailbox[0]
    tokens = _ms_tokens(oauth, oauth_client, mailbox)
    assert oauth.expire_access_tokens(address) == 1
    with pytest.raises(imaplib.IMAP4.error):
        _imap_token_login(mail_servers, address, tokens["access_token"])
    assert _smtp_token_login(mail_servers, address, tokens["access_token"])[0] == 535
    refreshed = _ms_token(
        oauth, oauth_client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    ).json()
    assert _imap_token_login(mail_servers, address, refreshed["access_token"])[0] == "OK"
    assert oauth.token_requests(oauth_client[0]) == {"authorization_code": 1, "refresh_token": 1}


def test_access_token_lifetime_is_adjustable(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    try:
        oauth.set_access_token_lifetime(0)
        tokens = _ms_tokens(oauth, oauth_client, mailbox)
        assert tokens["expires_in"] == 0
        # Issued already expired: the servers refuse it at once, no waiting needed.
        with pytest.raises(imaplib.IMAP4.error):
            _imap_token_login(mail_servers, mailbox[0], tokens["access_token"])
    finally:
        oauth.set_access_token_lifetime(3600)
    refreshed = _ms_token(
        oauth, oauth_client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    ).json()
    assert refreshed["expires_in"] == 3600


def test_a_token_logs_in_only_its_own_user(mail_servers, mailbox, oauth_client):
    oauth = mail_servers.oauth
    tokens = _ms_tokens(oauth, oauth_client, mailbox)
    other = f"other-{mailbox[0]}"
    mail_servers.add_user(other, "other password")
    with pytest.raises(imaplib.IMAP4.error):
        _imap_token_login(mail_servers, other, tokens["access_token"])
    assert _smtp_token_login(mail_servers, other, tokens["access_token"])[0] == 535


def test_revoked_refresh_token_ends_the_grant(mail_servers, mailbox, oauth_client):
    """RFC 7009 revocation by the client: the refresh token and its access tokens end."""
    oauth = mail_servers.oauth
    client_id, client_secret, _uri = oauth_client
    tokens = _ms_tokens(oauth, oauth_client, mailbox)
    answer = _post(
        oauth.revocation_url,
        oauth,
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(client_id, client_secret),
    )
    assert answer.status_code == 200
    introspected = _post(
        oauth.introspection_url,
        oauth,
        data={"token": tokens["access_token"]},
        auth=(client_id, client_secret),
    ).json()
    assert introspected == {"active": False}
    with pytest.raises(imaplib.IMAP4.error):
        _imap_token_login(mail_servers, mailbox[0], tokens["access_token"])
