"""IMAP connections on top of imapclient, opened through vetted sockets with verified TLS."""

import collections
import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import imapclient
from imapclient.exceptions import CapabilityError, IMAPClientError, LoginError
from imapclient.exceptions import ProtocolError as UnparsableError
from imapclient.imapclient import seq_to_parenstr
from imapclient.util import to_bytes

from . import auth, limits, net
from .config import ImapSettings, Security
from .exceptions import (
    AuthenticationError,
    AuthMethodRefusedError,
    ConnectionFailedError,
    InvalidInputError,
    MailServiceError,
    NonAsciiCredentialsError,
    ProtocolError,
    TlsNotOfferedError,
    UidValidityChangedError,
)
from .fetch_parser import parse_fetch
from .refs import MessageRef
from .uidsets import compress_uids, set_ranges

# A folder this connection brought up to date less than this many seconds ago, with no
# command but reads since, is not asked again (no NOOP) by ensure_selected(recent=True). Off:
# what it saves is one NOOP on the loopback or LAN (0.2 ms against Dovecot, `make bench`),
# while a change made meanwhile through another connection (another Odoo worker deleting or
# marking the user's mail) would not show on a list reloaded right after it.
RECHECK_AFTER = 0.0
# Dovecot 2.3 keeps what it read of a Maildir folder's list of UIDs each time a session
# synchronises a message another process added (about 7.5 MB per new mail and 100,000
# messages of the folder, any client alike) until the session selects a folder again, and
# ends the session at its vsz_limit (256 MB by default: at 200,000 messages after some ten
# new mails); the pool then logs in again and the server sorts anew, seconds for the page.
# So a connection selects its folder again instead of its NOOP once the new mails it
# synchronised there since the SELECT, each counted with the folder's size then, add up to
# this many messages (at 200,000 messages every five new mails; a SELECT costs 0.4 s there,
# the NOOP after new mail 0.08 s; a folder of 1,000 messages, every thousand, 1 ms).
RESELECT_AFTER_GROWTH = 1_000_000
_FETCH_MODSEQ = re.compile(rb"\bMODSEQ \((\d+)\)", re.IGNORECASE)
# An untagged FETCH answer's first line, as imaplib's Untagged_status reads it: the message
# number, the name, and something after it.
_UNTAGGED_FETCH = re.compile(rb"\* ([0-9]+) FETCH (?=.)", re.DOTALL)

# Where imapclient sends imaplib's debug output (its IMAPlibLoggerAdapter, which hides the
# arguments of LOGIN and AUTHENTICATE).
_IMAPLIB_LOGGER = logging.getLogger("imapclient.imaplib")

# A Message-ID as SEARCH is asked for it: printable ASCII without blanks, as mail programs
# write them ("<left@right>", and the odd one without brackets or @).
_MESSAGE_ID = re.compile(rf"[\x21-\x7e]{{1,{limits.MAX_MESSAGE_ID_LENGTH}}}")


class UnreadableFetchError(ProtocolError):
    """imapclient could not parse the server's answer to a FETCH (most likely the
    BODYSTRUCTURE of a broken message): a protocol error to the user, a reason to ask
    again for less to whoever fetched."""


@dataclass(frozen=True)
class SelectedFolder:
    """The folder a connection has selected, as the SELECT response described it."""

    name: str
    uidvalidity: int
    readonly: bool
    # The UIDNEXT the SELECT said (0 if it did not): every message that arrives later has
    # a UID at least as high.
    uidnext: int = 0


