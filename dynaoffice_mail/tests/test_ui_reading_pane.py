"""The reading pane on laptops (1280 and 1366 pixels wide) in headless Chromium, on a real
Dovecot: the toolbar on one row, "More", a forwarded .eml opened like a message, and
"Always show remote content from this sender"."""

import datetime

from odoo.tests import HttpCase, tagged

from .common import MailServerCase
from .test_client_attached_message import as_rfc822, outer_with


class ReadingPaneTour:
    """The tour's mailbox and checks; the classes below run it at a laptop's sizes."""

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        now = datetime.datetime.now(datetime.timezone.utc)
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", outer_with(as_rfc822), set(), now)]
        )

    def test_reading_pane_on_a_laptop(self):
        self.start_tour(
            "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
            "dynaoffice_mail_reading_pane",
            login=self.owner.login,
        )
        # Trusted from the reading pane (the tour saw it in the Preferences), then revoked.
        self.assertFalse(self.env["dynaoffice.mail.trusted.sender"].sudo().search([]))
        with self.imap(self.personal_address, self.personal_password) as client:
            client.select_folder("INBOX", readonly=True)
            self.assertFalse(client.search(["SEEN"]), '"More" marked it unread again')


@tagged("post_install", "-at_install")
class TestUiReadingPane1280(ReadingPaneTour, HttpCase, MailServerCase):
    browser_size = "1280x800"


@tagged("post_install", "-at_install")
class TestUiReadingPane1366(ReadingPaneTour, HttpCase, MailServerCase):
    browser_size = "1366x768"
