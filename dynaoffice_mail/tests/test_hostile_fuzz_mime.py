"""Fuzzing the MIME parsing: generated and mutated messages through the code the client
reads mail with, bounded in time and memory.

Messages start valid (built with the stdlib `email` package: alternatives, related images,
attachments, forwarded messages, nesting) and are then mutated at the byte level: broken
and missing boundaries, hostile charsets and transfer encodings, bare CR/LF folding,
malformed encoded words and RFC 2231 parameters, truncation, stray bytes, deep nesting,
hundreds of parts, huge header lines. Each goes through the pure functions the client uses
(headers, body decoding, the HTML sanitiser, replies, forwards and drafts read back), and a
bounded number is stored in the real Dovecot of this run and opened with
`reading.read_message`, so that the server's BODYSTRUCTURE of broken mail is parsed too.

Hypothesis runs with a fixed, derandomised profile: the same examples on every run.
"""

import base64
import contextlib
import email
import email.policy
import io
import itertools
import re
import sys
import time
import traceback
import tracemalloc
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imapclient.exceptions import IMAPClientError

from odoo.addons.dynaoffice_mail.services import (
    addresses,
    exceptions,
    imap,
    limits,
    mime,
    reading,
    replies,
)
from odoo.addons.dynaoffice_mail.services.html import html_to_text, sanitize_html
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.services.mime import OutgoingAttachment
from odoo.addons.dynaoffice_mail.tests.common import imap_settings
from odoo.addons.dynaoffice_mail.tests.hostile_report import (
    LARGEST_PARSE_KIB,
    SLOWEST_PARSE_MS,
    record,
)

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=200,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)
# Messages stored in Dovecot and read back with read_message: each costs round trips.
SERVER_EXAMPLES = 30

HOSTILE_CHARSETS = [
    b"utf-8",
    b"iso-8859-1",
    b"windows-1252",
    b"shift_jis",
    b"utf-16",
    b"utf-7",
    b"x-unknown-charset",
    b"unicode-escape",
    b"raw-unicode-escape",
    b"idna",
    b"punycode",
    b"rot13",
    b"base64",
    b"zlib",
    b"hex",
    b"",
    b'"',
    b"utf-8\x00",
    b"=?utf-8?q?x?=",
    b"\xff\xfe",
    b"a" * 300,
]
HOSTILE_ENCODINGS = [
    b"base64",
    b"quoted-printable",
    b"7bit",
    b"8bit",
    b"binary",
    b"x-uuencode",
    b"BASE64",
    b"base64 quoted-printable",
    b"",
    b"\xff",
    b"=?utf-8?b?YmFzZTY0?=",
]
ENCODED_WORDS = [
    b"=?utf-8?B?!!!not-base64?=",
    b"=?utf-8?Q?=FF=FE=00=0D=0ABcc:_x@y.z?=",
    b"=?unknown-8?Q?hallo?=",
    b"=?utf-8*de?Q?sprache?=",
    b"=?utf-16?B?2D3eAA==?=",
    b"=?utf-8?B?" + base64.b64encode(b"\r\nBcc: evil@example.org") + b"?=",
    b"=?utf-8?B?" + base64.b64encode("\u2028\x85\0".encode()) + b"?=",
    b"=?idna?Q?xn--?=",
    b"=?unicode-escape?Q?\\x41\\u2028?=",
    b"=?iso-8859-1?q?" + b"=E4" * 3000 + b"?=",
    b"=?" * 500,
    b"=?utf-8?q?a?= =?utf-8?q?b?=" * 200,
]
RFC2231 = [
    b"filename*0*=utf-8''%FF%FE; filename*1=x.pdf",
    b"filename*=unknown'de'%E4%zz.txt",
    b"filename*0=a; filename*2=c; filename*99999999=d",
    b"filename*=''",
    b"filename*0*=utf-8''%0D%0ABcc%3A%20x%40y.z",
    b'filename="..\\\\..\\\\evil.exe"; name="/etc/passwd"',
    b"filename*=utf-8''" + b"%E4" * 5000,
    b'filename="=?utf-8?B?' + base64.b64encode("\u2028x\0".encode()) + b'?="',
]

