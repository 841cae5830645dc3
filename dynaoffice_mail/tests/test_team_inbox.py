"""The team inbox of a group mailbox, end to end on Dovecot: assignee and status on the
handle, the keywords other mail programs see (and their restoration), the team's views,
archiving done mail, automation, and who may do what."""

import datetime
import secrets
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..roles.team import add_working_days
from ..services import imap
from ..services.team import assignee_keyword, sync_keywords
from .common import MailServerCase, RpcAttackCase, build_message, imap_settings
from .team_common import RECEIVED, TeamMailboxMixin

OPEN, WAITING, DONE = b"$Odoo-Open", b"$Odoo-Waiting", b"$Odoo-Done"
BEN = b"$Odoo-Assignee-mail_ben"
ANNA = b"$Odoo-Assignee-mail_member"


@tagged("post_install", "-at_install")
class TestTeamInbox(TeamMailboxMixin, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls.member  # Maria Member: the sales group's first member

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.as_anna = self.shared.with_user(self.anna)
        self.as_ben = self.shared.with_user(self.ben)

    # -- helpers ------------------------------------------------------------------------

    def deliver(self, subject, folder="INBOX", sender="kunde@example.com"):
        self.servers.dovecot.write_messages(
            self.shared_address, [(folder, build_message(subject, sender=sender), set(), RECEIVED)]
        )

    def find(self, subject, account=None, folder="INBOX"):
        page = (account or self.as_anna).client_page(folder, search={"subject": subject})
        self.assertEqual(len(page["messages"]), 1, subject)
        return page["uidvalidity"], page["messages"][0]["uid"]

    def flags(self, subject, folder="INBOX"):
        """The message's flags as a plain IMAP client reads them."""
        client = self.imap(self.shared_address, self.shared_password)
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search(["SUBJECT", subject])
            self.assertEqual(len(uids), 1, subject)
            return set(client.get_flags(uids)[uids[0]])
        finally:
            client.logout()

    def handle(self, subject):
        return self.env["dynaoffice.mail.message"].search([("subject", "=", subject)])

    def answer_activities(self, handle):
        kind = self.env.ref("dynaoffice_mail.mail_activity_type_answer_mail")
        return handle.activity_ids.filtered(lambda a: a.activity_type_id == kind)

    # -- assigning and status -----------------------------------------------------------

    def test_assigning_writes_the_record_the_keywords_and_the_assignees_activity(self):
        self.deliver("Angebot Fenster")
        uidvalidity, uid = self.find("Angebot Fenster")

        answer = self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)

        self.assertTrue(answer["keywords"])
        state = answer["states"][uid]
        self.assertEqual((state["status"], state["user_id"]), ("open", self.ben.id))
        self.assertEqual(state["user_name"], "Ben Becker")
        self.assertEqual(self.flags("Angebot Fenster") & {OPEN, BEN, ANNA}, {OPEN, BEN})
        handle = self.handle("Angebot Fenster")
        activity = self.answer_activities(handle)
        self.assertEqual(activity.user_id, self.ben)
        today = fields.Date.context_today(handle)
        self.assertEqual(activity.date_deadline, add_working_days(today, 1))
        # The states the list asks for, as Ben sees them.
        self.assertEqual(
            self.as_ben.client_team_states("INBOX", uidvalidity, [uid])[uid]["user_id"],
            self.ben.id,
        )

        # Anna takes it (her list shows it Ben's): his keyword and activity go, hers come.
        self.as_anna.client_team_take("INBOX", uidvalidity, [uid], {str(uid): self.ben.id})
        self.assertEqual(self.flags("Angebot Fenster") & {OPEN, BEN, ANNA}, {OPEN, ANNA})
        self.assertEqual(self.answer_activities(handle).user_id, self.anna)

    def test_two_members_taking_new_mail_at_once_the_second_is_told_who_has_it(self):
        self.deliver("Gleichzeitig")
        uidvalidity, uid = self.find("Gleichzeitig")
        self.as_anna.client_team_take("INBOX", uidvalidity, [uid])
        # Ben clicked "Take it" at the same moment: his request's view of the database is
        # from before Anna's commit, so it finds no handle of the mail and makes one too.
        Handle = type(self.env["dynaoffice.mail.message"])
        real_search = Handle.search

        def search_before_annas_commit(records, domain, *args, **kwargs):
            if records.env.cr is self.env.cr and ("uid", "in", [uid]) in domain:
                return records.browse()
            return real_search(records, domain, *args, **kwargs)

        with (
            patch.object(Handle, "search", search_before_annas_commit),
            self.assertRaisesRegex(UserError, "taken by Maria Member at the same moment"),
        ):
            self.as_ben.client_team_take("INBOX", uidvalidity, [uid])
        # Nothing of Ben's take was done: Anna has it, on the server and in her activities.
        self.env.invalidate_all()
        handle = self.handle("Gleichzeitig")
        self.assertEqual(handle.team_user_id, self.anna)
        self.assertEqual(self.answer_activities(handle).user_id, self.anna)
        self.assertEqual(self.flags("Gleichzeitig") & {OPEN, BEN, ANNA}, {OPEN, ANNA})

    def test_taking_mail_a_colleague_took_since_the_list_showed_it_is_refused(self):
        """Ben's list still shows the mail unassigned, Anna took it a moment ago: his "Take
        it" is refused with her name and she keeps it. Once his list shows it hers, he may
        take it over."""
        self.deliver("Schon vergeben")
        uidvalidity, uid = self.find("Schon vergeben")
        self.as_anna.client_team_take("INBOX", uidvalidity, [uid])

        for seen in ((), ({str(uid): False},)):
            with (
                self.subTest(seen=seen),
                self.assertRaisesRegex(UserError, "taken by Maria Member in the meantime"),
            ):
                self.as_ben.client_team_take("INBOX", uidvalidity, [uid], *seen)

        handle = self.handle("Schon vergeben")
        self.assertEqual(handle.team_user_id, self.anna)
        self.assertEqual(self.answer_activities(handle).user_id, self.anna)
        self.assertEqual(self.flags("Schon vergeben") & {BEN, ANNA}, {ANNA})
        self.as_ben.client_team_take("INBOX", uidvalidity, [uid], {str(uid): self.anna.id})
        self.assertEqual(handle.team_user_id, self.ben)
        self.assertEqual(self.flags("Schon vergeben") & {BEN, ANNA}, {BEN})
        # Taking it again, or mail nobody has, needs no word of what the list showed.
        self.as_ben.client_team_take("INBOX", uidvalidity, [uid])
        with self.assertRaises(UserError):
            self.as_ben.client_team_take("INBOX", uidvalidity, [uid], {str(uid): "Anna"})

    def test_several_messages_are_assigned_at_once(self):
        for subject in ("Eins", "Zwei", "Drei"):
            self.deliver(subject)
        page = self.as_anna.client_page("INBOX")
        uids = [row["uid"] for row in page["messages"]]

        answer = self.as_anna.client_team_assign("INBOX", page["uidvalidity"], uids, self.ben.id)

        self.assertEqual(sorted(answer["states"]), sorted(uids))
        for subject in ("Eins", "Zwei", "Drei"):
            self.assertIn(BEN, self.flags(subject))

    def test_waiting_then_done_moves_to_the_archive_and_ends_the_activity(self):
        self.shared.team_done_archive = True
        self.shared.team_archive_folder = "Erledigt"
        self.as_anna.client_create_folder("Erledigt")
        self.deliver("Reklamation")
        uidvalidity, uid = self.find("Reklamation")
        self.as_ben.client_team_take("INBOX", uidvalidity, [uid])

        self.as_ben.client_team_set_status("INBOX", uidvalidity, [uid], "waiting")
        self.assertEqual(self.flags("Reklamation") & {OPEN, WAITING, DONE}, {WAITING})
        answer = self.as_ben.client_team_set_status("INBOX", uidvalidity, [uid], "done")

        self.assertEqual(len(answer["moved"]), 1)
        self.assertEqual(answer["moved"][0]["folder"], "Erledigt")
        self.assertEqual(
            self.flags("Reklamation", "Erledigt") & {OPEN, WAITING, DONE, BEN}, {DONE, BEN}
        )
        handle = self.handle("Reklamation")
        self.assertEqual((handle.folder, handle.uid), ("Erledigt", answer["moved"][0]["uid"]))
        self.assertEqual(handle.team_status, "done")
        self.assertFalse(self.answer_activities(handle))

    def test_mail_opened_again_waits_in_the_assignees_activities_again(self):
        """Done by mistake, then opened again (or given back to its assignee): the mail
        waits in the assignee's activities until done, once."""
        self.deliver("Doch nicht erledigt")
        uidvalidity, uid = self.find("Doch nicht erledigt")
        self.as_ben.client_team_take("INBOX", uidvalidity, [uid])
        handle = self.handle("Doch nicht erledigt")
        self.as_ben.client_team_set_status("INBOX", uidvalidity, [uid], "done")
        self.assertFalse(self.answer_activities(handle))

        self.as_ben.client_team_set_status("INBOX", uidvalidity, [uid], "open")
        self.assertEqual(self.answer_activities(handle).user_id, self.ben)
        self.as_ben.client_team_set_status("INBOX", uidvalidity, [uid], "waiting")
        self.as_ben.client_team_set_status("INBOX", uidvalidity, [uid], "open")
        self.assertEqual(len(self.answer_activities(handle)), 1)

        self.as_ben.client_team_set_status("INBOX", uidvalidity, [uid], "done")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        self.assertEqual(handle.team_status, "open")
        self.assertEqual(self.answer_activities(handle).user_id, self.ben)
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        self.assertEqual(len(self.answer_activities(handle)), 1)

    def test_done_goes_to_the_servers_archive_folder_without_the_option(self):
        self.shared.team_done_archive = True
        archive = [
            f["name"] for f in self.as_anna.client_folders() if f["special_use"] == "\\Archive"
        ]
        self.assertEqual(len(archive), 1)
        self.deliver("Ins Archiv")
        uidvalidity, uid = self.find("Ins Archiv")

        answer = self.as_anna.client_team_set_status("INBOX", uidvalidity, [uid], "done")

        self.assertEqual(answer["moved"][0]["folder"], archive[0])
        self.assertIn(DONE, self.flags("Ins Archiv", archive[0]))
        self.assertEqual(self.handle("Ins Archiv").folder, archive[0])

    # -- keywords restored, handles following moves --------------------------------------

    def test_keywords_another_program_removed_are_restored_when_the_views_load(self):
        self.deliver("Wartung")
        uidvalidity, uid = self.find("Wartung")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        client = self.imap(self.shared_address, self.shared_password)
        try:
            client.select_folder("INBOX")
            client.remove_flags([uid], [OPEN, BEN])
            client.add_flags([uid], [b"$Odoo-Assignee-someone_else"])
        finally:
            client.logout()
        self.assertFalse({OPEN, BEN} & self.flags("Wartung"))

        counts = self.as_ben.client_team_counts()

        self.assertEqual(counts["mine"], 1)
        flags = self.flags("Wartung")
        self.assertLessEqual({OPEN, BEN}, flags)
        self.assertNotIn(b"$Odoo-Assignee-someone_else", flags)

    def test_the_state_follows_mail_another_program_moved(self):
        self.deliver("Umzug")
        uidvalidity, uid = self.find("Umzug")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.anna.id)
        self.as_anna.client_create_folder("Kunden")
        client = self.imap(self.shared_address, self.shared_password)
        try:
            client.select_folder("INBOX")
            client.remove_flags([uid], [OPEN, ANNA])
            client.move([uid], "Kunden")
        finally:
            client.logout()

        self.as_anna.client_team_counts()

        handle = self.handle("Umzug")
        self.assertEqual(handle.folder, "Kunden")
        self.assertEqual((handle.team_user_id, handle.team_status), (self.anna, "open"))
        self.assertLessEqual({OPEN, ANNA}, self.flags("Umzug", "Kunden"))

    # -- views ----------------------------------------------------------------------------

    def test_views_and_counts_search_the_keywords_on_the_server(self):
        for subject in ("Meins", "Bens", "Offen"):
            self.deliver(subject)
        validity, mine = self.find("Meins")
        _validity, bens = self.find("Bens")
        self.as_anna.client_team_take("INBOX", validity, [mine])
        self.as_anna.client_team_assign("INBOX", validity, [bens], self.ben.id)
        self.as_ben.client_team_set_status("INBOX", validity, [bens], "waiting")

        self.assertEqual(
            self.as_anna.client_team_counts(), {"mine": 1, "unassigned": 1, "waiting": 1}
        )
        self.assertEqual(self.as_ben.client_team_counts()["mine"], 1)

        def subjects(account, view):
            page = account.client_team_page(view)
            return [row["subject"] for row in page["messages"]]

        self.assertEqual(subjects(self.as_anna, "mine"), ["Meins"])
        self.assertEqual(subjects(self.as_anna, "unassigned"), ["Offen"])
        self.assertEqual(subjects(self.as_anna, "waiting"), ["Bens"])
        self.assertEqual(subjects(self.as_ben, "mine"), ["Bens"])
        # "Assigned to me" everywhere: from the records, per group mailbox.
        self.assertEqual(self.as_ben.client_team_mine(), {self.shared.id: 1})
        self.as_ben.client_team_set_status("INBOX", validity, [bens], "done")
        self.assertEqual(self.as_ben.client_team_counts()["mine"], 0)
        self.assertEqual(self.as_ben.client_team_mine(), {})

    def test_select_all_in_a_team_view_names_the_views_mail_not_the_whole_inbox(self):
        """ "Select all" in "Assigned to me" then "Delete" or "Mark as read" acts on the
        mail assigned to the user (matching the search), never on all of the Inbox."""
        for subject in ("Meins eins", "Meins zwei", "Nicht meins"):
            self.deliver(subject)
        validity, first = self.find("Meins eins")
        _validity, second = self.find("Meins zwei")
        _validity, other = self.find("Nicht meins")
        self.as_anna.client_team_take("INBOX", validity, [first, second])

        self.assertEqual(
            self.as_anna.client_team_matching_uids("mine"),
            {"uidvalidity": validity, "uids": sorted([first, second])},
        )
        narrowed = self.as_anna.client_team_matching_uids("mine", {"subject": "zwei"})
        self.assertEqual(narrowed["uids"], [second])
        self.assertEqual(self.as_anna.client_team_matching_uids("unassigned")["uids"], [other])
        self.assertEqual(self.as_ben.client_team_matching_uids("mine")["uids"], [])

    def test_assigned_to_me_in_all_mailboxes_is_a_search_of_every_folder(self):
        """`is:mine`, as "Assigned to me in all mailboxes" runs it: the user's keyword
        searched in every folder of every mailbox he may use, wherever the mail went."""
        self.deliver("Bleibt")
        self.deliver("Wandert")
        self.deliver("Fremd")
        validity, stays = self.find("Bleibt")
        _validity, moves = self.find("Wandert")
        _validity, other = self.find("Fremd")
        self.as_anna.client_team_assign("INBOX", validity, [stays, moves], self.ben.id)
        self.as_anna.client_team_take("INBOX", validity, [other])
        self.as_anna.client_create_folder("Ablage")
        self.as_ben.client_move("INBOX", validity, [moves], "Ablage")

        found = self.as_ben.client_search_everywhere("is:mine")

        where = {
            (result["account_id"], result["folder"], row["subject"])
            for result in found["results"]
            for row in result["messages"]
        }
        self.assertEqual(
            where,
            {(self.shared.id, "INBOX", "Bleibt"), (self.shared.id, "Ablage", "Wandert")},
        )
        self.assertEqual(found["errors"], [])
        # Anna's "mine" is hers; a waiting one is found by its status.
        self.as_ben.client_team_set_status("INBOX", validity, [stays], "waiting")
        waiting = self.as_anna.client_search_everywhere("ist:wartend", self.shared.id)
        self.assertEqual(
            [row["subject"] for result in waiting["results"] for row in result["messages"]],
            ["Bleibt"],
        )

    # -- rules ----------------------------------------------------------------------------

    def test_only_members_may_assign_change_or_read_the_state(self):
        self.deliver("Geheim")
        uidvalidity, uid = self.find("Geheim")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.anna.id)
        calls = [
            ("client_team_assign", ("INBOX", uidvalidity, [uid], self.other.id)),
            ("client_team_take", ("INBOX", uidvalidity, [uid])),
            ("client_team_set_status", ("INBOX", uidvalidity, [uid], "done")),
            ("client_team_states", ("INBOX", uidvalidity, [uid])),
            ("client_team_members", ()),
            ("client_team_counts", ()),
            ("client_team_page", ("mine",)),
            ("client_team_matching_uids", ("mine",)),
        ]
        # The non-member and the administrator who is not a member (admins may not use
        # others' mailboxes, as for connecting).
        for user in (self.other, self.admin):
            for method, args in calls:
                with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                    getattr(self.shared.with_user(user), method)(*args)
            self.assertFalse(
                self.env["dynaoffice.mail.message"]
                .with_user(user)
                .search([("subject", "=", "Geheim")])
            )
        handle = self.handle("Geheim")
        self.assertEqual((handle.team_user_id, handle.team_status), (self.anna, "open"))
        self.assertNotIn(b"$Odoo-Done", self.flags("Geheim"))

    def test_the_assignee_must_be_a_member(self):
        self.deliver("Nur Mitglieder")
        uidvalidity, uid = self.find("Nur Mitglieder")
        for forged in (self.other.id, self.admin.id, "1", True, 10**9):
            with self.subTest(forged=forged), self.assertRaises(UserError):
                self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], forged)
        with self.assertRaises(UserError):
            self.as_anna.client_team_set_status("INBOX", uidvalidity, [uid], "deleted")
        self.assertFalse(self.handle("Nur Mitglieder").team_user_id)

    def test_personal_mailboxes_have_no_team_inbox(self):
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", build_message("Privat"), set(), RECEIVED)]
        )
        personal = self.personal.with_user(self.owner)
        uidvalidity, uid = self.find("Privat", account=personal)
        with self.assertRaisesRegex(UserError, "only group mailboxes"):
            personal.client_team_take("INBOX", uidvalidity, [uid])
        with self.assertRaisesRegex(UserError, "only group mailboxes"):
            personal.client_team_counts()

    def test_a_former_member_loses_the_mail_and_the_access(self):
        self.deliver("Abschied")
        uidvalidity, uid = self.find("Abschied")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        handle = self.handle("Abschied")
        self.assertTrue(self.answer_activities(handle))

        self.sales.users = [(3, self.ben.id)]

        self.assertFalse(handle.team_user_id)
        self.assertEqual(handle.team_status, "open")
        self.assertFalse(self.answer_activities(handle))
        with self.assertRaises(AccessError):
            self.as_ben.client_team_take("INBOX", uidvalidity, [uid])
        # The keyword follows the record when the team's views next load.
        self.as_anna.client_team_counts()
        self.assertNotIn(BEN, self.flags("Abschied"))

    def test_mail_of_a_member_who_was_archived_goes_back_to_the_team(self):
        self.deliver("Urlaubsvertretung")
        uidvalidity, uid = self.find("Urlaubsvertretung")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        handle = self.handle("Urlaubsvertretung")
        # Ben leaves the company: his user is archived, his groups stay as they were.
        self.ben.action_archive()
        self.assertFalse(handle.team_user_id)
        self.assertFalse(self.answer_activities(handle))
        state = self.as_anna.client_team_states("INBOX", uidvalidity, [uid])[uid]
        self.assertEqual((state["status"], state["user_id"]), ("open", False))
        self.assertEqual(self.as_anna.client_team_counts()["unassigned"], 1)
        self.assertNotIn(BEN, self.flags("Urlaubsvertretung"))

    def test_a_former_responsible_keeps_no_activity_on_the_groups_mail(self):
        """Ben, the group's responsible, was told of mail open too long; once he has left
        the group his activities no longer name that mail (he could not open it, nor mark
        them done), while Anna, still a member, keeps hers."""
        self.shared.team_responsible_id = self.ben
        self.shared.team_escalate_hours = 1
        self.deliver("Lange offen")
        uidvalidity, uid = self.find("Lange offen")
        self.as_anna.client_team_take("INBOX", uidvalidity, [uid])
        handle = self.handle("Lange offen")
        later = handle.team_open_since + datetime.timedelta(hours=2)
        self.env["dynaoffice.mail.message"]._cron_team_escalate(now=later)

        def activities_of(user):
            found = self.env["mail.activity"].with_user(user).search_read([], ["res_name"])
            return [activity["res_name"] for activity in found]

        self.assertIn("Lange offen", activities_of(self.ben))

        self.sales.users = [(3, self.ben.id)]

        self.assertNotIn("Lange offen", activities_of(self.ben))
        self.assertIn("Lange offen", activities_of(self.anna))
        self.assertTrue(self.answer_activities(handle))

    def test_removing_the_group_from_the_user_unassigns_too(self):
        self.deliver("Wechsel")
        uidvalidity, uid = self.find("Wechsel")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        self.ben.groups_id = [(3, self.sales.id)]
        self.assertFalse(self.handle("Wechsel").team_user_id)

    def test_unticking_the_group_on_the_user_form_unassigns_too(self):
        """Odoo's user form sends a group as its checkbox (`in_group_<id>`) or its
        application's choice (`sel_groups_...`), never as groups_id."""
        self.deliver("Abteilungswechsel")
        uidvalidity, uid = self.find("Abteilungswechsel")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        handle = self.handle("Abteilungswechsel")

        self.ben.with_user(self.admin).write({f"in_group_{self.sales.id}": False})

        self.assertNotIn(self.sales, self.ben.groups_id)
        self.assertFalse(handle.team_user_id)
        self.assertFalse(self.answer_activities(handle))
        state = self.as_anna.client_team_states("INBOX", uidvalidity, [uid])[uid]
        self.assertEqual((state["status"], state["user_id"]), ("open", False))

    # -- automation -----------------------------------------------------------------------

    def test_round_robin_assigns_members_in_turn(self):
        for subject in ("RR eins", "RR zwei", "RR drei"):
            self.deliver(subject)
        page = self.as_anna.client_page("INBOX")
        uids = self.as_anna.client_message_handles(
            "INBOX", page["uidvalidity"], [row["uid"] for row in page["messages"]]
        )
        handles = (
            self.env["dynaoffice.mail.message"].with_user(self.anna).browse(sorted(uids.values()))
        )

        handles.action_team_assign_round_robin()

        members = (self.anna | self.ben).sorted("id")
        self.assertEqual(handles.mapped("team_user_id").ids, members.ids)
        self.assertEqual([h.team_user_id for h in handles], [members[0], members[1], members[0]])

    def test_salesperson_of_the_senders_company_gets_the_mail_when_a_member(self):
        Partner = self.env["res.partner"]
        address = f"einkauf-{secrets.token_hex(3)}@kunde.example"
        company = Partner.create({"name": "Kunde AG", "is_company": True, "user_id": self.ben.id})
        Partner.create({"name": "Einkauf", "email": address, "parent_id": company.id})
        outsider = f"chef-{secrets.token_hex(3)}@fremd.example"
        Partner.create({"name": "Fremd", "email": outsider, "user_id": self.other.id})
        self.deliver("Bestellung", sender=address)
        self.deliver("Fremde Anfrage", sender=outsider)
        page = self.as_anna.client_page("INBOX")
        uids = self.as_anna.client_message_handles(
            "INBOX", page["uidvalidity"], [row["uid"] for row in page["messages"]]
        )
        handles = (
            self.env["dynaoffice.mail.message"].with_user(self.anna).browse(list(uids.values()))
        )

        handles.action_team_assign_salesperson()

        self.assertEqual(self.handle("Bestellung").team_user_id, self.ben)
        self.assertFalse(self.handle("Fremde Anfrage").team_user_id)
        self.assertIn(BEN, self.flags("Bestellung"))

    def test_set_status_from_code_and_escalation_after_hours_open(self):
        self.shared.team_responsible_id = self.anna
        self.shared.team_escalate_hours = 4
        self.deliver("Eskalation")
        uidvalidity, uid = self.find("Eskalation")
        self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        handle = self.handle("Eskalation")
        opened = handle.team_open_since
        kind = self.env.ref("dynaoffice_mail.mail_activity_type_mail_open_too_long")

        def escalations():
            return handle.activity_ids.filtered(lambda a: a.activity_type_id == kind)

        Handle = self.env["dynaoffice.mail.message"]
        Handle._cron_team_escalate(now=opened + datetime.timedelta(hours=3))
        self.assertFalse(escalations())
        Handle._cron_team_escalate(now=opened + datetime.timedelta(hours=5))
        self.assertEqual(escalations().user_id, self.anna)
        Handle._cron_team_escalate(now=opened + datetime.timedelta(hours=9))
        self.assertEqual(len(escalations()), 1)

        handle.with_user(self.ben).team_set_status("waiting")
        self.assertEqual(handle.team_status, "waiting")
        self.assertIn(WAITING, self.flags("Eskalation"))

    def test_mail_another_program_deleted_is_refused_and_nothing_is_kept(self):
        self.deliver("Weg")
        uidvalidity, uid = self.find("Weg")
        client = self.imap(self.shared_address, self.shared_password)
        try:
            client.select_folder("INBOX")
            client.delete_messages([uid])
            client.expunge()
        finally:
            client.logout()
        with self.assertRaisesRegex(UserError, "already moved or deleted"):
            self.as_anna.client_team_assign("INBOX", uidvalidity, [uid], self.ben.id)
        self.assertFalse(self.handle("Weg"))

    def test_mail_with_notes_another_program_deleted_is_refused_and_nobody_waits_for_it(self):
        """The mail has a handle already (the team's notes on it); deleted by another mail
        program while Anna's list still shows it, taking it is refused: no assignee, no
        "Answer this mail" for mail nobody can open any more."""
        self.deliver("Notiert und weg")
        uidvalidity, uid = self.find("Notiert und weg")
        self.as_anna.client_notes("INBOX", uidvalidity, uid)
        handle = self.handle("Notiert und weg")
        self.assertTrue(handle)
        client = self.imap(self.shared_address, self.shared_password)
        try:
            client.select_folder("INBOX")
            client.delete_messages([uid])
            client.expunge()
        finally:
            client.logout()

        for call, args in (
            ("client_team_take", ()),
            ("client_team_assign", (self.ben.id,)),
            ("client_team_set_status", ("waiting",)),
        ):
            with self.subTest(call=call), self.assertRaisesRegex(UserError, "moved or deleted"):
                getattr(self.as_anna, call)("INBOX", uidvalidity, [uid], *args)
        self.assertFalse(handle.team_user_id)
        self.assertFalse(handle.team_status)
        self.assertFalse(self.answer_activities(handle))

    # -- keywords ---------------------------------------------------------------------------

    def test_a_server_that_keeps_no_keywords_leaves_the_state_in_odoo(self):
        self.deliver("Ohne Schlagwort")
        uidvalidity, uid = self.find("Ohne Schlagwort")
        settings = imap_settings(self.servers, self.shared_address, self.shared_password)
        client = imap.connect(settings)
        try:
            imap.select_checked(client, "INBOX", uidvalidity)
            # What a server without "\*" in PERMANENTFLAGS says at SELECT (Dovecot always
            # keeps keywords, so its answer is changed here).
            client.permanent_flags = (b"\\Seen", b"\\Flagged")
            result = sync_keywords(client, "INBOX", uidvalidity, {uid: {"$Odoo-Open"}})
        finally:
            imap.close_quietly(client)
        self.assertFalse(result.kept)
        self.assertNotIn(OPEN, self.flags("Ohne Schlagwort"))

    def test_assignee_keywords_are_atoms_and_tell_users_apart(self):
        self.assertEqual(
            assignee_keyword("anna.schaefer@firma.de", 7), "$Odoo-Assignee-anna.schaefer@firma.de"
        )
        self.assertEqual(assignee_keyword("jürgen weiß", 8), "$Odoo-Assignee-jurgen_wei-8")
        self.assertEqual(assignee_keyword('a"b(c)*%', 9), "$Odoo-Assignee-a_b_c___-9")
        self.assertNotEqual(assignee_keyword("a b", 1), assignee_keyword("a_b", 2))


