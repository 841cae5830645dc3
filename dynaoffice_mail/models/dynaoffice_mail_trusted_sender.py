from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services.addresses import check_address
from ..services.exceptions import InvalidInputError


class DynaofficeMailTrustedSender(models.Model):
    """A sender whose mail shows its remote content (images from the web) at once, for one
    user: "Always show remote content from this sender". By address, as Thunderbird does:
    a domain would also trust every stranger on a free-mail domain."""

    _name = "dynaoffice.mail.trusted.sender"
    _description = "Sender whose remote content is shown"
    _order = "address"

    _sql_constraints = [
        (
            "address_user_unique",
            "unique(user_id, address)",
            "This sender's remote content is already shown.",
        ),
    ]

    user_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
        index=True,
    )
    address = fields.Char(string="Sender", required=True)

    @api.constrains("address")
    def _check_address(self):
        for sender in self:
            if sender.address != normalized_address(sender.address):
                raise ValidationError(
                    self.env._("%(address)s is not an e-mail address.", address=sender.address)
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "address" in vals:
                vals["address"] = self._normalized(vals["address"])
        return super().create(vals_list)

    @api.model
    def trust_address(self, address):
        """The reading pane's "Always for <address>": the current user's entry for
        `address`, made if there is none yet; answers the address as stored."""
        address = self._normalized(address)
        if not self.search([("user_id", "=", self.env.uid), ("address", "=", address)]):
            self.create({"address": address})
        return address

    def action_revoke(self):
        """The Preferences' delete button: the sender's remote content is blocked again."""
        self.unlink()
        return self.env["dynaoffice.mail.account"]._action_preferences_mail_tab()

    @api.model
    def _is_trusted(self, address):
        """Whether the current user shows remote content of mail from `address`."""
        address = normalized_address(address)
        return bool(
            address
            and self.search_count(
                [("user_id", "=", self.env.uid), ("address", "=", address)], limit=1
            )
        )

    @api.model
    def _normalized(self, address):
        normalized = normalized_address(address)
        if not normalized:
            raise ValidationError(
                self.env._("%(address)s is not an e-mail address.", address=str(address)[:100])
            )
        return normalized


def normalized_address(address):
    """`address` in lower case as stored, or "" when it is no plain e-mail address (a line
    break, a display name, beyond 254 characters: nothing that could be read another way)."""
    if not isinstance(address, str):
        return ""
    address = address.strip().lower()
    try:
        check_address(address, address[:100])
    except InvalidInputError:
        return ""
    return address
