"""The context pane (issue #21): the sender's contact and business beside the mail, one call
for the whole pane, each section only for apps that are installed and that the user may read,
record rules applied; an unknown sender created or linked; the sections' registry.

Called as the browser calls it: JSON-RPC as a logged-in user.
"""

import datetime
import secrets
from types import SimpleNamespace
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from .common import RpcAttackCase, build_message

MODEL = "dynaoffice.mail.account"
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
SIGNED = """Guten Tag,

bitte rufen Sie mich an.

Mit freundlichen Grüßen
Tom Neu
Neubau Planung GmbH
Tel. +49 40 555 1234
"""


def give_app_rights(user):
    """Contacts, Sales (own documents), Invoicing (billing) and Project (user)."""
    env = user.env
    user.groups_id += (
        env.ref("base.group_partner_manager")
        + env.ref("sales_team.group_sale_salesman")
        + env.ref("account.group_account_invoice")
        + env.ref("project.group_project_user")
    )


def create_business(env, salesman, other_salesman):
    """A customer (a person of a company) with an open quotation of `salesman`'s and one of
    `other_salesman`'s, an unpaid invoice, an opportunity and a task."""
    if not env.company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
    Partner = env["res.partner"]
    company = Partner.create(
        {
            "name": "Weiß Bau GmbH",
            "is_company": True,
            "phone": "+49 30 1234567",
            "user_id": salesman.id,
            "category_id": [(0, 0, {"name": "Dachdecker"})],
        }
    )
    customer_address = f"juergen-{secrets.token_hex(3)}@weiss-bau.example"
    customer = Partner.create(
        {"name": "Jürgen Weiß", "email": customer_address, "parent_id": company.id}
    )
    product = env["product.product"].create({"name": "Dachziegel", "list_price": 100.0})
    # No tax: the amounts the tests look for are the prices.
    line = {"product_id": product.id, "product_uom_qty": 3, "price_unit": 100.0, "tax_id": False}
    Order = env["sale.order"]
    own_order = Order.create(
        {"partner_id": customer.id, "user_id": salesman.id, "order_line": [(0, 0, line)]}
    )
    others_order = Order.create(
        {"partner_id": company.id, "user_id": other_salesman.id, "order_line": [(0, 0, line)]}
    )
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": company.id,
            "invoice_line_ids": [(0, 0, {"name": "Dachrinne", "quantity": 1, "price_unit": 250.0})],
        }
    )
    invoice.action_post()
    lead = env["crm.lead"].create(
        {
            "name": "Neues Dach Halle 2",
            "type": "opportunity",
            "partner_id": customer.id,
            "user_id": salesman.id,
            "expected_revenue": 12000,
        }
    )
    project = env["project.project"].create({"name": "Dachsanierung"})
    task = env["project.task"].create(
        {"name": "Aufmaß", "project_id": project.id, "partner_id": customer.id}
    )
    return SimpleNamespace(
        company=company,
        customer=customer,
        customer_address=customer_address,
        own_order=own_order,
        others_order=others_order,
        invoice=invoice,
        lead=lead,
        task=task,
    )


def sections_of(person):
    return {section["key"]: section for section in person.get("sections", [])}


