"""Assigning mail to records (CRM correspondence): suggestions and record search for the
picker, posting into chatters, the list's markers, and a contact's mail across mailboxes.

The same model as dynaoffice_mail_account.py, in a file of its own because it is a subject
of its own. The message itself is handled by dynaoffice.mail.message (one handle per
message a user acts on); this file holds the calls the mail client makes.
"""

import logging
import re

from odoo import api, models, tools
from odoo.exceptions import UserError

from ..services import assigning, folders
from ..services import exceptions as mail_errors
from .dynaoffice_mail_account import _jsonable

_logger = logging.getLogger(__name__)

# Records whose reference a subject may name ("Ihre Bestellung S00042"), where the app is
# installed: model -> field holding the reference. Extend with _assign_reference_fields().
REFERENCE_FIELDS = {
    "sale.order": "name",
    "purchase.order": "name",
    "account.move": "name",
    "stock.picking": "name",
    "mrp.production": "name",
    "repair.order": "name",
    "res.partner": "ref",
}
# Models with a chatter that are no place for a customer's mail.
NOT_ASSIGNABLE = {"discuss.channel", "mail.blacklist", "res.users"}
MAX_ASSIGN = 100
MAX_SUGGESTIONS = 20
MAX_SUBJECT_TOKENS = 20
MAX_REFERENCES = 50
# The live search for a contact's mail: how many folders per account, messages per folder.
MAX_SEARCH_FOLDERS = 30
SEARCH_LIMIT = 20
SKIPPED_FOLDERS = {"\\Trash", "\\Junk", "\\Drafts"}
_SUBJECT_TOKEN = re.compile(r"[\w][\w/.\-]*")


