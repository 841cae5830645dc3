"""Business for the demo's senders, so that the mail client's context pane shows something:
several people who write to the demo mailboxes (devtools/mailgen.py) get a company, an open
quotation, an unpaid invoice, an opportunity and a task, and Anna the rights to see them
(Sales, Invoicing, Project). The addon's demo data cannot hold this: it does not depend on
those apps. Run in `odoo-bin shell` on the demo database; a second run changes nothing.
"""

# (name, address as mailgen writes it, company, quotation, invoice) of demo senders.
CUSTOMERS = (
    ("Jürgen Weiß", "juergen.weiss@example.org", "Weiß Bau GmbH", 4800.0, 1250.0),
    ("Emily Carter", "emily.carter@example.com", "Carter Consulting Inc.", 12500.0, 3400.0),
    ("François Lefèvre", "f.lefevre@example.com", "Lefèvre Design SARL", 2300.0, 860.0),
    ("Dr. Henrike Vogt", "h.vogt@example.com", "Vogt Architekten GmbH", 9100.0, 5200.0),
)

# Printed by the script as its last line, so the caller knows it ran to the end.
DONE = "DEMO-BUSINESS-DONE"

SCRIPT = f"""
customers = {CUSTOMERS!r}
anna = env.ref("dynaoffice_mail.demo_user_anna")
anna.groups_id += (
    env.ref("sales_team.group_sale_salesman_all_leads")
    + env.ref("account.group_account_invoice")
    + env.ref("project.group_project_user")
)
if not env.company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
Partner = env["res.partner"]
product = env["product.product"].search([("default_code", "=", "DYNA-CONSULT")], limit=1)
if not product:
    product = product.create(
        {{"name": "Beratung (Tag)", "default_code": "DYNA-CONSULT", "list_price": 950.0}}
    )
project = env["project.project"].search([("name", "=", "Kundenprojekte")], limit=1)
if not project:
    project = project.create({{"name": "Kundenprojekte"}})
for name, address, company_name, quoted, due in customers:
    person = Partner.search([("email_normalized", "=", address)], limit=1)
    if not person:
        company = Partner.create({{"name": company_name, "is_company": True, "user_id": anna.id}})
        person = Partner.create({{"name": name, "email": address, "parent_id": company.id}})
    customer = person.commercial_partner_id
    if env["sale.order"].search_count([("partner_id", "child_of", customer.id)]):
        continue
    env["sale.order"].create(
        {{
            "partner_id": person.id,
            "user_id": anna.id,
            "order_line": [
                (0, 0, {{"product_id": product.id, "product_uom_qty": 1, "price_unit": quoted}})
            ],
        }}
    )
    invoice = env["account.move"].create(
        {{
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_user_id": anna.id,
            "invoice_line_ids": [
                (0, 0, {{"name": "Beratung", "quantity": 1, "price_unit": due}})
            ],
        }}
    )
    invoice.action_post()
    env["crm.lead"].create(
        {{
            "name": f"Folgeauftrag {{company_name}}",
            "type": "opportunity",
            "partner_id": person.id,
            "user_id": anna.id,
            "expected_revenue": quoted * 2,
        }}
    )
    env["project.task"].create(
        {{"name": f"Rückruf {{name}}", "project_id": project.id, "partner_id": person.id}}
    )
env.cr.commit()
print({DONE!r})
"""
