"""Fuzzing every path where user input reaches IMAP or SMTP, checking the bytes sent.

Search terms, folder names, addresses, sender names, subjects and file names are generated
with hostile pieces (CR, LF, CRLF, NUL, U+2028/2029/0085, quotes, backslashes, `{123}`
literal look-alikes, `*`, `%`, very long text, non-BMP characters, lone surrogates as JSON
can carry them) and go through the service calls the client makes, against the real
Dovecot and SMTP server of this run. What our code writes to the connection is recorded
(imaplib's and smtplib's `send`, which hand the bytes to the TLS socket) and checked:

- IMAP: split into command lines honouring literals (`{n}` / `{n+}`): every line starts
  with a tag we issued or continues after a literal, there is no NUL or bare CR/LF outside
  literals, and one action sent only the commands it should; inside an APPEND literal the
  header block has exactly the header names the message was built with.
- SMTP: every command line is a known verb without NUL or stray CR/LF; in DATA every header
  line is `Name: value` or a fold, and the header names are exactly those built (no
  injected Bcc).

Inputs the code refuses must be refused with our InvalidInputError (or, for what only the
server refuses, another MailServiceError), never with an unexpected exception, and before
anything is sent. Hypothesis runs derandomised: the same examples on every run.
"""

import email
import email.policy
import re
import secrets
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.dynaoffice_mail.services import (
    addresses,
    exceptions,
    filing,
    folders,
    imap,
    mime,
    sending,
)
from odoo.addons.dynaoffice_mail.services.addresses import Address
from odoo.addons.dynaoffice_mail.services.config import Security, SmtpSettings
from odoo.addons.dynaoffice_mail.services.messages import (
    SORT_KEYS,
    MessageSearch,
    page_messages,
    search_criteria,
)
from odoo.addons.dynaoffice_mail.services.mime import Draft, OutgoingAttachment
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings
from odoo.addons.dynaoffice_mail.tests.hostile_report import record

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_PIECES = [
    "\r",
    "\n",
    "\r\n",
    "\0",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    '"',
    "\\",
    "{123}",
    "{5+}\r\n",
    "*",
    "%",
    "&",
    "&-",
    "/",
    ".",
    "<",
    ">",
    ",",
    ";",
    "@",
    ":",
    "(",
    ")",
    " ",
    "\t",
    "=?utf-8?q?x?=",
    "Bcc: evil@example.org",
    "\r\nBcc: evil@example.org",
    "\r\n.\r\nMAIL FROM:<x@y.z>",
    "A1 DELETE INBOX",
    "ü",
    "Grüße",
    "😀",
    "𝔘𝔫𝔦",
    "\ud800",
    "\udfff",
    "\x7f",
    "\x01",
]
HOSTILE_TEXT = st.one_of(
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=6)), max_size=8).map(
        "".join
    ),
    st.sampled_from(["x" * 70_000, "ü" * 5_000 + "\n", "a b " * 2_000, "{65536}"]),
)
# The same without what must be refused (line breaks of any kind, NUL, lone surrogates,
# over-long text): quotes, backslashes, literal look-alikes, wildcards, non-BMP letters.
_BREAKING = set("\r\n\0\x0b\x0c\x85\u2028\u2029\ud800\udfff")
TRICKY_TEXT = st.lists(
    st.one_of(
        st.sampled_from([piece for piece in HOSTILE_PIECES if not set(piece) & _BREAKING]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=6),
    ),
    max_size=8,
).map("".join)
# What JSON-RPC can hand the model for a text field.
NOT_TEXT = st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2))
# A printable name (the sender name, a folder part) that a user might well type.
CLEAN_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20
)

IMAP_VERBS_SEARCH = {"NOOP", "SELECT", "UID SORT", "UID SEARCH", "UID FETCH", "FETCH"}
IMAP_VERBS_FOLDERS = {
    "CREATE",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "LIST",
    "LSUB",
    "RENAME",
    "DELETE",
    "STATUS",
    "UNSELECT",
    "NOOP",
}
SMTP_VERBS = {b"EHLO", b"HELO", b"STARTTLS", b"AUTH", b"MAIL", b"RCPT", b"DATA", b"RSET", b"QUIT"}
_LITERAL = re.compile(rb"\{(\d+)\+?\}$")
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")


