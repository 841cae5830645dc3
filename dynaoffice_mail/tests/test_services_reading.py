"""Reading messages, streaming parts and sources, against the real Dovecot of this run."""

import base64
import datetime
import email
import email.policy
import os
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import pytest

from odoo.addons.dynaoffice_mail.services import exceptions, imap, limits
from odoo.addons.dynaoffice_mail.services.addresses import Address
from odoo.addons.dynaoffice_mail.services.exceptions import UidValidityChangedError
from odoo.addons.dynaoffice_mail.services.headers import decode_header_text
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.services.reading import (
    read_message,
    stream_part,
    stream_source,
)
from odoo.addons.dynaoffice_mail.tests.common import imap_settings, nested_message

UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
# A real PNG (1x1, transparent), so a viewer would show it.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def _connect(servers, address, password):
    return imap.connect(imap_settings(servers, address, password, timeout=10))


class CommandLog:
    """The IMAP commands a client sends, as "NAME ARG ..." lines (imaplib's _command)."""

    def __init__(self, client):
        self._imap = client._imap
        self.commands = []

    def __enter__(self):
        send = self._imap._command

        def recording(name, *args):
            words = [arg.decode() if isinstance(arg, bytes) else str(arg) for arg in args]
            self.commands.append(" ".join([name, *words]))
            return send(name, *args)

        self._imap._command = recording
        return self

    def __exit__(self, *exc_info):
        del self._imap._command

    def named(self, *prefix) -> list[str]:
        return [line for line in self.commands if line.split()[: len(prefix)] == list(prefix)]


