"""`make demo`: the addon on a local Odoo with demo mailboxes on a local Dovecot/SMTP.

Every step first looks whether its result is already there (servers answering, mailboxes
seeded, database installed and configured, Odoo running), so a second `make demo` only prints
the summary, and `make demo` after `make demo-stop` restarts the servers on the same data.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg2
from dynaoffice_mail_testing.dovecot import process_alive, wait_until_gone
from dynaoffice_mail_testing.servers import MailServers, Ports, port_open

from . import demo_business
from .cli import TEST_APPS
from .odoo import ADDONS, ODOO_SRC, check_odoo_source, odoo_bin, odoo_shell, write_config
from .pg import PgServer, ensure_server
from .system import REPO, state_root

ADDON = "dynaoffice_mail"
DATABASE = "dynaoffice_demo"
HTTP_PORT = int(os.environ.get("DEMO_HTTP_PORT", "8069"))
PG_PORT = 55432
# Fixed: the demo accounts (dynaoffice_mail/demo/dynaoffice_mail_demo.xml) point at them.
DEMO_PORTS = Ports(
    imap=10143, imaps=10993, lmtp=10024, smtp_starttls=10587, smtp_tls=10465, smtp_plain=10025
)
DOMAIN = "dynaoffice.test"
# address: (password, name) of the demo mailboxes; the Odoo users of the demo data log in to
# Odoo with the same passwords.
DEMO_MAILBOXES = {
    f"anna@{DOMAIN}": ("anna-demo", "Anna Schäfer"),
    f"ben@{DOMAIN}": ("ben-demo", "Ben Köhler"),
    f"vertrieb@{DOMAIN}": ("vertrieb-demo", "Vertrieb"),
}
CATCHALL = f"extern@{DOMAIN}"
# The accounts of dynaoffice_mail/demo/dynaoffice_mail_demo.xml that point at the demo servers.
DEMO_ACCOUNTS = ("demo_account_anna", "demo_account_ben", "demo_account_vertrieb")
ALLOW_PRIVATE_HOSTS = "dynaoffice_mail.allow_private_hosts"
# Printed by the configuration script as its last line, so we know it ran to the end.
CONFIGURED = "DEMO-CONFIGURED"
# The apps the demo installs beside the addons, the tests' own: the context pane shows their
# records (devtools/demo_business.py gives the demo's senders some).
DEMO_APPS = TEST_APPS


def _state() -> Path:
    return state_root() / "demo"


def _mail_servers() -> MailServers:
    return MailServers(_state() / "mail", DEMO_PORTS, catchall=CATCHALL)


def _pg_dir() -> Path:
    return _state() / "pg"


def _log() -> Path:
    return _state() / "odoo.log"


# -- mail ------------------------------------------------------------------------------------


def _seed_mailboxes(servers: MailServers):
    """Fill the demo mailboxes once; a second `make demo` finds the marker and skips this."""
    marker = servers.base / "seeded"
    if marker.exists():
        return
    print("Writing the demo mailboxes (10,000 messages in anna's Archive/Bulk) ...", flush=True)
    from . import mailgen

    # No marker but mail on disk: an earlier seeding was interrupted. Start over rather than
    # add a second copy of every message.
    for address in DEMO_MAILBOXES:
        shutil.rmtree(servers.dovecot.maildir(address).parent, ignore_errors=True)
    people = [(address, name) for address, (_pw, name) in DEMO_MAILBOXES.items()]
    for address, (_password, name) in DEMO_MAILBOXES.items():
        colleagues = [person for person in people if person[0] != address]
        messages = mailgen.demo_messages(address, name, colleagues)
        servers.dovecot.write_messages(
            address, [(m.folder, m.raw, m.flags, m.date) for m in messages]
        )
    bulk = mailgen.bulk_messages(10_000, owner_address=f"anna@{DOMAIN}")
    servers.dovecot.write_messages(
        f"anna@{DOMAIN}", ((m.folder, m.raw, m.flags, m.date) for m in bulk)
    )
    marker.write_text("ok\n")


def _start_mail_servers() -> MailServers:
    servers = _mail_servers()
    if not servers.running():
        print("Starting Dovecot and the SMTP server ...", flush=True)
        servers.stop()  # whichever of the two still runs, so that both start cleanly
        servers.start(detach=True)
    for address, (password, _name) in DEMO_MAILBOXES.items():
        servers.add_user(address, password)
    servers.add_user(CATCHALL, "extern-demo")
    _seed_mailboxes(servers)
    return servers


# -- database --------------------------------------------------------------------------------


def _database_exists(pg: PgServer) -> bool:
    connection = pg.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            return cursor.fetchone() is not None
    finally:
        connection.close()


def _query(pg: PgServer, sql: str, params=()) -> list[tuple]:
    connection = pg.connect(DATABASE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def _demo_accounts(pg: PgServer) -> list[tuple]:
    """(xml id, ca_certificate) of the demo accounts the database has."""
    return _query(
        pg,
        """
        SELECT d.name, a.ca_certificate
          FROM ir_model_data d
          JOIN dynaoffice_mail_account a ON a.id = d.res_id
         WHERE d.module = %s AND d.model = 'dynaoffice.mail.account' AND d.name IN %s
        """,
        (ADDON, DEMO_ACCOUNTS),
    )


def _database_ready(pg: PgServer) -> bool:
    """The addon is installed with its demo data (Odoo only warns when demo data fails)."""
    try:
        state = _query(pg, "SELECT state FROM ir_module_module WHERE name = %s", (ADDON,))
        return state == [("installed",)] and len(_demo_accounts(pg)) == len(DEMO_ACCOUNTS)
    except psycopg2.Error:  # an install that died before creating these tables
        return False


def _demo_configured(pg: PgServer, ca_pem: str) -> bool:
    """Loopback servers allowed, and every demo account pins the current demo CA."""
    allowed = _query(
        pg, "SELECT value FROM ir_config_parameter WHERE key = %s", (ALLOW_PRIVATE_HOSTS,)
    )
    accounts = _demo_accounts(pg)
    return (
        allowed == [("True",)]
        and len(accounts) == len(DEMO_ACCOUNTS)
        and all(ca == ca_pem for _name, ca in accounts)
    )


def _problems_logged_since(offset: int, limit: int = 80) -> str:
    """The warnings and errors (with their tracebacks) Odoo logged after `offset`."""
    with _log().open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    kept, keeping = [], False
    for line in lines:
        if re.match(r"\d{4}-\d\d-\d\d ", line):  # a new record; others continue the last one
            keeping = re.search(r" (WARNING|ERROR|CRITICAL) ", line) is not None
        if keeping:
            kept.append(line)
    return "\n".join(kept[-limit:])


def _create_database(pg: PgServer, config: Path):
    if _database_exists(pg):
        print(f"The database {DATABASE} is incomplete (an interrupted install); recreating it.")
        pg.drop_database(DATABASE)
    print(f"Creating the demo database {DATABASE} (takes a minute or two) ...", flush=True)
    offset = _log().stat().st_size if _log().exists() else 0
    result = odoo_bin(
        config,
        "-d",
        DATABASE,
        "-i",
        ",".join((*ADDONS, *DEMO_APPS)),
        "--stop-after-init",
        check=False,
        capture_output=True,
    )
    if result.returncode == 0 and _database_ready(pg):
        return
    # Drop the half-made database, so that the next `make demo` starts over instead of
    # reusing it.
    pg.drop_database(DATABASE)
    output = (result.stdout + result.stderr).decode(errors="replace").strip()
    sys.exit(
        f"Installing {ADDON} with its demo data failed (exit code {result.returncode}).\n"
        f"{output}\n{_problems_logged_since(offset)}\n\nThe whole log: {_log()}"
    )


def _configure_demo(config: Path, servers: MailServers, pg: PgServer):
    """What the demo needs beyond the addon's demo data: loopback servers, the demo CA and
    German translations.

    The CA is made on this machine, so it cannot be in the demo data; it is written again
    whenever the accounts pin another one (say, after .state/demo/mail was deleted).
    """
    ca_pem = servers.certificates.ca_pem
    if _demo_configured(pg, ca_pem):
        return
    print("Pointing the demo accounts at the demo servers and their CA ...", flush=True)
    refs = [f"{ADDON}.{name}" for name in DEMO_ACCOUNTS]
    script = f"""
