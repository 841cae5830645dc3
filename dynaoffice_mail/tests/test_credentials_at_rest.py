"""Mail passwords at rest: a dump of the database holds none of them in clear, and nothing
read back through the ORM (what every RPC answer is made of) contains them either.

A pytest function rather than an Odoo test case: the account must be committed for pg_dump
to see it, so it is created in a transaction of its own and deleted again afterwards.
"""

import json
import os
import secrets
import subprocess

from dynaoffice_mail_testing.system import PG_BIN

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

from .hostile_report import record


def _dump(database: str) -> bytes:
    password = config.get("db_password")
    environment = dict(os.environ)
    if password and password != "False":
        environment["PGPASSWORD"] = password
    return subprocess.run(
        [
            str(PG_BIN / "pg_dump"),
            "--data-only",
            "--host",
            str(config["db_host"]),
            "--port",
            str(config["db_port"]),
            "--username",
            str(config["db_user"]),
            database,
        ],
        capture_output=True,
        check=True,
        env=environment,
    ).stdout


def test_a_database_dump_and_the_orm_hold_no_mail_password(mailbox):
    address, _password = mailbox
    database = config["db_name"]
    secrets_used = {
        "imap_password": f"imap-{secrets.token_urlsafe(12)}",
        "smtp_password": f"smtp-{secrets.token_urlsafe(12)}",
    }
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        account = (
            env["dynaoffice.mail.account"]
            ._without_connection_test()
            .create(
                {
                    "name": "Dump check",
                    "email": address,
                    "user_id": env.ref("base.user_admin").id,
                    "imap_host": "localhost",
                    "smtp_host": "localhost",
                    **secrets_used,
                }
            )
        )
        account_id = account.id
        cr.commit()  # pylint: disable=invalid-commit
    try:
        dump = _dump(database)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["dynaoffice.mail.account"].browse(account_id)
            # Stored, encrypted: the decryption gives the password back ...
            assert account._decrypted_password("imap_password") == secrets_used["imap_password"]
            # ... but nothing the ORM reads (what RPC answers are made of) contains it.
            everything = json.dumps(account.read(list(account._fields)), default=str) + json.dumps(
                account.search_read([("id", "=", account_id)]), default=str
            )
    finally:
        with registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["dynaoffice.mail.account"].browse(
                account_id
            ).unlink()
            cr.commit()  # pylint: disable=invalid-commit
    assert address.encode() in dump, "the dump should contain the account"
    assert b"gAAAAA" in dump, "the encrypted passwords (Fernet tokens) should be in the dump"
    in_dump = [name for name, secret in secrets_used.items() if secret.encode() in dump]
    read_back = [name for name, secret in secrets_used.items() if secret in everything]
    record("dump_passwords", len(in_dump))
    assert not in_dump, f"passwords in clear in the dump: {in_dump}"
    assert not read_back, f"passwords read back through the ORM: {read_back}"
