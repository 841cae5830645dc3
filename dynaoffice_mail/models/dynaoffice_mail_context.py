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
                "repair.order", [("partner_id", "child_of", partner.commercial_partner_id.id),
                                 ("state", "not in", ("done", "cancel"))],
                self.env._("Open repairs"), detail="state")

and registers an Owl component under the same key in the JS registry
"dynaoffice_mail.context_sections" (or none: the pane lists the lines). Everything runs as the
user: access rights and record rules decide what a section counts and lists (no sudo).
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
        sections = []
        for key, compute in self._context_sections():
            section = compute(partner)
            if section:
                sections.append(dict(section, key=key))
        return sections

    # -- the built-in sections ----------------------------------------------------------

    @api.model
    def _section_contact(self, partner):
        """The contact and its company: avatar, phone, salesperson, tags."""
        company = partner.commercial_partner_id
        return {
            "title": self.env._("Contact"),
            "contact": self._partner_json(partner),
            "company": self._partner_json(company) if company != partner else False,
        }

    @api.model
    def _section_opportunities(self, partner):
        return self._records_section(
            "crm.lead",
            [
                ("partner_id", "child_of", partner.commercial_partner_id.id),
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
                ("partner_id", "child_of", partner.commercial_partner_id.id),
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
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
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
                ("partner_id", "child_of", partner.commercial_partner_id.id),
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
        domain = [("partner_id", "child_of", partner.commercial_partner_id.id)]
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
        may use (the assignments' record rule)."""
        Assignment = self.env["dynaoffice.mail.assignment"]
        if not Assignment.has_access("read"):
            return None
        partners = partner | partner.commercial_partner_id
        domain = [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
        count = Assignment.search_count(domain)
        if not count:
            return None
        assignments = Assignment.search(domain, limit=MAIL_LINES)
        return {
            "title": self.env._("Assigned mail"),
            "count": count,
            "lines": [
                {
                    "res_model": assignment._name,
                    "res_id": assignment.id,
                    "name": assignment.message_id.subject or self.env._("(no subject)"),
                    "detail": assignment.message_id.email_from or "",
                    "date": fields.Datetime.to_string(assignment.message_id.date),
                    "ref": assignment.message_id._ref().json(),
                }
                for assignment in assignments
            ],
        }

    # -- helpers for sections -----------------------------------------------------------

    @api.model
    def _records_section(
        self, model, domain, title, *, detail=None, amount=None, currency=None, order=None
    ):
        """A section counting and listing records of `model` matching `domain`: None when
        the app is not installed, the user may not read it, or nothing matches. Each line
        names the record, `detail` (a field shown beside it) and `amount` (a monetary
        field, formatted in `currency`, by default the field's own currency)."""
        if model not in self.env:
            return None
        Model = self.env[model]
        if not Model.has_access("read"):
            return None
        count = Model.search_count(domain)
        if not count:
            return None
        records = Model.search(domain, order=order, limit=SECTION_LINES)
        return {
            "title": title,
            "count": count,
            "model_name": self.env["ir.model"]._get(model).display_name,
            "domain": domain,
            "lines": [self._line_json(record, detail, amount, currency) for record in records],
        }

    @api.model
    def _line_json(self, record, detail=None, amount=None, currency=None):
        line = {"res_model": record._name, "res_id": record.id, "name": record.display_name}
        if detail:
            line["detail"] = self._field_text(record, detail)
        if amount:
            field = record._fields[amount]
            currency_field = currency or getattr(field, "currency_field", None) or "currency_id"
            line["amount"] = tools.format_amount(self.env, record[amount], record[currency_field])
        return line

    @api.model
    def _field_text(self, record, name):
        """A field's value as the form shows it (the label of a selection, a record's name)."""
        field = record._fields[name]
        value = record[name]
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value or "")
        if field.type in ("many2one",):
            return value.display_name or ""
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
