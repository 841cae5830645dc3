"""Assigning mail to records (CRM correspondence): suggestions and record search for the
picker, posting into chatters, the list's markers, and a contact's mail across mailboxes.

The message stays on the server; dynaoffice.mail.message keeps one handle per message a
user acts on, and dynaoffice.mail.assignment says which chatter holds it. The matching
(which records a message probably belongs to) is plain code here, as OCA's
fetchmail_attach_from_folder keeps its matching algorithms in plain classes.
"""

import datetime
import logging
import re
import urllib.parse
from dataclasses import replace

from markupsafe import Markup

from odoo import tools
from odoo.exceptions import UserError

from ..services import assigning, folders, html, imap, limits, signatures
from ..services import exceptions as mail_errors
from ..services.refs import MessageRef
from .base import Role, jsonable
from .mailbox import Mailbox

_logger = logging.getLogger(__name__)

# Records whose reference a subject may name ("Ihre Bestellung S00042"), where the app is
# installed: model -> field holding the reference (an addon may add its own).
REFERENCE_FIELDS = {
    "sale.order": "name",
    "purchase.order": "name",
    "account.move": "name",
    "stock.picking": "name",
    "mrp.production": "name",
    "repair.order": "name",
    "res.partner": "ref",
}
# What mail is assigned to: the business records an office keeps correspondence on, where
# their app is installed. An administrator adds others (models with a chatter) through the
# system parameter below, comma-separated; technical models (documents, settings, users,
# templates) are never offered, so the picker names what users work with.
ASSIGNABLE_MODELS = (
    "res.partner",
    "crm.lead",
    "sale.order",
    "purchase.order",
    "account.move",
    "project.project",
    "project.task",
    "helpdesk.ticket",
    "hr.applicant",
    "stock.picking",
    "mrp.production",
    "repair.order",
    "maintenance.request",
    "event.registration",
)
ASSIGNABLE_MODELS_PARAM = "dynaoffice_mail.assignable_models"
# Never assignable, whatever the parameter says: places of the system, not of business.
NOT_ASSIGNABLE = {"discuss.channel", "mail.blacklist", "res.users", "res.groups"}
NOT_ASSIGNABLE_PREFIXES = ("ir.", "mail.", "discuss.", "dms.", "dynaoffice.", "base.", "bus.")
MAX_ASSIGN = 100
MAX_SUGGESTIONS = 20
MAX_SUBJECT_TOKENS = 20
# References followed to find the record an Odoo-sent mail belonged to (the newest ones).
MAX_REFERENCES = 50
# Where "open the original" looks for a message that was moved, beyond its own folder.
MAX_LOOKUP_FOLDERS = 50
# The live search for a contact's mail: how many folders per account, messages per folder.
MAX_SEARCH_FOLDERS = 30
SEARCH_LIMIT = 20
SKIPPED_FOLDERS = {"\\Trash", "\\Junk", "\\Drafts"}
# Domains of mail providers for anyone: their name is no company's.
FREE_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "arcor.de",
        "email.de",
        "freenet.de",
        "gmail.com",
        "gmx.at",
        "gmx.ch",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "hotmail.de",
        "icloud.com",
        "live.com",
        "live.de",
        "mail.de",
        "mailbox.org",
        "me.com",
        "msn.com",
        "online.de",
        "outlook.com",
        "outlook.de",
        "posteo.de",
        "proton.me",
        "protonmail.com",
        "t-online.de",
        "web.de",
        "yahoo.com",
        "yahoo.de",
    }
)
_SUBJECT_TOKEN = re.compile(r"[\w][\w/.\-]*")
# The specials of RFC 5322 (section 3.2.3): a display name holding one must be quoted.
_NEEDS_QUOTES = re.compile(r'[][\\()<>@,:;".]')

HANDLE = "dynaoffice.mail.message"