@tagged("post_install", "-at_install")
class TestContextPane(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The owner sells (own documents only), bills and works on projects; the member
        # (the sales group's mailbox) has no app rights at all.
        give_app_rights(cls.owner)
        cls.create_owned_accounts()
        business = create_business(cls.env, cls.owner, other_salesman=cls.admin)
        for name, value in vars(business).items():
            setattr(cls, name, value)

    def deliver(self, subject, sender, *, address=None, body="Hallo\n", to=None):
        raw = build_message(subject, sender=sender, body=body)
        if to:
            raw = raw.replace(b"To: team@example.com", f"To: {to}".encode())
        self.servers.dovecot.write_messages(
            address or self.personal_address, [("INBOX", raw, set(), RECEIVED)]
        )
        if address in (None, self.personal_address):
            account = self.personal.with_user(self.owner)
        else:
            account = self.shared.with_user(self.member)
        page = account.client_page("INBOX", search={"subject": subject})
        self.assertEqual(len(page["messages"]), 1, subject)
        return page["uidvalidity"], page["messages"][0]["uid"]

    def pane(self, user, account, uidvalidity, uid):
        answer = self.rpc(user, MODEL, "client_context", [[account.id], "INBOX", uidvalidity, uid])
        self.assertIn("result", answer, answer)
        return answer["result"]

    # -- what the pane shows -----------------------------------------------------------------

    def test_the_pane_shows_the_senders_contact_and_business(self):
        message = self.deliver("Angebot Dach", f"Jürgen Weiß <{self.customer_address}>")
        pane = self.pane(self.owner, self.personal, *message)
        sender = pane["sender"]
        self.assertEqual(sender["partner"]["res_id"], self.customer.id)
        sections = sections_of(sender)
        self.assertEqual(list(sections), ["contact", "opportunities", "sales", "invoices", "tasks"])
        contact = sections["contact"]
        self.assertEqual(contact["contact"]["res_id"], self.customer.id)
        self.assertEqual(contact["company"]["res_id"], self.company.id)
        self.assertEqual(contact["company"]["phone"], "+49 30 1234567")
        self.assertEqual(contact["company"]["salesperson"], "Olga Owner")
        self.assertEqual(contact["company"]["tags"], ["Dachdecker"])
        self.assertIn(
            f"/web/image/res.partner/{self.customer.id}/", contact["contact"]["avatar_url"]
        )
        self.assertEqual(
            [(line["res_model"], line["res_id"]) for line in sections["opportunities"]["lines"]],
            [("crm.lead", self.lead.id)],
        )
        invoices = sections["invoices"]
        self.assertEqual(invoices["lines"][0]["res_id"], self.invoice.id)
        self.assertIn("250.00", invoices["lines"][0]["amount"])
        self.assertIn("250.00", invoices["total"])
        self.assertEqual(sections["tasks"]["lines"][0]["res_id"], self.task.id)
        # A paid-up customer: the invoice section goes once nothing is due.
        self.invoice.sudo().button_draft()
        self.invoice.sudo().button_cancel()
        self.assertNotIn(
            "invoices", sections_of(self.pane(self.owner, self.personal, *message)["sender"])
        )

    def test_record_rules_apply_a_salesman_sees_his_own_orders(self):
        message = self.deliver("Bestellung", self.customer_address)
        sales = sections_of(self.pane(self.owner, self.personal, *message)["sender"])["sales"]
        # Two open orders for the company, one of them another salesman's.
        self.assertEqual(
            self.env["sale.order"].search_count([("partner_id", "child_of", self.company.id)]), 2
        )
        self.assertEqual(sales["count"], 1)
        self.assertEqual([line["res_id"] for line in sales["lines"]], [self.own_order.id])
        self.assertIn("300.00", sales["lines"][0]["amount"])
        self.assertNotIn(self.others_order.name, str(sales))

    def test_a_user_without_app_rights_gets_no_business_sections(self):
        message = self.deliver(
            "Anfrage Vertrieb", self.customer_address, address=self.shared_address
        )
        pane = self.pane(self.member, self.shared, *message)
        # Tasks of a project open to all employees are the member's to read (Project's record
        # rules); opportunities, orders and invoices are not.
        self.assertEqual(list(sections_of(pane["sender"])), ["contact", "tasks"])
        self.assertNotIn(self.own_order.name, str(pane))
        self.assertNotIn("250.00", str(pane))

    def test_only_users_of_the_mailbox_get_the_pane(self):
        message = self.deliver("Privat", self.customer_address)
        for user in (self.other, self.member, self.mail_admin, self.portal):
            with self.subTest(user=user.login):
                answer = self.rpc(
                    user, MODEL, "client_context", [[self.personal.id], "INBOX", *message]
                )
                self.assertIn("error", answer)
                self.assertNotIn(self.customer.name, str(answer))

    def test_other_people_are_listed_and_their_sections_asked_for_on_opening(self):
        colleague = self.env["res.partner"].create(
            {"name": "Petra Weiß", "email": "petra@weiss-bau.example", "parent_id": self.company.id}
        )
        message = self.deliver(
            "Rückfrage",
            "unbekannt@example.org",
            to=f"{self.personal_address}, Petra Weiß <petra@weiss-bau.example>",
        )
        pane = self.pane(self.owner, self.personal, *message)
        self.assertEqual(
            [person["email"] for person in pane["others"]], ["petra@weiss-bau.example"]
        )
        other = pane["others"][0]
        self.assertEqual(other["partner"]["res_id"], colleague.id)
        self.assertNotIn("sections", other)
        answer = self.rpc(self.owner, MODEL, "client_context_sections", [colleague.id])
        keys = [section["key"] for section in answer["result"]]
        self.assertIn("sales", keys)
        # The member may read the contact but no orders.
        answer = self.rpc(self.member, MODEL, "client_context_sections", [colleague.id])
        self.assertEqual([section["key"] for section in answer["result"]], ["contact", "tasks"])

    def test_a_task_followed_in_a_private_project_is_listed_with_its_project(self):
        # Odoo lets an employee read the tasks he is assigned to (and so follows) in a
        # project open to its followers only, not the project itself; its task list names
        # the project all the same, and so does the pane.
        private = self.env["project.project"].create(
            {"name": "Gutachten vertraulich", "privacy_visibility": "followers"}
        )
        task = self.env["project.task"].create(
            {
                "name": "Schadensgutachten",
                "project_id": private.id,
                "partner_id": self.customer.id,
                "user_ids": [Command.link(self.member.id)],
            }
        )
        self.assertTrue(task.with_user(self.member).has_access("read"))
        self.assertFalse(private.with_user(self.member).has_access("read"))
        message = self.deliver("Gutachten", self.customer_address, address=self.shared_address)
        tasks = sections_of(self.pane(self.member, self.shared, *message)["sender"])["tasks"]
        lines = {line["res_id"]: line for line in tasks["lines"]}
        self.assertEqual(set(lines), {self.task.id, task.id})
        self.assertEqual(lines[task.id]["name"], "Schadensgutachten")
        self.assertEqual(lines[task.id]["detail"], "Gutachten vertraulich")
        self.assertEqual(lines[self.task.id]["detail"], "Dachsanierung")

    def test_a_contact_under_a_company_the_user_may_not_read_shows_without_it(self):
        # A contact open to every company under a company contact of a sister company only
        # (imported so, or made by code that did not give it its company's company).
        sister = self.env["res.company"].create({"name": "Schwesterfirma Süd"})
        company = self.env["res.partner"].create(
            {
                "name": "Südwerk AG",
                "is_company": True,
                "phone": "+49 89 7777",
                "company_id": sister.id,
            }
        )
        contact = self.env["res.partner"].create(
            {"name": "Sabine Süd", "email": "sabine@suedwerk.example", "parent_id": company.id}
        )
        self.assertFalse(contact.company_id)
        self.assertFalse(company.with_user(self.owner).has_access("read"))
        message = self.deliver("Termin Südwerk", "sabine@suedwerk.example")
        sender = self.pane(self.owner, self.personal, *message)["sender"]
        self.assertEqual(sender["partner"]["res_id"], contact.id)
        contact_section = sections_of(sender)["contact"]
        self.assertEqual(contact_section["contact"]["res_id"], contact.id)
        self.assertFalse(contact_section["company"])
        self.assertNotIn("+49 89 7777", str(sender))

    def test_in_mail_this_mailbox_sent_the_recipient_is_the_customer(self):
        message = self.deliver(
            "Unser Angebot", self.personal_address, to=f"Jürgen Weiß <{self.customer_address}>"
        )
        pane = self.pane(self.owner, self.personal, *message)
        self.assertEqual(pane["sender"]["partner"]["res_id"], self.customer.id)
        self.assertIn("sales", sections_of(pane["sender"]))
        self.assertEqual(pane["others"], [])
        # An unknown recipient is named, with nothing to create from a sender.
        message = self.deliver("Erstkontakt", self.personal_address, to="neu@firma-neu.example")
        pane = self.pane(self.owner, self.personal, *message)
        self.assertEqual(pane["sender"]["email"], "neu@firma-neu.example")
        self.assertNotIn("new_contact", pane["sender"])

    def test_the_mails_assigned_to_the_contact_are_listed(self):
        message = self.deliver("Zuordnung", self.customer_address)
        self.personal.with_user(self.owner).client_assign(
            "INBOX", message[0], [message[1]], "res.partner", self.customer.id
        )
        mails = sections_of(self.pane(self.owner, self.personal, *message)["sender"])["mails"]
        self.assertEqual(mails["count"], 1)
        self.assertEqual(mails["lines"][0]["name"], "Zuordnung")
        self.assertEqual(mails["lines"][0]["ref"]["uid"], message[1])

    def test_a_mail_assigned_to_the_contact_and_its_company_is_listed_once(self):
        older = self.deliver("Erste Anfrage", self.customer_address)
        message = self.deliver("Zweite Anfrage", self.customer_address)
        account = self.personal.with_user(self.owner)
        for partner in (self.customer, self.company):
            account.client_assign("INBOX", message[0], [message[1]], "res.partner", partner.id)
        account.client_assign("INBOX", older[0], [older[1]], "res.partner", self.company.id)
        mails = sections_of(self.pane(self.owner, self.personal, *message)["sender"])["mails"]
        self.assertEqual(
            sorted(line["name"] for line in mails["lines"]), ["Erste Anfrage", "Zweite Anfrage"]
        )
        self.assertEqual(mails["count"], 2)
        # As many as the contact's smart button counts.
        self.assertEqual(self.company.with_user(self.owner).dynaoffice_mail_assigned_count, 2)

    # -- the registry: another addon's section -------------------------------------------------

    def test_an_addon_adds_a_section_through_the_hook(self):
        Context = self.registry["dynaoffice.mail.context"]
        builtin = Context._context_sections

        def with_warranty(context):
            def warranty(partner):
                return {"title": "Warranty", "count": 1, "lines": [{"name": partner.name}]}

            return [*builtin(context), ("warranty", warranty), ("nothing", lambda partner: None)]

        message = self.deliver("Garantie", self.customer_address)
        with patch.object(Context, "_context_sections", with_warranty):
            sections = self.pane(self.owner, self.personal, *message)["sender"]["sections"]
        self.assertEqual(sections[-1]["key"], "warranty")
        self.assertEqual(sections[-1]["lines"], [{"name": "Jürgen Weiß"}])
        self.assertNotIn("nothing", [section["key"] for section in sections])

    # -- an unknown sender ----------------------------------------------------------------------

    def test_an_unknown_sender_comes_with_a_new_contact_from_the_signature(self):
        message = self.deliver("Rückruf", "tom.neu@neubau-planung.example", body=SIGNED)
        sender = self.pane(self.owner, self.personal, *message)["sender"]
        self.assertFalse(sender["partner"])
        self.assertNotIn("sections", sender)
        new = sender["new_contact"]
        self.assertEqual(new["name"], "Tom Neu")
        self.assertEqual(new["email"], "tom.neu@neubau-planung.example")
        self.assertEqual(new["company_name"], "Neubau Planung GmbH")
        self.assertEqual(new["phone"], "+49 40 555 1234")

    def test_link_to_a_contact_without_an_address_fills_it(self):
        partner = self.env["res.partner"].create({"name": "Bauamt Nord"})
        message = self.deliver("Genehmigung", "Amt <bauamt@nord.example>")
        answer = self.rpc(
            self.owner,
            MODEL,
            "client_link_sender",
            [[self.personal.id], "INBOX", *message, partner.id],
        )
        self.assertEqual(
            answer["result"], {"partner": answer["result"]["partner"], "created": False}
        )
        self.assertEqual(partner.email, "bauamt@nord.example")
        sender = self.pane(self.owner, self.personal, *message)["sender"]
        self.assertEqual(sender["partner"]["res_id"], partner.id)

    def test_link_to_a_contact_with_an_address_adds_a_contact_of_its_company(self):
        message = self.deliver("Rechnung", "Buchhaltung Weiß <buchhaltung@weiss-bau.example>")
        answer = self.rpc(
            self.owner,
            MODEL,
            "client_link_sender",
            [[self.personal.id], "INBOX", *message, self.customer.id],
        )
        self.assertTrue(answer["result"]["created"])
        child = self.env["res.partner"].browse(answer["result"]["partner"]["res_id"])
        self.assertEqual(child.parent_id, self.company)
        self.assertEqual(child.name, "Buchhaltung Weiß")
        self.assertEqual(child.email, "buchhaltung@weiss-bau.example")
        self.assertEqual(self.customer.email, self.customer_address)  # not replaced

    def test_a_contact_added_under_a_company_of_another_company_stays_in_it(self):
        # The owner works for two companies; a customer of the sister company is closed to
        # the users of the first one.
        sister = self.env["res.company"].create({"name": "Schwesterfirma Nord"})
        self.owner.company_ids = [Command.link(sister.id)]
        customer = self.env["res.partner"].create(
            {
                "name": "Nordwerk AG",
                "is_company": True,
                "email": "info@nordwerk.example",
                "company_id": sister.id,
            }
        )
        message = self.deliver("Lieferung", "Einkauf Nordwerk <einkauf@nordwerk.example>")
        answer = self.rpc(
            self.owner,
            MODEL,
            "client_link_sender",
            [[self.personal.id], "INBOX", *message, customer.id],
        )
        self.assertTrue(answer["result"]["created"], answer)
        child = self.env["res.partner"].browse(answer["result"]["partner"]["res_id"])
        self.assertEqual(child.parent_id, customer)
        # As Odoo's contact form makes a contact of a company: in the company's company.
        self.assertEqual(child.company_id, sister)
        found = self.rpc(
            self.other,
            "res.partner",
            "search_read",
            [[("email", "=", "einkauf@nordwerk.example")]],
            {"fields": ["display_name"]},
        )
        self.assertEqual(found["result"], [])
        self.assertNotIn("Nordwerk", str(found))

    def test_link_to_a_contact_under_a_company_the_user_may_not_read_says_why_not(self):
        # A contact open to every company, with an address, under a company contact of a
        # sister company only: the new contact would be the hidden company's.
        sister = self.env["res.company"].create({"name": "Schwesterfirma West"})
        company = self.env["res.partner"].create(
            {"name": "Westwerk Geheim AG", "is_company": True, "company_id": sister.id}
        )
        contact = self.env["res.partner"].create(
            {"name": "Wilma West", "email": "wilma@westwerk.example", "parent_id": company.id}
        )
        self.assertTrue(contact.with_user(self.owner).has_access("write"))
        self.assertFalse(company.with_user(self.owner).has_access("read"))
        message = self.deliver("Angebot West", "Einkauf West <einkauf@westwerk.example>")
        error = self.assert_forgery_refused(
            self.owner,
            MODEL,
            "client_link_sender",
            [[self.personal.id], "INBOX", *message, contact.id],
            state=lambda: (
                self.env["res.partner"]
                .sudo()
                .with_context(active_test=False)
                .search_count([("email", "=", "einkauf@westwerk.example")])
            ),
        )
        self.assertIn("Wilma West", error)
        self.assertIn("company", error)
        self.assertNotIn("top-secret", error)
        self.assertNotIn("Westwerk Geheim", error)

    def test_linking_needs_the_mailbox_and_the_right_to_edit_the_contact(self):
        partner = self.env["res.partner"].create({"name": "Ohne Adresse"})
        message = self.deliver("Verknüpfen", "x@firma-x.example", address=self.shared_address)
        # The member uses the mailbox but may not edit contacts; the others may not use it.
        for user in (self.member, self.other, self.mail_admin, self.portal):
            with self.subTest(user=user.login):
                self.assert_forgery_refused(
                    user,
                    MODEL,
                    "client_link_sender",
                    [[self.shared.id], "INBOX", *message, partner.id],
                    state=lambda: (
                        partner.sudo().email,
                        self.env["res.partner"]
                        .sudo()
                        .search_count([("email", "=", "x@firma-x.example")]),
                    ),
                )
