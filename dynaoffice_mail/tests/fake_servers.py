"""Servers that misbehave on demand, for the faults a real server cannot produce when asked:
a connection cut in the middle of an answer, a stall, garbage, an SMTP server that drops
the connection after DATA.

All of them speak TLS with the certificate of this test run's CA, so the code under test
verifies them exactly as it verifies Dovecot and the real SMTP server.

- `FakeImapServer`: just enough IMAP for `page_messages` and `list_folders`, with canned
  messages (the services tests).
- `FaultyImapProxy`: the real Dovecot behind a TLS proxy that relays every byte unless a
  fault is armed; the model tests use it, so that everything but the fault is real.
- `FakeSmtpServer`: just enough ESMTP (implicit TLS, AUTH PLAIN) to take a message, and
  to drop the connection or stall after the message's final dot.
"""

import base64
import re
import select
import socket
import ssl
import threading

CAPABILITIES = b"IMAP4rev1 UNSELECT UIDPLUS"

MESSAGES = {
    1: (b"\\Seen", b"Angebot"),
    2: (b"", b"Rechnung"),
    3: (b"\\Flagged", b"Termin"),
}
# What the FakeImapServer and the proxy send for "garbage": a TLS record header, then text.
GARBAGE = b"\x16\x03\x01 these bytes are not IMAP\r\n"


def _fetch_line(seq: int) -> bytes:
    flags, subject = MESSAGES[seq]
    return (
        b"* %d FETCH (UID %d FLAGS (%s) RFC822.SIZE 120 "
        b'INTERNALDATE "01-Jun-2024 12:00:00 +0000" '
        b'ENVELOPE ("Sat, 01 Jun 2024 12:00:00 +0000" "%s" (("Kunde" NIL "kunde" "example.com")) '
        b'NIL NIL (("Team" NIL "team" "example.com")) NIL NIL NIL "<%d@example.com>") '
        b'BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL))'
        b"\r\n" % (seq, seq, flags, subject, seq)
    )


def _server_context(certificates) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.server_cert, certificates.server_key)
    return context