class Assigner(Role):
    """Mail of one mailbox into records' chatters, for a user who may use the mailbox."""

    # -- what the mail client calls --------------------------------------------------------

    def suggestions(self, ref):
        """Records this message probably belongs to, best first: the record an Odoo-sent
        mail it answers belonged to, records its subject names, the contacts it is from
        or to and their companies, leads with the sender's address (with CRM)."""
        view = Mailbox(self.account).message_view(ref)
        _ = self.env._
        found = []
        found += [
            (record, "thread", _("Answers mail of this record"))
            for record in _replied_records(self.env, view)
        ]
        found += [
            (record, "reference", _("Named in the subject")) for record in self._named_records(view)
        ]
        found += self._contact_suggestions(view)
        found += self._lead_suggestions(view)
        assigned = {
            (assignment.res_model, assignment.res_id)
            for assignment in self._handles([ref]).assignment_ids
        }
        suggestions, seen = [], set()
        for record, kind, reason in found:
            key = (record._name, record.id)
            if key in seen or not may_post_on(record):
                continue
            seen.add(key)
            suggestions.append(
                dict(record_json(record), kind=kind, reason=reason, assigned=key in assigned)
            )
        return suggestions[:MAX_SUGGESTIONS]

    def assign(self, refs, res_model, res_id):
        """Post messages into a record's chatter (once each) and mark them on the server.

        Returns {uid: {"status": "assigned" | "already" | "gone", "mail_message_id": id}}:
        "already" when the record holds the message already (same Message-ID), "gone" when
        it is no longer on the server.
        """
        if not refs or len(refs) > MAX_ASSIGN:
            raise UserError(
                self.env._("Assign between 1 and %(count)s messages at a time.", count=MAX_ASSIGN)
            )
        target = assign_target(self.env, res_model, res_id)
        handles = self.env[HANDLE]._for_messages(self.account, refs)
        posted = self.assign_handles(self.env[HANDLE].union(*handles.values()), target)
        results = {}
        for ref in refs:
            handle = handles.get(ref)
            status, message = posted[handle.id] if handle else ("gone", self.env["mail.message"])
            results[ref.uid] = {"status": status, "mail_message_id": message.id or False}
        return results

    def assignments(self, refs):
        """The list's markers: {uid: [{res_model, res_id, display_name, model_name, ref}]}
        for the messages of `refs` that are assigned somewhere (others are left out)."""
        if not refs:
            return {}
        handles = self._handles(refs).filtered("assignment_ids")
        return {
            handle.uid: [
                {
                    "res_model": assignment.res_model,
                    "res_id": assignment.res_id,
                    "display_name": assignment.record_name,
                    "model_name": self.env["ir.model"]._get(assignment.res_model).display_name,
                    "ref": handle._ref().json(),
                }
                for assignment in handle.assignment_ids
            ]
            for handle in handles
        }

    def contact_defaults(self, ref):
        """ "Create contact from sender": the new contact's suggested values {name, email,
        and parent_id (a company contact with the sender's domain) or company_name (the
        domain's first label, a suggestion to edit)}; "existing" is a contact the user may
        see that has the address already (then there is nothing to create)."""
        return self.sender_defaults(Mailbox(self.account).message_view(ref))

    def sender_defaults(self, view):
        """`contact_defaults` of a message already read (a MessageView): the name from the
        header, else from the signature; the phone and, where no company contact has the
        domain, the company named in the signature (services/signatures.py)."""
        sender = self.sender_of(view)
        if not sender:
            raise UserError(self.env._("The message has no sender other than this mailbox."))
        email = tools.email_normalize(sender.address)
        guess = signatures.guess_contact(sender.name or "", email, _plain_text(view))
        Partner = self.env["res.partner"]
        existing = Partner.search([("email_normalized", "=", email)], limit=1)
        defaults = {
            "name": guess.name or email,
            "email": email,
            "existing": record_json(existing) if existing else False,
        }
        if guess.phone:
            defaults["phone"] = guess.phone
        domain = email.rpartition("@")[2]
        company = Partner if domain in FREE_MAIL_DOMAINS else _company_of_domain(self.env, domain)
        if company:
            defaults.update(parent_id=company.id, parent_name=company.display_name)
        elif guess.company:
            defaults["company_name"] = guess.company
        elif domain not in FREE_MAIL_DOMAINS:
            label = domain.split(".")[0]
            defaults["company_name"] = label[:1].upper() + label[1:]
        return defaults

    def sender_of(self, view):
        """The message's sender (From, else Reply-To) that is not this mailbox, or None."""
        own = tools.email_normalize(self.account.email)
        return next(
            (
                address
                for address in view.from_ + view.reply_to
                if tools.email_normalize(address.address or "") not in (False, own)
            ),
            None,
        )

    def message_handles(self, refs):
        """{uid: handle id} of messages, made where missing: what the server actions bound
        to dynaoffice.mail.message run on (as active_ids)."""
        if not refs or len(refs) > MAX_ASSIGN:
            raise UserError(
                self.env._("Choose between 1 and %(count)s messages.", count=MAX_ASSIGN)
            )
        handles = self.env[HANDLE]._for_messages(self.account, refs)
        return {ref.uid: handle.id for ref, handle in handles.items()}

    # -- what the message handles call ------------------------------------------------------

    def assign_handles(self, handles, target):
        """Post the messages of `handles` (this account's) into `target`'s chatter, once
        each, and mark them assigned on the server: {handle id: (status, mail.message)},
        status "assigned", "already", or "gone" (no longer on the server; no message)."""
        present = self.on_server(handles)
        results = {handle.id: ("gone", self.env["mail.message"]) for handle in handles - present}
        results.update({handle.id: self._assign_one(handle, target) for handle in present})
        for group in present.grouped(lambda h: (h.folder, h.uidvalidity)).values():
            self.mark_assigned([handle._ref() for handle in group])
        return results

    def on_server(self, handles):
        """The handles of `handles` (this account's) whose message is still on the server:
        a handle made before (an earlier assignment) outlives a message another mail
        program deleted, and the message's text may still be in the reading cache."""
        present = self.env[HANDLE]
        for group in handles.grouped(lambda h: (h.folder, h.uidvalidity)).values():
            listed = self.summaries([handle._ref() for handle in group])
            present |= group.filtered(lambda handle, listed=listed: handle.uid in listed)
        return present

    def summaries(self, refs):
        """{uid: MessageSummary} of messages of one folder (listed under one UIDVALIDITY)
        as the message list shows them; those no longer on the server are missing."""
        first = refs[0]
        return self.run(
            lambda client: assigning.message_summaries(
                client, first.folder, first.uidvalidity, [ref.uid for ref in refs]
            ),
            safe=True,
        )

    def replied_records(self, ref):
        """The records whose Odoo-sent mail the message answers, newest reference first,
        where the user may post on them."""
        return _replied_records(self.env, Mailbox(self.account).message_view(ref))

    def still_there(self, ref):
        """Whether the message is where `ref` says (same folder, UIDVALIDITY and UID)."""
        try:
            return bool(self.summaries([ref]))
        except UserError as error:
            # Renumbered, or gone with its folder: the caller looks for it by Message-ID.
            _logger.info("Message %s of %s not where it was: %s", ref.uid, self.account.id, error)
            return False

    def find(self, message_id, first_folder):
        """The message with this Message-ID, looked for in `first_folder`, then in the
        others (a few dozen at most); None when no folder holds it."""

        def look(client):
            names = [first_folder] + [
                folder.name
                for folder in folders.list_folders(client)
                if folder.selectable and folder.name != first_folder
            ]
            return assigning.find_message(client, names[:MAX_LOOKUP_FOLDERS], message_id)

        found = self.run(look, safe=True)
        # The services know no accounts: the reference they give is this account's.
        return found and replace(found, account=self.account.id)

    def mark_assigned(self, refs):
        """$Odoo-Assigned on the server, for other mail programs; the assignment stands
        even when the server cannot keep the keyword."""
        first = refs[0]
        try:
            return self.run(
                lambda client: assigning.mark_assigned(
                    client, first.folder, first.uidvalidity, [ref.uid for ref in refs]
                ),
                safe=False,
            )
        except UserError as error:
            _logger.warning("Could not mark assigned mail on %s: %s", self.account.name, error)
            return False

    def correspondence(self, addresses, limit):
        """([(FolderMatches, [Folder])], folders searched, folders to search) of the
        account's folders (Trash, Junk, Drafts and empty folders left out, at most
        MAX_SEARCH_FOLDERS), each with the listed folders along its path (to name it as the
        client's folder tree does: "Posteingang / Projekte"); a folder the server refuses
        to search is not counted as searched."""

        def search(client):
            listed = folders.list_folders(client)
            names = [
                folder.name
                for folder in listed
                if folder.selectable
                and folder.special_use not in SKIPPED_FOLDERS
                and folder.total != 0
            ]
            matches, searched = [], 0
            for name in names[:MAX_SEARCH_FOLDERS]:
                try:
                    found = assigning.search_correspondence(client, name, addresses, limit=limit)
                except (mail_errors.ProtocolError, mail_errors.LimitExceededError) as error:
                    _logger.info("Searching %s in %s failed: %s", name, self.account.name, error)
                    continue
                searched += 1
                if found.total:
                    matches.append((found, _folders_along(listed, name)))
            return matches, searched, len(names)

        return self.run(search, safe=True)

    def check_folder_name(self, folder):
        """A folder name is the server's own and never cleaned (it names the folder
        there); one that no command can carry (NUL, a lone surrogate) cannot be stored."""
        try:
            imap.check_folder_name(folder)
        except mail_errors.InvalidInputError as error:
            raise self.user_error(error) from error

    # -- posting -----------------------------------------------------------------------------

    def _assign_one(self, handle, target):
        """Post `handle`'s message into `target`'s chatter unless it is there already (the
        same Message-ID on the same record); remember the assignment either way."""
        done = handle.assignment_ids.filtered(
            lambda a: a.res_model == target._name and a.res_id == target.id
        )
        if done:
            return "already", done[0].mail_message_id
        ref = handle._ref()
        view = Mailbox(self.account).message_view(ref)
        message = self._posted_on(target, view.message_id)
        status = "already"
        if not message:
            message = self._post_on(target, ref, view, handle.date, handle=handle)
            status = "assigned"
        # sudo: users only read assignments (ACL); one is made here, after the caller was
        # found allowed to use the mailbox (the role's access check) and to post on the
        # target (assign_target).
        self.env["dynaoffice.mail.assignment"].sudo().create(
            {
                "message_id": handle.id,
                "res_model": target._name,
                "res_id": target.id,
                "mail_message_id": message.id,
                "rfc_message_id": view.message_id or handle.message_id,
            }
        )
        return status, message

    def _posted_on(self, target, rfc_message_id):
        if not rfc_message_id:
            return self.env["mail.message"]
        # sudo: only whether the record's chatter holds this Message-ID already; the user
        # may post there (checked by the caller) but need not see every message in it.
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", target._name),
                    ("res_id", "=", target.id),
                    ("message_id", "=", rfc_message_id),
                ],
                limit=1,
            )
            .with_env(self.env)
        )

    def _post_on(self, target, ref, view, listed_date, handle=None):
        """The chatter entry: the mail as it came in, from its sender, on its date; from a
        group mailbox with a link to the team's notes on it (they stay with the mail)."""
        notes = []
        attachments = self._chatter_attachments(ref, view, notes)
        sender = view.from_[0] if view.from_ else None
        # A message without a sender (a draft, a broken header) is the mailbox's own.
        email_from = formatted_address(sender) if sender and sender.address else self.account.email
        author = target._mail_find_partner_from_emails([email_from], records=target)[0]
        values = {
            "body": self._chatter_body(view, notes) + self._notes_link(handle),
            "subject": view.subject or False,
            "message_type": "email",
            "subtype_xmlid": "mail.mt_comment",
            "author_id": author.id or False,
            "email_from": email_from,
            "attachments": attachments,
            "parent_id": self._parent_message(target, view).id or False,
        }
        if view.date or listed_date:
            values["date"] = utc_naive(view.date) if view.date else listed_date
        if view.message_id:
            values["message_id"] = view.message_id
        # Followers hear of it as of any mail that comes in; the user assigning it does not
        # become one.
        return target.with_context(mail_create_nosubscribe=True).message_post(**values)

    def _chatter_body(self, view, notes):
        _ = self.env._
        if view.html:
            # Remote images stay out (they tell the sender the mail was read); images the
            # body shows from its own parts come along as attachments (cid: links). The
            # chatter is Odoo's page: nothing may position itself over it or take the
            # names of its elements (in_page).
            body = Markup(
                html.sanitize_html(
                    view.html,
                    cid_url=lambda content_id: f"cid:{content_id}",
                    allow_remote=False,
                    in_page=True,
                ).html
            )
        elif view.text:
            body = tools.plaintext2html(view.text)
        else:
            body = Markup()
        if view.truncated:
            notes.append(_("The text was shortened: the message is longer than can be shown."))
        if view.error:
            notes.append(
                _("The message could not be read completely: %(reason)s", reason=view.error)
            )
        for note in notes:
            body += Markup("<p><em>%s</em></p>") % note
        return body

    def _chatter_attachments(self, ref, view, notes):
        """[(filename, content, info)] within limits.MAX_ATTACHMENT_BYTES, as the mail would
        not have got through most servers otherwise; what does not fit is named in
        `notes`. A message that could not be read properly comes as its source (an .eml
        file), so that nothing of it is lost in the chatter."""
        if view.error:
            source = Mailbox(self.account).read_source(ref, max_bytes=limits.MAX_ATTACHMENT_BYTES)
            if source is None:
                notes.append(self.env._("The original message is too large to attach."))
                return []
            return [(self.env._("original message.eml"), source, {})]
        if not view.attachments:
            return []
        contents = Mailbox(self.account).read_attachments(
            ref,
            [attachment.part_number for attachment in view.attachments],
            max_bytes=limits.MAX_ATTACHMENT_BYTES,
        )
        result = []
        for attachment in view.attachments:
            content = contents.get(attachment.part_number)
            if content is None:
                notes.append(
                    self.env._(
                        "%(name)s was left out: the files together are too large.",
                        name=attachment.filename,
                    )
                )
                continue
            info = {"cid": attachment.content_id} if attachment.content_id else {}
            result.append((attachment.filename, content, info))
        return result

    def _notes_link(self, handle):
        """A link to the mail in the client, where the team's notes on it are: for who may
        use the group mailbox (the route checks), the others find it refused."""
        if handle is None or not self.account.group_id:
            return Markup()
        return Markup('<p><a href="/dynaoffice_mail/message/%s">%s</a></p>') % (
            handle.id,
            self.env._("Notes of %(team)s on this mail", team=self.account.name),
        )

    def _parent_message(self, target, view):
        """The message of `target` this mail answers, to thread it in the chatter."""
        references = [ref for ref in (*view.references, view.in_reply_to) if ref]
        if not references:
            return self.env["mail.message"]
        # sudo: only the id, to thread the new entry; message_post checks the rest.
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", target._name),
                    ("res_id", "=", target.id),
                    ("message_id", "in", references[-MAX_REFERENCES:]),
                ],
                order="id desc",
                limit=1,
            )
        )

    # -- matching ----------------------------------------------------------------------------

    def _named_records(self, view):
        """Records whose reference (an order number, an invoice number) is in the subject."""
        tokens = _subject_references(view.subject)
        if not tokens:
            return []
        records = []
        for model, field in _reference_fields(self.env).items():
            Model = self.env[model]
            if Model.has_access("read"):
                records += list(Model.search([(field, "in", tokens)], limit=5))
        return records

    def _contact_suggestions(self, view):
        """Contacts whose address the sender or a recipient has, and their companies; the
        account's own address and colleagues are left out."""
        _ = self.env._
        own = {tools.email_normalize(self.account.email)}
        senders = _normalized(view.from_ + view.reply_to) - own
        recipients = _normalized(view.to + view.cc) - own - senders
        if not senders | recipients:
            return []
        partners = self.env["res.partner"].search(
            [("email_normalized", "in", list(senders | recipients))], limit=50
        )
        partners = partners.filtered(
            lambda p: (
                p != self.env.user.partner_id and not any(not user.share for user in p.user_ids)
            )
        )
        found = []
        for addresses, kind, label, company_label in (
            (senders, "sender", _("Sender"), _("Company of the sender")),
            (recipients, "recipient", _("Recipient"), _("Company of a recipient")),
        ):
            matching = partners.filtered(lambda p, a=addresses: p.email_normalized in a)
            found += [(partner, kind, label) for partner in matching]
            found += [
                (partner.commercial_partner_id, f"{kind}_company", company_label)
                for partner in matching
                if partner.commercial_partner_id != partner
            ]
        return found

    def _lead_suggestions(self, view):
        """Leads and opportunities with the sender's address, where CRM is installed (this
        addon does not depend on it)."""
        if "crm.lead" not in self.env:
            return []
        own = {tools.email_normalize(self.account.email)}
        senders = _normalized(view.from_ + view.reply_to) - own
        Lead = self.env["crm.lead"]
        if not senders or not Lead.has_access("read"):
            return []
        leads = Lead.search([("email_normalized", "in", list(senders))], limit=5)
        _ = self.env._
        return [
            (lead, "lead", _("Opportunity") if lead.type == "opportunity" else _("Lead"))
            for lead in leads
        ]

    def _handles(self, refs):
        """The handles that exist for `refs` (none are made)."""
        Handle = self.env[HANDLE]
        found = Handle
        by_folder = {}
        for ref in refs:
            by_folder.setdefault((ref.folder, ref.uidvalidity), []).append(ref.uid)
        for (folder, uidvalidity), uids in by_folder.items():
            found |= Handle.search(
                [
                    ("account_id", "=", self.account.id),
                    ("folder", "=", folder),
                    ("uidvalidity", "=", uidvalidity),
                    ("uid", "in", uids),
                ]
            )
        return found