# -- reading the wire --------------------------------------------------------------------------


def check_imap_stream(data: bytes, tags: set[bytes]) -> tuple[list[dict], list[str]]:
    """The commands in what a client sent, and every violation found.

    A command is {"tag", "verb" ("UID FETCH", "SELECT"), "literals"}; a line that does not
    start with a tag we issued, NUL or a bare CR/LF outside a literal, a literal cut short
    or bytes after the last CRLF are violations.
    """
    commands, violations = [], []
    position, current = 0, None
    while position < len(data):
        end = data.find(b"\r\n", position)
        if end < 0:
            violations.append(f"bytes after the last command line: {data[position:][:80]!r}")
            break
        line = data[position:end]
        position = end + 2
        for bad, name in ((b"\0", "NUL"), (b"\r", "bare CR"), (b"\n", "bare LF")):
            if bad in line:
                violations.append(f"{name} in a command line: {line[:120]!r}")
        if current is None:
            words = line.split(b" ")
            if words[0] not in tags:
                violations.append(f"a line without one of our tags: {line[:120]!r}")
                continue
            verb = [words[1].upper().decode("ascii", "replace")] if len(words) > 1 else [""]
            if verb[0] == "UID" and len(words) > 2:
                verb.append(words[2].upper().decode("ascii", "replace"))
            current = {"tag": words[0], "verb": " ".join(verb), "literals": []}
            commands.append(current)
        literal = _LITERAL.search(line)
        if literal is None:
            current = None  # the command ends with this line
            continue
        size = int(literal.group(1))
        if position + size > len(data):
            violations.append(f"a literal of {size} bytes cut short")
            break
        current["literals"].append(data[position : position + size])
        position += size
    if len(commands) != len({command["tag"] for command in commands}):
        violations.append("a tag used twice")
    return commands, violations


def check_header_block(message: bytes, expected: set[str]) -> list[str]:
    """Violations in the header section of `message` (CRLF line ends): stray CR/LF/NUL, a
    line that is neither `Name: value` nor a fold, an over-long line, or header names other
    than `expected` (lowercase)."""
    violations = []
    head = message.split(b"\r\n\r\n", 1)[0]
    names = set()
    for line in head.split(b"\r\n"):
        for bad, name in ((b"\0", "NUL"), (b"\r", "bare CR"), (b"\n", "bare LF")):
            if bad in line:
                violations.append(f"{name} in a header line: {line[:120]!r}")
        if len(line) > 998:
            violations.append(f"a header line of {len(line)} bytes")
        if line[:1] in (b" ", b"\t"):
            continue
        if not _HEADER_LINE.match(line):
            violations.append(f"neither a header nor a fold: {line[:120]!r}")
            continue
        names.add(line.split(b":", 1)[0].decode("ascii").lower())
    if names != expected:
        violations.append(f"header names {sorted(names)} instead of {sorted(expected)}")
    return violations


def check_smtp_stream(data: bytes, expected_headers: set[str]) -> tuple[list[bytes], list[str]]:
    """The command verbs in what an SMTP client sent, and every violation found."""
    verbs, violations = [], []
    position = 0
    while position < len(data):
        end = data.find(b"\r\n", position)
        if end < 0:
            violations.append(f"bytes after the last command: {data[position:][:80]!r}")
            break
        line = data[position:end]
        position = end + 2
        if b"\0" in line or b"\r" in line or b"\n" in line:
            violations.append(f"NUL or bare CR/LF in a command: {line[:120]!r}")
        verb = line.split(b" ", 1)[0].split(b":", 1)[0].upper()
        if verb not in SMTP_VERBS:
            violations.append(f"not an SMTP command we send: {line[:120]!r}")
            continue
        verbs.append(verb)
        if verb == b"DATA":
            stop = data.find(b"\r\n.\r\n", position - 2)
            if stop < 0:
                violations.append("DATA without its final dot")
                break
            message = data[position : stop + 2]
            violations += check_header_block(message, expected_headers)
            if re.search(rb"(?<!\r)\n|\r(?!\n)", message):
                violations.append("a bare CR or LF in the message")
            position = stop + 5
    return verbs, violations


