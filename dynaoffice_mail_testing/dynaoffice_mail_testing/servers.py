"""Dovecot + the SMTP server as one unit, as tests and the demo use them."""

import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .certs import make_certificates
from .dovecot import Dovecot, process_alive, wait_until_gone
from .system import free_port, wait_for_port

# The SMTP server's module, run as a process of its own; also how its pid is recognised.
SMTPD = "dynaoffice_mail_testing.smtpd"


@dataclass
class Ports:
    imap: int = 0
    imaps: int = 0
    lmtp: int = 0
    smtp_starttls: int = 0
    smtp_tls: int = 0
    smtp_plain: int = 0

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
    """A CA, Dovecot and the SMTP server below `base`, sharing one list of users."""

    def __init__(self, base: Path, ports: Ports | None = None, catchall: str | None = None):
        self.base = Path(base).resolve()
        self.ports = (ports or Ports()).fill_free()
        self.catchall = catchall
        self.certificates = make_certificates(self.base / "certs")
        self.dovecot = Dovecot(
            self.base / "dovecot",
            self.certificates,
            self.ports.imap,
            self.ports.imaps,
            self.ports.lmtp,
        )
        self.smtp_users_file = self.base / "smtp-users.json"
        self.smtp_received_log = self.base / "smtp-received.jsonl"
        self.smtp_process: subprocess.Popen | None = None

    # -- life cycle ----------------------------------------------------------------------------

    def start(self, detach=False):
        """Start both servers. Detached, they outlive this process (the demo); else children."""
        if not self.smtp_users_file.exists():
            self.smtp_users_file.write_text("{}")
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
        return self

    def running(self) -> bool:
        """Both servers answer (a detached pair left by an earlier `make demo`, say)."""
        smtp_ports = (self.ports.smtp_starttls, self.ports.smtp_tls, self.ports.smtp_plain)
        return self.dovecot.running() and all(port_open(port) for port in smtp_ports)

    def stop(self):
        pid_file = self.base / "smtpd.pid"
        if self.smtp_process is not None:
            self.smtp_process.terminate()
            try:
                self.smtp_process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.smtp_process.kill()
            self.smtp_process = None
        elif pid_file.exists():
            self._stop_detached_smtpd(pid_file)
        pid_file.unlink(missing_ok=True)
        self.dovecot.stop()

    @staticmethod
    def _stop_detached_smtpd(pid_file: Path):
        # Not our child: signal it by its pid file, only if that pid still is our smtpd, and
        # wait, so that "stopped" means the ports are free again.
        try:
            pid = int(pid_file.read_text())
        except ValueError:
            return
        if not process_alive(pid, SMTPD):
            return
        os.kill(pid, signal.SIGTERM)
        if not wait_until_gone(pid, 10, SMTPD):
            os.kill(pid, signal.SIGKILL)
            wait_until_gone(pid, 5, SMTPD)

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

    def describe(self) -> dict:
        """What clients need to know: ports and the CA to trust (tests read this as JSON)."""
        return {
            "host": "localhost",
            "ports": asdict(self.ports),
            "ca_file": str(self.certificates.ca_cert),
            "base": str(self.base),
        }
