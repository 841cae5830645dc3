"""PostgreSQL for the demo and the tests: the server at PGHOST/PGPORT, or a private cluster."""

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from dynaoffice_mail_testing.system import PG_BIN, as_user, chown_tree, service_user

ODOO_ROLE = "odoo"


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    password: str | None = None
    cluster: Path | None = None  # set when we started a private cluster

    def connect(self, dbname="postgres"):
        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=dbname
        )

    def odoo_options(self) -> dict:
        return {
            "db_host": self.host,
            "db_port": str(self.port),
            "db_user": self.user,
            "db_password": self.password or "False",
        }

    def drop_database(self, name: str):
        connection = self.connect()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()

    def stop(self):
        if self.cluster is not None:
            user = service_user("postgres")
            subprocess.run(
                as_user(
                    user,
                    [
                        str(PG_BIN / "pg_ctl"),
                        "-D",
                        str(self.cluster / "data"),
                        "-m",
                        "fast",
                        "stop",
                    ],
                ),
                check=False,
                capture_output=True,
            )


def _answers(host: str, port: int) -> bool:
    result = subprocess.run(
        [str(PG_BIN / "pg_isready"), "-h", host, "-p", str(port), "-t", "2"],
        check=False,
        capture_output=True,
    )
    return result.returncode == 0


def existing_server() -> PgServer | None:
    """The server at PGHOST/PGPORT (default 127.0.0.1:5432) if one answers there."""
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = int(os.environ.get("PGPORT", "5432"))
    if not _answers(host, port):
        return None
    user = os.environ.get("PGUSER") or ODOO_ROLE
    return PgServer(host, port, user, os.environ.get("PGPASSWORD"))


def private_cluster(directory: Path, port: int) -> PgServer:
    """Start (initialising if needed) a cluster in `directory`, reachable on a Unix socket only.

    PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
    """
    user = service_user("postgres")
    data, sockets = directory / "data", directory / "run"
    sockets.mkdir(parents=True, exist_ok=True)
    if not (data / "PG_VERSION").exists():
        shutil.rmtree(data, ignore_errors=True)
        directory.mkdir(parents=True, exist_ok=True)
        chown_tree(directory, user)
        subprocess.run(
            as_user(
                user,
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
            ),
            check=True,
            capture_output=True,
        )
    chown_tree(sockets, user)
    port = _running_port(data) or port
    server = PgServer(str(sockets), port, ODOO_ROLE, cluster=directory)
    if not _answers(str(sockets), port):
        subprocess.run(
            as_user(
                user,
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(directory / "postgres.log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                    "-o",
                    (
                        f"-k {sockets} -p {port} -c listen_addresses='' -c fsync=off "
                        f"-c full_page_writes=off -c synchronous_commit=off"
                    ),
                ],
            ),
            check=True,
            capture_output=True,
        )
    deadline = time.monotonic() + 30
    while not _answers(str(sockets), port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"PostgreSQL in {directory} did not start; see postgres.log")
        time.sleep(0.2)
    admin = psycopg2.connect(host=str(sockets), port=port, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ODOO_ROLE,))
        if not cursor.fetchone():
            # Odoo refuses to connect as "postgres"; it gets a role of its own.
            cursor.execute(f"CREATE ROLE {ODOO_ROLE} LOGIN CREATEDB")
    admin.close()
    return server


def _running_port(data: Path) -> int | None:
    """The port of a postmaster already running on `data` (say, left by an aborted run)."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
        return int(lines[3])
    except (FileNotFoundError, IndexError, ValueError, ProcessLookupError, PermissionError):
        return None


def ensure_server(directory: Path, port: int) -> PgServer:
    return existing_server() or private_cluster(directory, port)
