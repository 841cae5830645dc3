"""Push from delivery to screen (issue #16): Odoo as production runs it, a browser with the
mail client open on the Inbox, and the time from handing a mail to LMTP until its subject is
in the list's DOM. Prints, asserts nothing.

`.venv/bin/python -m devtools.push_bench --screen [--deliveries 20] [--poll-deliveries 0]`

Odoo runs prefork (`--workers=2`, its gevent process serving the websocket) behind a small
proxy that does what nginx does in front of it: `/websocket` to the gevent port, everything
else to the workers, so the browser's bus goes over the real websocket and `client_watch`
(and with it the IDLE watcher) lands in an HTTP worker. Headless Chromium, logged in as an
ordinary user with one account, opens the client and waits until it shows `data-push="live"`.
A MutationObserver in the page reports each new subject with the wall clock
(`performance.timeOrigin + performance.now()`) through a DevTools binding; the delivery time is
the same machine's wall clock (`time.time()`) just before LMTP is handed the mail.
With `--poll-deliveries`, Odoo first runs with `dynaoffice_mail_idle_connections_per_account = 0`
(push off: the client's 20-second poll) and as many mails go in, each after a random pause so
that they fall anywhere in the poll's period; then again with push on for `--deliveries`.
The Inbox holds one mail before the client opens, and the list shows it before anything is
timed. Odoo prefork needs its gevent process; where that cannot start in this Python
(`gevent_problem()`), the threaded server is measured instead, and the output says so.
"""

import contextlib
import random
import secrets
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from dynaoffice_mail_testing.odoo_server import OdooServer

from .bench import _bench_account, _connections_now, new_mailbox
from .browser import Page
from .odoo import check_odoo_source, throwaway_database

WORKERS = 2
CLIENT_PATH = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
SUBJECT_PREFIX = "Screen"
# A mailbox of its own: the page benchmark's holds folders of up to 200,000 messages.
ADDRESS = "push-screen@dynaoffice.test"
# Each new subject in the list, with the page's wall clock, to the binding `reportSeen`.
OBSERVER = (
    """
(() => {
    const seen = new Set();
    const report = () => {
        const at = performance.timeOrigin + performance.now();
        for (const cell of document.querySelectorAll(".o_dynaoffice_mail_row_subject")) {
            const subject = cell.textContent.trim();
            if (subject.startsWith("%s ") && !seen.has(subject)) {
                seen.add(subject);
                reportSeen(JSON.stringify({ subject, at }));
            }
        }
    };
    report();
    new MutationObserver(report).observe(document.body, {
        childList: true, subtree: true, characterData: true,
    });
})()
"""
    % SUBJECT_PREFIX
)
LOADED = "document.querySelectorAll('.o_dynaoffice_mail_row').length > 0"
IDLE_SETTING = "dynaoffice_mail_idle_connections_per_account"
PUSH_STATE = "document.querySelector('.o_dynaoffice_mail_client')?.dataset.push || ''"


def figures(values: list[float]) -> dict:
    """p50/p95/max (ms) of `values`, p95 interpolated within the values (never above the max)."""
    p95 = (
        statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]
    )
    return {
        "count": len(values),
        "p50_ms": round(statistics.median(values)),
        "p95_ms": round(p95),
        "max_ms": round(max(values)),
    }


def first_path(head: bytes) -> str:
    """The path of the first request line of an HTTP/1.1 connection ('' if none yet)."""
    line, _sep, _rest = head.partition(b"\r\n")
    parts = line.split(b" ")
    return parts[1].decode("latin-1") if len(parts) == 3 else ""


class RoutingProxy:
    """What nginx does in front of prefork Odoo: a connection whose first request is for
    /websocket goes to the gevent port, every other to the HTTP workers. Chromium opens a
    connection of its own for a websocket, so the first request decides for the connection."""

    def __init__(self, http_port: int, gevent_port: int):
        self.http_port, self.gevent_port = http_port, gevent_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True, name="proxy")

    def __enter__(self):
        self._thread.start()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_exc):
        self.listener.close()

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        head = b""
        with client:
            while b"\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            websocket_request = first_path(head).startswith("/websocket")
            port = self.gevent_port if websocket_request else self.http_port
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
            except OSError:
                return
            with upstream:
                upstream.settimeout(None)
                upstream.sendall(head)
                back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
                back.start()
                _pipe(client, upstream)
                back.join()


def _pipe(source, target):
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _session_cookie(session) -> str:
    for handler in session.opener.handlers:
        jar = getattr(handler, "cookiejar", None)
        for cookie in jar or ():
            if cookie.name == "session_id":
                return cookie.value
    raise RuntimeError("the bench user has no session")


def deliver(servers, address, subject):
    """A small mail with `subject` to `address`, handed to Dovecot's LMTP."""
    raw = (
        f"From: bench@example.com\r\nTo: {address}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@example.com>\r\n\r\nHallo\r\n"
    ).encode()
    with smtplib.LMTP("127.0.0.1", servers.ports.lmtp) as lmtp:
        lmtp.sendmail("bench@example.com", [address], raw)


