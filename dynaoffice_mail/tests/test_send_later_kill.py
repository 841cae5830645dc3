"""A worker killed while it sends a scheduled mail: the mail is delivered once, never twice (#18).

The cron runs in a process of its own on the test database (committed data, as in
production), against the real SMTP server, which holds the message in the DATA phase (the
final dot received, no answer yet: `MailServers.hold_delivery`). The process is killed with
SIGKILL there; the server then delivers what it had, as a real one would. The outbox's rule:
a send that started and never finished may have gone out, so the next cron runs leave it
alone and, once STALE_SENDING has passed, mark it "May have been sent", shown in the
Scheduled view; it is never sent again by itself. Real PostgreSQL, Dovecot and SMTP.
"""

import datetime
import os
import secrets
import signal
import subprocess
import sys
import time

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

from . import common
from .hostile_report import record

MODEL = "dynaoffice.mail.account"
OUTBOX = "dynaoffice.mail.outbox"
DEADLINE = 90
# One cron run in a process of its own: argv = odoo.conf, database, `now` (ISO, UTC).
CRON_RUN = """
import datetime, sys
from odoo.tools import config
config.parse_config(["-c", sys.argv[1], "-d", sys.argv[2], "--log-level=warn"])
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
with Registry(sys.argv[2]).cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["dynaoffice.mail.outbox"]._cron_send_scheduled(
        now=datetime.datetime.fromisoformat(sys.argv[3])
    )
"""


def _cron(database, now, wait=True):
    process = subprocess.Popen(
        [sys.executable, "-c", CRON_RUN, config.rcfile, database, now.isoformat()],
        start_new_session=True,
        # As odoo-bin sets it for itself: Odoo's naive datetimes are UTC.
        env=dict(os.environ, TZ="UTC"),
    )
    if wait:
        assert process.wait(DEADLINE) == 0, "the cron run failed"
    return process


def _until(condition, what):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_worker_killed_in_the_data_phase_delivers_once():
    _description, servers = common.test_servers()
    database = config["db_name"]
    if isinstance(database, list):
        database = database[0]
    token = secrets.token_hex(4)
    sender, sender_password = f"kill-{token}@dynaoffice.test", secrets.token_urlsafe(12)
    recipient, recipient_password = f"kill-to-{token}@dynaoffice.test", secrets.token_urlsafe(12)
    servers.add_user(sender, sender_password)
    servers.add_user(recipient, recipient_password)
    subject = f"Geplant und abgebrochen {token}"

    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        allowed_before = params.get_param("dynaoffice_mail.allow_private_hosts")
        params.set_param("dynaoffice_mail.allow_private_hosts", "True")
        user, account = common.committed_account(
            env, servers, f"send-later-kill-{token}", "Kai Killed", sender, sender_password
        )
        ids = {"user": user.id, "account": account.id}
    worker = None
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env[MODEL].browse(ids["account"]).with_user(ids["user"])
            values = account.client_compose("new")
            values.update(to=[recipient], subject=subject, body_html="<p>Einmal.</p>")
            at = datetime.datetime.now().replace(microsecond=0) + datetime.timedelta(hours=1)
            scheduled = account.client_send_later(values, at.isoformat())
        entry_id = scheduled["entry_id"]

        # The cron's worker sends it at its time; the server holds the message after its
        # final dot, and the worker is killed there.
        servers.hold_delivery(recipient)
        worker = _cron(database, at, wait=False)
        _until(lambda: servers.delivery_held(recipient), "the message never reached DATA")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(DEADLINE)
        worker = None
        servers.release_delivery(recipient)
        _until(
            lambda: common.imap_messages(servers, recipient, recipient_password, "INBOX", subject),
            "the server did not deliver what it had",
        )

        def entry():
            with registry.cursor() as cr:
                found = api.Environment(cr, SUPERUSER_ID, {})[OUTBOX].browse(entry_id)
                return found.state, found.error or ""

        # The next cron run, at once: the send may still be under way, so it is left alone.
        _cron(database, at + datetime.timedelta(minutes=1))
        assert entry()[0] == "sending"
        # Later, once a send that started cannot be running any more: "May have been sent".
        _cron(database, at + datetime.timedelta(minutes=30))
        state, error = entry()
        assert state == "uncertain", state
        assert "may have been sent" in error
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env[MODEL].browse(ids["account"]).with_user(ids["user"])
            (row,) = account.client_scheduled()
        assert (row["state"], row["error"]) == ("uncertain", error), row

        received = common.imap_messages(servers, recipient, recipient_password, "INBOX", subject)
        drafts = common.imap_messages(servers, sender, sender_password, "Drafts", subject)
        record("faults_tried", 1)
        record("faults_survived", int(len(received) == 1 and len(drafts) == 1))
        record("send_faults_tried", 1)
        record("sent_twice", max(0, len(received) - 1))
        assert len(received) == 1, f"{len(received)} copies delivered"
        assert received[0]["Message-ID"] == values["message_id"]
        # Nothing lost: the mail stays in Drafts for the user to decide.
        assert len(drafts) == 1
    finally:
        servers.release_delivery(recipient)
        if worker is not None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(DEADLINE)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env[MODEL].browse(ids["account"]).unlink()
            env["res.users"].browse(ids["user"]).active = False
            env["ir.config_parameter"].set_param(
                "dynaoffice_mail.allow_private_hosts", allowed_before or False
            )