# -- what needs no mailbox: the picker, the server actions' list, a contact's mail ----------


def assignable_models(env):
    """Models with a chatter the user may post on, for the picker's search."""
    models_ = [
        {"model": name, "name": env["ir.model"]._get(name).display_name}
        for name in assignable_model_names(env)
        if may_post_on(env[name])
    ]
    return sorted(models_, key=lambda entry: entry["name"].lower())


def search_records(env, res_model, term, limit):
    """Records of `res_model` matching `term` by name, where the user may post mail."""
    if res_model not in assignable_model_names(env):
        raise UserError(not_assignable_message(env, res_model))
    limit = max(1, min(int(limit), 100))
    Model = env[res_model]
    if not may_post_on(Model):
        return []
    found = Model.name_search(str(term or "").strip(), limit=limit)
    records = Model.browse([record_id for record_id, _name in found])
    return [record_json(record) for record in records if may_post_on(record)]


def message_actions(env):
    """The server actions for messages the user may run: [{id, name}]."""
    bindings = env["ir.actions.actions"].get_bindings(HANDLE)
    return [{"id": action["id"], "name": action["name"]} for action in bindings.get("action", [])]


def search_partner_mail(env, partner_id, limit):
    """A contact's mail, searched live on the server (FROM, TO or CC one of its
    addresses) in every account the user may use: per account and folder the number
    of matches and the newest `limit` of them, as the message list shows them (each
    with its `ref`).

    An account that cannot be reached is reported in "errors", the others still answer;
    so is one of which not every folder was searched, as the search in all folders says it
    (roles/searcher.py), lest "no mail of this contact" be said of folders not looked at.

    "query": the search box's query that finds the same mail (a folder with more matches
    than it shows offers its list with it, which pages through them all), None where the
    addresses make it too long for the box.
    """
    partner = env["res.partner"].browse(int(partner_id)).exists()
    if not partner:
        raise UserError(env._("The contact no longer exists."))
    partner.check_access("read")
    limit = max(1, min(int(limit), 100))
    addresses = partner._dynaoffice_mail_addresses()
    answer = {
        "addresses": addresses,
        "results": [],
        "errors": [],
        "query": correspondence_query(addresses),
    }
    if not addresses:
        return answer
    for account in env["dynaoffice.mail.account"].search([]).filtered("can_use"):
        try:
            matches, searched, total = account._assigner().correspondence(addresses, limit)
        except UserError as error:
            answer["errors"].append(
                {"account_id": account.id, "account_name": account.name, "error": str(error)}
            )
            continue
        if searched < total:
            answer["errors"].append(not_all_folders_searched(env, account, searched, total))
        for found, path_folders in matches:
            result = folder_matches_json(account, found.folder, path_folders, found)
            answer["results"].append(result)
    return answer