PLAIN_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=60
)
BODY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)


# -- generating messages ---------------------------------------------------------------------------


@st.composite
def _part_tree(draw, depth=0):
    """A spec of a MIME tree: ("leaf", kind, text) or ("multi", subtype, children)."""
    if depth < 4 and draw(st.integers(0, 3)) == 0:
        subtype = draw(st.sampled_from(["mixed", "alternative", "related", "signed", "digest"]))
        children = draw(st.lists(_part_tree(depth + 1), min_size=0, max_size=4))
        return ("multi", subtype, children)
    kind = draw(st.sampled_from(["plain", "html", "attachment", "image", "rfc822"]))
    return ("leaf", kind, draw(BODY_TEXT), draw(PLAIN_TEXT))


def _build_part(spec, numbers):
    """The part `spec` describes; its boundaries numbered by `numbers` (not random: the
    same examples must be the same bytes on every run, or a failure found once may never
    show again)."""
    part = EmailMessage(policy=email.policy.SMTP)
    if spec[0] == "multi":
        _kind, subtype, children = spec
        part["Content-Type"] = f"multipart/{subtype}"
        part.set_boundary(f"b{next(numbers):012x}")
        part.set_payload([_build_part(child, numbers) for child in children])
        return part
    _leaf, kind, text, name = spec
    if kind == "plain":
        part.set_content(text, cte=("base64" if len(text) % 2 else "quoted-printable"))
    elif kind == "html":
        part.set_content(f"<p>{text}</p><img src='cid:img1'><script>x()</script>", subtype="html")
    elif kind == "attachment":
        part.set_content(
            text.encode("utf-8", "surrogatepass"),
            maintype="application",
            subtype="pdf",
            filename=name or "file.pdf",
        )
    elif kind == "image":
        part.set_content(b"\x89PNG\r\n\x1a\n" + text.encode(), maintype="image", subtype="png")
        part["Content-ID"] = "<img1>"
    else:
        inner = EmailMessage(policy=email.policy.SMTP)
        inner["Subject"] = name
        inner["From"] = "inner@example.org"
        inner.set_content(text)
        part.set_content(inner)
    return part


@st.composite
def base_messages(draw):
    """A valid message as the stdlib builds it, as bytes."""
    numbers = itertools.count()
    message = _build_part(draw(_part_tree()), numbers)
    if message.get_content_type() == "text/plain" and "Content-Type" not in message:
        message.set_content("")
    try:
        message["From"] = formataddr((draw(PLAIN_TEXT), "anna@example.org"))
        message["To"] = formataddr((draw(PLAIN_TEXT), "bob@xn--mller-kva.de"))
        message["Subject"] = draw(PLAIN_TEXT)
    except (ValueError, TypeError):  # names the email package itself will not write
        message["Subject"] = "x"
    message["Date"] = format_datetime(draw(st.datetimes(timezones=st.timezones())))
    message["Message-ID"] = f"<{next(numbers):016x}@example.org>"
    message["References"] = " ".join(f"<r{n}@example.org>" for n in range(draw(st.integers(0, 3))))
    if "MIME-Version" not in message:
        message["MIME-Version"] = "1.0"
    return message.as_bytes(policy=email.policy.SMTP)


def _header_end(raw: bytes) -> int:
    end = raw.find(b"\r\n\r\n")
    return end if end >= 0 else len(raw)


