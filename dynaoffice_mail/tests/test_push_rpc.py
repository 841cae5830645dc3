"""Push in Odoo, against the real Dovecot: `client_watch` (the client's heartbeat) only for
the account's users, over JSON-RPC as an attacker calls it; and the whole way from a mail
delivered over LMTP, or a flag another IMAP client sets, through the watcher in IDLE to
the bus: to the owner (or the group's members) and to nobody else."""

import json
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import config

from ..models import dynaoffice_mail_watch as push
from ..services import pool as imap_pool
from ..services import watchers
from .common import RpcAttackCase, build_message
from .push_helpers import deliver_over_lmtp, dovecot_connections, wait_until

MODEL = "dynaoffice.mail.account"


@tagged("post_install", "-at_install")
class TestPushRpc(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()

    def setUp(self):
        super().setUp()
        self.last_bus_id = self.env["bus.bus"].sudo()._bus_last_id()
        for account in (self.personal, self.shared):
            self.addCleanup(imap_pool.POOL.clear, account._pool_key())
        # A dispatcher must end before the test's changes are rolled back under its feet.
        self.addCleanup(push.stop_dispatcher, self.env.cr.dbname)

    def db(self):
        """The test's cursor to itself: the watchers' threads share it (through the
        registry's test cursors, which take this lock), so while they run the test thread
        uses it under the same lock."""
        return self.registry.test_lock

    def watches(self, account):
        with self.db():
            Watch = self.env["dynaoffice.mail.watch"].sudo()
            return Watch.search([("account_id", "=", account.id)])

    def is_live(self, account):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT live FROM dynaoffice_mail_watch WHERE account_id = %s", (account.id,)
            )
            return any(live for (live,) in cr.fetchall())

    def notices(self):
        """{partner id: [payload]} of the push notices on the bus since the test began,
        read under the registry's test lock (the watcher's threads write through it)."""
        found = {}
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT channel, message FROM bus_bus WHERE id > %s ORDER BY id",
                (self.last_bus_id,),
            )
            rows = cr.fetchall()
        for channel, message in rows:
            message = json.loads(message)
            if message["type"] != push.NOTIFICATION:
                continue
            _db, model, res_id = json.loads(channel)
            self.assertEqual(model, "res.partner")
            found.setdefault(res_id, []).append(message["payload"])
        return found

    def changes_for(self, user, change):
        with self.db():  # the user's partner may have to be read (the watchers' cursor)
            partner_id = user.partner_id.id
        return [
            notice for notice in self.notices().get(partner_id, []) if change in notice["changes"]
        ]

    def start_watching(self, account, user):
        """A fast dispatcher (scans every 0.2 s) and `user`'s heartbeat for the Inbox; waits
        until the watcher is in IDLE."""
        dispatcher = push.start_dispatcher(
            self.env.cr.dbname,
            scan_every=0.2,
            watcher_options={"idle_options": {"check_every": 0.2}},
        )
        with self.db():
            answer = account.with_user(user).client_watch("INBOX")
        self.assertEqual(answer["live"], False)  # nobody watched it before
        self.assertEqual(answer["heartbeat"], push.HEARTBEAT)
        self.assertTrue(
            wait_until(lambda: any(w.idling.is_set() for w in dispatcher.watchers.values()))
        )
        return dispatcher

    # -- who may say "I have this folder open" ----------------------------------------------

    def test_the_heartbeat_is_for_the_accounts_users_only(self):
        answer = self.rpc(self.owner, MODEL, "client_watch", [[self.personal.id], "INBOX"])
        self.assertIn("result", answer, answer)
        self.assertEqual(answer["result"]["state"]["uidvalidity"] > 0, True)
        self.assertEqual(self.watches(self.personal).folder, "INBOX")
        # In tests the heartbeat starts no dispatcher (the push tests start their own).
        self.assertNotIn(self.env.cr.dbname, push._DISPATCHERS)

        for user, account in (
            (self.other, self.personal),
            (self.admin, self.personal),  # an administrator is no owner
            (self.mail_admin, self.shared),  # a mail administrator is no member
            (self.owner, self.shared),
            (self.portal, self.shared),
        ):
            with self.subTest(user=user.login, account=account.name):
                self.assert_forgery_refused(
                    user,
                    MODEL,
                    "client_watch",
                    [[account.id], "INBOX"],
                    state=lambda account=account: self.watches(account).read(["seen_at"]),
                )
        # A folder that does not exist is refused with the server's word: no watch for it.
        answer = self.rpc(self.member, MODEL, "client_watch", [[self.shared.id], "Nowhere"])
        self.assertIn("error", answer)
        self.assertFalse(self.watches(self.shared))
        # Nobody may read the table of watches but an administrator.
        answer = self.rpc(self.owner, "dynaoffice.mail.watch", "search_read", [[]])
        self.assertIn("error", answer)

    def test_push_turned_off_is_not_live_whatever_the_row_says(self):
        """A folder pushed before the server restarted with push off keeps `live` in its
        row; the client must hear that nothing is pushed, or it stops polling."""
        call = (self.owner, MODEL, "client_watch", [[self.personal.id], "INBOX"])
        self.assertFalse(self.rpc(*call)["result"]["live"])
        self.watches(self.personal).write({"live": True})
        self.assertTrue(self.rpc(*call)["result"]["live"])
        idle = "dynaoffice_mail_idle_connections_per_account"
        with patch.dict(config.options, {idle: "0"}):
            self.assertFalse(self.rpc(*call)["result"]["live"])

    # -- from the server to the users' browsers -----------------------------------------------

    def test_new_mail_and_flags_reach_the_owner_and_nobody_else(self):
        self.start_watching(self.personal, self.owner)
        self.assertTrue(wait_until(lambda: self.notices().get(self.owner.partner_id.id)))
        self.assertTrue(self.is_live(self.personal))
        with self.db():
            # A second user watches too (another account): what concerns the owner's
            # account never reaches him.
            self.sales.write({"users": [(4, self.other.id)]})
            self.shared.with_user(self.other).client_watch("INBOX")

        deliver_over_lmtp(self.servers, self.personal_address, build_message("Pushed"))
        self.assertTrue(wait_until(lambda: self.changes_for(self.owner, "new")))
        notice = self.changes_for(self.owner, "new")[0]
        self.assertEqual(
            notice,
            {"account_id": self.personal.id, "folder": "INBOX", "live": True, "changes": ["new"]},
        )

        # Another mail program flags the message: the owner hears of it.
        with self.imap(self.personal_address, self.personal_password) as other_program:
            other_program.select_folder("INBOX")
            other_program.add_flags(other_program.search(["ALL"]), [b"\\Flagged"])
        self.assertTrue(wait_until(lambda: self.changes_for(self.owner, "flags")))

        everyone = self.notices()
        for stranger in (self.other, self.member, self.admin, self.mail_admin, self.portal):
            notices = everyone.get(stranger.partner_id.id, [])
            self.assertFalse(
                [n for n in notices if n["account_id"] == self.personal.id], stranger.login
            )

    def test_group_mail_reaches_the_groups_members_only(self):
        self.start_watching(self.shared, self.member)
        deliver_over_lmtp(self.servers, self.shared_address, build_message("For the team"))
        self.assertTrue(wait_until(lambda: self.changes_for(self.member, "new")))
        everyone = self.notices()
        self.assertEqual(set(everyone) - {self.member.partner_id.id}, set())

    def test_the_recipients_of_an_account(self):
        self.assertEqual(push.push_recipients(self.personal), self.owner.partner_id)
        self.sales.write({"users": [(4, self.portal.id)]})  # a portal user hears nothing
        self.assertEqual(push.push_recipients(self.shared), self.member.partner_id)

    def test_the_watch_follows_the_accounts_new_server_settings(self):
        """The owner points the account at another mailbox: the watcher in IDLE with the
        old login ends (the clients poll meanwhile), the next heartbeat watches the new
        mailbox, and the old one is neither told of nor logged in to any more."""
        self.start_watching(self.personal, self.owner)
        self.assertTrue(wait_until(lambda: self.is_live(self.personal)))
        old_address, old_password = self.personal_address, self.personal_password
        with self.db():
            owner_partner = self.owner.partner_id.id
        new_address, new_password = self.new_mailbox()
        with self.db():
            self.personal.with_user(self.owner)._without_connection_test().write(
                {"imap_user": new_address, "imap_password": new_password}
            )
            self.env.flush_all()
        self.assertTrue(
            wait_until(
                lambda: [
                    notice for notice in self.notices().get(owner_partner, []) if not notice["live"]
                ]
            ),
            "the clients are not told to poll",
        )
        # The client's next heartbeat: pushed again, now from the new mailbox.
        with self.db():
            self.personal.with_user(self.owner).client_watch("INBOX")
        self.assertTrue(wait_until(lambda: self.is_live(self.personal)))
        deliver_over_lmtp(self.servers, new_address, build_message("To the new mailbox"))
        self.assertTrue(wait_until(lambda: self.changes_for(self.owner, "new")))
        self.assertTrue(
            wait_until(lambda: dovecot_connections(self.servers, old_address) == 0),
            "the old mailbox is still logged in to",
        )
        told = len(self.changes_for(self.owner, "new"))
        with self.imap(old_address, old_password) as other_program:
            before = other_program.select_folder("INBOX", readonly=True)[b"EXISTS"]
        deliver_over_lmtp(self.servers, old_address, build_message("To the old mailbox"))
        with self.imap(old_address, old_password) as other_program:
            self.assertEqual(
                other_program.select_folder("INBOX", readonly=True)[b"EXISTS"], before + 1
            )
        self.assertFalse(wait_until(lambda: len(self.changes_for(self.owner, "new")) > told, 2))

    def test_a_deleted_account_is_no_longer_logged_in_to(self):
        """The owner deletes the account while its Inbox is pushed: the watcher ends, and
        nothing stays logged in to the mailbox (no pooled connection waits for reuse)."""
        dispatcher = self.start_watching(self.personal, self.owner)
        with self.db():
            self.personal.with_user(self.owner).unlink()
            self.env.flush_all()
        self.assertTrue(wait_until(lambda: not dispatcher.watchers))
        self.assertTrue(
            wait_until(lambda: dovecot_connections(self.servers, self.personal_address) == 0),
            "the deleted account's mailbox is still logged in to",
        )

    def test_nobody_looking_ends_the_watch(self):
        dispatcher = self.start_watching(self.personal, self.owner)
        with self.db():
            self.watches(self.personal).seen_at = "2000-01-01 00:00:00"
            self.env.flush_all()
        self.assertTrue(dispatcher.wait_scans(2))
        self.assertEqual(dispatcher.watchers, {})
        self.assertTrue(wait_until(lambda: not self.is_live(self.personal)))
        self.assertIn(
            {"account_id": self.personal.id, "folder": "INBOX", "live": False, "changes": []},
            self.notices()[self.owner.partner_id.id],
        )
        self.assertEqual(watchers.SCAN_EVERY, 2.0)
