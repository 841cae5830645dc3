"""`make bench`: what a page of the message list costs, beside the floor and the naive way.

Against a Dovecot of its own, with generated folders of 1,000, 10,000, 100,000 and 200,000
messages (`--sizes`), it measures "first page of 50, newest first" and "next page" three ways in the
same run, interleaved request by request, so that the machine's noise falls on all three alike:

ours
    `services.messages.page_messages(sort="date", reverse=True)`, as `client_page` calls it,
    for a folder that changed since the last look: the list's row and page cache emptied
    before each request, the folder checked with a NOOP. Beside it, ours on an unchanged
    folder (the caches filled, validated by the NOOP's HIGHESTMODSEQ: one command), after
    another client changed a flag on the page (the NOOP, whose answer names the change),
    after another client delivered a new mail (dated now: the NOOP and one FETCH of what
    changed; the next page sorts again the first time, to read its margin's rows, and once
    ten new mails used up its margin), and as it would be with
    imap.RECHECK_AFTER on, right after the last look (no command). The new mails are
    expunged again afterwards. The bench folder's dates follow its arrival (as a mailbox's
    mostly do), so the first look finds its rows where it guesses them
    (services.messages._first_look: a FETCH by message number sent before the SORT and read
    while the server sorts); for folders up to BACKDATED_MAX messages a second folder whose
    dates run against its arrival shows a guess that misses every row, and the look after
    such a miss (no guess), beside the floor on that folder.
floor
    The least any client can send and receive for that page on this server, hand-written with
    imaplib: `UID SORT RETURN (PARTIAL a:b) (REVERSE DATE) UTF-8 ALL`, which returns only the
    page's UIDs, then one `UID FETCH` of the same items ours fetches (`_SUMMARY_ITEMS`). Two
    commands is the minimum: FETCH needs the UIDs that SORT finds. (SEARCHRES could pipeline
    the two as `UID FETCH $`, saving one loopback round trip but no command and no byte; and
    FETCH $ would not say the order.) The floor parses nothing, and cold it EXAMINEs and drops
    the socket without LOGOUT.
naive
    What tutorials and small scripts do: `UID SEARCH ALL`, take the last 50 UIDs (the 50 before
    them for the next page), `UID FETCH` those with the same items, and LOGOUT. Its page is in
    arrival order, not date order, so it does less than the other two; its cost is the one
    that grows with the folder. Stock imaplib refuses lines over 1 MB (`imaplib._MAXLINE`),
    which the SEARCH ALL answer passes near 150,000 messages; naive scripts raise that limit,
    and this run does too (ours never reads a line that long).

Each way pooled (one logged-in connection, the folder selected by an unmeasured first request,
reused) and cold (connect, TLS, log in, select, page, close: a new connection per request); the
pooled requests of all three ways first, then the cold ones, each way first in turn (a cold
request's connection is still being closed by the server during the next request).
Commands are counted as imaplib tags (imapclient takes its tags there too), bytes as IMAP bytes
after TLS, by wrapping imaplib.IMAP4's reads and sends for the run: the same counter for all
three ways. Peak Python memory is tracemalloc's peak during one request, in passes of their own
because tracing slows Python down.

Then ours (caches emptied) and the floor once more per page, in turns, with the bench's thread
and every Dovecot process pinned to CPUs (bench_placements): apart and together. On a machine
of two CPUs the scheduler otherwise decides during the run whether the two share a CPU, which
at 1,000 messages changes ours' figure by a third.

Then, per folder and pooled, the list page with its preview lines: made by the server with
RFC 8970 `PREVIEW` in the summary FETCH (as ours fetches by default, and the floor and the
naive way too); read here as on a server without PREVIEW (the capability hidden from the same
connection: one bounded `BODY.PEEK[<part>]<0.N>` FETCH per part number), once with the
preview cache emptied before each request and once filled; and without previews. And the
page sorted by subject, ascending: the server's `SORT SUBJECT` with ESORT PARTIAL (what the
list did before: Re:/Fwd: only) beside ours on base subjects (every Subject header of the
folder read and sorted in Python), with the order's caches emptied before each request,
filled (the next page, the next look), and after another client delivered a new mail (only
its subject read, the order sorted again from the subjects kept).

Then a 25 MiB attachment through the addon's download route: a throwaway database, Odoo as one
HTTP process (--workers=0), a user and an account made over JSON-RPC, and a timed GET. The
server's peak memory comes from the kernel: writing "5" to /proc/<pid>/clear_refs resets the
process's high-water mark (VmHWM) to its current RSS, and VmHWM after the download minus VmRSS
before it is what the request added at its peak.

Then, in the same Odoo process and measured the same way, a draft with a 20 MiB attachment
as the composer makes it: the file uploaded through `/dynaoffice_mail/upload/...`, the draft
saved in Drafts (`client_save_draft`), reopened from there (`client_compose("draft", ...)`)
and sent over SMTP to the bench's own mailbox (`client_send`, which also files the Sent copy
and removes the draft). Each step runs in an Odoo process of its own that went through all
four with a small file first (a process keeps memory it freed, which would hide a step's peak
behind the one before it). Each step's peak growth is shown in MiB and as a multiple of the
attachment's size; the attachment that arrives in INBOX is checked by its sha256.

Then end to end, Odoo started as for the attachment download (one process, --workers=0, as
the demo runs it) and a logged-in HTTP session calling `client_page` over
/web/dataset/call_kw as the browser does: page 1 and page 2 of each folder, newest first,
repeated on a folder that did not change since the last look, and page 1 after another client
delivered a new mail (dated long ago) before each request, which the caches cannot answer;
Odoo's own `res.users.read` of the user's name in the same run as the baseline of an RPC;
and "open a message" (`client_message`) for a typical mail of each folder (the first of
page 2: plain text and HTML, no attachment, already read after the first request).

Concurrency: Odoo as production runs it (--workers=4, prefork), one group mailbox whose
group has all the simulated users, each user a thread with an HTTP session of its own that
loads page 1 and page 2 of the folder in turn. Per number of users: p50/p95 per page,
requests per second over the run, Dovecot's logins of the mailbox during the run (its log),
the most connections of the mailbox open at once (`doveadm who`, sampled) and the logins
Dovecot refused as too many (its log; must be 0 with its default of 10).

Push to screen (push_screen.py, `--no-push-screen` skips it): prefork Odoo (--workers=2 and
its websocket), headless Chromium with the client open on the Inbox, 20 mails over LMTP, and
the time from each delivery until its subject is in the list's DOM; the IMAP connections
Dovecot holds for the account while the client is open.

The last line of output is one line of JSON with every figure.
"""

import base64
import datetime
import email.policy
import email.utils
import hashlib
import imaplib
import importlib
import importlib.util
import json
import math
import os
import re
import secrets
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

from dynaoffice_mail_testing.odoo_server import OdooServer, OdooSession, RpcError
from dynaoffice_mail_testing.servers import MailServers

from . import bench_targets, mailgen
from .link import DelayedLink
from .odoo import ADDON, check_odoo_source, throwaway_database
from .system import REPO, state_root

PAGE = 50
PAGES = (("first", 0), ("next", PAGE))
DEFAULT_SIZES = (1_000, 10_000, 100_000, 200_000)
DEFAULT_REPEAT = 20
# The round trip of the link to a mail server elsewhere, for the figures over it (bench_link).
LINK_ROUND_TRIP_MS = 10.0
QUICK_SIZES = (1_000, 10_000)
QUICK_REPEAT = 5
MEMORY_REPEAT = 3
DOWNLOAD_REPEAT = 3
ATTACHMENT_BYTES = 25 * 1024 * 1024
DRAFT_ATTACHMENT_BYTES = 20 * 1024 * 1024
DRAFT_REPEAT = 2
DRAFT_STEPS = ("upload", "save", "reopen", "send")
ACCOUNT_MODEL = "dynaoffice.mail.account"
ADDRESS = "bench@dynaoffice.test"
WAYS = ("ours", "floor", "naive")
CONCURRENT_USERS = (1, 4, 8, 16)
CONCURRENT_ROUNDS = 10  # page 1 and page 2 per round and user
CONCURRENT_WORKERS = 4
REFUSED_LOGIN = "Maximum number of connections from user+IP exceeded"
# Enough for the SEARCH ALL answer of a folder of millions of messages (see "naive" above).
NAIVE_MAXLINE = 100_000_000


