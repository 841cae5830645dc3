"""Writing Odoo configuration files and running odoo-bin for the demo and the tests."""

import base64
import os
import subprocess
import sys
from pathlib import Path

from .pg import PgServer
from .system import REPO

ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo"))


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
