"""Push figures (issue #16): IMAP connections held per watched account, and the delay from
a delivery to the watcher's notice. Prints, asserts nothing.

`.venv/bin/python -m devtools.push_bench [--processes 4] [--deliveries 20]`

Against a Dovecot of its own (default `mail_max_userip_connections = 10`) and PostgreSQL
(PGHOST/PGPORT, or a private cluster), `--processes` dispatchers stand for as many Odoo
processes: each has a connection pool and a lock connection of its own, as prefork workers
have, and all of them are told that one account has the Inbox open, then the Inbox and a
second folder. The connections Dovecot counts for the account (`doveadm who`) are the cost
of push. Then `--deliveries` mails go in over LMTP, one at a time; the delay is from handing
each to LMTP to the watcher's notice of it (p50/p95). In Odoo the notice then goes through
the bus (one INSERT and a NOTIFY) to the browser, which waits PUSH_DEBOUNCE (150 ms) for
more notices and reloads the list.

`--screen` measures that whole way instead, Odoo and a browser included: push_screen.py.
"""

import argparse
import importlib
import os
import queue
import secrets
import shutil
import statistics
import time

from dynaoffice_mail_testing.servers import MailServers
from dynaoffice_mail_testing.system import free_port

from . import push_screen
from .bench import _connections_now, _load_services
from .pg import ensure_server
from .system import state_root

_load_services()
watchers = importlib.import_module("dynaoffice_mail_services.watchers")
pool_module = importlib.import_module("dynaoffice_mail_services.pool")
imap = importlib.import_module("dynaoffice_mail_services.imap")
config = importlib.import_module("dynaoffice_mail_services.config")


class BenchSource:
    def __init__(self, settings, folders):
        self.settings = settings
        self.watches = [watchers.Watch(index + 1, 1, name) for index, name in enumerate(folders)]
        self.notices = queue.Queue()

    def watched(self):
        return list(self.watches)

    def target(self, watch):
        return watchers.Target("bench-account", self.settings, 4, imap.connect)

    def publish(self, watch, *, live, changes):
        self.notices.put((time.monotonic(), watch.folder, live, changes))


def _wait_live(source, count, timeout=30):
    live, deadline = set(), time.monotonic() + timeout
    while len(live) < count and time.monotonic() < deadline:
        try:
            _at, folder, is_live, _changes = source.notices.get(timeout=1)
        except queue.Empty:
            continue
        if is_live:
            live.add(folder)
    return len(live) == count


def _watch(servers, pg, settings, address, folders, processes):
    """Dispatchers of `processes` processes on `folders`: (connections counted, source,
    dispatchers); the caller stops them."""
    source = BenchSource(settings, folders)
    dispatchers = [
        watchers.Dispatcher(
            source,
            watchers.AdvisoryLeases(lambda: pg.connect("postgres")),
            pool_module.ConnectionPool(),
            name=f"bench-dispatcher-{number}",
            scan_every=0.5,
            watcher_options={"idle_options": {"check_every": 0.2}},
        )
        for number in range(processes)
    ]
    for dispatcher in dispatchers:
        dispatcher.start()
    if not _wait_live(source, len(folders)):
        raise RuntimeError("the watchers did not start")
    for dispatcher in dispatchers:
        dispatcher.wait_scans(2)
    return _connections_now(servers, address), source, dispatchers


def _stop(dispatchers):
    for dispatcher in dispatchers:
        dispatcher.stop(wait=10)
        dispatcher.pool.clear()


def _delays(servers, source, address, deliveries):
    """[(ms from handing the mail to LMTP to the notice, ms LMTP took to answer)]."""
    delays = []
    for number in range(deliveries):
        while not source.notices.empty():
            source.notices.get()
        started = time.monotonic()
        push_screen.deliver(servers, address, f"Push {number}")
        answered = time.monotonic()
        while True:
            at, _folder, _live, changes = source.notices.get(timeout=30)
            if "new" in changes:
                delays.append(((at - started) * 1000, (answered - started) * 1000))
                break
    return delays


def run(processes=4, deliveries=20):
    base = state_root() / f"push-bench-{os.getpid()}"
    servers = MailServers(base)
    pg = ensure_server(state_root() / f"pg-push-bench-{os.getpid()}", free_port())
    try:
        servers.start()
        address = "push-bench@dynaoffice.test"
        password = secrets.token_urlsafe(12)
        servers.add_user(address, password)
        settings = config.ImapSettings(
            host="localhost",
            port=servers.ports.imaps,
            security=config.Security.SSL,
            username=address,
            password=password,
            ca_pem=servers.certificates.ca_pem,
            timeout=10,
            allow_private_hosts=True,
        )
        client = imap.connect(settings)
        client.create_folder("Projects")
        imap.close_quietly(client)
        print(f"== push: {processes} processes (dispatchers) watching one account", flush=True)
        for folders in (["INBOX"], ["INBOX", "Projects"]):
            held, source, dispatchers = _watch(servers, pg, settings, address, folders, processes)
            try:
                print(
                    f"folders watched: {len(folders)}  IMAP connections held for the account: "
                    f"{held}",
                    flush=True,
                )
                if folders == ["INBOX"]:
                    delays = _delays(servers, source, address, deliveries)
            finally:
                _stop(dispatchers)
        for label, values in (
            ("delivery (LMTP) to notice", [total for total, _lmtp in delays]),
            ("of which LMTP's own answer", [lmtp for _total, lmtp in delays]),
        ):
            print(
                f"{label}, {len(values)} deliveries: p50 {statistics.median(values):.0f} ms, "
                f"p95 {statistics.quantiles(values, n=20)[18]:.0f} ms, max {max(values):.0f} ms",
                flush=True,
            )
    finally:
        servers.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


def run_screen(deliveries=20, poll_deliveries=0, workers=push_screen.WORKERS):
    """Delivery to screen through Odoo, its bus and a browser (push_screen.py)."""
    base = state_root() / f"push-screen-{os.getpid()}"
    servers = MailServers(base)
    try:
        servers.start()
        push_screen.run(servers, base, deliveries, poll_deliveries, workers)
    finally:
        servers.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--deliveries", type=int, default=20)
    parser.add_argument(
        "--screen",
        action="store_true",
        help="delivery to the subject on screen: prefork Odoo, its websocket, headless Chromium",
    )
    parser.add_argument(
        "--poll-deliveries",
        type=int,
        default=0,
        help="with --screen: as many deliveries with push off (the 20-s poll; ~20 s each)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=push_screen.WORKERS,
        help="with --screen: Odoo's prefork workers (0: the threaded server)",
    )
    args = parser.parse_args()
    if args.screen:
        return run_screen(args.deliveries, args.poll_deliveries, args.workers)
    return run(args.processes, args.deliveries)


if __name__ == "__main__":
    raise SystemExit(main())
