"""The customer beside the mail: the sections of the mail client's context pane.

Each section is a small method that answers, for one contact, a JSON dict ({"title",
"count", "lines": [{"res_model", "res_id", "name", "detail", "amount"}], ...}) or None when it
has nothing to show: its app is not installed, the user may not read its records, or there are
none. `_context_sections()` lists them in order; another addon adds its own with `super()`:

    class DynaofficeMailContext(models.AbstractModel):
        _inherit = "dynaoffice.mail.context"

        def _context_sections(self):
            return super()._context_sections() + [("repairs", self._section_repairs)]

        def _section_repairs(self, partner):
            return self._records_section(
                "repair.order", [("partner_id", "in", self._customer_ids(partner)),
                                 ("state", "not in", ("done", "cancel"))],
                self.env._("Open repairs"), detail="state")

and registers an Owl component under the same key in the JS registry
"dynaoffice_mail.context_sections" (or none: the pane lists the lines). Everything runs as the
user: access rights and record rules decide what a section counts and lists (no sudo; a line's
detail names a many2one as Odoo's lists do, whether or not its record is readable).
"""

from odoo import api, fields, models, tools

# Lines per section: the pane is a glance, the record's own list has the rest.
SECTION_LINES = 5
MAIL_LINES = 5


class DynaofficeMailContext(models.AbstractModel):
    _name = "dynaoffice.mail.context"
    _description = "Mail client: the customer beside the mail"

    @api.model
    def _context_sections(self):
        """[(key, method(partner) -> dict | None)], in the order the pane shows them."""
        return [
            ("contact", self._section_contact),
            ("opportunities", self._section_opportunities),
            ("sales", self._section_sales),
            ("invoices", self._section_invoices),
            ("tasks", self._section_tasks),
            ("tickets", self._section_tickets),
            ("mails", self._section_mails),
        ]

    @api.model
    def _pane_sections(self, partner):
        """The sections of `partner` the user gets to see, each with its "key"."""
        partner.check_access("read")
        # The customer's contacts, found once for every section of this pane.
        customer = partner.commercial_partner_id
        pane = self.with_context(
            dynaoffice_mail_customer=(customer.id, tuple(self._customer_ids(partner)))
        )
        sections = []
        for key, compute in pane._context_sections():
            section = compute(partner)
            if section:
                section.pop("records", None)  # a helper's, for the section's own method
                sections.append(dict(section, key=key))
        return sections

    # -- the built-in sections ----------------------------------------------------------

    @api.model
    def _section_contact(self, partner):
        """The contact and its company: avatar, phone, salesperson, tags. The company only
        where the user may read it: a contact open to every company may belong to a company
        contact of one of them."""
        company = partner.commercial_partner_id
        shown = company != partner and company.has_access("read")
        return {
            "title": self.env._("Contact"),
            "contact": self._partner_json(partner),
            "company": self._partner_json(company) if shown else False,
        }

    @api.model
    def _section_opportunities(self, partner):
        return self._records_section(
            "crm.lead",
            [
                ("partner_id", "in", self._customer_ids(partner)),
                ("type", "=", "opportunity"),
                ("stage_id.is_won", "=", False),
            ],
            self.env._("Open opportunities"),
            detail="stage_id",
            amount="expected_revenue",
            currency="company_currency",
        )

    @api.model
    def _section_sales(self, partner):
        return self._records_section(
            "sale.order",
            [
                ("partner_id", "in", self._customer_ids(partner)),
                ("state", "in", ("draft", "sent", "sale")),
                ("invoice_status", "!=", "invoiced"),
            ],
            self.env._("Open quotations and orders"),
            detail="state",
            amount="amount_total",
        )

    @api.model
    def _section_invoices(self, partner):
        domain = [
            # partner_id, not commercial_partner_id: only the first has an index.
            ("partner_id", "in", self._customer_ids(partner)),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]
        section = self._records_section(
            "account.move",
            domain,
            self.env._("Unpaid invoices"),
            detail="invoice_date_due",
            amount="amount_residual",
            order="invoice_date_due, id",
        )
        if section:
            invoices = section["records"]
            if section["count"] == len(invoices):
                due = {}
                for invoice in invoices:
                    due[invoice.currency_id] = (
                        due.get(invoice.currency_id, 0.0) + invoice.amount_residual
                    )
                due = due.items()
            else:
                due = self.env["account.move"]._read_group(
                    domain, ["currency_id"], ["amount_residual:sum"]
                )
            section["total"] = ", ".join(
                tools.format_amount(self.env, amount, currency) for currency, amount in due
            )
        return section

    @api.model
    def _section_tasks(self, partner):
        return self._records_section(
            "project.task",
            [
                ("partner_id", "in", self._customer_ids(partner)),
                ("state", "not in", ("1_done", "1_canceled")),
            ],
            self.env._("Open tasks"),
            detail="project_id",
        )

    @api.model
    def _section_tickets(self, partner):
        """Tickets of a helpdesk app, where one is installed (none is in Community): open
        ones are those in a stage that is not folded."""
        model = "helpdesk.ticket"
        if model not in self.env or "partner_id" not in self.env[model]._fields:
            return None
        domain = [("partner_id", "in", self._customer_ids(partner))]
        fields_ = self.env[model]._fields
        if "stage_id" in fields_ and "fold" in self.env[fields_["stage_id"].comodel_name]._fields:
            domain.append(("stage_id.fold", "=", False))
        return self._records_section(
            model,
            domain,
            self.env._("Open tickets"),
            detail="stage_id" if "stage_id" in fields_ else None,
        )

    @api.model
    def _section_mails(self, partner):
        """The newest mails assigned to the contact or its company, in mailboxes the user
        may use (the handles' record rule); a mail assigned to both is listed once, as the
        contact's "Assigned mail" lists it."""
        Handle = self.env["dynaoffice.mail.message"]
        if not Handle.has_access("read"):
            return None
        partners = partner | partner.commercial_partner_id
        domain = partners._dynaoffice_mail_assigned_domain()
        handles = Handle.search(domain, limit=MAIL_LINES)
        if not handles:
            return None
        count = len(handles)
        if count == MAIL_LINES:
            count = Handle.search_count(domain)
        return {
            "title": self.env._("Assigned mail"),
            "count": count,
            "lines": [
                {
                    "res_model": handle._name,
                    "res_id": handle.id,
                    "name": handle.subject or self.env._("(no subject)"),
                    "detail": handle.email_from or "",
                    "date": fields.Datetime.to_string(handle.date),
                    "ref": handle._ref().json(),
                }
                for handle in handles
            ],
        }

    # -- helpers for sections -----------------------------------------------------------

    @api.model
    def _customer_ids(self, partner):
        """The ids of the contact's company (its commercial partner) and of everyone in it:
        whose documents are the customer's. Searched once per pane (`_pane_sections`), so
        that each section's query is a plain `partner_id IN (...)` on an indexed column."""
        customer = partner.commercial_partner_id
        known = self.env.context.get("dynaoffice_mail_customer")
        if known and known[0] == customer.id:
            return list(known[1])
        Partner = self.env["res.partner"].with_context(active_test=False)
        return Partner.search([("id", "child_of", customer.id)]).ids

    @api.model
    def _records_section(
        self, model, domain, title, *, detail=None, amount=None, currency=None, order=None
    ):
        """A section counting and listing records of `model` matching `domain`: None when
        the app is not installed, the user may not read it, or nothing matches. Each line
        names the record, `detail` (a field shown beside it) and `amount` (a monetary
        field, formatted in `currency`, by default the field's own currency); "records" are
        the lines' records, for the caller (not sent)."""
        if model not in self.env:
            return None
        Model = self.env[model]
        if not Model.has_access("read"):
            return None
        currency = currency or (amount and Model._fields[amount].get_currency_field(Model))
        shown = [name for name in (Model._rec_name, detail, amount, currency) if name]
        # The lines' fields come with the search: one query, not a search and a read.
        records = Model.search_fetch(domain, shown, order=order, limit=SECTION_LINES)
        if not records:
            return None
        # Most customers have a few: counting is a second query only when there may be more.
        count = len(records) if len(records) < SECTION_LINES else Model.search_count(domain)
        return {
            "title": title,
            "count": count,
            "domain": domain,
            "lines": [self._line_json(record, detail, amount, currency) for record in records],
            "records": records,
        }

    @api.model
    def _line_json(self, record, detail=None, amount=None, currency=None):
        line = {"res_model": record._name, "res_id": record.id, "name": record.display_name}
        if detail:
            line["detail"] = self._field_text(record, detail)
        if amount:
            currency = currency or record._fields[amount].get_currency_field(record)
            line["amount"] = tools.format_amount(self.env, record[amount], record[currency])
        return line

    @api.model
    def _field_text(self, record, name):
        """A field's value as the form shows it (the label of a selection, a record's name)."""
        field = record._fields[name]
        value = record[name]
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value or "")
        if field.type in ("many2one",):
            # sudo: only the name, as Odoo's own lists and forms show a many2one
            # (fields.Many2one.convert_to_read): the user may read a task he follows in a
            # project open to its followers only, not that project.
            return value.sudo().display_name or ""
        if field.type == "date":
            return tools.format_date(self.env, value) if value else ""
        return str(value or "")

    @api.model
    def _partner_json(self, partner):
        return {
            "res_model": "res.partner",
            "res_id": partner.id,
            "name": partner.display_name,
            "is_company": partner.is_company,
            "email": partner.email or "",
            "phone": partner.phone or partner.mobile or "",
            "function": partner.function or "",
            "avatar_url": f"/web/image/res.partner/{partner.id}/avatar_128",
            "salesperson": partner.user_id.name or "",
            "tags": partner.category_id.mapped("name"),
        }