def correspondence_query(addresses):
    """The search box's query for mail from, to or copied to any of `addresses`, as
    assigning.search_correspondence searches it; None for none or where it would be longer
    than the box takes (or an address has a quote or blank, which the box reads otherwise)."""
    if not addresses or any('"' in each or any(c.isspace() for c in each) for each in addresses):
        return None
    query = " OR ".join(f"{key}:{each}" for each in addresses for key in ("from", "to", "cc"))
    return query if len(query) <= limits.MAX_SEARCH_LENGTH else None


def not_all_folders_searched(env, account, searched, total):
    """The search views' note on a mailbox of which only `searched` of its `total` folders
    were searched (MAX_SEARCH_FOLDERS)."""
    return {
        "account_id": account.id,
        "account_name": account.name,
        "error": env._(
            "Only %(searched)s of its %(total)s folders were searched. Open a "
            "folder to search in it.",
            searched=searched,
            total=total,
        ),
    }


def folder_matches_json(account, folder, path_folders, found):
    """The matches of one folder (`found`: its uidvalidity, total and newest messages) as the
    client's search views show them, each message with its `ref`."""
    return {
        "account_id": account.id,
        "account_name": account.name,
        "folder": folder,
        # As client_folders lists them: the client names the folder from these.
        "path_folders": [folder_json(each) for each in path_folders],
        "uidvalidity": found.uidvalidity,
        "total": found.total,
        "messages": [
            dict(
                jsonable(summary),
                ref=MessageRef(account.id, folder, found.uidvalidity, summary.uid).json(),
            )
            for summary in found.messages
        ],
    }


