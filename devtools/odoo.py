"""Writing Odoo configuration files and running odoo-bin for the demo and the tests."""

import base64
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dynaoffice_mail_testing.system import free_port

from .pg import PgServer, ensure_server
from .system import REPO, state_root

ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo"))
ADDON = "dynaoffice_mail"
# The addons of this repository: the client, and its bridges to OCA's document management,
# to Odoo's Calendar and to Microsoft 365 and Gmail (installing a bridge installs what it
# bridges to: Calendar, microsoft_outlook, google_gmail).
ADDONS = (
    ADDON,
    "dynaoffice_mail_dms",
    "dynaoffice_mail_calendar",
    "dynaoffice_mail_outlook",
    "dynaoffice_mail_gmail",
)


def check_odoo_source():
    if not (ODOO_SRC / "odoo-bin").is_file():
        sys.exit(
            f"No Odoo 18.0 source at {ODOO_SRC} (odoo-bin is missing).\n"
            "Get Odoo 18.0 Community and point ODOO_SRC at it, e.g.:\n"
            "  git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git /opt/odoo"
        )


def write_config(
    path: Path,
    pg: PgServer,
    *,
    http_port: int,
    data_dir: Path,
    key_file: Path,
    extra: dict | None = None,
) -> Path:
    """An odoo.conf for our addons; the credential key lives in a file beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        key_file.chmod(0o600)
    options = {
        "addons_path": f"{ODOO_SRC / 'addons'},{REPO}",
        "data_dir": str(data_dir),
        "http_port": str(http_port),
        "http_interface": "127.0.0.1",
        "gevent_port": str(http_port + 3),
        "list_db": "True",
        "without_demo": "False",
        "dynaoffice_mail_key": key_file.read_text().strip(),
        **pg.odoo_options(),
        **(extra or {}),
    }
    path.write_text("[options]\n" + "".join(f"{key} = {value}\n" for key, value in options.items()))
    path.chmod(0o600)
    return path


def odoo_bin(
    config: Path, *args: str, command: str | None = None, check=True, **kwargs
) -> subprocess.CompletedProcess:
    """Run odoo-bin; a command (`shell`, ...) must come first, odoo-bin only looks there."""
    argv = [sys.executable, str(ODOO_SRC / "odoo-bin")]
    if command:
        argv.append(command)
    argv += ["-c", str(config), *args]
    return subprocess.run(argv, check=check, **kwargs)


def odoo_shell(config: Path, database: str, script: str) -> tuple[int, str]:
    """Run a Python script in `odoo-bin shell` on `database` (it reads the script from stdin
    when stdin is not a terminal): (exit code, stdout and stderr)."""
    result = odoo_bin(
        config,
        "-d",
        database,
        "--no-http",
        command="shell",
        input=script.encode(),
        capture_output=True,
        check=False,
    )
    return result.returncode, (result.stdout + result.stderr).decode(errors="replace").strip()


@contextmanager
def throwaway_database(
    purpose: str, *install_args: str, addons: tuple[str, ...] = (ADDON,)
) -> Iterator[tuple[Path, str]]:
    """(odoo.conf, database name) of a fresh database with `addons` installed (and what
    they depend on).

    A private cluster (when no server answers at PGHOST/PGPORT) belongs to this run alone, so
    that several runs of `make test` and `make i18n` and the demo can go on side by side; the
    database, the Odoo files and that cluster are gone again when the block ends, even when it
    fails.
    """
    state = state_root()
    pg = ensure_server(state / f"pg-{purpose}-{os.getpid()}", free_port())
    database = f"dynaoffice_{purpose}_{os.getpid()}"
    run_dir = state / f"{purpose}-odoo-{os.getpid()}"
    config = write_config(
        run_dir / "odoo.conf",
        pg,
        http_port=free_port(),
        data_dir=run_dir / "data",
        key_file=run_dir / "key",
        extra={"without_demo": "all", "log_level": "warn", "max_cron_threads": "0"},
    )
    try:
        modules = ",".join(addons)
        print(f"== installing {modules} in a fresh database {database}", flush=True)
        odoo_bin(config, "-d", database, "-i", modules, *install_args, "--stop-after-init")
        yield config, database
    finally:
        pg.drop_database(database)
        pg.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
        if pg.cluster is not None:
            shutil.rmtree(pg.cluster, ignore_errors=True)