def _open_client(page, proxy_url, session_id, *, live):
    """The client on the Inbox, in the state `live` (push) or polling, observed."""
    page.call("Network.enable")
    page.call(
        "Network.setCookie", name="session_id", value=session_id, url=proxy_url, httpOnly=True
    )
    page.call("Runtime.enable")
    page.call("Runtime.addBinding", name="reportSeen")
    page.call("Page.navigate", url=proxy_url + CLIENT_PATH)
    # The list is loaded (the Inbox holds one mail already) before anything is timed.
    if not page.wait_for(LOADED, True, timeout=60):
        raise RuntimeError("the client never showed the Inbox's list")
    wanted = "live" if live else "polling"
    # The first heartbeat starts the dispatcher; IDLE begins a scan (2 s) later, and the
    # next heartbeat (a minute) or the watcher's first notice says so to the client.
    if not page.wait_for(PUSH_STATE, wanted, timeout=120):
        raise RuntimeError(f"the client never showed data-push={wanted!r}")
    page.call("Network.disable")
    page.evaluate(OBSERVER)


def _delays(page, servers, address, deliveries, *, pause):
    delays = []
    tag = secrets.token_hex(3)
    for number in range(deliveries):
        time.sleep(pause())
        subject = f"{SUBJECT_PREFIX} {tag} {number}"
        handed = time.time() * 1000
        deliver(servers, address, subject)
        seen = None
        deadline = time.monotonic() + 90
        while seen is None and time.monotonic() < deadline:
            for call in page.binding_calls("reportSeen", timeout=deadline - time.monotonic()):
                if call["subject"] == subject:
                    seen = call["at"]
        if seen is None:
            raise RuntimeError(f"{subject!r} never showed in the list")
        delays.append(seen - handed)
        print(f"  {subject}: {seen - handed:.0f} ms", flush=True)
    return delays


def _front(odoo):
    """What the browser talks to: prefork Odoo behind the routing proxy, the threaded server
    (which serves the websocket itself) as it is."""
    if not odoo.workers:
        return contextlib.nullcontext(odoo.url)
    http_port = int(odoo.url.rsplit(":", 1)[1])
    # write_config puts the gevent (websocket) port three above the HTTP port.
    return RoutingProxy(http_port, http_port + 3)


def _measure(servers, odoo, user, address, work, deliveries, *, live, pause):
    with _front(odoo) as url:
        page = Page(Path(tempfile.mkdtemp(dir=work, prefix="chromium-")))
        try:
            _open_client(page, url, _session_cookie(user), live=live)
            time.sleep(1)
            held = _connections_now(servers, address)
            mode = "push (IDLE + bus over the websocket)" if live else "push off (20-s poll)"
            print(
                f"== {mode}: client open on INBOX; IMAP connections Dovecot holds for the "
                f"account: {held}",
                flush=True,
            )
            values = _delays(page, servers, address, deliveries, pause=pause)
        finally:
            page.close()
    result = {"connections_held": held, **figures(values)}
    print(
        f"{mode}, delivery (LMTP) to the subject in the list's DOM, {result['count']} "
        f"deliveries: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"max {result['max_ms']} ms",
        flush=True,
    )
    return result


def gevent_problem() -> str:
    """Why Odoo's gevent (websocket) process would not start in this Python, or ''.

    `odoo-bin gevent` monkey-patches through gevent's plugins, which pkg_resources loads after
    checking gevent's requirements; a setuptools older than wheels that name their metadata
    `zope_interface-*.dist-info` does not find them, and the process dies at once.
    """
    check = "import pkg_resources; pkg_resources.require('gevent')"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=False
    )
    return result.stderr.strip().splitlines()[-1] if result.returncode else ""


def run(servers, base, deliveries=20, poll_deliveries=0, workers=WORKERS):
    """The figures with push on (and off, with `poll_deliveries`); `servers` are running."""
    check_odoo_source()
    problem = workers and gevent_problem()
    if problem:
        print(
            f"!! Odoo's gevent process cannot start in this Python ({problem}): measuring "
            "the threaded server (--workers=0), which serves the websocket itself",
            flush=True,
        )
        workers = 0
    mailbox = new_mailbox(servers, ADDRESS)
    result = {"odoo_workers": workers}
    with throwaway_database("push-screen") as (config, database):
        odoo = OdooServer(config, database, base / "odoo-screen.log", workers)
        front = "its gevent port for the websocket" if workers else "threaded"
        settings = config.read_text()
        user = None
        # Push off first: a folder once pushed keeps its row's `live` when Odoo stops, and a
        # client would believe it still pushed.
        runs = [("poll", poll_deliveries, False)] if poll_deliveries else []
        runs.append(("push", deliveries, True))
        for name, count, live in runs:
            config.write_text(settings if live else settings + f"{IDLE_SETTING} = 0\n")
            print(f"== starting Odoo (--workers={workers}, {front}), {name}", flush=True)
            odoo.start()
            try:
                if user is None:
                    user, _account_id = _bench_account(odoo, mailbox)
                    deliver(servers, ADDRESS, "Already here")
                result[name] = _measure(
                    servers,
                    odoo,
                    user,
                    ADDRESS,
                    base,
                    count,
                    live=live,
                    # Anywhere in the poll's period; just after the list's reload when pushed.
                    pause=(lambda: random.uniform(0, 20))
                    if not live
                    else (lambda: random.uniform(0.2, 0.5)),
                )
            finally:
                odoo.stop()
    return result