def assign_target(env, res_model, res_id):
    """The record mail goes to, once the user is known to be allowed to post on it."""
    if res_model not in assignable_model_names(env):
        raise UserError(not_assignable_message(env, res_model))
    record = env[res_model].browse(int(res_id)).exists()
    if not record:
        raise UserError(env._("The record no longer exists."))
    record.check_access(record._get_mail_message_access(record.ids, "create"))
    return record


def assignable_model_names(env):
    """The models mail may be assigned to: ASSIGNABLE_MODELS and those the system
    parameter adds, where installed, with a chatter, and not a technical model."""
    # sudo: a system parameter only administrators write; every user's picker reads it.
    extra = env["ir.config_parameter"].sudo().get_param(ASSIGNABLE_MODELS_PARAM) or ""
    wanted = [*ASSIGNABLE_MODELS, *(name.strip() for name in extra.split(","))]
    thread = env.registry["mail.thread"]
    names = set()
    for name in wanted:
        model_class = env.registry.get(name)
        if (
            model_class is not None
            and issubclass(model_class, thread)
            and not model_class._abstract
            and not model_class._transient
            and name not in NOT_ASSIGNABLE
            and not name.startswith(NOT_ASSIGNABLE_PREFIXES)
        ):
            names.add(name)
    return names


