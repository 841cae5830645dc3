"""Who may see, change and use which account: owner, other user, member, non-member, admin."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MailServerCase


@tagged("post_install", "-at_install")
class TestAccountAccess(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.Account = cls.env["dynaoffice.mail.account"]

    def visible_to(self, user):
        return self.Account.with_user(user).search(
            [("id", "in", (self.personal | self.shared).ids)]
        )

    def test_each_user_sees_exactly_what_they_may(self):
        self.assertEqual(self.visible_to(self.owner), self.personal)
        self.assertEqual(self.visible_to(self.member), self.shared)
        self.assertFalse(self.visible_to(self.other))
        # Administrators list every account, to help and to delete.
        self.assertEqual(self.visible_to(self.admin), self.personal | self.shared)

    def test_other_users_cannot_read_or_use_a_personal_account(self):
        with self.assertRaises(AccessError):
            self.personal.with_user(self.other).read(["name"])
        with self.assertRaises(AccessError):
            self.personal.with_user(self.other).action_test_connection()
        with self.assertRaises(AccessError):
            self.personal.with_user(self.other).write({"name": "mine now"})

    def test_admin_cannot_open_or_change_another_persons_mailbox(self):
        as_admin = self.personal.with_user(self.admin)
        self.assertEqual(as_admin.name, self.personal.name)
        self.assertFalse(as_admin.can_use)
        with self.assertRaises(AccessError):
            as_admin.action_open_mailbox()
        with self.assertRaises(AccessError):
            as_admin.action_test_connection()
        for role in ("_mailbox", "_composer", "_assigner", "_filer"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                getattr(as_admin, role)()
        # Redirecting the host would capture the owner's password at the next login.
        with self.assertRaises(AccessError):
            as_admin.write({"imap_host": "evil.example.com"})
        self.assertFalse(as_admin.read(["imap_password"])[0]["imap_password"])
        # ... but an administrator may delete it.
        as_admin.unlink()
        self.assertFalse(self.personal.exists())

    def test_group_membership_changes_take_effect_at_once(self):
        self.assertTrue(self.shared.with_user(self.member).can_use)
        self.assertFalse(self.visible_to(self.other))
        self.sales.write({"users": [(4, self.other.id)]})
        self.assertEqual(self.visible_to(self.other), self.shared)
        self.assertTrue(self.shared.with_user(self.other).can_use)
        self.sales.write({"users": [(3, self.other.id)]})
        self.assertFalse(self.visible_to(self.other))
        with self.assertRaises(AccessError):
            self.shared.with_user(self.other).action_open_mailbox()

    def test_an_archived_account_is_used_by_nobody_until_it_is_restored(self):
        as_owner = self.personal.with_user(self.owner)
        as_member = self.shared.with_user(self.member)
        drafts = {account: account.client_compose("new") for account in (as_owner, as_member)}
        as_owner.action_archive()
        self.shared.with_user(self.admin).action_archive()
        for account, values in drafts.items():
            # Still called by its id, as a browser tab opened before can.
            values.update(to=["kunde@example.com"], subject="Nach dem Archivieren")
            for method, args in (
                ("client_folders", ()),
                ("client_page", ("INBOX",)),
                ("client_compose", ("new",)),
                ("client_send", (values,)),
                ("action_open_mailbox", ()),
            ):
                with (
                    self.subTest(account=account.name, method=method),
                    self.assertRaisesRegex(UserError, "archived"),
                ):
                    getattr(account, method)(*args)
            self.assertFalse(account.can_use)
        # Those who could not use it before learn nothing more.
        with self.assertRaises(AccessError):
            self.shared.with_user(self.other).client_folders()
        with self.assertRaises(AccessError):
            self.personal.with_user(self.admin).client_folders()
        # Administrators still list the archived accounts, and restore the group's.
        ids = (self.personal | self.shared).ids
        archived = (
            self.Account.with_user(self.admin)
            .with_context(active_test=False)
            .search([("id", "in", ids), ("active", "=", False)])
        )
        self.assertEqual(archived, self.personal | self.shared)
        self.shared.with_user(self.admin).action_unarchive()
        as_owner.action_unarchive()
        self.assertTrue(as_member.client_folders())
        self.assertTrue(as_owner.client_folders())

    def test_members_use_but_do_not_change_group_accounts(self):
        as_member = self.shared.with_user(self.member)
        action = as_member.action_open_mailbox()
        self.assertEqual(action["tag"], "dynaoffice_mail.client")
        self.assertEqual(action["params"], {"account_id": self.shared.id})
        with self.assertRaises(AccessError):
            as_member.write({"signature": "<p>mine</p>"})
        with self.assertRaises(AccessError):
            as_member.unlink()

    def test_users_create_personal_accounts_for_themselves_only(self):
        address, password = self.new_mailbox()
        values = self.account_values(address, password)
        Account = self.Account._without_connection_test()
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Account.with_user(self.other).create(dict(values, user_id=self.owner.id))
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Account.with_user(self.member).create(dict(values, group_id=self.sales.id))
        with self.assertRaises(AccessError):
            self.owner.with_user(self.other).action_dynaoffice_mail_new_account()
        action = self.owner.with_user(self.owner).action_dynaoffice_mail_new_account()
        self.assertEqual(action["context"]["default_user_id"], self.owner.id)

    def test_an_account_has_exactly_one_owner(self):
        address, password = self.new_mailbox()
        values = self.account_values(address, password)
        Account = self.Account._without_connection_test()
        for owner in ({}, {"user_id": self.owner.id, "group_id": self.sales.id}):
            with (
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                Account.create(dict(values, **owner))

    def test_passwords_cannot_be_searched(self):
        with self.assertRaises(AccessError):
            self.Account.with_user(self.owner).search([("imap_password", "=", "x")])

    def test_preferences_show_the_users_own_accounts(self):
        as_owner = self.owner.with_user(self.owner)
        self.assertEqual(as_owner.dynaoffice_mail_account_ids, self.personal)
        views = (
            self.env["res.users"]
            .with_user(self.owner)
            .get_views([(self.env.ref("base.view_users_form_simple_modif").id, "form")])
        )
        arch = views["views"]["form"]["arch"]
        self.assertIn("dynaoffice_mail_account_ids", arch)
        self.assertIn("action_dynaoffice_mail_new_account", arch)
        group_views = self.env["res.groups"].with_user(self.admin).get_views([(False, "form")])
        self.assertIn("action_dynaoffice_mail_new_account", group_views["views"]["form"]["arch"])
