"""A second Odoo: odoo-bin serving HTTP as a process of its own, and a browser's session on it.

For what a test transaction cannot show (commits, two sessions in conflict, the server's own
memory); the benchmark measures through it too.
"""

import http.cookiejar
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def odoo_command() -> list[str]:
    """odoo-bin of the Odoo that `import odoo` finds (a source checkout), else `python -m odoo`."""
    spec = importlib.util.find_spec("odoo")
    if spec is not None and spec.origin:
        odoo_bin = Path(spec.origin).resolve().parent.parent / "odoo-bin"
        if odoo_bin.is_file():
            return [sys.executable, str(odoo_bin)]
    return [sys.executable, "-m", "odoo"]


class RpcError(RuntimeError):
    pass


class OdooSession:
    """One browser's session: JSON-RPC calls and downloads with its cookie."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def json(self, path: str, params: dict):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        request = urllib.request.Request(
            self.base_url + path, body.encode(), {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=300) as response:
            answer = json.load(response)
        if answer.get("error"):
            error = answer["error"]
            raise RpcError(error.get("data", {}).get("message") or error.get("message"))
        return answer["result"]

    def authenticate(self, database: str, login: str, password: str) -> int:
        info = self.json(
            "/web/session/authenticate", {"db": database, "login": login, "password": password}
        )
        return info["uid"]

    def call(self, model: str, method: str, *args, **kwargs):
        return self.json(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


class OdooServer:
    """odoo-bin serving HTTP as one process (--workers=0), so /proc/<pid> is the whole server;
    or, given `workers`, as production runs it: a prefork master and that many workers."""

    def __init__(self, config: Path, database: str, log: Path, workers: int = 0):
        self.config, self.database, self.log = config, database, log
        self.workers = workers
        found = re.search(r"^http_port = (\d+)$", config.read_text(), re.MULTILINE)
        self.url = f"http://127.0.0.1:{found.group(1)}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout=180):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *odoo_command(),
                    "-c",
                    str(self.config),
                    "-d",
                    self.database,
                    "--db-filter",
                    f"^{self.database}$",
                    f"--workers={self.workers}",
                    "--max-cron-threads=0",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # As odoo-bin sets it for itself; `python -m odoo` does not.
                env=dict(os.environ, TZ="UTC"),
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/web/login", timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"Odoo did not answer on {self.url}; see {self.log}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self):
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
