from odoo import api, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.mail.tools.discuss import Store

from ..roles.team import team_partners

HANDLE = "dynaoffice.mail.message"


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        messages._check_team_notes()
        return messages

    def write(self, vals):
        # Odoo checks who may write before the write (its rule lets a message's recipients
        # change it), and never what the write makes of the message: both are checked.
        self._check_team_notes()
        result = super().write(vals)
        self._check_team_notes()
        return result

    def _to_store(self, store: Store, /, *, fields=None, **kwargs):
        super()._to_store(store, fields=fields, **kwargs)
        if fields is None:
            fields = ["dynaoffice_mail_assigned"]
        if "dynaoffice_mail_assigned" not in fields or not self.env.user._is_internal():
            return
        # sudo: only whether an entry came from a mailbox, so the chatter can offer "open
        # the original"; whether the user may open it is checked when they ask.
        assigned = set(
            self.env["dynaoffice.mail.assignment"]
            .sudo()
            .search([("mail_message_id", "in", self.ids)])
            .mail_message_id.ids
        )
        for message in self:
            store.add(message, {"dynaoffice_mail_assigned": message.id in assigned})

    def _check_team_notes(self):
        """Notes on a mailbox's mail (its handle's chatter) are written and changed by their
        author alone, while they may use the mailbox, and name members of its group only:
        Odoo lets the recipients of a message change it and anyone named in it read it."""
        if self.env.su:
            return
        notes = self.sudo().filtered(lambda message: message.model == HANDLE and message.res_id)
        if not notes:
            return
        # sudo: the handles' mailboxes, whose use is checked below under the user's rules.
        handles = self.env[HANDLE].sudo().browse(set(notes.mapped("res_id"))).exists()
        usable = handles.with_env(self.env)._filtered_access("read")
        author = self.env.user.partner_id
        for note in notes:
            handle = handles.browse(note.res_id)
            if (
                note.author_id != author
                or handle not in usable
                or note.partner_ids - team_partners(handle.account_id)
            ):
                raise AccessError(
                    self.env._(
                        "Only its author, while a member of the mailbox's group, may change "
                        "a note on its mail, and only members may be named in it."
                    )
                )

    def dynaoffice_mail_action_open_original(self):
        """The mail client on the message this chatter entry was assigned from, while it is
        still on the server and the user may use its mailbox."""
        self.ensure_one()
        self.check_access("read")
        handles = (
            self.env["dynaoffice.mail.assignment"]
            .search([("mail_message_id", "=", self.id)])
            .message_id
        )
        if not handles:
            raise UserError(
                self.env._(
                    "The original of this message is in a mailbox you cannot use, or it was "
                    "not assigned from a mailbox."
                )
            )
        problems = []
        for handle in handles.sorted("id", reverse=True):
            try:
                return handle.action_open_in_client()
            except UserError as error:
                problems.append(str(error))
        raise UserError("\n".join(problems))
