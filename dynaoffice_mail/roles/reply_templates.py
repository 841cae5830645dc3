"""Reply templates in the composer: Odoo mail templates on contacts, a user's own or the
group's of a group mailbox (models/mail_template.py), rendered for the first recipient's
contact (name, title, company); for an address no contact has, for a contact made up on
the spot from the name the address carries, which is never saved.
"""

import logging

from odoo import tools
from odoo.exceptions import UserError

from ..services import html
from ..services.addresses import parse_addresses
from ..services.exceptions import InvalidInputError
from ..services.headers import clean_text

_logger = logging.getLogger(__name__)

TEMPLATE = "mail.template"
MAX_TEMPLATES = 50


def template_domain(account):
    """The templates offered in `account`'s composer: the user's own, and in a group
    mailbox the group's as well."""
    owners = [("dynaoffice_mail_user_id", "=", account.env.uid)]
    if account.group_id:
        owners = ["|", ("dynaoffice_mail_group_id", "=", account.group_id.id), *owners]
    return [("model", "=", "res.partner"), *owners]


def templates(account, term=""):
    """[{id, name, subject}] of the templates offered, those whose name holds `term`."""
    domain = template_domain(account)
    if term:
        domain = [*domain, ("name", "ilike", term)]
    found = account.env[TEMPLATE].search(domain, order="name, id", limit=MAX_TEMPLATES)
    return [
        {"id": template.id, "name": template.name, "subject": template.subject or ""}
        for template in found
    ]


def render(account, template_id, recipients):
    """{"subject", "body"} of the template `template_id` (one `account` offers) for the
    first of `recipients` (addresses as the composer holds them)."""
    env = account.env
    template = env[TEMPLATE].search([("id", "=", template_id), *template_domain(account)])
    if not template:
        raise UserError(env._("This template is not offered in %(account)s.", account=account.name))
    partner = recipient_partner(env, recipients)
    language = _language(template, partner)
    try:
        rendered = {
            field: template._render_field(field, [partner.id], **language)[partner.id]
            for field in ("subject", "body_html")
        }
    except UserError as error:
        # Odoo says it with the template's source and a Python traceback, or (a placeholder
        # reaching a record the user may not read: AccessError) with its "top-secret" text.
        _logger.info("Reply template %s failed for contact %s: %s", template.id, partner.id, error)
        raise UserError(
            env._(
                "The template “%(template)s” could not be filled in for this recipient: one "
                "of its placeholders has an error or names something you may not see. Your "
                "text has not been changed.",
                template=template.name,
            )
        ) from error
    # The body goes into Odoo's page, where the styles and classes Odoo keeps in a template
    # (a colleague's, a group member's) could lay it over the page, as quoted mail's could.
    # Its images stay: they are the template's own, as the recipient will see them.
    body = html.sanitize_html(
        rendered["body_html"] or "", cid_url=lambda _cid: None, allow_remote=True, in_page=True
    ).html
    # The subject is one line, as the composer's field shows it and a header carries it.
    subject = clean_text(rendered["subject"] or "").strip()
    return {"subject": subject, "body": body}


def _language(template, partner):
    """How `template` is put into a language for `partner`: a saved contact is written to
    in the language the template's own "Language" names, else in the contact's; a made-up
    one in the user's. (Odoo's "Language" left empty means the user's, and only template
    editors may fill it in with a placeholder.)"""
    env = template.env
    if not partner.id:
        return {"set_lang": env.lang}
    if template.lang:
        return {"compute_lang": True}
    installed = dict(env["res.lang"].get_installed())
    return {"set_lang": partner.lang if partner.lang in installed else env.lang}


def recipient_partner(env, recipients):
    """The contact of the first recipient, or an unsaved one named as the address says."""
    Partner = env["res.partner"]
    first = _first_address(recipients)
    if first is None:
        return Partner.new({"name": ""})
    normalized = tools.email_normalize(first.address)
    partner = normalized and Partner.search([("email_normalized", "=", normalized)], limit=1)
    if partner:
        return partner
    return Partner.new({"name": first.name, "email": first.address})


def _first_address(recipients):
    """The first well-formed address among `recipients` (the composer checks them all
    when the mail is sent; a template needs only a name)."""
    for recipient in recipients if isinstance(recipients, list) else []:
        try:
            addresses = parse_addresses(recipient) if isinstance(recipient, str) else []
        except InvalidInputError:
            continue
        if addresses:
            return addresses[0]
    return None
