"""Creating a lead from a mail in headless Chromium, on a real Dovecot mailbox: the lead
holds the name the user gave it, the sender's contact and the mail in its chatter."""

import datetime
import secrets
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from .common import MailServerCase

RECEIVED = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
KEYWORD = b"$Odoo-Assigned"


@tagged("post_install", "-at_install")
class TestUiCreateFromMail(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Anna (the owner) sells: CRM's salesman rights, and contacts as every new user.
        cls.owner.groups_id += cls.env.ref("base.group_partner_manager")
        cls.owner.groups_id += cls.env.ref("sales_team.group_sale_salesman")
        cls.customer_address = f"juergen-{secrets.token_hex(3)}@weiss-bau.example"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jürgen Weiß", "email": cls.customer_address}
        )

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.password = self.personal.sudo()._decrypted_password("imap_password")

    def test_create_a_lead_from_a_mail_and_find_it_in_crm(self):
        inquiry = EmailMessage()
        inquiry["From"] = f"Jürgen Weiß <{self.customer_address}>"
        inquiry["To"] = self.personal_address
        inquiry["Subject"] = "Anfrage Sporthalle"
        inquiry["Message-ID"] = message_id = f"<{secrets.token_hex(8)}@weiss-bau.example>"
        inquiry.set_content("Wir brauchen ein neues Dach für die Sporthalle.\n")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", inquiry.as_bytes(), set(), RECEIVED)]
        )
        self.start_tour(CLIENT_URL, "dynaoffice_mail_create_lead", login=self.owner.login)

        leads = self.env["crm.lead"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(leads.mapped("name"), ["Dach Sporthalle Nord"], "one lead, not two")
        self.assertEqual(leads.create_uid, self.owner)
        self.assertIn("Wir brauchen ein neues Dach", str(leads.description))
        posted = leads.message_ids.filtered(lambda m: m.message_id == message_id)
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted.subject, "Anfrage Sporthalle")
        with self.imap(self.personal_address, self.password) as client:
            client.select_folder("INBOX", readonly=True)
            flags = [
                set(data[b"FLAGS"])
                for data in client.fetch(client.search("ALL"), ["FLAGS"]).values()
            ]
        self.assertEqual(len(flags), 1)
        self.assertIn(KEYWORD, flags[0])
