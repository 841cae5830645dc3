"""Snooze and reply templates in headless Chromium on a real Dovecot mailbox: a snoozed
mail leaves the Inbox and waits in "Snoozed"; the return cron, run with the clock past its
time, brings it back unread. A reply template goes into a new mail."""

import datetime

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import MailServerCase, build_message

RECEIVED = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
CLIENT = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiSnooze(HttpCase, MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.password = self.personal._decrypted_password("imap_password")

    def test_snoozed_mail_comes_back_unread(self):
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("INBOX", build_message("Snooze me"), {"\\Seen"}, RECEIVED),
                ("INBOX", build_message("Stay here"), {"\\Seen"}, RECEIVED),
            ],
        )
        self.start_tour(CLIENT, "dynaoffice_mail_snooze", login=self.owner.login)
        snooze = self.env["dynaoffice.mail.snooze"].search([])
        self.assertEqual(snooze.subject, "Snooze me")
        self.assertGreater(snooze.until, datetime.datetime.now())
        with freeze_time(snooze.until + datetime.timedelta(minutes=1), tick=True):
            self.env["dynaoffice.mail.snooze"]._cron_wake()
        self.assertFalse(snooze.exists())
        with self.imap(self.personal_address, self.password) as client:
            client.select_folder("INBOX", readonly=True)
            unseen = client.fetch(client.search(["UNSEEN"]), ["ENVELOPE"])
            self.assertEqual(
                [item[b"ENVELOPE"].subject.decode() for item in unseen.values()], ["Snooze me"]
            )
        self.start_tour(CLIENT, "dynaoffice_mail_snooze_back", login=self.owner.login)

    def test_unsnooze_now_from_the_snoozed_folder(self):
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("INBOX", build_message("Snooze me"), {"\\Seen"}, RECEIVED),
                ("INBOX", build_message("Stay here"), {"\\Seen"}, RECEIVED),
            ],
        )
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX")
        uid = next(m["uid"] for m in page["messages"] if m["subject"] == "Snooze me")
        account.client_snooze("INBOX", page["uidvalidity"], [uid], "2030-01-01T08:00:00")
        self.start_tour(CLIENT, "dynaoffice_mail_unsnooze", login=self.owner.login)
        self.assertFalse(self.env["dynaoffice.mail.snooze"].search([]))
        with self.imap(self.personal_address, self.password) as client:
            client.select_folder("INBOX", readonly=True)
            unseen = client.fetch(client.search(["UNSEEN"]), ["ENVELOPE"])
            self.assertEqual(
                [item[b"ENVELOPE"].subject.decode() for item in unseen.values()], ["Snooze me"]
            )

    def test_follow_up_on_a_sent_mail(self):
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("Sent", build_message("Angebot 4711"), {"\\Seen"}, RECEIVED)],
        )
        self.start_tour(CLIENT, "dynaoffice_mail_follow_up", login=self.owner.login)
        activity = self.env["mail.activity"].search(
            [("activity_type_id.name", "=", "Follow-up"), ("user_id", "=", self.owner.id)]
        )
        self.assertEqual(activity.res_model, "dynaoffice.mail.message")
        self.assertEqual(activity.date_deadline, datetime.date.today() + datetime.timedelta(days=3))

    def test_reply_template_goes_into_a_new_mail(self):
        self.env["mail.template"].create(
            {
                "name": "Rückruf",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Ihr Anruf",
                "body_html": "<p>vielen Dank für Ihren Anruf.</p>",
                "dynaoffice_mail_user_id": self.owner.id,
            }
        )
        self.start_tour(CLIENT, "dynaoffice_mail_reply_template", login=self.owner.login)
        # The same from the editor: "/" and its command "Reply template".
        self.start_tour(CLIENT, "dynaoffice_mail_reply_template_slash", login=self.owner.login)
