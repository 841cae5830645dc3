"""Reply templates of the mail client: Odoo's own mail templates (on contacts), each a
user's own or a group's, offered in the composer of the mailboxes they belong to
(roles/reply_templates.py)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MailTemplate(models.Model):
    _inherit = "mail.template"

    dynaoffice_mail_user_id = fields.Many2one(
        "res.users",
        string="Mail client: personal template of",
        index="btree_not_null",
        ondelete="cascade",
        help="Offered in the mail client's composer of this user's own mailboxes.",
    )
    dynaoffice_mail_group_id = fields.Many2one(
        "res.groups",
        string="Mail client: template of the group",
        index="btree_not_null",
        ondelete="cascade",
        help="Offered in the mail client's composer of this group's mailboxes.",
    )

    @api.constrains("dynaoffice_mail_user_id", "dynaoffice_mail_group_id")
    def _check_dynaoffice_mail_owner(self):
        # Templates are offered in composers: nobody puts one into another user's composer
        # or into a group's he is not a member of (administrators excepted).
        user = self.env.user
        trusted = self.env.su or user.has_group("base.group_system")
        for template in self:
            owner, group = template.dynaoffice_mail_user_id, template.dynaoffice_mail_group_id
            if owner and group:
                raise ValidationError(
                    self.env._("A reply template belongs to one user or to one group, not to both.")
                )
            if trusted:
                continue
            if (owner and owner != user) or (group and group not in user.groups_id):
                raise ValidationError(
                    self.env._(
                        "A reply template can be your own or one of your groups', no one else's."
                    )
                )

    @api.model
    def default_get(self, fields_list):
        """A template made in the mail client's list of reply templates is the user's own
        reply template, on contacts."""
        defaults = super().default_get(fields_list)
        if self.env.context.get("dynaoffice_mail_reply_template"):
            if "model_id" in fields_list and not defaults.get("model_id"):
                defaults["model_id"] = self.env["ir.model"]._get_id("res.partner")
            if "dynaoffice_mail_user_id" in fields_list and not defaults.get(
                "dynaoffice_mail_group_id"
            ):
                defaults.setdefault("dynaoffice_mail_user_id", self.env.uid)
        return defaults