class _Listener:
    """A loopback listener that hands each connection to `_serve` in a thread of its own."""

    def __init__(self, certificates):
        self.context = _server_context(certificates)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
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
            thread = threading.Thread(target=self._serve_quietly, args=(raw,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve_quietly(self, raw):
        raw.settimeout(5)
        try:
            with self.context.wrap_socket(raw, server_side=True) as conn:
                self._serve(conn)
        except OSError:
            return  # the client went away, as clients do in these tests

    def _serve(self, conn):
        raise NotImplementedError

    def _stall(self, conn):
        """Read whatever comes and answer nothing, until the client gives up."""
        conn.settimeout(0.1)
        while not self._stop.is_set():
            try:
                if not conn.recv(4096):
                    return
            except TimeoutError:
                continue


class FakeImapServer(_Listener):
    """Just enough IMAP (over TLS) for `page_messages` and `list_folders`.

    `faults` lists what the 1st, 2nd, ... connection does wrong; later connections behave.
    Setting `stall_next_fetch` makes the next FETCH on any connection go unanswered.
    """

    def __init__(self, certificates):
        self.faults: list[str] = []
        self.stall_next_fetch = threading.Event()
        # What clients sent with LOGIN: the server takes any password, as an attacker's
        # server would, and keeps it.
        self.logins: list[bytes] = []
        super().__init__(certificates)

    def _serve(self, conn):
        fault = self.faults.pop(0) if self.faults else None
        conn.sendall(b"* OK [CAPABILITY " + CAPABILITIES + b"] fake IMAP ready\r\n")
        if fault == "stall after greeting":
            self._stall(conn)
            return
        self._converse(conn, fault)

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
            if command == b"LOGIN":
                self.logins.append(args)
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
                    conn.sendall(GARBAGE)
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
                    % len(MESSAGES)
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


# A command line of the client, by its name: "a12 UID FETCH ..." or "a3 LIST ...".
_COMMAND = re.compile(rb"(?m)^[!#-'*-Z^-z|~]+ (?:UID )?([A-Za-z]+)[ \r]")


class FaultyImapProxy(_Listener):
    """The real Dovecot (IMAPS) behind a TLS proxy that relays faithfully until told not to.

    `arm(fault, command)` makes the next `command` (b"FETCH", b"LIST", ...) that any
    connection sends go wrong, once:

    - "cut": the server's answer is passed on only halfway, then both sides are closed;
    - "garbage": the answer is replaced with bytes that are not IMAP;
    - "stall": the command reaches the server, its answer never reaches the client.

    `arm("stall after greeting")` makes the next new connection get the server's greeting
    and then nothing more. `fired` counts the faults that happened.
    """

    def __init__(self, certificates, upstream_port):
        self.upstream_port = upstream_port
        self.upstream_context = ssl.create_default_context(cafile=str(certificates.ca_cert))
        self.fired = 0
        self._armed = None  # (fault, command)
        self._lock = threading.Lock()
        super().__init__(certificates)

    def arm(self, fault, command=None):
        with self._lock:
            self._armed = (fault, command)

    def disarm(self):
        with self._lock:
            self._armed = None

    def _take(self, fault, command=None):
        """The armed fault if it is `fault` for `command`, taken (it strikes once)."""
        with self._lock:
            if self._armed is None or self._armed[0] != fault:
                return False
            if command is not None and self._armed[1] != command:
                return False
            self._armed = None
            self.fired += 1
            return True

    def _serve(self, conn):
        raw = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        with self.upstream_context.wrap_socket(raw, server_hostname="localhost") as upstream:
            greeting = upstream.recv(65536)
            conn.sendall(greeting)
            if self._take("stall after greeting"):
                self._stall(conn)
                return
            self._relay(conn, upstream)

    def _relay(self, conn, upstream):
        """Both directions in one thread (an SSL socket is not for two threads at once)."""
        pending = None  # what goes wrong with the answer to the command just relayed
        while not self._stop.is_set():
            ready = [sock for sock in (conn, upstream) if sock.pending()]
            if not ready:
                ready, _w, _x = select.select([conn, upstream], [], [], 0.1)
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                if sock is conn:
                    if pending == "stall":
                        continue  # the client waits for an answer it will not get
                    for command in _COMMAND.findall(data):
                        for fault in ("cut", "garbage", "stall"):
                            if self._take(fault, command.upper()):
                                pending = fault
                    upstream.sendall(data)
                    continue
                if pending == "stall":
                    continue
                if pending == "garbage":
                    pending = None
                    conn.sendall(GARBAGE)
                    continue
                if pending == "cut":
                    # Half of the answer, then the line goes dead: cut within the FETCH (or
                    # whatever was asked), never between two answers.
                    conn.sendall(data[: max(1, len(data) // 2)])
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                conn.sendall(data)


class FakeSmtpServer(_Listener):
    """Just enough ESMTP over implicit TLS to take messages (AUTH PLAIN accepts anyone).

    `faults` lists what happens after the final dot of the 1st, 2nd, ... message:
    "drop after DATA" closes the connection without an answer, "stall after DATA" never
    answers; later messages get "250". `received` holds the bytes of every message whose
    final dot arrived, answered or not: what the server could have delivered.
    """

    def __init__(self, certificates):
        self.faults: list[str] = []
        self.received: list[bytes] = []
        self.recipients: list[list[str]] = []
        # The AUTH PLAIN answers clients sent (user and password, as an attacker keeps them).
        self.logins: list[bytes] = []
        super().__init__(certificates)

    def _serve(self, conn):
        reader = conn.makefile("rb")
        conn.sendall(b"220 fake ESMTP ready\r\n")
        recipients = []
        while not self._stop.is_set():
            line = reader.readline(4096)
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                conn.sendall(b"250-fake\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SIZE 50000000\r\n")
            elif verb == b"AUTH":
                answer = line.split()[2:]
                if not answer:  # no initial response: ask for it
                    conn.sendall(b"334 \r\n")
                    answer = [reader.readline(4096).strip()]
                self.logins.append(base64.b64decode(answer[0]))
                conn.sendall(b"235 2.7.0 accepted\r\n")
            elif verb == b"MAIL":
                recipients = []
                conn.sendall(b"250 2.1.0 OK\r\n")
            elif verb == b"RCPT":
                recipients.append(line[8:].strip().decode("ascii", "replace"))
                conn.sendall(b"250 2.1.5 OK\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                if not self._take_message(conn, reader, recipients):
                    return
            elif verb == b"QUIT":
                conn.sendall(b"221 2.0.0 bye\r\n")
                return
            elif verb in (b"RSET", b"NOOP"):
                conn.sendall(b"250 2.0.0 OK\r\n")
            else:
                conn.sendall(b"502 5.5.2 not here\r\n")

    def _take_message(self, conn, reader, recipients) -> bool:
        lines = []
        while True:
            line = reader.readline()
            if not line:
                return False
            if line == b".\r\n":
                break
            lines.append(line[1:] if line.startswith(b".") else line)
        self.received.append(b"".join(lines))
        self.recipients.append(list(recipients))
        fault = self.faults.pop(0) if self.faults else None
        if fault == "drop after DATA":
            conn.shutdown(socket.SHUT_RDWR)
            return False
        if fault == "stall after DATA":
            self._stall(conn)
            return False
        conn.sendall(b"250 2.0.0 queued\r\n")
        return True