class ImapRecorder:
    """What our code sends on an IMAP connection, and the tags it issued."""

    def __init__(self, client):
        self._imap = client._imap
        self.sent = bytearray()
        self.tags = set()

    def __enter__(self):
        new_tag, send = self._imap._new_tag, self._imap.send

        def recording_new_tag():
            tag = new_tag()
            self.tags.add(tag if isinstance(tag, bytes) else tag.encode())
            return tag

        def recording_send(data):
            self.sent += bytes(data)
            return send(data)

        self._imap._new_tag = recording_new_tag
        self._imap.send = recording_send
        return self

    def __exit__(self, *exc_info):
        del self._imap._new_tag
        del self._imap.send

    def check(self):
        return check_imap_stream(bytes(self.sent), self.tags)


@contextmanager
def smtp_recorder(monkeypatch):
    """Every byte smtplib sends while the block runs (its send() writes to the socket)."""
    import smtplib

    sent = bytearray()
    original = smtplib.SMTP.send

    def recording_send(self, data):
        sent.extend(data.encode("ascii") if isinstance(data, str) else data)
        return original(self, data)

    with monkeypatch.context() as patch:
        patch.setattr(smtplib.SMTP, "send", recording_send)
        yield sent


class Figures:
    def __init__(self):
        self.cases = 0
        self.unhandled = []
        self.violations = []

    def unexpected(self, value, error):
        self.unhandled.append(f"{value!r:.200}: {type(error).__name__}: {error}"[:400])

    def violated(self, value, found):
        self.violations += [f"{value!r:.200}: {violation}" for violation in found]

    def report_and_check(self):
        record("fuzz_cases", self.cases)
        record("unhandled_exceptions", len(self.unhandled))
        record("wire_violations", len(self.violations))
        assert self.cases > 0
        assert not self.unhandled, f"{len(self.unhandled)} unhandled: {self.unhandled[:5]}"
        assert not self.violations, f"{len(self.violations)} violations: {self.violations[:5]}"


def _line_breaking(value) -> bool:
    return isinstance(value, str) and any(char in value for char in "\r\n\0")


# -- the checkers can fail ---------------------------------------------------------------------


def test_the_imap_check_catches_an_injected_command_and_honours_literals():
    tags = {b"A1", b"A2"}
    clean = b'A1 SELECT "INBOX"\r\nA2 UID SEARCH TEXT {7}\r\nx\r\nA3 y SUBJECT "z"\r\n'
    commands, violations = check_imap_stream(clean, tags)
    assert violations == [] and [c["verb"] for c in commands] == ["SELECT", "UID SEARCH"]
    assert commands[1]["literals"] == [b"x\r\nA3 y"]
    injected = b'A1 UID SEARCH TEXT "x"\r\nA9 DELETE INBOX\r\n'
    assert check_imap_stream(injected, tags)[1] == [
        "a line without one of our tags: b'A9 DELETE INBOX'"
    ]
    assert "NUL in a command line" in check_imap_stream(b'A1 SELECT "a\0b"\r\n', tags)[1][0]
    assert "bare LF" in check_imap_stream(b'A1 SELECT "a\nb"\r\n', tags)[1][0]
    assert "cut short" in check_imap_stream(b"A1 APPEND x {99}\r\nabc\r\n", tags)[1][0]