def _boundary(raw, number, data):
    found = re.findall(rb'boundary="?([^";\r\n]+)"?', raw)
    if not found:
        return raw
    boundary = found[number % len(found)]
    return [
        lambda: raw.replace(b"--" + boundary + b"--", b""),  # never closed
        lambda: raw.replace(b'boundary="' + boundary + b'"', b""),  # none declared
        lambda: raw.replace(b'boundary="' + boundary + b'"', b'boundary=""'),
        lambda: raw.replace(b"--" + boundary, b"--" + boundary + data, 1),
        lambda: raw.replace(b"--" + boundary, b"--" + boundary[: len(boundary) // 2]),
    ][number % 5]()


def _charset(raw, number, data):
    charset = HOSTILE_CHARSETS[number % len(HOSTILE_CHARSETS)]
    return re.sub(rb'charset="?[^";\r\n]*"?', b'charset="' + charset + b'"', raw)


def _encoding(raw, number, data):
    encoding = HOSTILE_ENCODINGS[number % len(HOSTILE_ENCODINGS)]
    return re.sub(
        rb"(?i)Content-Transfer-Encoding:[^\r\n]*",
        b"Content-Transfer-Encoding: " + encoding,
        raw,
        count=1 + number % 3,
    )


def _folding(raw, number, data):
    end = _header_end(raw)
    breaks = [b"\r\n ", b"\n\t", b"\r", b"\n", b"\r\n\r\n ", b"\r\n \r\n "]
    return raw[:end].replace(b" ", breaks[number % len(breaks)], 1 + number % 7) + raw[end:]


def _encoded_word(raw, number, data):
    word = ENCODED_WORDS[number % len(ENCODED_WORDS)]
    name = [b"Subject", b"From", b"To", b"Cc", b"Reply-To"][number % 5]
    return name + b": " + word + b" " + data + b"\r\n" + raw


def _stray_bytes(raw, number, data):
    at = number % (len(raw) + 1)
    return raw[:at] + (data or b"\0\r\xff") + raw[at:]


def _nesting(raw, number, data):
    inner = raw
    for level in range(1 + number % 60):
        inner = (
            b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n%s\r\n--n%d--\r\n'
            % (level, level, inner, level)
        )
    return b"Subject: nested\r\nMIME-Version: 1.0\r\n" + inner


def _many_parts(raw, number, data):
    parts = b"".join(
        b"--m\r\nContent-Type: text/plain\r\n\r\n%d\r\n" % index for index in range(number % 700)
    )
    head = raw[: _header_end(raw)]
    return head + b'\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n' + parts + b"--m--\r\n"


def _long_header(raw, number, data):
    if number % 2:
        return b"X-Long: " + b"a" * (50_000 + number % 250_000) + b"\r\n" + raw
    return b"".join(b"To: r%d@example.org\r\n" % n for n in range(number % 5000)) + raw


def _rfc2231(raw, number, data):
    params = RFC2231[number % len(RFC2231)]
    return (
        raw[: _header_end(raw)]
        + b'\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\n'
        + b"Content-Type: application/octet-stream; "
        + params
        + b"\r\nContent-Disposition: attachment; "
        + params
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--z--\r\n"
    )


def _base64_garbage(raw, number, data):
    return re.sub(
        rb"(Content-Transfer-Encoding: base64\r\n\r\n)[A-Za-z0-9+/=\r\n]*",
        lambda match: match.group(1) + data + b"!@#$\r\n====\r\nA",
        raw,
    )


def _duplicate_headers(raw, number, data):
    end = _header_end(raw)
    twice = b"\r\nContent-Type: text/html\r\nContent-Type:"
    return raw[:end].replace(b"\r\nContent-Type:", twice) + raw[end:]


# Byte-level mutations of a valid message, each steered by a number and a few bytes.
MUTATIONS = {
    "boundary": _boundary,
    "charset": _charset,
    "encoding": _encoding,
    "folding": _folding,
    "encoded_word": _encoded_word,
    "truncate": lambda raw, number, data: raw[: number % (len(raw) + 1)],
    "stray_bytes": _stray_bytes,
    "line_ends": lambda raw, number, data: raw.replace(
        b"\r\n", [b"\n", b"\r", b"\n\r"][number % 3]
    ),
    "nesting": _nesting,
    "many_parts": _many_parts,
    "long_header": _long_header,
    "rfc2231": _rfc2231,
    "base64_garbage": _base64_garbage,
    "duplicate_headers": _duplicate_headers,
}


@st.composite
def hostile_messages(draw):
    raw = draw(base_messages())
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(sorted(MUTATIONS)),
                st.integers(0, 2**20),
                st.binary(max_size=24),
            ),
            max_size=4,
        )
    )
    for kind, number, data in steps:
        raw = MUTATIONS[kind](raw, number, data)
    return raw


# -- the client's parsing, without a server ----------------------------------------------------