class _VettedIMAP4(imaplib.IMAP4):
    """imaplib's connection, but opened by net.connect (and TLS-wrapped for implicit TLS)."""

    def __init__(self, settings: ImapSettings, context: ssl.SSLContext | None):
        self._settings = settings
        self._context = context
        # The selected folder's size as the server last told it. Kept here because EXISTS
        # and EXPUNGE can arrive after any command, and only their order gives the count.
        self.message_count: int | None = None
        # The selected folder's HIGHESTMODSEQ (RFC 7162) as the server last told it, in the
        # answers to SELECT, NOOP and others once CONDSTORE is enabled; None without.
        self.highest_modseq: int | None = None
        # While a NOOP runs (see SyncChanges.noop): its untagged FETCH and VANISHED answers.
        self.sync_log: list | None = None
        # The last VANISHED answers of the selected folder (its expunges, the connection's
        # own MOVEs included): UIDs are never given twice, so a page that holds one is
        # surely changed.
        self.expunged: collections.deque = collections.deque(maxlen=limits.MAX_KEPT_EXPUNGES)
        # The answer's line _get_response() read and handed on to imaplib's (see there).
        self._unread: bytes | None = None
        # (tag, function): each untagged FETCH answer is given to the function as it is
        # read, until the command sent under the tag is answered (see watch_answers).
        self.fetch_watch: tuple[bytes, Callable] | None = None
        super().__init__(settings.host, settings.port, timeout=settings.timeout)

    # imapclient turns imaplib's debug output on for good (level 5) and sends it to the
    # "imapclient.imaplib" logger, so imaplib formats every line it reads and every answer
    # it files, for a page of the list as much again as parsing it, whether or not anybody
    # logs at DEBUG. Here the level follows that logger, asked each time: 5 while it logs
    # at DEBUG, else 0; and 0 before imapclient has sent the output there (its `_mesg`), as
    # it was, rather than to imaplib's own, stderr.
    @property
    def debug(self) -> int:
        if "_mesg" in self.__dict__ and _IMAPLIB_LOGGER.isEnabledFor(logging.DEBUG):
            return 5
        return 0

    @debug.setter
    def debug(self, level):
        """Set by imaplib and imapclient; the logger decides (see above)."""

    def _get_line(self):
        # imaplib's, but a line is formatted only for a log that is written (see debug); and
        # first the line _get_response() read and left to imaplib's.
        if self._unread is not None:
            line, self._unread = self._unread, None
            return line
        line = self._next_line()
        if self.debug >= 4:
            self._mesg(f"< {line!r}")
        return line

    def _next_line(self) -> bytes:
        """The next line, without its CRLF (imaplib's _get_line() without the log)."""
        line = self.readline()
        if not line:
            raise self.abort("socket error: EOF")
        if not line.endswith(b"\r\n"):
            raise self.abort(f"socket error: unterminated line: {line!r}")
        return line[:-2]

    def _log(self, line):
        """imaplib keeps the last lines, commands and LOGIN among them, for print_log()
        while not debugging; nothing is kept here."""

    def _get_response(self):
        """imaplib's, in half the time for an untagged FETCH answer while nothing is logged
        (the list's page reads 50 of them, imaplib 6 µs each): its lines and literals are
        kept as imaplib keeps them. Any other answer goes imaplib's way."""
        if self.debug:
            return super()._get_response()
        line = self._next_line()
        found = _UNTAGGED_FETCH.match(line)
        if found is None:
            self._unread = line
            return super()._get_response()
        # As imaplib's Untagged_status makes it: the number, a blank, what follows the name.
        dat = found[1] + b" " + line[found.end() :]
        while dat[-1:] == b"}":  # imaplib's Literal: a line that ends in {size}
            start = dat.rfind(b"{")
            size = dat[start + 1 : -1]
            if start < 0 or not size.isdigit():
                break
            self._append_fetch((dat, self.read(int(size))))
            dat = self._next_line()
        self._append_fetch(dat)
        return line

    def _append_fetch(self, dat):
        """_append_untagged("FETCH", dat) while nothing is logged."""
        if self.sync_log is not None:
            self.sync_log.append(("FETCH", dat))
        self._note_fetch(dat)
        answers = self.untagged_responses.get("FETCH")
        if answers is None:
            self.untagged_responses["FETCH"] = [dat]
        else:
            answers.append(dat)

    def _note_fetch(self, dat):
        """What an untagged FETCH answer tells: a higher MODSEQ, and to the watch while its
        command waits for its answer (see watch_answers)."""
        if self.highest_modseq is not None and type(dat) is bytes:
            # The search's own scan of a list's long answer costs more than reading it.
            modseq = _FETCH_MODSEQ.search(dat) if b"MODSEQ" in dat.upper() else None
            if modseq and int(modseq.group(1)) > self.highest_modseq:
                # Another client changed flags (Dovecot says no HIGHESTMODSEQ then): each
                # changed message comes with its new MODSEQ, and the highest is the folder's.
                self.highest_modseq = int(modseq.group(1))
        if self.fetch_watch is not None:
            tag, watch = self.fetch_watch
            if self.tagged_commands.get(tag, False) is None:
                watch(dat)

    def _append_untagged(self, typ, dat):
        if self.sync_log is not None and typ in ("FETCH", "VANISHED"):
            self.sync_log.append((typ, dat))
        # A new mail or an expunge announced without the HIGHESTMODSEQ it led to (that comes
        # in the tagged answer of a NOOP, after these) leaves the folder's state unknown.
        if typ == "EXISTS":
            if int(dat) != self.message_count:
                self.highest_modseq = None
            self.message_count = int(dat)
        elif typ == "EXPUNGE":
            self.highest_modseq = None
            if self.message_count:
                self.message_count -= 1
        elif typ == "VANISHED" and not dat.upper().startswith(b"(EARLIER)"):
            # QRESYNC's EXPUNGE: the UIDs that are gone (EARLIER: gone before, counted).
            self.highest_modseq = None
            self.expunged.append(dat)
            if self.message_count:
                self.message_count = max(0, self.message_count - _set_size(dat))
        elif typ == "FETCH":
            self._note_fetch(dat)
        elif typ == "HIGHESTMODSEQ":
            self.highest_modseq = int(dat) if dat.isdigit() else None
        elif typ == "NOMODSEQ":
            self.highest_modseq = None
        return super()._append_untagged(typ, dat)

    def _get_tagged_response(self, tag, expect_bye=False):
        try:
            return super()._get_tagged_response(tag, expect_bye)
        finally:
            if self.fetch_watch is not None and self.fetch_watch[0] == tag:
                self.fetch_watch = None  # answered (or the connection broke)

    def readline(self):
        # imaplib refuses lines over 1 MB; a plain SORT or SEARCH answer (servers without
        # ESORT/ESEARCH) for 150,000 messages is longer. limits.MAX_FALLBACK_RESULTS
        # bounds what we accept instead.
        line = self.file.readline(limits.MAX_LINE + 1)
        if len(line) > limits.MAX_LINE:
            raise self.error(f"got more than {limits.MAX_LINE} bytes in one line")
        return line

    def _create_socket(self, timeout=None):
        sock = net.connect(
            self.host, self.port, self._settings.timeout, self._settings.allow_private_hosts
        )
        # Each command goes out as it is written: commands sent together (a NOOP and the
        # FETCH behind it, see services.messages._guess_ahead) would otherwise wait for the
        # server's answer to the first (Nagle's algorithm holds a small write back until
        # the last one is acknowledged, and the server acknowledges with its answer).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._context is None:
            return sock
        try:
            return self._context.wrap_socket(sock, server_hostname=self.host)
        except (ssl.SSLError, OSError) as error:
            sock.close()
            raise net.translate_ssl_error(error, self.host) from error


