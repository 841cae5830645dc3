"""Snooze: a mail leaves its folder for "Snoozed" (with a keyword other programs see) and
comes back unread when its time has come, by the cron, on a controlled clock; for group
mailboxes every member sees it; as an attacker tries it over RPC."""

import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..services import snoozing
from ..services.snoozing import SNOOZED_FOLDER, SNOOZED_KEYWORD
from .common import MailServerCase, RpcAttackCase, build_message, imap_commands
from .fake_servers import FakeImapServer

RECEIVED = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
UNTIL = datetime.datetime(2026, 12, 7, 7, 0)  # naive UTC, as Odoo keeps it


class SnoozeSetup:
    def fill(self):
        self.create_owned_accounts()
        for address in (self.personal_address, self.shared_address):
            self.servers.dovecot.write_messages(
                address,
                [
                    ("INBOX", build_message("Angebot Müller"), {"\\Seen"}, RECEIVED),
                    ("INBOX", build_message("Rechnung 4711"), {"\\Seen"}, RECEIVED),
                ],
            )
        self.account = self.personal.with_user(self.owner)

    def subjects(self, account, folder="INBOX"):
        page = account.client_page(folder, sort="subject", reverse=False)
        return [message["subject"] for message in page["messages"]]

    def snooze(self, account, subject, until=UNTIL, folder="INBOX"):
        page = account.client_page(folder)
        uid = next(m["uid"] for m in page["messages"] if m["subject"] == subject)
        return account.client_snooze(folder, page["uidvalidity"], [uid], until.isoformat())

    def wake_at(self, moment):
        with freeze_time(moment, tick=True):
            self.env["dynaoffice.mail.snooze"]._cron_wake()
        self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestSnooze(SnoozeSetup, MailServerCase):
    def setUp(self):
        super().setUp()
        self.fill()

    def server_view(self, address, password, folder):
        """{subject: flags} of a folder as another mail program sees it."""
        return {
            message["Subject"]: flags
            for message, flags in self.fetch_all(address, password, folder)
        }

    def test_snoozed_mail_waits_in_snoozed_and_comes_back_unread_at_its_time(self):
        snoozed = self.snooze(self.account, "Angebot Müller")
        self.assertEqual(
            [(s["subject"], s["folder"], s["until"]) for s in snoozed],
            [("Angebot Müller", "INBOX", "2026-12-07 07:00:00")],
        )
        self.assertEqual(self.subjects(self.account), ["Rechnung 4711"])
        waiting = self.server_view(self.personal_address, self.personal_password, SNOOZED_FOLDER)
        self.assertIn(SNOOZED_KEYWORD, waiting["Angebot Müller"])
        self.assertEqual(self.account.client_snoozed(), snoozed)

        self.wake_at(UNTIL - datetime.timedelta(minutes=1))
        self.assertEqual(self.subjects(self.account), ["Rechnung 4711"])

        self.wake_at(UNTIL + datetime.timedelta(minutes=1))
        inbox = self.account.client_page("INBOX", sort="arrival")
        self.assertEqual(
            [(m["subject"], m["seen"]) for m in inbox["messages"]],
            [("Angebot Müller", False), ("Rechnung 4711", True)],  # newest arrival first
        )
        back = self.server_view(self.personal_address, self.personal_password, "INBOX")
        self.assertNotIn(SNOOZED_KEYWORD, back["Angebot Müller"])
        self.assertEqual(self.subjects(self.account, SNOOZED_FOLDER), [])
        self.assertEqual(self.account.client_snoozed(), [])

    def test_unsnooze_now_brings_it_back_at_once(self):
        snoozed = self.snooze(self.account, "Rechnung 4711")
        back = self.account.client_unsnooze(snoozed[0]["id"])
        self.assertEqual(back["folder"], "INBOX")
        self.assertEqual(self.subjects(self.account), ["Angebot Müller", "Rechnung 4711"])
        self.assertEqual(self.account.client_snoozed(), [])
        for stale in (snoozed[0]["id"], "1 OR 1=1", None, True):
            with self.assertRaises(UserError):
                self.account.client_unsnooze(stale)

    def test_mail_moved_away_from_snoozed_is_dropped_quietly(self):
        self.snooze(self.account, "Angebot Müller")
        other_program = self.imap(self.personal_address, self.personal_password)
        try:
            other_program.select_folder(SNOOZED_FOLDER)
            other_program.move(other_program.search(), "Archive")
        finally:
            other_program.logout()
        self.wake_at(UNTIL + datetime.timedelta(minutes=1))  # no error for anyone
        self.assertEqual(self.account.client_snoozed(), [])
        self.assertEqual(self.subjects(self.account), ["Rechnung 4711"])
        self.assertEqual(self.subjects(self.account, "Archive"), ["Angebot Müller"])

    def test_unsnooze_now_of_a_mail_moved_away_says_it_was_not_brought_back(self):
        self.snooze(self.account, "Angebot Müller")
        self.snooze(self.account, "Rechnung 4711")
        other_program = self.imap(self.personal_address, self.personal_password)
        try:
            other_program.select_folder(SNOOZED_FOLDER)
            other_program.move(other_program.search(["SUBJECT", "Angebot"]), "Archive")
        finally:
            other_program.logout()
        snoozes = self.env["dynaoffice.mail.snooze"].with_user(self.owner).search([])
        action = snoozes.action_unsnooze()  # "Unsnooze now" of "E-Mail / Snoozed"
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("“Angebot Müller”", action["params"]["message"])
        self.assertNotIn("Rechnung", action["params"]["message"])
        self.assertEqual(self.subjects(self.account), ["Rechnung 4711"])
        self.assertEqual(self.subjects(self.account, "Archive"), ["Angebot Müller"])
        self.assertEqual(self.account.client_snoozed(), [])

    def test_snoozing_again_after_taking_it_out_by_hand_keeps_the_new_time(self):
        self.snooze(self.account, "Angebot Müller")
        # On the phone, the mail is taken back out of "Snoozed" and read at once ...
        other_program = self.imap(self.personal_address, self.personal_password)
        try:
            other_program.select_folder(SNOOZED_FOLDER)
            other_program.move(other_program.search(), "INBOX")
        finally:
            other_program.logout()
        # ... and snoozed again in Odoo, until next week.
        later = UNTIL + datetime.timedelta(days=7)
        again = self.snooze(self.account, "Angebot Müller", until=later)
        self.assertEqual(self.account.client_snoozed(), again, "one snooze, the new one")
        self.wake_at(UNTIL + datetime.timedelta(minutes=1))
        self.assertEqual(self.subjects(self.account), ["Rechnung 4711"], "not back yet")
        self.assertEqual(self.subjects(self.account, SNOOZED_FOLDER), ["Angebot Müller"])
        self.wake_at(later + datetime.timedelta(minutes=1))
        self.assertEqual(self.subjects(self.account), ["Angebot Müller", "Rechnung 4711"])
        self.assertEqual(self.account.client_snoozed(), [])

    def test_snoozing_many_again_asks_the_server_once_not_once_each(self):
        subjects = [f"Anfrage {number:02}" for number in range(60)]
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", build_message(subject), {"\\Seen"}, RECEIVED) for subject in subjects],
        )

        def uids_by_subject(folder):
            other_program = self.imap(self.personal_address, self.personal_password)
            try:
                uidvalidity = other_program.select_folder(folder)[b"UIDVALIDITY"]
                fetched = other_program.fetch(other_program.search(), ["ENVELOPE"])
            finally:
                other_program.logout()
            return uidvalidity, {
                data[b"ENVELOPE"].subject.decode(): uid for uid, data in fetched.items()
            }

        uidvalidity, inbox = uids_by_subject("INBOX")
        self.account.client_snooze(
            "INBOX", uidvalidity, [inbox[subject] for subject in subjects], UNTIL.isoformat()
        )
        # On the phone, half are taken back out of "Snoozed", half copied back (a copy of
        # each still waits there) ...
        _uidvalidity, waiting = uids_by_subject(SNOOZED_FOLDER)
        other_program = self.imap(self.personal_address, self.personal_password)
        try:
            other_program.select_folder(SNOOZED_FOLDER)
            other_program.move([waiting[subject] for subject in subjects[:30]], "INBOX")
            other_program.copy([waiting[subject] for subject in subjects[30:]], "INBOX")
        finally:
            other_program.logout()
        # ... and all snoozed again in Odoo, until next week.
        later = UNTIL + datetime.timedelta(days=7)
        uidvalidity, inbox = uids_by_subject("INBOX")
        with imap_commands() as commands:
            self.account.client_snooze(
                "INBOX", uidvalidity, [inbox[subject] for subject in subjects], later.isoformat()
            )
        # A few commands, not a SEARCH per message (60 round trips on a slow server).
        self.assertLessEqual(commands.count("UID SEARCH"), 2, commands)
        times = {}
        for snooze in self.account.client_snoozed():
            times.setdefault(snooze["subject"], []).append(snooze["until"])
        # What was taken out has the new time only; what still waits keeps its own too.
        self.assertEqual(
            times,
            {subject: ["2026-12-14 07:00:00"] for subject in subjects[:30]}
            | {
                subject: ["2026-12-07 07:00:00", "2026-12-14 07:00:00"] for subject in subjects[30:]
            },
        )

    def test_snoozing_several_while_one_goes_elsewhere_snoozes_the_others_for_good(self):
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        uids = [message["uid"] for message in page["messages"]]  # Angebot, Rechnung
        real_move = snoozing.actions.move
        calls = []

        def move_after_another_program(*args, **kwargs):
            calls.append(args)
            if len(calls) > 1:
                return real_move(*args, **kwargs)
            # Between the list and the snooze, another mail program deletes "Rechnung 4711".
            other_program = self.imap(self.personal_address, self.personal_password)
            try:
                other_program.select_folder("INBOX")
                other_program.delete_messages(other_program.search(["SUBJECT", "Rechnung"]))
                other_program.expunge()
            finally:
                other_program.logout()
            return real_move(*args, **kwargs)

        with patch.object(snoozing.actions, "move", side_effect=move_after_another_program):
            snoozed = self.account.client_snooze(
                "INBOX", page["uidvalidity"], uids, UNTIL.isoformat()
            )
        # What moved is snoozed, with the record that brings it back; nothing is lost.
        self.assertEqual([s["subject"] for s in snoozed], ["Angebot Müller"])
        self.assertEqual(self.account.client_snoozed(), snoozed)
        self.assertEqual(list(self.subjects(self.account, SNOOZED_FOLDER)), ["Angebot Müller"])
        self.wake_at(UNTIL + datetime.timedelta(minutes=1))
        self.assertEqual(self.subjects(self.account), ["Angebot Müller"])
        self.assertEqual(self.subjects(self.account, SNOOZED_FOLDER), [])

    def test_mail_comes_back_to_its_own_folder(self):
        page = self.account.client_page("INBOX")
        self.account.client_move(
            "INBOX", page["uidvalidity"], [page["messages"][0]["uid"]], "Archive"
        )
        moved = self.subjects(self.account, "Archive")
        self.snooze(self.account, moved[0], folder="Archive")
        self.assertEqual(self.subjects(self.account, "Archive"), [])
        self.wake_at(UNTIL + datetime.timedelta(hours=1))
        self.assertEqual(self.subjects(self.account, "Archive"), moved)

    def test_mail_comes_back_to_its_folder_renamed_meanwhile_in_the_client(self):
        """Renaming the folder (or the one above it) while mail from it is snoozed: the mail
        comes back to the folder as it is called now, not to the Inbox."""
        self.account.client_create_folder("Projekte")
        self.account.client_create_folder("Projekte/Angebote")
        page = self.account.client_page("INBOX")
        uid = next(m["uid"] for m in page["messages"] if m["subject"] == "Angebot Müller")
        self.account.client_move("INBOX", page["uidvalidity"], [uid], "Projekte/Angebote")
        self.snooze(self.account, "Angebot Müller", folder="Projekte/Angebote")
        self.account.client_rename_folder("Projekte", "Kunden")
        self.wake_at(UNTIL + datetime.timedelta(hours=1))
        self.assertEqual(self.subjects(self.account, "Kunden/Angebote"), ["Angebot Müller"])
        self.assertEqual(self.subjects(self.account), ["Rechnung 4711"])

    def test_snoozed_is_not_renamed_or_deleted_while_mail_waits_there(self):
        """Renaming "Snoozed" in the client left its mail there for good (the snooze found
        it gone at its time and was dropped); deleting it deleted mail that was to come
        back. Both are refused while mail waits; once it is back, the folder is the user's."""
        self.snooze(self.account, "Angebot Müller")
        for call in (
            lambda: self.account.client_rename_folder(SNOOZED_FOLDER, "Später"),
            lambda: self.account.client_delete_folder(SNOOZED_FOLDER),
        ):
            with self.assertRaises(UserError) as caught:
                call()
            self.assertIn("holds snoozed mail", str(caught.exception))
        self.assertEqual(self.subjects(self.account, SNOOZED_FOLDER), ["Angebot Müller"])
        self.wake_at(UNTIL + datetime.timedelta(hours=1))
        self.assertEqual(self.subjects(self.account), ["Angebot Müller", "Rechnung 4711"])
        self.account.client_delete_folder(SNOOZED_FOLDER)
        names = {folder["name"] for folder in self.account.client_folders()}
        self.assertNotIn(SNOOZED_FOLDER, names)

    def test_group_mailbox_snoozes_for_every_member(self):
        self.sales.users = [(4, self.other.id)]
        shared = self.shared.with_user(self.member)
        snoozed = self.snooze(shared, "Angebot Müller")
        self.assertEqual(snoozed[0]["user"], "Maria Member")
        colleague = self.shared.with_user(self.other)
        self.assertEqual([s["subject"] for s in colleague.client_snoozed()], ["Angebot Müller"])
        # Maria leaves the group: the mail still comes back, brought by a member.
        self.sales.users = [(3, self.member.id)]
        self.wake_at(UNTIL + datetime.timedelta(minutes=1))
        self.assertEqual(self.subjects(colleague), ["Angebot Müller", "Rechnung 4711"])

    def test_a_message_id_the_server_cannot_search_for_is_refused_before_anything_moves(self):
        # Written by programs that keep no standard: a blank in it, or 8-bit text (EAI).
        for message_id in ("<zürich 1@example.com>", "<zürich-2@bücher.example>"):
            raw = (
                "From: kunde@example.com\r\nTo: team@example.com\r\n"
                f"Subject: Seltsame ID\r\nMessage-ID: {message_id}\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n"
            ).encode()
            self.servers.dovecot.write_messages(
                self.personal_address, [("INBOX", raw, set(), RECEIVED)]
            )
            with self.assertRaisesRegex(UserError, "cannot be snoozed"):
                self.snooze(self.account, "Seltsame ID")
            # It stays where it is, not in "Snoozed" for good with nothing to bring it back.
            self.assertIn("Seltsame ID", self.subjects(self.account))
            page = self.account.client_page("INBOX", search={"subject": "Seltsame ID"})
            self.account.client_delete("INBOX", page["uidvalidity"], [page["messages"][0]["uid"]])
        self.assertEqual(self.account.client_snoozed(), [])

    def test_mail_snoozed_by_a_deleted_user_still_comes_back(self):
        self.sales.users = [(4, self.other.id)]
        self.snooze(self.shared.with_user(self.member), "Angebot Müller")
        # Maria's user is deleted (not archived): the snooze is the group mailbox's still.
        self.member.unlink()
        colleague = self.shared.with_user(self.other)
        self.assertEqual([s["subject"] for s in colleague.client_snoozed()], ["Angebot Müller"])
        self.wake_at(UNTIL + datetime.timedelta(minutes=1))
        self.assertEqual(self.subjects(colleague), ["Angebot Müller", "Rechnung 4711"])
        self.assertEqual(colleague.client_snoozed(), [])

    def test_a_mailbox_that_is_down_is_waited_for_once_per_run_not_once_per_mail(self):
        # Olga snoozed two mails of hers, Maria one of the group mailbox, all until 7:00.
        self.snooze(self.account, "Angebot Müller")
        self.snooze(self.account, "Rechnung 4711")
        shared = self.shared.with_user(self.member)
        self.snooze(shared, "Rechnung 4711")
        # Olga's server stops answering: it takes the connection, then says nothing more.
        down = FakeImapServer(self.servers.certificates)
        self.addCleanup(down.stop)
        down.faults = ["stall after greeting"] * 10
        self.env["ir.config_parameter"].sudo().set_param("dynaoffice_mail.timeout", "1")
        self.personal.sudo()._without_connection_test().write({"imap_port": down.port})
        self.wake_at(UNTIL + datetime.timedelta(minutes=1))
        # Its timeout was waited out once, not once per mail: ten snoozed mails at 20 s each
        # outlast the cron's time limit, run after run, and the mail after them (the group
        # mailbox's) would never come back.
        self.assertEqual(down.connections, 1)
        self.assertEqual(self.subjects(shared), ["Angebot Müller", "Rechnung 4711"])
        # Olga's mail stays snoozed, to come back at a run when her server answers.
        waiting = self.env["dynaoffice.mail.snooze"].search([("account_id", "=", self.personal.id)])
        self.assertEqual(sorted(waiting.mapped("subject")), ["Angebot Müller", "Rechnung 4711"])

    def test_nonsense_times_are_refused(self):
        page = self.account.client_page("INBOX")
        uid = page["messages"][0]["uid"]
        for until in ("morgen", "", "2026-13-40T25:00:00"):
            with self.assertRaises(UserError):
                self.account.client_snooze("INBOX", page["uidvalidity"], [uid], until)
        self.assertEqual(len(self.subjects(self.account)), 2)

    def test_a_moment_with_its_offset_is_that_moment(self):
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        uids = [message["uid"] for message in page["messages"]]
        # 8:00 in Berlin (CET) is 7:00 UTC, however it is written.
        snoozed = self.account.client_snooze(
            "INBOX", page["uidvalidity"], uids[:1], "2026-12-07T08:00:00+01:00"
        )
        self.assertEqual(snoozed[0]["until"], "2026-12-07 07:00:00")
        snoozed = self.account.client_snooze(
            "INBOX", page["uidvalidity"], uids[1:], "2026-12-07T07:00:00.000Z"
        )
        self.assertEqual(snoozed[0]["until"], "2026-12-07 07:00:00")
        # A moment that is no moment in UTC is refused as any nonsense is.
        self.account.client_unsnooze(snoozed[0]["id"])
        page = self.account.client_page("INBOX", search={"subject": "Rechnung 4711"})
        uid = page["messages"][0]["uid"]
        for until in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"):
            with self.assertRaises(UserError):
                self.account.client_snooze("INBOX", page["uidvalidity"], [uid], until)
        self.assertEqual(self.subjects(self.account), ["Rechnung 4711"])

    def test_others_cannot_snooze_or_read_snoozes(self):
        self.snooze(self.account, "Angebot Müller")
        with self.assertRaises(AccessError):
            self.personal.with_user(self.other).client_snoozed()
        self.assertFalse(self.env["dynaoffice.mail.snooze"].with_user(self.other).search([]))
        # Not even an administrator sees what a personal mailbox holds.
        self.assertFalse(self.env["dynaoffice.mail.snooze"].with_user(self.admin).search([]))


