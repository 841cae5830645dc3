"""Everyday polish of assigning mail (issue #20): the picker offers business records only,
"Create contact from sender" suggests the new contact's values, and a contact's "Search
mailboxes" names folders as the folder tree does.

Access is tested as the attacker calls it: JSON-RPC as a logged-in user.
"""

import datetime
import secrets

from odoo.tests import tagged

from ..roles import assigner
from .common import RpcAttackCase, build_message

MODEL = "dynaoffice.mail.account"
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


@tagged("post_install", "-at_install")
class TestAssignPolish(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Contact Creation, as Odoo gives every new user; CRM's salesman for the leads.
        cls.owner.groups_id += cls.env.ref("base.group_partner_manager")
        cls.owner.groups_id += cls.env.ref("sales_team.group_sale_salesman")
        cls.create_owned_accounts()
        Partner = cls.env["res.partner"]
        cls.domain = f"mueller-{secrets.token_hex(3)}.example"
        cls.company = Partner.create(
            {"name": "Müller Bau GmbH", "is_company": True, "website": f"https://www.{cls.domain}"}
        )
        cls.customer_address = f"jana-{secrets.token_hex(3)}@weiss-bau.example"
        cls.customer = Partner.create({"name": "Jana Weiß", "email": cls.customer_address})

    def deliver(self, subject, sender, folder="INBOX"):
        self.servers.dovecot.write_messages(
            self.personal_address,
            [(folder, build_message(subject, sender=sender), set(), RECEIVED)],
        )
        page = self.personal.with_user(self.owner).client_page(folder, search={"subject": subject})
        self.assertEqual(len(page["messages"]), 1, subject)
        return page["uidvalidity"], page["messages"][0]["uid"]

    # -- the picker offers business records only ---------------------------------------------

    def test_the_picker_offers_business_records_not_technical_ones(self):
        self.assertIn("dms.file", self.env, "the test database has the DMS installed")
        answer = self.rpc(self.owner, MODEL, "client_assignable_models", [])
        offered = {entry["model"] for entry in answer["result"]}
        self.assertLessEqual({"res.partner", "crm.lead"}, offered)
        for technical in (
            "dms.file",
            "dms.directory",
            "res.users",
            "res.groups",
            "mail.template",
            "discuss.channel",
            "dynaoffice.mail.account",
        ):
            self.assertNotIn(technical, offered)
        self.assertFalse([name for name in offered if name.startswith(("ir.", "mail."))])

    def test_a_model_that_is_not_offered_is_refused_over_rpc(self):
        uidvalidity, uid = self.deliver("Ablage bitte", "kunde@example.com")
        directory = self.env["dms.directory"].search([], limit=1)
        for res_model, res_id in (
            ("dms.directory", directory.id or 1),
            ("res.users", self.owner.id),
            ("mail.template", 1),
        ):
            with self.subTest(model=res_model):
                answer = self.rpc(self.owner, MODEL, "client_search_records", [res_model, ""])
                self.assertIn("error", answer)
                self.assertIn("Mail cannot be assigned", answer["error"]["data"]["message"])
                self.assert_forgery_refused(
                    self.owner,
                    MODEL,
                    "client_assign",
                    [[self.personal.id], "INBOX", uidvalidity, [uid], res_model, res_id],
                    state=lambda: self.env["dynaoffice.mail.assignment"].sudo().search_count([]),
                    error="Mail cannot be assigned",
                )
        # The contact is offered, and takes the mail.
        answer = self.rpc(
            self.owner,
            MODEL,
            "client_assign",
            [[self.personal.id], "INBOX", uidvalidity, [uid], "res.partner", self.customer.id],
        )
        self.assertEqual(answer["result"][str(uid)]["status"], "assigned", answer)

    def test_an_administrator_adds_a_model_and_cannot_add_a_technical_one(self):
        self.assertNotIn("crm.team", assigner.assignable_model_names(self.env))
        self.env["ir.config_parameter"].set_param(
            "dynaoffice_mail.assignable_models", "crm.team, dms.file ,ir.ui.view,,nope.model"
        )
        self.assertIn("crm.team", assigner.assignable_model_names(self.env))
        answer = self.rpc(self.owner, MODEL, "client_assignable_models", [])
        offered = {entry["model"] for entry in answer["result"]}
        self.assertNotIn("dms.file", offered)
        self.assertNotIn("ir.ui.view", offered)

    # -- "Create contact from sender" --------------------------------------------------------

    def contact_defaults(self, uidvalidity, uid):
        answer = self.rpc(
            self.owner,
            MODEL,
            "client_contact_defaults",
            [[self.personal.id], "INBOX", uidvalidity, uid],
        )
        self.assertIn("result", answer, answer)
        return answer["result"]

    def test_a_sender_of_a_known_company_joins_it(self):
        address = f"Tom Müller <Tom.Mueller@{self.domain.upper()}>"
        defaults = self.contact_defaults(*self.deliver("Angebot Dach", address))
        self.assertEqual(defaults["name"], "Tom Müller")
        self.assertEqual(defaults["email"], f"tom.mueller@{self.domain}")
        self.assertEqual(defaults["parent_id"], self.company.id)
        self.assertNotIn("company_name", defaults)
        self.assertFalse(defaults["existing"])

    def test_a_sender_of_an_unknown_company_gets_its_name_suggested(self):
        defaults = self.contact_defaults(*self.deliver("Anfrage", "info@schreinerei-holz.de"))
        self.assertEqual(defaults["name"], "info@schreinerei-holz.de")
        self.assertEqual(defaults["company_name"], "Schreinerei-holz")
        self.assertNotIn("parent_id", defaults)

    def test_a_free_mail_sender_gets_no_company(self):
        senders = ("Eva Klein <eva.klein@gmx.de>", "p.roth@gmail.com", "k@t-online.de")
        for number, sender in enumerate(senders):
            with self.subTest(sender=sender):
                defaults = self.contact_defaults(*self.deliver(f"Frage {number}", sender))
                self.assertNotIn("company_name", defaults)
                self.assertNotIn("parent_id", defaults)

    def test_a_sender_who_is_a_contact_already_is_named(self):
        sender = f"Jana <{self.customer_address}>"
        defaults = self.contact_defaults(*self.deliver("Rückfrage", sender))
        self.assertEqual(defaults["existing"]["res_id"], self.customer.id)

    def test_only_users_of_the_mailbox_get_the_defaults(self):
        uidvalidity, uid = self.deliver("Privat", "jemand@firma-x.example")
        for user in (self.other, self.member, self.mail_admin, self.portal):
            with self.subTest(user=user.login):
                answer = self.rpc(
                    user,
                    MODEL,
                    "client_contact_defaults",
                    [[self.personal.id], "INBOX", uidvalidity, uid],
                )
                self.assertIn("error", answer)
                self.assertNotIn("firma-x", str(answer))

    # -- a contact's "Search mailboxes" names folders as the tree does ------------------------

    def test_search_mailboxes_gives_what_the_tree_names_folders_from(self):
        sender = f"Jana <{self.customer_address}>"
        with self.imap(self.personal_address, self.personal_password) as client:
            client.create_folder("INBOX/Projekte")
            client.append("INBOX/Projekte", build_message("Projekt Dach", sender=sender))
        answer = self.rpc(
            self.owner, "dynaoffice.mail.account", "client_search_partner_mail", [self.customer.id]
        )["result"]
        found = {result["folder"]: result for result in answer["results"]}
        self.assertIn("INBOX/Projekte", found, answer)
        along = found["INBOX/Projekte"]["path_folders"]
        self.assertEqual([f["name"] for f in along], ["INBOX", "INBOX/Projekte"])
        self.assertEqual(along[0]["special_use"], "\\Inbox")
        self.assertEqual(along[1]["path"], ["INBOX", "Projekte"])

    def test_tour_creates_the_contact_from_the_sender_and_assigns_the_mail(self):
        self.deliver("Dachrinne", f"Tom Müller <tom@{self.domain}>")
        self.start_tour(
            "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
            "dynaoffice_mail_assign_new_contact",
            login=self.owner.login,
        )
        contact = self.env["res.partner"].search([("email", "=", f"tom@{self.domain}")])
        self.assertEqual(contact.name, "Tom Müller")
        self.assertEqual(contact.parent_id, self.company)
        self.assertIn("Dachrinne", contact.message_ids.mapped("subject"))