env["ir.config_parameter"].set_param({ALLOW_PRIVATE_HOSTS!r}, "True")
accounts = env["dynaoffice.mail.account"].browse()
for xmlid in {refs!r}:
    accounts |= env.ref(xmlid)
# No connection test on save: each would log in to both servers once more, and checking the
# connection is what the account's "Test connection" is for.
accounts._without_connection_test().write(
    {{"ca_certificate": {ca_pem!r}}}
)
# The team inbox (#17): Anna, member of Vertrieb, has taken two of its mails, one of them
# waiting for the customer; the others are unassigned. Keywords go to the demo Dovecot.
from odoo.exceptions import UserError
vertrieb = env.ref("{ADDON}.demo_account_vertrieb").with_user(env.ref("{ADDON}.demo_user_anna"))
try:
    page = vertrieb.client_page("INBOX", limit=5)
    uids = [row["uid"] for row in page["messages"]]
    if len(uids) >= 3:
        vertrieb.client_team_take("INBOX", page["uidvalidity"], uids[:2])
        vertrieb.client_team_set_status("INBOX", page["uidvalidity"], uids[1:2], "waiting")
except UserError as error:
    print("The team inbox's demo state was left out:", error)
# The demo data makes Anna a German user; activating German does not load Odoo's German
# menus and views (what Settings > Languages > Add does), so she would see them in English.
env["ir.module.module"].search([("state", "=", "installed")])._update_translations(["de_DE"])
env.cr.commit()
print({CONFIGURED!r}, ", ".join(accounts.mapped("email")))
"""
    status, output = odoo_shell(config, DATABASE, script)
    if status != 0 or CONFIGURED not in output:
        sys.exit(f"Configuring the demo database failed (exit code {status}):\n{output}")
    if not _demo_configured(pg, ca_pem):
        sys.exit(f"The demo configuration did not take effect; the script said:\n{output}")


def _business_seeded(pg: PgServer) -> bool:
    address = demo_business.CUSTOMERS[0][1]
    try:
        return bool(
            _query(
                pg,
                "SELECT 1 FROM sale_order o JOIN res_partner p ON p.id = o.partner_id"
                " WHERE p.email = %s LIMIT 1",
                (address,),
            )
        )
    except psycopg2.Error:  # no Sales in the database yet
        return False


def _seed_business(config: Path, pg: PgServer):
    """Quotations, invoices, opportunities and tasks for demo senders (once)."""
    if _business_seeded(pg):
        return
    print("Giving demo senders quotations, invoices, opportunities and tasks ...", flush=True)
    status, output = odoo_shell(config, DATABASE, demo_business.SCRIPT)
    if status != 0 or demo_business.DONE not in output:
        sys.exit(f"Seeding the demo business failed (exit code {status}):\n{output}")


# -- Odoo ------------------------------------------------------------------------------------


def _odoo_pid() -> int | None:
    """The pid of the demo's Odoo if it runs."""
    try:
        pid = int((_state() / "odoo.pid").read_text())
    except (FileNotFoundError, ValueError):
        return None
    return pid if process_alive(pid, "odoo-bin") else None