@tagged("post_install", "-at_install")
class TestSnoozeRpc(SnoozeSetup, RpcAttackCase):
    def setUp(self):
        super().setUp()
        self.fill()

    def test_member_and_non_member_over_rpc(self):
        shared = self.shared.with_user(self.member)
        snoozed = self.snooze(shared, "Angebot Müller")
        snooze_id = snoozed[0]["id"]
        Snooze = self.env["dynaoffice.mail.snooze"]

        def state():
            return Snooze.browse(snooze_id).exists().read(["until", "folder"])

        answer = self.rpc(
            self.member, "dynaoffice.mail.account", "client_snoozed", [[self.shared.id]]
        )
        self.assertEqual([s["id"] for s in answer["result"]], [snooze_id])
        for user in (self.other, self.mail_admin):
            self.assert_forgery_refused(
                user, "dynaoffice.mail.account", "client_snoozed", [[self.shared.id]], state=state
            )
            self.assert_forgery_refused(
                user,
                "dynaoffice.mail.account",
                "client_unsnooze",
                [[self.shared.id], snooze_id],
                state=state,
            )
            # Through another mailbox of one's own: the snooze is not that mailbox's.
            self.assert_forgery_refused(
                user,
                "dynaoffice.mail.account",
                "client_unsnooze",
                [[self.personal.id], snooze_id],
                state=state,
            )
            found = self.rpc(
                user, "dynaoffice.mail.snooze", "search_read", [[]], {"fields": ["subject"]}
            )
            self.assertEqual(found.get("result", []), [])
            self.assert_forgery_refused(
                user,
                "dynaoffice.mail.snooze",
                "write",
                [[snooze_id], {"until": "2030-01-01 00:00:00"}],
                state=state,
            )
            self.assert_forgery_refused(
                user, "dynaoffice.mail.snooze", "unlink", [[snooze_id]], state=state
            )
        # The member may not change it either, except through the client's calls.
        self.assert_forgery_refused(
            self.member,
            "dynaoffice.mail.snooze",
            "write",
            [[snooze_id], {"until": "2030-01-01 00:00:00"}],
            state=state,
        )
