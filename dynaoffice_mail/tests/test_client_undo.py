"""Acting without fear: a move or delete tells where the messages went, so that "Undo" moves
them back with the same call; "select all in this folder" gets every matching UID. For the
owner only, as an attacker tries it over RPC."""

import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..services import limits
from .common import MailServerCase, RpcAttackCase, build_message

RECEIVED = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)


class UndoSetup:
    def fill(self):
        self.create_owned_accounts()
        inbox = [("INBOX", build_message(f"Nachricht {n}"), set(), RECEIVED) for n in range(1, 5)]
        inbox.append(("INBOX", build_message("Rechnung 4711"), {"\\Seen"}, RECEIVED))
        self.servers.dovecot.write_messages(self.personal_address, inbox)
        self.account = self.personal.with_user(self.owner)

    def page(self, folder="INBOX"):
        return self.account.client_page(folder, sort="subject", reverse=False)

    def message_ids(self, folder="INBOX"):
        return sorted(message["message_id"] for message in self.page(folder)["messages"])

    def counts(self):
        return {f["name"]: f["total"] for f in self.account.client_folders()}


@tagged("post_install", "-at_install")
class TestClientUndo(UndoSetup, MailServerCase):
    def setUp(self):
        super().setUp()
        self.fill()

    def test_move_returns_the_new_refs_and_undo_brings_the_messages_back(self):
        page = self.page()
        moving = page["messages"][:2]
        before = self.message_ids()
        refs = self.account.client_move(
            "INBOX", page["uidvalidity"], [m["uid"] for m in moving], "Archive"
        )
        archive = self.page("Archive")
        self.assertEqual(
            refs,
            [
                {
                    "account": self.personal.id,
                    "folder": "Archive",
                    "uidvalidity": archive["uidvalidity"],
                    "uid": message["uid"],
                }
                for message in archive["messages"]
            ],
        )
        self.assertEqual(self.counts()["INBOX"], 3)
        # Undo: the same call, from where they are now back to where they were.
        back = self.account.client_move(
            "Archive", refs[0]["uidvalidity"], [ref["uid"] for ref in refs], "INBOX"
        )
        self.assertEqual(len(back), 2)
        self.assertEqual(self.counts(), dict(self.counts(), INBOX=5, Archive=0))
        self.assertEqual(self.message_ids(), before, "the same messages are back")

    def test_delete_to_trash_is_undone_from_the_trash(self):
        page = self.page()
        deleted = page["messages"][0]
        refs = self.account.client_delete("INBOX", page["uidvalidity"], [deleted["uid"]])
        self.assertEqual([ref["folder"] for ref in refs], ["Trash"])
        self.assertEqual(self.message_ids("Trash"), [deleted["message_id"]])
        self.account.client_move("Trash", refs[0]["uidvalidity"], [refs[0]["uid"]], "INBOX")
        self.assertEqual(self.counts()["Trash"], 0)
        back = [m for m in self.page()["messages"] if m["message_id"] == deleted["message_id"]]
        self.assertEqual([m["subject"] for m in back], [deleted["subject"]])
        self.assertNotEqual(back[0]["uid"], deleted["uid"], "a new UID: that is IMAP")

    def test_final_deletes_return_nothing_to_undo(self):
        page = self.page()
        uids = [m["uid"] for m in page["messages"]]
        refs = self.account.client_delete("INBOX", page["uidvalidity"], uids[:1])
        trash = self.page("Trash")
        # Deleting inside the Trash removes for good.
        self.assertEqual(
            self.account.client_delete("Trash", trash["uidvalidity"], [refs[0]["uid"]]), []
        )
        self.personal.with_user(self.owner).write({"delete_mode": "expunge"})
        self.assertEqual(self.account.client_delete("INBOX", page["uidvalidity"], uids[1:2]), [])
        self.personal.with_user(self.owner).write({"delete_mode": "flag"})
        self.assertEqual(self.account.client_delete("INBOX", page["uidvalidity"], uids[2:3]), [])
        self.assertEqual(self.counts(), dict(self.counts(), INBOX=3, Trash=0))

    def test_undo_of_a_renumbered_folder_is_refused_clearly(self):
        page = self.page()
        refs = self.account.client_move(
            "INBOX", page["uidvalidity"], [page["messages"][0]["uid"]], "Archive"
        )
        with self.assertRaises(UserError) as caught:
            self.account.client_move(
                "Archive", refs[0]["uidvalidity"] + 1, [refs[0]["uid"]], "INBOX"
            )
        self.assertEqual(type(caught.exception).__name__, "FolderRenumberedError")
        self.assertIn("Reload the list", str(caught.exception))
        self.assertEqual(self.counts()["Archive"], 1)

    def test_actions_take_between_one_and_a_bounded_number_of_messages(self):
        page = self.page()
        uids = [m["uid"] for m in page["messages"]]
        for method, args in (
            ("client_move", ["Archive"]),
            ("client_delete", []),
            ("client_set_flag", ["seen", True]),
        ):
            with self.assertRaisesRegex(UserError, "no message named"):
                getattr(self.account, method)("INBOX", page["uidvalidity"], [], *args)
            with (
                patch.object(limits, "MAX_UIDS", 2),
                self.assertRaisesRegex(UserError, "between 1 and 2 messages"),
            ):
                getattr(self.account, method)("INBOX", page["uidvalidity"], uids, *args)
        self.assertEqual(self.counts()["INBOX"], 5)

    def test_a_list_of_a_million_uids_is_refused_before_it_is_read(self):
        # What a browser may send: one RPC naming a million messages. Refused by its count,
        # for every call that takes UIDs, before the worker spends seconds reading them.
        page = self.page()
        million = list(range(1, 1_000_001))
        for method, args in (
            ("client_move", ["Archive"]),
            ("client_delete", []),
            ("client_set_flag", ["seen", True]),
            ("client_assignments", []),
            ("client_message_handles", []),
        ):
            with self.assertRaisesRegex(UserError, "between 1 and 5000 messages"):
                getattr(self.account, method)("INBOX", page["uidvalidity"], million, *args)
        # The calls that only read the list's markers had no bound of their own.
        uids = [m["uid"] for m in page["messages"]]
        with (
            patch.object(limits, "MAX_UIDS", 2),
            self.assertRaisesRegex(UserError, "between 1 and 2 messages"),
        ):
            self.account.client_assignments("INBOX", page["uidvalidity"], uids)
        self.assertEqual(self.counts(), dict(self.counts(), INBOX=5, Archive=0, Trash=0))
        inbox = next(f for f in self.account.client_folders() if f["name"] == "INBOX")
        self.assertEqual(inbox["unread"], 4, "none was marked read")

    def test_all_matching_uids_with_and_without_a_search(self):
        page = self.page()
        every = self.account.client_matching_uids("INBOX")
        self.assertEqual(every["uidvalidity"], page["uidvalidity"])
        self.assertEqual(every["uids"], sorted(m["uid"] for m in page["messages"]))
        unread = self.account.client_matching_uids("INBOX", {"unseen": True})
        self.assertEqual(
            unread["uids"], sorted(m["uid"] for m in page["messages"] if not m["seen"])
        )
        invoice = self.account.client_matching_uids("INBOX", {"subject": "Rechnung"})
        self.assertEqual(len(invoice["uids"]), 1)
        with (
            patch.object(limits, "MAX_SELECTION", 3),
            self.assertRaisesRegex(UserError, "Narrow the search"),
        ):
            self.account.client_matching_uids("INBOX")

    def test_only_the_owner_lists_or_moves_back(self):
        page = self.page()
        uids = [m["uid"] for m in page["messages"]]
        for user in (self.other, self.member, self.admin):
            account = self.personal.with_user(user)
            with self.assertRaises(AccessError):
                account.client_matching_uids("INBOX")
            with self.assertRaises(AccessError):
                account.client_move("INBOX", page["uidvalidity"], uids, "Archive")
        self.assertEqual(self.counts()["INBOX"], 5)