def _addon_fingerprint_file() -> Path:
    return _state() / "addon.sha256"


def _addon_fingerprint() -> str:
    """A digest of the addons' files: the demo upgrades the addons when they change."""
    digest = hashlib.sha256()
    for path in sorted(path for addon in ADDONS for path in (REPO / addon).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _upgrade_if_changed(config: Path, pg: PgServer):
    """After a `git pull`, the running demo would serve old code on an old schema: stop
    Odoo, upgrade the addon (`-u`), and let start() run it again."""
    fingerprint = _addon_fingerprint()
    recorded = _addon_fingerprint_file()
    if recorded.exists() and recorded.read_text() == fingerprint:
        return
    pid = _odoo_pid()
    if pid is not None:
        print("The addon changed: stopping Odoo to upgrade it ...", flush=True)
        os.killpg(pid, signal.SIGTERM)
        if not wait_until_gone(pid, 20, "odoo-bin"):
            os.killpg(pid, signal.SIGKILL)
            wait_until_gone(pid, 5, "odoo-bin")
        (_state() / "odoo.pid").unlink(missing_ok=True)
    modules = ",".join(ADDONS)
    print(f"Upgrading {modules} in {DATABASE} ...", flush=True)
    # -i for what is missing only: a demo made before an addon of this repository (or an app
    # of DEMO_APPS) existed gets it. An installed module given to -i loads its data as if
    # new, demo data included: Anna's groups set back to the demo's, which takes her out of
    # Vertrieb for a moment and so unassigns the team's mail (#17).
    installed = {
        name
        for (name,) in _query(pg, "SELECT name FROM ir_module_module WHERE state = 'installed'")
    }
    missing = [name for name in (*ADDONS, *DEMO_APPS) if name not in installed]
    result = odoo_bin(
        config,
        "-d",
        DATABASE,
        *(("-i", ",".join(missing)) if missing else ()),
        "-u",
        modules,
        "--stop-after-init",
        check=False,
        capture_output=True,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).decode(errors="replace").strip()
        sys.exit(f"Upgrading {modules} failed (exit code {result.returncode}).\n{output}")
    recorded.write_text(fingerprint)


def _start_odoo(config: Path):
    if port_open(HTTP_PORT):
        sys.exit(
            f"Something else already listens on port {HTTP_PORT}. Stop it, or choose another "
            f"port: DEMO_HTTP_PORT=8070 make demo"
        )
    print(f"Starting Odoo on port {HTTP_PORT} ...", flush=True)
    # Odoo logs to odoo.log itself; its stderr goes there too, for what happens before
    # logging is set up (a bad option, a port in use).
    with _log().open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ODOO_SRC / "odoo-bin"),
                "-c",
                str(config),
                "-d",
                DATABASE,
                "--db-filter",
                f"^{DATABASE}$",
            ],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # outlives `make demo`; stopped as a group
        )
    (_state() / "odoo.pid").write_text(str(process.pid))