def _set_size(uid_set: bytes) -> int:
    """How many UIDs a set such as b"2,5:7" names (0 for one that cannot be read)."""
    ranges = set_ranges(uid_set)
    return sum(high - low + 1 for low, high in ranges) if ranges else 0


class VettedIMAPClient(imapclient.IMAPClient):
    def __init__(self, settings: ImapSettings, context: ssl.SSLContext | None):
        self._settings = settings
        self._vetted_context = context
        super().__init__(settings.host, port=settings.port, ssl=False, timeout=settings.timeout)

    def _create_IMAP4(self):
        return _VettedIMAP4(self._settings, self._vetted_context)

    # A pooled connection is handed from request to request; remembering what it selected
    # saves a SELECT (one round trip and the server's mailbox sync) on every page.
    selected_folder: SelectedFolder | None = None
    # Whether CONDSTORE is enabled on this connection (see select_folder), and QRESYNC with
    # it (which also names the expunged messages of a FETCH's set: `VANISHED (EARLIER)`).
    condstore = False
    qresync = False
    # When the selected folder was last brought up to date (SELECT or NOOP; time.monotonic),
    # and imaplib's tag count after the last command known not to change anything.
    synced_at: float | None = None
    quiet_since_tag: int | None = None
    # What the last NOOP of ensure_selected told (SyncChanges; None: nothing known).
    sync_changes = None
    # The selected folder's size after each NOOP of ensure_selected that brought new mail,
    # summed since the SELECT (see RESELECT_AFTER_GROWTH).
    grown_since_select = 0
    # What a round trip to the server costs, in seconds, as far as measured (round_trip()).
    round_trip: float | None = None

    def select_folder(self, folder, readonly=False):
        self.selected_folder = None
        self.synced_at = None
        self.grown_since_select = 0
        # The flags the server keeps for good in this folder (`\\*`: any new keyword).
        self.permanent_flags = None
        wanted = enable = None
        if not self.condstore and self._imap.state == "AUTH" and self.has_capability("CONDSTORE"):
            # Once enabled, SELECT says the folder's HIGHESTMODSEQ, which changes with every
            # flag, new mail and expunge: the list cache's validator. With QRESYNC (which
            # includes CONDSTORE) Dovecot says it after each NOOP that found a change too.
            # Sent with the SELECT (the server runs them in turn): one round trip for both.
            wanted = "QRESYNC" if self.has_capability("QRESYNC") else "CONDSTORE"
            enable = self._imap._command("ENABLE", wanted)
        self._imap.highest_modseq = None
        self._imap.expunged.clear()
        try:
            response = super().select_folder(folder, readonly)
        finally:
            if enable is not None:
                self.condstore = wanted.encode() in self._enabled(enable)
                self.qresync = self.condstore and wanted == "QRESYNC"
        self.selected_folder = SelectedFolder(
            name=folder,
            uidvalidity=response.get(b"UIDVALIDITY", 0),
            readonly=readonly,
            uidnext=response.get(b"UIDNEXT", 0),
        )
        self.permanent_flags = response.get(b"PERMANENTFLAGS")
        return response

    def _enabled(self, tag: bytes) -> list[bytes]:
        """What the ENABLE sent under `tag` enabled (imapclient's enable()); none where the
        server refused it."""
        typ, data = self._imap._command_complete("ENABLE", tag)
        typ, data = self._imap._untagged_response(typ, data, "ENABLED")
        if typ != "OK" or not data or not data[0]:
            return []
        return [name.upper() for name in data[0].split()]

    def unselect_folder(self):
        self.selected_folder = None
        return super().unselect_folder()

    def close_folder(self):
        self.selected_folder = None
        return super().close_folder()

    @property
    def message_count(self) -> int | None:
        return self._imap.message_count

    @property
    def highest_modseq(self) -> int | None:
        return self._imap.highest_modseq if self.condstore else None

    @property
    def expunged(self):
        """The last VANISHED answers of the selected folder (see _VettedIMAP4.expunged)."""
        return self._imap.expunged


def connect(settings: ImapSettings) -> VettedIMAPClient:
    """Connect and log in; raises a MailServiceError subclass that says what went wrong."""
    for value, what in ((settings.username, "user name"), (settings.password, "password")):
        net.check_wire_safe(value, what)
    context = net.tls_context(settings.ca_pem) if settings.security != Security.NONE else None
    implicit = context if settings.security == Security.SSL else None
    try:
        client = VettedIMAPClient(settings, implicit)
    except MailServiceError:
        raise
    except (ssl.SSLError, OSError) as error:
        raise net.translate_ssl_error(error, settings.host) from error
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        raise ProtocolError(host=settings.host, detail=str(error)) from error
    try:
        if settings.security == Security.STARTTLS:
            try:
                client.starttls(context)
            except CapabilityError as error:
                raise TlsNotOfferedError(host=settings.host) from error
            except (ssl.SSLError, OSError) as error:
                raise net.translate_ssl_error(error, settings.host) from error
        if not settings.sasl_mechanism and client.has_capability("LOGINDISABLED"):
            raise AuthMethodRefusedError(
                host=settings.host, detail="the server disabled LOGIN on this connection"
            )
        auth.log_in(settings, lambda: _log_in(client, settings))
    except BaseException:
        close_quietly(client)
        raise
    return client


