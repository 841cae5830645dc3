"""`make demo`: the addon on a local Odoo with demo mailboxes on a local Dovecot/SMTP."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .odoo import ODOO_SRC, check_odoo_source, odoo_bin, write_config
from .pg import PgServer, ensure_server
from .servers import DEMO_PORTS, MailServers
from .system import REPO, state_root

DATABASE = "dynaoffice_demo"
HTTP_PORT = int(os.environ.get("DEMO_HTTP_PORT", "8069"))
PG_PORT = 55432
DOMAIN = "dynaoffice.test"
# (login, password, name) of the Odoo users the demo data creates; mail passwords alike.
DEMO_MAILBOXES = {
    f"anna@{DOMAIN}": ("anna-demo", "Anna Schäfer"),
    f"ben@{DOMAIN}": ("ben-demo", "Ben Köhler"),
    f"vertrieb@{DOMAIN}": ("vertrieb-demo", "Vertrieb"),
}
CATCHALL = f"extern@{DOMAIN}"


def _state() -> Path:
    return state_root() / "demo"


def _mail_servers() -> MailServers:
    return MailServers(_state() / "mail", DEMO_PORTS, catchall=CATCHALL)


def _seed_mailboxes(servers: MailServers):
    """Fill the demo mailboxes once; a second `make demo` finds the marker and skips this."""
    marker = servers.base / "seeded"
    if marker.exists():
        return
    from . import mailgen

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


def _odoo_pid_file() -> Path:
    return _state() / "odoo.pid"


def _odoo_running() -> bool:
    try:
        os.kill(int(_odoo_pid_file().read_text()), 0)
        return True
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False


def _database_exists(pg: PgServer) -> bool:
    connection = pg.connect()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        found = cursor.fetchone() is not None
    connection.close()
    return found


def start():
    check_odoo_source()
    state = _state()
    servers = _mail_servers()
    if not servers.dovecot.running():
        print("Starting Dovecot and the SMTP server ...", flush=True)
        servers.start(detach=True)
    for address, (password, _name) in DEMO_MAILBOXES.items():
        servers.add_user(address, password)
    servers.add_user(CATCHALL, "extern-demo")
    _seed_mailboxes(servers)
    pg = ensure_server(state / "pg", PG_PORT)
    config = write_config(
        state / "odoo.conf",
        pg,
        http_port=HTTP_PORT,
        data_dir=state / "filestore",
        key_file=state / "key",
        extra={"logfile": str(state / "odoo.log")},
    )
    if not _database_exists(pg):
        print(f"Creating the demo database {DATABASE} (takes a minute or two) ...", flush=True)
        odoo_bin(config, "-d", DATABASE, "-i", "dynaoffice_mail", "--stop-after-init")
        _configure_demo(config, servers)
    if not _odoo_running():
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
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _odoo_pid_file().write_text(str(process.pid))
    _wait_for_login_page()
    print(f"""
dynaoffice_mail demo is running.

  Odoo:      http://localhost:{HTTP_PORT}  (database {DATABASE})
  Logins:    admin / admin
             anna / anna-demo   (personal mailbox anna@{DOMAIN}, member of "Vertrieb")
             ben / ben-demo     (personal mailbox ben@{DOMAIN})
  Mailboxes: IMAP localhost:{DEMO_PORTS.imap} (STARTTLS) and :{DEMO_PORTS.imaps} (TLS),
             SMTP localhost:{DEMO_PORTS.smtp_starttls} (STARTTLS) and :{DEMO_PORTS.smtp_tls} (TLS);
             the demo CA is {servers.certificates.ca_cert}
  Logs:      {state / "odoo.log"}

Stop everything with:  make demo-stop
""")


def _configure_demo(config: Path, servers: MailServers):
    """What the demo needs beyond the addon's demo data: loopback servers and the demo CA."""
    script = f"""
env["ir.config_parameter"].set_param("dynaoffice_mail.allow_private_hosts", "True")
ca = open({str(servers.certificates.ca_cert)!r}).read()
accounts = env["dynaoffice.mail.account"].sudo().search([])
accounts.with_context(dynaoffice_mail_skip_connection_test=True).write({{"ca_certificate": ca}})
env.cr.commit()
"""
    odoo_bin(
        config, "shell", "-d", DATABASE, "--no-http", input=script.encode(), capture_output=True
    )


def _wait_for_login_page(timeout=120):
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{HTTP_PORT}/web/login"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    sys.exit(f"Odoo did not answer on {url}; see {_state() / 'odoo.log'}")


def stop():
    if _odoo_running():
        pid = int(_odoo_pid_file().read_text())
        os.killpg(pid, signal.SIGTERM)
        for _attempt in range(50):
            if not _odoo_running():
                break
            time.sleep(0.2)
        else:
            os.killpg(pid, signal.SIGKILL)
    _odoo_pid_file().unlink(missing_ok=True)
    _mail_servers().stop()
    pg_dir = _state() / "pg"
    if (pg_dir / "data").exists():
        PgServer(str(pg_dir / "run"), PG_PORT, "odoo", cluster=pg_dir).stop()
    print("dynaoffice_mail demo stopped.")