def _header_block(raw: bytes) -> bytes:
    found = re.search(rb"\r?\n\r?\n", raw)
    return raw[: found.end()] if found else raw


def _open_like_the_reader(raw: bytes) -> reading.MessageView:
    """What read_message and the reading pane do with a message's bytes, without a server:
    headers decoded, body parts decoded from their transfer encoding and charset, the HTML
    sanitised and rendered as text."""
    header = reading._parse_header(_header_block(raw)[: limits.MAX_HEADER_BYTES])
    fields = reading._header_fields(header)
    for line in (fields["subject"], *(a.name + a.address for a in fields["from_"])):
        assert "\r" not in line and "\n" not in line, f"line break in a shown header: {line!r}"
    html_text, plain_text = None, None
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        # The payload as it stood in the message, before any decoding (get_payload() would
        # already decode it with the declared charset, which is what is being fuzzed).
        payload = part._payload  # pylint: disable=protected-access
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
        cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower() or None
        try:
            decoded = reading._decode_transfer(data[: limits.MAX_BODY_BYTES], cte)
        except reading._UndecodableError:
            continue  # read_message shows the source with this reason
        text = reading.decode_text(decoded, part.get_param("charset"), complete=False)
        if part.get_content_subtype() == "html":
            html_text = text
        else:
            plain_text = text
    if html_text is not None:
        sanitize_html(html_text, cid_url=lambda cid: None, allow_remote=False)
        html_to_text(html_text)
    return reading.MessageView(
        uid=1, uidvalidity=1, seen=False, flagged=False, answered=False, text=plain_text, **fields
    )


_SENDER = {"from_name": "Me", "from_address": "me@example.org"}


def _reply_all(view, raw: bytes) -> None:
    reply = replies.reply_draft(view, own_addresses=["me@example.org"], reply_all=True, **_SENDER)
    with contextlib.suppress(exceptions.InvalidInputError):
        # The original's addresses may not be sendable: the user is told which one.
        mime.serialize(mime.build_message(reply))


def _forward_inline(view, raw: bytes) -> None:
    # A forward has no recipients yet, and whatever the original's subject held, the user
    # must be able to forward it.
    draft = replies.forward_draft(view, as_attachment=False, **_SENDER)
    mime.serialize(mime.build_message(draft))


def _forward_attached(view, raw: bytes) -> None:
    draft = replies.forward_draft(view, as_attachment=True, raw_message=raw, **_SENDER)
    mime.serialize(mime.build_message(draft))


# Reply all, forward inline, forward as attachment: each a request of its own in the client.
ANSWERS = (_reply_all, _forward_inline, _forward_attached)


def _reply_and_forward(tally, view, raw: bytes) -> None:
    for answer in ANSWERS:
        tally.measure(raw, answer, view, raw)