def _log_in(client: VettedIMAPClient, settings: ImapSettings):
    """LOGIN, or AUTHENTICATE PLAIN in UTF-8 for what LOGIN cannot carry (RFC 4616), or
    AUTHENTICATE with the settings' SASL mechanism (a login by token)."""
    try:
        if settings.sasl_mechanism:
            _authenticate(client, settings)
        elif not auth.needs_utf8(settings.username, settings.password):
            client.login(settings.username, settings.password)
        elif client.has_capability("AUTH=PLAIN"):
            client.plain_login(settings.username, settings.password)
        else:
            raise NonAsciiCredentialsError(
                host=settings.host, detail="the server offers no AUTHENTICATE PLAIN"
            )
    except LoginError as error:
        raise AuthenticationError(host=settings.host, detail=str(error)) from error
    except (TimeoutError, OSError) as error:
        raise net.translate_os_error(error, settings.host) from error


def _authenticate(client: VettedIMAPClient, settings: ImapSettings):
    mechanism = settings.sasl_mechanism
    if not client.has_capability(f"AUTH={mechanism}"):
        raise AuthMethodRefusedError(
            host=settings.host, detail=f"the server offers no AUTHENTICATE {mechanism}"
        )
    response = settings.sasl_response

    def answer(challenge):
        # The first (empty) challenge gets the response; a server that refuses it sends its
        # reasons as a challenge (XOAUTH2), to which an empty answer ends with NO.
        return b"" if challenge else response

    try:
        client._imap.authenticate(mechanism, answer)
    except imaplib.IMAP4.error as error:
        raise LoginError(str(error)) from error


def check_account(
    settings: ImapSettings, connect: Callable[[ImapSettings], VettedIMAPClient] = connect
) -> list[str]:
    """Log in (through `connect`, the account's login seam) and list the folders: what
    "save" and "test connection" need to know."""
    client = connect(settings)
    try:
        return [name for _flags, _delimiter, name in client.list_folders()]
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        raise ProtocolError(host=settings.host, detail=str(error)) from error
    except OSError as error:
        raise net.translate_os_error(error, settings.host) from error
    finally:
        close_quietly(client)


# What an untagged FETCH that tells of a change holds (parse_fetch's keys); the items that
# only an answer to a FETCH holds (or a literal).
_TOLD_ITEMS = frozenset((b"SEQ", b"UID", b"FLAGS", b"MODSEQ"))
_ASKED_ITEM = re.compile(
    rb"\b(?:ENVELOPE|BODYSTRUCTURE|BODY\[|RFC822\.SIZE|INTERNALDATE|PREVIEW)", re.IGNORECASE
)


def _line_text(line) -> bytes:
    """An answer line as imaplib keeps it, without the literal it may end in."""
    return line[0] if isinstance(line, tuple) else line


@dataclass(frozen=True)
class SyncChanges:
    """What a NOOP on a connection with QRESYNC told of the selected folder: every change
    since the connection last learnt the folder's HIGHESTMODSEQ (`since`), up to the
    HIGHESTMODSEQ it says now (`until`). A row of the list read at `since` or later is
    brought up to date by it alone, without asking the server (services.messages).

    The server tells a connection of every change to its folder since it last told it
    anything (RFC 3501 section 5.2; with QRESYNC each changed message comes with its
    MODSEQ, an expunge as VANISHED): flags as `{uid: (MODSEQ, FLAGS)}`, expunged
    UIDs as the VANISHED answers' sets, each with the HIGHESTMODSEQ its NOOP ended at (an
    expunge told by a NOOP that ended at m happened after whatever was read at m)."""

    since: int
    until: int
    flags: dict
    vanished: tuple[tuple[int, bytes], ...]

    @classmethod
    def noop(cls, client, sent: bytes | None = None) -> "SyncChanges | None":
        """Send a NOOP and read what it told, joined to what the connection's NOOPs told
        before (see after()); None where that is not all that changed (no QRESYNC, no
        HIGHESTMODSEQ known before or after, an unreadable answer). With `sent`, the tag of
        a NOOP sent already with other commands, whose answers may come among its own
        (Dovecot runs a FETCH sent behind a NOOP before the NOOP's sync): an answer without
        MODSEQ that holds more than UID and FLAGS answers such a FETCH and tells no change
        (a change comes with its MODSEQ once CONDSTORE is on, RFC 7162 section 3.1.4)."""
        connection = client._imap
        since = client.highest_modseq if getattr(client, "qresync", False) else None
        connection.sync_log = []
        started = time.monotonic()
        try:
            if sent is None:
                client.noop()
            else:
                connection._get_response()  # the first answer to what was sent with it
                _note_round_trip(client, time.monotonic() - started)
                answer(client, sent, "NOOP", "NOOP")
        finally:
            log, connection.sync_log = connection.sync_log, None
        if sent is None:
            _note_round_trip(client, time.monotonic() - started)
        until = client.highest_modseq
        if since is None or until is None:
            return None
        flags, vanished, lines = {}, [], []
        for typ, data in log:
            if typ == "VANISHED":
                vanished.append((until, data))
                continue
            lines.append(data)
            if isinstance(data, tuple):
                continue  # a line that ends in a literal: the answer goes on
            answer_lines, lines = lines, []
            text = data if len(answer_lines) == 1 else b"".join(map(_line_text, answer_lines))
            if b"MODSEQ" not in text.upper():
                if len(answer_lines) == 1 and not _ASKED_ITEM.search(text):
                    return None  # a change told without its MODSEQ
                continue  # the answer to a FETCH sent with the NOOP (not parsed twice)
            try:
                parsed = parse_fetch(answer_lines, normalise_times=False, uid_is_key=False)
                item = next(iter(parsed.values()))
            except (UnparsableError, ValueError, TypeError, IndexError, StopIteration):
                return None
            uid, modseq = item.get(b"UID"), item.get(b"MODSEQ")
            if modseq is None and not item.keys() <= _TOLD_ITEMS:
                continue  # the answer to a FETCH sent with the NOOP
            if not isinstance(uid, int) or not isinstance(modseq, tuple) or not modseq:
                return None
            if not isinstance(item.get(b"FLAGS"), tuple):
                return None  # a change whose flags it did not say
            if uid not in flags or flags[uid][0] < modseq[0]:
                flags[uid] = (modseq[0], item[b"FLAGS"])
        if lines:
            return None  # an answer cut short
        told = cls(since=since, until=until, flags=flags, vanished=tuple(vanished))
        return told.after(getattr(client, "sync_changes", None))

    def expunged_after(self, modseq: int) -> bool:
        """Whether a message was expunged after HIGHESTMODSEQ `modseq`, as far as told."""
        return any(until > modseq for until, _answer in self.vanished)

    def after(self, earlier: "SyncChanges | None") -> "SyncChanges":
        """These changes and the `earlier` ones told right before them on the connection
        (nothing learnt in between: `earlier.until` is `since`), as one span from
        `earlier.since`; these alone where the two do not join or would hold more than
        limits.MAX_SYNC_CHANGES changed messages."""
        if earlier is None or earlier.until != self.since:
            return self
        flags = {**earlier.flags, **self.flags}
        if len(flags) + len(earlier.vanished) + len(self.vanished) > limits.MAX_SYNC_CHANGES:
            return self
        return SyncChanges(
            since=earlier.since,
            until=self.until,
            flags=flags,
            vanished=earlier.vanished + self.vanished,
        )


