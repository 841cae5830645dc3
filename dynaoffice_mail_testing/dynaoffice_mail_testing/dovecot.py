"""A throwaway Dovecot: IMAP (STARTTLS), IMAPS and LMTP on loopback, users in a passwd-file.

Runs unprivileged (as the `dovecot` system user when started by root), keeps everything below
one folder and can fill Maildirs directly, which is much faster than APPEND for big folders.
"""

import imaplib
import itertools
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .certs import CertificateFiles
from .system import as_user, chown_tree, free_port, service_user, wait_for_port

SPECIAL_FOLDERS = {
    "Drafts": "\\Drafts",
    "Sent": "\\Sent",
    "Trash": "\\Trash",
    "Junk": "\\Junk",
    "Archive": "\\Archive",
}

CONFIG = """\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
instance_name = dynaoffice-{port_imap}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
auth_mechanisms = plain login{oauth_mechanisms}
auth_cache_size = 0
auth_failure_delay = 0
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
ssl_cipher_list = ECDHE+AESGCM:ECDHE+CHACHA20
imap_max_line_length = 64k
# Dovecot's own default, spelled out: production servers keep it, so the tests and the
# benchmark meet the limit that users meet (the addon keeps below it, see services/pool.py).
mail_max_userip_connections = 10

passdb {{
  driver = dict
  args = {base}/passdb-dict.conf
  # "none": lookups without a login (LMTP delivery) ask this passdb too.
  mechanisms = none plain login
}}
{oauth_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/mail/%d/%n
}}

namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}

service imap-login {{
  chroot =
  inet_listener imap {{
    # Dovecot treats a client whose address equals the server's as secure and lets it log
    # in without TLS; on 127.0.0.2 the client comes from 127.0.0.1, as a remote one would.
    address = 127.0.0.1, 127.0.0.2
    port = {port_imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port_imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port_lmtp}
  }}
}}
service anvil {{
  chroot =
  # The tests fail logins on purpose, many times, all from 127.0.0.1; Dovecot's brute-force
  # penalty would delay every later login from there by up to 15 seconds. Without this
  # socket the auth process gives up on penalties (after one 5 s wait for the socket).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  # Kept alive, so the 5 s wait above happens once per run, not after every idle minute.
  idle_kill = 1 hours
}}
service imap {{
  process_limit = 256
}}
protocol lmtp {{
  postmaster_address = postmaster@localhost
}}
"""


# Tokens from the OAuth2 provider, checked by RFC 7662 introspection for each login (the
# auth cache is off); only for the token mechanisms, so a wrong password costs no HTTP call.
OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  args = {base}/dovecot-oauth2.conf.ext
  mechanisms = xoauth2 oauthbearer
}}
"""

OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {introspection_url}
tls_ca_cert_file = {ca_file}
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
timeout_msecs = 10000
"""


