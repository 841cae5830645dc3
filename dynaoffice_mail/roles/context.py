"""The context pane: who a message is from (and to), and what Odoo knows of them.

One call answers the whole pane for the sender: the contact found by address and the
sections of dynaoffice.mail.context (models/dynaoffice_mail_context.py); the other people of
the message come collapsed, by name and contact, their sections asked for when the user opens
one. An unknown sender comes with the values a new contact would get (name, company and
phone guessed from the header and the signature), and may be linked to an existing contact.
Everything runs as the user, record rules applied.
"""

from odoo import tools
from odoo.exceptions import UserError

from .assigner import Assigner, contacts_by_email, record_json
from .base import Role
from .mailbox import Mailbox

CONTEXT = "dynaoffice.mail.context"
# The other people of a message listed under the sender (a mail to a list has hundreds).
MAX_PARTICIPANTS = 20


class ContextPane(Role):
    """The pane beside the message, for a user who may use the mailbox."""

    def pane(self, ref):
        """{"sender": person, "others": [person]}, a person {"name", "email", "partner":
        {res_model, res_id, display_name, ...} or False}; the sender (in mail this mailbox
        sent, the first recipient) with its "sections", or, an unknown sender, with
        "new_contact" (the values `contact_defaults` suggests)."""
        view = Mailbox(self.account).message_view(ref)
        assigner = Assigner(self.account)
        sender = assigner.sender_of(view)
        own = tools.email_normalize(self.account.email)
        people, seen = [], {own}
        for address in (sender, *view.from_, *view.reply_to, *view.to, *view.cc):
            email = address and tools.email_normalize(address.address or "")
            if email and email not in seen:
                seen.add(email)
                people.append((address, email))
        people = people[: MAX_PARTICIPANTS + 1]
        partners = contacts_by_email(self.env, [email for _address, email in people])
        persons = [
            {
                "name": (address.name or "").strip() or email,
                "email": email,
                "partner": record_json(partners[email]) if email in partners else False,
            }
            for address, email in people
        ]
        if not persons:
            return {"sender": False, "others": []}
        # Mail this mailbox sent (nobody else in From): its first recipient is the customer.
        first, others = persons[0], persons[1:]
        partner = partners.get(first["email"])
        if partner:
            first["sections"] = self.env[CONTEXT]._pane_sections(partner)
        elif sender:
            first["new_contact"] = assigner.sender_defaults(view)
        return {"sender": first, "others": others}

    def link_sender(self, ref, partner_id):
        """ "Link to existing contact": the sender's address goes to contact `partner_id`;
        into its e-mail field when that is empty, else onto a new contact of the same
        company (a contact's address is not replaced behind its back). Returns
        {"partner": the contact that now has the address, "created": bool}."""
        view = Mailbox(self.account).message_view(ref)
        sender = Assigner(self.account).sender_of(view)
        if not sender:
            raise UserError(self.env._("The message has no sender other than this mailbox."))
        email = tools.email_normalize(sender.address)
        partner = self.env["res.partner"].browse(int(partner_id)).exists()
        if not partner:
            raise UserError(self.env._("The contact no longer exists."))
        partner.check_access("write")
        if not partner.email:
            partner.email = email
            return {"partner": record_json(partner), "created": False}
        if tools.email_normalize(partner.email) == email:
            return {"partner": record_json(partner), "created": False}
        company = partner if partner.is_company else partner.commercial_partner_id
        if not company.has_access("read"):
            # A contact open to every company under a company contact of another company:
            # a new contact of that company could not be made (nor named) by this user.
            raise UserError(
                self.env._(
                    "%(contact)s has an e-mail address already and belongs to a company you "
                    "may not see, so the sender cannot be added as a new contact of it. Link "
                    "the sender to a contact without an e-mail address instead.",
                    contact=partner.name,
                )
            )
        name = (sender.name or "").strip() or partner.name
        # In the company's company, as Odoo's contact form puts a contact of a company
        # (res.partner.default_get): a customer of one company stays hidden from the others.
        child = self.env["res.partner"].create(
            {
                "name": name,
                "email": email,
                "parent_id": company.id,
                "type": "contact",
                "company_id": company.company_id.id,
            }
        )
        return {"partner": record_json(child), "created": True}