def ensure_selected(
    client: imapclient.IMAPClient,
    folder: str,
    *,
    refresh: bool = True,
    recent: bool = False,
    noop_sent: bytes | None = None,
) -> tuple[SelectedFolder, int]:
    """Select `folder` unless the connection already has it; returns it and its message count.

    An already selected folder is brought up to date with a NOOP (unless `refresh` is
    false): servers answer SEARCH, SORT and STORE from the view the connection last
    synchronised, so a pooled connection that selected the folder a minute ago would
    neither list nor touch mail that arrived since (Dovecot does exactly that). With
    `recent`, not when it did so less than RECHECK_AFTER seconds ago and only read since
    (see mark_quiet). `noop_sent`: the tag of that NOOP, sent already where will_sync()
    said it would be (see SyncChanges.noop).
    """
    check_folder_name(folder, "folder name")
    selected = getattr(client, "selected_folder", None)
    if _has_selected(client, folder):
        syncs = noop_sent is not None or (refresh and not (recent and _recently_synced(client)))
        if not syncs:
            return selected, client.message_count
        if noop_sent is not None or not _reselect_due(client):
            before = client.message_count
            client.sync_changes = SyncChanges.noop(client, noop_sent)
            _note_synced(client)
            _note_growth(client, before)
            return selected, client.message_count
        # Selected again instead of the NOOP (see RESELECT_AFTER_GROWTH).
    if noop_sent is not None:
        answer(client, noop_sent, "NOOP", "NOOP")
    client.sync_changes = None
    response = client.select_folder(folder)
    _note_synced(client)
    selected = getattr(client, "selected_folder", None) or SelectedFolder(
        name=folder, uidvalidity=response.get(b"UIDVALIDITY", 0), readonly=False
    )
    return selected, response[b"EXISTS"]


def will_sync(client: imapclient.IMAPClient, folder: str, *, recent: bool = False) -> bool:
    """Whether ensure_selected(client, folder, recent=recent) brings `folder` up to date
    with a NOOP (rather than selecting it, or trusting a view just synchronised): a caller
    may send that NOOP together with its next command (ensure_selected's `noop_sent`)."""
    if not _has_selected(client, folder) or _reselect_due(client):
        return False
    return not (recent and _recently_synced(client))


def round_trip(client) -> float | None:
    """About what a round trip to the server costs, in seconds: the shortest wait so far
    for the answer to a NOOP, or for the first answer to a NOOP sent with other commands
    (SyncChanges.noop); None before the first."""
    return getattr(client, "round_trip", None)


def _note_round_trip(client, seconds: float) -> None:
    if isinstance(client, VettedIMAPClient):
        known = client.round_trip
        client.round_trip = seconds if known is None else min(known, seconds)


def _has_selected(client, folder: str) -> bool:
    """Whether the connection has `folder` selected, with its message count known."""
    selected = getattr(client, "selected_folder", None)
    return selected is not None and selected.name == folder and client.message_count is not None


def reselect_due(grown: int) -> bool:
    """Whether a connection whose syncs brought `grown` (with_growth) selects its folder
    again (RESELECT_AFTER_GROWTH); also the push watcher's rule (services.idle)."""
    return grown >= RESELECT_AFTER_GROWTH