def test_the_smtp_check_catches_an_injected_header_and_command():
    expected = {"from", "subject"}
    clean = (
        b"EHLO x\r\nMAIL FROM:<a@b.c>\r\nDATA\r\n"
        b"From: a@b.c\r\nSubject: x\r\n y\r\n\r\nhi\r\n.\r\nQUIT\r\n"
    )
    assert check_smtp_stream(clean, expected) == (
        [b"EHLO", b"MAIL", b"DATA", b"QUIT"],
        [],
    )
    injected = clean.replace(b"Subject: x", b"Subject: x\r\nBcc: evil@example.org")
    assert check_smtp_stream(injected, expected)[1] == [
        "header names ['bcc', 'from', 'subject'] instead of ['from', 'subject']"
    ]
    bare = clean.replace(b"Subject: x", b"Subject: x\nBcc: evil@example.org")
    assert "bare LF in a header line" in check_smtp_stream(bare, expected)[1][0]
    smuggled = clean.replace(b"QUIT", b"RCPT TO:<x@y.z>\r\nVRFY root")
    assert check_smtp_stream(smuggled, expected)[1] == ["not an SMTP command we send: b'VRFY root'"]


# -- search terms ------------------------------------------------------------------------------


def test_search_terms_reach_imap_as_one_command_each(mail_servers, mailbox, monkeypatch):
    # Every page asks the server (no moment without a NOOP): each example sends something.
    monkeypatch.setattr(imap, "RECHECK_AFTER", 0.0)
    figures = Figures()
    client = imap.connect(imap_settings(mail_servers, *mailbox, timeout=20))
    for number in range(3):
        client.append("INBOX", build_message(f"Angebot {number}", sender="anna@example.org"))
    client.select_folder("INBOX")  # and ENABLE QRESYNC before it, once, not recorded
    state = {"client": client}

    @settings(FUZZ, max_examples=80)
    @given(
        term=st.one_of(HOSTILE_TEXT, NOT_TEXT),
        field=st.sampled_from(["text", "from_", "to", "subject"]),
        other=HOSTILE_TEXT,
        sort=st.sampled_from(SORT_KEYS),
        reverse=st.booleans(),
    )
    def search(term, field, other, sort, reverse):
        figures.cases += 1
        criteria = {field: term, "subject" if field != "subject" else "text": other}
        client = state["client"]
        with ImapRecorder(client) as wire:
            try:
                page_messages(
                    client, "INBOX", sort=sort, reverse=reverse, search=MessageSearch(**criteria)
                )
            except exceptions.InvalidInputError:
                if wire.sent:
                    figures.violated(criteria, [f"refused after sending {bytes(wire.sent)[:80]!r}"])
                return
            except exceptions.MailServiceError as error:
                figures.unexpected(criteria, error)  # the server refused what we sent
                state["client"] = imap.connect(imap_settings(mail_servers, *mailbox, timeout=20))
                return
            except Exception as error:  # noqa: BLE001 - counted with its input
                figures.unexpected(criteria, error)
                return
        if any(_line_breaking(value) for value in criteria.values()):
            figures.violated(criteria, ["a line break or NUL was not refused"])
        commands, violations = wire.check()
        figures.violated(criteria, violations)
        verbs = [command["verb"] for command in commands]
        if not set(verbs) <= IMAP_VERBS_SEARCH or len(verbs) > 4 or not verbs:
            figures.violated(criteria, [f"commands {verbs}"])

    try:
        search()
    finally:
        imap.close_quietly(state["client"])
    figures.report_and_check()


# -- folder names ------------------------------------------------------------------------------


