"""The connection's reading of the server's answers (services.imap._VettedIMAP4): an untagged
FETCH answer is read its own faster way, into what imaplib's own reading keeps, for any
bytes a server may send; and given as it is read to whoever watches (imap.watch_answers)."""

import imaplib
import io
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from odoo.addons.dynaoffice_mail.services import imap
from odoo.addons.dynaoffice_mail.services.config import ImapSettings, Security
from odoo.addons.dynaoffice_mail.tests.test_hostile_fuzz_wire import FUZZ as WIRE_FUZZ

FUZZ = settings(WIRE_FUZZ, max_examples=800)
_SETTINGS = ImapSettings(
    host="localhost", port=993, security=Security.NONE, username="u", password="p", timeout=5
)


class _Replayed(imap._VettedIMAP4):
    """The connection, reading what a test gives it instead of a server's answers."""

    def open(self, host="", port=0, timeout=None):
        self.host, self.port, self.sock = host, port, None
        self.file = io.BufferedReader(io.BytesIO(b"* PREAUTH ready\r\n"))

    def _connect(self):
        # One tag for every run: the answers are compared as they were read.
        connected = super()._connect()
        self.tagre = re.compile(self.tagre.pattern.replace(self.tagpre, b"TAG"), re.ASCII)
        self.tagpre = b"TAG"
        return connected

    def shutdown(self):
        self.file.close()

    def _get_capabilities(self):
        self.capabilities = ("IMAP4REV1",)

    def replay(self, stream: bytes):
        """The answers in `stream` read up to the tagged answer to "TAG1" (as the answer to a
        command sent under it is read): what the connection kept of them, or the error, and
        what is left unread."""
        self.file = io.BufferedReader(io.BytesIO(stream))
        self.tagged_commands[b"TAG1"] = None
        self.untagged_responses = {}
        self.sync_log = []
        watched = []
        self.fetch_watch = (b"TAG1", watched.append)
        try:
            outcome = self._get_tagged_response(b"TAG1")
        except Exception as error:  # noqa: BLE001 - the error is what is compared
            outcome = (type(error), str(error))
        # Each FETCH answer kept was given to the watch, which the answer (or error) ends.
        assert watched == self.untagged_responses.get("FETCH", [])
        assert self.fetch_watch is None
        return (
            outcome,
            self.untagged_responses,
            self.sync_log,
            self.highest_modseq,
            self.message_count,
            list(self.expunged),
            self.file.read(),
        )


class _ImaplibRead(_Replayed):
    """The same connection reading every answer imaplib's own way."""

    _get_response = imaplib.IMAP4._get_response


def _both(stream: bytes, *, modseq=7, count=3) -> tuple:
    read = []
    for kind in (_Replayed, _ImaplibRead):
        connection = kind(_SETTINGS, None)
        connection.highest_modseq, connection.message_count = modseq, count
        read.append(connection.replay(stream))
    return tuple(read)


_NUMBER = st.sampled_from([b"1", b"07", b"951", b"4294967296", b"", b"x", b"-1"])
_NAME = st.sampled_from([b"FETCH", b"FETCH", b"fetch", b"FETCHX", b"FETCH-", b"FETCH1", b"FEtCH"])
_SPACE = st.sampled_from([b" ", b" ", b"", b"  ", b"\t"])
_TEXT = st.sampled_from(
    [
        b"(UID 5 FLAGS (\\Seen))",
        b"(UID 6 MODSEQ (12) FLAGS ())",
        b"(uid 6 modseq (99) flags ())",
        b"(UID 9 MODSEQ (3))",
        b'(UID 8 ENVELOPE ("x" NIL))',
        b"(BODY[] {3}",
        b"(PREVIEW {0}",
        b"(X {12}",
        b"{5}",
        b"{}",
        b"{x}",
        b"{ 5}",
        b"{-1}",
        b"{05}",
        b"{+4}",
        b"a {2} b",
        b"}",
        b"",
        b"\r",
        b")",
    ]
)
# Other answers a server sends among FETCH answers (those change the folder's state).
_OTHER = st.sampled_from(
    [
        b"* 12 EXISTS",
        b"* 2 EXPUNGE",
        b"* VANISHED 1:3",
        b"* VANISHED (EARLIER) 5",
        b"* OK [HIGHESTMODSEQ 77] changed",
        b"* FLAGS (\\Seen)",
        b"* 4 RECENT",
        b"* SEARCH 1 2",
        b"* BYE going",
        b"+ go on",
        b"TAG1 NO no",
        b"* 3 FETCH",
        b"* 3 FETCH ",
        b"garbage",
    ]
)


@st.composite
def _fetch_answer(draw) -> bytes:
    line = b"* " + draw(_NUMBER) + b" " + draw(_NAME) + draw(_SPACE) + draw(_TEXT)
    for _literal in range(draw(st.integers(0, 2))):
        # A line that ends in {size}, the literal (sometimes of another size), what follows.
        data = draw(st.binary(max_size=12) | st.sampled_from([b"\r\n", b"a}\r\n", b"{2}\r\n"]))
        size = len(data) + draw(st.sampled_from([0, 0, 0, 1, -1]))
        line += b" {%d}\r\n" % size + data + draw(_TEXT)
    return line + draw(st.sampled_from([b"\r\n", b"\r\n", b"\n", b""]))