def with_growth(grown: int, before: int | None, count: int | None) -> int:
    """`grown` with a sync that took the folder from `before` to `count` messages: new mail
    counts with the folder's size then (RESELECT_AFTER_GROWTH)."""
    return grown + count if None not in (before, count) and count > before else grown


def _reselect_due(client) -> bool:
    return reselect_due(getattr(client, "grown_since_select", 0))


def _note_growth(client, before: int | None) -> None:
    """Count a NOOP that brought new mail into the selected folder (RESELECT_AFTER_GROWTH)."""
    if isinstance(client, VettedIMAPClient):
        client.grown_since_select = with_growth(
            client.grown_since_select, before, client.message_count
        )


def _note_synced(client) -> None:
    if isinstance(client, VettedIMAPClient):
        client.synced_at = time.monotonic()
        client.quiet_since_tag = client._imap.tagnum


def _recently_synced(client) -> bool:
    synced_at = getattr(client, "synced_at", None)
    if synced_at is None or client.quiet_since_tag != client._imap.tagnum:
        return False
    return time.monotonic() - synced_at < RECHECK_AFTER


def mark_quiet(client) -> None:
    """Say that the commands sent since the folder was brought up to date only read: the
    next ensure_selected(recent=True) may trust that view for a moment more."""
    if isinstance(client, VettedIMAPClient) and client.synced_at is not None:
        client.quiet_since_tag = client._imap.tagnum


def select_checked(
    client: imapclient.IMAPClient,
    folder: str,
    uidvalidity: int,
    *,
    refresh: bool = True,
    noop_sent: bytes | None = None,
) -> SelectedFolder:
    """ensure_selected(), then UidValidityChangedError unless `folder` still has the
    UIDVALIDITY a list was read under: after a renumbering a UID may name another message.
    """
    selected, _count = ensure_selected(client, folder, refresh=refresh, noop_sent=noop_sent)
    if int(uidvalidity) != int(selected.uidvalidity):
        raise UidValidityChangedError(
            host=getattr(client, "host", ""),
            detail=f"{folder} was renumbered by the server; reload the list",
        )
    return selected


def checked_fetch(
    client: imapclient.IMAPClient, folder: str, uidvalidity: int, uid: int, items: str
) -> dict | None:
    """select_checked(client, folder, uidvalidity), then what one `UID FETCH <uid> <items>`
    returned for `uid` (None: the message is gone). Where the connection has the folder
    selected under that UIDVALIDITY, the FETCH goes out with the NOOP that brings the
    folder up to date, one round trip for both; a message the FETCH did not find is asked
    for once more after the NOOP's answer (the server may run the FETCH before the NOOP's
    sync, which brings mail that arrived since the connection last looked)."""
    selected = getattr(client, "selected_folder", None)
    noop = sent = None
    if will_sync(client, folder) and int(selected.uidvalidity) == int(uidvalidity):
        noop = send(client, "NOOP")
        sent = send(client, "UID", "FETCH", str(int(uid)), items)
    try:
        select_checked(client, folder, uidvalidity, noop_sent=noop)
    except BaseException:
        if sent is not None:
            with suppress(Exception):
                fetch_answer(client, sent, strict=False)  # not left for the next FETCH
        raise
    found = None
    if sent is not None:
        found = answers_by_uid(fetch_answer(client, sent), {uid}).get(uid)
    return found if found is not None else uid_fetch(client, [uid], items).get(uid)


def searchable_message_id(message_id) -> bool:
    """Whether the server can be searched for this Message-ID: printable ASCII without
    blanks, at most limits.MAX_MESSAGE_ID_LENGTH long. Other programs write others (a blank
    in it, 8-bit text): such a message cannot be found again by its Message-ID."""
    return isinstance(message_id, str) and bool(_MESSAGE_ID.fullmatch(message_id))


def find_by_message_id(
    client: imapclient.IMAPClient, folder: str, message_id: str, *, only_one: bool = False
) -> MessageRef | None:
    """The message in `folder` with this Message-ID (the server searches): the newest
    where there are several (a copy filed twice), or with `only_one` None then, since
    nobody could say which is meant. None where there is none, and for a value that
    cannot be a Message-ID (empty, blanks or line breaks in it, not ASCII, longer than
    limits.MAX_MESSAGE_ID_LENGTH). The reference's account is 0: the caller knows which
    account the client is of."""
    if not searchable_message_id(message_id):
        return None
    check_folder_name(folder, "folder name")
    with translate_errors(client):
        selected, _count = ensure_selected(client, folder)
        uids = client.search(["HEADER", "Message-ID", message_id])
    if not uids or (only_one and len(uids) != 1):
        return None
    return MessageRef(
        account=0, folder=folder, uidvalidity=int(selected.uidvalidity), uid=int(max(uids))
    )


def search_replies(client: imapclient.IMAPClient, folder: str, message_id: str) -> list[int]:
    """UIDs of the messages in `folder` that answer the message `message_id` (their
    In-Reply-To names it; the server searches), in ascending order; none for a value that
    cannot be a Message-ID (see find_by_message_id)."""
    if not searchable_message_id(message_id):
        return []
    check_folder_name(folder, "folder name")
    with translate_errors(client):
        ensure_selected(client, folder)
        return sorted(int(uid) for uid in client.search(["HEADER", "In-Reply-To", message_id]))