def not_assignable_message(env, res_model):
    return env._("Mail cannot be assigned to %(model)s.", model=str(res_model))


def may_post_on(records):
    """Whether the user may post in the chatter of `records` (or of the model, if empty):
    what the chatter itself asks, write access, or read access where the model says so
    (_mail_post_access, as on invoices and tasks)."""
    return records.has_access(records._get_mail_message_access(records.ids, "create"))


def _replied_records(env, view):
    """The records whose Odoo-sent mail this message (a MessageView) answers, newest
    reference first, where the user may post on them."""
    references = [ref for ref in (view.in_reply_to, *reversed(view.references)) if ref]
    references = list(dict.fromkeys(references))[:MAX_REFERENCES]
    if not references:
        return []
    # sudo: the chatter messages only say which record the mail belonged to; the user
    # is offered a record only where they may post on it (may_post_on, below).
    messages = (
        env["mail.message"]
        .sudo()
        .search_fetch(
            [("message_id", "in", references), ("model", "!=", False), ("res_id", "!=", 0)],
            ["message_id", "model", "res_id"],
        )
    )
    order = {ref: index for index, ref in enumerate(references)}
    assignable = assignable_model_names(env)
    records = []
    for message in messages.sorted(lambda m: order.get(m.message_id, len(order))):
        if message.model in assignable:
            record = env[message.model].browse(message.res_id).exists()
            if record and record not in records and may_post_on(record):
                records.append(record)
    return records