_STREAM = st.lists(_fetch_answer() | _OTHER.map(lambda line: line + b"\r\n"), max_size=6).map(
    lambda answers: b"".join(answers) + b"TAG1 OK [HIGHESTMODSEQ 80] done\r\n"
)


@FUZZ
@given(_STREAM)
@example(b"* 5 FETCH (UID 5 BODY[] {3}\r\nabc)\r\nTAG1 OK done\r\n")
@example(b"* 5 FETCH (X {2}\r\nab Y {1}\r\nc)\r\n* 6 FETCH (UID 6 MODSEQ (9))\r\nTAG1 OK x\r\n")
def test_fetch_answers_are_kept_as_imaplib_keeps_them(stream):
    fast, stock = _both(stream)
    assert fast == stock


def test_the_list_answers_go_the_fast_way(monkeypatch):
    # The equality above would hold if every answer went imaplib's way.
    def refused(self):
        raise AssertionError("read imaplib's way")

    connection = _Replayed(_SETTINGS, None)
    monkeypatch.setattr(imaplib.IMAP4, "_get_response", refused)
    stream = (
        b"* 951 FETCH (UID 951 FLAGS (\\Seen) PREVIEW {5}\r\nHallo ENVELOPE (NIL))\r\n"
        b"* 952 FETCH (UID 952 MODSEQ (90) FLAGS ())\r\n"
    )
    connection.highest_modseq = 7
    connection.file = io.BufferedReader(io.BytesIO(stream))
    connection.untagged_responses, connection.sync_log = {}, []
    assert connection._get_response() == b"* 951 FETCH (UID 951 FLAGS (\\Seen) PREVIEW {5}"
    assert connection._get_response() == b"* 952 FETCH (UID 952 MODSEQ (90) FLAGS ())"
    answers = [
        (b"951 (UID 951 FLAGS (\\Seen) PREVIEW {5}", b"Hallo"),
        b" ENVELOPE (NIL))",
        b"952 (UID 952 MODSEQ (90) FLAGS ())",
    ]
    assert connection.untagged_responses == {"FETCH": answers}
    assert connection.sync_log == [("FETCH", answer) for answer in answers]
    assert connection.highest_modseq == 90


@pytest.mark.parametrize("logged", [False, True])
def test_a_logged_connection_reads_imaplibs_way(monkeypatch, logged):
    # While imaplib's debug output is written, every line is logged as imaplib logs it.
    connection = _Replayed(_SETTINGS, None)
    monkeypatch.setattr(type(connection), "debug", 5 if logged else 0)
    lines = []
    connection._mesg = lines.append
    connection.file = io.BufferedReader(io.BytesIO(b"* 3 FETCH (X {1}\r\na)\r\n"))
    connection.untagged_responses = {}
    connection._get_response()
    assert connection.untagged_responses["FETCH"] == [(b"3 (X {1}", b"a"), b")"]
    assert any("read literal size 1" in line for line in lines) == logged


def test_a_watch_ends_with_the_answer_to_its_command():
    # Answers of other commands before it (a NOOP's) are watched too; none after it.
    connection = _Replayed(_SETTINGS, None)
    connection.file = io.BufferedReader(
        io.BytesIO(
            b"* 4 FETCH (UID 4 MODSEQ (8) FLAGS ())\r\nTAG1 OK noop\r\n"
            b"* 5 FETCH (UID 5 X {1}\r\na)\r\nTAG2 OK fetch\r\n"
            b"* 6 FETCH (UID 6)\r\nTAG3 OK later\r\n"
        )
    )
    connection.untagged_responses = {}
    watched = []
    for tag in (b"TAG1", b"TAG2", b"TAG3"):
        connection.tagged_commands[tag] = None
    connection.fetch_watch = (b"TAG2", watched.append)
    connection._get_tagged_response(b"TAG1")
    assert connection.fetch_watch is not None
    connection._get_tagged_response(b"TAG2")
    assert connection.fetch_watch is None
    connection._get_tagged_response(b"TAG3")
    assert watched == [b"4 (UID 4 MODSEQ (8) FLAGS ())", (b"5 (UID 5 X {1}", b"a"), b")"]
    assert connection.untagged_responses["FETCH"] == [*watched, b"6 (UID 6)"]


def test_a_watch_whose_command_was_answered_sees_no_more():
    # Its answer read among another command's (nobody waited for it yet): the FETCH
    # answers after it belong to other commands.
    connection = _Replayed(_SETTINGS, None)
    connection.file = io.BufferedReader(
        io.BytesIO(b"* 5 FETCH (UID 5)\r\nTAG1 OK fetch\r\n* 6 FETCH (UID 6)\r\nTAG2 OK done\r\n")
    )
    connection.untagged_responses = {}
    watched = []
    for tag in (b"TAG1", b"TAG2"):
        connection.tagged_commands[tag] = None
    connection.fetch_watch = (b"TAG1", watched.append)
    connection._get_tagged_response(b"TAG2")
    assert watched == [b"5 (UID 5)"]
