"""The list as conversations (#16) against Dovecot: grouped by the server's THREAD=REFERENCES
and, with the server's THREAD switched off, by the headers; paged by conversation, with the
user's answers from Sent; actions on a whole conversation; for permitted users only."""

import datetime
import json
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..services import threads
from .common import MailServerCase, RpcAttackCase, build_message

DAY = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.timezone.utc)


def _mail(subject, name, day, *, sender="Kunde <kunde@example.com>", refs=(), reply_to=None):
    """A message whose Message-ID is <name@example.com>, answering `refs` (References)
    and `reply_to` (In-Reply-To)."""
    raw = build_message(
        subject, sender=sender, date=DAY + datetime.timedelta(days=day), body=f"Text of {name}\n"
    )
    head, body = raw.split(b"\n\n", 1)
    lines = [line for line in head.split(b"\n") if not line.startswith(b"Message-ID:")]
    lines.append(f"Message-ID: <{name}@example.com>".encode())
    if refs:
        lines.append(b"References: " + b" ".join(f"<{ref}@example.com>".encode() for ref in refs))
    if reply_to:
        lines.append(f"In-Reply-To: <{reply_to}@example.com>".encode())
    return b"\n".join(lines) + b"\n\n" + body


def _write(servers, address, mails):
    """Drop `mails` [(folder, raw, flags)] in this order: each arrives a minute after the
    one before, so that UIDs follow the list."""
    servers.dovecot.write_messages(
        address,
        [
            (folder, raw, flags, DAY + datetime.timedelta(minutes=index))
            for index, (folder, raw, flags) in enumerate(mails)
        ],
    )


ME = "Olga Owner <olga@example.com>"
# UIDs in INBOX: a1=1, b1=2, d1=3, a3=4, c1=5, d2=6.
MAILS = [
    ("INBOX", _mail("Angebot", "a1", 1), {"\\Seen"}),
    ("INBOX", _mail("Rechnung", "b1", 2, sender="Buchhaltung <rb@example.org>"), set()),
    ("INBOX", _mail("Protokoll", "d1", 3, sender="Team <team@example.com>"), {"\\Seen"}),
    ("Sent", _mail("Re: Angebot", "a2", 3, sender=ME, refs=["a1"], reply_to="a1"), {"\\Seen"}),
    ("Sent", _mail("Anderes", "x1", 3, sender=ME), {"\\Seen"}),
    ("INBOX", _mail("AW: Angebot", "a3", 4, refs=["a1", "a2"], reply_to="a2"), set()),
    ("INBOX", _mail("Termin", "c1", 5, sender="Chef <chef@example.com>"), {"\\Seen"}),
    # An answer whose program dropped References and In-Reply-To: joined by its subject.
    ("INBOX", _mail("Re: Protokoll", "d2", 6, sender="Team <team@example.com>"), set()),
]


