"""The preview line under each subject, against the real Dovecot of this run: made by the
server where it offers PREVIEW (Dovecot 2.3 does, as installed), read from the first bytes
of the first text part where it does not, and one clean short line either way."""

import datetime
import email.policy
import secrets
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.dynaoffice_mail.services import imap, limits, messages, previews
from odoo.addons.dynaoffice_mail.services.headers import clean_text
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.tests.common import imap_settings
from odoo.addons.dynaoffice_mail.tests.test_services_mailbox import WireLog

DAY = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
GREETING = "Hallo Anna, anbei das Angebot für die Büromöbel, gültig bis Freitag."
HOSTILE_HTML = (
    "<html><head><style>p { color: red }</style>"
    "<script>alert('x')</script></head><body>"
    "<!-- a comment --><p onclick=\"alert('y')\">Sehr <b>geehrte</b>\r\nDamen\x00 und"
    '<br>Herren, <a href="https://tracker.example/x">hier klicken</a></p>'
    "<img src=x onerror=alert(1)><iframe src='https://evil.example'></iframe>"
    + "<div>"
    + "Wort " * 200
    + "</div></body></html>"
)


def _message(subject, *, text=None, html=None, charset="utf-8", cte=None, attachment=False):
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = "Kunde <kunde@example.com>"
    message["To"] = "me@dynaoffice.test"
    message["Subject"] = subject
    message["Message-ID"] = f"<{secrets.token_hex(8)}@dynaoffice.test>"
    if text is not None:
        message.set_content(text, charset=charset, cte=cte)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html", charset=charset, cte=cte)
        else:
            message.add_alternative(html, subtype="html", charset=charset, cte=cte)
    if attachment:
        message.add_attachment(b"%PDF-1.4 " * 1000, "application", "pdf", filename="a.pdf")
    return message.as_bytes()


# (subject, raw message, what its preview must start with; None: not checked here)
MESSAGES = [
    ("plain", _message("plain", text=GREETING + "\n\nViele Grüße\nBen\n"), GREETING),
    (
        "reply",
        _message("reply", text="Passt, danke!\n\n> Hallo Ben,\n> das ist der alte Text\n"),
        "Passt, danke!",
    ),
    (
        "alternative",
        _message("alternative", text="Nur Text: " + GREETING, html=f"<p>HTML: {GREETING}</p>"),
        "Nur Text: Hallo Anna",
    ),
    ("html only", _message("html only", html=HOSTILE_HTML), "Sehr geehrte Damen und Herren"),
    (
        "latin-1 quoted-printable",
        _message("latin-1", text="Grüße aus Köln " * 20, charset="latin-1", cte="quoted-printable"),
        "Grüße aus Köln Grüße",
    ),
    (
        "base64 long",
        _message("base64", text="Zeile mit Inhalt. " * 5000, cte="base64"),
        "Zeile mit Inhalt. Zeile",
    ),
    ("attachment only text", _message("pdf", text="Siehe Anhang.", attachment=True), "Siehe"),
]
BROKEN = [
    # multipart without boundary, base64 that is none, a charset nobody has, no body at all
    b"Subject: no boundary\r\nContent-Type: multipart/mixed\r\n\r\n<p>kaputt</p>\r\n",
    (
        b"Subject: bad base64\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n"
        b"\r\n%%%% not base64 at all \x00\xff\r\n"
    ),
    (
        b"Subject: odd charset\r\nContent-Type: text/html; charset=x-unknown-77\r\n\r\n"
        b"<html><body>\xe4\xf6\xfc<script>alert(1)</script>\r\nZeile\rzwei\nende\x00</body>"
    ),
    b"Subject: empty\r\n\r\n",
    (
        b"Subject: only an image\r\nContent-Type: image/png\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
    ),
    b"Subject: one long word\r\nContent-Type: text/plain\r\n\r\n" + b"x" * 50_000 + b"\r\n",
]


@pytest.fixture(scope="module")
def preview_folder(mail_servers):
    address = f"preview-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    raws = [raw for _name, raw, _start in MESSAGES] + BROKEN
    mail_servers.dovecot.write_messages(
        address,
        [
            ("INBOX", raw, set(), DAY + datetime.timedelta(hours=index))
            for index, raw in enumerate(raws)
        ],
    )
    return address, password


NO_PREVIEW = (b"PREVIEW", b"PREVIEW=FUZZY", b"SNIPPET=FUZZY")
# Dovecot before 2.3.15 offered the draft's SNIPPET only.
SNIPPET_ONLY = (b"PREVIEW", b"PREVIEW=FUZZY")