def test_folder_names_are_created_renamed_and_deleted_as_typed(mail_servers, mailbox):
    figures = Figures()
    client = imap.connect(imap_settings(mail_servers, *mailbox, timeout=20))

    def names():
        return {folder.name for folder in folders.list_folders(client)}

    before = names()

    @settings(FUZZ, max_examples=50)
    @given(name=st.one_of(HOSTILE_TEXT, CLEAN_TEXT, NOT_TEXT), suffix=HOSTILE_TEXT)
    def create_rename_delete(name, suffix):
        figures.cases += 1
        renamed = name + " " + suffix if isinstance(name, str) else suffix
        for action, call in (
            ("create", lambda: folders.create_folder(client, name)),
            ("state", lambda: folders.folder_state(client, name)),
            ("rename", lambda: folders.rename_folder(client, name, renamed)),
            ("delete", lambda: folders.delete_folder(client, renamed)),
            ("delete", lambda: folders.delete_folder(client, name)),
        ):
            with ImapRecorder(client) as wire:
                try:
                    call()
                    refused = None
                except exceptions.InvalidInputError as error:
                    refused = error
                except (exceptions.FolderNotFoundError, exceptions.ProtocolError) as error:
                    refused = error  # the server's answer: the name does not exist, or it
                    # refuses it (Dovecot: too long, or a mailbox-name character it forbids)
                except Exception as error:  # noqa: BLE001 - counted with its input
                    figures.unexpected((action, name, renamed), error)
                    return
            commands, violations = wire.check()
            figures.violated((action, name, renamed), violations)
            verbs = [command["verb"] for command in commands]
            if not set(verbs) <= IMAP_VERBS_FOLDERS or verbs.count(action.upper()) > 1:
                figures.violated((action, name, renamed), [f"commands {verbs}"])
            # The server's refusal of a name it does not take ([CANNOT]) or has ([ALREADYEXISTS]),
            # told as our checks' are, comes after the command that went out.
            by_server = getattr(refused, "reason", None) in ("name_refused", "exists")
            if (
                isinstance(refused, exceptions.InvalidInputError)
                and not by_server
                and set(verbs) - {"LIST"}
            ):
                # Refused by our checks: at most the LIST that looked the folder up went out.
                figures.violated((action, name), [f"refused after {verbs}"])
            if refused is None and action == "create" and name not in names():
                figures.violated(name, ["created, but not listed under the name typed"])
            if refused is None and _line_breaking(name):
                figures.violated(name, ["a line break or NUL was not refused"])
        leftover = names() - before
        if leftover:
            figures.violated(name, [f"left behind: {sorted(leftover)!r:.200}"])
            for folder in leftover:
                folders.delete_folder(client, folder)

    try:
        create_rename_delete()
    finally:
        imap.close_quietly(client)
    figures.report_and_check()


# -- addresses, subjects, names and file names: the message built and sent ---------------------


@st.composite
def drafts(draw, to_address="to@example.org", cc_address="cc@example.org", bcc="bcc@example.org"):
    """A draft with tricky names, subject and file names, addressed to the given mailboxes
    (recipients either as the composer formats a picked contact, or as typed); at most one
    field holds what must be refused (a line break, NUL, a lone surrogate, very long text),
    so that most drafts are built and sent."""
    hostile = draw(st.sampled_from([None, None, "name", "subject", "body", "file", "type"]))

    def text(field):
        return draw(HOSTILE_TEXT if field == hostile else TRICKY_TEXT)

    def entry(address):
        name = text("name")
        if draw(st.booleans()):
            return addresses.format_address(Address(name=name, address=address))
        return draw(st.sampled_from([f"{name} <{address}>", f'"{name}" <{address}>', address]))

    attachments = [
        OutgoingAttachment(filename=text("file") or "x", mime_type=text("type"), data=b"%PDF")
        for _index in range(draw(st.integers(0, 2)))
    ]
    return Draft(
        from_name=text("name"),
        from_address=draw(st.sampled_from([to_address, "absender@müller.de"])),
        to=[entry(to_address)],
        cc=[entry(cc_address)],
        bcc=[entry(bcc)],
        subject=text("subject"),
        html_body=text("body"),
        attachments=attachments,
    )


def _expected_headers(draft: Draft, *, bcc: bool) -> set[str]:
    """The header names build_message writes for `draft` (a text-only mail is one part,
    with its transfer encoding at the top)."""
    names = {"date", "from", "subject", "message-id", "mime-version", "content-type"}
    names |= {name for name in ("to", "cc") if getattr(draft, name)}
    if not draft.html_body.strip() and not draft.attachments:
        names.add("content-transfer-encoding")
    return names | {"bcc"} if bcc and draft.bcc else names


def _build(figures: Figures, draft: Draft):
    try:
        return mime.build_message(draft, include_bcc=True)
    except exceptions.InvalidInputError:
        return None
    except Exception as error:  # noqa: BLE001 - counted with its input
        figures.unexpected(draft, error)
        return None