@contextlib.contextmanager
def _recursion_limit_of_odoo():
    """Python's own limit of 1,000 frames, which Odoo's workers keep. Hypothesis raises it
    by 2,000 while it runs, which hid failures in deeply nested mail."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


class Tally:
    """Examples run, failures with the input that showed them, and the slowest and largest
    single step (opening, replying, forwarding, reopening as a draft: each a request of its
    own in the client).

    Time is measured on every step. tracemalloc slows the email package down eightfold, so
    peak memory is measured by running the step again under it, for every
    MEMORY_SAMPLE-th example and for each step that was the slowest so far (the largest
    messages are the slow ones).
    """

    MEMORY_SAMPLE = 4

    def __init__(self):
        self.cases = 0
        self.failures = []
        self.slowest_ms = 0.0
        self.largest_kib = 0.0
        self.memory_measured = 0
        self.slowest = None

    def measure(self, raw: bytes, step, *args):
        started = time.perf_counter()
        try:
            with _recursion_limit_of_odoo():
                result = step(*args)
        except Exception as error:  # noqa: BLE001 - counted and reported with its input
            self._fail(raw, step, error)
            return None
        elapsed = (time.perf_counter() - started) * 1000
        if elapsed > self.slowest_ms or self.cases % self.MEMORY_SAMPLE == 0:
            # Which steps run twice depends on timing (the slowest so far): an error of the
            # second run is counted as well, not left to fail the test on some runs only.
            tracemalloc.start()
            try:
                with _recursion_limit_of_odoo():
                    step(*args)
                _current, peak = tracemalloc.get_traced_memory()
            except Exception as error:  # noqa: BLE001 - counted and reported with its input
                self._fail(raw, step, error)
                return None
            finally:
                tracemalloc.stop()
            self.memory_measured += 1
            self.largest_kib = max(self.largest_kib, peak / 1024)
        if elapsed > self.slowest_ms:
            self.slowest_ms, self.slowest = elapsed, (step.__name__, len(raw), raw[:200])
        return result

    def _fail(self, raw: bytes, step, error: Exception):
        where = traceback.extract_tb(error.__traceback__)[-1]
        self.failures.append(
            (
                raw[:300],
                f"{type(error).__name__}: {error}"[:300],
                f"{step.__name__} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}",
            )
        )

    def report_and_check(self):
        record("fuzz_cases", self.cases)
        record("unhandled_exceptions", len(self.failures))
        record("slowest_parse_ms", round(self.slowest_ms, 1))
        record("largest_parse_kib", round(self.largest_kib, 1))
        assert self.cases > 0 and self.memory_measured > 0
        assert not self.failures, f"{len(self.failures)} unhandled: {self.failures[:5]}"
        assert self.slowest_ms <= SLOWEST_PARSE_MS, (
            f"slowest {self.slowest_ms:.0f} ms: {self.slowest}"
        )
        assert self.largest_kib <= LARGEST_PARSE_KIB, f"largest parse {self.largest_kib:.0f} KiB"


def _through_the_client(tally: Tally, raw: bytes) -> None:
    tally.cases += 1
    view = tally.measure(raw, _open_like_the_reader, raw)
    if view is not None:
        _reply_and_forward(tally, view, raw)
    tally.measure(raw, mime.parse_draft, raw)


def test_mutated_messages_parse_without_unhandled_errors_in_bounded_time_and_memory():
    tally = Tally()
    sizes = set()

    @FUZZ
    @given(raw=hostile_messages())
    def parse(raw):
        sizes.add(len(raw) > 100_000)
        _through_the_client(tally, raw)

    parse()
    assert sizes == {True, False}, "the fuzzing reached no large message"
    tally.report_and_check()


def test_the_tally_counts_an_unhandled_error_with_its_input():
    tally = Tally()

    def broken(raw):
        raise KeyError("boom")

    tally.measure(b"Subject: x", broken, b"Subject: x")
    assert tally.failures == [
        (b"Subject: x", "KeyError: 'boom'", tally.failures[0][2])
    ] and tally.failures[0][2].startswith("broken at test_hostile_fuzz_mime.py")


# -- the same through Dovecot: BODYSTRUCTURE of broken mail ----------------------------------------


def test_mutated_messages_stored_in_dovecot_open_with_read_message(mail_servers, mailbox):
    client = imap.connect(imap_settings(mail_servers, *mailbox, timeout=30))
    tally = Tally()
    refused = []
    try:
        client.create_folder("Fuzz")

        @settings(FUZZ, max_examples=SERVER_EXAMPLES)
        @given(raw=hostile_messages())
        def store_and_read(raw):
            try:
                response = client.append("Fuzz", raw)
            except IMAPClientError as error:  # Dovecot refuses some bytes (NUL): its right
                refused.append(str(error))
                return
            uidvalidity, uid = map(int, re.search(rb"APPENDUID (\d+) (\d+)", response).groups())

            def open_it():
                view = reading.read_message(client, "Fuzz", uidvalidity, uid)
                assert "\n" not in view.subject and "\r" not in view.subject
                for attachment in view.attachments[:3]:
                    _head, chunks = reading.stream_part(
                        client, "Fuzz", uidvalidity, uid, attachment.part_number
                    )
                    for _chunk in chunks:
                        pass
                return view

            tally.cases += 1
            view = tally.measure(raw, open_it)
            if view is not None:
                _reply_and_forward(tally, view, raw)

        store_and_read()
        # The list of the folder parses every stored message's ENVELOPE and BODYSTRUCTURE.
        page = page_messages(client, "Fuzz", limit=SERVER_EXAMPLES)
        assert page.total == SERVER_EXAMPLES - len(refused)
    finally:
        imap.close_quietly(client)
    assert len(refused) < SERVER_EXAMPLES // 2, f"Dovecot refused most examples: {refused[:3]}"
    tally.report_and_check()


# -- what the fuzzing found, kept as regression tests ----------------------------------------------


def _forwarded_draft(inner_charset: bytes) -> bytes:
    return (
        b"From: Me <me@example.org>\r\nTo: you@example.org\r\nSubject: Fwd\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=x.eml\r\n\r\n"
        b'Subject: inner\r\nContent-Type: text/plain; charset="' + inner_charset + b'"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9fe\r\n--b--\r\n"
    )


def test_a_draft_forwarding_mail_in_a_codec_that_is_no_charset_reopens():
    """Found: parse_draft re-encoded the forwarded mail in its declared charset, and
    charset="base64" (or "hex") raised LookupError."""
    for charset in (b"base64", b"hex", b"utf-8"):
        draft = mime.parse_draft(_forwarded_draft(charset))
        (attachment,) = draft.attachments
        assert attachment.mime_type == "message/rfc822"
        assert b"Gr\xc3\xbc\xc3\x9fe" in attachment.data, charset


def test_a_draft_with_an_encoded_line_break_in_a_name_reopens_without_it():
    """Found: "=?utf-8?Q?=0D=0ABcc:_x@y.z?=" as a display name made the email package raise
    ValueError on the Cc header."""
    raw = (
        b"From: Me <me@example.org>\r\n"
        b"Cc: =?utf-8?Q?=FF=FE=00=0D=0ABcc:_x@y.z?= <carl@example.org>\r\n"
        b"Subject: =?utf-8?B?" + base64.b64encode("a\u2028b".encode()) + b"?=\r\n\r\nhi\r\n"
    )
    draft = mime.parse_draft(raw)
    assert draft.subject == "a b"
    assert draft.cc and draft.cc[-1].endswith("carl@example.org")
    assert not set("".join(draft.cc)) & addresses.LINE_BREAKS


def test_mail_with_a_unicode_line_break_in_its_subject_can_be_replied_to_and_forwarded():
    """Found: U+2028 or U+0085 in a subject made forwarding fail with "subject contains a
    line break"."""
    view = reading.MessageView(
        uid=1,
        uidvalidity=1,
        seen=False,
        flagged=False,
        answered=False,
        subject="Angebot\u2028Bcc: evil@example.org\x85x",
        from_=(addresses.Address(name="A" * 5000, address="anna@example.org"),),
        to=(),
        cc=(),
        reply_to=(),
        date=None,
        message_id=None,
        in_reply_to=None,
        references=(),
        text="hi",
    )
    sender = {"from_name": "Me", "from_address": "me@example.org"}
    forward = mime.build_message(replies.forward_draft(view, as_attachment=False, **sender))
    assert forward["Subject"] == "Fwd: Angebot Bcc: evil@example.org x"
    assert "Bcc" not in forward
    reply = replies.reply_draft(view, own_addresses=[], reply_all=False, **sender)
    assert reply.to == ["anna@example.org"]  # a 5,000-letter name is left out
    assert mime.build_message(reply)["Subject"].startswith("Re: Angebot Bcc")


