"""The context pane's figure of `make bench`: `client_context` over JSON-RPC (the whole pane of
a customer's mail, as the browser asks for it) in a database with 10,000 contacts and 50,000
sale orders and invoices, p50/p95 in ms, printed, not asserted (issue #21: p50 <= 50 ms).

The contacts and documents are written with SQL in a few statements (an order or invoice row
copied from one made by the ORM, with another customer and number): the ORM would take many
minutes for 50,000 of them, and the pane only reads the rows.
"""

import statistics

from .cli import TEST_APPS
from .odoo import ADDON, odoo_shell, throwaway_database

PARTNERS = 10_000
COMPANIES = 2_000  # the others are people of these companies, four each
DOCUMENTS = 50_000  # half quotations and orders, half unpaid invoices
SENDER = "einkauf@kunde-00042.example"
DONE = "BENCH-CONTEXT-SEEDED"

SEED = f"""
import random
from odoo import Command

random.seed(21)
cr = env.cr
if not env.company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
Partner = env["res.partner"].with_context(tracking_disable=True, mail_create_nolog=True)
companies = Partner.create(
    [{{"name": f"Kunde {{n:05d}} GmbH", "is_company": True}} for n in range({COMPANIES})]
)
people = []
for index, company in enumerate(companies):
    for person in range({(PARTNERS - COMPANIES) // COMPANIES}):
        email = f"person{{person}}@kunde-{{index:05d}}.example"
        if index == 42 and person == 0:
            email = {SENDER!r}
        people.append({{"name": f"Person {{person}} Kunde {{index:05d}}", "email": email,
                        "parent_id": company.id}})
people = Partner.create(people)
product = env["product.product"].create({{"name": "Bench", "list_price": 100.0}})
order = env["sale.order"].create({{
    "partner_id": people[0].id,
    "order_line": [Command.create({{"product_id": product.id, "price_unit": 100.0}})],
}})
invoice = env["account.move"].create({{
    "move_type": "out_invoice",
    "partner_id": companies[0].id,
    "invoice_line_ids": [Command.create({{"name": "Bench", "price_unit": 250.0}})],
}})
invoice.action_post()
env.flush_all()


def copy_rows(table, template_id, count, names):
    # Every column of the template row but these, which each copy gets of its own.
    own = {{"id", "name", "partner_id", "partner_invoice_id", "partner_shipping_id",
            "commercial_partner_id", "create_date", "write_date"}}
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
    )
    columns = [name for (name,) in cr.fetchall() if name not in own]
    kept = ", ".join(f'"{{name}}"' for name in columns)
    person_ids = people.ids
    company_of = {{person.id: person.parent_id.id for person in people}}
    for start in range(0, count, 5000):
        rows = []
        for number in range(start, min(count, start + 5000)):
            person = random.choice(person_ids)
            rows.append((names % number, person, company_of[person]))
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_rows (name varchar, person int, company int)"
        )
        cr.execute("TRUNCATE bench_rows")
        cr.execute(
            "INSERT INTO bench_rows VALUES " + ", ".join(["(%s, %s, %s)"] * len(rows)),
            [value for row in rows for value in row],
        )
        extra = {{
            "sale_order": ("partner_invoice_id, partner_shipping_id", "r.person, r.person"),
            "account_move": ("commercial_partner_id", "r.company"),
        }}[table]
        copied = ", ".join("t." + name for name in kept.split(", "))
        cr.execute(
            f'INSERT INTO "{{table}}" (name, partner_id, create_date, write_date, '
            f"{{extra[0]}}, {{kept}}) SELECT r.name, r.person, now(), now(), {{extra[1]}}, "
            f'{{copied}} FROM bench_rows r, "{{table}}" t WHERE t.id = %s',
            (template_id,),
        )


copy_rows("sale_order", order.id, {DOCUMENTS // 2}, "SB%06d")
copy_rows("account_move", invoice.id, {DOCUMENTS // 2}, "BENCH/%06d")
cr.execute("ANALYZE")
cr.commit()
print({DONE!r}, env["res.partner"].search_count([]), env["sale.order"].search_count([]),
      env["account.move"].search_count([("move_type", "=", "out_invoice")]))
"""