@tagged("post_install", "-at_install")
class TestClientUndoOverRpc(UndoSetup, RpcAttackCase):
    def setUp(self):
        super().setUp()
        self.fill()

    def test_another_user_cannot_undo_or_list_over_rpc(self):
        page = self.page()
        refs = self.account.client_delete(
            "INBOX", page["uidvalidity"], [page["messages"][0]["uid"]]
        )
        model = "dynaoffice.mail.account"
        for user in (self.other, self.member, self.mail_admin):
            self.assert_forgery_refused(
                user,
                model,
                "client_move",
                [[self.personal.id], "Trash", refs[0]["uidvalidity"], [refs[0]["uid"]], "INBOX"],
                state=self.counts,
            )
            answer = self.rpc(user, model, "client_matching_uids", [[self.personal.id], "INBOX"])
            self.assertIn("error", answer)
            self.assertNotIn("uids", str(answer.get("result", "")))
        # The owner's own call goes through.
        answer = self.rpc(
            self.owner,
            model,
            "client_move",
            [[self.personal.id], "Trash", refs[0]["uidvalidity"], [refs[0]["uid"]], "INBOX"],
        )
        self.assertEqual(answer["result"][0]["folder"], "INBOX")
        self.assertEqual(self.counts(), dict(self.counts(), INBOX=5, Trash=0))