@tagged("post_install", "-at_install")
class TestClientThreads(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        _write(cls.servers, cls.personal_address, MAILS)

    def setUp(self):
        super().setUp()
        threads.forget_structures()

    def _page(self, **kwargs):
        page = self.personal.with_user(self.owner).client_conversations("INBOX", **kwargs)
        json.dumps(page)  # what the browser receives must be plain JSON
        return page

    def _check_grouping(self, page, threaded_by):
        self.assertEqual(page["threaded_by"], threaded_by)
        self.assertEqual(page["total"], 4)
        self.assertEqual(
            [conversation["uids"] for conversation in page["conversations"]],
            [[3, 6], [5], [1, 4], [2]],
            "newest conversation first, each one's messages in the order they arrived",
        )

    def test_server_threads_group_and_describe_conversations(self):
        page = self._page()
        self._check_grouping(page, "server")
        protocol, termin, angebot, rechnung = page["conversations"]
        self.assertEqual((protocol["count"], protocol["unread"]), (2, 1))
        self.assertEqual(protocol["subject"], "Re: Protokoll")
        self.assertEqual((termin["count"], termin["unread"]), (1, 0))
        # The answer from Sent belongs to the conversation: three messages, two here.
        self.assertEqual(angebot["count"], 3)
        self.assertEqual(angebot["unread"], 1)
        self.assertEqual(angebot["subject"], "AW: Angebot")
        self.assertEqual(
            [person["address"] for person in angebot["participants"]],
            ["kunde@example.com", "olga@example.com"],
        )
        [sent] = angebot["related"]
        self.assertEqual(sent["subject"], "Re: Angebot")
        self.assertEqual(sent["ref"]["folder"], "Sent")
        self.assertFalse(rechnung["related"])
        # The flat rows of the page: every message of its conversations in this folder, so
        # that selecting and acting works on them as on the flat list's page.
        self.assertEqual(sorted(row["uid"] for row in page["messages"]), [1, 2, 3, 4, 5, 6])
        self.assertEqual({row["ref"]["folder"] for row in page["messages"]}, {"INBOX"})

    def test_header_threads_where_the_server_has_none(self):
        server = self._page()
        with patch.object(threads, "SERVER_THREADS", False):
            headers = self._page()
        self._check_grouping(headers, "headers")
        self.assertEqual(
            [c["related"] for c in headers["conversations"]],
            [c["related"] for c in server["conversations"]],
        )

    def test_pages_are_pages_of_conversations(self):
        for server_threads in (True, False):
            with patch.object(threads, "SERVER_THREADS", server_threads):
                page = self._page(offset=1, limit=2)
                self.assertEqual(page["total"], 4)
                self.assertEqual([c["uids"] for c in page["conversations"]], [[5], [1, 4]])
                self.assertEqual(sorted(row["uid"] for row in page["messages"]), [1, 4, 5])
                last = self._page(offset=3, limit=2)
                self.assertEqual([c["uids"] for c in last["conversations"]], [[2]])

    def test_sent_lists_the_mail_it_answered(self):
        page = self.personal.with_user(self.owner).client_conversations("Sent")
        self.assertEqual([c["uids"] for c in page["conversations"]], [[2], [1]])
        answered = page["conversations"][1]
        self.assertEqual(
            sorted((row["ref"]["folder"], row["subject"]) for row in answered["related"]),
            [("INBOX", "AW: Angebot"), ("INBOX", "Angebot")],
        )

    def test_search_finds_conversations(self):
        page = self._page(search={"from_": "team@example.com"})
        self.assertEqual([c["uids"] for c in page["conversations"]], [[3, 6]])

    def test_nobody_else_lists_conversations(self):
        for user in (self.other, self.member, self.admin):
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_conversations("INBOX")
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_conversation_uids("INBOX", 1, 1)


@tagged("post_install", "-at_install")
class TestConversationActions(MailServerCase):
    """Changes that alter a conversation's folder, on the group mailbox of their own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        _write(cls.servers, cls.shared_address, MAILS)

    def test_actions_on_the_whole_conversation_or_one_message(self):
        threads.forget_structures()
        account = self.shared.with_user(self.member)
        before = account.client_conversations("INBOX")
        angebot = before["conversations"][2]
        # The conversation's messages in this folder, from any of them.
        whole = account.client_conversation_uids("INBOX", before["uidvalidity"], 4)
        self.assertEqual(whole, {"uidvalidity": before["uidvalidity"], "uids": [1, 4]})
        self.assertEqual(whole["uids"], angebot["uids"])
        unread = account.client_conversations("INBOX", search={"unseen": True})
        self.assertEqual([c["uids"] for c in unread["conversations"]], [[6], [4], [2]])
        # Marking it read: the structure stands, its unread count follows; a search for
        # unread mail no longer finds it.
        account.client_set_flag("INBOX", whole["uidvalidity"], whole["uids"], "seen", True)
        read = account.client_conversations("INBOX")
        self.assertEqual([c["unread"] for c in read["conversations"]], [1, 0, 0, 1])
        unread = account.client_conversations("INBOX", search={"unseen": True})
        self.assertEqual([c["uids"] for c in unread["conversations"]], [[6], [2]])
        # One message of a conversation moves alone; the rest stays a conversation, placed
        # by its newest message left.
        account.client_move("INBOX", whole["uidvalidity"], [6], "Archive")
        moved = account.client_conversations("INBOX")
        self.assertEqual([c["uids"] for c in moved["conversations"]], [[5], [1, 4], [3], [2]])
        # The whole conversation goes to the Trash.
        account.client_delete("INBOX", whole["uidvalidity"], whole["uids"])
        after = account.client_conversations("INBOX")
        self.assertEqual([c["uids"] for c in after["conversations"]], [[5], [3], [2]])
        trash = account.client_page("Trash")
        self.assertEqual(
            sorted(m["subject"] for m in trash["messages"]), ["AW: Angebot", "Angebot"]
        )

    def test_new_answer_brings_its_conversation_to_the_top(self):
        threads.forget_structures()
        account = self.shared.with_user(self.member)
        first = account.client_conversations("INBOX")
        self.assertEqual(first["conversations"][-1]["subject"], "Rechnung")
        answer = _mail("AW: Rechnung", "b2", 7, sender="Buchhaltung <rb@example.org>", refs=["b1"])
        self.servers.dovecot.write_messages(
            self.shared_address, [("INBOX", answer, set(), DAY + datetime.timedelta(days=9))]
        )
        account.client_folder_state("INBOX")
        second = account.client_conversations("INBOX")
        top = second["conversations"][0]
        self.assertEqual((top["subject"], top["count"], top["unread"]), ("AW: Rechnung", 2, 2))
        # The user's answer, filed in Sent by their other mail program, joins it.
        mine = _mail("Re: Rechnung", "b3", 8, sender=ME, refs=["b1", "b2"], reply_to="b2")
        self.servers.dovecot.write_messages(
            self.shared_address, [("Sent", mine, {"\\Seen"}, DAY + datetime.timedelta(days=10))]
        )
        third = account.client_conversations("INBOX")
        top = third["conversations"][0]
        self.assertEqual([row["subject"] for row in top["related"]], ["Re: Rechnung"])
        self.assertEqual((top["count"], top["subject"]), (3, "Re: Rechnung"), "the latest, mine")


@tagged("post_install", "-at_install")
class TestConversationAccessOverRpc(RpcAttackCase):
    """The calls as an attacker makes them, and the user's own remembered choice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        _write(cls.servers, cls.personal_address, MAILS[:3])

    def test_other_users_get_nothing(self):
        model = "dynaoffice.mail.account"
        for user in (self.other, self.member, self.mail_admin, self.portal):
            with self.subTest(user=user.login):
                for method, args in (
                    ("client_conversations", ["INBOX"]),
                    ("client_conversation_uids", ["INBOX", 1, 1]),
                ):
                    answer = self.rpc(user, model, method, [[self.personal.id], *args])
                    self.assertIn("error", answer)
                    self.assertNotIn("Rechnung", json.dumps(answer))
        answer = self.rpc(self.owner, model, "client_conversations", [[self.personal.id], "INBOX"])
        self.assertEqual(answer["result"]["total"], 3)

    def test_the_choice_is_remembered_per_user(self):
        answer = self.rpc(
            self.owner,
            "res.users",
            "write",
            [[self.owner.id], {"dynaoffice_mail_conversations": True}],
        )
        self.assertTrue(answer.get("result"), answer)
        response = self.url_open(
            "/web/session/get_session_info",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertIs(response.json()["result"]["dynaoffice_mail_conversations"], True)

        def state():
            return self.other.sudo().read(["dynaoffice_mail_conversations"])[0]

        self.assert_forgery_refused(
            self.owner,
            "res.users",
            "write",
            [[self.other.id], {"dynaoffice_mail_conversations": True}],
            state=state,
        )


@tagged("post_install", "-at_install")
class TestLongConversation(MailServerCase):
    """A conversation longer than a page reads rows of: its count and its actions are whole."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        mails = [("INBOX", _mail("Liste", "m0", 1), {"\\Seen"})]
        for number in range(1, 23):
            refs = [f"m{index}" for index in range(max(0, number - 3), number)]
            mails.append(("INBOX", _mail("Re: Liste", f"m{number}", 1, refs=refs), set()))
        _write(cls.servers, cls.personal_address, mails)

    def test_rows_are_capped_the_conversation_is_not(self):
        threads.forget_structures()
        account = self.personal.with_user(self.owner)
        page = account.client_conversations("INBOX")
        [conversation] = page["conversations"]
        self.assertEqual((conversation["count"], len(conversation["uids"])), (23, 23))
        rows = sorted(row["uid"] for row in page["messages"])
        self.assertEqual(rows, list(range(4, 24)), "the newest 20")
        self.assertEqual(conversation["unread"], 20, "of the rows read")
        whole = account.client_conversation_uids("INBOX", page["uidvalidity"], 23)
        self.assertEqual(whole["uids"], list(range(1, 24)))
        # A UID listed under another UIDVALIDITY, or no UID at all: a clear refusal.
        with self.assertRaises(UserError) as renumbered:
            account.client_conversation_uids("INBOX", page["uidvalidity"] + 1, 23)
        self.assertEqual(type(renumbered.exception).__name__, "FolderRenumberedError")
        with self.assertRaises(UserError):
            account.client_conversation_uids("INBOX", page["uidvalidity"], "23; DELETE")
