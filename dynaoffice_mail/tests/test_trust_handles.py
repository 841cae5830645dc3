"""Issue #12, hole 5: message handles and assignments belong to their account.

A handle names a message of a mailbox (account, folder, UID) and what the list shows of it
(subject, sender, Message-ID); an assignment says which record's chatter holds it. Both
are made by the addon's own code, for mailboxes the caller may use and records the caller
may post on: users read them and change nothing in them.
"""

import datetime

from odoo.tests import tagged

from .common import RpcAttackCase, build_message

ACCOUNT = "dynaoffice.mail.account"
HANDLE = "dynaoffice.mail.message"
ASSIGNMENT = "dynaoffice.mail.assignment"
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


@tagged("post_install", "-at_install")
class TestTrustHandles(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.owner.groups_id += cls.env.ref("base.group_partner_manager")
        cls.customer = cls.env["res.partner"].create({"name": "Kunde Trust"})
        cls.servers.dovecot.write_messages(
            cls.personal_address, [("INBOX", build_message("Angebot Trust"), set(), RECEIVED)]
        )
        page = cls.personal.with_user(cls.owner).client_page("INBOX")
        cls.uidvalidity = page["uidvalidity"]
        cls.uid = page["messages"][0]["uid"]

    def setUp(self):
        super().setUp()
        # The legitimate way: the mail client asks for handles and assigns.
        answer = self.rpc(
            self.owner,
            ACCOUNT,
            "client_assign",
            [
                [self.personal.id],
                "INBOX",
                self.uidvalidity,
                [self.uid],
                "res.partner",
                self.customer.id,
            ],
        )
        self.assertEqual(answer["result"][str(self.uid)]["status"], "assigned", answer)
        self.handle = self.env[HANDLE].search([("account_id", "=", self.personal.id)])
        self.assignment = self.handle.assignment_ids
        self.assertEqual(len(self.assignment), 1)

    def state(self):
        handles = self.env[HANDLE].sudo().search_read([], order="id")
        assignments = self.env[ASSIGNMENT].sudo().search_read([], order="id")
        return handles, assignments

    def refused(self, user, model, method, args, kwargs=None):
        return self.assert_forgery_refused(user, model, method, args, kwargs, state=self.state)

    def test_nobody_makes_handles_by_hand(self):
        forged = {
            "account_id": self.personal.id,
            "folder": "INBOX",
            "uidvalidity": self.uidvalidity,
            "uid": self.uid + 1,
            "message_id": "<ceo-order@company.example>",
            "subject": "Überweisung freigegeben",
            "email_from": "ceo@company.example",
        }
        for user, values in (
            (self.owner, forged),
            (self.other, forged),
            (self.member, dict(forged, account_id=self.shared.id)),
            (self.mail_admin, dict(forged, account_id=self.shared.id)),
            (self.portal, forged),
        ):
            self.refused(user, HANDLE, "create", [values])

    def test_nobody_rewrites_a_handle(self):
        for values in (
            {"subject": "Überweisung freigegeben"},
            {"email_from": "ceo@company.example"},
            {"message_id": "<ceo-order@company.example>"},
            {"account_id": self.shared.id},
            {"folder": "Trash"},
            {"uid": self.uid + 100},
            {"uidvalidity": self.uidvalidity + 1},
        ):
            with self.subTest(values=values):
                self.refused(self.owner, HANDLE, "write", [[self.handle.id], values])
        self.refused(self.other, HANDLE, "read", [[self.handle.id]])
        self.refused(self.portal, HANDLE, "search_read", [[]])
        self.refused(self.owner, HANDLE, "unlink", [[self.handle.id]])

    def test_nobody_makes_or_moves_assignments_by_hand(self):
        chatter_entry = self.assignment.mail_message_id
        forged = {
            "message_id": self.handle.id,
            "res_model": "res.partner",
            "res_id": self.owner.partner_id.id,
            "mail_message_id": chatter_entry.id,
            "rfc_message_id": "<ceo-order@company.example>",
        }
        self.refused(self.owner, ASSIGNMENT, "create", [forged])
        self.refused(self.other, ASSIGNMENT, "create", [forged])
        for values in (
            {"res_id": self.owner.partner_id.id},
            {"res_model": "res.users"},
            {"message_id": self.handle.id},
            {"rfc_message_id": "<other@example.com>"},
        ):
            with self.subTest(values=values):
                self.refused(self.owner, ASSIGNMENT, "write", [[self.assignment.id], values])
        self.refused(self.owner, ASSIGNMENT, "unlink", [[self.assignment.id]])

    def test_the_addons_paths_check_mailbox_and_record(self):
        # Handles of a mailbox the caller may not use ...
        self.refused(
            self.other,
            ACCOUNT,
            "client_message_handles",
            [[self.personal.id], "INBOX", self.uidvalidity, [self.uid]],
        )
        # ... assigning somebody else's message ...
        self.refused(
            self.other,
            HANDLE,
            "assign_to_record",
            [[self.handle.id], "res.partner", self.customer.id],
        )
        # ... or onto a record the caller may not post on (a lead, without sales rights).
        lead = self.env["crm.lead"].create({"name": "Geheimes Projekt"})
        self.refused(
            self.owner, HANDLE, "assign_to_record", [[self.handle.id], "crm.lead", lead.id]
        )
        self.refused(
            self.owner,
            ACCOUNT,
            "client_assign",
            [[self.personal.id], "INBOX", self.uidvalidity, [self.uid], "crm.lead", lead.id],
        )

    def test_users_read_what_the_addon_made(self):
        answer = self.rpc(self.owner, HANDLE, "read", [[self.handle.id], ["subject", "email_from"]])
        self.assertEqual(answer["result"][0]["subject"], "Angebot Trust")
        answer = self.rpc(self.owner, ASSIGNMENT, "read", [[self.assignment.id], ["res_id"]])
        self.assertEqual(answer["result"][0]["res_id"], self.customer.id)
