"""The way back from a provider's consent page, for accounts that log in by token (OAuth2).

The bridges extend the callback routes of Odoo's own modules (`microsoft_outlook`,
`google_gmail`: the token request names their redirect URI, so no other route can take the
code) and hand a `state` that names a mail account here; everything else stays with Odoo's
code. The account's owner connects a personal account, an administrator a group account, and
the state's CSRF token is bound to the account and to the user who started, good for a while
and once, in the session that started (see the model's `_authorization_state_token`).
"""

import json
import logging

import requests
from werkzeug.exceptions import Forbidden

from odoo.exceptions import UserError
from odoo.http import request

from ..services import pool as imap_pool

ACCOUNT_MODEL = "dynaoffice.mail.account"

_logger = logging.getLogger(__name__)


def account_state(state):
    """The provider's `state` as a dict when it names a mail account, else None."""
    try:
        data = json.loads(state or "")
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("model") != ACCOUNT_MODEL:
        return None
    return data


def complete_authorization(state, code, error, *, check_token, exchange_code):
    """Check `state` (from `account_state`), exchange `code` for the grant, keep it and test
    the connection with it; the mail client (or the account's form) on success, a page that
    says what went wrong otherwise.

    `check_token(account, token)` is the model's _authorization_state_check of the state's
    CSRF token with the bridge's scope,
    `exchange_code(account, code)` the provider module's (refresh token, access token,
    expiry).
    """
    account_id = state.get("id")
    token = state.get("csrf_token")
    if not isinstance(account_id, int) or not isinstance(token, str):
        raise Forbidden()
    account = request.env[ACCOUNT_MODEL].browse(account_id).exists()
    checked = "refused"
    if account and account.has_access("read") and account._may_connect():
        checked = check_token(account, token)
    if checked == "refused":
        _logger.warning(
            "Mail account %s: refused a connection callback for user %s", account_id, request.uid
        )
        raise Forbidden()
    _ = request.env._
    if checked != "valid":
        return _error_page(
            account,
            _(
                "This link to connect the account has expired or was used already. "
                "Go back to the account and connect it again."
            ),
        )
    if error or not code:
        return _error_page(
            account, _("The provider did not grant access: %(reason)s", reason=error or "-")
        )
    try:
        refresh_token, access_token, expires_at = exchange_code(account, code)
    except UserError as failure:
        return _error_page(account, str(failure))
    except requests.RequestException as failure:
        _logger.warning("Mail account %s: token request failed: %s", account.id, failure)
        return _error_page(account, _("The provider could not be reached. Try again later."))
    account._store_authorization(refresh_token, access_token, expires_at)
    # Connections logged in under an old grant are of no use any more.
    imap_pool.POOL.clear(account._pool_key())
    try:
        account._test_connection()
    except UserError as failure:
        return _error_page(account, str(failure))
    if account._is_usable_by(request.env.user):
        return request.redirect(f"/odoo/mail?account={account.id}")
    return request.redirect(f"/odoo/{ACCOUNT_MODEL}/{account.id}")


def _error_page(account, message):
    return request.render(
        "dynaoffice_mail.authorization_error", {"account": account, "message": message}
    )
