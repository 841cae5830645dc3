"""Faults a real server cannot produce on demand, from a small fake IMAP server speaking
TLS with this run's certificates; and a folder renumbered between two requests, on the
real Dovecot.

Each fault must reach the user as one of our MailServiceErrors within the configured
timeout (plus a second of slack), and the next request through the pool must work.
"""

import re
import socket
import ssl
import threading
import time

import pytest

from odoo.addons.dynaoffice_mail.services import actions, exceptions, folders
from odoo.addons.dynaoffice_mail.services.config import ImapSettings, Security
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.services.pool import ConnectionPool
from odoo.addons.dynaoffice_mail.tests.common import build_message

TIMEOUT = 1.0
CAPABILITIES = b"IMAP4rev1 UNSELECT UIDPLUS"

_MESSAGES = {
    1: (b"\\Seen", b"Angebot"),
    2: (b"", b"Rechnung"),
    3: (b"\\Flagged", b"Termin"),
}


def _fetch_line(seq: int) -> bytes:
    flags, subject = _MESSAGES[seq]
    return (
        b"* %d FETCH (UID %d FLAGS (%s) RFC822.SIZE 120 "
        b'INTERNALDATE "01-Jun-2024 12:00:00 +0000" '
        b'ENVELOPE ("Sat, 01 Jun 2024 12:00:00 +0000" "%s" (("Kunde" NIL "kunde" "example.com")) '
        b'NIL NIL (("Team" NIL "team" "example.com")) NIL NIL NIL "<%d@example.com>") '
        b'BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL))'
        b"\r\n" % (seq, seq, flags, subject, seq)
    )


class FakeImapServer:
    """Just enough IMAP (over TLS) for `page_messages` and `list_folders`.

    `faults` lists what the 1st, 2nd, ... connection does wrong; later connections behave.
    Setting `stall_next_fetch` makes the next FETCH on any connection go unanswered.
    """

    def __init__(self, certificates):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certificates.server_cert, certificates.server_key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.faults: list[str] = []
        self.stall_next_fetch = threading.Event()
        self.connections = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self.listener.close()

    def _accept(self):
        while not self._stop.is_set():
            try:
                raw, _address = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            fault = self.faults.pop(0) if self.faults else None
            thread = threading.Thread(target=self._serve, args=(raw, fault), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, raw, fault):
        raw.settimeout(5)
        try:
            with self.context.wrap_socket(raw, server_side=True) as conn:
                conn.sendall(b"* OK [CAPABILITY " + CAPABILITIES + b"] fake IMAP ready\r\n")
                if fault == "stall after greeting":
                    self._stall(conn)
                    return
                self._converse(conn, fault)
        except OSError:
            return  # the client went away, as clients do in these tests

    def _converse(self, conn, fault):
        reader = conn.makefile("rb")
        while not self._stop.is_set():
            line = reader.readline()
            if not line:
                return
            tag, command, args = (line.rstrip(b"\r\n").split(b" ", 2) + [b""])[:3]
            command = command.upper()
            if command == b"UID":
                command, _, args = args.partition(b" ")
                command = command.upper()
            if command == b"FETCH":
                if self.stall_next_fetch.is_set():
                    self.stall_next_fetch.clear()
                    self._stall(conn)
                    return
                if fault == "cut mid-FETCH":
                    conn.sendall(_fetch_line(1) + _fetch_line(2)[:60])
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                if fault == "garbage":
                    conn.sendall(b"\x16\x03\x01 these bytes are not IMAP\r\n")
                    continue
                if fault == "unreadable FETCH":
                    fault = None  # once: the connection behaves afterwards
                    conn.sendall(b"* 1 FETCH (UID 1 FLAGS (\\Seen) ENVELOPE (((\r\n")
                    conn.sendall(tag + b" OK FETCH completed\r\n")
                    continue
            conn.sendall(self._answer(tag, command, args))
            if command == b"LOGOUT":
                return

    def _answer(self, tag, command, args) -> bytes:
        ok = tag + b" OK " + command + b" completed\r\n"
        if command == b"CAPABILITY":
            return b"* CAPABILITY " + CAPABILITIES + b"\r\n" + ok
        if command in (b"LOGIN", b"NOOP", b"UNSELECT"):
            return ok
        if command in (b"SELECT", b"EXAMINE"):
            return (
                (
                    b"* FLAGS (\\Seen \\Flagged)\r\n* %d EXISTS\r\n* 0 RECENT\r\n"
                    b"* OK [UIDVALIDITY 7] UIDs valid\r\n* OK [UIDNEXT 4] next UID\r\n"
                    % len(_MESSAGES)
                )
                + tag
                + b" OK [READ-WRITE] SELECT completed\r\n"
            )
        if command == b"FETCH":
            first, last = (int(number) for number in re.match(rb"(\d+):(\d+)", args).groups())
            lines = b"".join(_fetch_line(seq) for seq in range(first, last + 1))
            return lines + ok
        if command == b"LIST":
            return b'* LIST (\\HasNoChildren) "/" INBOX\r\n' + ok
        if command == b"STATUS":
            return b"* STATUS INBOX (MESSAGES 3 UNSEEN 1)\r\n" + ok
        if command == b"LOGOUT":
            return b"* BYE fake IMAP says goodbye\r\n" + ok
        return tag + b" BAD unknown command\r\n"

    def _stall(self, conn):
        """Read whatever comes and answer nothing, until the client gives up."""
        conn.settimeout(0.1)
        while not self._stop.is_set():
            try:
                if not conn.recv(4096):
                    return
            except TimeoutError:
                continue


