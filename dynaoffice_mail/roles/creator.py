"""Records made from a mail: "Create ..." in the reading pane and the server action "Create
a record from the mail" (models/ir_actions_server.py).

The new record is prefilled from the message (name from the subject, partner from the
sender, description from the body) and the mail is then assigned to it exactly as "Assign
to" does (roles/assigner.py): chatter entry, keyword, marker, attachments. The client
opens Odoo's own form with these values as `default_*` context, so the user edits them
before anything is saved; server actions create the record at once.
"""

from odoo import tools
from odoo.exceptions import UserError

from ..services import html, subjects
from .assigner import (
    REFERENCE_FIELDS,
    Assigner,
    assign_target,
    assignable_model_names,
    assignable_models,
    contacts_by_email,
    may_post_on,
    record_json,
)
from .base import Role
from .mailbox import Mailbox

# Offered first in "Create ...", where installed and the user may create them: what an office
# makes of a customer's mail. Tickets are any such model named "*.ticket" (Odoo's and OCA's
# helpdesk.ticket), found at run time as the rest.
FEATURED_MODELS = ("crm.lead", "project.task")
TICKET_SUFFIX = ".ticket"
# Where the body goes: the first of these the model has as an HTML, text or one-line field.
DESCRIPTION_FIELDS = ("description",)
# Where the name of a sender without a contact goes (a lead's): converting the lead names the
# new customer after it, else after the lead's title.
CONTACT_NAME_FIELDS = ("contact_name",)
# A one-line field takes the beginning of the text only.
MAX_CHAR_DESCRIPTION = 1000


class Creator(Role):
    """New records from the mail of one mailbox, for a user who may use the mailbox."""

    def __init__(self, account):
        super().__init__(account)
        self.assigner = Assigner(account)

    def record_defaults(self, ref, res_model):
        """ "Create ...": what the form of a new `res_model` record opens with,
        {res_model, model_name, context: {"default_<field>": value}, partner: the sender's
        contact (record_json) or False}. Nothing is created here."""
        Model = creatable_model(self.env, res_model)
        values, partner = self._record_values(ref, Model)
        return {
            "res_model": Model._name,
            "model_name": self.env["ir.model"]._get(Model._name).display_name,
            "context": {f"default_{name}": value for name, value in values.items()},
            "partner": record_json(partner) if partner else False,
        }

    def create_from(self, handle, res_model, values=None):
        """A new `res_model` record prefilled from `handle`'s message (and `values`, which
        win), the message then assigned to it; for server actions. Returns the record."""
        Model = creatable_model(self.env, res_model)
        prefill, _partner = self._record_values(handle._ref(), Model)
        # As the user: the new record follows its own rules (create access, record rules).
        record = Model.create({**prefill, **(values or {})})
        self.assigner.assign_handles(handle, assign_target(self.env, record._name, record.id))
        return record

    # -- prefill ------------------------------------------------------------------------------

    def _record_values(self, ref, Model):
        """({field: value}, sender's contact) of a new record of `Model` from the message."""
        if Model._name == "res.partner":
            # A contact is the sender, not the subject: as "Create contact from sender".
            defaults = self.assigner.contact_defaults(ref)
            keep = ("name", "email", "parent_id", "company_name")
            return {name: defaults[name] for name in keep if name in defaults}, None
        view = Mailbox(self.account).message_view(ref)
        fields_ = Model._fields
        values = {}
        name_field = Model._rec_name
        if _fillable(Model, name_field, ("char", "text")) and (
            REFERENCE_FIELDS.get(Model._name) != name_field
        ):
            # Documents numbered by a sequence keep their number ("New" until saved).
            subject = subjects.base_subject(view.subject) or (view.subject or "").strip()
            if subject and not Model.default_get([name_field]).get(name_field):
                values[name_field] = subject
        sender = self.assigner.sender_of(view)
        email = tools.email_normalize(sender.address) if sender else False
        # The contacts of the company the record is made in: one of another company the user
        # has active too is refused on saving ("Incompatible companies on records").
        company_env = self.env(
            context=dict(self.env.context, allowed_company_ids=[self.env.company.id])
        )
        partner = (
            contacts_by_email(company_env, [email]).get(email)
            if email and self.env["res.partner"].has_access("read")
            else None
        )
        partner_field = fields_.get("partner_id")
        if partner and partner_field and partner_field.comodel_name == "res.partner":
            values["partner_id"] = partner.id
        elif email and _fillable(Model, "email_from", ("char",)):
            # No contact yet: the address at least (a lead's or ticket's own field).
            values["email_from"] = email
            sender_name = " ".join((sender.name or "").split())
            contact_field = next(
                (name for name in CONTACT_NAME_FIELDS if _fillable(Model, name, ("char",))), None
            )
            if sender_name and contact_field:
                values[contact_field] = sender_name
        description = next((name for name in DESCRIPTION_FIELDS if name in fields_), None)
        if description:
            body = _body_as(fields_[description].type, view)
            if body:
                values[description] = body
        return values, partner


def creatable_models(env):
    """[{model, name, featured}] of "Create ...": the models mail may be assigned to (see
    roles/assigner.py) that the user may create, the featured ones marked (leads, tasks,
    tickets)."""
    return [
        dict(entry, featured=_featured(entry["model"]))
        for entry in assignable_models(env)
        if env[entry["model"]].has_access("create")
    ]


def creatable_model_names(env):
    """The names of the models the user may create records of from mail."""
    return {
        name
        for name in assignable_model_names(env)
        if env[name].has_access("create") and may_post_on(env[name])
    }


def creatable_model(env, res_model):
    """The empty recordset of `res_model` if the user may create such records from mail (a
    model mail may be assigned to, create access, posting on it); a UserError otherwise."""
    if not isinstance(res_model, str) or res_model not in assignable_model_names(env):
        raise UserError(
            env._("Records of %(model)s cannot be created from mail.", model=str(res_model))
        )
    Model = env[res_model]
    if not Model.has_access("create") or not may_post_on(Model):
        raise UserError(
            env._(
                "You may not create records of %(model)s.",
                model=env["ir.model"]._get(res_model).display_name,
            )
        )
    return Model


def _featured(model):
    return model in FEATURED_MODELS or model.endswith(TICKET_SUFFIX)


def _fillable(Model, name, types):
    """Whether the form can take a default for field `name` of one of `types`."""
    field = Model._fields.get(name)
    return bool(field) and field.type in types and not (field.related or field.readonly)


def _body_as(field_type, view):
    """The message's text for a field of `field_type`: sanitised HTML (nothing remote, no
    cid: images, which the record would not have; nothing that places itself over Odoo's
    page), plain text, or its beginning on one line; None for other types."""
    if field_type == "html":
        if view.html:
            return html.sanitize_html(
                view.html, cid_url=lambda _cid: None, allow_remote=False, in_page=True
            ).html
        return str(tools.plaintext2html(view.text)) if view.text else None
    text = view.text or (html.html_to_text(view.html) if view.html else "")
    if field_type == "text":
        return text.strip() or None
    if field_type == "char":
        return " ".join(text.split())[:MAX_CHAR_DESCRIPTION] or None
    return None
