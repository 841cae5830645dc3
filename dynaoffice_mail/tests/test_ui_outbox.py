"""A mail that may have been sent, in headless Chromium (#19): the composer says so and offers
"Send again anyway" (the same Message-ID once more) and "Mark as sent" (filed in Sent)."""

import email
import email.policy

from odoo.tests import HttpCase, tagged

from .common import MailServerCase
from .fake_servers import FakeSmtpServer

CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiOutbox(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        # The fault a real server cannot make on demand: the connection drops after DATA.
        cls.smtp = FakeSmtpServer(cls.servers.certificates)
        cls.addClassCleanup(cls.smtp.stop)
        cls.personal.sudo()._without_connection_test().write(
            {"smtp_port": cls.smtp.port, "smtp_encryption": "ssl"}
        )

    def received(self, subject):
        parsed = [
            email.message_from_bytes(data, policy=email.policy.default)
            for data in self.smtp.received
        ]
        return [message for message in parsed if str(message["Subject"]) == subject]

    def sent_folder(self, subject):
        return [
            message
            for message, _flags in self.fetch_all(
                self.personal_address, self.personal_password, "Sent"
            )
            if str(message["Subject"]) == subject
        ]

    def test_send_again_anyway_sends_the_same_message_once_more(self):
        self.smtp.faults = ["drop after DATA"]
        self.start_tour(CLIENT_URL, "dynaoffice_mail_outbox_send_again", login=self.owner.login)
        copies = self.received("Vielleicht unterwegs")
        self.assertEqual(len(copies), 2, "the first try and the one the user asked for")
        self.assertEqual(copies[0]["Message-ID"], copies[1]["Message-ID"])
        self.assertEqual(len(self.sent_folder("Vielleicht unterwegs")), 1)

    def test_mark_as_sent_files_the_mail(self):
        self.smtp.faults = ["drop after DATA"]
        self.start_tour(CLIENT_URL, "dynaoffice_mail_outbox_mark_sent", login=self.owner.login)
        self.assertEqual(len(self.received("Doch angekommen")), 1)
        (copy,) = self.sent_folder("Doch angekommen")
        self.assertEqual(copy["Message-ID"], self.received("Doch angekommen")[0]["Message-ID"])
