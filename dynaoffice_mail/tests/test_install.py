from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_addon_models_and_security_are_loaded(self):
        module = self.env["ir.module.module"].search([("name", "=", "dynaoffice_mail")])
        self.assertEqual(module.state, "installed")
        for model in ("dynaoffice.mail.account", "dynaoffice.mail.server.preset"):
            self.assertIn(model, self.env)
            self.assertTrue(
                self.env["ir.model.access"].search_count([("model_id.model", "=", model)]),
                f"{model} has no access rights",
            )
        rule = self.env.ref("dynaoffice_mail.dynaoffice_mail_account_rule_member")
        self.assertEqual(rule.model_id.model, "dynaoffice.mail.account")
        # Every internal user may set up personal accounts.
        self.assertIn(
            self.env.ref("dynaoffice_mail.dynaoffice_mail_group_user"),
            self.env.ref("base.group_user").implied_ids,
        )
        preset = self.env.ref("dynaoffice_mail.dynaoffice_mail_server_preset_dynamail")
        self.assertEqual((preset.imap_port, preset.smtp_port), (993, 465))