def _check_round_trip(figures: Figures, draft: Draft, data: bytes) -> None:
    """What a mail program reads from the bytes is what the user typed."""
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    if " ".join(str(parsed["Subject"]).split()) != " ".join(draft.subject.split()):
        figures.violated(draft.subject, [f"subject came back as {str(parsed['Subject'])!r:.120}"])
    names = [part.get_filename() for part in parsed.iter_attachments()]
    typed = [attachment.filename.strip() for attachment in draft.attachments]
    if names != typed:
        figures.violated(typed, [f"file names came back as {names!r:.200}"])


def test_built_messages_have_only_the_headers_built(monkeypatch):
    """Without a server, many drafts: the bytes for the recipients and for Sent."""
    figures = Figures()
    built = []

    @settings(FUZZ, max_examples=200)
    @given(draft=drafts())
    def build(draft):
        figures.cases += 1
        message = _build(figures, draft)
        if message is None:
            return
        built.append(draft)
        for include_bcc in (False, True):
            data = mime.serialize(message, include_bcc=include_bcc)
            figures.violated(
                draft, check_header_block(data, _expected_headers(draft, bcc=include_bcc))
            )
        _check_round_trip(figures, draft, data)

    build()
    assert len(built) > figures.cases // 2, f"only {len(built)} drafts could be built"
    figures.report_and_check()


def test_drafts_sent_over_smtp_and_filed_in_sent_carry_no_injection(
    mail_servers, mailbox, monkeypatch
):
    figures = Figures()
    address, password = mailbox
    cc, bcc = (f"{role}-{secrets.token_hex(4)}@dynaoffice.test" for role in ("cc", "bcc"))
    for user in (cc, bcc):
        mail_servers.add_user(user, secrets.token_urlsafe(12))
    smtp_settings = SmtpSettings(
        host="localhost",
        port=mail_servers.ports.smtp_starttls,
        security=Security.STARTTLS,
        username=address,
        password=password,
        ca_pem=mail_servers.certificates.ca_pem,
        timeout=20,
        allow_private_hosts=True,
    )
    client = imap.connect(imap_settings(mail_servers, address, password, timeout=20))
    sent_folder = folders.special_folder(client, "\\Sent")
    assert sent_folder
    delivered = []

    @settings(FUZZ, max_examples=30)
    @given(draft=drafts(to_address=address, cc_address=cc, bcc=bcc))
    def send_and_file(draft):
        figures.cases += 1
        message = _build(figures, draft)
        if message is None:
            return
        with smtp_recorder(monkeypatch) as wire:
            try:
                sending.send_smtp(smtp_settings, message)
                delivered.append(draft.subject)
            except exceptions.InvalidInputError as error:
                # A recipient typed in Bcc that is no address: refused before sending.
                if wire:
                    figures.violated(draft, [f"refused ({error}) after sending"])
            except Exception as error:  # noqa: BLE001 - counted with its input
                figures.unexpected(draft, error)
                return
        verbs, violations = check_smtp_stream(bytes(wire), _expected_headers(draft, bcc=False))
        figures.violated(draft, violations)
        if wire and (verbs.count(b"MAIL") != 1 or verbs.count(b"DATA") != 1):
            figures.violated(draft, [f"SMTP commands {verbs}"])
        if wire and verbs.count(b"RCPT") != 3:
            figures.violated(draft, [f"{verbs.count(b'RCPT')} recipients instead of 3"])
        with ImapRecorder(client) as imap_wire:
            try:
                filing.append_to_folder(client, sent_folder, mime.serialize(message))
            except Exception as error:  # noqa: BLE001 - counted with its input
                figures.unexpected(draft, error)
                return
        commands, violations = imap_wire.check()
        figures.violated(draft, violations)
        appends = [command for command in commands if command["verb"] == "APPEND"]
        if len(commands) != 1 or len(appends) != 1 or len(appends[0]["literals"]) != 1:
            figures.violated(draft, [f"commands {[c['verb'] for c in commands]}"])
        else:
            literal = appends[0]["literals"][0]
            figures.violated(draft, check_header_block(literal, _expected_headers(draft, bcc=True)))
            _check_round_trip(figures, draft, literal)

    try:
        send_and_file()
    finally:
        imap.close_quietly(client)
    assert len(delivered) > figures.cases // 2, (
        f"only {len(delivered)} drafts were sent; unhandled: {figures.unhandled[:3]}"
    )
    figures.report_and_check()


