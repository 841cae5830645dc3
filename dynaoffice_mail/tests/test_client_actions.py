"""Changing mail from the client: flags, moving, the three ways of deleting, empty Trash."""

import datetime
import secrets
import shutil
from unittest import mock

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MailServerCase, build_message

try:
    from dynaoffice_mail_testing import dovecot
except ImportError:  # test_servers() in MailServerCase says what is missing
    dovecot = None

# What a plain IMAP4rev1 server offers: neither MOVE (RFC 6851) nor UIDPLUS (RFC 4315,
# UID EXPUNGE). Dovecot advertises what `imap_capability` names; clients go by that.
PLAIN_CAPABILITIES = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT CHILDREN"


@tagged("post_install", "-at_install")
class TestClientActions(MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", build_message(f"Nachricht {n}"), set(), received) for n in range(1, 5)],
        )
        self.account = self.personal.with_user(self.owner)

    def inbox(self):
        return self.account.client_page("INBOX", sort="subject", reverse=False)

    def counts(self):
        return {f["name"]: (f["total"], f["unread"]) for f in self.account.client_folders()}

    def test_flags_change_on_the_server(self):
        page = self.inbox()
        first = page["messages"][0]["uid"]
        self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "seen", True)
        self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "flagged", True)
        message = self.inbox()["messages"][0]
        self.assertTrue(message["seen"] and message["flagged"])
        self.assertEqual(self.counts()["INBOX"], (4, 3))
        self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "seen", False)
        self.assertEqual(self.counts()["INBOX"], (4, 4))
        with self.assertRaises(UserError):
            self.account.client_set_flag("INBOX", page["uidvalidity"], [first], "deleted", True)

    def test_move_to_another_folder(self):
        page = self.inbox()
        uids = [m["uid"] for m in page["messages"][:2]]
        self.account.client_move("INBOX", page["uidvalidity"], uids, "Archive")
        counts = self.counts()
        self.assertEqual((counts["INBOX"][0], counts["Archive"][0]), (2, 2))
        archived = self.account.client_page("Archive", sort="subject", reverse=False)
        self.assertEqual(
            [m["subject"] for m in archived["messages"]], ["Nachricht 1", "Nachricht 2"]
        )

    def test_select_all_batch_skips_mail_moved_meanwhile_and_says_how_many(self):
        # "Select all" named four UIDs; another window moved one of them meanwhile.
        page = self.inbox()
        uids = [m["uid"] for m in page["messages"]]
        self.account.client_move("INBOX", page["uidvalidity"], uids[:1], "Archive")
        answer = self.account.client_move("INBOX", page["uidvalidity"], uids, "Archive", True)
        self.assertEqual(answer["gone"], 1)
        self.assertEqual(len(answer["refs"]), 3)
        self.assertEqual((self.counts()["INBOX"][0], self.counts()["Archive"][0]), (0, 4))
        # A delete of a batch that meets mail deleted meanwhile goes as far, too.
        archive = self.account.client_page("Archive")
        uids = [m["uid"] for m in archive["messages"]]
        self.account.client_delete("Archive", archive["uidvalidity"], uids[:2])
        answer = self.account.client_delete("Archive", archive["uidvalidity"], uids, True)
        self.assertEqual((answer["gone"], len(answer["refs"])), (2, 2))
        self.assertEqual((self.counts()["Archive"][0], self.counts()["Trash"][0]), (0, 4))

    def test_select_all_marking_read_skips_mail_another_program_deleted_and_says_so(self):
        # "Select all" named four UIDs; another mail program deleted one meanwhile, while
        # this client's connection had the Inbox open.
        page = self.inbox()
        uids = [m["uid"] for m in page["messages"]]
        other = self.imap(self.personal_address, self.personal_password)
        try:
            other.select_folder("INBOX")
            other.delete_messages(uids[:1])
            other.expunge()
        finally:
            other.logout()
        answer = self.account.client_set_flag(
            "INBOX", page["uidvalidity"], uids, "seen", True, True
        )
        # Not counted as marked: the client says 3 were marked and 1 was gone.
        self.assertEqual(answer, {"gone": 1})
        self.assertEqual(self.counts()["INBOX"], (3, 0))
        answer = self.account.client_set_flag(
            "INBOX", page["uidvalidity"], uids, "flagged", True, True
        )
        self.assertEqual(answer, {"gone": 1})
        self.assertTrue(all(m["flagged"] for m in self.inbox()["messages"]))

    def test_delete_moves_to_trash_by_default_and_removes_inside_trash(self):
        page = self.inbox()
        self.account.client_delete("INBOX", page["uidvalidity"], [page["messages"][0]["uid"]])
        self.assertEqual((self.counts()["INBOX"][0], self.counts()["Trash"][0]), (3, 1))
        trash = self.account.client_page("Trash")
        self.account.client_delete("Trash", trash["uidvalidity"], [trash["messages"][0]["uid"]])
        self.assertEqual(self.counts()["Trash"][0], 0)

    def test_delete_can_only_mark_or_remove_at_once(self):
        self.personal.with_user(self.owner).write({"delete_mode": "flag"})
        page = self.inbox()
        self.account.client_delete("INBOX", page["uidvalidity"], [page["messages"][0]["uid"]])
        marked = self.inbox()["messages"][0]
        self.assertTrue(marked["deleted"])
        self.assertEqual(self.counts()["INBOX"][0], 4)  # still on the server, marked
        self.personal.with_user(self.owner).write({"delete_mode": "expunge"})
        self.account.client_delete("INBOX", page["uidvalidity"], [page["messages"][1]["uid"]])
        self.assertEqual(
            [m["subject"] for m in self.inbox()["messages"]],
            ["Nachricht 1", "Nachricht 3", "Nachricht 4"],
        )
        self.assertEqual(self.counts()["Trash"][0], 0)

    def test_empty_trash(self):
        page = self.inbox()
        uids = [m["uid"] for m in page["messages"]]
        self.account.client_delete("INBOX", page["uidvalidity"], uids)
        self.assertEqual(self.counts()["Trash"][0], 4)
        self.assertEqual(self.account.client_empty_trash(), 4)
        self.assertEqual(self.counts()["Trash"][0], 0)

    def test_renumbered_folder_changes_nothing(self):
        page = self.inbox()
        with self.assertRaises(UserError) as caught:
            self.account.client_delete(
                "INBOX", page["uidvalidity"] + 1, [page["messages"][0]["uid"]]
            )
        self.assertIn("Reload the list", str(caught.exception))
        # The client recognises this error by its class name and reloads the folder.
        self.assertEqual(type(caught.exception).__name__, "FolderRenumberedError")
        self.assertEqual(self.counts()["INBOX"][0], 4)

    def test_only_the_owner_changes_mail(self):
        page = self.inbox()
        uid = page["messages"][0]["uid"]
        for user in (self.other, self.member, self.admin):
            account = self.personal.with_user(user)
            with self.assertRaises(AccessError):
                account.client_delete("INBOX", page["uidvalidity"], [uid])
            with self.assertRaises(AccessError):
                account.client_set_flag("INBOX", page["uidvalidity"], [uid], "seen", True)
            with self.assertRaises(AccessError):
                account.client_empty_trash()
        self.assertEqual(self.counts()["INBOX"], (4, 4))


