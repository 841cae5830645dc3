"""Follow-up: "Remind me if no reply by ..." on a sent mail is an Odoo activity on its
handle, done by itself ("Reply received") when a reply arrives, in the Inbox or filed
elsewhere, recognised by In-Reply-To or References; on a controlled clock."""

import datetime
from email.message import EmailMessage
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..services import imap
from .common import MailServerCase, build_message, imap_commands
from .fake_servers import FakeImapServer

SENT_AT = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)
SENT_ID = "<angebot-4711@dynaoffice.test>"


def sent_message(subject, message_id):
    message = EmailMessage()
    message["From"] = "olga@dynaoffice.test"
    message["To"] = "kunde@example.com"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content("Anbei unser Angebot.\n")
    return message.as_bytes()


def reply(header, value):
    message = EmailMessage()
    message["From"] = "kunde@example.com"
    message["To"] = "olga@dynaoffice.test"
    message["Subject"] = "Re: Angebot 4711"
    message["Message-ID"] = "<antwort-1@example.com>"
    message[header] = value
    message.set_content("Danke, passt.\n")
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestFollowUp(MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("Sent", sent_message("Angebot 4711", SENT_ID), {"\\Seen"}, SENT_AT),
                ("INBOX", build_message("Newsletter"), set(), SENT_AT),
            ],
        )
        self.account = self.personal.with_user(self.owner)
        self.follow_up_type = self.env.ref(
            "dynaoffice_mail.dynaoffice_mail_activity_type_follow_up"
        )

    def remind(self, deadline="2026-12-08"):
        page = self.account.client_page("Sent")
        uid = page["messages"][0]["uid"]
        return self.account.client_follow_up("Sent", page["uidvalidity"], uid, deadline)

    def open_follow_ups(self):
        return self.env["mail.activity"].search([("activity_type_id", "=", self.follow_up_type.id)])

    def check_replies(self, moment=SENT_AT + datetime.timedelta(days=2)):
        with freeze_time(moment, tick=True):
            self.env["dynaoffice.mail.message"]._cron_clear_answered_follow_ups()
        self.env.invalidate_all()

    def test_reminder_is_an_activity_on_the_sent_mail(self):
        result = self.remind()
        activity = self.env["mail.activity"].browse(result["activity_id"])
        handle = self.env["dynaoffice.mail.message"].browse(result["handle_id"])
        self.assertEqual(
            (activity.res_model, activity.res_id, activity.user_id, activity.date_deadline),
            ("dynaoffice.mail.message", handle.id, self.owner, datetime.date(2026, 12, 8)),
        )
        self.assertEqual(activity.activity_type_id, self.follow_up_type)
        self.assertEqual((handle.folder, handle.message_id), ("Sent", SENT_ID))
        self.assertIn("Angebot 4711", activity.summary)
        # The user sees it among his activities and may mark it done himself.
        self.assertEqual(
            self.env["mail.activity"].with_user(self.owner).search([("id", "=", activity.id)]),
            activity.with_user(self.owner),
        )

    def test_no_reply_keeps_the_reminder(self):
        self.remind()
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", reply("In-Reply-To", "<something-else@example.com>"), set(), SENT_AT)],
        )
        self.check_replies()
        self.assertEqual(len(self.open_follow_ups()), 1)

    def test_reply_by_in_reply_to_clears_it(self):
        result = self.remind()
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", reply("In-Reply-To", SENT_ID), set(), SENT_AT)]
        )
        self.check_replies()
        self.assertFalse(self.open_follow_ups())
        handle = self.env["dynaoffice.mail.message"].browse(result["handle_id"])
        done = handle.message_ids.filtered(lambda m: m.mail_activity_type_id)
        self.assertEqual(len(done), 1)
        self.assertIn("Reply received", done.body)

    def test_reply_by_references_clears_it(self):
        self.remind()
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", reply("References", f"<first@example.com> {SENT_ID}"), set(), SENT_AT)],
        )
        self.check_replies()
        self.assertFalse(self.open_follow_ups())

    def remind_all(self, message_ids):
        """A reminder on each sent mail of `message_ids`, as "Remind me" makes it."""
        other_program = self.imap(self.personal_address, self.personal_password)
        try:
            uidvalidity = other_program.select_folder("Sent")[b"UIDVALIDITY"]
            uids = other_program.search()
        finally:
            other_program.logout()
        refs = [self.account._message_ref("Sent", uidvalidity, uid) for uid in uids]
        handles = self.env["dynaoffice.mail.message"]._for_messages(self.account, refs)
        for handle in handles.values():
            if handle.message_id in message_ids:
                handle.with_user(self.owner)._follow_up(datetime.date(2026, 12, 8))
        self.assertEqual(len(self.open_follow_ups()), len(message_ids))

    def test_many_reminders_are_checked_in_a_few_searches(self):
        sent_ids = [f"<angebot-{number}@dynaoffice.test>" for number in range(1, 61)]
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("Sent", sent_message(f"Angebot {number}", message_id), {"\\Seen"}, SENT_AT)
                for number, message_id in enumerate(sent_ids, 1)
            ],
        )
        self.remind_all(sent_ids)
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("INBOX", reply("In-Reply-To", sent_ids[6]), set(), SENT_AT),
                ("INBOX", reply("References", f"<x@example.com> {sent_ids[41]}"), set(), SENT_AT),
                # Near misses: another id that begins alike, one that ends alike.
                (
                    "INBOX",
                    reply("In-Reply-To", "<angebot-5@dynaoffice.test.example>"),
                    set(),
                    SENT_AT,
                ),
                ("INBOX", reply("In-Reply-To", "<xangebot-9@dynaoffice.test>"), set(), SENT_AT),
            ],
        )
        with imap_commands() as commands:
            self.check_replies()
        # Not one SEARCH per reminder (60 round trips on a slow server, every 5 minutes).
        self.assertLessEqual(commands.count("UID SEARCH"), 6, commands)
        handles = self.env["dynaoffice.mail.message"].browse(
            self.open_follow_ups().mapped("res_id")
        )
        waiting = set(handles.mapped("message_id"))
        self.assertEqual(set(sent_ids) - waiting, {sent_ids[6], sent_ids[41]})

    def test_a_reply_filed_elsewhere_clears_it_the_users_own_mail_does_not(self):
        ids = {
            name: f"<{name}-4711@dynaoffice.test>"
            for name in ("archiv", "regel", "papierkorb", "eigene", "gesendet", "offen")
        }
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                ("Sent", sent_message(f"Angebot {name}", message_id), {"\\Seen"}, SENT_AT)
                for name, message_id in ids.items()
            ],
        )
        self.remind_all(set(ids.values()))

        def own_mail(in_reply_to):
            message = EmailMessage()
            message["From"] = f"Olga <{self.personal_address}>"
            message["To"] = "kunde@example.com"
            message["Subject"] = "Re: Angebot - gibt es schon Neues?"
            message["In-Reply-To"] = in_reply_to
            message.set_content("Haben Sie schon entschieden?\n")
            return message.as_bytes()

        self.account.client_create_folder("Kunden")  # a server rule files the customer's mail
        self.servers.dovecot.write_messages(
            self.personal_address,
            [
                # Read and archived before the check ran ...
                ("Archive", reply("In-Reply-To", ids["archiv"]), {"\\Seen"}, SENT_AT),
                # ... filed by a server rule (Sieve) into the customer's folder.
                ("Kunden", reply("References", f"<x@example.com> {ids['regel']}"), set(), SENT_AT),
                # Deleted unread: not counted (nor is Junk).
                ("Trash", reply("In-Reply-To", ids["papierkorb"]), set(), SENT_AT),
                # The user's own "any news?", filed with the thread or in Sent: no reply.
                ("Kunden", own_mail(ids["eigene"]), {"\\Seen"}, SENT_AT),
                ("Sent", own_mail(ids["gesendet"]), {"\\Seen"}, SENT_AT),
            ],
        )
        self.check_replies()
        handles = self.env["dynaoffice.mail.message"].browse(
            self.open_follow_ups().mapped("res_id")
        )
        self.assertEqual(
            set(handles.mapped("message_id")),
            {ids["papierkorb"], ids["eigene"], ids["gesendet"], ids["offen"]},
        )

    def test_only_users_of_the_mailbox_may_ask(self):
        page = self.account.client_page("Sent")
        uid = page["messages"][0]["uid"]
        for user in (self.other, self.admin):
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_follow_up(
                    "Sent", page["uidvalidity"], uid, "2026-12-08"
                )
        with self.assertRaises(UserError):
            self.account.client_follow_up("Sent", page["uidvalidity"], uid, "nächste Woche")
        self.assertFalse(self.open_follow_ups())

    def test_a_deleted_mailbox_does_not_stop_the_others_follow_ups(self):
        # Maria waits for a reply in the group mailbox; Olga's own mailbox, with a reminder
        # of hers, is deleted (its handles go with it, in the database).
        other_id = "<angebot-4712@dynaoffice.test>"
        self.servers.dovecot.write_messages(
            self.shared_address,
            [("Sent", sent_message("Angebot 4712", other_id), set(), SENT_AT)],
        )
        shared = self.shared.with_user(self.member)
        page = shared.client_page("Sent")
        waiting = shared.client_follow_up(
            "Sent", page["uidvalidity"], page["messages"][0]["uid"], "2026-12-08"
        )
        self.remind()
        self.personal.with_user(self.owner).action_delete_account()
        self.servers.dovecot.write_messages(
            self.shared_address,
            [("INBOX", reply("In-Reply-To", other_id), set(), SENT_AT)],
        )
        self.check_replies()
        # Maria's reminder is done; Olga's, of mail Odoo forgot, no longer among hers.
        self.assertFalse(self.env["mail.activity"].browse(waiting["activity_id"]).exists())
        self.assertFalse(self.open_follow_ups())

    def test_a_message_id_the_server_cannot_search_for_gets_no_reminder(self):
        odd_id = "<angebot-4713@bücher.example>"
        raw = (
            "From: olga@dynaoffice.test\r\nTo: kunde@example.com\r\n"
            f"Subject: Angebot 4713\r\nMessage-ID: {odd_id}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nAnbei.\r\n"
        ).encode()
        self.servers.dovecot.write_messages(
            self.personal_address, [("Sent", raw, {"\\Seen"}, SENT_AT)]
        )
        page = self.account.client_page("Sent", search={"subject": "Angebot 4713"})
        uid = page["messages"][0]["uid"]
        with self.assertRaisesRegex(UserError, "cannot be followed up"):
            self.account.client_follow_up("Sent", page["uidvalidity"], uid, "2026-12-08")
        self.assertFalse(self.open_follow_ups())
        # A reminder on such a mail (made before this was refused) keeps the others going.
        handles = self.env["dynaoffice.mail.message"]._for_messages(
            self.account, [self.account._message_ref("Sent", page["uidvalidity"], uid)]
        )
        (odd,) = handles.values()
        odd.with_user(self.owner).activity_schedule(
            "dynaoffice_mail.dynaoffice_mail_activity_type_follow_up", user_id=self.owner.id
        )
        uidvalidity, uid = self.find_by_subject(self.account, "Angebot 4711", "Sent")
        self.account.client_follow_up("Sent", uidvalidity, uid, "2026-12-08")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", reply("In-Reply-To", SENT_ID), set(), SENT_AT)]
        )
        self.check_replies()
        self.assertEqual(self.open_follow_ups().mapped("res_id"), [odd.id])

    def search_only_where_mail_came(self):
        """Two reminders; a first run searches every folder where replies may be (the
        Inbox, Archive, "Kunden"), the later ones only those that got mail since."""
        waiting_id = "<angebot-4714@dynaoffice.test>"
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("Sent", sent_message("Angebot 4714", waiting_id), {"\\Seen"}, SENT_AT)],
        )
        self.remind_all({SENT_ID, waiting_id})
        self.account.client_create_folder("Kunden")
        self.check_replies()
        # A server rule files the reply into "Kunden", which the first run searched last
        # (and left selected: the server must not answer for it from that old view).
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("Kunden", reply("In-Reply-To", SENT_ID), set(), SENT_AT)],
        )
        with imap_commands() as commands:
            self.check_replies()
        handles = self.env["dynaoffice.mail.message"].browse(
            self.open_follow_ups().mapped("res_id")
        )
        self.assertEqual(handles.mapped("message_id"), [waiting_id])
        # Neither the Inbox nor the Archive got mail: only "Kunden" is searched.
        self.assertEqual(commands.count("SELECT"), 1, commands)
        with imap_commands() as commands:
            self.check_replies()
        # Nothing came since: no folder selected, none searched (on a big mailbox up to 30
        # of each, every five minutes, for every user waiting for a reply).
        self.assertFalse({"SELECT", "EXAMINE", "UID SEARCH"} & set(commands), commands)
        self.assertEqual(len(self.open_follow_ups()), 1)

    def test_a_run_searches_only_folders_that_got_mail(self):
        self.search_only_where_mail_came()

    def test_a_run_searches_only_folders_that_got_mail_without_list_status(self):
        # Servers without LIST-STATUS (RFC 5819): a STATUS for each folder instead.
        has_capability = imap.VettedIMAPClient.has_capability

        def without_list_status(client, capability):
            name = capability.decode() if isinstance(capability, bytes) else capability
            return name.upper() != "LIST-STATUS" and has_capability(client, capability)

        with patch.object(imap.VettedIMAPClient, "has_capability", without_list_status):
            self.search_only_where_mail_came()

    def test_a_reminder_made_after_a_run_finds_a_reply_filed_before(self):
        later_id = "<angebot-4715@dynaoffice.test>"
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("Sent", sent_message("Angebot 4715", later_id), {"\\Seen"}, SENT_AT)],
        )
        self.account.client_create_folder("Kunden")
        # Its reply was filed into "Kunden" before the reminder was made ...
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("Kunden", reply("In-Reply-To", later_id), {"\\Seen"}, SENT_AT)],
        )
        uidvalidity, uid = self.find_by_subject(self.account, "Angebot 4711", "Sent")
        self.account.client_follow_up("Sent", uidvalidity, uid, "2026-12-08")
        self.check_replies()
        # ... and the folder got no mail since the last run: it is searched all the same.
        uidvalidity, uid = self.find_by_subject(self.account, "Angebot 4715", "Sent")
        self.account.client_follow_up("Sent", uidvalidity, uid, "2026-12-08")
        self.check_replies()
        handles = self.env["dynaoffice.mail.message"].browse(
            self.open_follow_ups().mapped("res_id")
        )
        self.assertEqual(handles.mapped("message_id"), [SENT_ID])

    def test_a_mailbox_that_is_down_is_waited_for_once_per_run(self):
        # Olga and Maria both wait for a reply to mail of the group mailbox ...
        self.sales.users = [(4, self.owner.id)]
        group_id = "<angebot-4716@dynaoffice.test>"
        self.servers.dovecot.write_messages(
            self.shared_address,
            [("Sent", sent_message("Angebot 4716", group_id), {"\\Seen"}, SENT_AT)],
        )
        for user in (self.member, self.owner):
            shared = self.shared.with_user(user)
            page = shared.client_page("Sent")
            shared.client_follow_up(
                "Sent", page["uidvalidity"], page["messages"][0]["uid"], "2026-12-08"
            )
        # ... and Olga for one to her own mail, which has come.
        self.remind()
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", reply("In-Reply-To", SENT_ID), set(), SENT_AT)]
        )
        # The group mailbox's server stops answering: it takes the connection, then says
        # nothing more.
        down = FakeImapServer(self.servers.certificates)
        self.addCleanup(down.stop)
        down.faults = ["stall after greeting"] * 10
        self.env["ir.config_parameter"].sudo().set_param("dynaoffice_mail.timeout", "1")
        self.shared.sudo()._without_connection_test().write({"imap_port": down.port})
        self.check_replies()
        # Its timeout was waited out once, not once per user waiting in it (a team of ten
        # at 20 s each outlasts the cron's time limit, and the mailboxes after it are
        # never checked).
        self.assertEqual(down.connections, 1)
        # Olga's own reminder is done all the same; the group mailbox's wait for the next run.
        waiting = self.open_follow_ups()
        self.assertEqual(len(waiting), 2)
        handles = self.env["dynaoffice.mail.message"].browse(waiting.mapped("res_id"))
        self.assertEqual(set(handles.mapped("message_id")), {group_id})