def test_reply_all_to_thousands_of_recipients_is_refused():
    """Found: a reply to all of a mail with 5,000 To headers took seconds to build, and
    would have gone to all of them."""
    header = b"".join(b"To: r%d@example.org\r\n" % n for n in range(1500))
    raw = header + b"From: anna@example.org\r\nSubject: x\r\n\r\nhi\r\n"
    view = _open_like_the_reader(raw)
    assert len(view.to) == 1500
    reply = replies.reply_draft(
        view, own_addresses=[], reply_all=True, from_name="Me", from_address="me@example.org"
    )
    started = time.perf_counter()
    try:
        mime.build_message(reply)
    except exceptions.InvalidInputError as error:
        assert "at most 1000" in str(error)
    else:
        raise AssertionError("1501 recipients were accepted")
    assert time.perf_counter() - started < 1.0


def test_long_names_and_lone_surrogates_are_refused_quickly():
    """Found: a sender name of 5,000 "ü" took eight seconds in the email package's folding,
    and a lone surrogate (as JSON can carry it) raised UnicodeEncodeError."""
    base = {"from_name": "Me", "from_address": "me@example.org", "to": ["you@example.org"]}
    for values, named in (
        ({"from_name": "ü" * 5000}, "sender name"),
        ({"to": [f"{'ü' * 201} <you@example.org>"]}, "longer than 200"),
        ({"from_name": "x\ud800"}, "sender name"),
        ({"subject": "\udfff"}, "subject"),
        ({"html_body": "<p>\ud800</p>"}, "message text"),
        (
            {"attachments": [OutgoingAttachment("a" * 300 + ".pdf", "application/pdf", b"")]},
            "file name",
        ),
        ({"attachments": [OutgoingAttachment("\ud800.pdf", "application/pdf", b"")]}, "file name"),
    ):
        started = time.perf_counter()
        try:
            mime.build_message(mime.Draft(**dict(base, **values)))
        except exceptions.InvalidInputError as error:
            assert named in str(error), (values, error)
        else:
            raise AssertionError(f"{values!r:.80} was accepted")
        assert time.perf_counter() - started < 0.5