def process_alive(pid: int, marker: str | None = None) -> bool:
    """Whether `pid` runs (a zombie does not count), and, given `marker`, is still ours.

    Detached servers outlive the process that started them, so a pid file may name a pid
    that has exited, waits unreaped as a zombie, or has been reused by another program.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return False
    if stat.rpartition(")")[2].split()[0] == "Z":
        return False
    return marker is None or marker in cmdline


def wait_until_gone(pid: int, timeout: float, marker: str | None = None) -> bool:
    """Wait for `pid` to exit; False if it still runs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while process_alive(pid, marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@dataclass
class Dovecot:
    base: Path
    certificates: CertificateFiles
    port_imap: int = 0
    port_imaps: int = 0
    port_lmtp: int = 0
    # RFC 7662 introspection at the OAuth2 provider: url, client_id, client_secret, ca_file.
    # Given, the same users also log in with a token (XOAUTH2, OAUTHBEARER).
    introspection: dict | None = None
    process: subprocess.Popen | None = None

    def __post_init__(self):
        self.base = Path(self.base).resolve()
        self.port_imap = self.port_imap or free_port()
        self.port_imaps = self.port_imaps or free_port()
        self.port_lmtp = self.port_lmtp or free_port()
        self.user = service_user("dovecot")

    @property
    def config_path(self) -> Path:
        return self.base / "dovecot.conf"

    def write_config(self):
        for sub in ("run", "state", "mail"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        mailboxes = "\n".join(
            f"  mailbox {name} {{\n    special_use = {use}\n    auto = subscribe\n  }}"
            for name, use in SPECIAL_FOLDERS.items()
        )
        self.config_path.write_text(
            CONFIG.format(
                base=self.base,
                user=self.user.pw_name,
                group=self.user.pw_name,
                uid=self.user.pw_uid,
                gid=self.user.pw_gid,
                cert=self.certificates.server_cert,
                key=self.certificates.server_key,
                port_imap=self.port_imap,
                port_imaps=self.port_imaps,
                port_lmtp=self.port_lmtp,
                mailboxes=mailboxes,
                oauth_mechanisms=" xoauth2 oauthbearer" if self.introspection else "",
                oauth_passdb=OAUTH2_PASSDB.format(base=self.base) if self.introspection else "",
            )
        )
        if self.introspection:
            self._write_oauth2_config()
        (self.base / "passdb").mkdir(exist_ok=True)
        (self.base / "passdb-dict.conf").write_text(
            f"uri = fs:posix:prefix={self.base}/passdb/\n"
            "password_key = passdb/%u\n"
            "default_pass_scheme = PLAIN\n"
        )
        chown_tree(self.base, self.user)

    def _write_oauth2_config(self):
        # The client's credentials go into the URL: Dovecot sends them as Basic auth.
        url = urllib.parse.urlsplit(self.introspection["url"])
        credentials = ":".join(
            urllib.parse.quote(self.introspection[key], safe="")
            for key in ("client_id", "client_secret")
        )
        introspection_url = url._replace(netloc=f"{credentials}@{url.netloc}").geturl()
        path = self.base / "dovecot-oauth2.conf.ext"
        path.write_text(
            OAUTH2_CONFIG.format(
                introspection_url=introspection_url, ca_file=self.introspection["ca_file"]
            )
        )
        path.chmod(0o600)

    def start(self, foreground=True):
        """Start Dovecot; in the foreground it stays our child, otherwise it daemonizes."""
        self.write_config()
        argv = ["/usr/sbin/dovecot", "-c", str(self.config_path)]
        if foreground:
            argv.append("-F")
        self.process = subprocess.Popen(
            as_user(self.user, argv),
            stdout=subprocess.DEVNULL,
            stderr=open(self.base / "dovecot.stderr", "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        if not foreground:
            self.process.wait(timeout=30)
            self.process = None
        for port in (self.port_imap, self.port_imaps, self.port_lmtp):
            wait_for_port(port, process=self.process)
        self._spend_penalty_socket_wait()
        return self

    def _spend_penalty_socket_wait(self):
        """Fail one login now, so the auth process's one wait for the (disabled) penalty
        socket happens here and not inside the first test that fails a login on purpose."""
        context = ssl.create_default_context(cafile=str(self.certificates.ca_cert))
        with imaplib.IMAP4_SSL(
            "localhost", self.port_imaps, ssl_context=context, timeout=30
        ) as client:
            try:
                client.login("warm-up@localhost", "not a password")
            except imaplib.IMAP4.error:
                pass  # refused, as intended

    def running(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port_imap), timeout=1):
                return True
        except OSError:
            return False

    def restart(self):
        """Stop and start again, on the same ports with the same mail and users: every
        connection is cut, as when an administrator restarts the server. A handle that
        attached to a running instance (it did not start it) starts it detached."""
        foreground = self.process is not None
        self.stop()
        return self.start(foreground=foreground)

    def stop(self):
        if self.process is not None:
            with suppress(ProcessLookupError):  # stopped meanwhile by another handle
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None
            if self._master_pid() is None:
                return
            # Another handle restarted this instance detached: stop that one too.
        if self.config_path.exists():
            master = self._master_pid()
            subprocess.run(
                as_user(self.user, ["/usr/sbin/dovecot", "-c", str(self.config_path), "stop"]),
                check=False,
                capture_output=True,
            )
            # `dovecot stop` only signals the master; wait for it and for its helpers (log,
            # stats, ...), which it leaves to finish on their own, so "stopped" means gone.
            if master is not None and not wait_until_gone(master, 15, "dovecot"):
                os.kill(master, signal.SIGKILL)
            for pid in self._helper_pids():
                wait_until_gone(pid, 5)

    def _master_pid(self) -> int | None:
        try:
            pid = int((self.base / "run" / "master.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if process_alive(pid, "dovecot") else None

    def process_ids(self) -> list[int]:
        """This instance's processes: its master and every process it started, with theirs
        (a login, an auth and an imap process per session among them); none when stopped."""
        master = self._master_pid()
        if master is None:
            return []
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # exited while we looked
                continue
            # "pid (name) state ppid ...": the name may hold blanks and parentheses.
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
        found = [master]
        for pid in found:  # grows as it goes: each process's children after it
            found.extend(children.get(pid, ()))
        return found

    def _helper_pids(self) -> list[int]:
        """Processes of this instance: Dovecot titles them "dovecot-<instance_name>/<role>"."""
        title = f"dovecot-dynaoffice-{self.port_imap}/".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "cmdline").read_bytes().startswith(title):
                    pids.append(int(entry.name))
            except OSError:  # exited while we looked
                continue
        return pids

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- users and mailboxes ---------------------------------------------------------------

    def add_user(self, address: str, password: str):
        """Add (or re-password) a mailbox user.

        Users live one file each in a directory that Dovecot's dict passdb reads on every login
        (a passwd-file is re-read at most once a second, too slow for tests that add users).
        """
        if "/" in address or address.startswith("."):
            raise ValueError(f"unusable address {address!r}")
        path = self.base / "passdb" / "passdb" / address
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{address}.tmp")
        tmp.write_text(json.dumps({"password": password}))
        os.replace(tmp, path)
        chown_tree(self.base / "passdb", self.user)

    def maildir(self, address: str, folder: str = "INBOX") -> Path:
        """The Maildir++ folder on disk for an IMAP folder name ("/"-separated)."""
        local, _, domain = address.partition("@")
        root = self.base / "mail" / domain / local / "Maildir"
        if folder.upper() == "INBOX":
            return root
        return root / ("." + folder.replace("/", "."))

    _counter = itertools.count()

    def write_messages(self, address: str, messages) -> int:
        """Drop messages into Maildirs as files: (folder, raw bytes, flags, date) tuples.

        Dovecot assigns UIDs when it next looks at the folder. Returns the number written.
        """
        flag_letters = {
            "\\Draft": "D",
            "\\Flagged": "F",
            "\\Answered": "R",
            "\\Seen": "S",
            "\\Deleted": "T",
        }
        written = 0
        prepared = set()
        host = socket.gethostname().replace("/", "_").replace(":", "_")
        for folder, raw, flags, date in messages:
            directory = self.maildir(address, folder)
            if directory not in prepared:
                for sub in ("cur", "new", "tmp"):
                    (directory / sub).mkdir(parents=True, exist_ok=True)
                if directory.name.startswith("."):
                    (directory / "maildirfolder").touch()
                prepared.add(directory)
            letters = "".join(sorted(flag_letters[f] for f in flags if f in flag_letters))
            stamp = date.timestamp()
            unique = f"{int(stamp)}.M{next(self._counter)}P{os.getpid()}.{host}"
            name = f"{unique},S={len(raw)}:2,{letters}"
            path = directory / "cur" / name
            path.write_bytes(raw)
            os.utime(path, (stamp, stamp))
            written += 1
        home = self.maildir(address).parent
        chown_tree(home, self.user)
        # mkdir(parents=True) may have made the domain folder too; Dovecot must be able to
        # create the homes of other users of that domain in it.
        chown_tree(home.parent, self.user, recursive=False)
        return written

    def remove_data(self):
        shutil.rmtree(self.base, ignore_errors=True)
