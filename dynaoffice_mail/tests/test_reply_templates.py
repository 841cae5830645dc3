"""Reply templates: Odoo mail templates on contacts, a user's own or a group's, offered in
the composer of the mailboxes they belong to and rendered for the first recipient's
contact; as an attacker tries them over RPC."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import MailServerCase, RpcAttackCase

BODY = (
    "<p>Guten Tag <t t-out=\"' '.join(filter(None, [object.title.name, object.name]))\"/>"
    '<t t-if="object.commercial_company_name"> von '
    '<t t-out="object.commercial_company_name"/></t>,</p>'
)


class TemplateSetup:
    def make_templates(self):
        self.create_owned_accounts()
        # Templates with placeholders are written by template editors (Odoo's setting
        # "Restrict Template Rendering"); Otto stays a plain user.
        editor = self.env.ref("mail.group_mail_template_editor")
        (self.owner | self.member).write({"groups_id": [(4, editor.id)]})
        Template = self.env["mail.template"]
        partner_model = self.env["ir.model"]._get_id("res.partner")
        self.own = Template.with_user(self.owner).create(
            {
                "name": "Olgas Antwort",
                "model_id": partner_model,
                "subject": "Ihre Anfrage",
                "body_html": BODY,
                "dynaoffice_mail_user_id": self.owner.id,
            }
        )
        self.team = Template.create(
            {
                "name": "Vertrieb: Angebot folgt",
                "model_id": partner_model,
                "subject": "Angebot",
                "body_html": BODY,
                "dynaoffice_mail_group_id": self.sales.id,
            }
        )
        self.company = self.env["res.partner"].create({"name": "Muster GmbH", "is_company": True})
        self.customer = self.env["res.partner"].create(
            {
                "name": "Erika Muster",
                "email": "erika@muster.example",
                "title": self.env["res.partner.title"].create({"name": "Frau"}).id,
                "parent_id": self.company.id,
            }
        )


@tagged("post_install", "-at_install")
class TestReplyTemplates(TemplateSetup, MailServerCase):
    def setUp(self):
        super().setUp()
        self.make_templates()

    def test_personal_mailbox_offers_the_users_own(self):
        offered = self.personal.with_user(self.owner).client_reply_templates()
        self.assertEqual([t["name"] for t in offered], ["Olgas Antwort"])
        self.assertEqual(
            self.personal.with_user(self.owner).client_reply_templates("antw"), offered
        )
        self.assertEqual(self.personal.with_user(self.owner).client_reply_templates("xyz"), [])

    def test_group_mailbox_offers_the_groups_and_the_users_own(self):
        mine = (
            self.env["mail.template"]
            .with_user(self.member)
            .create(
                {
                    "name": "Marias Gruß",
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "body_html": "<p>Gruß</p>",
                    "dynaoffice_mail_user_id": self.member.id,
                }
            )
        )
        offered = self.shared.with_user(self.member).client_reply_templates()
        self.assertEqual([t["id"] for t in offered], [mine.id, self.team.id])

    def test_rendered_for_the_recipients_contact(self):
        account = self.personal.with_user(self.owner)
        rendered = account.client_render_template(
            self.own.id, ["Erika <erika@muster.example>", "b@example.com"]
        )
        self.assertEqual(rendered["subject"], "Ihre Anfrage")
        self.assertIn("Guten Tag Frau Erika Muster von Muster GmbH,", rendered["body"])

    def test_rendered_with_the_name_an_unknown_address_carries(self):
        account = self.personal.with_user(self.owner)
        rendered = account.client_render_template(self.own.id, ["Max Mustermann <max@neu.example>"])
        self.assertIn("Guten Tag Max Mustermann,", rendered["body"])
        self.assertFalse(self.env["res.partner"].search([("email", "=", "max@neu.example")]))
        nobody = account.client_render_template(self.own.id, [])
        self.assertIn("Guten Tag ,", nobody["body"])

    def test_nobody_plants_a_template_in_another_composer(self):
        Template = self.env["mail.template"].with_user(self.other)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        with self.assertRaises(ValidationError):
            Template.create(
                {
                    "name": "Falle",
                    "model_id": partner_model,
                    "dynaoffice_mail_user_id": self.owner.id,
                }
            )
        with self.assertRaises(ValidationError):
            Template.create(
                {
                    "name": "Falle",
                    "model_id": partner_model,
                    "dynaoffice_mail_group_id": self.sales.id,
                }
            )
        with self.assertRaises(AccessError):
            self.own.with_user(self.other).write({"body_html": "<p>Falle</p>"})

    def test_written_in_the_contacts_language(self):
        # A template made in the list of reply templates names no language of its own.
        self.env["res.lang"]._activate_lang("de_DE")
        self.own.update_field_translations(
            "subject", {"en_US": "Your request", "de_DE": "Ihre Anfrage"}
        )
        self.own.update_field_translations(
            "body_html", {"en_US": "<p>Dear customer,</p>", "de_DE": "<p>Guten Tag,</p>"}
        )
        self.assertFalse(self.own.lang)
        for user_lang, customer_lang, subject, greeting in (
            ("de_DE", "en_US", "Your request", "Dear customer,"),
            ("en_US", "de_DE", "Ihre Anfrage", "Guten Tag,"),
        ):
            self.owner.lang = user_lang
            self.customer.lang = customer_lang
            # The web client sends the user's language in the context of every call.
            account = self.personal.with_user(self.owner).with_context(lang=user_lang)
            rendered = account.client_render_template(self.own.id, ["erika@muster.example"])
            self.assertEqual(rendered["subject"], subject)
            self.assertIn(greeting, rendered["body"])
        # A made-up contact is written to in the user's language.
        rendered = account.client_render_template(self.own.id, ["neu@neu.example"])
        self.assertEqual(rendered["subject"], "Your request")

    def test_a_subject_with_a_line_break_is_sent_as_one_line(self):
        # The subject field shows one line; a template's subject (written over RPC, or
        # a placeholder's value) may hold a line break, which no header may carry.
        self.own.write({"subject": "Ihre Anfrage\r\nBcc: spy@example.org"})
        partner_address, partner_password = self.new_mailbox()
        account = self.personal.with_user(self.owner)
        rendered = account.client_render_template(self.own.id, [partner_address])
        values = account.client_compose("new")
        values.update(to=[partner_address], subject=rendered["subject"], body_html=rendered["body"])
        self.assertTrue(account.client_send(values)["sent"])
        ((received, _flags),) = self.fetch_all(partner_address, partner_password)
        self.assertEqual(str(received["Subject"]), "Ihre Anfrage Bcc: spy@example.org")
        self.assertIsNone(received["Bcc"])


@tagged("post_install", "-at_install")
class TestReplyTemplatesRpc(TemplateSetup, RpcAttackCase):
    def setUp(self):
        super().setUp()
        self.make_templates()
        address, password = self.new_mailbox()
        Account = self.env["dynaoffice.mail.account"]._without_connection_test()
        self.others_account = Account.with_user(self.other).create(
            dict(self.account_values(address, password), user_id=self.other.id)
        )

    def test_ben_cannot_use_annas_template(self):
        def state():
            return self.own.sudo().read(["name", "body_html", "dynaoffice_mail_user_id"])

        calls = [
            ("client_render_template", [[self.others_account.id], self.own.id, []]),
            ("client_render_template", [[self.personal.id], self.own.id, []]),
            ("client_render_template", [[self.shared.id], self.own.id, []]),
            ("client_render_template", [[self.others_account.id], self.team.id, []]),
        ]
        for method, args in calls:
            self.assert_forgery_refused(
                self.other, "dynaoffice.mail.account", method, args, state=state
            )
        offered = self.rpc(
            self.other,
            "dynaoffice.mail.account",
            "client_reply_templates",
            [[self.others_account.id]],
        )
        self.assertEqual(offered["result"], [])
        read = self.rpc(
            self.other,
            "mail.template",
            "search_read",
            [[("id", "in", [self.own.id, self.team.id])]],
            {"fields": ["name"]},
        )
        self.assertEqual(read["result"], [])
        for values in (
            {"body_html": "<p>Falle</p>"},
            {"dynaoffice_mail_user_id": self.other.id},
        ):
            self.assert_forgery_refused(
                self.other, "mail.template", "write", [[self.own.id], values], state=state
            )
        self.assert_forgery_refused(
            self.other, "mail.template", "unlink", [[self.own.id]], state=state
        )
        # The member of the group may use the group's template in its mailbox.
        used = self.rpc(
            self.member,
            "dynaoffice.mail.account",
            "client_render_template",
            [[self.shared.id], self.team.id, ["erika@muster.example"]],
        )
        self.assertIn("Guten Tag Frau Erika Muster", used["result"]["body"])

    def test_a_template_that_cannot_be_filled_in_says_so_plainly(self):
        # The recipient is a contact open to every company under a company contact of a
        # sister company only; one template names that company, another has a typing error.
        sister = self.env["res.company"].create({"name": "Schwesterfirma Ost"})
        hidden = self.env["res.partner"].create(
            {"name": "Ostwerk Geheim AG", "is_company": True, "company_id": sister.id}
        )
        self.env["res.partner"].create(
            {"name": "Otto Ost", "email": "otto@ostwerk.example", "parent_id": hidden.id}
        )
        for body in (
            '<p>Grüße an <t t-out="object.parent_id.name"/></p>',
            '<p>Hallo <t t-out="object.name.upper(1, 2)"/></p>',
        ):
            with self.subTest(body=body):
                self.own.write({"body_html": body})
                answer = self.rpc(
                    self.owner,
                    "dynaoffice.mail.account",
                    "client_render_template",
                    [[self.personal.id], self.own.id, ["otto@ostwerk.example"]],
                )
                message = answer["error"]["data"]["message"]
                self.assertIn("Olgas Antwort", message)
                self.assertIn("could not be filled in", message)
                for unreadable in ("Traceback", "top-secret", "t-out", "Ostwerk Geheim"):
                    self.assertNotIn(unreadable, message)

    def test_a_members_template_does_not_cover_anothers_page(self):
        # Otto, a plain member of the group (no template editor), writes one of its
        # templates. Odoo keeps a template's styles and classes: in Maria's composer, part
        # of Odoo's page, they would lay his text over the whole page, out of the editor's
        # reach.
        self.sales.write({"users": [(4, self.other.id)]})
        made = self.rpc(
            self.other,
            "mail.template",
            "create",
            [
                {
                    "name": "Vertrieb: Rückruf",
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "subject": "Rückruf",
                    "body_html": (
                        '<div style="position: fixed; inset: 0; z-index: 3000"'
                        ' class="o-contenteditable-false">Bitte rufen Sie zurück</div>'
                    ),
                    "dynaoffice_mail_group_id": self.sales.id,
                }
            ],
        )
        used = self.rpc(
            self.member,
            "dynaoffice.mail.account",
            "client_render_template",
            [[self.shared.id], made["result"], ["erika@muster.example"]],
        )
        body = used["result"]["body"]
        self.assertIn("Bitte rufen Sie zurück", body)
        for lifted in ("position", "z-index", "o-contenteditable-false"):
            self.assertNotIn(lifted, body)

    def test_template_editors_keep_out_of_other_users_and_groups_templates(self):
        # Maria edits templates with placeholders (as everybody does once "Restrict
        # Template Rendering" is off), whom Odoo's rules let write every template; Olga's
        # own are Olga's all the same.
        def state():
            return self.own.sudo().read(["name", "subject", "body_html"])

        planted = '<p><t t-out="object.env.user.name"/></p>'
        for method, args in (
            ("write", [[self.own.id], {"body_html": planted}]),
            ("write", [[self.own.id], {"subject": "Falle"}]),
            ("update_field_translations", [[self.own.id], "body_html", {"en_US": planted}]),
            ("unlink", [[self.own.id]]),
        ):
            self.assert_forgery_refused(self.member, "mail.template", method, args, state=state)
        # Otto wrote a template of the group while he was a member; once out of it, the
        # group's templates are no longer his to change.
        self.sales.write({"users": [(4, self.other.id)]})
        made = self.rpc(
            self.other,
            "mail.template",
            "create",
            [
                {
                    "name": "Vertrieb: Danke",
                    "model_id": self.env["ir.model"]._get_id("res.partner"),
                    "body_html": "<p>Danke</p>",
                    "dynaoffice_mail_group_id": self.sales.id,
                }
            ],
        )
        left = self.env["mail.template"].browse(made["result"])
        self.sales.write({"users": [(3, self.other.id)]})

        def left_state():
            return left.sudo().read(["name", "body_html", "dynaoffice_mail_group_id"])

        for method, args in (
            ("write", [[left.id], {"body_html": "<p>Nicht mehr</p>"}]),
            ("update_field_translations", [[left.id], "body_html", {"en_US": "<p>Nein</p>"}]),
            ("unlink", [[left.id]]),
        ):
            self.assert_forgery_refused(self.other, "mail.template", method, args, state=left_state)
        # Those they belong to still change them: the owner, a member, an administrator.
        for user, template in (
            (self.owner, self.own),
            (self.member, self.team),
            (self.admin, self.own),
        ):
            answer = self.rpc(
                user, "mail.template", "write", [[template.id], {"subject": f"Von {user.name}"}]
            )
            self.assertEqual(answer.get("result"), True, answer)