def _wait_for_login_page(timeout=120):
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{HTTP_PORT}/web/login"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if _odoo_pid() is None:
            sys.exit(f"Odoo exited; see {_log()}")
        time.sleep(0.5)
    sys.exit(f"Odoo did not answer on {url}; see {_log()}")


# -- the commands ----------------------------------------------------------------------------


def start():
    started = time.monotonic()
    check_odoo_source()
    state = _state()
    servers = _start_mail_servers()
    pg = ensure_server(_pg_dir(), PG_PORT)
    config = write_config(
        state / "odoo.conf",
        pg,
        http_port=HTTP_PORT,
        data_dir=state / "filestore",
        key_file=state / "key",
        extra={"logfile": str(_log())},
    )
    if not _database_ready(pg):
        _create_database(pg, config)
        _addon_fingerprint_file().write_text(_addon_fingerprint())
    else:
        _upgrade_if_changed(config, pg)
    _configure_demo(config, servers, pg)
    _seed_business(config, pg)
    if _odoo_pid() is None:
        _start_odoo(config)
    _wait_for_login_page()
    print(f"""
dynaoffice_mail demo is running (ready after {time.monotonic() - started:.0f} s).

  Odoo:      http://localhost:{HTTP_PORT}  (database {DATABASE})
  Logins:    admin / admin
             anna / anna-demo   (personal mailbox anna@{DOMAIN}, member of "Vertrieb")
             ben / ben-demo     (personal mailbox ben@{DOMAIN})
  Mailboxes: IMAP localhost:{DEMO_PORTS.imap} (STARTTLS) and :{DEMO_PORTS.imaps} (TLS),
             SMTP localhost:{DEMO_PORTS.smtp_starttls} (STARTTLS) and :{DEMO_PORTS.smtp_tls} (TLS);
             the demo CA is {servers.certificates.ca_cert}
  Logs:      {_log()}

Stop everything with:  make demo-stop
(It keeps the database and the mailboxes; to start from scratch, stop and then
 rm -rf {state})
""")


def _demo_processes() -> list[int]:
    """Pids of everything the demo runs: named by a path below its state folder, or (Dovecot's
    helpers, which retitle themselves) by the Dovecot instance."""
    markers = (str(_state()).encode(), f"dovecot-dynaoffice-{DEMO_PORTS.imap}/".encode())
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and any(
                marker in (entry / "cmdline").read_bytes() for marker in markers
            ):
                pids.append(int(entry.name))
        except OSError:  # exited while we looked
            continue
    return pids


def stop():
    running = _demo_processes()
    pid = _odoo_pid()
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        if not wait_until_gone(pid, 20, "odoo-bin"):
            os.killpg(pid, signal.SIGKILL)
            wait_until_gone(pid, 5, "odoo-bin")
    (_state() / "odoo.pid").unlink(missing_ok=True)
    # Only stop what a demo set up: constructing the servers of a never-started demo would
    # make a CA on the way.
    if (_state() / "mail").exists():
        _mail_servers().stop()
    if (_pg_dir() / "data" / "PG_VERSION").exists():
        PgServer(str(_pg_dir() / "run"), PG_PORT, "odoo", cluster=_pg_dir()).stop()
    # The servers were detached, so init reaps them; give it a moment, so that `ps` right
    # after this shows neither them nor their zombies.
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in running) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in running if process_alive(pid)]
    if left:
        sys.exit(f"These demo processes still run: {left}")
    print("dynaoffice_mail demo stopped.")
