"""Sending later and undoing a send in headless Chromium (#18): the tours schedule and undo,
the test runs the cron at the scheduled moment (its clock, not a wait) and reads what the
real SMTP server delivered into Dovecot."""

import datetime

from odoo.tests import HttpCase, tagged

from .common import MailServerCase

CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
OUTBOX = "dynaoffice.mail.outbox"
RECIPIENT = "spaeter@dynaoffice.test"


@tagged("post_install", "-at_install")
class TestUiSendLater(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.recipient_password = "spaeter-kunde"
        cls.servers.add_user(RECIPIENT, cls.recipient_password)

    def received(self, subject):
        return [
            message
            for message, _flags in self.fetch_all(RECIPIENT, self.recipient_password)
            if str(message["Subject"]) == subject
        ]

    def folder(self, folder, subject):
        return [
            message
            for message, _flags in self.fetch_all(
                self.personal_address, self.personal_password, folder
            )
            if str(message["Subject"]) == subject
        ]

    def entries(self, subject):
        return self.env[OUTBOX].sudo().search([("subject", "=", subject)])

    def test_send_later_shows_in_scheduled_and_goes_at_its_time(self):
        before = datetime.datetime.now()
        self.start_tour(CLIENT_URL, "dynaoffice_mail_send_later", login=self.owner.login)
        entry = self.entries("Gleich geplant")
        self.assertEqual((entry.state, entry.scheduled), ("queued", True))
        # Picked a few minutes ahead in the browser's (the user's) time zone: stored in UTC.
        self.assertGreater(entry.send_after, before + datetime.timedelta(minutes=1))
        self.assertLess(entry.send_after, before + datetime.timedelta(minutes=10))
        self.assertEqual(len(self.folder("Drafts", "Gleich geplant")), 1)
        self.assertEqual(self.received("Gleich geplant"), [])

        self.env[OUTBOX]._cron_send_scheduled(now=entry.send_after)
        entry.invalidate_recordset()
        self.assertEqual(entry.state, "sent")
        (message,) = self.received("Gleich geplant")
        self.assertIn("Bis gleich.", message.get_body(("html",)).get_content())
        self.assertEqual(len(self.folder("Sent", "Gleich geplant")), 1)
        self.assertEqual(self.folder("Drafts", "Gleich geplant"), [])

    def test_undo_brings_the_composer_back_and_sends_nothing(self):
        # Longer than the default, so that a slow test machine still clicks in time.
        self.owner.dynaoffice_mail_undo_seconds = 30
        self.start_tour(CLIENT_URL, "dynaoffice_mail_undo_send", login=self.owner.login)
        self.assertFalse(self.entries("Doch nicht senden"), "nothing is scheduled any more")
        later = datetime.datetime.now() + datetime.timedelta(hours=1)
        self.env[OUTBOX]._cron_send_scheduled(now=later)
        self.assertEqual(self.received("Doch nicht senden"), [])
        self.assertEqual(len(self.folder("Drafts", "Doch nicht senden")), 1)