def check_folder_name(name, what: str = "folder name") -> str:
    """A folder name that can go on the wire: text, without CR, LF or NUL, and without
    lone surrogates, which modified UTF-7 (and imapclient's encoder) cannot carry."""
    if not isinstance(name, str):
        raise InvalidInputError(f"{what} must be text")
    net.check_wire_safe(name, what)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what} contains a character that is not text") from None
    return name


@contextmanager
def translate_errors(client: imapclient.IMAPClient) -> Iterator[None]:
    """Turn imapclient, imaplib and socket errors raised inside the block into ours."""
    host = getattr(client, "host", "")
    try:
        yield
    except MailServiceError:
        raise
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        raise ProtocolError(host=host, detail=str(error)) from error
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as error:
        # The server went away in the middle of a session (a restart): no TLS problem.
        raise ConnectionFailedError(host=host, detail=str(error)) from error
    except ssl.SSLError as error:
        raise net.translate_ssl_error(error, host) from error
    except OSError as error:
        raise net.translate_os_error(error, host) from error


def close_quietly(client: imapclient.IMAPClient):
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            return


def stream_ended(error: BaseException | None) -> bool:
    """True when `error` comes from a connection that ended before the answer did.

    imaplib tells this apart from an answer it could not read only by its words: an end of
    stream, a line cut off and a failed send are all an `abort` saying "socket error".
    """
    while error is not None:
        if isinstance(error, imaplib.IMAP4.abort) and "socket error" in str(error):
            return True
        error = error.__cause__
    return False


# -- the wire: the one place that uses imaplib's and imapclient's internals --------------------
#
# imapclient has no call for a partial FETCH, an APPEND that streams, or a command whose
# untagged answers it does not know (ESEARCH, LIST-STATUS); imaplib keeps the answers it
# has not been asked for in a dict. What the services need of them is here, so that a new
# version of either library is checked in this one place.


def uid_fetch(
    client: imapclient.IMAPClient, uids: Iterable[int], items: str, *, listed: bool = False
) -> dict[int, dict]:
    """{UID: what one `UID FETCH <uids> <items>` returned for it} for those of `uids` the
    server answered for (a message that is gone is missing).

    imapclient's fetch() cannot ask for partial sections (`BODY.PEEK[1]<0.2048>`) and turns
    times into naive local ones, hence the command by hand. Answers are matched by the UID
    they carry, not by the key imapclient files them under: an unsolicited FETCH (another
    client changed flags) carries a sequence number that could equal one of our UIDs.
    UnreadableFetchError when the answer cannot be parsed. `listed` as for fetch_answer().
    """
    wanted = set(uids)
    answers = fetch(client, compress_uids(wanted), items, uid=True, listed=listed)
    return answers_by_uid(answers, wanted)


def answers_by_uid(answers: dict, wanted: set) -> dict[int, dict]:
    """The answers of a UID FETCH (fetch_answer) by the UID they carry, for `wanted`."""
    merged: dict[int, dict] = {}
    for entry in answers.values():
        uid = entry.get(b"UID")
        if uid in wanted:
            merged.setdefault(uid, {}).update(entry)
    return merged


def fetch(
    client: imapclient.IMAPClient,
    message_set: str,
    items: str,
    *,
    uid: bool = True,
    listed: bool = False,
) -> dict[int, dict]:
    """The answers of one FETCH (`UID FETCH` with `uid`) by message sequence number, each
    with the UID where the server sent it (always for a UID FETCH). Callers that name
    messages by UID want uid_fetch(). `listed` as for fetch_answer()."""
    return read_fetch(client, fetch_lines(client, message_set, items, uid=uid), listed=listed)


def fetch_lines(
    client: imapclient.IMAPClient,
    message_set: str,
    items: str,
    *,
    uid: bool = True,
    watch: Callable | None = None,
) -> list:
    """fetch()'s answers unparsed, as answer_lines() gives them (for read_fetch()); each
    given to `watch` as it is read (see watch_answers)."""
    command = ("UID", "FETCH") if uid else ("FETCH",)
    tag = client._imap._command(*command, message_set, items)
    if watch is not None:
        watch_answers(client, tag, watch)
    return answer_lines(client, tag)


def watch_answers(client: imapclient.IMAPClient, tag: bytes, watch: Callable) -> None:
    """Give each untagged FETCH answer the connection reads to `watch` (a line, or a line
    and its literal, as imaplib keeps them; whatever command it belongs to) until the
    command sent under `tag` is answered: to read the answers of a FETCH while the server
    still sends them. `watch` must not raise; one watch per connection."""
    client._imap.fetch_watch = (tag, watch)


def fetch_answer(
    client: imapclient.IMAPClient, tag: bytes, *, strict: bool = True, listed: bool = False
):
    """The answers of the FETCH sent under `tag`, as fetch() gives them. With `strict`
    false, None where the server refused it or its answer cannot be read (for a FETCH that
    only guesses what will be needed); a broken connection raises all the same. With
    `listed`, ENVELOPEs and BODYSTRUCTUREs of the list's answers are read when asked for
    (fetch_parser.ListedEnvelope, ListedStructure): for the list alone."""
    data = answer_lines(client, tag, strict=strict)
    return None if data is None else read_fetch(client, data, strict=strict, listed=listed)


def answer_lines(client: imapclient.IMAPClient, tag: bytes, *, strict: bool = True):
    """The untagged answers of the FETCH sent under `tag` as imaplib keeps them (lines, and
    (line, literal) for a line that ends in one); with `strict` false, None where the
    server refused it."""
    if strict:
        return answer(client, tag, "FETCH", "FETCH")[1]
    return answer_unless_refused(client, tag, "FETCH", "FETCH")


