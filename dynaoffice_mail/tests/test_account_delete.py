"""Deleting an account (issue #20): from its own form and from the Preferences, after a
confirmation that the mail stays on the server; only whoever the record rules let unlink.

Every call is made as the attacker makes it: JSON-RPC as a logged-in user. Owners delete their
personal accounts, mail administrators any account (to clean up after people who left);
group members, other users and portal users nothing.
"""

import datetime
import time

from odoo.tests import tagged

from ..services import pool as imap_pool
from .common import RpcAttackCase, build_message

MODEL = "dynaoffice.mail.account"
OPENED_FROM = "dynaoffice_mail_opened_from"
STAYS = "The mail stays on the server"
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


@tagged("post_install", "-at_install")
class TestAccountDelete(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.servers.dovecot.write_messages(
            cls.personal_address, [("INBOX", build_message("Angebot Müller"), set(), RECEIVED)]
        )

    def delete(self, user, account, opened_from=None):
        context = {OPENED_FROM: opened_from} if opened_from else {}
        answer = self.rpc(
            user, MODEL, "action_delete_account", [[account.id]], {"context": context}
        )
        self.env.invalidate_all()
        return answer

    def refused(self, user, account, method="action_delete_account"):
        return self.assert_forgery_refused(
            user,
            MODEL,
            method,
            [[account.id]],
            {"context": {OPENED_FROM: "preferences"}},
            state=lambda: self.account_state(account),
        )

    def test_owner_deletes_from_the_preferences_and_the_mail_stays(self):
        answer = self.delete(self.owner, self.personal, "preferences")
        self.assertIn("result", answer, answer)
        self.assertFalse(self.personal.exists())
        notification = answer["result"]
        self.assertEqual(notification["tag"], "display_notification")
        self.assertIn(STAYS, notification["params"]["message"])
        # Back to the owner's own Preferences, on the tab "E-Mail" (the dialog replaced them).
        back = notification["params"]["next"]
        self.assertEqual((back["res_model"], back["res_id"]), ("res.users", self.owner.id))
        view = self.env.ref("dynaoffice_mail.res_users_view_form_preferences_mail")
        self.assertEqual(back["views"], [[view.id, "form"]])
        arch = self.env["res.users"].with_user(self.owner).get_views([(view.id, "form")])
        self.assertRegex(
            arch["views"]["form"]["arch"], r'<page[^>]*name="dynaoffice_mail"[^>]*autofocus'
        )
        # Odoo forgot the account; the server did not lose a message.
        subjects = [
            message["Subject"]
            for message, _flags in self.fetch_all(self.personal_address, self.personal_password)
        ]
        self.assertEqual(subjects, ["Angebot Müller"])

    def test_where_a_deleted_accounts_dialog_goes(self):
        answer = self.delete(self.mail_admin, self.shared, "dialog")
        self.assertEqual(
            answer["result"]["params"]["next"], {"type": "ir.actions.act_window_close"}
        )
        self.assertFalse(self.shared.exists())
        # From a form of its own (the Mailboxes menu): back to the list, the form is gone.
        answer = self.delete(self.owner, self.personal)
        back = answer["result"]["params"]["next"]
        self.assertEqual((back["res_model"], back["target"]), (MODEL, "main"))

    def test_nobody_else_deletes_a_personal_account(self):
        for user in (self.other, self.member, self.portal):
            with self.subTest(user=user.login):
                self.refused(user, self.personal)
                self.refused(user, self.personal, "unlink")
        self.assertTrue(self.personal.exists())

    def test_group_members_do_not_delete_their_group_account(self):
        for user in (self.member, self.owner, self.other, self.portal):
            with self.subTest(user=user.login):
                self.refused(user, self.shared)
                self.refused(user, self.shared, "unlink")
        self.assertTrue(self.shared.exists())
        self.assertFalse(self.shared.with_user(self.member).can_delete)
        self.assertTrue(self.shared.with_user(self.mail_admin).can_delete)
        self.assertTrue(self.personal.with_user(self.owner).can_delete)

    def test_mail_administrators_delete_any_account(self):
        # As today's record rules say (dynaoffice_mail_account_rule_manager_read): to clean
        # up after people who left. Deleting reads no mail and sends no password anywhere.
        self.assertTrue(self.personal.with_user(self.mail_admin).can_delete)
        self.assertIn("result", self.delete(self.mail_admin, self.personal))
        self.assertFalse(self.personal.exists())

    def test_deleting_the_owner_forgets_the_accounts_grants_and_connections(self):
        # The database deletes the accounts of a deleted group or user by itself (ondelete
        # "cascade"): what Odoo keeps beside the account's row must go with it all the same.
        for owner_model, owner, account, user in (
            ("res.groups", self.sales, self.shared, self.member),
            ("res.users", self.owner, self.personal, self.owner),
        ):
            with self.subTest(owner=owner_model):
                key = account._pool_key()
                self.addCleanup(imap_pool.POOL.clear, key)
                # A grant, as a login by token keeps it, and a connection logged in for the
                # mailbox's user, waiting in the pool for the next request.
                account.sudo()._store_authorization("refresh-secret", "access", time.time())
                answer = self.rpc(user, MODEL, "client_folders", [[account.id]])
                self.assertIn("result", answer, answer)
                self.assertGreaterEqual(imap_pool.POOL.idle_count(key), 1)
                account_id = account.id
                answer = self.rpc(self.admin, owner_model, "unlink", [[owner.id]])
                self.assertIn("result", answer, answer)
                self.env.invalidate_all()
                self.assertFalse(account.exists())
                self.env.cr.execute(
                    "SELECT count(*) FROM dynaoffice_mail_account_authorization "
                    "WHERE account_id = %s",
                    (account_id,),
                )
                self.assertEqual(self.env.cr.fetchone()[0], 0, "the grant outlived its account")
                self.assertEqual(imap_pool.POOL.idle_count(key), 0, "still logged in")

    def test_deleting_forgets_the_mail_the_outbox_kept(self):
        # A mail sent while the mailbox could not take its Sent copy: the outbox keeps it
        # (an attachment) until the copy is filed. Deleting the account, or the sender,
        # must not leave that mail behind in Odoo.
        Outbox = self.env["dynaoffice.mail.outbox"].sudo()
        kept = {}
        for account, sender in ((self.personal, self.owner), (self.shared, self.member)):
            entry = Outbox.create(
                {
                    "account_id": account.id,
                    "user_id": sender.id,
                    "message_id": f"<kept-{account.id}@dynaoffice.test>",
                    "state": "sent",
                    "sent_copy": "pending",
                }
            )
            entry._keep_message(build_message("Vertraulich"))
            kept[account] = entry.message_attachment_id
        self.assertIn("result", self.delete(self.owner, self.personal, "preferences"))
        self.assertFalse(kept[self.personal].exists(), "the deleted account's mail stayed")
        answer = self.rpc(self.admin, "res.users", "unlink", [[self.member.id]])
        self.assertIn("result", answer, answer)
        self.env.invalidate_all()
        self.assertTrue(self.shared.exists())
        self.assertFalse(kept[self.shared].exists(), "the deleted sender's mail stayed")

    def test_the_buttons_ask_first(self):
        form = self.env[MODEL].with_user(self.owner).get_views([(False, "form")])
        preferences = (
            self.env["res.users"]
            .with_user(self.owner)
            .get_views([(self.env.ref("base.view_users_form_simple_modif").id, "form")])
        )
        groups = self.env["res.groups"].with_user(self.admin).get_views([(False, "form")])
        for arch in (
            form["views"]["form"]["arch"],
            preferences["views"]["form"]["arch"],
            groups["views"]["form"]["arch"],
        ):
            self.assertRegex(
                arch,
                r'<button[^>]*name="action_delete_account"[^>]*confirm="[^"]*'
                r"The mail stays on the server",
            )

    def test_delete_in_the_browser_from_the_preferences(self):
        self.personal.with_user(self.owner).write({"name": "Tour mailbox"})
        self.start_tour("/odoo", "dynaoffice_mail_account_delete", login=self.owner.login)
        self.assertFalse(self.personal.exists())
