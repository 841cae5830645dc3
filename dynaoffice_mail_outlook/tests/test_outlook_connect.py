"""Microsoft 365 accounts connected through Odoo's microsoft_outlook, against the local
provider's Microsoft-style endpoints (the module's own parameter `microsoft_outlook.endpoint`
points there), Dovecot and the SMTP server: the tests of dynaoffice_mail's oauth_common."""

from odoo.tests import tagged

# The modules, not their classes or functions: pytest would collect a TestCase imported by
# name.
from odoo.addons.dynaoffice_mail.tests import oauth_common

from .common import OutlookProvider


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
    """The flow as production runs it, in an Odoo process of its own (see oauth_common)."""
    oauth_common.connect_and_renew_in_a_real_odoo_process(
        tmp_path,
        OutlookProvider,
        name="Olga Outlook",
        settings=lambda oauth: {"microsoft_outlook.endpoint": oauth.microsoft_endpoint},
    )
