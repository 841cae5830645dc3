"""Records created from a mail ("Create ..." and the server actions), end to end: messages
on Dovecot, the new record prefilled from them, the mail then in its chatter with its
files and the keyword on the server, and who may create what (over RPC as well).

The test database has CRM and Project (devtools TEST_APPS); this addon depends on neither.
"""

import email.message
import secrets
import ssl

import imapclient

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RpcAttackCase, build_message

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40
KEYWORD = b"$Odoo-Assigned"
HANDLE = "dynaoffice.mail.message"
HOSTILE_HTML = (
    "<p>Bitte um ein <b>Angebot</b> für das Dach.</p>"
    "<script>alert('script')</script>"
    '<img src="x" onerror="alert(\'onerror\')">'
    "<a href=\"javascript:alert('link')\">Details</a>"
    '<img src="https://tracker.example/pixel.gif">'
    '<div style="position: fixed; top: 0">Über allem</div>'
    '<iframe src="https://evil.example/frame"></iframe>'
)


@tagged("post_install", "-at_install")
class TestCreateFromMail(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Contact Creation, as Odoo gives every new user: posting on a contact needs it.
        contacts = cls.env.ref("base.group_partner_manager")
        for user in (cls.owner, cls.member, cls.other):
            user.groups_id += contacts
        # The owner sells and runs projects; the group's member does neither.
        cls.owner.groups_id += cls.env.ref("sales_team.group_sale_salesman")
        cls.owner.groups_id += cls.env.ref("project.group_project_user")
        cls.customer_address = f"juergen-{secrets.token_hex(3)}@weiss-bau.example"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jürgen Weiß", "email": cls.customer_address}
        )
        cls.project = cls.env["project.project"].create({"name": "Dachsanierungen"})

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.account = self.personal.with_user(self.owner)

    # -- helpers ------------------------------------------------------------------------

    def deliver(self, raw, address=None):
        self.deliver_to(address or self.personal_address, raw)

    def find(self, subject, account=None):
        return self.find_by_subject(account or self.account, subject)

    def inquiry(self, subject, sender=None, html=HOSTILE_HTML):
        """A customer's HTML inquiry with a PDF."""
        message = email.message.EmailMessage()
        message["From"] = sender or f"Jürgen Weiß <{self.customer_address}>"
        message["To"] = self.personal_address
        message["Subject"] = subject
        message["Message-ID"] = f"<{secrets.token_hex(8)}@weiss-bau.example>"
        message.set_content("Bitte um ein Angebot für das Dach.")
        message.add_alternative(html, subtype="html")
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Plan.pdf")
        return message.as_bytes()

    def server_flags(self, uid):
        context = ssl.create_default_context(cadata=self.ca_pem)
        client = imapclient.IMAPClient("localhost", port=self.ports.imaps, ssl_context=context)
        client.login(self.personal_address, self.personal_password)
        try:
            client.select_folder("INBOX", readonly=True)
            return client.get_flags([uid]).get(uid, ())
        finally:
            client.logout()

    def assert_hostile_html_gone(self, text):
        for left_out in ("<script", "alert(", "onerror", "javascript:", "tracker.example"):
            self.assertNotIn(left_out, text)
        for left_out in ("evil.example", "position", "<iframe"):
            self.assertNotIn(left_out, text)

    def handle_ids(self, uidvalidity, uids, account=None):
        handles = (account or self.account).client_message_handles("INBOX", uidvalidity, uids)
        return [handles[uid] for uid in uids]

    def run_action(self, action, user, handle_ids):
        return (
            action.with_user(user)
            .with_context(active_model=HANDLE, active_ids=handle_ids, active_id=handle_ids[0])
            .run()
        )

    # -- prefill ------------------------------------------------------------------------

    def test_defaults_take_the_subject_the_senders_contact_and_the_sanitised_body(self):
        self.deliver(self.inquiry("AW: [Vertrieb] Anfrage Dachsanierung"))
        uidvalidity, uid = self.find("Anfrage Dachsanierung")

        lead = self.account.client_create_defaults("INBOX", uidvalidity, uid, "crm.lead")
        context = lead["context"]
        self.assertEqual(lead["res_model"], "crm.lead")
        # Reply prefixes and list tags are no part of the lead's name.
        self.assertEqual(context["default_name"], "Anfrage Dachsanierung")
        self.assertEqual(context["default_partner_id"], self.customer.id)
        self.assertNotIn("default_email_from", context)
        self.assertEqual(lead["partner"]["res_id"], self.customer.id)
        description = context["default_description"]
        self.assertIn("<b>Angebot</b>", description)
        self.assertIn("Über allem", description)
        self.assert_hostile_html_gone(description)

        task = self.account.client_create_defaults("INBOX", uidvalidity, uid, "project.task")
        self.assertEqual(task["context"]["default_name"], "Anfrage Dachsanierung")
        self.assertEqual(task["context"]["default_partner_id"], self.customer.id)
        self.assertEqual(task["context"]["default_description"], description)
        # Nothing was made by asking.
        self.assertFalse(
            self.env["crm.lead"].search_count([("name", "=", "Anfrage Dachsanierung")])
        )

    def test_an_unknown_sender_leaves_the_partner_empty_and_gives_the_address(self):
        stranger = f"neu-{secrets.token_hex(3)}@dachdecker.example"
        self.deliver(
            build_message(
                "Anfrage <Halle 3> & Dach", sender=f"Neu Kunde <{stranger}>", body="Zeile <1>\n"
            )
        )
        uidvalidity, uid = self.find("Halle 3")
        context = self.account.client_create_defaults("INBOX", uidvalidity, uid, "crm.lead")[
            "context"
        ]
        self.assertNotIn("default_partner_id", context)
        self.assertEqual(context["default_email_from"], stranger)
        # The sender's name as the lead's contact name: converting the lead makes the
        # customer "Neu Kunde", not one named after the address.
        self.assertEqual(context["default_contact_name"], "Neu Kunde")
        self.assertEqual(context["default_name"], "Anfrage <Halle 3> & Dach")
        # Plain text into an HTML field: escaped, not taken for markup.
        self.assertIn("Zeile &lt;1&gt;", context["default_description"])

        # A contact is the sender, as "Create contact from sender" suggests it.
        contact = self.account.client_create_defaults("INBOX", uidvalidity, uid, "res.partner")
        self.assertEqual(contact["context"]["default_name"], "Neu Kunde")
        self.assertEqual(contact["context"]["default_email"], stranger)
        self.assertEqual(contact["context"]["default_company_name"], "Dachdecker")

    def test_an_address_of_several_contacts_gives_the_contact_the_pane_shows(self):
        # The address is the company's and one of its people's: the context pane names the
        # person as the sender (roles/context.py); the new lead is for the same contact.
        address = f"info-{secrets.token_hex(3)}@albrecht-dach.example"
        company = self.env["res.partner"].create(
            {"name": "Albrecht Dach GmbH", "is_company": True, "email": address}
        )
        person = self.env["res.partner"].create(
            {"name": "Empfang", "email": address, "parent_id": company.id}
        )
        self.deliver(build_message("Anfrage Vordach", sender=address))
        uidvalidity, uid = self.find("Anfrage Vordach")
        pane = self.account.client_context("INBOX", uidvalidity, uid)
        self.assertEqual(pane["sender"]["partner"]["res_id"], person.id)
        lead = self.account.client_create_defaults("INBOX", uidvalidity, uid, "crm.lead")
        self.assertEqual(lead["context"]["default_partner_id"], person.id)
        self.assertEqual(lead["partner"]["res_id"], person.id)

    # -- create, then assign -------------------------------------------------------------

    def test_the_saved_record_gets_the_mail_with_its_files_as_assign_to_does(self):
        self.deliver(self.inquiry("Anfrage Sporthalle"))
        uidvalidity, uid = self.find("Anfrage Sporthalle")
        defaults = self.account.client_create_defaults("INBOX", uidvalidity, uid, "crm.lead")
        # The form: the default_* values, the name edited by the user, then saved.
        lead = (
            self.env["crm.lead"]
            .with_user(self.owner)
            .with_context(**defaults["context"])
            .create({"name": "Sporthalle Nord: Dach"})
        )
        self.assertEqual(lead.partner_id, self.customer)
        self.assertIn("<b>Angebot</b>", lead.description)
        self.assert_hostile_html_gone(str(lead.description))

        result = self.account.client_assign("INBOX", uidvalidity, [uid], "crm.lead", lead.id)
        self.assertEqual(result[uid]["status"], "assigned")
        posted = self.env["mail.message"].browse(result[uid]["mail_message_id"])
        self.assertEqual((posted.model, posted.res_id), ("crm.lead", lead.id))
        self.assertEqual(posted.subject, "Anfrage Sporthalle")
        self.assertEqual(posted.message_type, "email")
        self.assertEqual({a.name: a.raw for a in posted.attachment_ids}, {"Plan.pdf": PDF})
        self.assertIn(KEYWORD, self.server_flags(uid))
        markers = self.account.client_assignments("INBOX", uidvalidity, [uid])
        self.assertEqual(
            [(m["res_model"], m["res_id"]) for m in markers[uid]], [("crm.lead", lead.id)]
        )

    # -- who may create what --------------------------------------------------------------

    def test_only_models_the_user_may_create_are_offered_and_the_rpc_refuses_others(self):
        self.deliver(
            build_message("Anfrage an den Vertrieb", sender=self.customer_address),
            address=self.shared_address,
        )
        shared = self.shared.with_user(self.member)
        uidvalidity, uid = self.find("Anfrage an den Vertrieb", account=shared)

        offered = {entry["model"]: entry for entry in self.account.client_creatable_models()}
        self.assertTrue(offered["crm.lead"]["featured"])
        self.assertTrue(offered["project.task"]["featured"])
        self.assertFalse(offered["res.partner"]["featured"])
        # Without sales or project rights: no leads, no projects; private tasks, as Odoo
        # lets every employee make them.
        member_offers = self.rpc(
            self.member, "dynaoffice.mail.account", "client_creatable_models", []
        )["result"]
        member_models = {entry["model"] for entry in member_offers}
        self.assertEqual(member_models & {"crm.lead", "project.project"}, set())
        self.assertLessEqual({"res.partner", "project.task"}, member_models)

        leads = lambda: self.env["crm.lead"].sudo().search_count([])
        args = [[self.shared.id], "INBOX", uidvalidity, uid]
        for res_model, error in (
            ("crm.lead", "You may not create records of"),
            ("project.project", "You may not create records of"),
            ("res.users", "cannot be created from mail"),
            ("ir.config_parameter", "cannot be created from mail"),
            (["crm.lead"], "cannot be created from mail"),
        ):
            with self.subTest(res_model=res_model):
                self.assert_forgery_refused(
                    self.member,
                    "dynaoffice.mail.account",
                    "client_create_defaults",
                    [*args, res_model],
                    state=leads,
                    error=error,
                )
        # Nor as code: the handle's method checks the same.
        handle = self.env[HANDLE].browse(self.handle_ids(uidvalidity, [uid], account=shared))
        with self.assertRaisesRegex(UserError, "You may not create records of"):
            handle.with_user(self.member).create_record_from_mail("crm.lead")
        # Someone who may not use the group's mailbox learns nothing of its mail.
        self.assert_forgery_refused(
            self.other,
            "dynaoffice.mail.account",
            "client_create_defaults",
            [*args, "res.partner"],
            state=leads,
        )

        # With sales rights the member may: the lead is prefilled from the group's mail.
        self.member.groups_id += self.env.ref("sales_team.group_sale_salesman")
        answer = self.rpc(
            self.member, "dynaoffice.mail.account", "client_create_defaults", [*args, "crm.lead"]
        )
        self.assertEqual(answer["result"]["context"]["default_name"], "Anfrage an den Vertrieb")

    # -- server actions -------------------------------------------------------------------

    def test_server_action_creates_a_lead_from_each_mail(self):
        self.deliver(self.inquiry("Anfrage Carport"))
        self.deliver(build_message("Anfrage Garage", sender="Frieda Fremd <fremd@example.org>"))
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        uids = [m["uid"] for m in page["messages"]]
        handle_ids = self.handle_ids(page["uidvalidity"], uids)

        action = self.env.ref("dynaoffice_mail.dynaoffice_mail_message_action_create_lead")
        self.assertIn(
            "Create a lead from this mail",
            {a["name"] for a in self.account.client_message_actions()},
        )
        result = self.run_action(action, self.owner, handle_ids)
        self.assertEqual(result["params"]["type"], "success")
        leads = self.env["crm.lead"].search([("name", "in", ["Anfrage Carport", "Anfrage Garage"])])
        self.assertEqual(len(leads), 2)
        by_name = {lead.name: lead for lead in leads}
        self.assertEqual(by_name["Anfrage Carport"].partner_id, self.customer)
        self.assert_hostile_html_gone(str(by_name["Anfrage Carport"].description))
        self.assertEqual(by_name["Anfrage Garage"].email_from, "fremd@example.org")
        # Converted, the lead's new customer is the sender, not one named "Anfrage Garage".
        self.assertEqual(by_name["Anfrage Garage"]._create_customer().name, "Frieda Fremd")
        self.assertEqual(by_name["Anfrage Carport"].create_uid, self.owner)
        for lead in leads:
            posted = lead.message_ids.filtered(lambda m: m.message_type == "email")
            self.assertEqual(posted.subject, lead.name)
        carport = by_name["Anfrage Carport"].message_ids.filtered(
            lambda m: m.message_type == "email"
        )
        self.assertEqual(carport.attachment_ids.mapped("name"), ["Plan.pdf"])
        for uid in uids:
            self.assertIn(KEYWORD, self.server_flags(uid))

        # Not offered, and refused, to a mail user who may not create leads.
        member_actions = self.rpc(
            self.member, "dynaoffice.mail.account", "client_message_actions", []
        )["result"]
        self.assertNotIn("Create a lead from this mail", {a["name"] for a in member_actions})
        self.assertIn("Assign to sender's contact", {a["name"] for a in member_actions})

    def test_server_action_creates_nothing_from_mail_deleted_elsewhere(self):
        """The list still shows a message another mail program deleted since, its text is
        still in the reading cache: no lead is made of it (it would lack the mail), the
        notification says it is gone, the other message gets its lead."""
        self.deliver(build_message("Anfrage Wintergarten", sender=self.customer_address))
        self.deliver(build_message("Anfrage Terrasse", sender=self.customer_address))
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        uid_of = {m["subject"]: m["uid"] for m in page["messages"]}
        gone, kept = uid_of["Anfrage Wintergarten"], uid_of["Anfrage Terrasse"]
        handle_ids = self.handle_ids(page["uidvalidity"], [gone, kept])
        self.account.client_message("INBOX", page["uidvalidity"], gone)  # read: in the cache
        context = ssl.create_default_context(cadata=self.ca_pem)
        client = imapclient.IMAPClient("localhost", port=self.ports.imaps, ssl_context=context)
        client.login(self.personal_address, self.personal_password)
        try:
            client.select_folder("INBOX")
            client.delete_messages([gone])
            client.expunge()
        finally:
            client.logout()

        action = self.env.ref("dynaoffice_mail.dynaoffice_mail_message_action_create_lead")
        result = self.run_action(action, self.owner, handle_ids)

        self.assertEqual(
            result["params"]["message"],
            "Created: Anfrage Terrasse. 1 message is no longer on the mail server.",
        )
        self.assertEqual(result["params"]["type"], "warning")
        leads = self.env["crm.lead"].search([("name", "like", "Anfrage ")])
        self.assertEqual(leads.mapped("name"), ["Anfrage Terrasse"])

    def test_server_action_creates_a_task_in_the_chosen_project(self):
        self.deliver(self.inquiry("Undichtes Dach Halle 2"))
        uidvalidity, uid = self.find("Undichtes Dach Halle 2")
        handle_ids = self.handle_ids(uidvalidity, [uid])
        template = self.env.ref("dynaoffice_mail.dynaoffice_mail_message_action_create_task")
        self.assertEqual(template.dynaoffice_create_model_id.model, "project.task")
        # As an administrator configures it: the template's model, a project to create in.
        action = template.copy(
            {
                "name": "Aufgabe in Dachsanierungen",
                "dynaoffice_create_in": f"project.project,{self.project.id}",
            }
        )
        result = self.run_action(action, self.owner, handle_ids)
        task = self.env["project.task"].search([("name", "=", "Undichtes Dach Halle 2")])
        self.assertEqual(len(task), 1)
        self.assertEqual(task.project_id, self.project)
        self.assertEqual(task.partner_id, self.customer)
        self.assertIn("Undichtes Dach Halle 2", result["params"]["message"])
        posted = task.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(posted.attachment_ids.mapped("name"), ["Plan.pdf"])
        # Again on the same mail: a second task, the mail in each (once).
        self.run_action(action, self.owner, handle_ids)
        self.assertEqual(
            self.env["project.task"].search_count([("name", "=", "Undichtes Dach Halle 2")]), 2
        )

    def test_server_action_settings_are_checked(self):
        Action = self.env["ir.actions.server"]
        handle_model = self.env["ir.model"]._get(HANDLE)
        with self.assertRaisesRegex(ValidationError, "runs on mail messages"):
            Action.create(
                {
                    "name": "Falsch",
                    "model_id": self.env["ir.model"]._get("res.partner").id,
                    "state": "dynaoffice_create",
                    "dynaoffice_create_model": "crm.lead",
                }
            )
        with self.assertRaisesRegex(ValidationError, "cannot be created in"):
            Action.create(
                {
                    "name": "Aufgabe im Postfach",
                    "model_id": handle_model.id,
                    "state": "dynaoffice_create",
                    "dynaoffice_create_model": "project.task",
                    "dynaoffice_create_in": f"dynaoffice.mail.account,{self.personal.id}",
                }
            )
        # The form's model field writes the technical name the action keeps.
        action = Action.create(
            {
                "name": "Kontakt aus Mail",
                "model_id": handle_model.id,
                "groups_id": [Command.link(self.env.ref("base.group_user").id)],
                "state": "dynaoffice_create",
                "dynaoffice_create_model_id": self.env["ir.model"]._get("res.partner").id,
            }
        )
        self.assertEqual(action.dynaoffice_create_model, "res.partner")
        # A model whose app is missing: neither offered nor run.
        action.dynaoffice_create_model = "helpdesk.ticket"
        action.binding_model_id = handle_model
        self.assertNotIn(
            "Kontakt aus Mail", {a["name"] for a in self.account.client_message_actions()}
        )
        self.deliver(build_message("Frage", sender=self.customer_address))
        uidvalidity, uid = self.find("Frage")
        with self.assertRaisesRegex(UserError, "cannot be created from mail"):
            self.run_action(action, self.owner, self.handle_ids(uidvalidity, [uid]))

    def test_a_contact_of_another_active_company_does_not_block_the_lead(self):
        """With two companies active, a mail from a customer of the other one: the lead (made
        in the current company) took that contact and creating it failed ("Incompatible
        companies on records"). It is made with the address; a contact open to every
        company with the address is taken."""
        sister = self.env["res.company"].create({"name": "Schwesterfirma Nord"})
        self.owner.company_ids += sister
        address = f"einkauf-{secrets.token_hex(3)}@schwester.example"
        self.env["res.partner"].create(
            {"name": "Kunde der Schwester", "email": address, "company_id": sister.id}
        )
        self.deliver(build_message("Anfrage Lager", sender=f"Nora Nord <{address}>"))
        uidvalidity, uid = self.find("Anfrage Lager")
        (handle_id,) = self.handle_ids(uidvalidity, [uid])
        handle = (
            self.env[HANDLE]
            .with_user(self.owner)
            .with_context(allowed_company_ids=[self.owner.company_id.id, sister.id])
            .browse(handle_id)
        )
        lead = handle.create_record_from_mail("crm.lead")
        self.assertEqual(lead.company_id, self.owner.company_id)
        self.assertFalse(lead.partner_id)
        self.assertEqual(lead.email_from, address)
        self.assertEqual(lead.contact_name, "Nora Nord")

        shared = self.env["res.partner"].create({"name": "Nora Nord", "email": address})
        self.deliver(build_message("Anfrage Halle", sender=address))
        uidvalidity, uid = self.find("Anfrage Halle")
        (handle_id,) = self.handle_ids(uidvalidity, [uid])
        lead = handle.browse(handle_id).create_record_from_mail("crm.lead")
        self.assertEqual(lead.partner_id, shared)