def test_addresses_as_typed_are_parsed_or_refused_with_our_error():
    figures = Figures()

    @settings(FUZZ, max_examples=400)
    @given(text=st.one_of(HOSTILE_TEXT, st.text(max_size=40)), address=st.emails())
    def parse(text, address):
        figures.cases += 1
        for typed in (text, f"{text} <{address}>", f"{address}, {text}"):
            try:
                found = addresses.parse_addresses(typed)
                wire = [addresses.envelope_address(item.address) for item in found]
            except exceptions.InvalidInputError:
                continue
            except Exception as error:  # noqa: BLE001 - counted with its input
                figures.unexpected(typed, error)
                continue
            for item, envelope in zip(found, wire, strict=True):
                if not envelope.isascii() or any(char in envelope for char in "\r\n\0 <>"):
                    figures.violated(typed, [f"envelope address {envelope!r}"])
                if any(char in addresses.LINE_BREAKS for char in item.name + item.address):
                    figures.violated(typed, [f"a line break kept in {item!r}"])

    parse()
    figures.report_and_check()


# -- what the fuzzing found, kept as regression tests ----------------------------------------------


def test_search_terms_that_are_no_text_are_refused_before_the_wire():
    """Found: a number (JSON-RPC passes any type) raised TypeError, a lone surrogate
    UnicodeEncodeError, and a 70,000-letter term made Dovecot drop the connection."""
    for criteria, named in (
        ({"text": 123}, "must be text"),
        ({"from_": ["a"]}, "must be text"),
        ({"subject": "x\ud800"}, "not text"),
        ({"to": "x" * 1001}, "longer than 1000"),
    ):
        try:
            search_criteria(MessageSearch(**criteria))
        except exceptions.InvalidInputError as error:
            assert named in str(error), (criteria, error)
        else:
            raise AssertionError(f"{criteria!r:.60} was accepted")
    assert search_criteria(MessageSearch(text="x" * 1000, from_="Grüße 😀")) == [
        b"TEXT",
        b'"' + b"x" * 1000 + b'"',
        b"FROM",
        "Grüße 😀".encode(),
    ]


def test_folder_names_that_are_no_text_are_refused_before_the_wire():
    """Found: a number as folder name raised TypeError, a lone surrogate UnicodeEncodeError
    in imapclient's modified UTF-7 encoder. No connection is touched (there is none)."""
    no_connection = object()
    for call in (
        lambda: folders.create_folder(no_connection, 123),
        lambda: folders.create_folder(no_connection, "Kunden\udc00"),
        lambda: folders.rename_folder(no_connection, "Kunden", None),
        lambda: folders.delete_folder(no_connection, ["INBOX"]),
        lambda: folders.folder_state(no_connection, "a\ud800"),
        lambda: page_messages(no_connection, "\udfff"),
        lambda: filing.append_to_folder(no_connection, "Sent\ud800", b"x"),
    ):
        try:
            call()
        except exceptions.InvalidInputError as error:
            assert "folder name" in str(error)
        else:
            raise AssertionError("accepted")


def test_a_subject_that_looks_like_an_encoded_word_reaches_the_recipient_as_typed():
    """Found: "=?utf-8?q?x?=" typed into the subject was sent as an encoded word, and the
    recipient read "x"."""
    for subject in ("Preis =?utf-8?q?x?= ok", "Grüße =?iso-8859-1?q?=E4?=", "=?" * 60):
        draft = Draft(
            from_name="Me", from_address="me@example.org", to=["you@example.org"], subject=subject
        )
        data = mime.serialize(mime.build_message(draft))
        assert email.message_from_bytes(data, policy=email.policy.default)["Subject"] == subject
        assert check_header_block(data, _expected_headers(draft, bcc=False)) == []
