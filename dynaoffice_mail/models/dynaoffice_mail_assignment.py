from odoo import api, fields, models
from odoo.exceptions import UserError


class DynaofficeMailAssignment(models.Model):
    """One message of a mailbox posted into one record's chatter.

    It goes with the chatter entry: deleting that entry (or the record, which deletes its
    messages) forgets the assignment, and the message may be assigned there again.
    """

    _name = "dynaoffice.mail.assignment"
    _description = "Mail Assignment"
    _order = "id desc"

    _sql_constraints = [
        (
            "record_unique",
            "UNIQUE (message_id, res_model, res_id)",
            "A message is assigned to a record only once.",
        ),
    ]

    message_id = fields.Many2one(
        "dynaoffice.mail.message",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    account_id = fields.Many2one(related="message_id.account_id")
    res_model = fields.Char(string="Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, index=True, readonly=True
    )
    mail_message_id = fields.Many2one(
        "mail.message",
        string="Chatter Entry",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    rfc_message_id = fields.Char(string="Message-ID", index=True, readonly=True)
    record_name = fields.Char(compute="_compute_record_name")

    @api.depends("res_model", "res_id")
    @api.depends_context("uid")
    def _compute_record_name(self):
        """The record's name where the user may read it; its kind of record otherwise."""
        for assignment in self:
            record = assignment._record()
            if record and record.has_access("read"):
                assignment.record_name = record.display_name
            else:
                assignment.record_name = self.env._(
                    "%(model)s (not visible to you)",
                    model=self.env["ir.model"]._get(assignment.res_model).display_name,
                )

    def action_open_record(self):
        self.ensure_one()
        record = self._record()
        if not record:
            raise UserError(self.env._("The record no longer exists."))
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }

    def _record(self):
        """The assigned record (empty if it is gone), or None if its model is gone."""
        self.ensure_one()
        if self.res_model not in self.env:
            return None
        return self.env[self.res_model].browse(self.res_id).exists()

    def _may_file_on(self):
        """Whether the user may file into the assigned record's documents (change it)."""
        self.ensure_one()
        record = self._record()
        return bool(record) and record.has_access("write")