def folder_json(folder):
    """A folder as client_folders gives it to the browser."""
    return dict(jsonable(folder), selectable=folder.selectable, path=list(folder.path))


def _folders_along(listed, name):
    """The listed folders that are `name` or hold it, top first."""
    path = next(folder.path for folder in listed if folder.name == name)
    by_path = {folder.path: folder for folder in listed}
    return [by_path[path[:depth]] for depth in range(1, len(path) + 1) if path[:depth] in by_path]


def contacts_by_email(env, emails):
    """{normalised address: the contact the user may see with it}: of several, a person
    before a company, the oldest first. The sender's contact as the context pane names it
    and a record created from the mail gets it."""
    found = env["res.partner"].search([("email_normalized", "in", emails)], order="is_company, id")
    contacts = {}
    for partner in found:
        contacts.setdefault(partner.email_normalized, partner)
    return contacts


def record_json(record):
    return {
        "res_model": record._name,
        "res_id": record.id,
        "display_name": record.display_name,
        "model_name": record.env["ir.model"]._get(record._name).display_name,
    }


def formatted_address(address):
    """The sender as people read it: the name quoted only where RFC 5322 needs it.

    Odoo's `formataddr` always quotes the name, and the chatter and the assigned-mail list
    show this text as it is. Python's `email.utils.formataddr` quotes only when needed but
    encodes a non-ASCII name (=?utf-8?...?=), which nobody should read.
    """
    name = address.name or ""
    formatted = tools.formataddr((name, address.address or ""))
    if name and name.isprintable() and not _NEEDS_QUOTES.search(name):
        return formatted.replace(f'"{name}"', name, 1)
    return formatted