@pytest.fixture
def fake_server(mail_servers):
    server = FakeImapServer(mail_servers.certificates)
    yield server
    server.stop()


@pytest.fixture
def fake_settings(mail_servers, fake_server):
    return ImapSettings(
        host="localhost",
        port=fake_server.port,
        security=Security.SSL,
        username="kunde@example.com",
        password="secret",
        ca_pem=mail_servers.certificates.ca_pem,
        timeout=TIMEOUT,
        allow_private_hosts=True,
    )


def _subjects(client):
    return [message.subject for message in page_messages(client, "INBOX").messages]


def _fails_in_time(pool, settings, expected):
    started = time.monotonic()
    with pytest.raises(expected) as caught:
        pool.run("account-1", settings, _subjects, safe=True)
    assert time.monotonic() - started < settings.timeout + 1
    return caught.value


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("cut mid-FETCH", exceptions.ProtocolError),
        ("stall after greeting", exceptions.ConnectionTimeoutError),
        ("garbage", exceptions.ProtocolError),
    ],
)
def test_broken_connection_fails_in_time_and_the_next_request_works(
    fake_server, fake_settings, fault, expected
):
    fake_server.faults = [fault]
    pool = ConnectionPool()
    _fails_in_time(pool, fake_settings, expected)
    assert pool.stats.idle == 0  # the broken connection was not pooled
    assert pool.run("account-1", fake_settings, _subjects, safe=True) == [
        "Termin",
        "Rechnung",
        "Angebot",
    ]
    assert fake_server.connections == 2
    pool.clear()


def test_unreadable_answer_fails_but_keeps_the_connection(fake_server, fake_settings):
    fake_server.faults = ["unreadable FETCH"]
    pool = ConnectionPool()
    _fails_in_time(pool, fake_settings, exceptions.ProtocolError)
    # The answer was complete, so the connection is still in step with the server.
    assert pool.run("account-1", fake_settings, _subjects, safe=True)[0] == "Termin"
    assert (fake_server.connections, pool.stats.reused) == (1, 1)
    pool.clear()


def test_stall_on_a_pooled_connection_is_not_waited_out_twice(fake_server, fake_settings):
    pool = ConnectionPool()
    pool.run("account-1", fake_settings, _subjects, safe=True)
    fake_server.stall_next_fetch.set()
    # A read is tried again on a connection that was closed, not on one that timed out.
    _fails_in_time(pool, fake_settings, exceptions.ConnectionTimeoutError)
    assert pool.run("account-1", fake_settings, _subjects, safe=True)[0] == "Termin"
    assert fake_server.connections == 2
    pool.clear()


def test_folder_renumbered_between_requests(mail_servers, mailbox):
    address, password = mailbox
    settings = ImapSettings(
        host="localhost",
        port=mail_servers.ports.imaps,
        security=Security.SSL,
        username=address,
        password=password,
        ca_pem=mail_servers.certificates.ca_pem,
        timeout=5,
        allow_private_hosts=True,
    )
    pool = ConnectionPool()
    with pool.session("other mail program", settings) as other:
        folders.create_folder(other, "Projekte")
        other.append("Projekte", build_message("Alt"))
    listed = pool.run("account-1", settings, lambda c: page_messages(c, "Projekte"), safe=True)

    with pool.session("other mail program", settings) as other:
        folders.delete_folder(other, "Projekte")
        folders.create_folder(other, "Projekte")
        other.append("Projekte", build_message("Neu"))  # gets UID 1 again

    polled = pool.run(
        "account-1", settings, lambda c: folders.folder_state(c, "Projekte"), safe=True
    )
    assert polled.uidvalidity != listed.uidvalidity

    def mark_seen_from_old_list(client):
        uids = [message.uid for message in listed.messages]
        actions.set_flag(client, "Projekte", listed.uidvalidity, uids, "seen", True)

    with pytest.raises(actions.UidValidityChangedError):
        pool.run("account-1", settings, mark_seen_from_old_list, safe=False)
    reloaded = pool.run("account-1", settings, lambda c: page_messages(c, "Projekte"), safe=True)
    assert [(m.subject, m.seen) for m in reloaded.messages] == [("Neu", False)]
    assert reloaded.uidvalidity == polled.uidvalidity
    pool.clear()
