from odoo import fields, models

from odoo.addons.base.models.res_users import is_reified_group


class ResUsers(models.Model):
    _inherit = "res.users"

    dynaoffice_mail_account_ids = fields.One2many(
        "dynaoffice.mail.account", "user_id", string="Mail Accounts"
    )
    dynaoffice_mail_trusted_sender_ids = fields.One2many(
        "dynaoffice.mail.trusted.sender", "user_id", string="Senders With Remote Content"
    )
    dynaoffice_mail_notify_desktop = fields.Boolean(
        string="Desktop notification for new mail",
        help="While the mail client is open in a browser tab you are not looking at, the "
        "browser shows a notification when new mail arrives in an Inbox of your mailboxes.",
    )
    dynaoffice_mail_conversations = fields.Boolean(
        string="Mail list as conversations",
        help="The mail client groups the messages of a folder into conversations.",
    )

    dynaoffice_mail_undo_seconds = fields.Integer(
        string="Undo sending for (seconds)",
        default=10,
        help="After you send a mail, the mail client offers to undo it for this many "
        "seconds; the mail leaves only afterwards. 0 sends at once.",
    )

    _sql_constraints = [
        (
            "dynaoffice_mail_undo_seconds_range",
            "CHECK (dynaoffice_mail_undo_seconds BETWEEN 0 AND 60)",
            "Undo sending lasts between 0 and 60 seconds.",
        ),
    ]

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "dynaoffice_mail_account_ids",
            # Read only: not self-writeable, whose writes Odoo makes as superuser.
            "dynaoffice_mail_trusted_sender_ids",
            "dynaoffice_mail_notify_desktop",
            "dynaoffice_mail_conversations",
            "dynaoffice_mail_undo_seconds",
        ]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + [
            "dynaoffice_mail_notify_desktop",
            "dynaoffice_mail_conversations",
            "dynaoffice_mail_undo_seconds",
        ]

    def write(self, vals):
        result = super().write(vals)
        # The user form sends groups as checkboxes and choices (in_group_<id>,
        # sel_groups_<ids>), which base turns into groups_id only below this override.
        # Archived (he left), a user is no team member either: his mail goes back to the team.
        if "active" in vals or any(name == "groups_id" or is_reified_group(name) for name in vals):
            self.env["dynaoffice.mail.message"]._team_unassign_former_members(users=self)
        return result

    def unlink(self):
        # The database would delete the user's mail accounts and outbox entries by itself
        # (ondelete "cascade"), leaving what only their unlink forgets: a grant, pooled
        # connections, the mail an entry kept. sudo after the check: whoever deletes the
        # user deletes them anyway.
        self.check_access("unlink")
        self.sudo().with_context(active_test=False).dynaoffice_mail_account_ids.unlink()
        self.env["dynaoffice.mail.outbox"].sudo().search([("user_id", "in", self.ids)]).unlink()
        return super().unlink()

    def action_dynaoffice_mail_new_account(self):
        """The seed's "Neues E-Mail Konto hinzufügen" in the user's own preferences."""
        self.ensure_one()
        return self.env["dynaoffice.mail.account"]._action_new_account(user=self)