@tagged("post_install", "-at_install")
class TestTeamInboxRpc(RpcAttackCase):
    """The team calls as an attacker makes them: JSON-RPC, logged in as a user who is no
    member of the sales group (a plain user, an Odoo administrator, a mail administrator, a
    portal user), and a member forging a write on the handle."""

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.servers.dovecot.write_messages(
            self.shared_address, [("INBOX", build_message("Angriff"), set(), RECEIVED)]
        )
        as_member = self.shared.with_user(self.member)
        page = as_member.client_page("INBOX")
        self.uidvalidity, self.uid = page["uidvalidity"], page["messages"][0]["uid"]
        as_member.client_team_take("INBOX", self.uidvalidity, [self.uid])
        self.handle = self.env["dynaoffice.mail.message"].search([("subject", "=", "Angriff")])

    def state(self):
        fields_ = ["team_user_id", "team_status", "folder", "uid", "activity_ids"]
        return self.handle.sudo().read(fields_), self.flags()

    def flags(self):
        client = self.imap(self.shared_address, self.shared_password)
        try:
            client.select_folder("INBOX", readonly=True)
            return sorted(client.get_flags([self.uid]).get(self.uid, ()))
        finally:
            client.logout()

    def test_non_members_cannot_assign_change_or_read_the_state(self):
        account = [self.shared.id]
        where = ["INBOX", self.uidvalidity, [self.uid]]
        calls = [
            ("client_team_assign", [account, *where, self.mail_admin.id]),
            ("client_team_take", [account, *where]),
            ("client_team_set_status", [account, *where, "done"]),
            ("client_team_states", [account, *where]),
        ]
        for user in (self.other, self.admin, self.mail_admin, self.portal):
            for method, args in calls:
                with self.subTest(user=user.login, method=method):
                    self.assert_forgery_refused(
                        user, "dynaoffice.mail.account", method, args, state=self.state
                    )

    def test_members_cannot_write_the_state_past_the_rules(self):
        forged = {"team_user_id": self.other.id, "team_status": "done", "team_escalated": True}
        self.assert_forgery_refused(
            self.member,
            "dynaoffice.mail.message",
            "write",
            [[self.handle.id], forged],
            state=self.state,
        )
        # Through the call: the assignee must be a member.
        self.assert_forgery_refused(
            self.member,
            "dynaoffice.mail.account",
            "client_team_assign",
            [[self.shared.id], "INBOX", self.uidvalidity, [self.uid], self.other.id],
            state=self.state,
            error="can only be assigned to members of its group",
        )

    def test_a_member_cannot_take_mail_a_colleague_has_by_what_the_list_showed(self):
        """Another member whose list shows the mail unassigned (or who says so) cannot take
        it from its assignee over JSON-RPC; garbage for what the list showed is refused."""
        self.sales.users += self.other
        where = [[self.shared.id], "INBOX", self.uidvalidity, [self.uid]]
        for seen in ([], [None], [{str(self.uid): False}], [{self.uid: 0}]):
            with self.subTest(seen=seen):
                self.assert_forgery_refused(
                    self.other,
                    "dynaoffice.mail.account",
                    "client_team_take",
                    where + seen,
                    state=self.state,
                    error="taken by Maria Member in the meantime",
                )
        for seen in ([str(self.uid)], {"x": self.member.id}, {str(self.uid): "Maria"}):
            with self.subTest(seen=seen):
                self.assert_forgery_refused(
                    self.other,
                    "dynaoffice.mail.account",
                    "client_team_take",
                    [*where, seen],
                    state=self.state,
                )

    def test_only_a_member_is_told_of_mail_open_too_long(self):
        """The responsible's activity "Mail open too long" names the mail (its subject): a
        mail administrator, who may change the group's account but never read its mail,
        cannot make himself responsible, and a responsible who left the group is told of
        no more mail."""
        for user in (self.mail_admin, self.admin):
            with self.subTest(user=user.login):
                self.assert_forgery_refused(
                    user,
                    "dynaoffice.mail.account",
                    "write",
                    [[self.shared.id], {"team_responsible_id": user.id}],
                    state=lambda: self.account_state(self.shared),
                    error="must be a member of its group",
                )
        self.sales.users += self.other
        self.shared.team_responsible_id = self.other
        self.sales.users -= self.other

        later = fields.Datetime.now() + datetime.timedelta(hours=48)
        self.env["dynaoffice.mail.message"]._cron_team_escalate(now=later)

        found = self.rpc(self.other, "mail.activity", "search_read", [[], ["res_name"]])
        self.assertNotIn("Angriff", str(found["result"]))
        kind = self.env.ref("dynaoffice_mail.mail_activity_type_mail_open_too_long")
        self.assertFalse(self.handle.activity_ids.filtered(lambda a: a.activity_type_id == kind))