def utc_naive(moment):
    """A time with zone as the naive UTC time Odoo stores, or False."""
    if not moment:
        return False
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _reference_fields(env):
    """{model: field} of the references a subject may name, for installed apps only."""
    return {
        model: field
        for model, field in REFERENCE_FIELDS.items()
        if model in env and field in env[model]._fields
    }


def _company_of_domain(env, domain):
    """A company contact the user may see whose website or e-mail is of `domain`."""
    like = tools.escape_psql(domain)
    candidates = env["res.partner"].search(
        [
            ("is_company", "=", True),
            "|",
            ("email_normalized", "=ilike", f"%@{like}"),
            ("website", "ilike", like),
        ],
        limit=20,
    )
    for company in candidates:
        if company.email_normalized and company.email_normalized.endswith(f"@{domain}"):
            return company
        if company.website and _website_domain(company.website) == domain:
            return company
    return env["res.partner"]


def _website_domain(website):
    """ "https://www.mueller-bau.de/kontakt" -> "mueller-bau.de"."""
    host = urllib.parse.urlsplit(website if "//" in website else f"//{website}").hostname or ""
    return host.removeprefix("www.")


def _plain_text(view):
    """The message's text for reading its signature: the text part, else the HTML's."""
    if view.text:
        return view.text
    return html.html_to_text(view.html) if view.html else ""


def _normalized(addresses):
    return {
        normalized
        for normalized in (tools.email_normalize(a.address or "") for a in addresses)
        if normalized
    }


def _subject_references(subject):
    """Words of the subject that look like a document's reference: with a digit in them
    ("S00042", "INV/2026/00017", "K-4711"), without trailing punctuation."""
    tokens = []
    for word in _SUBJECT_TOKEN.findall(subject or ""):
        word = word.rstrip("./-")
        if 3 <= len(word) <= 64 and any(char.isdigit() for char in word) and word not in tokens:
            tokens.append(word)
    return tokens[:MAX_SUBJECT_TOKENS]
