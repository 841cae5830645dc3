"""Issue #12, hole 3: the connection test on save cannot be skipped from a browser.

Saving tests the connection: that is what keeps a wrong (or someone else's) server out of
an account. Tests and scripts may save without it through `_without_connection_test()`;
an RPC's context is JSON the browser chose and can hold any key, but never that.
"""

from odoo.tests import tagged

from .common import RpcAttackCase

MODEL = "dynaoffice.mail.account"
KEY = "dynaoffice_mail_skip_connection_test"
# Whatever JSON can say "yes".
FORGED_VALUES = (True, 1, "1", "True", [1], {"skip": True})


@tagged("post_install", "-at_install")
class TestTrustSkipTest(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()

    def test_create_with_a_forged_context_is_tested(self):
        address, _password = self.new_mailbox()
        values = dict(self.account_values(address, "not-the-password"), user_id=self.owner.id)
        count = self.env[MODEL].search_count
        for value in FORGED_VALUES:
            with self.subTest(value=value):
                self.assert_forgery_refused(
                    self.owner,
                    MODEL,
                    "create",
                    [values],
                    {"context": {KEY: value}},
                    state=lambda: count([]),
                    error="Receiving (IMAP) failed",
                )

    def test_write_with_a_forged_context_is_tested(self):
        for value in FORGED_VALUES:
            with self.subTest(value=value):
                self.assert_forgery_refused(
                    self.owner,
                    MODEL,
                    "write",
                    [[self.personal.id], {"imap_password": "not-the-password"}],
                    {"context": {KEY: value}},
                    state=lambda: self.account_state(self.personal),
                    error="Receiving (IMAP) failed",
                )

    def test_server_code_still_saves_without_the_test(self):
        address, _password = self.new_mailbox()
        account = (
            self.env[MODEL]
            .with_user(self.owner)
            ._without_connection_test()
            .create(dict(self.account_values(address, "unknown"), user_id=self.owner.id))
        )
        self.assertTrue(account.exists())