def _connect(servers, address, password, *, hidden=()):
    client = imap.connect(imap_settings(servers, address, password))
    if hidden:
        # A server without RFC 8970: the same Dovecot with the capability not advertised.
        client._cached_capabilities = tuple(
            capability for capability in client.capabilities() if capability not in hidden
        )
    return client


def _clean_and_short(preview):
    assert isinstance(preview, str)
    assert len(preview) <= limits.PREVIEW_CHARS
    assert not any(char in preview for char in "\r\n\x00\t<>"), preview
    for word in ("alert", "color: red", "tracker.example", "comment"):
        assert word not in preview, preview
    assert preview == preview.strip()


@pytest.mark.parametrize(
    "hidden", [(), SNIPPET_ONLY, NO_PREVIEW], ids=["server-preview", "server-snippet", "read-here"]
)
def test_every_row_has_a_clean_preview(mail_servers, preview_folder, hidden):
    previews.forget_previews()
    client = _connect(mail_servers, *preview_folder, hidden=hidden)
    try:
        assert client.has_capability("PREVIEW") is not bool(hidden)
        with WireLog(client) as wire:
            page = page_messages(client, "INBOX", sort="arrival", reverse=False)
    finally:
        client.logout()
    by_subject = {message.subject: message.preview for message in page.messages}
    for name, _raw, start in MESSAGES:
        subject = _message_subject(name)
        assert by_subject[subject].startswith(start), (name, by_subject[subject])
    for message in page.messages:
        _clean_and_short(message.preview)
    assert by_subject["empty"] == by_subject["only an image"] == ""
    assert by_subject["one long word"] == "x" * limits.PREVIEW_CHARS
    fetches = [command for command in wire.commands if "FETCH" in command]
    if hidden == NO_PREVIEW:
        # The summaries, then one bounded FETCH per part number (all of these have their
        # text in part 1), never more than a few KB of a message.
        assert "PREVIEW" not in fetches[0]
        assert len(fetches) == 2, fetches
        assert all("BODY.PEEK[" in command for command in fetches[1:])
        assert all(
            f"<0.{limits.PREVIEW_HTML_BYTES}>" in command
            or f"<0.{limits.PREVIEW_TEXT_BYTES}>" in command
            for command in fetches[1:]
        )
    else:
        made_by = "SNIPPET (FUZZY)" if hidden else "PREVIEW"
        assert len(fetches) == 1 and fetches[0].endswith(f" {made_by})"), fetches


@pytest.mark.parametrize("hidden", [SNIPPET_ONLY, NO_PREVIEW], ids=["server-snippet", "read-here"])
def test_a_first_look_guesses_rows_only_where_the_server_makes_the_previews(
    mail_servers, preview_folder, hidden
):
    """By date, a page not read before has its rows guessed (services.messages._first_look)
    where the server makes the previews; where they are read here, a guess that missed
    would have them read for nothing: no guess."""
    previews.forget_previews()
    messages.forget_summaries()
    client = _connect(mail_servers, *preview_folder, hidden=hidden)
    try:
        # The folder selected (its count known), each row read as it is: no guess by arrival.
        by_arrival = page_messages(client, "INBOX", sort="arrival")
        messages.forget_summaries()
        with WireLog(client) as wire:
            page = page_messages(client, "INBOX")
    finally:
        client.logout()
        messages.forget_summaries()
    assert {message.uid: message for message in page.messages} == {
        message.uid: message for message in by_arrival.messages
    }
    verbs = [command.split()[1] for command in wire.commands]
    if hidden == NO_PREVIEW:
        assert verbs[:3] == ["NOOP", "UID", "UID"] and "SORT" in wire.commands[1]
    else:
        assert verbs == ["NOOP", "FETCH", "UID"] and "SORT" in wire.commands[2]
    assert len(page.messages) == page.total >= len(MESSAGES)


def _message_subject(name):
    return {
        "latin-1 quoted-printable": "latin-1",
        "base64 long": "base64",
        "attachment only text": "pdf",
    }.get(name, name)


