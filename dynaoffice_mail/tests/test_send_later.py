"""Sending later and undoing a send (#18): the mail waits in Drafts on the IMAP server, the
outbox holds its time, and the cron sends it then, once, with the Sent copy and the
original's flag as for an immediate send.

Real Dovecot and SMTP; the clock is the `now` the cron and the role take, never a sleep.
"""

import datetime
from unittest.mock import patch

import psycopg2
import pytz

from odoo import modules
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..roles.composer import Composer
from ..services import schedule
from .common import MailServerCase, build_message, closed_port

OUTBOX = "dynaoffice.mail.outbox"
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
BERLIN = pytz.timezone("Europe/Berlin")
ONE_DAY = datetime.timedelta(days=1)


def utc_now():
    return datetime.datetime.now().replace(microsecond=0)


@tagged("post_install", "-at_install")
class TestSendLater(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.account = cls.personal.with_user(cls.owner)
        cls.partner, cls.partner_password = cls.new_mailbox()
        cls.colleague = cls.env["res.users"].create(
            {
                "name": "Carla Colleague",
                "login": "mail_colleague",
                "groups_id": [(6, 0, [cls.env.ref("base.group_user").id, cls.sales.id])],
            }
        )

    def compose(self, subject, account=None):
        values = (account or self.account).client_compose("new")
        values.update(to=[self.partner], subject=subject, body_html="<p>Hallo</p>")
        return values

    def subjects(self, address, password, folder, subject):
        return [
            (message, flags)
            for message, flags in self.fetch_all(address, password, folder)
            if str(message["Subject"]) == subject
        ]

    def delivered(self, subject):
        return self.subjects(self.partner, self.partner_password, "INBOX", subject)

    def mine(self, folder, subject):
        return self.subjects(self.personal_address, self.personal_password, folder, subject)

    def entry(self, message_id):
        return self.env[OUTBOX].sudo().search([("message_id", "=", message_id)])

    def run_cron(self, now):
        self.env[OUTBOX]._cron_send_scheduled(now=now)
        self.env.invalidate_all()

    def triggers(self, at):
        cron = self.env.ref("dynaoffice_mail.dynaoffice_mail_outbox_cron_send_scheduled")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id), ("call_at", "=", at)])

    def test_a_reply_sent_later_goes_at_its_time_once_and_is_filed(self):
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", build_message("Anfrage später", sender=self.partner), set(), RECEIVED)],
        )
        page = self.account.client_page("INBOX", search={"subject": "Anfrage später"})
        uid = page["messages"][0]["uid"]
        values = self.account.client_compose("reply", "INBOX", page["uidvalidity"], uid)
        values["body_html"] = "<p>Morgen mehr.</p>" + values["body_html"]
        at = utc_now() + datetime.timedelta(hours=2)
        result = self.account.client_send_later(values, at.isoformat())
        self.assertTrue(result["scheduled"], result)
        self.assertFalse(result["sent"])
        self.assertEqual(result["send_after"], str(at))
        subject = values["subject"]
        # The mail waits in Drafts on the server, and nothing went out.
        ((draft, _flags),) = self.mine("Drafts", subject)
        self.assertEqual(draft["Message-ID"], values["message_id"])
        self.assertEqual(self.delivered(subject), [])
        entry = self.entry(values["message_id"])
        self.assertEqual((entry.state, entry.scheduled, entry.send_after), ("queued", True, at))
        self.assertTrue(self.triggers(at), "the cron is woken at the time")

        # Before its time the cron leaves it.
        self.run_cron(at - datetime.timedelta(seconds=1))
        self.assertEqual(entry.state, "queued")
        self.assertEqual(self.delivered(subject), [])

        self.run_cron(at)
        self.assertEqual((entry.state, entry.sent_copy), ("sent", "done"))
        ((received, _flags),) = self.delivered(subject)
        self.assertEqual(received["Message-ID"], values["message_id"])
        self.assertEqual(received["In-Reply-To"], values["in_reply_to"])
        self.assertIn("Morgen mehr.", received.get_body(("html",)).get_content())
        self.assertEqual(len(self.mine("Sent", subject)), 1)
        self.assertEqual(self.mine("Drafts", subject), [])
        ((_original, flags),) = self.mine("INBOX", "Anfrage später")
        self.assertIn(b"\\Answered", flags)

        # A second run sends nothing again.
        self.run_cron(at + datetime.timedelta(hours=1))
        self.assertEqual(len(self.delivered(subject)), 1)
        self.assertEqual(self.account.client_scheduled(), [])

    def test_quick_choices_are_mornings_in_the_users_time_zone(self):
        # Friday 2026-03-27, 23:30 UTC: already Saturday 0:30 in Berlin (CET, UTC+1).
        now = datetime.datetime(2026, 3, 27, 23, 30)
        self.assertEqual(
            schedule.send_time("tomorrow", now, BERLIN), datetime.datetime(2026, 3, 29, 6, 0)
        )  # Sunday 8:00 in summer time (UTC+2): the clocks changed that night
        self.assertEqual(
            schedule.send_time("monday", now, BERLIN), datetime.datetime(2026, 3, 30, 6, 0)
        )
        # On a Monday, "Monday" is the next one.
        monday = datetime.datetime(2026, 3, 30, 5, 0)
        self.assertEqual(
            schedule.send_time("monday", monday, pytz.utc), datetime.datetime(2026, 4, 6, 8, 0)
        )
        self.assertEqual(
            schedule.send_time("2026-04-01 09:15:00", now, BERLIN),
            datetime.datetime(2026, 4, 1, 9, 15),
        )
        self.owner.tz = "Europe/Berlin"
        result = self.account.client_send_later(self.compose("Montags früh"), "monday")
        local = pytz.utc.localize(datetime.datetime.fromisoformat(result["send_after"]))
        local = local.astimezone(BERLIN)
        self.assertEqual((local.weekday(), local.hour, local.minute), (0, 8, 0))

    def test_quick_choices_of_a_user_without_time_zone_are_mornings_in_the_browsers(self):
        """A user with no time zone in Odoo sees times in the browser's: "Tomorrow morning
        (8:00)" is 8:00 there, not 8:00 UTC. One set in Odoo comes first; a zone the
        server does not know, or no text at all, leaves UTC."""
        new_york = pytz.timezone("America/New_York")

        def local_send_time(result, zone):
            moment = pytz.utc.localize(datetime.datetime.fromisoformat(result["send_after"]))
            return moment.astimezone(zone)

        self.owner.tz = False
        result = self.account.client_send_later(
            self.compose("Morgens in New York"), "tomorrow", tz="America/New_York"
        )
        here = local_send_time(result, new_york)
        today = utc_now().replace(tzinfo=datetime.timezone.utc).astimezone(new_york).date()
        self.assertEqual((here.date(), here.hour, here.minute), (today + ONE_DAY, 8, 0))
        for tz in ("Mars/Olympus_Mons", ["Europe/Berlin"], 7):
            with self.subTest(tz=tz):
                result = self.account.client_send_later(self.compose(f"Zone {tz}"), "monday", tz=tz)
                there = local_send_time(result, pytz.utc)
                self.assertEqual((there.weekday(), there.hour), (0, 8))
        self.owner.tz = "Europe/Berlin"
        result = self.account.client_send_later(
            self.compose("Morgens in Berlin"), "tomorrow", tz="America/New_York"
        )
        self.assertEqual(local_send_time(result, BERLIN).hour, 8)

    def test_a_time_in_the_past_or_no_time_is_refused_and_nothing_is_kept(self):
        for when in (
            "2020-01-01 08:00:00",
            "übermorgen",
            "2026-13-45 99:00",
            # No moment in UTC: before the first or after the last day of the calendar.
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:30:00-01:00",
        ):
            values = self.compose(f"Falsche Zeit {when[:4]}")
            with self.assertRaises(UserError):
                self.account.client_send_later(values, when)
            self.assertFalse(self.entry(values["message_id"]))
            self.assertEqual(self.mine("Drafts", values["subject"]), [])

    def test_send_with_undo_waits_on_the_server_and_undo_brings_it_back(self):
        self.owner.dynaoffice_mail_undo_seconds = 10
        before = utc_now()
        values = self.compose("Rückgängig bitte")
        result = self.account.client_send(values, hold=True)
        self.assertTrue(result["scheduled"], result)
        self.assertEqual(result["undo_seconds"], 10)
        at = datetime.datetime.fromisoformat(result["send_after"])
        self.assertGreaterEqual(at, before + datetime.timedelta(seconds=10))
        self.assertTrue(self.triggers(at), "the server sends it, the browser need not stay")
        self.assertEqual(self.delivered("Rückgängig bitte"), [])

        undone = self.account.client_scheduled_cancel(result["entry_id"])
        self.assertFalse(self.entry(values["message_id"]))
        # The composer opens the mail again, from Drafts, as it was.
        draft = undone["draft"]
        reopened = self.account.client_compose(
            "draft", draft["folder"], draft["uidvalidity"], draft["uid"]
        )
        self.assertEqual(reopened["message_id"], values["message_id"])
        self.assertEqual(reopened["subject"], "Rückgängig bitte")
        self.assertIn("Hallo", reopened["body_html"])
        self.run_cron(at + datetime.timedelta(minutes=1))
        self.assertEqual(self.delivered("Rückgängig bitte"), [])
        # A second "Undo" finds nothing to undo.
        with self.assertRaisesRegex(UserError, "no longer scheduled"):
            self.account.client_scheduled_cancel(result["entry_id"])

    def test_a_send_whose_browser_closed_goes_after_the_window_and_cannot_be_undone(self):
        self.owner.dynaoffice_mail_undo_seconds = 5
        values = self.compose("Fenster zu")
        result = self.account.client_send(values, hold=True)
        at = datetime.datetime.fromisoformat(result["send_after"])
        self.run_cron(at)
        self.assertEqual(len(self.delivered("Fenster zu")), 1)
        self.assertEqual(len(self.mine("Sent", "Fenster zu")), 1)
        self.assertEqual(self.mine("Drafts", "Fenster zu"), [])
        with self.assertRaisesRegex(UserError, "Too late: the mail has been sent"):
            self.account.client_scheduled_cancel(result["entry_id"])
        # The composer's "Send" of the same mail again (a second tab) sends nothing.
        again = self.account.client_send(values, hold=True)
        self.assertTrue(again["already"], again)
        self.assertEqual(len(self.delivered("Fenster zu")), 1)

    def test_without_undo_send_goes_at_once(self):
        self.owner.dynaoffice_mail_undo_seconds = 0
        result = self.account.client_send(self.compose("Sofort raus"), hold=True)
        self.assertTrue(result["sent"], result)
        self.assertEqual(len(self.delivered("Sofort raus")), 1)

    def test_the_undo_window_is_a_preference_of_a_few_seconds(self):
        user = self.owner.with_user(self.owner)
        user.write({"dynaoffice_mail_undo_seconds": 30})
        self.assertEqual(user.dynaoffice_mail_undo_seconds, 30)
        with (
            self.assertRaises(psycopg2.errors.CheckViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            user.write({"dynaoffice_mail_undo_seconds": 3600})
            user.flush_recordset()
        new = self.env["res.users"].create({"name": "Neu", "login": "mail_new_default"})
        self.assertEqual(new.dynaoffice_mail_undo_seconds, 10)

    def test_scheduled_view_send_now_change_time_cancel(self):
        later = utc_now() + datetime.timedelta(days=1)
        first = self.compose("Geplant eins")
        second = self.compose("Geplant zwei")
        third = self.compose("Geplant drei")
        for values in (first, second, third):
            self.account.client_send_later(values, later.isoformat())
        listed = {row["subject"]: row for row in self.account.client_scheduled()}
        self.assertEqual(set(listed), {"Geplant eins", "Geplant zwei", "Geplant drei"})
        row = listed["Geplant eins"]
        self.assertEqual((row["state"], row["send_after"]), ("queued", str(later)))
        self.assertIn(self.partner, row["recipients"])

        # Send now: out at once, gone from the list.
        sent = self.account.client_scheduled_send_now(row["id"])
        self.assertTrue(sent["sent"], sent)
        self.assertEqual(len(self.delivered("Geplant eins")), 1)
        self.assertEqual(len(self.mine("Sent", "Geplant eins")), 1)

        # Change time: the cron goes by the new one.
        sooner = utc_now() + datetime.timedelta(hours=1)
        self.account.client_scheduled_reschedule(listed["Geplant zwei"]["id"], sooner.isoformat())
        self.run_cron(sooner)
        self.assertEqual(len(self.delivered("Geplant zwei")), 1)
        with self.assertRaises(UserError):
            self.account.client_scheduled_reschedule(
                listed["Geplant drei"]["id"], "2020-01-01 00:00:00"
            )

        # Cancel: back to an ordinary draft, not sent at the time; the answer names the
        # draft where it is now (saved again since, from another window).
        scheduled_draft = self.account.client_scheduled()[0]["draft"]
        third["draft"] = scheduled_draft
        third["subject"] = "Geplant drei"
        saved = self.account.client_save_draft(third)["draft"]
        cancelled = self.account.client_scheduled_cancel(listed["Geplant drei"]["id"])
        self.assertEqual(cancelled["draft"]["uid"], saved["uid"])
        self.assertNotEqual(saved["uid"], scheduled_draft["uid"])
        self.assertEqual(len(self.mine("Drafts", "Geplant drei")), 1)
        self.run_cron(later + datetime.timedelta(hours=1))
        self.assertEqual(self.delivered("Geplant drei"), [])
        self.assertEqual(self.account.client_scheduled(), [])

    def test_a_draft_edited_after_scheduling_goes_as_edited(self):
        at = utc_now() + datetime.timedelta(hours=1)
        values = self.compose("Erste Fassung")
        result = self.account.client_send_later(values, at.isoformat())
        # Opened from Drafts and saved again (a new UID there): its Message-ID stays.
        draft = result["draft"]
        reopened = self.account.client_compose(
            "draft", draft["folder"], draft["uidvalidity"], draft["uid"]
        )
        reopened["subject"] = "Zweite Fassung"
        saved = self.account.client_save_draft(reopened)["draft"]
        self.assertNotEqual(saved["uid"], draft["uid"])
        self.run_cron(at)
        self.assertEqual(self.delivered("Erste Fassung"), [])
        self.assertEqual(len(self.delivered("Zweite Fassung")), 1)
        self.assertEqual(self.mine("Drafts", "Zweite Fassung"), [])

    def test_a_scheduled_mail_goes_the_accounts_way_through_odoos_mail_server(self):
        self.send_through_odoo(self.personal, self.personal_address, self.personal_password)
        at = utc_now() + datetime.timedelta(minutes=30)
        result = self.account.client_send_later(self.compose("Über Odoo später"), at.isoformat())
        self.run_cron(at)
        self.assertEqual(self.env[OUTBOX].sudo().browse(result["entry_id"]).state, "sent")
        self.assertEqual(len(self.delivered("Über Odoo später")), 1)
        self.assertEqual(len(self.mine("Sent", "Über Odoo später")), 1)
        # "Send now" of what is no longer waiting says so.
        again = self.account.client_scheduled_send_now(result["entry_id"])
        self.assertFalse(again["sent"])
        self.assertIn("no longer waiting", again["error"])

    def test_recipients_refused_at_the_scheduled_time_are_told_to_the_sender(self):
        """Odoo's outgoing mail server refuses one recipient of a mail the cron sends and
        takes it for the other: the sender, who is not there, finds in his Inbox who did not
        get it."""
        self.send_through_odoo(self.personal, self.personal_address, self.personal_password)
        self.owner.notification_type = "inbox"
        unknown = "niemand@dynaoffice.test"
        values = self.compose("Später teils abgelehnt")
        values["to"] = [self.partner, unknown]
        at = utc_now() + datetime.timedelta(minutes=30)
        result = self.account.client_send_later(values, at.isoformat())
        # Odoo's ir.mail_server sends nothing while Odoo runs its tests: here it does.
        with patch.object(modules.module, "current_test", None):
            self.run_cron(at)
        self.assertEqual(self.env[OUTBOX].sudo().browse(result["entry_id"]).state, "sent")
        self.assertEqual(len(self.delivered("Später teils abgelehnt")), 1)
        notices = (
            self.env["mail.notification"]
            .search([("res_partner_id", "=", self.owner.partner_id.id)])
            .mail_message_id
        )
        (notice,) = notices.filtered(lambda message: unknown in message.body)
        self.assertIn("did not get the mail", notice.body)
        self.assertIn("Später teils abgelehnt", notice.subject)
        self.assertNotIn(self.partner, notice.body)

    def test_a_scheduled_mail_whose_recipient_odoos_server_refuses_is_not_tried_again(self):
        """The server's refusal of the only recipient is no outage: the mail is "Not sent"
        with the address named, and the cron does not offer it to the server again."""
        self.send_through_odoo(self.personal, self.personal_address, self.personal_password)
        unknown = "niemand@dynaoffice.test"
        values = self.compose("Später ganz abgelehnt")
        values["to"] = [unknown]
        at = utc_now() + datetime.timedelta(minutes=30)
        self.account.client_send_later(values, at.isoformat())
        with patch.object(modules.module, "current_test", None):
            self.run_cron(at)
        entry = self.entry(values["message_id"])
        self.assertEqual((entry.state, entry.retry), ("failed", False))
        (row,) = self.account.client_scheduled()
        self.assertIn(unknown, row["error"])
        self.assertIn("nobody got the mail", row["error"])

    def test_a_scheduled_mail_discarded_from_drafts_is_not_sent(self):
        at = utc_now() + datetime.timedelta(hours=1)
        values = self.compose("Verworfen")
        result = self.account.client_send_later(values, at.isoformat())
        draft = result["draft"]
        reopened = self.account.client_compose(
            "draft", draft["folder"], draft["uidvalidity"], draft["uid"]
        )
        self.assertTrue(self.account.client_discard(reopened))
        self.assertFalse(self.entry(values["message_id"]))
        self.run_cron(at)
        self.assertEqual(self.delivered("Verworfen"), [])
        self.assertEqual(self.mine("Drafts", "Verworfen"), [])

    def test_discarding_a_scheduled_mail_the_cron_is_sending_says_it_is_too_late(self):
        at = utc_now() + datetime.timedelta(hours=1)
        values = self.compose("Zu spät verworfen")
        draft = self.account.client_send_later(values, at.isoformat())["draft"]
        reopened = self.account.client_compose(
            "draft", draft["folder"], draft["uidvalidity"], draft["uid"]
        )
        # The user clicks "Discard" while the cron, at the time, is handing the mail over.
        answers = []
        deliver = Composer._deliver

        def deliver_after_a_discard(composer, message, data):
            try:
                answers.append(self.account.client_discard(dict(reopened)))
            except UserError as error:
                answers.append(str(error))
            return deliver(composer, message, data)

        with patch.object(Composer, "_deliver", deliver_after_a_discard):
            self.run_cron(at)
        self.assertEqual(len(self.delivered("Zu spät verworfen")), 1, "the mail went out")
        self.assertEqual(answers, ["Too late: the mail is being sent already."])
        self.assertEqual(self.entry(values["message_id"]).state, "sent")
        self.assertEqual(len(self.mine("Sent", "Zu spät verworfen")), 1)

    def test_smtp_down_at_the_time_keeps_it_with_an_error_and_sends_it_later(self):
        port = self.personal.smtp_port
        at = utc_now() + datetime.timedelta(hours=1)
        values = self.compose("Server weg")
        self.account.client_send_later(values, at.isoformat())
        self.personal.sudo()._without_connection_test().write({"smtp_port": closed_port()})
        self.run_cron(at)
        entry = self.entry(values["message_id"])
        self.assertEqual((entry.state, entry.retry), ("failed", True))
        self.assertGreater(entry.send_after, at)
        (row,) = self.account.client_scheduled()
        self.assertEqual(row["state"], "failed")
        self.assertTrue(row["error"], "the user reads why")
        self.assertEqual(len(self.mine("Drafts", "Server weg")), 1, "nothing lost")
        # Not tried again before its new time; then, the server back, sent once.
        self.personal.sudo()._without_connection_test().write({"smtp_port": port})
        self.run_cron(entry.send_after - datetime.timedelta(seconds=1))
        self.assertEqual(entry.state, "failed")
        self.run_cron(entry.send_after)
        self.assertEqual(entry.state, "sent")
        self.assertEqual(len(self.delivered("Server weg")), 1)
        self.assertEqual(self.mine("Drafts", "Server weg"), [])

    def test_a_draft_nested_too_deep_to_read_fails_at_once_and_stays_in_drafts(self):
        """Another program saved the scheduled draft again with its parts nested thousands
        deep, which the email package cannot read back (RecursionError): the send stayed
        claimed, and later runs said it "may have been sent" although nothing went out."""
        at = utc_now() + datetime.timedelta(hours=1)
        values = self.compose("Zu tief")
        self.account.client_send_later(values, at.isoformat())
        depth = 3000
        nested = b"".join(
            b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
            for level in range(depth)
        )
        nested += b"Content-Type: text/plain\r\n\r\nHallo\r\n"
        nested += b"".join(b"--b%d--\r\n" % level for level in reversed(range(depth)))
        raw = (
            f"From: {self.personal_address}\r\nTo: {self.partner}\r\nSubject: Zu tief\r\n"
            f"Message-ID: {values['message_id']}\r\nMIME-Version: 1.0\r\n"
        ).encode() + nested
        client = self.imap(self.personal_address, self.personal_password)
        try:
            client.select_folder("Drafts")
            client.delete_messages(client.search(["SUBJECT", "Zu tief"]))
            client.expunge()
            client.append("Drafts", raw, flags=[b"\\Draft"])
        finally:
            client.logout()
        self.run_cron(at)
        entry = self.entry(values["message_id"])
        self.assertEqual((entry.state, entry.retry), ("failed", False))
        (row,) = self.account.client_scheduled()
        self.assertIn("nested too deep", row["error"])
        # Later runs neither send it nor take it for a send that may have gone out.
        self.run_cron(at + datetime.timedelta(minutes=20))
        self.assertEqual(entry.state, "failed")
        self.assertEqual(self.delivered("Zu tief"), [])
        client = self.imap(self.personal_address, self.personal_password)
        try:
            client.select_folder("Drafts")
            kept = client.search(["SUBJECT", "Zu tief"])
            self.assertEqual(len(kept), 1, "nothing lost")
            # Gone again: the other tests read every draft of this mailbox.
            client.delete_messages(kept)
            client.expunge()
        finally:
            client.logout()

    def test_a_send_whose_worker_died_becomes_uncertain_and_is_not_sent_again(self):
        values = self.compose("Abgestürzt")
        at = utc_now() + datetime.timedelta(minutes=5)
        result = self.account.client_send_later(values, at.isoformat())
        # A worker claimed it and died (the subprocess test kills one for real).
        self.assertTrue(self.env[OUTBOX]._claim_scheduled(result["entry_id"], at))
        self.run_cron(at + datetime.timedelta(minutes=1))
        entry = self.entry(values["message_id"])
        self.assertEqual(entry.state, "sending", "a send may still be under way")
        self.run_cron(at + datetime.timedelta(minutes=20))
        self.assertEqual(entry.state, "uncertain")
        (row,) = self.account.client_scheduled()
        self.assertIn("may have been sent", row["error"])
        self.assertEqual(self.delivered("Abgestürzt"), [], "never sent again by itself")
        with self.assertRaises(UserError):
            self.account.client_scheduled_cancel(row["id"])

    def test_only_the_sender_sees_and_changes_his_scheduled_mail(self):
        shared = self.shared.with_user(self.member)
        at = utc_now() + datetime.timedelta(hours=3)
        values = self.compose("Gruppenpost später", shared)
        result = shared.client_send_later(values, at.isoformat())
        entry_id = result["entry_id"]
        self.assertEqual(len(shared.client_scheduled()), 1)
        # Another member of the group sees the draft in the shared Drafts, not the schedule.
        colleague = self.shared.with_user(self.colleague)
        self.assertEqual(colleague.client_scheduled(), [])
        for method, args in (
            ("client_scheduled_cancel", ()),
            ("client_scheduled_send_now", ()),
            ("client_scheduled_reschedule", ("tomorrow",)),
        ):
            with self.assertRaises(AccessError):
                getattr(colleague, method)(entry_id, *args)
            # Outsiders, an administrator included, do not get as far as the mailbox.
            for user in (self.other, self.admin):
                with self.assertRaises(AccessError):
                    getattr(self.shared.with_user(user), method)(entry_id, *args)
            # Nor through an account of their own.
            with self.assertRaises(AccessError):
                getattr(self.account, method)(entry_id, *args)
        entry = self.env[OUTBOX].sudo().browse(entry_id)
        self.assertEqual((entry.state, entry.send_after), ("queued", at))
        # A member who left the group: the cron does not send in the group's name.
        self.sales.users = [(3, self.member.id)]
        self.run_cron(at)
        self.assertEqual(entry.state, "failed")
        self.assertFalse(entry.retry)
        self.assertEqual(self.delivered("Gruppenpost später"), [])

    def test_mail_scheduled_by_a_user_who_was_archived_since_is_not_sent(self):
        at = utc_now() + datetime.timedelta(hours=3)
        values = self.compose("Nach dem Austritt")
        entry_id = self.account.client_send_later(values, at.isoformat())["entry_id"]
        # Olga leaves the company: her user is archived before the time comes.
        self.owner.action_archive()
        self.run_cron(at)
        entry = self.env[OUTBOX].sudo().browse(entry_id)
        self.assertEqual((entry.state, entry.retry), ("failed", False))
        self.assertIn("archived", entry.error)
        self.assertEqual(self.delivered("Nach dem Austritt"), [])
        # Nothing lost: the mail waits in her Drafts, and later runs leave it there.
        self.run_cron(at + datetime.timedelta(days=1))
        self.assertEqual(self.delivered("Nach dem Austritt"), [])
        self.assertEqual(len(self.mine("Drafts", "Nach dem Austritt")), 1)

    def test_a_held_or_scheduled_group_mail_names_its_member_where_the_account_says_so(self):
        self.shared.write({"sender_name": "Vertrieb", "sender_names_member": True})
        self.member.dynaoffice_mail_undo_seconds = 10
        shared = self.shared.with_user(self.member)
        # "Send" with the undo window, and "Send later": both go from the server, later.
        held = shared.client_send(self.compose("Mit Namen gleich", shared), hold=True)
        at = utc_now() + datetime.timedelta(hours=1)
        shared.client_send_later(self.compose("Mit Namen später", shared), at.isoformat())
        self.run_cron(max(at, datetime.datetime.fromisoformat(held["send_after"])))
        for subject in ("Mit Namen gleich", "Mit Namen später"):
            ((received, _flags),) = self.delivered(subject)
            sender = received["From"].addresses[0]
            self.assertEqual(
                (sender.display_name, sender.addr_spec),
                ("Maria Member (Vertrieb)", self.shared_address),
            )
            ((copy, _flags),) = self.subjects(
                self.shared_address, self.shared_password, "Sent", subject
            )
            self.assertEqual(str(copy["From"]), str(received["From"]))

    def scheduled_by_member_opened_by_colleague(self, subject):
        """A mail Maria scheduled in the group mailbox for tomorrow, opened by her colleague
        Carla from the shared Drafts and sent with Carla's undo window."""
        shared = self.shared.with_user(self.member)
        later = utc_now() + datetime.timedelta(days=1)
        draft = shared.client_send_later(self.compose(subject, shared), later.isoformat())["draft"]
        self.colleague.dynaoffice_mail_undo_seconds = 10
        colleague = self.shared.with_user(self.colleague)
        reopened = colleague.client_compose(
            "draft", draft["folder"], draft["uidvalidity"], draft["uid"]
        )
        reopened["body_html"] = "<p>Vertretung: Carla</p>"
        held = colleague.client_send(reopened, hold=True)
        self.assertTrue(held["scheduled"], held)
        return shared, colleague, held

    def test_a_colleague_who_sends_a_scheduled_draft_may_undo_that_send(self):
        shared, colleague, held = self.scheduled_by_member_opened_by_colleague("Vertreten")
        # Carla's send: in her "Scheduled" (no longer in Maria's), and her "Undo" takes it back.
        self.assertEqual([row["id"] for row in colleague.client_scheduled()], [held["entry_id"]])
        self.assertEqual(shared.client_scheduled(), [])
        undone = colleague.client_scheduled_cancel(held["entry_id"])
        self.assertTrue(undone["draft"])
        self.run_cron(datetime.datetime.fromisoformat(held["send_after"]))
        self.assertEqual(self.delivered("Vertreten"), [])

    def test_a_colleagues_send_of_a_scheduled_draft_goes_after_its_writer_left(self):
        _shared, _colleague, held = self.scheduled_by_member_opened_by_colleague("Übernommen")
        # Maria leaves the group within the window: Carla's send goes all the same, once.
        self.sales.users = [(3, self.member.id)]
        self.run_cron(datetime.datetime.fromisoformat(held["send_after"]))
        entry = self.env[OUTBOX].sudo().browse(held["entry_id"])
        self.assertEqual((entry.state, entry.error), ("sent", False))
        ((received, _flags),) = self.delivered("Übernommen")
        self.assertIn("Vertretung: Carla", received.get_body(("html",)).get_content())
