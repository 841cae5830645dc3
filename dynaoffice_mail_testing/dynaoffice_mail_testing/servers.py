"""Dovecot, the SMTP server and the OAuth2 provider as one unit, as tests and the demo use
them."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .certs import make_certificates, spki_sha256
from .dovecot import Dovecot, process_alive, wait_until_gone
from .oauth_control import OAuthControl
from .system import free_port, wait_for_port

# The servers' modules, each run as a process of its own; also how their pids are recognised.
SMTPD = "dynaoffice_mail_testing.smtpd"
OAUTH_PROVIDER = "dynaoffice_mail_testing.oauth_provider"
# The client as which Dovecot and the SMTP server introspect tokens at the provider.
MAIL_SERVERS_CLIENT = "mailservers"


@dataclass
class Ports:
    imap: int = 0
    imaps: int = 0
    lmtp: int = 0
    smtp_starttls: int = 0
    smtp_tls: int = 0
    smtp_plain: int = 0
    oauth: int = 0

    def fill_free(self):
        for name, value in asdict(self).items():
            if not value:
                setattr(self, name, free_port())
        return self


def port_open(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class MailServers:
    """A CA, Dovecot, the SMTP server and the OAuth2 provider below `base`, sharing one list
    of users: every mailbox logs in with its password or with a token the provider issued."""

    def __init__(self, base: Path, ports: Ports | None = None, catchall: str | None = None):
        self.base = Path(base).resolve()
        self.base.mkdir(parents=True, exist_ok=True)
        self.ports = ports or Ports()
        self.catchall = catchall
        self._oauth_settings = self._load_oauth_settings()
        self.ports.fill_free()
        self.certificates = make_certificates(self.base / "certs")
        self.dovecot = Dovecot(
            self.base / "dovecot",
            self.certificates,
            self.ports.imap,
            self.ports.imaps,
            self.ports.lmtp,
            introspection=self._introspection(),
        )
        self.smtp_users_file = self.base / "smtp-users.json"
        self.smtp_received_log = self.base / "smtp-received.jsonl"
        # What the SMTP server holds in the DATA phase (smtpd.LmtpRelay.hold_dir).
        self.smtp_hold_dir = self.base / "smtp-hold"
        self.smtp_process: subprocess.Popen | None = None
        self.oauth_process: subprocess.Popen | None = None
        self.oauth = OAuthControl(self.describe()["oauth"])

    def _load_oauth_settings(self) -> dict:
        """The provider's port and secrets, chosen once per `base`: a demo that callers
        construct with fixed ports for the other servers finds its provider again."""
        path = self.base / "oauth-settings.json"
        if path.exists():
            settings = json.loads(path.read_text())
        else:
            settings = {
                "port": self.ports.oauth or free_port(),
                "mail_servers_secret": secrets.token_urlsafe(24),
                "control_secret": secrets.token_urlsafe(24),
            }
        if self.ports.oauth:
            settings["port"] = self.ports.oauth
        self.ports.oauth = settings["port"]
        if not path.exists() or json.loads(path.read_text()) != settings:
            path.write_text(json.dumps(settings))
            path.chmod(0o600)
        return settings

    @property
    def oauth_base_url(self) -> str:
        return f"https://localhost:{self.ports.oauth}"

    def _introspection(self) -> dict:
        """How the mail servers ask the provider whether a token is valid (RFC 7662)."""
        return {
            "url": f"{self.oauth_base_url}/introspect",
            "client_id": MAIL_SERVERS_CLIENT,
            "client_secret": self._oauth_settings["mail_servers_secret"],
            "ca_file": str(self.certificates.ca_cert),
        }

    # -- life cycle ----------------------------------------------------------------------------

    def start(self, detach=False):
        """Start the servers. Detached, they outlive this process (the demo); else children."""
        if not self.smtp_users_file.exists():
            self.smtp_users_file.write_text("{}")
        # The provider imports Flask and Authlib for a moment: it starts first and Dovecot
        # meanwhile; both mail servers ask it only when a client logs in with a token.
        self.oauth_process = self._start_oauth_provider()
        self.dovecot.start(foreground=not detach)
        config = {
            "users_file": str(self.smtp_users_file),
            "received_log": str(self.smtp_received_log),
            "lmtp_port": self.ports.lmtp,
            "port_starttls": self.ports.smtp_starttls,
            "port_tls": self.ports.smtp_tls,
            "port_plain": self.ports.smtp_plain,
            "cert": str(self.certificates.server_cert),
            "key": str(self.certificates.server_key),
            "catchall": self.catchall,
            "introspection": self._introspection(),
        }
        config_file = self.base / "smtpd.json"
        config_file.write_text(json.dumps(config, indent=2))
        self.smtp_process = subprocess.Popen(
            [sys.executable, "-m", SMTPD, "--config", str(config_file)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.base / "smtpd.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        (self.base / "smtpd.pid").write_text(str(self.smtp_process.pid))
        for port in (self.ports.smtp_starttls, self.ports.smtp_tls, self.ports.smtp_plain):
            wait_for_port(port, process=self.smtp_process)
        wait_for_port(self.ports.oauth, process=self.oauth_process)
        return self

    def _start_oauth_provider(self) -> subprocess.Popen:
        config = {
            "port": self.ports.oauth,
            "cert": str(self.certificates.server_cert),
            "key": str(self.certificates.server_key),
            "users_file": str(self.smtp_users_file),
            "state_dir": str(self.base / "oauth"),
            "mail_servers_secret": self._oauth_settings["mail_servers_secret"],
            "control_secret": self._oauth_settings["control_secret"],
        }
        config_file = self.base / "oauth-provider.json"
        config_file.write_text(json.dumps(config, indent=2))
        config_file.chmod(0o600)
        process = subprocess.Popen(
            [sys.executable, "-m", OAUTH_PROVIDER, "--config", str(config_file)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.base / "oauth-provider.log", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        (self.base / "oauth-provider.pid").write_text(str(process.pid))
        return process

    def running(self) -> bool:
        """All servers answer (detached ones left by an earlier `make demo`, say)."""
        ports = (
            self.ports.smtp_starttls,
            self.ports.smtp_tls,
            self.ports.smtp_plain,
            self.ports.oauth,
        )
        return self.dovecot.running() and all(port_open(port) for port in ports)

    def stop(self):
        self._stop_process(self.smtp_process, "smtpd.pid", SMTPD)
        self.smtp_process = None
        self._stop_process(self.oauth_process, "oauth-provider.pid", OAUTH_PROVIDER)
        self.oauth_process = None
        self.dovecot.stop()

    def _stop_process(self, process: subprocess.Popen | None, pid_name: str, marker: str):
        pid_file = self.base / pid_name
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        elif pid_file.exists():
            self._stop_detached(pid_file, marker)
        pid_file.unlink(missing_ok=True)

    @staticmethod
    def _stop_detached(pid_file: Path, marker: str):
        # Not our child: signal it by its pid file, only if that pid still is our server, and
        # wait, so that "stopped" means the ports are free again.
        try:
            pid = int(pid_file.read_text())
        except ValueError:
            return
        if not process_alive(pid, marker):
            return
        os.kill(pid, signal.SIGTERM)
        if not wait_until_gone(pid, 10, marker):
            os.kill(pid, signal.SIGKILL)
            wait_until_gone(pid, 5, marker)

    @classmethod
    def attach(cls, description: dict) -> "MailServers":
        """The servers another part of this run started, from their describe() output."""
        return cls(Path(description["base"]), Ports(**description["ports"]))

    # -- users -----------------------------------------------------------------------------------

    def add_user(self, address: str, password: str):
        """A mailbox that can log in to IMAP and to SMTP with the same password."""
        self.dovecot.add_user(address, password)
        users = {}
        if self.smtp_users_file.exists():
            users = json.loads(self.smtp_users_file.read_text())
        users[address] = password
        self.smtp_users_file.write_text(json.dumps(users))

    # -- faults of the real SMTP server ----------------------------------------------------

    def hold_delivery(self, recipient: str):
        """From now on the SMTP server holds mail to `recipient` after its final dot and
        answers nothing, until `release_delivery`; then it delivers it (even when the client
        has gone meanwhile)."""
        self.smtp_hold_dir.mkdir(exist_ok=True)
        (self.smtp_hold_dir / recipient.lower()).touch()

    def delivery_held(self, recipient: str) -> bool:
        """Whether a message to `recipient` is being held in the DATA phase right now."""
        return (self.smtp_hold_dir / f"{recipient.lower()}.held").exists()

    def release_delivery(self, recipient: str):
        (self.smtp_hold_dir / recipient.lower()).unlink(missing_ok=True)

    def describe(self) -> dict:
        """What clients need to know: ports, the CA to trust and the OAuth2 provider's
        addresses (tests read this as JSON; `OAuthControl.from_description` takes it)."""
        base_url = self.oauth_base_url
        return {
            "host": "localhost",
            "ports": asdict(self.ports),
            "ca_file": str(self.certificates.ca_cert),
            "base": str(self.base),
            "oauth": {
                "base_url": base_url,
                "microsoft_endpoint": f"{base_url}/ms/",
                "google_auth_url": f"{base_url}/google/auth",
                "google_token_url": f"{base_url}/google/token",
                "introspection_url": f"{base_url}/introspect",
                "revocation_url": f"{base_url}/revoke",
                "ca_file": str(self.certificates.ca_cert),
                # For a browser that cannot be given the CA (headless Chromium).
                "server_spki_sha256": spki_sha256(self.certificates.server_cert),
                "control_secret": self._oauth_settings["control_secret"],
            },
        }