def test_previews_read_here_are_cached_per_mailbox_folder_and_uid(mail_servers, preview_folder):
    previews.forget_previews()
    client = _connect(mail_servers, *preview_folder, hidden=NO_PREVIEW)
    try:
        first = page_messages(client, "INBOX", limit=5)
        with WireLog(client) as wire:
            again = page_messages(client, "INBOX", limit=5)
        other = _connect(mail_servers, *preview_folder, hidden=NO_PREVIEW)
        try:
            with WireLog(other) as elsewhere:
                from_another_connection = page_messages(other, "INBOX", limit=5)
        finally:
            other.logout()
    finally:
        client.logout()
    assert [m.preview for m in again.messages] == [m.preview for m in first.messages]
    assert [m.preview for m in from_another_connection.messages] == [
        m.preview for m in first.messages
    ]
    # NOOP, SORT, the summaries: no body is read a second time.
    assert not any("BODY.PEEK" in command for command in wire.commands + elsewhere.commands)


def test_reading_previews_directly_matches_what_the_server_makes(mail_servers, preview_folder):
    """The fallback, called as it is against the real server, agrees with Dovecot's own
    previews on ordinary mail."""
    previews.forget_previews()
    client = _connect(mail_servers, *preview_folder)
    try:
        selected, _count = imap.ensure_selected(client, "INBOX")
        response = imap.uid_fetch(client, range(1, 100), "(UID ENVELOPE BODYSTRUCTURE PREVIEW)")
        read = previews.read_previews(
            client,
            "INBOX",
            selected.uidvalidity,
            {uid: item[b"BODYSTRUCTURE"] for uid, item in response.items()},
        )
    finally:
        client.logout()
    subjects = {item[b"ENVELOPE"].subject.decode(): uid for uid, item in response.items()}
    made = {uid: previews.from_server(item) for uid, item in response.items()}
    plain, reply, html = subjects["plain"], subjects["reply"], subjects["html only"]
    assert read[plain].startswith(GREETING) and made[plain].startswith(GREETING)
    # Both leave the quoted original of a reply out.
    assert read[reply] == made[reply] == "Passt, danke!"
    assert read[html].startswith("Sehr geehrte Damen und Herren")
    assert made[html].startswith("Sehr geehrte Damen und Herren")
    assert len(read) == len(response) == len(MESSAGES) + len(BROKEN)


def test_a_bodystructure_that_cannot_be_read_gives_an_empty_preview(mail_servers, preview_folder):
    client = _connect(mail_servers, *preview_folder)
    try:
        imap.ensure_selected(client, "INBOX")
        found = previews.read_previews(client, "INBOX", 1, {1: ("garbage",), 2: None, 3: ()})
    finally:
        client.logout()
    assert found == {1: "", 2: "", 3: ""}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("  Hallo\r\n\r\n  Welt\t!\x00 ", "Hallo Welt !"),
        ("a" * 500, "a" * limits.PREVIEW_CHARS),
        ("Wort " * 100, ("Wort " * 40).strip()),
        ("Zeile\u2028zwei\x85drei", "Zeile zwei drei"),
    ],
)
def test_one_line_is_clean_and_cut_at_a_word(text, expected):
    assert previews.one_line(text) == expected


_PIECES = ["Wort", "ä", " ", "  ", "\t", "\r\n", "\x00", "\x85", "\xa0", "\u2028", "\u3000"]
_PIECES += ["\ud800", "\udcff", "\x1c", "\x7f"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.characters()), max_size=20).map("".join))
def test_one_line_leaves_a_plain_line_as_it_is_and_makes_any_other_one(text):
    """Its shortcut (a text with nothing to clean, one blank between words, none around)
    gives what the whole way gives: clean, blanks of every kind made one, cut."""
    whole = " ".join(clean_text(text).split())
    cut = whole[: limits.PREVIEW_CHARS]
    space = cut.rfind(" ")
    if len(whole) > limits.PREVIEW_CHARS:
        whole = cut[:space] if space > limits.PREVIEW_CHARS * 2 // 3 else cut
    assert previews.one_line(text) == whole
    long = text * 20
    assert previews.one_line(long) == previews.one_line(" ".join(clean_text(long).split()))


class _Refused:
    def __getattr__(self, name):
        raise AssertionError(f"{name} used")


def test_a_plain_preview_line_takes_the_shortcut(monkeypatch):
    """A printable line with one space between words (as Dovecot's PREVIEW mostly is) is
    kept without looking for what to clean."""
    monkeypatch.setattr(previews, "_UNPLAIN", _Refused())
    text = "Hallo, grundsätzlich spricht nichts dagegen – wir müssen nur das Budget klären."
    assert previews.one_line(text) == text
    with pytest.raises(AssertionError, match="search used"):
        previews.one_line("Zeile\tzwei")
