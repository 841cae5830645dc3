"""The server action "Create a record from the mail", for automation rules and the Actions
menu of mail: a lead, a task in a chosen project, a ticket in a team, any record with a
chatter, prefilled from the message and with the message assigned to it (roles/creator.py).

The record's model is kept by its technical name, so that the ready-made actions install
(and stay) without the app they create records of; one whose app is missing is neither
offered nor run (models/ir_actions_actions.py).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

HANDLE = "dynaoffice.mail.message"


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[("dynaoffice_create", "Create a record from the mail")],
        ondelete={"dynaoffice_create": "cascade"},
    )
    dynaoffice_create_model = fields.Char(
        string="Model to create (technical name)",
        help="The kind of record made from the mail, such as crm.lead or project.task.",
    )
    dynaoffice_create_model_id = fields.Many2one(
        "ir.model",
        string="Record to create from the mail",
        compute="_compute_dynaoffice_create_model_id",
        inverse="_inverse_dynaoffice_create_model_id",
        domain=[("is_mail_thread", "=", True), ("transient", "=", False)],
    )
    dynaoffice_create_in = fields.Reference(
        string="Create in",
        selection="_selection_target_model",
        help="The record the new one belongs to, such as the project of a task or the "
        "team of a ticket (left empty: the model's defaults).",
    )

    @api.depends("dynaoffice_create_model")
    def _compute_dynaoffice_create_model_id(self):
        for action in self:
            action.dynaoffice_create_model_id = self.env["ir.model"]._get(
                action.dynaoffice_create_model
            )

    def _inverse_dynaoffice_create_model_id(self):
        for action in self:
            action.dynaoffice_create_model = action.dynaoffice_create_model_id.model or False

    @api.constrains("state", "model_id", "dynaoffice_create_model", "dynaoffice_create_in")
    def _check_dynaoffice_create(self):
        for action in self.filtered(lambda a: a.state == "dynaoffice_create"):
            if action.model_id.model != HANDLE:
                raise ValidationError(
                    self.env._(
                        '"Create a record from the mail" runs on mail messages '
                        "(dynaoffice.mail.message) only."
                    )
                )
            if (
                action.dynaoffice_create_in
                and action.dynaoffice_create_model in self.env
                and not action._dynaoffice_link_field()
            ):
                raise ValidationError(
                    self.env._(
                        "A record of %(model)s cannot be created in %(record)s.",
                        model=action.dynaoffice_create_model,
                        record=action.dynaoffice_create_in.display_name,
                    )
                )

    def _run_action_dynaoffice_create_multi(self, eval_context=None):
        # The action runs as sudo (ir.actions.server.run); the messages are the user's,
        # and so is every check and the creation.
        handles = eval_context.get("records") or eval_context.get("record")
        if not handles:
            return False
        if not self.dynaoffice_create_model:
            raise UserError(self.env._("Choose the kind of record to create from the mail."))
        values = {}
        parent = self.dynaoffice_create_in
        if parent:
            values[self._dynaoffice_link_field()] = parent.id
        return handles.action_create_record_from_mail(self.dynaoffice_create_model, values)

    def _dynaoffice_link_field(self):
        """The field of the record to create that holds `dynaoffice_create_in` (a task's
        project_id): a stored many2one to its model, the one named after it first."""
        self.ensure_one()
        parent = self.dynaoffice_create_in
        Model = self.env[self.dynaoffice_create_model]
        candidates = [
            field
            for field in Model._fields.values()
            if field.type == "many2one"
            and field.comodel_name == parent._name
            and field.store
            and not (field.related or field.automatic)
        ]
        usual = parent._name.rpartition(".")[2] + "_id"
        candidates.sort(key=lambda field: (field.name != usual, field.name))
        return candidates[0].name if candidates else False
