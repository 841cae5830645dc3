"""Mail's Actions menu offers "Create a record from the mail" only where it can run."""

from odoo import api, models

from ..roles.creator import creatable_model_names

HANDLE = "dynaoffice.mail.message"


class IrActionsActions(models.Model):
    _inherit = "ir.actions.actions"

    @api.model
    def get_bindings(self, model_name):
        """Mail's Actions menu without "Create a record from the mail" actions whose
        records the user may not create, or whose app is not installed."""
        result = super().get_bindings(model_name)
        if model_name != HANDLE or not result.get("action"):
            return result
        # sudo: the actions bound to mail are offered to every mail user (as get_bindings
        # reads them); only their kind and model are looked at here.
        creating = (
            self.env["ir.actions.server"]
            .sudo()
            .search(
                [
                    ("id", "in", [action["id"] for action in result["action"]]),
                    ("state", "=", "dynaoffice_create"),
                ]
            )
        )
        allowed = creatable_model_names(self.env)
        result_actions = result["action"]
        hidden = set(creating.filtered(lambda a: a.dynaoffice_create_model not in allowed).ids)
        if not hidden:
            return result
        result = {kind: actions for kind, actions in result.items() if kind != "action"}
        kept = [action for action in result_actions if action["id"] not in hidden]
        if kept:
            result["action"] = kept
        return result
