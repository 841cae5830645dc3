"""The client's calls on an account: live folder and message lists, for permitted users only."""

import datetime
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MailServerCase, RpcAttackCase, build_message


def _message(subject, day):
    return build_message(
        subject,
        sender="Jürgen Weiß <juergen@example.com>",
        date=datetime.datetime(2026, 3, day, 9, 0, tzinfo=datetime.timezone.utc),
        body=f"Text of {subject}\n",
    )


@tagged("post_install", "-at_install")
class TestClientRpc(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        received = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
        cls.servers.dovecot.write_messages(
            cls.personal_address,
            [
                ("INBOX", _message("Angebot Größe M", 3), set(), received),
                ("INBOX", _message("Rechnung März", 5), set(), received),
                ("INBOX", _message("Termin", 4), {"\\Seen"}, received),
                ("Archive", _message("Alt", 1), {"\\Seen"}, received),
            ],
        )

    def test_owner_sees_folders_with_counts(self):
        folders = self.personal.with_user(self.owner).client_folders()
        self.assertEqual(folders[0]["name"], "INBOX")
        inbox = folders[0]
        self.assertEqual((inbox["total"], inbox["unread"]), (3, 2))
        by_name = {folder["name"]: folder for folder in folders}
        self.assertEqual(by_name["Archive"]["special_use"], "\\Archive")
        self.assertEqual(by_name["Archive"]["total"], 1)
        json.dumps(folders)  # what the browser receives must be plain JSON

    def test_owner_pages_newest_first_and_searches(self):
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX", limit=2)
        json.dumps(page)
        self.assertEqual(page["total"], 3)
        self.assertEqual([m["subject"] for m in page["messages"]], ["Rechnung März", "Termin"])
        self.assertEqual(page["messages"][0]["from_"][0]["name"], "Jürgen Weiß")
        self.assertFalse(page["messages"][0]["seen"])
        second = account.client_page("INBOX", offset=2, limit=2)
        self.assertEqual([m["subject"] for m in second["messages"]], ["Angebot Größe M"])
        found = account.client_page("INBOX", search={"subject": "größe"})
        self.assertEqual([m["subject"] for m in found["messages"]], ["Angebot Größe M"])
        # Listing never marks anything as read.
        self.assertEqual(account.client_folders()[0]["unread"], 2)

    def test_nobody_else_reads_a_personal_mailbox(self):
        for user in (self.other, self.member, self.admin):
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_folders()
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_page("INBOX")

    def test_group_mailbox_for_members_only(self):
        self.assertTrue(self.shared.with_user(self.member).client_folders())
        for user in (self.other, self.owner, self.admin):
            with self.assertRaises(AccessError):
                self.shared.with_user(user).client_page("INBOX")

    def test_account_switcher_lists_usable_accounts(self):
        Account = self.env["dynaoffice.mail.account"]
        ids = {a["id"] for a in Account.with_user(self.owner).client_accounts()}
        self.assertEqual(ids & {self.personal.id, self.shared.id}, {self.personal.id})
        ids = {a["id"] for a in Account.with_user(self.member).client_accounts()}
        self.assertEqual(ids & {self.personal.id, self.shared.id}, {self.shared.id})
        # Administrators list every account, but can open none of other people's.
        ids = {a["id"] for a in Account.with_user(self.admin).client_accounts()}
        self.assertFalse(ids & {self.personal.id, self.shared.id})

    def test_server_errors_say_what_went_wrong(self):
        with self.assertRaises(UserError) as caught:
            self.personal.with_user(self.owner).client_page("No such folder")
        self.assertIn(self.personal.name, str(caught.exception))
        with self.assertRaises(UserError):
            self.personal.with_user(self.owner).client_page("INBOX\r\nA1 LOGOUT")


@tagged("post_install", "-at_install")
class TestClientRpcMalformed(RpcAttackCase):
    """What a browser can send that the client never does: a string for a number, a dict
    for a list or a name, None, a number past PostgreSQL's integers, a NUL. Each call is
    refused with a message (a UserError), not a server error, and changes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        received = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
        cls.servers.dovecot.write_messages(
            cls.personal_address,
            [("INBOX", _message("Angebot", 3), set(), received)],
        )

    def test_malformed_arguments_are_refused_with_a_message(self):
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX")
        uidvalidity, uid = page["uidvalidity"], page["messages"][0]["uid"]
        partner = self.owner.partner_id.id
        place = ["INBOX", uidvalidity, [uid]]
        calls = [
            ("client_page", ["INBOX", "date", True, "abc", 50]),
            ("client_page", ["INBOX", "date", True, 0, None]),
            ("client_page", ["INBOX", "date", True, 0, 50, "subject:x"]),
            ("client_conversations", ["INBOX", 0, {"a": 1}]),
            ("client_matching_uids", ["INBOX", ["x"]]),
            ("client_set_flag", [*place, {"seen": 1}, True]),
            ("client_move", [*place, None]),
            ("client_move", [*place, {"folder": "Archive"}]),
            ("client_mark_folder_read", [{"folder": "INBOX"}]),
            ("client_assignments", ["IN\x00BOX", uidvalidity, [uid]]),
            ("client_assign", [*place, ["res.partner"], partner]),
            ("client_assign", [*place, "res.partner", "abc"]),
            ("client_file_to_record", [*place, "res.partner", None]),
            ("client_file", [*place, {"res_model": "res.partner", "res_id": "x"}]),
            ("client_context_sections", ["abc"]),
            ("client_link_sender", ["INBOX", uidvalidity, uid, {"id": partner}]),
            ("client_search_partner_mail", [None]),
            ("client_search_records", [{"model": "res.partner"}, "a"]),
            ("client_search_records", ["res.partner", "a", "many"]),
            ("client_search_everywhere", ["angebot", "abc"]),
            ("client_suggest_recipients", [5]),
            ("client_suggest_recipients", ["a\x00b"]),
            ("client_reply_templates", ["\x00"]),
            ("client_render_template", [10**30]),
            ("client_unsnooze", [10**30]),
            ("client_save_draft", ["abc"]),
            ("client_send", [[{"to": "x@example.com"}]]),
            ("client_discard", [None]),
        ]
        # Calls on the model (not on an account) take no ids.
        on_model = {
            "client_context_sections",
            "client_search_partner_mail",
            "client_search_records",
            "client_search_everywhere",
            "client_suggest_recipients",
        }
        self.authenticate(self.owner.login, self.owner.login)
        for method, args in calls:
            with self.subTest(method=method, args=args):
                ids = [] if method in on_model else [[self.personal.id]]
                answer = json.loads(self.rpc_body("dynaoffice.mail.account", method, ids + args))
                self.assertIn("error", answer)
                self.assertIn(
                    answer["error"]["data"]["name"],
                    (
                        "odoo.exceptions.UserError",
                        "odoo.addons.dynaoffice_mail.roles.query.SearchQueryError",
                    ),
                    answer["error"]["data"]["message"],
                )
        # Nothing was moved, marked or filed.
        self.env.invalidate_all()
        inbox = account.client_page("INBOX")
        self.assertEqual([m["uid"] for m in inbox["messages"]], [uid])
        self.assertFalse(inbox["messages"][0]["seen"])
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "res.partner"), ("res_id", "=", partner)]
            )
        )