def read_fetch(client: imapclient.IMAPClient, data: list, *, strict=True, listed=False):
    """fetch_answer() of the answers answer_lines() gave."""
    try:
        return parse_fetch(
            data, normalise_times=False, uid_is_key=False, raw_dates=True, listed=listed
        )
    except (UnparsableError, ValueError, TypeError, IndexError) as error:
        if not strict:
            return None
        raise UnreadableFetchError(
            host=getattr(client, "host", ""), detail=f"unreadable FETCH answer: {error}"
        ) from error


def send(client: imapclient.IMAPClient, *words: str | bytes) -> bytes:
    """Send one command (its words, none a literal) without waiting for its answer; its tag,
    to read the answer with answer() or fetch_answer()."""
    return client._imap._command(*words)


def await_answer(client: imapclient.IMAPClient) -> None:
    """Read the server's next answer (kept for the command it belongs to): after send(),
    a sign that the server runs that command.

    A server may run commands sent together side by side: Dovecot interleaves a SORT with
    a FETCH that came in the same packet, and the FETCH's answers then wait for the sort.
    Sent once the FETCH's first answer is in, the SORT is read after the FETCH is done
    (RFC 3501 section 5.5 leaves the order of such commands to the server)."""
    client._imap._get_response()


def answer(client: imapclient.IMAPClient, tag: bytes, command: str, response_name: str):
    """(status, its untagged answers `response_name`, unparsed) of the command sent under
    `tag` (send()); IMAPClientError where the server said NO, imaplib's error for BAD."""
    connection = client._imap
    typ, data = connection._command_complete(command, tag)
    typ, data = connection._untagged_response(typ, data, response_name)
    client._checkok(command.lower(), typ, data)
    return typ, data


def answer_unless_refused(
    client: imapclient.IMAPClient, tag: bytes, command: str, response_name: str
) -> list | None:
    """answer()'s untagged answers; None where the server refused the command (what it
    sent before its NO or BAD is dropped). A broken connection raises all the same."""
    connection = client._imap
    try:
        return answer(client, tag, command, response_name)[1]
    except connection.abort:
        raise
    except (connection.error, IMAPClientError):
        connection.untagged_responses.pop(response_name, None)
        return None


def untagged_command(
    client: imapclient.IMAPClient,
    command: bytes,
    args: Sequence[bytes],
    *,
    uid: bool = True,
    response_name: str | None = None,
) -> list:
    """Run `command` (as UID command with `uid`) with `args` as they are; its untagged
    answers named `response_name` (default: as the command), unparsed."""
    return client._raw_command_untagged(command, list(args), response_name=response_name, uid=uid)


def logged_out(client: imapclient.IMAPClient) -> bool:
    """Whether the connection has said LOGOUT (or the server BYE) already."""
    return client._imap.state == "LOGOUT"


def has_selection(client: imapclient.IMAPClient) -> bool:
    """Whether the server has a folder selected on the connection (whether or not the
    client still knows which: selected_folder is forgotten after an error)."""
    return getattr(getattr(client, "_imap", None), "state", None) == "SELECTED"


def take_untagged(client: imapclient.IMAPClient, name: str) -> list | None:
    """The untagged answers `name` ("COPYUID", "STATUS", "EXPUNGEISSUED") that came since
    they were last taken, removed from what the connection keeps; None if none came."""
    return client._imap.untagged_responses.pop(name, None)


def wire_folder_name(client: imapclient.IMAPClient, name: str) -> bytes:
    """`name` as a command argument: in modified UTF-7 (where the client encodes folder
    names) and quoted as needed."""
    return to_bytes(client._normalise_folder(name))


def parse_folder_list(client: imapclient.IMAPClient, data: list) -> list[tuple]:
    """[(flags, delimiter, name)] of untagged LIST answers, as list_folders() gives them."""
    return client._proc_folder_list(data)


def append(
    client: imapclient.IMAPClient,
    folder: str,
    flags: Sequence[bytes],
    pieces: Iterable[bytes],
    size: int,
) -> bytes:
    """APPEND of a message of `size` bytes sent as `pieces`, the way imapclient sends
    literals of its own (IMAPClient._raw_command): imaplib's append() takes the message as
    one bytes object and copies it twice. The literal is a synchronising one, so that a
    server that will not take the message ([TRYCREATE], [TOOBIG]) says so before it is
    sent (and `pieces` is not read). The answer's text, or IMAPClientError as imapclient
    raises it."""
    connection = client._imap
    for answer in ("OK", "NO", "BAD"):  # as imaplib forgets them before each command
        connection.untagged_responses.pop(answer, None)
    tag = connection._new_tag()
    folder_name = client._normalise_folder(folder)
    flag_list = seq_to_parenstr(flags).encode("ascii")
    try:
        connection.send(b"%s APPEND %s %s {%d}\r\n" % (tag, folder_name, flag_list, size))
        while connection._get_response():  # None: the server's "+", go ahead
            if connection.tagged_commands[tag]:
                break  # refused before the message went
        else:
            for piece in pieces:
                connection.send(piece)
            connection.send(b"\r\n")
    except OSError as error:
        raise connection.abort(f"socket error: {error}") from error
    typ, data = connection._command_complete("APPEND", tag)
    text = data[0] if data and isinstance(data[0], bytes) else b""
    if typ != "OK":
        raise IMAPClientError(f"append failed: {text.decode('utf-8', 'replace')}")
    return text
