"""Issue #12, hole 4, in headless Chromium: tab "Send" offers personal accounts only the
ways of sending an administrator allowed (the server refuses the rest: test_trust_sending)."""

from odoo.tests import HttpCase, tagged

from .common import MailServerCase

ACCOUNTS_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_account_action"


@tagged("post_install", "-at_install")
class TestUiTrustSending(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()

    def test_a_new_personal_account_is_offered_smtp_with_login_only(self):
        self.start_tour(
            f"{ACCOUNTS_URL}/new", "dynaoffice_mail_trust_sending_personal", login=self.owner.login
        )

    def test_a_personal_account_is_offered_what_the_administrator_allowed(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("dynaoffice_mail.personal_sendmail", "True")
        params.set_param("dynaoffice_mail.personal_smtp_without_auth", "True")
        self.start_tour(
            f"{ACCOUNTS_URL}/{self.personal.id}",
            "dynaoffice_mail_trust_sending_personal_allowed",
            login=self.owner.login,
        )

    def test_a_group_account_is_offered_every_way(self):
        self.start_tour(
            f"{ACCOUNTS_URL}/{self.shared.id}",
            "dynaoffice_mail_trust_sending_group",
            login=self.admin.login,
        )