def _load_services():
    """The addon's services/ as a package of its own.

    services/ imports nothing from Odoo; importing it as odoo.addons.dynaoffice_mail.services
    would load Odoo and the addon's models into this process for no use.
    """
    name = "dynaoffice_mail_services"
    if name not in sys.modules:
        directory = REPO / ADDON / "services"
        spec = importlib.util.spec_from_file_location(
            name, directory / "__init__.py", submodule_search_locations=[str(directory)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return tuple(
        importlib.import_module(f"{name}.{module}")
        for module in ("config", "imap", "limits", "messages", "previews", "reading", "threads")
    )


config, imap, limits, messages, previews, reading, threads = _load_services()
RECHECK_AFTER = imap.RECHECK_AFTER
# Ours again on an unchanged folder: its rows and page cached (see Ours.page); and as it
# would be with imap.RECHECK_AFTER at this many seconds (off by default).
AT_ONCE_S = 1.0
CACHED_WAYS = (
    ("unchanged", "ours, the folder unchanged since the last look: one NOOP"),
    ("flags changed", "ours, a flag on the page changed by another client since: the NOOP"),
    ("new mail", "ours, a mail delivered by another client since the last look"),
    ("at once", f"ours, with imap.RECHECK_AFTER = {AT_ONCE_S:g} s, right after a look: none"),
)
# The floor and the naive way fetch exactly what ours fetches: the list's items and the
# server's preview line (Dovecot offers PREVIEW).
SUMMARY_ITEMS = f"{messages._SUMMARY_ITEMS[:-1]} PREVIEW)"
# The list page with its preview lines, and sorted by subject (see bench_list_extras).
PREVIEW_WAYS = (
    ("no previews", "the list without preview lines"),
    ("PREVIEW", "the server makes them (RFC 8970), in the same FETCH"),
    ("read, cold", "no PREVIEW: the first text part's first bytes read, cache empty"),
    ("read, cached", "no PREVIEW: the previews read before, from the worker's cache"),
)
SUBJECT_WAYS = (
    ("server SORT", "the server's SORT SUBJECT (knows Re:/Fwd: only), ESORT PARTIAL"),
    ("ours, cold", "base subjects: every Subject read and sorted here, cache empty"),
    ("ours, cached", "base subjects: the order cached for this folder state"),
    ("ours, new mail", "base subjects: after a new mail, its subject read, sorted again here"),
)
# A page of conversations (#16), beside the flat list's page (see bench_conversations).
CONVERSATION_WAYS = (
    ("flat list", "the flat list's page by date, as above (cached rows)"),
    ("THREAD, cold", "UID THREAD REFERENCES on the folder, caches empty"),
    ("THREAD, cached", "the folder's structure cached (unchanged): NOOP, FETCH *, rows"),
    ("THREAD, anew", "the structure threaded again (an expunge, new mail not placed)"),
    ("THREAD, new mail", "after a new mail naming nothing (another program's APPEND): placed"),
    ("THREAD, reply", "after an answer to the newest conversation arrived: placed into it"),
    ("THREAD, index", "new mail, the link index empty: one slice of it read, the rest searched"),
    ("NOOP, new mail", "the NOOP alone after a new mail: the server's sync, which any page pays"),
    ("headers, cold", "no THREAD: every message's Message-ID/References read, caches empty"),
    ("headers, cached", "no THREAD: the structure cached, as with THREAD"),
    ("headers, new mail", "no THREAD: after a new mail naming nothing, placed (index from cold)"),
)
EXTRA_COLUMNS = (
    ("cmds", 6, "commands"),
    ("bytes in", 12, "bytes_received"),
    ("bytes out", 11, "bytes_sent"),
    ("p50 ms", 10, "pooled_ms_p50"),
    ("p95 ms", 10, "pooled_ms_p95"),
)


# -- counting what goes over the wire --------------------------------------------------------


class WireMeter:
    """Tagged commands sent and bytes read/written by every imaplib connection of this process."""

    def __init__(self):
        self.commands = self.received = self.sent = 0

    @contextmanager
    def installed(self):
        # On the class rather than on one connection's socket: a cold request's greeting and
        # login happen inside the constructor, before anyone could wrap that socket.
        meter = self
        original = {
            name: getattr(imaplib.IMAP4, name) for name in ("_new_tag", "read", "readline", "send")
        }

        def _new_tag(connection):
            meter.commands += 1
            return original["_new_tag"](connection)

        def read(connection, size):
            data = original["read"](connection, size)
            meter.received += len(data)
            return data

        def readline(connection):
            line = original["readline"](connection)
            meter.received += len(line)
            return line

        def send(connection, data):
            meter.sent += len(data)
            return original["send"](connection, data)

        # Ours reads lines with a readline of its own (imap._VettedIMAP4, for its line
        # limit), which the class-wide one above would not see.
        vetted = imap._VettedIMAP4.readline

        def vetted_readline(connection):
            line = vetted(connection)
            meter.received += len(line)
            return line

        replacements = {"_new_tag": _new_tag, "read": read, "readline": readline, "send": send}
        maxline = imaplib._MAXLINE
        try:
            for name, function in replacements.items():
                setattr(imaplib.IMAP4, name, function)
            imap._VettedIMAP4.readline = vetted_readline
            imaplib._MAXLINE = NAIVE_MAXLINE
            yield self
        finally:
            for name, function in original.items():
                setattr(imaplib.IMAP4, name, function)
            imap._VettedIMAP4.readline = vetted
            imaplib._MAXLINE = maxline


@dataclass(frozen=True)
class Sample:
    seconds: float
    commands: int
    received: int
    sent: int


def measure(meter: WireMeter, call) -> Sample:
    before = (meter.commands, meter.received, meter.sent)
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    return Sample(
        seconds, meter.commands - before[0], meter.received - before[1], meter.sent - before[2]
    )


def peak_python_memory(call) -> int:
    """Bytes: the most Python had allocated at once during `call`, over what it held before."""
    tracemalloc.start()
    try:
        base, _peak = tracemalloc.get_traced_memory()
        call()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


# -- the three ways to get a page ------------------------------------------------------------


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    ca_file: str
    ca_pem: str
    user: str
    password: str
    smtp_port: int


def new_mailbox(servers: MailServers, address: str) -> Mailbox:
    """A new Dovecot user `address` with a password of its own, as the bench logs in."""
    password = secrets.token_urlsafe(12)
    servers.add_user(address, password)
    return Mailbox(
        host="localhost",
        port=servers.ports.imaps,
        ca_file=str(servers.certificates.ca_cert),
        ca_pem=servers.certificates.ca_pem,
        user=address,
        password=password,
        smtp_port=servers.ports.smtp_starttls,
    )


class Ours:
    name = "ours"

    def __init__(self, mailbox: Mailbox):
        self.settings = config.ImapSettings(
            host=mailbox.host,
            port=mailbox.port,
            security=config.Security.SSL,
            username=mailbox.user,
            password=mailbox.password,
            ca_pem=mailbox.ca_pem,
            timeout=120,
            allow_private_hosts=True,
        )

    def open(self):
        return imap.connect(self.settings)

    def page(self, client, folder, offset, *, cache="none", **options) -> list[int]:
        """The page as `client_page` reads it. `cache`: "none" for a folder that changed
        since the last look (or a page nobody looked at): the list's caches emptied first,
        the folder checked with a NOOP; "unchanged" and "flags changed": the caches as the
        last request left them, the NOOP too; "at once": with imap.RECHECK_AFTER at
        AT_ONCE_S, within it of the last look, when the connection does not ask the server
        again."""
        if cache == "none":
            messages.forget_summaries()
        imap.RECHECK_AFTER = AT_ONCE_S if cache == "at once" else 0.0
        options = {"sort": "date", "reverse": True, **options}
        try:
            page = messages.page_messages(client, folder, offset=offset, limit=PAGE, **options)
        finally:
            imap.RECHECK_AFTER = RECHECK_AFTER
        return [message.uid for message in page.messages]

    def close(self, client):
        imap.close_quietly(client)

    def cold(self, folder, offset) -> list[int]:
        client = self.open()
        try:
            return self.page(client, folder, offset)
        finally:
            self.close(client)


class _RawWay:
    """A hand-written imaplib client over implicit TLS, as a script would write it."""

    name = ""
    readonly = False

    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self.context = ssl.create_default_context(cafile=mailbox.ca_file)

    def open(self):
        connection = imaplib.IMAP4_SSL(
            self.mailbox.host, self.mailbox.port, ssl_context=self.context, timeout=120
        )
        connection.login(self.mailbox.user, self.mailbox.password)
        connection.bench_folder = None
        return connection

    def select(self, connection, folder):
        if connection.bench_folder != folder:
            _ok(connection.select(folder, readonly=self.readonly), "SELECT")
            connection.bench_folder = folder

    def close(self, connection):
        connection.logout()

    def cold(self, folder, offset) -> list[int]:
        connection = self.open()
        try:
            return self.page(connection, folder, offset)
        finally:
            self.close(connection)

    def page(self, connection, folder, offset) -> list[int]:
        raise NotImplementedError


class Floor(_RawWay):
    name = "floor"
    readonly = True  # EXAMINE: nothing on the server changes, nothing to write back

    def page(self, connection, folder, offset) -> list[int]:
        self.select(connection, folder)
        partial = f"RETURN (PARTIAL {offset + 1}:{offset + PAGE})"
        _ok(connection.uid("SORT", partial, "(REVERSE DATE)", "UTF-8", "ALL"), "SORT")
        _typ, answer = connection.response("ESEARCH")
        uids = _partial_uids(answer)
        if uids:
            _ok(connection.uid("FETCH", _uid_ranges(uids), SUMMARY_ITEMS), "FETCH")
        return uids

    def close(self, connection):
        connection.shutdown()  # no LOGOUT: the floor does not wait for the goodbye


class Naive(_RawWay):
    name = "naive"

    def page(self, connection, folder, offset) -> list[int]:
        self.select(connection, folder)
        typ, data = connection.uid("SEARCH", None, "ALL")
        _ok((typ, data), "SEARCH")
        uids = data[0].split()
        end = max(0, len(uids) - offset)
        chosen = uids[max(0, end - PAGE) : end][::-1]
        if chosen:
            _ok(connection.uid("FETCH", b",".join(chosen).decode(), SUMMARY_ITEMS), "FETCH")
        return [int(uid) for uid in chosen]


def _deliver_now(client, folder: str, number: int) -> int:
    """Append a short mail dated now to `folder` as another client would; its UID."""
    raw = (
        f"From: Bench <bench@dynaoffice.test>\r\nTo: {ADDRESS}\r\n"
        f"Subject: Neu {number}\r\nDate: {email.utils.formatdate(localtime=True)}\r\n"
        f"Message-ID: <bench-new-{number}-{secrets.token_hex(6)}@dynaoffice.test>\r\n\r\nHallo\r\n"
    ).encode()
    answer = client.append(folder, raw)
    found = re.search(rb"APPENDUID \d+ (\d+)", answer)
    if found is None:
        raise RuntimeError(f"APPEND gave no UID: {answer!r}")
    return int(found.group(1))


def _ok(answer, command):
    typ, data = answer
    if typ != "OK":
        raise RuntimeError(f"{command} failed: {typ} {data!r}")


def _partial_uids(answer) -> list[int]:
    """UIDs of `* ESEARCH (TAG "A5") UID PARTIAL (1:50 200000,199999:199951)`, in that order."""
    text = b" ".join(item for item in answer if isinstance(item, bytes)).decode()
    found = re.search(r"PARTIAL \(\S+ ([^)]*)\)", text)
    if not found or found.group(1) == "NIL":
        return []
    uids = []
    for item in found.group(1).split(","):
        first, _, last = item.partition(":")
        start, end = int(first), int(last or first)
        step = 1 if end >= start else -1
        uids.extend(range(start, end + step, step))
    return uids


def _uid_ranges(uids: list[int]) -> str:
    """`[7, 3, 2, 1]` -> `"1:3,7"`."""
    runs = []
    for uid in sorted(uids):
        if runs and uid == runs[-1][1] + 1:
            runs[-1][1] = uid
        else:
            runs.append([uid, uid])
    return ",".join(str(first) if first == last else f"{first}:{last}" for first, last in runs)


# -- the IMAP part ---------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value that `share` of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def write_folder(servers: MailServers, folder: str, count: int) -> float:
    started = time.monotonic()
    step = max(count // 4, 1)

    def files():
        bulk = mailgen.bulk_messages(count, owner_address=ADDRESS)
        for number, message in enumerate(bulk, start=1):
            yield folder, message.raw, message.flags, message.date
            if number % step == 0 and number < count:
                print(f"   {folder}: {number:,} of {count:,} written", flush=True)

    servers.dovecot.write_messages(ADDRESS, files())
    return time.monotonic() - started


def write_backdated_folder(servers: MailServers, folder: str, count: int) -> None:
    """As write_folder, but the mail arrives against its dates: the newest by Date first
    (UID 1), as in an archive imported newest first."""
    bulk = list(mailgen.bulk_messages(count, owner_address=ADDRESS))
    arrival = bulk[-1].date

    def files():
        for number, message in enumerate(reversed(bulk)):
            # Dovecot numbers the files in the order of their names, which start with this.
            yield folder, message.raw, message.flags, arrival + datetime.timedelta(seconds=number)

    servers.dovecot.write_messages(ADDRESS, files())


def warm_up(mailbox: Mailbox, folder: str) -> tuple[float, float]:
    """Seconds of the folder's first SELECT (Dovecot indexes the Maildir) and first SORT by
    date (Dovecot reads every message's Date header into its cache); later requests of every
    way find both done."""
    way = Floor(mailbox)
    connection = way.open()
    try:
        started = time.monotonic()
        _ok(connection.select(folder, readonly=True), "SELECT")
        selected = time.monotonic()
        _ok(connection.uid("SORT", "RETURN (COUNT)", "(REVERSE DATE)", "UTF-8", "ALL"), "SORT")
        sorted_ = time.monotonic()
    finally:
        way.close(connection)
    return selected - started, sorted_ - selected


def _middle(samples: list[Sample], field: str):
    return statistics.median_low(getattr(sample, field) for sample in samples)


def _ms(samples: list[Sample], share: float) -> float:
    return round(percentile([sample.seconds for sample in samples], share) * 1000, 2)


def _pooled_figures(pooled: list[Sample]) -> dict:
    return {
        "commands": _middle(pooled, "commands"),
        "bytes_received": _middle(pooled, "received"),
        "bytes_sent": _middle(pooled, "sent"),
        "pooled_ms_p50": _ms(pooled, 0.5),
        "pooled_ms_p95": _ms(pooled, 0.95),
    }


def _figures(pooled: list[Sample], cold: list[Sample], peaks: dict) -> dict:
    return {
        **_pooled_figures(pooled),
        "cold_commands": _middle(cold, "commands"),
        "cold_bytes_received": _middle(cold, "received"),
        "cold_ms_p50": _ms(cold, 0.5),
        "cold_ms_p95": _ms(cold, 0.95),
        "peak_kib_pooled": round(peaks["pooled"] / 1024, 1),
        "peak_kib_cold": round(peaks["cold"] / 1024, 1),
    }


RATIO_KEYS = ("commands", "bytes_received", "pooled_ms_p50", "cold_ms_p50", "peak_kib_pooled")


def _ratios(ours: dict, other: dict) -> dict:
    return {key: round(ours[key] / other[key], 3) if other[key] else None for key in RATIO_KEYS}


def bench_page(meter, ways, pooled, folder, offset, repeat, dovecot=None) -> dict:
    """Every way's figures for one page, measured in turns; plus whether ours got the floor's
    page (the same UIDs in the same order), and with `dovecot` (its handle) ours and the
    floor in each of PLACEMENTS (see bench_placements)."""
    pages = {}
    for way in ways:  # unmeasured: Dovecot caches this page's fields for all ways alike
        pages[way.name] = way.page(pooled[way.name], folder, offset)
        way.cold(folder, offset)
    samples = {(way.name, mode): [] for way in ways for mode in ("pooled", "cold")}
    # The pooled requests first, then the cold ones, each way first in turn: after a cold
    # request the server is still closing its connection, which busies the machine's other
    # CPU (where Dovecot sorts while ours reads its guessed rows, see messages._first_look)
    # during whichever request comes next.
    for mode in ("pooled", "cold"):
        for round_ in range(repeat):
            for way in ways[round_ % len(ways) :] + ways[: round_ % len(ways)]:
                if mode == "pooled":
                    call = lambda way=way: way.page(pooled[way.name], folder, offset)
                else:
                    call = lambda way=way: way.cold(folder, offset)
                samples[way.name, mode].append(measure(meter, call))
    figures = {}
    for way in ways:
        peaks = {
            "pooled": max(
                peak_python_memory(lambda way=way: way.page(pooled[way.name], folder, offset))
                for _ in range(MEMORY_REPEAT)
            ),
            "cold": max(
                peak_python_memory(lambda way=way: way.cold(folder, offset))
                for _ in range(MEMORY_REPEAT)
            ),
        }
        figures[way.name] = _figures(samples[way.name, "pooled"], samples[way.name, "cold"], peaks)
    ours, client = next(way for way in ways if way.name == "ours"), pooled["ours"]
    flagger = ours.open()  # another client, unmeasured
    flagger.select_folder(folder)
    for mode, _meaning in CACHED_WAYS:
        # New mail on sessions of their own: Dovecot's imap process grows with every new
        # mail it syncs in a large Maildir (see bench_conversations).
        reader = ours.open() if mode == "new mail" else client
        deliverer = ours.open() if mode == "new mail" else flagger
        if deliverer is not flagger:
            deliverer.select_folder(folder)
        ours.page(reader, folder, offset, cache=mode)  # unmeasured: fills the caches
        cached = []
        delivered = []
        for index in range(repeat):
            if mode == "flags changed":
                change = flagger.remove_flags if index % 2 else flagger.add_flags
                change(pages["ours"][:1], [b"\\Flagged"])
            elif mode == "new mail":
                delivered.append(_deliver_now(deliverer, folder, index))
            cached.append(
                measure(
                    meter,
                    lambda mode=mode, reader=reader: ours.page(reader, folder, offset, cache=mode),
                )
            )
        if delivered:
            deliverer.delete_messages(delivered)
            deliverer.uid_expunge(delivered)
            ours.close(deliverer)
            ours.close(reader)
        figures[f"ours, {mode}"] = _pooled_figures(cached)
        floor_p50 = figures["floor"]["pooled_ms_p50"]
        figures[f"ours, {mode}"]["per_floor_p50"] = (
            round(figures[f"ours, {mode}"]["pooled_ms_p50"] / floor_p50, 3) if floor_p50 else None
        )
    flagger.remove_flags(pages["ours"][:1], [b"\\Flagged"])
    ours.close(flagger)
    figures["ours_per_floor"] = _ratios(figures["ours"], figures["floor"])
    figures["ours_per_naive"] = _ratios(figures["ours"], figures["naive"])
    if dovecot is not None:
        placed = bench_placements(meter, ways, pooled, folder, offset, repeat, dovecot)
        figures["placements"] = placed
    figures["ours_equals_floor_page"] = pages["ours"] == pages["floor"]
    figures["naive_equals_floor_page"] = pages["naive"] == pages["floor"]
    return figures


# Where the bench's process and Dovecot's processes run (bench_placements). Above, the
# scheduler places them, and on a machine of two CPUs it moves them during a run: a page of a
# small folder then costs ours more while both share one CPU (its rows are made as Dovecot
# sends the answers, which needs a CPU each) than while each has one, and the figure of one
# page differs from the next page's as the scheduler's choice does.
PLACEMENTS = (
    ("apart", "the bench on one CPU, every Dovecot process on another"),
    ("together", "the bench and every Dovecot process on one CPU"),
)


@contextmanager
def pinned(dovecot, placement: str):
    """The bench's thread and every process of `dovecot` (those it starts meanwhile inherit
    its master's CPUs) kept on the CPUs `placement` names until the block ends; then all of
    them may run on every CPU the bench could before. PermissionError where the bench may
    not move Dovecot's processes."""
    cpus = sorted(os.sched_getaffinity(0))
    mine = {cpus[0]}
    theirs = {cpus[1]} if placement == "apart" else mine

    def place(own, others):
        os.sched_setaffinity(0, own)
        for pid in dovecot.process_ids():
            with suppress(ProcessLookupError):  # a session's process that ended meanwhile
                os.sched_setaffinity(pid, others)

    try:
        place(mine, theirs)
        yield
    finally:
        place(cpus, cpus)


def placements_possible() -> bool:
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


def bench_placements(meter, ways, pooled, folder, offset, repeat, dovecot) -> dict | None:
    """Ours (caches emptied, as in the table) and the floor, pooled and in turns, in each of
    PLACEMENTS: {placement: {"ours_ms_p50", "floor_ms_p50", "ours_per_floor"}}; None where
    the bench cannot pin (fewer than two CPUs, or no right to move Dovecot's processes)."""
    if not placements_possible():
        return None
    pair = [way for way in ways if way.name in ("ours", "floor")]
    figures = {}
    for placement, _meaning in PLACEMENTS:
        samples = {way.name: [] for way in pair}
        try:
            with pinned(dovecot, placement):
                for way in pair:  # unmeasured: the first request on the CPUs it moved to
                    way.page(pooled[way.name], folder, offset)
                for round_ in range(repeat):
                    for way in pair[round_ % 2 :] + pair[: round_ % 2]:
                        call = lambda way=way: way.page(pooled[way.name], folder, offset)
                        samples[way.name].append(measure(meter, call))
        except PermissionError:
            return None
        ours, floor = _ms(samples["ours"], 0.5), _ms(samples["floor"], 0.5)
        figures[placement] = {
            "ours_ms_p50": ours,
            "floor_ms_p50": floor,
            "ours_per_floor": round(ours / floor, 3) if floor else None,
        }
    return figures


COLUMNS = (
    # heading, width, key in a way's figures
    ("cmds", 6, "commands"),
    ("bytes in", 12, "bytes_received"),
    ("p50 ms", 9, "pooled_ms_p50"),
    ("p95 ms", 9, "pooled_ms_p95"),
    ("cold cmds", 11, "cold_commands"),
    ("cold bytes", 12, "cold_bytes_received"),
    ("cold p50", 10, "cold_ms_p50"),
    ("cold p95", 10, "cold_ms_p95"),
    ("peak KiB", 10, "peak_kib_pooled"),
    ("cold KiB", 10, "peak_kib_cold"),
)


def _cell(value) -> str:
    if isinstance(value, float):
        return (
            f"{value:,.2f}" if value < 10 else f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
        )
    return f"{value:,}"


def print_table(folder_result: dict):
    header = "page  way   " + "".join(f"{title:>{width}}" for title, width, _key in COLUMNS)
    print(header)
    print("-" * len(header))
    for page_name, figures in folder_result["pages"].items():
        for way in WAYS:
            cells = "".join(f"{_cell(figures[way][key]):>{width}}" for _t, width, key in COLUMNS)
            print(f"{page_name:<6}{way:<6}{cells}")
        for mode, _meaning in CACHED_WAYS:
            cached = figures[f"ours, {mode}"]
            cells = "".join(f"{_cell(cached[key]):>{width}}" for _t, width, key in COLUMNS[:4])
            print(
                f"{page_name:<6}{'':<6}{cells}   ours, {mode}: pooled p50 "
                f"{_ratio(cached['per_floor_p50'])} the floor's"
            )
        for other in ("floor", "naive"):
            ratios = figures[f"ours_per_{other}"]
            shown = "  ".join(
                f"{label} {_ratio(ratios[key])}"
                for label, key in (
                    ("cmds", "commands"),
                    ("bytes", "bytes_received"),
                    ("pooled p50", "pooled_ms_p50"),
                    ("cold p50", "cold_ms_p50"),
                    ("peak", "peak_kib_pooled"),
                )
            )
            print(f"{page_name:<6}ours/{other}: {shown}")
        if "placements" in figures:
            print(f"{page_name:<6}{_placement_line(figures['placements'])}")
        if not figures["ours_equals_floor_page"]:
            print(f"{page_name:<6}WARNING: ours and the floor returned different pages")
        if not figures["naive_equals_floor_page"]:
            print(f"{page_name:<6}(naive's page is in arrival order and differs from date order)")
    print()


def _placement_line(placements: dict | None) -> str:
    if placements is None:
        return "ours/floor pinned: n/a (fewer than two CPUs, or Dovecot's processes not movable)"
    return "ours/floor pooled p50 pinned: " + ", ".join(
        f"{placement} {_ratio(figures['ours_per_floor'])} "
        f"({figures['ours_ms_p50']:.2f}/{figures['floor_ms_p50']:.2f} ms)"
        for placement, figures in placements.items()
    )


def _ratio(value) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def bench_imap(
    servers: MailServers,
    mailbox: Mailbox,
    sizes,
    repeat,
    conversations_only=False,
    link_ms=LINK_ROUND_TRIP_MS,
) -> list[dict]:
    """`conversations_only`: the pages of conversations without the flat list's figures;
    `link_ms`: the round trip of the link of bench_link (measured on the first size; 0:
    not measured)."""
    results = []
    ways = [Ours(mailbox), Floor(mailbox), Naive(mailbox)]
    meter = WireMeter()
    for size in sizes:
        folder = f"bench-{size}"
        print(f"== writing {size:,} messages into {folder}", flush=True)
        written = write_folder(servers, folder, size)
        index, first_sort = warm_up(mailbox, folder)
        print(
            f"== {folder}: written in {written:.1f} s; first SELECT (Dovecot indexes the "
            f"Maildir) {index:.1f} s; first SORT by date (Dovecot caches every Date) "
            f"{first_sort:.1f} s; measuring, {repeat} requests per figure",
            flush=True,
        )
        result = {
            "messages": size,
            "folder": folder,
            "write_s": round(written, 1),
            "first_select_s": round(index, 2),
            "first_sort_s": round(first_sort, 2),
            "pages": {},
        }
        with meter.installed():
            if conversations_only:
                result["conversations"] = bench_conversations(meter, mailbox, folder, size, repeat)
                results.append(result)
                continue
            pooled = {way.name: way.open() for way in ways}
            try:
                for page_name, offset in PAGES:
                    result["pages"][page_name] = bench_page(
                        meter, ways, pooled, folder, offset, repeat, servers.dovecot
                    )
            finally:
                for way in ways:
                    way.close(pooled[way.name])
            print(
                f"\n{size:,} messages: per page of {PAGE}, newest first; times in ms, pooled "
                f"and cold; bytes received after TLS; peak Python memory per request"
            )
            for _mode, meaning in CACHED_WAYS:
                print(f"  {meaning}")
            for placement, meaning in PLACEMENTS:
                print(f"  ours and the floor pinned {placement}: {meaning}")
            print_table(result)
            if link_ms and size == sizes[0]:
                result["link"] = bench_link(meter, mailbox, folder, repeat, link_ms)
            if size <= BACKDATED_MAX:
                result["backdated"] = bench_backdated(meter, servers, mailbox, size, repeat)
            result["list_extras"] = bench_list_extras(meter, mailbox, folder, size, repeat)
            result["conversations"] = bench_conversations(meter, mailbox, folder, size, repeat)
        results.append(result)
    return results


def bench_link(meter, mailbox: Mailbox, folder: str, repeat: int, round_trip_ms: float) -> dict:
    """The table above once more with every connection over a link of `round_trip_ms` (see
    link.DelayedLink): where the server is elsewhere, a page costs mostly its round trips."""
    with DelayedLink(mailbox.port, round_trip_ms) as link:
        remote = replace(mailbox, port=link.port)
        ways = [Ours(remote), Floor(remote), Naive(remote)]
        pooled = {way.name: way.open() for way in ways}
        try:
            pages = {
                page_name: bench_page(meter, ways, pooled, folder, offset, repeat)
                for page_name, offset in PAGES
            }
            opened = _bench_open(meter, pooled["ours"], pooled["floor"], folder, repeat)
        finally:
            for way in ways:
                way.close(pooled[way.name])
    print(f"The same over a link with a round trip of {round_trip_ms:g} ms (a server elsewhere):")
    print_table({"pages": pages})
    print("Opening the newest message over that link, pooled, times in ms:")
    for way, meaning in OPEN_WAYS:
        figures = opened[way]
        print(
            f"  {way:<6}{figures['commands']:>4} cmds {figures['bytes_received']:>9,} bytes  "
            f"p50 {figures['pooled_ms_p50']:6.1f}  p95 {figures['pooled_ms_p95']:6.1f}   {meaning}"
        )
    print()
    return {"round_trip_ms": round_trip_ms, "pages": pages, "open": opened}


OPEN_WAYS = (
    ("ours", "services.reading.read_message, as the reading pane asks (not marked read)"),
    ("floor", "one UID FETCH of its flags and whole source, nothing decoded"),
)


def _bench_open(meter, ours_client, floor_connection, folder: str, repeat: int) -> dict:
    """Ours and the floor opening the folder's newest message, in turns."""
    messages.page_messages(ours_client, folder, limit=1)  # the folder selected
    uid = max(ours_client.search(["ALL"]))
    uidvalidity = ours_client.selected_folder.uidvalidity
    calls = {
        "ours": lambda: reading.read_message(ours_client, folder, uidvalidity, uid),
        "floor": lambda: _ok(
            floor_connection.uid("FETCH", str(uid), "(FLAGS BODY.PEEK[])"), "FETCH"
        ),
    }
    for call in calls.values():  # unmeasured: Dovecot reads the message once
        call()
    samples = {way: [] for way in calls}
    for _round in range(repeat):
        for way, call in calls.items():
            samples[way].append(measure(meter, call))
    return {way: _pooled_figures(taken) for way, taken in samples.items()}


# -- a folder whose dates run against its arrival ----------------------------------------------

BACKDATED_MAX = 10_000  # the sizes that get such a folder too (written in a second or two)
BACKDATED_WAYS = (
    ("floor", "the floor, as above, on this folder"),
    ("ours, guess missed", "ours, caches emptied: the rows guessed by arrival, all missed"),
    ("ours, after a miss", "ours, caches emptied but what the miss taught: no guess"),
)


def bench_backdated(meter, servers, mailbox: Mailbox, size: int, repeat: int) -> dict:
    """The first look at a page by date (caches emptied, as "ours" above) in a folder whose
    dates run against its arrival, where the list's guess of the page's rows by arrival
    (services.messages._first_look) finds none of them: with the guess made, and after a
    miss taught the process not to guess there."""
    folder = f"bench-{size}-backdated"
    write_backdated_folder(servers, folder, size)
    warm_up(mailbox, folder)
    ours, floor = Ours(mailbox), Floor(mailbox)
    client, connection = ours.open(), floor.open()

    def after_a_miss(offset):
        messages._SUMMARIES.clear()
        messages._PAGES.clear()
        return ours.page(client, folder, offset, cache="unchanged")

    calls = {
        "floor": lambda offset: floor.page(connection, folder, offset),
        "ours, guess missed": lambda offset: ours.page(client, folder, offset),
        "ours, after a miss": after_a_miss,
    }
    result = {}
    try:
        for page_name, offset in PAGES:
            pages = {name: call(offset) for name, call in calls.items()}  # unmeasured
            samples = {name: [] for name in calls}
            for _round in range(repeat):
                for name, call in calls.items():
                    samples[name].append(
                        measure(meter, lambda call=call, offset=offset: call(offset))
                    )
            figures = {name: _pooled_figures(taken) for name, taken in samples.items()}
            floor_p50 = figures["floor"]["pooled_ms_p50"]
            for name in calls:
                figures[name]["per_floor_p50"] = (
                    round(figures[name]["pooled_ms_p50"] / floor_p50, 3) if floor_p50 else None
                )
            figures["same_pages"] = len({tuple(page) for page in pages.values()}) == 1
            result[page_name] = figures
    finally:
        ours.close(client)
        floor.close(connection)
    print(
        f"\n{size:,} messages whose dates run against their arrival (newest by Date first): "
        f"first look per page of {PAGE}, pooled, times in ms"
    )
    for name, meaning in BACKDATED_WAYS:
        print(f"  {name:<19} {meaning}")
    for page_name, figures in result.items():
        for name, _meaning in BACKDATED_WAYS:
            cells = "".join(
                f"{_cell(figures[name][key]):>{width}}" for _t, width, key in COLUMNS[:4]
            )
            print(f"{page_name:<6}{name:<19}{cells}   {_ratio(figures[name]['per_floor_p50'])}")
        if not figures["same_pages"]:
            print(f"{page_name:<6}WARNING: the ways returned different pages")
    print(flush=True)
    return result


# -- preview lines and the subject order -----------------------------------------------------


def _without_preview(client):
    """The same connection as a server without RFC 8970 would give it."""
    client._cached_capabilities = tuple(
        capability
        for capability in client.capabilities()
        if capability not in (b"PREVIEW", b"PREVIEW=FUZZY", b"SNIPPET=FUZZY")
    )
    return client


def _server_subject_sort(client, folder, offset) -> list[int]:
    """The order the server's SORT SUBJECT gives (the list's before #20), same FETCH."""
    imap.ensure_selected(client, folder)
    program = b"(SUBJECT)"
    returns = f"(COUNT PARTIAL {offset + 1}:{offset + PAGE})".encode("ascii")
    result = messages._esearch(client, b"SORT", [b"RETURN", returns, program, b"UTF-8", b"ALL"])
    uids = messages._partial_uids(result, PAGE)
    messages.fetch_summaries(client, uids)
    return uids


def bench_list_extras(meter, mailbox: Mailbox, folder: str, size: int, repeat: int) -> dict:
    """The list page with its preview lines (made by the server; read here, cold and cached;
    and without, for comparison), and sorted by subject (the server's SORT SUBJECT; ours on
    base subjects, cold and cached): first page and next page, on pooled connections."""
    ours = Ours(mailbox)
    plain, hidden = ours.open(), _without_preview(ours.open())

    def cold_previews(client, offset):
        previews.forget_previews()
        return ours.page(client, folder, offset)

    def cold_subjects(client, offset):
        messages._SUBJECT_ORDERS.clear()
        messages._SUBJECT_KEYS.clear()
        return ours.page(client, folder, offset, sort="subject", reverse=False)

    deliverer, delivered = ours.open(), []
    deliverer.select_folder(folder)

    def deliver():
        delivered.append(_deliver_now(deliverer, folder, len(delivered)))

    def remove_delivered():
        # Gone before the next page: more than limits.MAX_SUBJECT_SORT messages would have
        # the server sort the 100,000 folder's next page by subject.
        if delivered:
            deliverer.delete_messages(delivered)
            deliverer.uid_expunge(delivered)
            delivered.clear()

    calls = {
        "no previews": lambda o: ours.page(plain, folder, o, with_previews=False),
        "PREVIEW": lambda o: ours.page(plain, folder, o),
        "read, cold": lambda o: cold_previews(hidden, o),
        "read, cached": lambda o: ours.page(hidden, folder, o),
        "server SORT": lambda o: _server_subject_sort(plain, folder, o),
        "ours, cold": lambda o: cold_subjects(plain, o),
        "ours, cached": lambda o: ours.page(plain, folder, o, sort="subject", reverse=False),
        "ours, new mail": lambda o: ours.page(plain, folder, o, sort="subject", reverse=False),
    }
    # Done before each request of a way, unmeasured.
    before_each = {"ours, new mail": deliver}
    result = {"pages": {}}
    try:
        # Dovecot makes a page's previews once and keeps them in its cache file: the first
        # look at a page nobody saw costs more, measured once here on a page of its own.
        unseen = min(size - PAGE, size // 2)
        first_look = measure(meter, lambda: ours.page(plain, folder, unseen))
        result["PREVIEW, first look at a page"] = _pooled_figures([first_look])
        for page_name, offset in PAGES:
            figures = {}
            for name, call in calls.items():
                call(offset)  # unmeasured: Dovecot's caches, as for the other figures
                samples = []
                for _ in range(repeat):
                    before_each.get(name, lambda: None)()
                    samples.append(measure(meter, lambda call=call, offset=offset: call(offset)))
                if name in before_each:
                    remove_delivered()
                figures[name] = _pooled_figures(samples)
            result["pages"][page_name] = figures
    finally:
        remove_delivered()
        for client in (plain, hidden, deliverer):
            ours.close(client)
    _print_extras(size, result)
    return result


def _print_extras(size: int, result: dict):
    header = "page  way            " + "".join(
        f"{title:>{width}}" for title, width, _key in EXTRA_COLUMNS
    )
    for title, ways in (
        ("with preview lines", PREVIEW_WAYS),
        ("sorted by subject, ascending", SUBJECT_WAYS),
    ):
        print(f"\n{size:,} messages, {title}: per page of {PAGE}, pooled, times in ms")
        for name, meaning in ways:
            print(f"  {name:<13} {meaning}")
        print(header)
        print("-" * len(header))
        for page_name, figures in result["pages"].items():
            for name, _meaning in ways:
                cells = "".join(
                    f"{_cell(figures[name][key]):>{width}}" for _t, width, key in EXTRA_COLUMNS
                )
                print(f"{page_name:<6}{name:<15}{cells}")
    first = result["PREVIEW, first look at a page"]
    print(
        f"PREVIEW on a page nobody looked at before (Dovecot reads the 50 messages once): "
        f"{first['pooled_ms_p50']} ms, {first['bytes_received']:,} bytes\n",
        flush=True,
    )


# -- conversations ---------------------------------------------------------------------------


def bench_conversations(meter, mailbox: Mailbox, folder: str, size: int, repeat: int) -> dict:
    """A page of 50 conversations, newest first (services.threads.page_conversations, rows
    with previews), first and next page, pooled: grouped by the server's THREAD and by the
    headers (as on a server without it), with the caches empty and filled, beside the flat
    list's page. Without the related folder: the bench folder is no Inbox (an Inbox's page
    adds a LIST and a STATUS of Sent, plus a SELECT, SEARCH and two FETCHes when Sent
    changed)."""
    ours = Ours(mailbox)
    client = ours.open()
    other = ours.open()  # the program that delivers new mail

    def deliver(*, reply):
        """A new mail APPENDed by another program (not measured): naming nothing, or
        answering the newest message of the newest conversation."""
        message = EmailMessage()
        message["From"] = "Kunde <kunde@example.com>"
        message["To"] = "bench@example.com"
        message["Message-ID"] = f"<bench-{secrets.token_hex(8)}@example.com>"
        if reply:
            selected, _count = imap.ensure_selected(client, folder)
            newest = threads.page_conversations(client, folder, limit=1, related=False)
            uid = newest.conversations[0].uids[-1]
            parent = threads.message_links(client, selected, [uid])[uid][0]
            message["Subject"] = "Re: Neuigkeit"
            message["References"] = message["In-Reply-To"] = parent
        else:
            message["Subject"] = f"Neuigkeit {secrets.token_hex(6)}"
        message.set_content("Text\n")
        other.append(folder, message.as_bytes())

    def reconnect():
        """A session of its own for each way: Dovecot's imap process grows by about 6 MB
        with each new mail it syncs into a Maildir of 100,000 messages, and stops at its
        vsz_limit (256 MB) after some 20 of them."""
        nonlocal client
        ours.close(client)
        client = ours.open()

    def conversations(offset, *, cold, server, structure=False, index=True):
        if cold:
            threads.forget_structures()
            messages.forget_summaries()
        if structure:
            threads._STRUCTURES.clear()
        if not index:
            threads._LINK_INDEXES.clear()
        threads.SERVER_THREADS = server
        try:
            page = threads.page_conversations(
                client, folder, offset=offset, limit=PAGE, related=False
            )
        finally:
            threads.SERVER_THREADS = True
        return page

    calls = {
        "flat list": lambda o: ours.page(client, folder, o, cache="unchanged"),
        "THREAD, cold": lambda o: conversations(o, cold=True, server=True),
        "THREAD, cached": lambda o: conversations(o, cold=False, server=True),
        "THREAD, anew": lambda o: conversations(o, cold=False, server=True, structure=True),
        "THREAD, new mail": lambda o: conversations(o, cold=False, server=True),
        "THREAD, reply": lambda o: conversations(o, cold=False, server=True),
        "THREAD, index": lambda o: conversations(o, cold=False, server=True, index=False),
        "NOOP, new mail": lambda o: imap.ensure_selected(client, folder),
        "headers, cold": lambda o: conversations(o, cold=True, server=False),
        "headers, cached": lambda o: conversations(o, cold=False, server=False),
        "headers, new mail": lambda o: conversations(o, cold=False, server=False),
    }
    # The mail delivered before each of these calls, not measured.
    arriving = {
        "THREAD, new mail": "new",
        "THREAD, reply": "reply",
        "THREAD, index": "new",
        "NOOP, new mail": "new",
        "headers, new mail": "new",
    }
    result = {"pages": {}}
    try:
        last = conversations(0, cold=True, server=True)
        result["conversations"] = last.total
        for page_name, offset in PAGES:
            figures = {}
            for name, call in calls.items():
                if name == "THREAD, new mail":
                    # The link index whole, as the first new mails leave it (emptied by the
                    # cold rows before): the one-time cost, kept of the first page.
                    whole = _index_read_whole(
                        lambda: client, reconnect, folder, size, deliver, conversations, offset
                    )
                    result.setdefault("index_read_whole", whole)
                reconnect()
                call(offset)  # unmeasured: Dovecot's caches, as for the other figures
                samples = []
                for number in range(repeat):
                    if name in arriving and number and number % _new_mails_per_session(size) == 0:
                        reconnect()  # before Dovecot's vsz_limit (see reconnect)
                        call(offset)
                    if name in arriving:
                        threads.SERVER_THREADS = not name.startswith("headers")
                        deliver(reply=arriving[name] == "reply")
                        threads.SERVER_THREADS = True
                    samples.append(measure(meter, lambda call=call, offset=offset: call(offset)))
                figures[name] = _pooled_figures(samples)
            result["pages"][page_name] = figures
    finally:
        ours.close(client)
        ours.close(other)
    _print_conversations(size, result)
    return result


def _new_mails_per_session(size: int) -> int:
    """New mails synced into one session of the conversations' bench before it logs in anew:
    Dovecot's imap process grows with each by about 6 MB per 100,000 messages of the folder
    and stops at its vsz_limit (256 MB) after some 20 of them at 100,000 (reconnect())."""
    return max(1, min(8, 400_000 // size))


def _index_read_whole(session, reconnect, folder, size, deliver, conversations, offset) -> dict:
    """The folder's link index read from empty as new mail reads it, a slice with each new
    mail placed (THREAD): how many new mails (pages), their seconds in all, its size.
    `session()`: the connection; `reconnect()` opens a new one every few new mails
    (_new_mails_per_session), selected before the page is measured."""
    threads._LINK_INDEXES.clear()
    pages, seconds, slowest = 0, 0.0, 0.0
    most = size // limits.LINK_INDEX_SLICE + 3
    while True:
        if pages and pages % _new_mails_per_session(size) == 0:
            reconnect()
            imap.ensure_selected(session(), folder)
        client = session()
        deliver(reply=False)
        started = time.perf_counter()
        conversations(offset, cold=False, server=True)
        took = time.perf_counter() - started
        seconds, slowest, pages = seconds + took, max(slowest, took), pages + 1
        selected, count = imap.ensure_selected(client, folder)
        key = (threads.mailbox_scope(client), folder, int(selected.uidvalidity))
        index = threads._LINK_INDEXES.get(key)
        figures = {"pages": pages, "seconds": round(seconds, 2), "slowest": round(slowest, 2)}
        if index is None or index.refused or pages >= most:
            return {**figures, "complete": False}
        if index.covered == threads._highest_uid(client, count):
            return {**figures, "complete": True, "mib": round(index.weight / 1024 / 1024, 2)}


def _print_conversations(size: int, result: dict) -> None:
    print(
        f"\n{size:,} messages in {result['conversations']:,} conversations (THREAD=REFERENCES): "
        f"per page of {PAGE} conversations, pooled, times in ms"
    )
    for name, meaning in CONVERSATION_WAYS:
        print(f"  {name:<16} {meaning}")
    whole = result["index_read_whole"]
    print(
        f"  the link index read whole (THREAD): {whole['pages']} new mails, "
        f"{whole['seconds']:.2f} s in all for their pages (the slowest {whole['slowest']:.2f} s)"
        + (f", {whole['mib']:.1f} MiB" if whole["complete"] else ", NOT COMPLETE")
    )
    header = "page  way             " + "".join(
        f"{title:>{width}}" for title, width, _key in EXTRA_COLUMNS
    )
    print(header)
    print("-" * len(header))
    for page_name, figures in result["pages"].items():
        for name, _meaning in CONVERSATION_WAYS:
            cells = "".join(
                f"{_cell(figures[name][key]):>{width}}" for _t, width, key in EXTRA_COLUMNS
            )
            print(f"{page_name:<6}{name:<16}{cells}")
    print(flush=True)


# -- the attachment through Odoo ---------------------------------------------------------------


def _memory_kib(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE).group(1))
        for key in ("VmRSS", "VmHWM")
    }


def attachment_message() -> tuple[bytes, bytes, str]:
    """(raw message, attachment, Message-ID): multipart/mixed, text as part 1, the file as 2."""
    data = os.urandom(ATTACHMENT_BYTES)
    message = EmailMessage()
    message["From"] = "sender@example.com"
    message["To"] = ADDRESS
    message["Subject"] = "25 MiB attachment (bench)"
    message["Date"] = email.utils.format_datetime(datetime.datetime.now(datetime.timezone.utc))
    message_id = f"<bench.{secrets.token_hex(8)}@dynaoffice.test>"
    message["Message-ID"] = message_id
    message.set_content("The attachment is random bytes, base64-encoded.\n")
    message.add_attachment(
        data, maintype="application", subtype="octet-stream", filename="bench-25MiB.bin"
    )
    return message.as_bytes(policy=email.policy.SMTP), data, message_id


def _find_message(mailbox: Mailbox, message_id: str) -> tuple[int, int]:
    way = Floor(mailbox)
    connection = way.open()
    try:
        _ok(connection.select("INBOX", readonly=True), "SELECT")
        uidvalidity = int(connection.response("UIDVALIDITY")[1][0])
        answer = connection.uid("SEARCH", None, "HEADER", "Message-ID", f'"{message_id}"')
        _ok(answer, "SEARCH")
        return uidvalidity, int(answer[1][0].split()[-1])
    finally:
        way.close(connection)


def _download_urls(value) -> list[str]:
    """Every "download_url" in a JSON answer, wherever it sits."""
    if isinstance(value, dict):
        found = [value["download_url"]] if isinstance(value.get("download_url"), str) else []
        return found + [url for item in value.values() for url in _download_urls(item)]
    if isinstance(value, list):
        return [url for item in value for url in _download_urls(item)]
    return []


def _attachment_url(session, account_id, uidvalidity, uid) -> tuple[str, str]:
    """The attachment's download URL as the client gets it (client_message), or else the
    route's URL written by hand; and where it came from."""
    try:
        message = session.call(
            "dynaoffice.mail.account", "client_message", [account_id], "INBOX", uidvalidity, uid
        )
    except (RpcError, urllib.error.HTTPError) as error:
        reason = f"client_message failed ({str(error).splitlines()[0][:120]})"
    else:
        urls = [url for url in _download_urls(message) if "download" in url]
        urls = urls or _download_urls(message)
        if urls:
            url = urls[-1]
            if "download=" not in url:
                url += ("&" if "?" in url else "?") + "download=1"
            return url, "client_message"
        reason = "client_message gave no download_url"
    query = urllib.parse.urlencode(
        {"folder": "INBOX", "uidvalidity": uidvalidity, "uid": uid, "part": "2", "download": 1}
    )
    return f"/dynaoffice_mail/part/{account_id}?{query}", f"written by hand; {reason}"


def _page_text(html: bytes) -> str:
    """What an error page says, without its markup."""
    text = re.sub(
        r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html.decode(errors="replace"), flags=re.DOTALL
    )
    return " ".join(text.split())[:300]


def _download(session: OdooSession, url: str, pid: int) -> dict:
    before = _memory_kib(pid)
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    digest, size = hashlib.sha256(), 0
    started = time.perf_counter()
    with session.opener.open(session.base_url + url, timeout=600) as response:
        content_type = response.headers.get("Content-Type", "")
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    seconds = time.perf_counter() - started
    after = _memory_kib(pid)
    return {
        "seconds": round(seconds, 3),
        "bytes": size,
        "sha256": digest.hexdigest(),
        "content_type": content_type,
        "server_rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "server_peak_growth_mib": round((after["VmHWM"] - before["VmRSS"]) / 1024, 1),
        "server_rss_after_mib": round(after["VmRSS"] / 1024, 1),
    }


def bench_attachment(servers: MailServers, mailbox: Mailbox, work: Path) -> dict:
    print("== writing a message with a 25 MiB attachment into INBOX", flush=True)
    raw, data, message_id = attachment_message()
    expected = hashlib.sha256(data).hexdigest()
    del data
    now = datetime.datetime.now(datetime.timezone.utc)
    servers.dovecot.write_messages(ADDRESS, [("INBOX", raw, frozenset(), now)])
    del raw
    uidvalidity, uid = _find_message(mailbox, message_id)
    with throwaway_database("bench") as (config, database):
        odoo = OdooServer(config, database, work / "odoo.log")
        print(f"== starting Odoo (--workers=0) on {odoo.url}", flush=True)
        try:
            odoo.start()
            user, account_id = _bench_account(odoo, mailbox)
            download = _download_through_odoo(odoo, user, account_id, uidvalidity, uid, expected)
            return {
                "attachment": download,
                "draft_and_send": _draft_or_reason(odoo, user, account_id, mailbox),
            }
        finally:
            odoo.stop()


def _attachment_or_reason(servers, mailbox, work) -> dict:
    """The download's and the draft's figures, or why there are none: the page figures
    above still count."""
    try:
        return bench_attachment(servers, mailbox, work)
    except subprocess.CalledProcessError:
        reason = f"{ADDON} did not install (see the output above)"
    except (RpcError, OSError, RuntimeError) as error:
        reason = f"{type(error).__name__}: {error}"
    print(f"!! The attachment download was not measured: {reason}", flush=True)
    missing = {"status": "not measured", "reason": reason}
    return {"attachment": missing, "draft_and_send": missing}


def _bench_account(odoo, mailbox, groups=("base.group_user",)) -> tuple[OdooSession, int]:
    """A user of the throwaway database (in `groups`, XML ids), logged in, and their
    account on the bench mailbox."""
    admin = OdooSession(odoo.url)
    admin.authenticate(odoo.database, "admin", "admin")
    admin.call("ir.config_parameter", "set_param", "dynaoffice_mail.allow_private_hosts", "True")
    group_ids = [
        admin.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )[0]["res_id"]
        for module, name in (xmlid.split(".") for xmlid in groups)
    ]
    password = secrets.token_urlsafe(12)
    admin.call(
        "res.users",
        "create",
        {
            "name": "Bench User",
            "login": "bench",
            "password": password,
            "groups_id": [(6, 0, group_ids)],
        },
    )
    user = OdooSession(odoo.url)
    user_id = user.authenticate(odoo.database, "bench", password)
    # Saving tests the IMAP and SMTP logins, as for any user.
    account_id = user.call(
        "dynaoffice.mail.account",
        "create",
        _account_values(mailbox, name="Bench mailbox", user_id=user_id),
    )
    return user, account_id


def _download_through_odoo(odoo, user, account_id, uidvalidity, uid, expected) -> dict:
    url, source = _attachment_url(user, account_id, uidvalidity, uid)
    print(f"== downloading {url} ({source}), {DOWNLOAD_REPEAT} times", flush=True)
    result = {"url": url, "url_from": source, "expected_bytes": ATTACHMENT_BYTES}
    trials = []
    for _ in range(DOWNLOAD_REPEAT):
        try:
            trials.append(_download(user, url, odoo.pid))
        except urllib.error.HTTPError as error:
            detail = _page_text(error.read(20_000))
            if error.code == 404 and source != "client_message":
                print(
                    f"!! The attachment route answered 404: it is not there yet ({url}). "
                    "No download figures.",
                    flush=True,
                )
                return {**result, "status": "route missing (404)", "detail": detail}
            print(f"!! The attachment route answered {error.code}: {detail}", flush=True)
            return {**result, "status": f"HTTP {error.code}", "detail": detail}
    result.update(
        status="ok" if all(t["sha256"] == expected for t in trials) else "content differs",
        seconds_p50=statistics.median(t["seconds"] for t in trials),
        bytes=trials[0]["bytes"],
        sha256_matches=all(t["sha256"] == expected for t in trials),
        content_type=trials[0]["content_type"],
        server_peak_growth_mib=max(t["server_peak_growth_mib"] for t in trials),
        server_rss_before_mib=trials[0]["server_rss_before_mib"],
        trials=[
            {key: t[key] for key in ("seconds", "server_peak_growth_mib", "server_rss_after_mib")}
            for t in trials
        ],
    )
    print(
        f"\n25 MiB attachment through Odoo: {result['seconds_p50']:.2f} s (median of "
        f"{DOWNLOAD_REPEAT}), {result['bytes']:,} bytes, sha256 "
        f"{'matches' if result['sha256_matches'] else 'DIFFERS'}; Odoo's peak memory grew by "
        f"up to {result['server_peak_growth_mib']} MiB over its "
        f"{result['server_rss_before_mib']} MiB RSS\n",
        flush=True,
    )
    return result


# -- a draft with a large attachment through Odoo ---------------------------------------------


def _peak_growth(pid: int, call) -> tuple[object, dict]:
    """What `call()` returned, and its seconds and how far the server's peak memory grew."""
    before = _memory_kib(pid)
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    started = time.perf_counter()
    value = call()
    seconds = time.perf_counter() - started
    after = _memory_kib(pid)
    growth = (after["VmHWM"] - before["VmRSS"]) / 1024
    return value, {
        "seconds": round(seconds, 3),
        "peak_growth_mib": round(growth, 1),
        "times_attachment": round(growth * 1024 * 1024 / DRAFT_ATTACHMENT_BYTES, 2),
    }


def _csrf_token(session: OdooSession) -> str:
    """The session's CSRF token, which Odoo's POST routes want, as the login page holds it."""
    with session.opener.open(session.base_url + "/web/login", timeout=120) as response:
        page = response.read().decode("utf-8", "replace")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if found is None:
        raise RuntimeError("no CSRF token on /web/login")
    return found.group(1)


def _upload(session: OdooSession, account_id: int, filename: str, data: bytes) -> dict:
    """The file through the composer's upload route, as the browser sends it."""
    boundary, token = secrets.token_hex(16), _csrf_token(session)
    fields = [
        f'Content-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode(),
        (
            f'Content-Disposition: form-data; name="ufile"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + b"\r\n",
    ]
    body = b"".join(f"--{boundary}\r\n".encode() + field for field in fields)
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{session.base_url}/dynaoffice_mail/upload/{account_id}",
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with session.opener.open(request, timeout=600) as response:
        return json.load(response)[0]


def _delivered_sha256(mailbox: Mailbox, message_id: str) -> str | None:
    """sha256 of the attachment (part 2) of the message with this Message-ID in INBOX."""
    way = Floor(mailbox)
    connection = way.open()
    try:
        _ok(connection.select("INBOX", readonly=True), "SELECT")
        for _ in range(50):  # the SMTP server delivers over LMTP as it answers; allow a little
            answer = connection.uid("SEARCH", None, "HEADER", "Message-ID", f'"{message_id}"')
            _ok(answer, "SEARCH")
            if answer[1][0]:
                break
            time.sleep(0.2)
            connection.noop()
        else:
            return None
        uid = answer[1][0].split()[-1].decode()
        answer = connection.uid("FETCH", uid, "(BODY.PEEK[2])")
        _ok(answer, "FETCH")
        encoded = next(item[1] for item in answer[1] if isinstance(item, tuple))
        return hashlib.sha256(base64.b64decode(encoded)).hexdigest()
    finally:
        way.close(connection)


def _draft_flow(user, account_id, mailbox, data, subject, run_step) -> dict:
    """Upload `data`, save a draft with it, reopen the draft and send it, each step as
    `run_step(name, call)` runs it; the reopened draft's values."""
    upload = run_step("upload", lambda: _upload(user, account_id, f"{subject}.bin", data))
    values = user.call(ACCOUNT_MODEL, "client_compose", [account_id], "new")
    values.update(
        to=[mailbox.user],
        subject=subject,
        body_html="<p>The attachment is random bytes.</p>",
        attachments=[upload],
    )
    saved = run_step(
        "save", lambda: user.call(ACCOUNT_MODEL, "client_save_draft", [account_id], values)
    )
    ref = saved["draft"]
    reopened = run_step(
        "reopen",
        lambda: user.call(
            ACCOUNT_MODEL,
            "client_compose",
            [account_id],
            "draft",
            ref["folder"],
            ref["uidvalidity"],
            ref["uid"],
        ),
    )
    sizes = [attachment["size"] for attachment in reopened["attachments"]]
    if sizes != [len(data)]:
        raise RuntimeError(f"the reopened draft has attachments of {sizes} bytes")
    sent = run_step("send", lambda: user.call(ACCOUNT_MODEL, "client_send", [account_id], reopened))
    if not sent.get("sent") or sent.get("problems"):
        raise RuntimeError(f"sending failed: {sent}")
    return reopened


def _draft_round(odoo, user, account_id, mailbox, data, number) -> dict:
    """Upload, save, reopen and send once; each step's figures.

    Each step is measured in an Odoo process of its own that first went through all four
    with a small file: a process keeps memory it freed, so in one process a step's peak
    would hide behind the one before it, and a first request pays for imports and caches.
    """
    steps = {}

    def measured(name, call):
        odoo.stop()
        odoo.start()
        _draft_flow(
            user, account_id, mailbox, b"warm-up", f"warm-up {number} {name}", _run_unmeasured
        )
        value, steps[name] = _peak_growth(odoo.pid, call)
        return value

    subject = f"20 MiB draft {number} (bench)"
    reopened = _draft_flow(user, account_id, mailbox, data, subject, measured)
    steps["delivered_sha256"] = _delivered_sha256(mailbox, reopened["message_id"])
    return steps


def _run_unmeasured(_name, call):
    return call()


def _draft_and_send_through_odoo(odoo, user, account_id, mailbox) -> dict:
    size_mib = DRAFT_ATTACHMENT_BYTES // (1024 * 1024)
    print(
        f"== a draft with a {size_mib} MiB attachment through Odoo: upload, save, reopen, "
        f"send; {DRAFT_REPEAT} times",
        flush=True,
    )
    data = os.urandom(DRAFT_ATTACHMENT_BYTES)
    expected = hashlib.sha256(data).hexdigest()
    trials = [
        _draft_round(odoo, user, account_id, mailbox, data, number)
        for number in range(1, DRAFT_REPEAT + 1)
    ]
    matches = all(trial["delivered_sha256"] == expected for trial in trials)
    result = {
        "status": "ok" if matches else "content differs",
        "attachment_bytes": DRAFT_ATTACHMENT_BYTES,
        "delivered_sha256_matches": matches,
        "trials": [{step: trial[step] for step in DRAFT_STEPS} for trial in trials],
    }
    for step in DRAFT_STEPS:
        worst = max((trial[step] for trial in trials), key=lambda step: step["peak_growth_mib"])
        result[step] = {
            "peak_growth_mib": worst["peak_growth_mib"],
            "times_attachment": worst["times_attachment"],
            "seconds_p50": round(statistics.median(trial[step]["seconds"] for trial in trials), 3),
        }
    shown = ", ".join(
        f"{step} +{result[step]['peak_growth_mib']} MiB ({result[step]['times_attachment']}x, "
        f"{result[step]['seconds_p50']:.2f} s)"
        for step in DRAFT_STEPS
    )
    print(
        f"\n{size_mib} MiB attachment through the composer, Odoo's peak memory growth (the "
        f"larger of {DRAFT_REPEAT}): {shown}; the attachment delivered "
        f"{'matches' if matches else 'DIFFERS'}\n",
        flush=True,
    )
    return result


def _draft_or_reason(odoo, user, account_id, mailbox) -> dict:
    try:
        return _draft_and_send_through_odoo(odoo, user, account_id, mailbox)
    except (RpcError, OSError, RuntimeError) as error:
        reason = f"{type(error).__name__}: {str(error)[:300]}"
    print(f"!! The draft with a large attachment was not measured: {reason}", flush=True)
    return {"status": "not measured", "reason": reason}


# -- the command -----------------------------------------------------------------------------


def _source_state() -> dict:
    """Which code was measured: the commit, and whether the working tree differed from it."""

    def git(*args):
        result = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    changed = git("status", "--porcelain", "--", ADDON)
    return {"commit": git("rev-parse", "--short", "HEAD"), "addon_changed": bool(changed)}


def _dovecot_version() -> str:
    result = subprocess.run(
        ["/usr/sbin/dovecot", "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.split(" (")[0].strip()


def _write_folders(servers: MailServers, mailbox: Mailbox, sizes) -> None:
    """The bench folders without the IMAP figures (--no-imap), for the Odoo sections."""
    for size in sizes:
        folder = f"bench-{size}"
        print(f"== writing {size:,} messages into {folder}", flush=True)
        write_folder(servers, folder, size)
        warm_up(mailbox, folder)


def run(
    sizes=None,
    repeat=None,
    quick=False,
    attachment=True,
    imap=True,
    conversations_only=False,
    end_to_end=True,
    users=CONCURRENT_USERS,
    push_screen=True,
    context_pane=True,
    link_ms=LINK_ROUND_TRIP_MS,
) -> int:
    """`users`: the numbers of simulated users of the concurrency figures (none: skipped);
    `link_ms`: the round trip of bench_link's link (0: not measured)."""
    sizes = tuple(sizes or (QUICK_SIZES if quick else DEFAULT_SIZES))
    repeat = repeat or (QUICK_REPEAT if quick else DEFAULT_REPEAT)
    sections = {"end_to_end": True} if end_to_end else {}
    if users:
        sections["concurrency"] = tuple(users)
    if attachment or sections or push_screen or context_pane:
        check_odoo_source()
    # SIGTERM as well as Ctrl-C unwinds through the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    base = state_root() / f"bench-{os.getpid()}"
    servers = MailServers(base)
    summary = {
        "benchmark": "dynaoffice_mail",
        "server": f"Dovecot {_dovecot_version()}",
        **_source_state(),
        "page_size": PAGE,
        "repeat": repeat,
        "floor": "UID SORT RETURN (PARTIAL) (REVERSE DATE) + UID FETCH, EXAMINE, no LOGOUT",
        "naive": "UID SEARCH ALL, last 50 UIDs (arrival order) + UID FETCH, LOGOUT",
    }
    try:
        print(f"== starting Dovecot and the SMTP server under {base}", flush=True)
        servers.start()
        mailbox = new_mailbox(servers, ADDRESS)
        if imap:
            summary["folders"] = bench_imap(
                servers, mailbox, sizes, repeat, conversations_only, link_ms
            )
        else:
            _write_folders(servers, mailbox, sizes)
        if attachment:
            summary.update(_attachment_or_reason(servers, mailbox, base))
        if sections:
            summary.update(
                _odoo_sections_or_reason(servers, mailbox, base, sizes, repeat, sections)
            )
        if push_screen:
            summary["push_screen"] = _push_screen_or_reason(servers, base)
        if context_pane:
            summary.update(_context_pane_or_reason(mailbox, base, repeat))
    finally:
        servers.stop()
        shutil.rmtree(base, ignore_errors=True)
    summary["targets"] = bench_targets.targets(summary, limits)
    bench_targets.print_targets(summary["targets"])
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    return 0


def _context_pane_or_reason(mailbox: Mailbox, work: Path, repeat: int) -> dict:
    """The context pane's figure (bench_context.py), or why it was not measured."""
    from . import bench_context

    try:
        return bench_context.bench_context_pane(sys.modules[__name__], mailbox, work, repeat)
    except subprocess.CalledProcessError:
        reason = f"{ADDON} with its apps did not install (see the output above)"
    except (RpcError, OSError, RuntimeError) as error:
        reason = f"{type(error).__name__}: {str(error)[:300]}"
    print(f"!! The context pane's figure was not measured: {reason}", flush=True)
    return {"context_pane": {"status": "not measured", "reason": reason}}


def _push_screen_or_reason(servers: MailServers, base: Path) -> dict:
    """Push from delivery to screen (push_screen.py: prefork Odoo, its websocket, headless
    Chromium), or why it was not measured."""
    # Imported here: push_screen builds on this module.
    from . import push_screen

    try:
        return push_screen.run(servers, base)
    except subprocess.CalledProcessError:
        reason = f"{ADDON} did not install (see the output above)"
    except (RpcError, OSError, RuntimeError) as error:
        reason = f"{type(error).__name__}: {str(error)[:300]}"
    print(f"!! Push to screen was not measured: {reason}", flush=True)
    return {"status": "not measured", "reason": reason}


def _account_values(mailbox: Mailbox, **owner) -> dict:
    """What the account form sends for the bench's mailbox; `owner`: its name and user_id
    (personal) or group_id (group)."""
    return {
        "email": mailbox.user,
        "imap_host": mailbox.host,
        "imap_ssl": True,
        "imap_port": mailbox.port,
        "imap_user": mailbox.user,
        "imap_password": mailbox.password,
        "smtp_method": "smtp",
        "smtp_host": mailbox.host,
        "smtp_port": mailbox.smtp_port,
        "smtp_encryption": "tls",
        "smtp_auth": True,
        "smtp_user": mailbox.user,
        "smtp_password": mailbox.password,
        "ca_certificate": mailbox.ca_pem,
        **owner,
    }


# -- end to end: the list and a message over Odoo's JSON-RPC ----------------------------------


def _timed_call(session: OdooSession, model: str, method: str, *args) -> float:
    """Milliseconds of one JSON-RPC call."""
    started = time.perf_counter()
    session.call(model, method, *args)
    return (time.perf_counter() - started) * 1000


def _ms_figures(samples: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "n": len(samples),
    }


def _typical_message(user: OdooSession, account_id: int, folder: str) -> tuple[int, int]:
    page = user.call(ACCOUNT_MODEL, "client_page", [account_id], folder, "date", True, PAGE, 1)
    ref = page["messages"][0]["ref"]
    return ref["uidvalidity"], ref["uid"]


# What another program delivers before each request of "client_page_first_new_mail": dated
# long ago, so that it sorts after the first page and only the folder's state changes.
NEW_MAIL = (
    b"From: Bench <bench@example.com>\r\nTo: bench@example.com\r\n"
    b"Date: Sat, 01 Jan 2000 00:00:00 +0000\r\nSubject: new mail\r\n"
    b"Message-ID: <%d.new-mail@bench.example>\r\n\r\nNew mail.\r\n"
)


def _delivering_client(mailbox: Mailbox) -> imaplib.IMAP4_SSL:
    """An unmeasured IMAP client of the bench's mailbox, as another program would be."""
    context = ssl.create_default_context(cafile=mailbox.ca_file)
    connection = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=context, timeout=120)
    connection.login(mailbox.user, mailbox.password)
    return connection


def bench_end_to_end(odoo, user, account_id, sizes, repeat, mailbox) -> dict:
    """The list, a message and Odoo's baseline over JSON-RPC. The list's pages repeat a
    folder that did not change since the last look (what a reload or paging back costs); the
    first page also after a new mail arrived before each request (the caches cannot answer:
    the folder's count changed)."""
    user_id = user.call("res.users", "search", [("login", "=", "bench")])[0]
    result = {"odoo_workers": 0, "repeat": repeat, "folders": []}
    for _warm in range(3):
        _timed_call(user, "res.users", "read", [user_id], ["name"])
    baseline = [_timed_call(user, "res.users", "read", [user_id], ["name"]) for _ in range(repeat)]
    result["res_users_read"] = _ms_figures(baseline)
    print(
        f"\nEnd to end over JSON-RPC, Odoo --workers=0, {repeat} requests per figure (ms):\n"
        f"{'':<38}{'p50':>8}{'p95':>8}\n"
        f"{'res.users.read (baseline)':<38}{result['res_users_read']['p50_ms']:>8.1f}"
        f"{result['res_users_read']['p95_ms']:>8.1f}",
        flush=True,
    )
    for size in sizes:
        folder = f"bench-{size}"
        figures = {"messages": size, "folder": folder}
        for page_name, offset in PAGES:
            args = (ACCOUNT_MODEL, "client_page", [account_id], folder, "date", True, offset, PAGE)
            _timed_call(user, *args)  # the first look selects the folder on the pooled connection
            samples = [_timed_call(user, *args) for _ in range(repeat)]
            figures[f"client_page_{page_name}"] = _ms_figures(samples)
        first = (ACCOUNT_MODEL, "client_page", [account_id], folder, "date", True, 0, PAGE)
        delivering = _delivering_client(mailbox)
        try:
            samples = []
            for index in range(repeat):
                _ok(delivering.append(folder, None, None, NEW_MAIL % index), "APPEND")
                samples.append(_timed_call(user, *first))
        finally:
            delivering.logout()
        figures["client_page_first_new_mail"] = _ms_figures(samples)
        uidvalidity, uid = _typical_message(user, account_id, folder)
        opening = (ACCOUNT_MODEL, "client_message", [account_id], folder, uidvalidity, uid)
        _timed_call(user, *opening)
        figures["client_message"] = _ms_figures(
            [_timed_call(user, *opening) for _ in range(repeat)]
        )
        result["folders"].append(figures)
        for name in (
            "client_page_first",
            "client_page_next",
            "client_page_first_new_mail",
            "client_message",
        ):
            label = f"{size:,}: {name}"
            print(
                f"{label:<38}{figures[name]['p50_ms']:>8.1f}{figures[name]['p95_ms']:>8.1f}",
                flush=True,
            )
    print()
    return result


# -- concurrency: users of one group mailbox against prefork workers --------------------------


def _group_mailbox(odoo, mailbox, users: int) -> tuple[list[OdooSession], int]:
    """`users` logged-in sessions of users of one group, and the group's account."""
    admin = OdooSession(odoo.url)
    admin.authenticate(odoo.database, "admin", "admin")
    admin.call("ir.config_parameter", "set_param", "dynaoffice_mail.allow_private_hosts", "True")
    internal = admin.call(
        "ir.model.data",
        "search_read",
        [("module", "=", "base"), ("name", "=", "group_user")],
        ["res_id"],
    )[0]["res_id"]
    group_id = admin.call("res.groups", "create", {"name": "Bench group"})
    password = secrets.token_urlsafe(12)
    logins = [f"bench-{number}" for number in range(1, users + 1)]
    for login in logins:
        admin.call(
            "res.users",
            "create",
            {
                "name": login,
                "login": login,
                "password": password,
                "groups_id": [(6, 0, [internal, group_id])],
            },
        )
    account_id = admin.call(
        ACCOUNT_MODEL,
        "create",
        _account_values(mailbox, name="Bench group mailbox", group_id=group_id),
    )
    sessions = []
    for login in logins:
        session = OdooSession(odoo.url)
        session.authenticate(odoo.database, login, password)
        sessions.append(session)
    return sessions, account_id


def _connections_now(servers: MailServers, address: str) -> int | None:
    """How many IMAP connections of `address` Dovecot has open (`doveadm who`), or None."""
    result = subprocess.run(
        ["doveadm", "-c", str(servers.dovecot.config_path), "who", "-1", address],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    return sum(1 for line in result.stdout.splitlines() if line.startswith(address))


class _ConnectionSampler:
    """The most connections of one address open at once while it runs (doveadm who)."""

    def __init__(self, servers: MailServers, address: str):
        self.servers, self.address = servers, address
        self.peak: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            count = _connections_now(self.servers, self.address)
            if count is not None:
                self.peak = max(self.peak or 0, count)
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join(10)


def _concurrent_run(servers, sessions, account_id, folder, mailbox) -> dict:
    """Every session pages `folder` CONCURRENT_ROUNDS times at once; the figures."""
    times = {name: [] for name, _offset in PAGES}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sessions) + 1)

    def user(session):
        start.wait()
        for _round in range(CONCURRENT_ROUNDS):
            for name, offset in PAGES:
                args = (ACCOUNT_MODEL, "client_page", [account_id], folder, "date", True)
                try:
                    elapsed = _timed_call(session, *args, offset, PAGE)
                except (RpcError, OSError) as error:
                    with lock:
                        errors.append(str(error).splitlines()[0][:200])
                    continue
                with lock:
                    times[name].append(elapsed)

    log = servers.dovecot.log()
    marker = f"Login: user=<{mailbox.user}>"
    logins_before, refused_before = log.count(marker), log.count(REFUSED_LOGIN)
    threads = [threading.Thread(target=user, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    with _ConnectionSampler(servers, mailbox.user) as sampler:
        started = time.perf_counter()
        start.wait()
        for thread in threads:
            thread.join(600)
        seconds = time.perf_counter() - started
    time.sleep(0.5)  # Dovecot writes its log in a process of its own
    log = servers.dovecot.log()
    served = sum(len(samples) for samples in times.values())
    figures = {
        "users": len(sessions),
        "requests": served + len(errors),
        "requests_per_s": round(served / seconds, 1),
        "errors": len(errors),
        "too_many_connections": sum("connections" in error.lower() for error in errors)
        + log.count(REFUSED_LOGIN)
        - refused_before,
        "dovecot_logins": log.count(marker) - logins_before,
        "peak_connections": sampler.peak,
        "error_samples": sorted(set(errors))[:3],
    }
    for name, samples in times.items():
        if samples:
            figures[name] = _ms_figures(samples)
    return figures


def bench_concurrency(servers, mailbox, work, folder, user_counts) -> dict:
    result = {"odoo_workers": CONCURRENT_WORKERS, "folder": folder, "runs": []}
    with throwaway_database("bench-concurrency") as (config, database):
        odoo = OdooServer(config, database, work / "odoo-workers.log", CONCURRENT_WORKERS)
        print(f"== starting Odoo (--workers={CONCURRENT_WORKERS}) on {odoo.url}", flush=True)
        try:
            marker = f"Login: user=<{mailbox.user}>"
            logins_before = servers.dovecot.log().count(marker)
            odoo.start()
            sessions, account_id = _group_mailbox(odoo, mailbox, max(user_counts))
            for session in sessions:  # every worker has met the folder once
                session.call(ACCOUNT_MODEL, "client_page", [account_id], folder, "date", True)
            print(
                f"\n{folder}, Odoo --workers={CONCURRENT_WORKERS}, one group mailbox, "
                f"{CONCURRENT_ROUNDS} rounds of page 1 + page 2 per user (ms):\n"
                f"{'users':>5} {'first p50':>10} {'p95':>8} {'next p50':>10} {'p95':>8} "
                f"{'req/s':>7} {'logins':>7} {'peak conn':>10} {'errors':>7} {'too many':>9}",
                flush=True,
            )
            for users in user_counts:
                run = _concurrent_run(servers, sessions[:users], account_id, folder, mailbox)
                result["runs"].append(run)
                first, following = run.get("first", {}), run.get("next", {})
                print(
                    f"{users:>5} {first.get('p50_ms', 'n/a'):>10} {first.get('p95_ms', 'n/a'):>8} "
                    f"{following.get('p50_ms', 'n/a'):>10} {following.get('p95_ms', 'n/a'):>8} "
                    f"{run['requests_per_s']:>7} {run['dovecot_logins']:>7} "
                    f"{run['peak_connections']!s:>10} {run['errors']:>7} "
                    f"{run['too_many_connections']:>9}",
                    flush=True,
                )
                for sample in run["error_samples"]:
                    print(f"      error: {sample}", flush=True)
            # Saving the account tests the login, then each worker logs in on its first page.
            result["dovecot_logins_total"] = servers.dovecot.log().count(marker) - logins_before
            print(
                f"Dovecot logins of the mailbox since Odoo started, warm-up included: "
                f"{result['dovecot_logins_total']}\n",
                flush=True,
            )
        finally:
            odoo.stop()
    return result


def _odoo_sections_or_reason(servers, mailbox, work, sizes, repeat, sections) -> dict:
    """The end-to-end and the concurrency figures, or why there are none."""
    found = {}
    try:
        if "end_to_end" in sections:
            with throwaway_database("bench-e2e") as (config, database):
                odoo = OdooServer(config, database, work / "odoo-e2e.log")
                print(f"== starting Odoo (--workers=0) on {odoo.url}", flush=True)
                try:
                    odoo.start()
                    user, account_id = _bench_account(odoo, mailbox)
                    found["end_to_end"] = bench_end_to_end(
                        odoo, user, account_id, sizes, repeat, mailbox
                    )
                finally:
                    odoo.stop()
        if "concurrency" in sections:
            found["concurrency"] = bench_concurrency(
                servers, mailbox, work, f"bench-{min(sizes)}", sections["concurrency"]
            )
        return found
    except subprocess.CalledProcessError:
        reason = f"{ADDON} did not install (see the output above)"
    except (RpcError, OSError, RuntimeError) as error:
        reason = f"{type(error).__name__}: {str(error)[:300]}"
    print(f"!! Odoo's end-to-end figures were not measured: {reason}", flush=True)
    return {**found, "odoo_sections": {"status": "not measured", "reason": reason}}
