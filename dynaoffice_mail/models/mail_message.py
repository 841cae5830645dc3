from odoo import models
from odoo.exceptions import UserError

from odoo.addons.mail.tools.discuss import Store


class MailMessage(models.Model):
    _inherit = "mail.message"

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
