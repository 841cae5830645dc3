"""Helpers shared by the server launchers: ports, service users, waiting, where files go."""

import argparse
import json
import logging
import os
import pwd
import socket
import ssl
import subprocess
import time
from pathlib import Path

# pg_dump, initdb, pg_ctl ...: Debian's PostgreSQL 15 unless PG_BIN names another folder.
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def server_process_config(description: str) -> dict:
    """The JSON file of `--config FILE` of a server run as `python -m ...`; logging set up."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", required=True, type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return json.loads(args.config.read_text())


def server_tls_context(config: dict) -> ssl.SSLContext:
    """A server's TLS context with the run's certificate (`cert`, `key` of its config)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config["cert"], config["key"])
    return context


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 20.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before port {port} opened")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def service_user(preferred: str) -> pwd.struct_passwd:
    """The user a server runs as: ourselves, or `preferred` when we are root.

    Dovecot and PostgreSQL refuse to run as root, so as root we hand them a system user.
    """
    if os.geteuid() == 0:
        return pwd.getpwnam(preferred)
    return pwd.getpwuid(os.geteuid())


def as_user(user: pwd.struct_passwd, argv: list[str]) -> list[str]:
    if user.pw_uid == os.geteuid():
        return argv
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *argv]


def chown_tree(path: Path, user: pwd.struct_passwd, recursive: bool = True):
    if os.geteuid() != 0:
        return
    if not recursive:
        os.chown(path, user.pw_uid, user.pw_gid)
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, user.pw_uid, user.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid, follow_symlinks=False)


def user_can_enter(user: pwd.struct_passwd, path: Path) -> bool:
    result = subprocess.run(as_user(user, ["test", "-x", str(path)]), check=False)
    return result.returncode == 0


def state_root(checkout: Path) -> Path:
    """Where servers keep their files: `.state/` in `checkout` unless DYNAOFFICE_STATE says else.

    Service users must be able to walk into it; a checkout below a private (0700) folder
    gets a folder of its own under /var/tmp instead.
    """
    configured = os.environ.get("DYNAOFFICE_STATE")
    root = Path(configured) if configured else Path(checkout) / ".state"
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    if os.geteuid() == 0 and not configured:
        probe = pwd.getpwnam("postgres")
        if not user_can_enter(probe, root):
            import hashlib

            digest = hashlib.sha1(str(checkout).encode()).hexdigest()[:10]
            root = Path("/var/tmp") / f"dynaoffice_mail-{digest}"
            root.mkdir(parents=True, exist_ok=True)
            root.chmod(0o755)
    return root