def _message(subject, **headers):
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = headers.pop("sender", formataddr(("Anna Absender", "anna@example.org")))
    message["To"] = headers.pop("to", "me@dynaoffice.test")
    message["Subject"] = subject
    message["Date"] = format_datetime(NOW)
    message["Message-ID"] = headers.pop("message_id", f"<{secrets.token_hex(8)}@example.org>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def _plain():
    message = _message(
        "Grüße aus München",
        sender=formataddr(("Jörg Müller", "joerg@example.org")),
        to="Anna <anna@example.org>, bob@example.org",
        Cc=formataddr(("Zoë Çelik", "zoe@example.org")),
        Reply_To="Vertrieb <vertrieb@example.org>",
        message_id="<plain@example.org>",
        In_Reply_To="<earlier@example.org>",
        References="<first@example.org> <earlier@example.org>",
    )
    message.set_content("Hallo Anna,\n\nschöne Grüße!\n")
    return message.as_bytes()


def _alternative():
    message = _message("HTML und Text")
    message.set_content("Das Angebot (Text)")
    message.add_alternative("<p>Das <b>Angebot</b> (HTML)</p>", subtype="html")
    return message.as_bytes()


def _eight_bit(subject, charset, body: bytes):
    return (
        f"From: a@example.org\r\nSubject: {subject}\r\nDate: {format_datetime(NOW)}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body


def _chinese():
    """Chinese mail declared "gb2312" whose text, sender and file name use characters only
    GBK has (as nearly every Chinese mail program writes them): "镕" among them."""
    name = base64.b64encode("朱镕基".encode("gbk")).decode()
    file_name = "".join(f"%{byte:02X}" for byte in "镕发票".encode("gbk"))
    head = (
        f"From: =?gb2312?B?{name}?= <zhu@example.org>\r\nSubject: Zhongwen\r\n"
        f"Date: {format_datetime(NOW)}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    tail = (
        "--b\r\nContent-Type: application/pdf\r\n"
        f"Content-Disposition: attachment; filename*=gb2312''{file_name}.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    return head.encode() + "朱镕基的发票\r\n".encode("gbk") + tail.encode()


def _rich():
    message = _message("Angebot mit Anhang")
    message.set_content("Hallo, anbei das Angebot.")
    message.add_alternative('<p>Hallo <img src="cid:logo@example.org"></p>', subtype="html")
    message.get_payload()[1].add_related(
        PNG, "image", "png", cid="<logo@example.org>", filename="logo.png", disposition="inline"
    )
    message.add_attachment(b"%PDF-1.4 " * 100, "application", "pdf", filename="Grüße & Angebot.pdf")
    return message.as_bytes()


def _two_texts():
    message = _message("Zwei Texte")
    message.make_mixed()
    for text in ("Erster Teil", "Zweiter Teil"):
        part = EmailMessage(policy=email.policy.SMTP)
        part.set_content(text)
        message.attach(part)
    return message.as_bytes()


def _broken(subject, content_type, body, encoding="7bit"):
    return (
        f"From: a@example.org\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n{body}\r\n"
    ).encode()


MESSAGES = {
    "plain": _plain(),
    "alternative": _alternative(),
    "latin1": _eight_bit("Latin-1", "iso-8859-1", "Grüße aus Köln".encode("latin-1")),
    "unknown-utf8": _eight_bit("Unbekannt UTF-8", "x-klingon", "Grüße aus Köln".encode()),
    "unknown-latin1": _eight_bit("Unbekannt", "x-klingon", "Grüße aus Köln".encode("latin-1")),
    "rich": _rich(),
    "euro": _eight_bit("Euro", "iso-8859-1", "Preis: 100 € – „netto“".encode("cp1252")),
    "chinese": _chinese(),
    "korean": _eight_bit("Hangeul", "ks_c_5601-1987", "똠방각하".encode("cp949")),
    "japanese": _eight_bit("Nihongo", "shift_jis", "①番の会議室".encode("cp932")),
    "mac": _eight_bit("Mac", "x-mac-roman", "Grüße".encode("mac-roman")),
    "two-texts": _two_texts(),
    "nested": nested_message(
        limits.MAX_DEPTH + 5,
        From=formataddr(("Jörg Müller", "joerg@example.org")),
        Subject="Tief verschachtelt",
        Date=format_datetime(NOW),
    ),
    "no-boundary": _broken("Ohne Grenze", "multipart/mixed", "Nur die Vorrede"),
    "bad-base64": _broken("Kaputt", "text/plain", "!!! das ist kein base64 !!!", "base64"),
}


@pytest.fixture
def reading_box(mail_servers, mailbox):
    """A mailbox with MESSAGES in INBOX; yields (client, uidvalidity, {name: uid})."""
    address, password = mailbox
    mail_servers.dovecot.write_messages(
        address,
        [
            ("INBOX", raw, set(), NOW + datetime.timedelta(minutes=index))
            for index, raw in enumerate(MESSAGES.values())
        ],
    )
    client = _connect(mail_servers, address, password)
    try:
        uidvalidity, uids = _uids_by_raw(client, MESSAGES)
        yield client, uidvalidity, uids
    finally:
        client.logout()


def _uids_by_raw(client, messages):
    """Which UID each message got, read with plain imapclient (independent of our code)."""
    response = client.select_folder("INBOX", readonly=True)
    data = client.fetch(client.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    by_subject = {
        email.message_from_bytes(raw, policy=email.policy.default)["Subject"]: name
        for name, raw in messages.items()
    }
    uids = {}
    for uid, item in data.items():
        header = email.message_from_bytes(
            item[b"BODY[HEADER.FIELDS (SUBJECT)]"], policy=email.policy.default
        )
        uids[by_subject[header["Subject"]]] = uid
    client.unselect_folder()
    return response[b"UIDVALIDITY"], uids


def _flags(servers, address, password, uid):
    client = _connect(servers, address, password)
    try:
        client.select_folder("INBOX", readonly=True)
        return set(client.get_flags([uid])[uid])
    finally:
        client.logout()


def _reference_part(raw, filename):
    """The decoded content of the attachment `filename`, as the email package reads it."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.get_filename() == filename:
            return part.get_payload(decode=True)
    raise AssertionError(f"no {filename} in the message")


# -- reading ---------------------------------------------------------------------------------


def test_plain_text_mail_with_encoded_headers(reading_box):
    client, uidvalidity, uids = reading_box
    assert b"=?utf-8?" in MESSAGES["plain"]  # the umlauts really are RFC 2047 words
    view = read_message(client, "INBOX", uidvalidity, uids["plain"])
    assert view.subject == "Grüße aus München"
    assert view.from_ == (Address("Jörg Müller", "joerg@example.org"),)
    assert view.to == (Address("Anna", "anna@example.org"), Address("", "bob@example.org"))
    assert view.cc == (Address("Zoë Çelik", "zoe@example.org"),)
    assert view.reply_to == (Address("Vertrieb", "vertrieb@example.org"),)
    assert view.date == NOW
    assert view.message_id == "<plain@example.org>"
    assert view.in_reply_to == "<earlier@example.org>"
    assert view.references == ("<first@example.org>", "<earlier@example.org>")
    assert view.text.strip() == "Hallo Anna,\n\nschöne Grüße!"
    assert view.html is None
    assert view.attachments == ()
    assert (view.error, view.raw_source, view.truncated) == (None, None, False)
    assert (view.uid, view.uidvalidity) == (uids["plain"], uidvalidity)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Found by the hostile corpus: email.header hands unencoded text back through
        # raw-unicode-escape, so a backslash beside an encoded word broke the whole list.
        ("C:\\users =?utf-8?Q?=C3=A4?=", "C:\\users ä"),
        ("\\u0041 =?utf-8?Q?=C3=A4?=", "\\u0041 ä"),
        ("=?utf-8?Q?=C3?= =?utf-8?Q?=A4?=", "ä"),  # one character split between two words
        ("a =?utf-8?Q?b?=\r\n =?iso-8859-1?Q?=E9?= c", "a bé c"),
        ("=?unicode-escape?Q?\\u003cb\\u003e?=", "\\u003cb\\u003e"),  # no escapes
        ("=?x-unknown?B?w6Q=?= =?utf-8*de?Q?=C3=BC?=", "äü"),
        (
            "=?utf-8?X?kaputt?= =?utf-8?B?kein base64!?=",
            "=?utf-8?X?kaputt?= =?utf-8?B?kein base64!?=",
        ),
    ],
)
def test_encoded_words_decode_whole_and_nothing_else(raw, expected):
    assert decode_header_text(raw) == expected


def test_thousands_of_encoded_words_decode_in_one_pass():
    words = "\r\n ".join(
        f"=?utf-8?B?{base64.b64encode(f'ä{n}'.encode()).decode()}?=" for n in range(5000)
    )
    assert decode_header_text(words) == "".join(f"ä{n}" for n in range(5000))


def test_html_is_preferred_over_text_and_only_it_is_fetched(reading_box):
    client, uidvalidity, uids = reading_box
    imap.ensure_selected(client, "INBOX")
    with CommandLog(client) as log:
        view = read_message(client, "INBOX", uidvalidity, uids["alternative"])
    assert "<b>Angebot</b> (HTML)" in view.html
    assert view.text is None
    # NOOP, the header FETCH and one FETCH of the HTML part (1.2), never the text part.
    assert len(log.commands) <= 3
    body_fetches = [line for line in log.named("UID", "FETCH") if "BODYSTRUCTURE" not in line]
    assert len(body_fetches) == 1
    assert "BODY.PEEK[2]" in body_fetches[0] and "BODY.PEEK[1]" not in body_fetches[0]
    assert not log.named("UID", "STORE")


@pytest.mark.parametrize(
    "name",
    ["latin1", "unknown-utf8", "unknown-latin1"],
)
def test_charsets_declared_wrong_or_unknown_still_read(reading_box, name):
    client, uidvalidity, uids = reading_box
    view = read_message(client, "INBOX", uidvalidity, uids[name])
    assert view.text.strip() == "Grüße aus Köln"
    assert view.error is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("euro", "Preis: 100 € – „netto“"),
        ("chinese", "朱镕基的发票"),
        ("korean", "똠방각하"),
        ("japanese", "①番の会議室"),
        ("mac", "Grüße"),
    ],
)
def test_charsets_are_read_as_mail_programs_mean_them(reading_box, name, expected):
    """Windows' euro sign and quotes in mail declared "iso-8859-1" (Latin-1 has control
    characters there, which were dropped); Chinese, Korean and Japanese mail declared by
    the older standard but written in its Windows superset, as Outlook and others do (the
    characters only the superset has were "?"); "x-mac-roman", a name Python lacks."""
    client, uidvalidity, uids = reading_box
    view = read_message(client, "INBOX", uidvalidity, uids[name])
    assert view.text.strip() == expected
    assert view.error is None
    if name == "chinese":
        assert view.from_ == (Address("朱镕基", "zhu@example.org"),)
        assert [attachment.filename for attachment in view.attachments] == ["镕发票.pdf"]


def test_attachments_with_sizes_rfc2231_names_and_inline_images(reading_box):
    client, uidvalidity, uids = reading_box
    assert b"filename*=" in MESSAGES["rich"]  # the PDF's name really is RFC 2231 encoded
    view = read_message(client, "INBOX", uidvalidity, uids["rich"])
    assert '<img src="cid:logo@example.org">' in view.html
    by_name = {attachment.filename: attachment for attachment in view.attachments}
    assert set(by_name) == {"logo.png", "Grüße & Angebot.pdf"}
    logo, pdf = by_name["logo.png"], by_name["Grüße & Angebot.pdf"]
    assert (logo.mime_type, logo.content_id, logo.inline) == ("image/png", "logo@example.org", True)
    assert (pdf.mime_type, pdf.content_id, pdf.inline) == ("application/pdf", None, False)
    # Sizes of the files, not of their base64 on the wire (900 bytes of PDF are 1232 there);
    # base64's padding is not seen from BODYSTRUCTURE: at most two bytes too many.
    assert pdf.size == 900 and len(PNG) <= logo.size <= len(PNG) + 2
    assert view.cid_parts == {"logo@example.org": logo.part_number}
    _head, chunks = stream_part(client, "INBOX", uidvalidity, uids["rich"], logo.part_number)
    assert b"".join(chunks) == PNG


def test_inline_text_parts_are_shown_one_after_the_other(reading_box):
    client, uidvalidity, uids = reading_box
    view = read_message(client, "INBOX", uidvalidity, uids["two-texts"])
    assert view.text.split() == ["Erster", "Teil", "Zweiter", "Teil"]
    assert view.attachments == ()


def test_body_is_cut_at_the_limit(reading_box):
    client, uidvalidity, uids = reading_box
    view = read_message(client, "INBOX", uidvalidity, uids["plain"], max_body_bytes=10)
    assert view.truncated
    assert view.text == "Hallo Anna"


def test_reading_leaves_unread_mail_unread_unless_asked(mail_servers, mailbox, reading_box):
    client, uidvalidity, uids = reading_box
    uid = uids["alternative"]
    view = read_message(client, "INBOX", uidvalidity, uid)
    assert not view.seen
    assert "\\Seen" not in {flag.decode() for flag in _flags(mail_servers, *mailbox, uid)}
    with CommandLog(client) as log:
        view = read_message(client, "INBOX", uidvalidity, uid, mark_seen=True)
    assert view.seen
    assert len(log.named("UID", "STORE")) == 1
    assert "\\Seen" in {flag.decode() for flag in _flags(mail_servers, *mailbox, uid)}
    # Already read: no second STORE.
    with CommandLog(client) as log:
        assert read_message(client, "INBOX", uidvalidity, uid, mark_seen=True).seen
    assert not log.named("UID", "STORE")


class Timeline:
    """The commands a client sends and the answers it reads, in their order."""

    def __init__(self, client):
        self._imap = client._imap
        self.events = []

    def __enter__(self):
        send, complete = self._imap._command, self._imap._command_complete

        def sending(name, *args):
            words = [arg.decode() if isinstance(arg, bytes) else str(arg) for arg in args]
            self.events.append("send " + " ".join([name, *words[:1]]))
            return send(name, *args)

        def reading(name, tag):
            self.events.append(f"read {name}")
            return complete(name, tag)

        self._imap._command, self._imap._command_complete = sending, reading
        return self

    def __exit__(self, *exc_info):
        del self._imap._command
        del self._imap._command_complete


def test_opening_a_message_takes_two_round_trips(mail_servers, mailbox, reading_box):
    """On a connection that has the folder selected: the NOOP and the FETCH of flags,
    structure and header go out together, then the STORE of \\Seen with the FETCH of the
    text; each pair's answers are read after both went out."""
    client, uidvalidity, uids = reading_box
    read_message(client, "INBOX", uidvalidity, uids["plain"])  # the folder selected
    with Timeline(client) as timeline:
        view = read_message(client, "INBOX", uidvalidity, uids["alternative"], mark_seen=True)
    assert timeline.events == [
        "send NOOP",
        "send UID FETCH",
        "read NOOP",
        "read FETCH",
        "send UID STORE",
        "send UID FETCH",
        "read FETCH",
        "read STORE",
    ]
    assert view.seen and "<b>" in view.html
    flags = _flags(mail_servers, *mailbox, uids["alternative"])
    assert "\\Seen" in {flag.decode() for flag in flags}


def test_the_first_select_goes_out_with_enable(mail_servers, mailbox):
    """On a new connection, ENABLE QRESYNC (the list cache's validator) and the first SELECT
    go out together, one round trip for both, and the folder's HIGHESTMODSEQ is known."""
    client = _connect(mail_servers, *mailbox)
    try:
        with Timeline(client) as timeline:
            imap.ensure_selected(client, "INBOX")
        assert client.qresync and client.highest_modseq is not None
    finally:
        client.logout()
    assert timeline.events == [
        "send ENABLE QRESYNC",
        'send SELECT "INBOX"',
        "read SELECT",
        "read ENABLE",
    ]


def test_a_message_that_arrived_since_the_last_look_opens(
    mail_servers, mailbox, reading_box, monkeypatch
):
    """Another client delivers a mail after this connection last looked at the folder: it
    opens. A server may answer the FETCH sent with the NOOP from the view before the NOOP's
    sync (Dovecot runs a UID FETCH after it, so that FETCH is made to miss here): what it
    did not find is asked for once more after the NOOP's answer."""
    client, uidvalidity, uids = reading_box
    read_message(client, "INBOX", uidvalidity, uids["plain"])  # the folder selected
    address, password = mailbox
    arrived = _message("Gerade angekommen")
    arrived.set_content("Hallo")
    other = _connect(mail_servers, address, password)
    try:
        answer = other.append("INBOX", arrived.as_bytes())
    finally:
        other.logout()
    uid = int(answer.split(b"APPENDUID ")[1].split()[1].rstrip(b"]"))
    view = read_message(client, "INBOX", uidvalidity, uid)
    assert view.subject == "Gerade angekommen" and view.text.strip() == "Hallo"

    send = imap.send

    def missing(connection, *words):
        if words[:3] == ("UID", "FETCH", str(uid)):
            words = ("UID", "FETCH", "99999", *words[3:])  # as if before the new mail
        return send(connection, *words)

    monkeypatch.setattr(imap, "send", missing)
    with Timeline(client) as timeline:
        view = read_message(client, "INBOX", uidvalidity, uid)
    assert view.subject == "Gerade angekommen" and view.text.strip() == "Hallo"
    assert timeline.events[:5] == [
        "send NOOP",
        "send UID FETCH",
        "read NOOP",
        "read FETCH",
        "send UID FETCH",  # asked again, then the text
    ]
    assert timeline.events.count("send UID FETCH") == 3


def test_renumbered_folder_and_vanished_message_are_refused(reading_box):
    client, uidvalidity, uids = reading_box
    uid = uids["plain"]
    with pytest.raises(UidValidityChangedError):
        read_message(client, "INBOX", uidvalidity + 1, uid)
    with pytest.raises(UidValidityChangedError):
        stream_part(client, "INBOX", uidvalidity + 1, uid, "1")
    with pytest.raises(UidValidityChangedError):
        stream_source(client, "INBOX", uidvalidity + 1, uid)
    for call in (
        lambda: read_message(client, "INBOX", uidvalidity, 99_999),
        lambda: stream_part(client, "INBOX", uidvalidity, 99_999, "1"),
        lambda: stream_source(client, "INBOX", uidvalidity, 99_999),
        lambda: stream_part(client, "INBOX", uidvalidity, uid, "7"),
    ):
        with pytest.raises(exceptions.MessageNotFoundError):
            call()


# Date headers as other programs write them, and the day the list and the reading pane
# show: None where the header names no year of mail (the client shows the day it arrived).
_ODD_DATES = {
    "Mon, 1 Jan 0001 10:00:00 +0000": None,  # Python's two-digit rule read it as 2001
    "Fri, 1 Jan 0099 10:00:00 +0000": None,  # ... and this as 1999
    "1 Jan 126 10:00:00 +0000": None,  # three digits: no year of mail
    "Sun, 14 Oct 1066 10:00:00 +0000": None,
    "Mon, 1 Jan 24 10:00:00 +0000": datetime.date(2024, 1, 1),  # two digits: this century
    "1 Jan 99 10:00:00 +0000": datetime.date(1999, 1, 1),
    "Fri, 5 Dec 1969 10:00:00 +0000": datetime.date(1969, 12, 5),
}


def test_a_date_of_no_mails_year_is_none_in_the_list_and_the_reading_pane(mail_servers, mailbox):
    """A Date header written "Mon, 1 Jan 0001" is no mail of 2001: where the header names
    no year of mail, the list and the reading pane read it as none (the client shows the day
    the mail arrived), and a two-digit year still reads as the year it means."""
    address, password = mailbox
    arrived = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    raws = [
        (
            f"From: anna@example.org\r\nTo: me@dynaoffice.test\r\nSubject: {header}\r\n"
            f"Date: {header}\r\nMessage-ID: <{index}.date@example.org>\r\n\r\nHallo\r\n"
        ).encode()
        for index, header in enumerate(_ODD_DATES)
    ]
    mail_servers.dovecot.write_messages(address, [("INBOX", raw, set(), arrived) for raw in raws])
    client = _connect(mail_servers, address, password)
    try:
        page = page_messages(client, "INBOX", limit=50)
        rows = {row.subject: row for row in page.messages}
        assert sorted(rows) == sorted(_ODD_DATES)
        for header, day in _ODD_DATES.items():
            row = rows[header]
            view = read_message(client, "INBOX", page.uidvalidity, row.uid)
            for date in (row.date, view.date):
                assert (date and date.date()) == day, (header, date)
            assert row.internal_date == arrived, header
    finally:
        client.logout()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("nested", "too complex"),
        ("no-boundary", "no boundary"),
        ("bad-base64", "should be base64"),
    ],
)
def test_malformed_mail_still_shows_headers_and_source(reading_box, name, error):
    client, uidvalidity, uids = reading_box
    view = read_message(client, "INBOX", uidvalidity, uids[name])
    assert error in view.error
    assert view.raw_source == MESSAGES[name].decode("utf-8", "replace")
    assert view.html is None and view.text is None
    expected_subject = {
        "nested": "Tief verschachtelt",
        "no-boundary": "Ohne Grenze",
        "bad-base64": "Kaputt",
    }
    assert view.subject == expected_subject[name]
    if name == "nested":
        assert view.from_ == (Address("Jörg Müller", "joerg@example.org"),)


@pytest.mark.parametrize(
    "part_number", ["", "0", "1.", ".1", "1..2", "1 2", "1\r\nA1 LOGOUT", "BODY[]", "-1"]
)
def test_part_numbers_are_checked_before_the_wire(reading_box, part_number):
    client, uidvalidity, uids = reading_box
    with CommandLog(client) as log, pytest.raises(exceptions.InvalidInputError):
        stream_part(client, "INBOX", uidvalidity, uids["rich"], part_number)
    assert log.commands == []


# -- streaming -------------------------------------------------------------------------------


@pytest.fixture
def big_box(mail_servers, mailbox):
    """A message with a 3 MB attachment and a quoted-printable text attachment."""
    data = os.urandom(3 * 1024 * 1024 + 7)
    message = _message("Große Datei")
    message.set_content("Anbei die Daten.")
    message.add_attachment(data, "application", "octet-stream", filename="daten.bin")
    notes = "".join(f"Zeile {n}: Größe ≥ 3 € a=b {'x' * (n % 97)}\n" for n in range(250))
    message.add_attachment(notes, subtype="plain", cte="quoted-printable", filename="notiz.txt")
    raw = message.as_bytes()
    address, password = mailbox
    mail_servers.dovecot.write_messages(address, [("INBOX", raw, set(), NOW)])
    client = _connect(mail_servers, address, password)
    try:
        uidvalidity, uids = _uids_by_raw(client, {"big": raw})
        yield client, uidvalidity, uids["big"], raw
    finally:
        client.logout()


def _part_number(client, uidvalidity, uid, filename):
    view = read_message(client, "INBOX", uidvalidity, uid)
    return next(a for a in view.attachments if a.filename == filename)


def test_large_attachment_streams_in_chunks_byte_identical(big_box):
    client, uidvalidity, uid, raw = big_box
    attachment = _part_number(client, uidvalidity, uid, "daten.bin")
    with CommandLog(client) as log:
        head, chunks = stream_part(client, "INBOX", uidvalidity, uid, attachment.part_number)
        assert len(log.named("UID", "FETCH")) == 1  # BODYSTRUCTURE only, nothing read yet
        received = list(chunks)
    assert head.mime_type == "application/octet-stream"
    assert head.filename == "daten.bin"
    assert head.encoding == "base64"
    assert head.size > 4_000_000  # the base64 on the wire, which the chunks count in
    assert 3 * 1024 * 1024 + 7 <= attachment.size <= 3 * 1024 * 1024 + 9  # the file
    assert b"".join(received) == _reference_part(raw, "daten.bin")
    chunk_fetches = [line for line in log.named("UID", "FETCH") if "BODYSTRUCTURE" not in line]
    # 4.1 MB of base64 in 1 MiB pieces: five FETCHes, each asking for at most 1 MiB.
    assert len(chunk_fetches) == 5
    assert all(line.endswith(".1048576>)") for line in chunk_fetches)
    assert max(len(chunk) for chunk in received) <= 1_048_576


def test_a_file_told_from_a_picture_by_its_bytes_still_arrives_whole(big_box):
    """The part route asks whether an untyped part is a picture (its first bytes): a
    3 MB file that is none is not one, and streams byte for byte all the same."""
    client, uidvalidity, uid, raw = big_box
    attachment = _part_number(client, uidvalidity, uid, "daten.bin")
    head, chunks = stream_part(
        client, "INBOX", uidvalidity, uid, attachment.part_number, picture=True
    )
    assert head.picture_type is None
    assert b"".join(chunks) == _reference_part(raw, "daten.bin")


@pytest.mark.parametrize(
    ("text_chunk", "data_chunk"), [(13, 13_013), (77, 65_537), (4093, 1_048_573)]
)
def test_odd_chunk_sizes_split_base64_and_quoted_printable_anywhere(
    big_box, text_chunk, data_chunk
):
    client, uidvalidity, uid, raw = big_box
    notes = _part_number(client, uidvalidity, uid, "notiz.txt")
    head, chunks = stream_part(
        client, "INBOX", uidvalidity, uid, notes.part_number, chunk_size=text_chunk
    )
    assert head.encoding == "quoted-printable"
    decoded = b"".join(chunks)
    assert decoded == _reference_part(raw, "notiz.txt")
    assert "Größe ≥ 3 € a=b" in decoded.decode()
    data = _part_number(client, uidvalidity, uid, "daten.bin")
    _head, chunks = stream_part(
        client, "INBOX", uidvalidity, uid, data.part_number, chunk_size=data_chunk
    )
    # Far enough into the 3 MB to cross several chunk borders, then stop reading.
    start = b""
    for chunk in chunks:
        start += chunk
        if len(start) >= 3 * data_chunk:
            chunks.close()
            break
    assert len(start) > 30_000
    assert start == _reference_part(raw, "daten.bin")[: len(start)]


def test_source_streams_exactly_as_stored(big_box):
    client, uidvalidity, uid, raw = big_box
    with CommandLog(client) as log:
        size, chunks = stream_source(client, "INBOX", uidvalidity, uid, chunk_size=1_048_576)
        received = list(chunks)
    assert size == len(raw)
    assert b"".join(received) == raw
    assert len(log.named("UID", "FETCH")) == 1 + len(received)
    assert all("BODY.PEEK[]<" in line for line in log.named("UID", "FETCH")[1:])


def test_attachment_sizes_are_the_files_not_their_base64(mail_servers, mailbox):
    # 3000 bytes are 4106 of base64 with its line breaks: the reading pane says 3000, what
    # the download will have. 3001 bytes end in padding, which BODYSTRUCTURE does not show.
    message = _message("Zwei Anhänge")
    message.set_content("Anbei.")
    message.add_attachment(os.urandom(3000), "application", "octet-stream", filename="a.bin")
    message.add_attachment(os.urandom(3001), "application", "octet-stream", filename="b.bin")
    raw = message.as_bytes()
    address, password = mailbox
    mail_servers.dovecot.write_messages(address, [("INBOX", raw, set(), NOW)])
    client = _connect(mail_servers, address, password)
    try:
        uidvalidity, uids = _uids_by_raw(client, {"two": raw})
        view = read_message(client, "INBOX", uidvalidity, uids["two"])
    finally:
        client.logout()
    sizes = {attachment.filename: attachment.size for attachment in view.attachments}
    assert sizes == {"a.bin": 3000, "b.bin": 3003}


def test_broken_base64_attachment_still_downloads(mail_servers, mailbox):
    # Two base64 bodies glued together ("=" padding in the middle) and a stray character:
    # what broken mailers send; the download gives what can be decoded instead of failing.
    first, second = base64.b64encode(b"%PDF-1.4 a"), base64.b64encode(b"b end")
    raw = (
        b"From: x@example.com\r\nSubject: Kaputter Anhang\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain\r\n\r\nAnbei.\r\n--B\r\n"
        b'Content-Type: application/pdf; name="v.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + first + b"\r\n" + second + b"!\r\n--B--\r\n"
    )
    address, password = mailbox
    mail_servers.dovecot.write_messages(address, [("INBOX", raw, set(), NOW)])
    client = _connect(mail_servers, address, password)
    try:
        uidvalidity, uids = _uids_by_raw(client, {"broken": raw})
        attachment = _part_number(client, uidvalidity, uids["broken"], "v.pdf")
        _head, chunks = stream_part(
            client, "INBOX", uidvalidity, uids["broken"], attachment.part_number
        )
        data = b"".join(chunks)
    finally:
        client.logout()
    assert data.startswith(b"%PDF-1.4")