def test_forwarding_8bit_mail_with_hundreds_of_encoded_words_as_attachment_is_quick():
    """Found: an 8-bit original whose subject held 400 encoded words took nine seconds to
    attach: the email package refolded the header in quadratic time, twice."""
    raw = (
        b"Subject: " + b"=?utf-8?q?a?= =?utf-8?q?b?=" * 200 + b" \xd1\x9a\xeb\r\n"
        b"From: anna@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Gr\xc3\xbc\xc3\x9fe\r\n"
    )
    view = _open_like_the_reader(raw)
    started = time.perf_counter()
    _forward_attached(view, raw)
    assert time.perf_counter() - started < 1.0
    draft = replies.forward_draft(view, as_attachment=True, raw_message=raw, **_SENDER)
    data = mime.serialize(mime.build_message(draft))
    assert data.isascii()
    inner = next(email.message_from_bytes(data, policy=email.policy.default).iter_attachments())
    assert inner.get_content().get_content() == "Grüße\r\n"


def _nested(levels: int, text: bytes) -> bytes:
    """A mail whose text is `levels` multiparts deep (about 60 bytes a level)."""
    inner = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + b"\r\n"
    for level in range(levels):
        inner = (
            b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n%s\r\n--n%d--\r\n'
            % (level, level, inner, level)
        )
    return b"From: anna@example.org\r\nSubject: tief\r\nMIME-Version: 1.0\r\n" + inner


def _forwarded_and_reopened(raw: bytes) -> bytes:
    """The original forwarded as attachment, the draft saved and reopened: the .eml file
    the reopened draft holds."""
    view = _open_like_the_reader(raw)
    draft = replies.forward_draft(view, as_attachment=True, raw_message=raw, **_SENDER)
    reopened = mime.read_draft(io.BytesIO(mime.serialize(mime.build_message(draft))))
    (attachment,) = reopened.attachments
    assert attachment.mime_type == "message/rfc822"
    return attachment.content()


def test_mail_with_8bit_text_nested_600_deep_can_be_forwarded_as_attachment():
    """Found: making such an original 7-bit, the email package recursed beyond Python's
    limit; forwarding it as attachment failed instead of taking the fallback (base64)."""
    raw = _nested(600, "Grüße".encode())
    with _recursion_limit_of_odoo():
        attached = _forwarded_and_reopened(raw)
    assert attached == raw


def test_a_draft_forwarding_mail_nested_600_deep_reopens_with_it_whole():
    """Found: a 7-bit original goes into the forward as it is, but reading the saved draft
    back, the email package recursed beyond Python's limit in writing the attached mail
    out again: the draft could not be reopened, nor sent later."""
    raw = _nested(600, b"Hallo")
    with _recursion_limit_of_odoo():
        attached = _forwarded_and_reopened(raw)
    assert attached == raw
