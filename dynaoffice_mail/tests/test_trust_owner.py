"""Issue #12, hole 1: an account's owner is decided when it is created, never changed.

Every call is made as the attacker makes it: JSON-RPC as a logged-in user, with every
field a browser can send. Odoo checks record rules before a write only; a write that
would leave the account outside the writer's rules is refused too.
"""

from odoo.tests import tagged

from .common import RpcAttackCase

MODEL = "dynaoffice.mail.account"
NOT_CHANGED = "The owner of a mail account cannot be changed"


@tagged("post_install", "-at_install")
class TestTrustOwner(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()

    def refused(self, user, account, method, args, kwargs=None, error=None):
        return self.assert_forgery_refused(
            user,
            MODEL,
            method,
            args,
            kwargs,
            state=lambda: self.account_state(account),
            error=error,
        )

    def test_owner_cannot_turn_a_personal_account_into_a_group_account(self):
        # The owner is a member of no group with an account; make him one of sales.
        self.sales.write({"users": [(4, self.owner.id)]})
        self.refused(
            self.owner,
            self.personal,
            "write",
            [[self.personal.id], {"user_id": False, "group_id": self.sales.id}],
            error=NOT_CHANGED,
        )
        self.refused(
            self.owner,
            self.personal,
            "write",
            [[self.personal.id], {"group_id": self.sales.id}],
        )

    def test_owner_cannot_give_a_personal_account_away(self):
        self.refused(
            self.owner,
            self.personal,
            "write",
            [[self.personal.id], {"user_id": self.other.id}],
            error=NOT_CHANGED,
        )
        # Not through the user forms' list of accounts either.
        self.refused(
            self.owner,
            self.personal,
            "write",
            [[self.owner.id], {"dynaoffice_mail_account_ids": [(3, self.personal.id)]}],
        )

    def test_record_rules_hold_before_and_after_a_write(self):
        # Before: another user cannot write the owner's account at all ...
        self.refused(
            self.other, self.personal, "write", [[self.personal.id], {"name": "Otto's now"}]
        )
        # ... after: the owner cannot write it into a state his rules do not allow.
        self.refused(
            self.owner,
            self.personal,
            "write",
            [[self.personal.id], {"user_id": self.other.id, "name": "Otto's now"}],
        )
        # A plain change by the owner goes through the same path and is accepted.
        answer = self.rpc(
            self.owner, MODEL, "write", [[self.personal.id], {"name": "Olga's mailbox"}]
        )
        self.assertEqual(answer.get("result"), True, answer)
        self.assertEqual(self.personal.name, "Olga's mailbox")
        # Writing the owner it already has is no change.
        answer = self.rpc(
            self.owner, MODEL, "write", [[self.personal.id], {"user_id": self.owner.id}]
        )
        self.assertEqual(answer.get("result"), True, answer)

    def test_only_mail_administrators_create_group_accounts(self):
        address, password = self.new_mailbox()
        values = self.account_values(address, password)
        count = self.env[MODEL].search_count
        for user, owner in (
            (self.member, {"group_id": self.sales.id}),
            (self.other, {"group_id": self.sales.id}),
            (self.other, {"user_id": self.owner.id}),
            (self.other, {"user_id": False, "group_id": False}),
            (self.portal, {"user_id": self.portal.id}),
            (self.mail_admin, {"user_id": self.owner.id}),
        ):
            self.assert_forgery_refused(
                user, MODEL, "create", [dict(values, **owner)], state=lambda: count([])
            )
        # The legitimate call: a mail administrator sets up the group's mailbox.
        answer = self.rpc(self.mail_admin, MODEL, "create", [dict(values, group_id=self.sales.id)])
        self.assertIn("result", answer, answer)
        created = self.env[MODEL].browse(answer["result"])
        self.assertEqual(created.group_id, self.sales)

    def test_the_account_type_follows_the_owner(self):
        address, password = self.new_mailbox()
        values = dict(
            self.account_values(address, password), user_id=self.owner.id, account_type="group"
        )
        answer = self.rpc(self.owner, MODEL, "create", [values])
        created = self.env[MODEL].browse(answer["result"])
        self.assertEqual(created.account_type, "personal")
        answer = self.rpc(
            self.owner, MODEL, "write", [[self.personal.id], {"account_type": "group"}]
        )
        self.assertEqual(self.personal.account_type, "personal")
        accounts = self.rpc(self.owner, MODEL, "client_accounts", [])["result"]
        self.assertEqual({account["account_type"] for account in accounts}, {"personal"})

    def test_a_non_member_mail_admin_cannot_take_a_group_account(self):
        self.assertFalse(self.shared.with_user(self.mail_admin).can_use)
        for values in (
            {"group_id": self.purchase.id},
            {"user_id": self.mail_admin.id, "group_id": False},
            {"user_id": self.mail_admin.id},
        ):
            self.refused(self.mail_admin, self.shared, "write", [[self.shared.id], values])
        # Through the group's list of accounts (the inverse of group_id) ...
        self.assert_forgery_refused(
            self.admin,
            "res.groups",
            "write",
            [
                [self.env.ref("base.group_system").id],
                {"dynaoffice_mail_account_ids": [(4, self.shared.id)]},
            ],
            state=lambda: self.account_state(self.shared),
        )
        # ... or the user's.
        self.assert_forgery_refused(
            self.admin,
            "res.users",
            "write",
            [[self.admin.id], {"dynaoffice_mail_account_ids": [(4, self.shared.id)]}],
            state=lambda: self.account_state(self.shared),
        )
        self.assertFalse(self.shared.with_user(self.mail_admin).can_use)
        self.assertFalse(self.shared.with_user(self.admin).can_use)

    def test_portal_users_see_and_change_no_account(self):
        for method, args in (
            ("search_read", [[]]),
            ("read", [[self.personal.id]]),
            ("write", [[self.personal.id], {"name": "portal"}]),
            ("client_accounts", []),
            ("unlink", [[self.shared.id]]),
        ):
            self.refused(self.portal, self.shared, method, args)
