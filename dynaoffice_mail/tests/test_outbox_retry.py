"""A serialization failure after the mail went out delivers it once (#19).

Odoo runs an RPC call in one transaction (REPEATABLE READ) and runs the whole call again when
that transaction fails to serialize (`odoo.service.model.retrying`). Seen in the wild: a
second session touches the upload attachment while the mail is being sent; the request's
DELETE of the upload then fails after the SMTP server accepted the mail, and the call ran
again. Test transactions cannot show this (they never commit), so this test commits a user
and an account, runs Odoo as a process of its own on the test database and makes the real
conflict: a second connection updates the upload's row and commits it once the recipient
has the mail. Real PostgreSQL, Dovecot and SMTP; no fake.
"""

import re
import secrets
import threading
import time
from pathlib import Path

from odoo import SUPERUSER_ID, api, sql_db
from odoo.modules.registry import Registry
from odoo.tools import config

from . import common
from .hostile_report import record

try:
    from dynaoffice_mail_testing.odoo_server import OdooServer, OdooSession
    from dynaoffice_mail_testing.system import free_port
except ImportError:  # without the test helper package (common.py says what is missing)
    OdooServer = OdooSession = free_port = None

MODEL = "dynaoffice.mail.account"
# Retries happen after a random wait of up to 2 s (odoo.service.model.retrying).
DEADLINE = 120


def _server_config(tmp_path: Path) -> Path:
    """The test run's odoo.conf with an HTTP port of its own, logging the retries."""
    text = Path(config.rcfile).read_text()
    text = re.sub(r"(?m)^(http_port|gevent_port|log_level) = .*\n", "", text)
    port = free_port()
    text += f"http_port = {port}\ngevent_port = {free_port()}\nlog_level = info\n"
    path = tmp_path / "odoo.conf"
    path.write_text(text)
    return path


def test_a_serialization_failure_after_sending_delivers_once(tmp_path):
    assert OdooServer is not None, "install the test helper package dynaoffice-mail-testing"
    _description, servers = common.test_servers()
    database = config["db_name"]
    if isinstance(database, list):
        database = database[0]
    token = secrets.token_hex(4)
    sender, sender_password = f"retry-{token}@dynaoffice.test", secrets.token_urlsafe(12)
    recipient, recipient_password = f"retry-to-{token}@dynaoffice.test", secrets.token_urlsafe(12)
    servers.add_user(sender, sender_password)
    servers.add_user(recipient, recipient_password)
    login = f"outbox-retry-{token}"
    subject = f"Angebot einmal {token}"

    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        allowed_before = params.get_param("dynaoffice_mail.allow_private_hosts")
        params.set_param("dynaoffice_mail.allow_private_hosts", "True")
        user, account = common.committed_account(
            env, servers, login, "Rita Retry", sender, sender_password
        )
        upload = (
            env["ir.attachment"]
            .with_user(user)
            .create(
                {
                    "name": "Preisliste.txt",
                    "raw": b"Preise 2026\n",
                    "res_model": MODEL,
                    "res_id": 0,
                }
            )
        )
        ids = {"user": user.id, "account": account.id, "upload": upload.id}

    log = tmp_path / "odoo.log"
    server = OdooServer(_server_config(tmp_path), database, log)
    blocker = None
    try:
        server.start()
        session = OdooSession(server.url)
        session.authenticate(database, login, login)
        values = session.call(MODEL, "client_compose", [ids["account"]], "new")
        values.update(
            to=[recipient],
            subject=subject,
            body_html="<p>Das Angebot.</p>",
            attachments=[{"id": ids["upload"]}],
        )
        # A second session holds the upload's row: its change commits once the mail is out.
        blocker = sql_db.db_connect(database).cursor()
        blocker.execute(
            "UPDATE ir_attachment SET description = 'touched' WHERE id = %s", (ids["upload"],)
        )
        answers = {}

        def send():
            try:
                answers["send"] = session.call(MODEL, "client_send", [ids["account"]], values)
            except Exception as error:  # noqa: BLE001 - the assertion below reports it
                answers["error"] = error

        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        deadline = time.monotonic() + DEADLINE
        while not common.imap_messages(servers, recipient, recipient_password, "INBOX", subject):
            assert time.monotonic() < deadline, "the mail never arrived"
            assert thread.is_alive() or answers, "the send ended before the mail arrived"
            time.sleep(0.2)
        blocker.commit()
        blocker.close()
        blocker = None
        thread.join(DEADLINE)
        assert not thread.is_alive(), "the send did not answer"
        assert "error" not in answers, answers.get("error")
        answer = answers["send"]
        assert answer["sent"], answer
        # The conflict happened and Odoo ran the call again ...
        retried = "serialization_failure, 4 tries left" in log.read_text().lower()
        assert retried, f"no retry after a serialization failure in {log}"
        # ... and the recipient got the mail once, the Sent folder has it once.
        time.sleep(1)
        received = common.imap_messages(servers, recipient, recipient_password, "INBOX", subject)
        sent = common.imap_messages(servers, sender, sender_password, "Sent", subject)
        record("faults_tried", 1)
        record("faults_survived", int(len(received) == 1 and len(sent) == 1))
        record("send_faults_tried", 1)
        record("sent_twice", max(0, len(received) - 1))
        record("sent_copies_lost", int(not sent))
        assert len(received) == 1, f"{len(received)} copies delivered"
        assert len(sent) == 1, f"{len(sent)} copies in Sent"
        assert received[0]["Message-ID"] == values["message_id"]
    finally:
        if blocker is not None:
            blocker.rollback()
            blocker.close()
        server.stop()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env[MODEL].browse(ids["account"]).unlink()
            env["ir.attachment"].browse(ids["upload"]).exists().unlink()
            env["res.users"].browse(ids["user"]).active = False
            env["ir.config_parameter"].set_param(
                "dynaoffice_mail.allow_private_hosts", allowed_before or False
            )