def _seed(config, database):
    status, output = odoo_shell(config, database, SEED)
    if status != 0 or DONE not in output:
        raise RuntimeError(f"seeding the context pane's database failed:\n{output[-3000:]}")
    return next(line for line in output.splitlines() if line.startswith(DONE))


def bench_context_pane(bench, mailbox, work, repeat) -> dict:
    """{"context_pane": {p50_ms, p95_ms, n, ...}}: `client_context` of a mail from a customer
    with (on average) a dozen orders and a dozen unpaid invoices. `bench` is devtools.bench
    (its Odoo session and account helpers)."""
    addons = (ADDON, *TEST_APPS)
    with throwaway_database("bench-context", addons=addons) as (config, database):
        print(
            f"== writing {PARTNERS:,} contacts and {DOCUMENTS:,} orders and invoices",
            flush=True,
        )
        seeded = _seed(config, database)
        odoo = bench.OdooServer(config, database, work / "odoo-context.log")
        try:
            odoo.start()
            user, account_id = bench._bench_account(odoo, mailbox, groups=CONTEXT_GROUPS)
            delivering = bench._delivering_client(mailbox)
            subject = "Bench: Anfrage zum Angebot"
            try:
                raw = (
                    f"From: Person 0 Kunde 00042 <{SENDER}>\r\nTo: {mailbox.user}\r\n"
                    f"Subject: {subject}\r\nMessage-ID: <context-bench@kunde-00042.example>\r\n"
                    "\r\nWann liefern Sie?\r\n"
                ).encode()
                bench._ok(delivering.append("INBOX", None, None, raw), "APPEND")
            finally:
                delivering.logout()
            page = user.call(
                bench.ACCOUNT_MODEL,
                "client_page",
                [account_id],
                "INBOX",
                "date",
                True,
                0,
                1,
                {"subject": subject},
            )
            uidvalidity, uid = page["uidvalidity"], page["messages"][0]["uid"]
            call = (bench.ACCOUNT_MODEL, "client_context", [account_id], "INBOX", uidvalidity, uid)
            pane = user.call(*call)
            sections = {
                section["key"]: section.get("count") for section in pane["sender"]["sections"]
            }
            for _warm in range(3):
                bench._timed_call(user, *call)
            samples = [bench._timed_call(user, *call) for _ in range(repeat)]
            # Odoo's own cheapest call in the same process: what any RPC costs here.
            user_id = user.call("res.users", "search", [("login", "=", "bench")])[0]
            baseline_call = ("res.users", "read", [user_id], ["name"])
            baseline = [bench._timed_call(user, *baseline_call) for _ in range(repeat)]
        finally:
            odoo.stop()
    figures = {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(bench.percentile(samples, 0.95), 1),
        "n": len(samples),
        "res_users_read_p50_ms": round(statistics.median(baseline), 1),
        "database": seeded,
        "sections": sections,
    }
    print(
        f"\nContext pane (client_context over JSON-RPC, Odoo --workers=0), {PARTNERS:,} "
        f"contacts, {DOCUMENTS:,} orders and invoices; the sender's sections {sections}:\n"
        f"context pane p50/p95: {figures['p50_ms']:.1f} / {figures['p95_ms']:.1f} ms "
        f"(target p50 <= 50 ms; res.users.read as the baseline of an RPC: p50 "
        f"{figures['res_users_read_p50_ms']:.1f} ms; {seeded})\n",
        flush=True,
    )
    return {"context_pane": figures}


# The bench user's apps, to see every section (Sales: all documents; Invoicing; Project).
CONTEXT_GROUPS = (
    "base.group_user",
    "sales_team.group_sale_salesman_all_leads",
    "account.group_account_invoice",
    "project.group_project_user",
)
