from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from ..services import assigning

# Addresses searched for one contact (a company brings its people's addresses along).
MAX_SEARCH_ADDRESSES = 20


class ResPartner(models.Model):
    _inherit = "res.partner"

    dynaoffice_mail_assigned_count = fields.Integer(
        string="Assigned Mail", compute="_compute_dynaoffice_mail_assigned_count"
    )

    @api.depends_context("uid")
    def _compute_dynaoffice_mail_assigned_count(self):
        """Messages assigned to the contact, as far as the user may use their mailboxes."""
        counts = dict(
            self.env["dynaoffice.mail.assignment"]._read_group(
                [("res_model", "=", "res.partner"), ("res_id", "in", self.ids)],
                ["res_id"],
                ["message_id:count_distinct"],
            )
        )
        for partner in self:
            partner.dynaoffice_mail_assigned_count = counts.get(partner.id, 0)

    def action_dynaoffice_mail_compose(self):
        """ "Write e-mail": the mail client's composer, addressed to these contacts."""
        with_address = self.filtered("email")
        if not with_address:
            raise UserError(self.env._("This contact has no e-mail address."))
        action = self.env["ir.actions.actions"]._for_xml_id(
            "dynaoffice_mail.dynaoffice_mail_client_action"
        )
        action["params"] = {
            "compose": {"to": [partner.email_formatted for partner in with_address]}
        }
        return action

    def action_dynaoffice_mail_assigned(self):
        """The smart button: the mail assigned to this contact, in the user's mailboxes."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "dynaoffice_mail.dynaoffice_mail_message_action"
        )
        action["domain"] = self._dynaoffice_mail_assigned_domain()
        action["context"] = {"create": False}
        action["display_name"] = self.env._("Mail of %(contact)s", contact=self.display_name)
        return action

    def action_dynaoffice_mail_search_mailboxes(self):
        """ "Search mailboxes": the mail client runs client_search_partner_mail for this
        contact across the accounts the user may use."""
        self.ensure_one()
        if not self._dynaoffice_mail_addresses():
            raise UserError(self.env._("This contact has no e-mail address."))
        action = self.env["ir.actions.actions"]._for_xml_id(
            "dynaoffice_mail.dynaoffice_mail_client_action"
        )
        action["params"] = {"search_partner_id": self.id}
        return action

    def _dynaoffice_mail_assigned_domain(self):
        """The domain of the message handles assigned to these contacts: one assignment
        both to a contact and to one of these ids (ids are per model: an opportunity may
        have a contact's id), not two assignments that each meet one condition."""
        return [
            (
                "assignment_ids",
                "any",
                [("res_model", "=", "res.partner"), ("res_id", "in", self.ids)],
            )
        ]

    def _dynaoffice_mail_addresses(self):
        """The contact's addresses (a company's with its people's), normalised."""
        self.ensure_one()
        partners = self | self.child_ids.filtered("email") if self.is_company else self
        addresses = []
        for partner in partners:
            for address in tools.email_split(partner.email or ""):
                normalized = tools.email_normalize(address)
                # IMAP sends nested search keys as US-ASCII: an internationalised domain is
                # searched as punycode, an address not ASCII before the @ not at all.
                if (
                    normalized
                    and assigning.searchable_address(normalized)
                    and normalized not in addresses
                ):
                    addresses.append(normalized)
        return addresses[:MAX_SEARCH_ADDRESSES]
