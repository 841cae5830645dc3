"""The context pane in headless Chromium (issue #21): Anna opens a customer's mail and sees his
open quotation and his unpaid invoice beside it, opens the quotation from there; for an unknown
sender she creates the contact the signature suggests."""

import datetime
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from .common import MailServerCase
from .test_context_pane import SIGNED, create_business, give_app_rights

RECEIVED = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiContextPane(HttpCase, MailServerCase):
    # A desktop: the pane starts unfolded from 1600 pixels (on laptops folded until opened).
    browser_size = "1920x1080"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        give_app_rights(cls.owner)
        cls.owner.name = "Anna Berger"
        cls.business = create_business(cls.env, cls.owner, other_salesman=cls.admin)

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()

    def mail(self, subject, sender, body):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.personal_address
        message["Subject"] = subject
        message.set_content(body)
        return ("INBOX", message.as_bytes(), set(), RECEIVED)

    def test_the_customers_quotation_and_unpaid_invoice_beside_his_mail(self):
        business = self.business
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                self.mail(
                    "Angebot Dachsanierung",
                    f"Jürgen Weiß <{business.customer_address}>",
                    "Wann können Sie anfangen?\n",
                ),
                self.mail("Bitte um Rückruf", "tom.neu@neubau-planung.example", SIGNED),
            ],
        )
        self.start_tour(CLIENT_URL, "dynaoffice_mail_context_pane", login=self.owner.login)
        created = self.env["res.partner"].search(
            [("email_normalized", "=", "tom.neu@neubau-planung.example")]
        )
        self.assertEqual(created.name, "Tom Neu")
        self.assertEqual(created.phone, "+49 40 555 1234")
