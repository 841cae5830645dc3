"""Connecting a Microsoft 365 account in headless Chromium: the account's "Connect your
Microsoft account", the consent page of the local provider, back to the mail client with
its Inbox; a revoked grant shows the reconnect message, and "Reconnect" restores it.

Chromium trusts the provider's certificate by its public key
(`--ignore-certificate-errors-spki-list`, the hash dynaoffice-mail-testing publishes): the
browser has no way to trust a CA file of its own, and nothing else is let through unchecked.
"""

import json
import time
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser, ChromeBrowserException

from odoo.addons.dynaoffice_mail.services import pool as imap_pool

# The module, not its class: pytest would collect a TestCase imported by name.
from odoo.addons.dynaoffice_mail.tests import oauth_common

from .common import OutlookProvider


@tagged("post_install", "-at_install")
class TestUiOutlookConnect(OutlookProvider, oauth_common.OAuthCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        provider = urlsplit(cls.oauth.base_url)
        cls.provider_origin = f"{provider.scheme}://{provider.netloc}"
        pin = cls.oauth.server_spki_sha256
        spawn = ChromeBrowser._spawn_chrome

        def spawn_trusting_the_provider(browser, cmd):
            return spawn(
                browser, [*cmd[:-1], f"--ignore-certificate-errors-spki-list={pin}", cmd[-1]]
            )

        cls.startClassPatcher(
            patch.object(ChromeBrowser, "_spawn_chrome", spawn_trusting_the_provider)
        )
        # Odoo's test browser answers every request beyond its own server with a 404 (no
        # test reaches the internet); the local provider is let through.
        paused = ChromeBrowser._handle_request_paused

        def let_the_provider_through(browser, **params):
            if not params["request"]["url"].startswith(f"{cls.provider_origin}/"):
                return paused(browser, **params)
            browser._websocket_send(
                "Fetch.continueRequest", params={"requestId": params["requestId"]}
            )
            return None

        cls.startClassPatcher(
            patch.object(ChromeBrowser, "_handle_request_paused", let_the_provider_through)
        )

    def wait_for(self, browser, condition, what, timeout=30):
        """Until `condition` (JavaScript) is true in the page, across the navigations
        between Odoo and the provider."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if browser._wait_ready(condition, timeout=deadline - time.monotonic()):
                    return
            except (ChromeBrowserException, TimeoutError):
                continue  # the page navigated away while the condition was evaluated
        browser.take_screenshot(prefix="sc_oauth_")
        page = browser._websocket_request(
            "Runtime.evaluate",
            params={"expression": "location.href + ' | ' + document.body.innerText.slice(0, 300)"},
        )["result"].get("value")
        self.fail(f"waited in vain for {what}; the page: {page}")

    def consent_in_browser(self, browser, address, password):
        self.wait_for(
            browser,
            f"location.origin === {json.dumps(self.provider_origin)} "
            "&& !!document.querySelector('#consent #allow')",
            "the provider's consent page",
        )
        self.wait_for(
            browser,
            "(() => { const form = document.querySelector('#consent');"
            f" form.username.value = {json.dumps(address)};"
            f" form.password.value = {json.dumps(password)};"
            " form.querySelector('#allow').click(); return true; })()",
            "allowing access",
        )

    def wait_for_inbox(self, browser, account):
        self.wait_for(
            browser,
            "location.pathname === '/odoo/mail'"
            f" && location.search.includes('account={account.id}')"
            " && !!document.querySelector(\".o_dynaoffice_mail_folder[data-folder='INBOX']\")",
            "the mail client with the Inbox",
        )

    def test_connect_in_the_browser_then_reconnect_after_a_revoked_grant(self):
        account, address, password = self.create_oauth_account()
        browser = ChromeBrowser(self)
        try:
            self.authenticate(self.owner.login, self.owner.login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(
                f"{self.base_url()}/odoo/dynaoffice.mail.account/{account.id}", wait_stop=True
            )
            self.wait_for(
                browser,
                "(() => { const button = document.querySelector("
                "'button[name=action_connect_microsoft]'); if (!button) return false;"
                " button.click(); return true; })()",
                'the button "Connect your Microsoft account"',
            )
            self.consent_in_browser(browser, address, password)
            self.wait_for_inbox(browser, account)

            # Microsoft ends the grant; the pooled connections logged in before are gone
            # too (as after a restart), so the next login asks the provider.
            self.assertGreaterEqual(self.oauth.revoke_user(address), 1)
            imap_pool.POOL.clear(account._pool_key())
            browser.navigate_to(f"{self.base_url()}/odoo/mail?account={account.id}", wait_stop=True)
            self.wait_for(
                browser,
                "!!document.querySelector('.o_dynaoffice_mail_reconnect')"
                " && document.body.textContent.includes('the connection to Microsoft has expired')",
                "the reconnect message",
            )
            self.wait_for(
                browser,
                "(() => { document.querySelector('.o_dynaoffice_mail_reconnect').click();"
                " return true; })()",
                'the button "Reconnect"',
            )
            self.consent_in_browser(browser, address, password)
            self.wait_for_inbox(browser, account)
        finally:
            browser.stop()