class DynaofficeMailAccount(models.Model):
    # A file of its own, as dynaoffice_mail_account_compose.py is: one subject per file.
    _inherit = "dynaoffice.mail.account"  # pylint: disable=consider-merging-classes-inherited

    # -- RPC ----------------------------------------------------------------------------

    def client_assign_suggestions(self, folder, uidvalidity, uid):
        """Records this message probably belongs to, best first: the record an Odoo-sent
        mail it answers belonged to, records its subject names, the contacts it is from
        or to and their companies, leads with the sender's address (with CRM)."""
        self.ensure_one()
        uidvalidity, uid = int(uidvalidity), int(uid)
        view = self._read_message(folder, uidvalidity, uid)
        _ = self.env._
        found = []
        found += [
            (r, "thread", _("Answers mail of this record")) for r in self._replied_records(view)
        ]
        found += [(r, "reference", _("Named in the subject")) for r in self._named_records(view)]
        found += self._contact_suggestions(view)
        found += self._lead_suggestions(view)
        handle = self.env["dynaoffice.mail.message"].search(
            [
                ("account_id", "=", self.id),
                ("folder", "=", folder),
                ("uidvalidity", "=", uidvalidity),
                ("uid", "=", uid),
            ]
        )
        assigned = {(a.res_model, a.res_id) for a in handle.assignment_ids}
        suggestions, seen = [], set()
        for record, kind, reason in found:
            key = (record._name, record.id)
            if key in seen or not _may_post_on(record):
                continue
            seen.add(key)
            suggestions.append(
                dict(
                    _record_json(record),
                    kind=kind,
                    reason=reason,
                    assigned=key in assigned,
                )
            )
        return suggestions[:MAX_SUGGESTIONS]

    @api.model
    def client_assignable_models(self):
        """Models with a chatter the user may post on, for the picker's search."""
        models_ = [
            {"model": name, "name": self.env["ir.model"]._get(name).display_name}
            for name in self._assignable_model_names()
            if _may_post_on(self.env[name])
        ]
        return sorted(models_, key=lambda entry: entry["name"].lower())

    @api.model
    def client_search_records(self, res_model, term, limit=20):
        """Records of `res_model` matching `term` by name, where the user may post mail."""
        if res_model not in self._assignable_model_names():
            raise UserError(self._not_assignable(res_model))
        limit = max(1, min(int(limit), 100))
        Model = self.env[res_model]
        if not _may_post_on(Model):
            return []
        found = Model.name_search(str(term or "").strip(), limit=limit)
        records = Model.browse([record_id for record_id, _name in found])
        return [_record_json(record) for record in records if _may_post_on(record)]

    def client_assign(self, folder, uidvalidity, uids, res_model, res_id):
        """Post messages into a record's chatter (once each) and mark them on the server.

        Returns {uid: {"status": "assigned" | "already" | "gone", "mail_message_id": id}}:
        "already" when the record holds the message already (same Message-ID), "gone" when
        it is no longer on the server.
        """
        self.ensure_one()
        self._check_usable()
        uidvalidity = int(uidvalidity)
        uids = [int(uid) for uid in uids or ()]
        if not uids or len(uids) > MAX_ASSIGN:
            raise UserError(
                self.env._("Assign between 1 and %(count)s messages at a time.", count=MAX_ASSIGN)
            )
        target = self._assign_target(res_model, res_id)
        handles = self.env["dynaoffice.mail.message"]._for_messages(self, folder, uidvalidity, uids)
        results = {}
        for uid in uids:
            handle = handles.get(uid)
            if handle is None:
                results[uid] = {"status": "gone", "mail_message_id": False}
                continue
            status, message = handle._assign_to(target)
            results[uid] = {"status": status, "mail_message_id": message.id}
        if handles:
            self._mark_assigned(folder, uidvalidity, list(handles))
        return results

    def client_assignments(self, folder, uidvalidity, uids):
        """The list's markers: {uid: [{res_model, res_id, display_name, model_name}]} for
        the messages of `uids` that are assigned somewhere (others are left out)."""
        self.ensure_one()
        self._check_usable()
        uids = [int(uid) for uid in uids or ()]
        if not uids:
            return {}
        handles = self.env["dynaoffice.mail.message"].search(
            [
                ("account_id", "=", self.id),
                ("folder", "=", folder),
                ("uidvalidity", "=", int(uidvalidity)),
                ("uid", "in", uids),
                ("assignment_ids", "!=", False),
            ]
        )
        return {
            handle.uid: [
                {
                    "res_model": assignment.res_model,
                    "res_id": assignment.res_id,
                    "display_name": assignment.record_name,
                    "model_name": self.env["ir.model"]._get(assignment.res_model).display_name,
                }
                for assignment in handle.assignment_ids
            ]
            for handle in handles
        }

    def client_message_handles(self, folder, uidvalidity, uids):
        """{uid: handle id} of messages, made where missing: what the server actions bound
        to dynaoffice.mail.message run on (as active_ids)."""
        self.ensure_one()
        uids = [int(uid) for uid in uids or ()]
        if not uids or len(uids) > MAX_ASSIGN:
            raise UserError(
                self.env._("Choose between 1 and %(count)s messages.", count=MAX_ASSIGN)
            )
        handles = self.env["dynaoffice.mail.message"]._for_messages(
            self, folder, int(uidvalidity), uids
        )
        return {uid: handle.id for uid, handle in handles.items()}

    @api.model
    def client_message_actions(self):
        """The server actions for messages the user may run: [{id, name}]."""
        bindings = self.env["ir.actions.actions"].get_bindings("dynaoffice.mail.message")
        return [
            {"id": action["id"], "name": action["name"]} for action in bindings.get("action", [])
        ]

    @api.model
    def client_search_partner_mail(self, partner_id, limit=SEARCH_LIMIT):
        """A contact's mail, searched live on the server (FROM, TO or CC one of its
        addresses) in every account the user may use: per account and folder the number
        of matches and the newest `limit` of them, as the message list shows them.

        An account that cannot be reached is reported in "errors", the others still answer.
        """
        partner = self.env["res.partner"].browse(int(partner_id)).exists()
        if not partner:
            raise UserError(self.env._("The contact no longer exists."))
        partner.check_access("read")
        limit = max(1, min(int(limit), 100))
        addresses = partner._dynaoffice_mail_addresses()
        answer = {"addresses": addresses, "results": [], "errors": []}
        if not addresses:
            return answer
        for account in self.search([]).filtered("can_use"):
            try:
                matches = account._correspondence(addresses, limit)
            except UserError as error:
                answer["errors"].append(
                    {"account_id": account.id, "account_name": account.name, "error": str(error)}
                )
                continue
            for found in matches:
                answer["results"].append(
                    {
                        "account_id": account.id,
                        "account_name": account.name,
                        "folder": found.folder,
                        "uidvalidity": found.uidvalidity,
                        "total": found.total,
                        "messages": _jsonable(found.messages),
                    }
                )
        return answer

    # -- private --------------------------------------------------------------------------

    @api.model
    def _assign_target(self, res_model, res_id):
        """The record mail goes to, once the user is known to be allowed to post on it."""
        if res_model not in self._assignable_model_names():
            raise UserError(self._not_assignable(res_model))
        record = self.env[res_model].browse(int(res_id)).exists()
        if not record:
            raise UserError(self.env._("The record no longer exists."))
        record.check_access(record._get_mail_message_access(record.ids, "create"))
        return record

    @api.model
    def _assignable_model_names(self):
        thread = self.pool["mail.thread"]
        return {
            name
            for name, model_class in self.pool.items()
            if issubclass(model_class, thread)
            and not model_class._abstract
            and not model_class._transient
            and name not in NOT_ASSIGNABLE
        }

    @api.model
    def _not_assignable(self, res_model):
        return self.env._("Mail cannot be assigned to %(model)s.", model=str(res_model))

    @api.model
    def _assign_reference_fields(self):
        """{model: field} of the references a subject may name, for installed apps only."""
        return {
            model: field
            for model, field in REFERENCE_FIELDS.items()
            if model in self.env and field in self.env[model]._fields
        }

    @api.model
    def _replied_records(self, view):
        """The records whose Odoo-sent mail this message answers, newest reference first,
        where the user may post on them."""
        references = [ref for ref in (view.in_reply_to, *reversed(view.references)) if ref]
        references = list(dict.fromkeys(references))[:MAX_REFERENCES]
        if not references:
            return []
        # sudo: the chatter messages only say which record the mail belonged to; the user
        # is offered a record only where they may change it (checked by the callers).
        messages = (
            self.env["mail.message"]
            .sudo()
            .search_fetch(
                [("message_id", "in", references), ("model", "!=", False), ("res_id", "!=", 0)],
                ["message_id", "model", "res_id"],
            )
        )
        order = {ref: index for index, ref in enumerate(references)}
        assignable = self._assignable_model_names()
        records = []
        for message in messages.sorted(lambda m: order.get(m.message_id, len(order))):
            if message.model in assignable:
                record = self.env[message.model].browse(message.res_id).exists()
                if record and record not in records and _may_post_on(record):
                    records.append(record)
        return records

    @api.model
    def _named_records(self, view):
        """Records whose reference (an order number, an invoice number) is in the subject."""
        tokens = _subject_references(view.subject)
        if not tokens:
            return []
        records = []
        for model, field in self._assign_reference_fields().items():
            Model = self.env[model]
            if Model.has_access("read"):
                records += list(Model.search([(field, "in", tokens)], limit=5))
        return records

    def _contact_suggestions(self, view):
        """Contacts whose address the sender or a recipient has, and their companies; the
        account's own address and colleagues are left out."""
        _ = self.env._
        own = {tools.email_normalize(self.email)}
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
        senders = _normalized(view.from_ + view.reply_to) - {tools.email_normalize(self.email)}
        Lead = self.env["crm.lead"]
        if not senders or not Lead.has_access("read"):
            return []
        leads = Lead.search([("email_normalized", "in", list(senders))], limit=5)
        _ = self.env._
        return [
            (lead, "lead", _("Opportunity") if lead.type == "opportunity" else _("Lead"))
            for lead in leads
        ]

    def _mark_assigned(self, folder, uidvalidity, uids):
        """$Odoo-Assigned on the server, for other mail programs; the assignment stands
        even when the server cannot keep the keyword."""
        self.ensure_one()
        try:
            marked = self._imap_run(
                lambda client: assigning.mark_assigned(client, folder, int(uidvalidity), uids),
                safe=False,
            )
        except UserError as error:
            _logger.warning("Could not mark assigned mail on %s: %s", self.name, error)
            return False
        return marked

    def _correspondence(self, addresses, limit):
        """[FolderMatches] of this account's folders (Trash, Junk and Drafts left out)."""
        self.ensure_one()

        def search(client):
            names = [
                folder.name
                for folder in folders.list_folders(client)
                if folder.selectable and folder.special_use not in SKIPPED_FOLDERS
            ]
            matches = []
            for name in names[:MAX_SEARCH_FOLDERS]:
                try:
                    found = assigning.search_correspondence(client, name, addresses, limit=limit)
                except (mail_errors.ProtocolError, mail_errors.LimitExceededError) as error:
                    _logger.info("Searching %s in %s failed: %s", name, self.name, error)
                    continue
                if found.total:
                    matches.append(found)
            return matches

        return self._imap_run(search, safe=True)


def _may_post_on(records):
    """Whether the user may post in the chatter of `records` (or of the model, if empty):
    what the chatter itself asks, write access, or read access where the model says so
    (_mail_post_access, as on invoices and tasks)."""
    return records.has_access(records._get_mail_message_access(records.ids, "create"))


def _record_json(record):
    return {
        "res_model": record._name,
        "res_id": record.id,
        "display_name": record.display_name,
        "model_name": record.env["ir.model"]._get(record._name).display_name,
    }


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