@tagged("post_install", "-at_install")
class TestActionsWithoutMoveOrUidplus(MailServerCase):
    """Moving and deleting on a server without MOVE and UIDPLUS, against a Dovecot of its
    own that advertises neither. Its EXPUNGE removes every message marked as deleted, so
    it is used only where it removes the user's messages alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base = cls.servers.base / f"dovecot-rev1-{secrets.token_hex(3)}"
        cls.rev1 = dovecot.Dovecot(base, cls.servers.certificates)
        config = dovecot.CONFIG + f"imap_capability = {PLAIN_CAPABILITIES}\n"
        with mock.patch.object(dovecot, "CONFIG", config):
            cls.rev1.start()
        cls.addClassCleanup(shutil.rmtree, base, ignore_errors=True)
        cls.addClassCleanup(cls.rev1.stop)

    def setUp(self):
        super().setUp()
        self.address = f"rev1-{secrets.token_hex(4)}@dynaoffice.test"
        password = secrets.token_urlsafe(12)
        self.rev1.add_user(self.address, password)
        values = self.account_values(self.address, password, imap_port=self.rev1.port_imaps)
        values.update(user_id=self.owner.id, delete_mode="trash")
        account = self.env["dynaoffice.mail.account"]._without_connection_test().create(values)
        self.account = account.with_user(self.owner)

    def fill(self, marked=()):
        """Nachricht 1 to 3 in the Inbox; those named in `marked` marked as deleted (by
        another mail program, or "Mark as deleted" here)."""
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
        self.rev1.write_messages(
            self.address,
            [
                (
                    "INBOX",
                    build_message(f"Nachricht {n}"),
                    {"\\Deleted"} if n in marked else set(),
                    received,
                )
                for n in range(1, 4)
            ],
        )
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        return page["uidvalidity"], [message["uid"] for message in page["messages"]]

    def listed(self, folder):
        """{subject: marked as deleted} of a folder, as the list shows it."""
        page = self.account.client_page(folder, sort="subject", reverse=False)
        return {message["subject"]: message["deleted"] for message in page["messages"]}

    def test_the_server_offers_neither_move_nor_uidplus(self):
        def capabilities(client):
            return client.capabilities()

        offered = self.account._mailbox().run(capabilities, safe=True)
        self.assertNotIn(b"MOVE", offered)
        self.assertNotIn(b"UIDPLUS", offered)

    def test_moving_and_deleting_to_trash_work(self):
        validity, uids = self.fill()
        self.account.client_move("INBOX", validity, uids[:1], "Archive")
        self.account.client_delete("INBOX", validity, uids[1:2])
        self.assertEqual(self.listed("INBOX"), {"Nachricht 3": False})
        self.assertEqual(self.listed("Archive"), {"Nachricht 1": False})
        self.assertEqual(self.listed("Trash"), {"Nachricht 2": False})

    def test_a_move_never_removes_mail_only_marked_as_deleted(self):
        validity, uids = self.fill(marked={1})
        self.account.client_move("INBOX", validity, uids[1:2], "Archive")
        self.assertEqual(self.listed("Archive"), {"Nachricht 2": False})
        # The moved one stays marked until the next EXPUNGE, rather than removing with it
        # the one the user only marked.
        self.assertEqual(
            self.listed("INBOX"), {"Nachricht 1": True, "Nachricht 2": True, "Nachricht 3": False}
        )

    def test_delete_immediately_removes_the_messages(self):
        self.account.sudo()._without_connection_test().delete_mode = "expunge"
        validity, uids = self.fill()
        self.account.client_delete("INBOX", validity, uids[:2])
        self.assertEqual(self.listed("INBOX"), {"Nachricht 3": False})
        self.assertEqual(self.listed("Trash"), {})

    def test_delete_immediately_refused_changes_nothing(self):
        """Where other messages are marked as deleted, EXPUNGE would remove them too: the
        delete is refused, and the messages are not left marked."""
        self.account.sudo()._without_connection_test().delete_mode = "expunge"
        validity, uids = self.fill(marked={1})
        with self.assertRaisesRegex(UserError, "nothing was deleted"):
            self.account.client_delete("INBOX", validity, uids[1:2])
        self.assertEqual(
            self.listed("INBOX"), {"Nachricht 1": True, "Nachricht 2": False, "Nachricht 3": False}
        )
        # Deleted together with the marked one, both go.
        self.account.client_delete("INBOX", validity, uids[:2])
        self.assertEqual(self.listed("INBOX"), {"Nachricht 3": False})
