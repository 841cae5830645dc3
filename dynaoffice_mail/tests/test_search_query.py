"""The search box's language: what people type, as the IMAP SEARCH keys the server gets, and
the same queries run against the real Dovecot of this run (which messages they find)."""

import datetime
import email.policy
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import pytest

from odoo.addons.dynaoffice_mail.services import exceptions, imap
from odoo.addons.dynaoffice_mail.services.messages import MessageSearch, page_messages
from odoo.addons.dynaoffice_mail.services.search_query import (
    HAS_ATTACHMENT,
    SearchQueryError,
    parse_date,
    parse_query,
    parse_size,
    split_terms,
)
from odoo.addons.dynaoffice_mail.tests.common import imap_settings
from odoo.addons.dynaoffice_mail.tests.test_services_mailbox import WireLog

GERMAN = ("%d.%m.%Y", "%d.%m.%y")
US = ("%m/%d/%Y",)


@pytest.mark.parametrize(
    "query, criteria",
    [
        ("", ()),
        ("   ", ()),
        ("rechnung", (b"TEXT", b'"rechnung"')),
        ("rechnung mai", (b"TEXT", b'"rechnung"', b"TEXT", b'"mai"')),
        ('"schöne grüße"', (b"TEXT", "schöne grüße".encode())),
        ('"two words"', (b"TEXT", b'"two words"')),
        # Quotation marks as a letter or a phone writes them make phrases too.
        ("„schöne grüße“", (b"TEXT", "schöne grüße".encode())),
        ("“two words”", (b"TEXT", b'"two words"')),
        ("«two words»", (b"TEXT", b'"two words"')),
        ("betreff:„Angebot 4711“ x", (b"SUBJECT", b'"Angebot 4711"', b"TEXT", b'"x"')),
        ("-„big sale“", (b"NOT", b"TEXT", b'"big sale"')),
        ("from:anna", (b"FROM", b'"anna"')),
        ("FROM:anna", (b"FROM", b'"anna"')),
        ("von:anna", (b"FROM", b'"anna"')),
        ("to:ben an:carl", (b"TO", b'"ben"', b"TO", b'"carl"')),
        ("cc:dora", (b"CC", b'"dora"')),
        # An internationalised domain as typed, and as headers carry it (punycode).
        (
            "from:hans@Müller-Bau.example",
            (
                b"OR",
                b"FROM",
                "hans@Müller-Bau.example".encode(),
                b"FROM",
                b'"hans@xn--mller-bau-q9a.example"',
            ),
        ),
        (
            "-an:bücher.example",
            (b"NOT", b"OR", b"TO", "bücher.example".encode(), b"TO", b'"xn--bcher-kva.example"'),
        ),
        ("von:jürgen", (b"FROM", "jürgen".encode())),
        ('von:"Jürgen Weiß"', (b"FROM", "Jürgen Weiß".encode())),
        ('subject:"Angebot 4711"', (b"SUBJECT", b'"Angebot 4711"')),
        ("betreff:Angebot", (b"SUBJECT", b'"Angebot"')),
        ("has:attachment", HAS_ATTACHMENT),
        ("hat:anhang", HAS_ATTACHMENT),
        ("-has:attachment", (b"NOT", *HAS_ATTACHMENT)),
        ("is:unread", (b"UNSEEN",)),
        ("ist:ungelesen", (b"UNSEEN",)),
        ("is:read", (b"SEEN",)),
        ("is:flagged ist:markiert", (b"FLAGGED", b"FLAGGED")),
        ("is:answered", (b"ANSWERED",)),
        ("ist:beantwortet", (b"ANSWERED",)),
        ("-is:unread", (b"NOT", b"UNSEEN")),
        ("-from:anna", (b"NOT", b"FROM", b'"anna"')),
        ("-newsletter", (b"NOT", b"TEXT", b'"newsletter"')),
        ('-"big sale"', (b"NOT", b"TEXT", b'"big sale"')),
        ("before:2026-03-05", (b"SENTBEFORE", b"5-Mar-2026")),
        ("vor:2026-03-05", (b"SENTBEFORE", b"5-Mar-2026")),
        ("after:2026-12-31", (b"SENTSINCE", b"31-Dec-2026")),
        ("nach:2026-01-02", (b"SENTSINCE", b"2-Jan-2026")),
        ("larger:10k", (b"LARGER", b"10240")),
        ("größer:2M", (b"LARGER", b"2097152")),
        ("grösser:2M GRÖSSER:1k", (b"LARGER", b"2097152", b"LARGER", b"1024")),
        ("larger:1,5MB", (b"LARGER", b"1572864")),
        ("smaller:500", (b"SMALLER", b"500")),
        ("kleiner:100kb", (b"SMALLER", b"102400")),
        ("10:30", (b"TEXT", b'"10:30"')),
        ("-", (b"TEXT", b'"-"')),
        # Hostile input: quoted and escaped, never IMAP syntax of its own.
        ('a"b', (b"TEXT", b'"a\\"b"')),
        ("back\\slash", (b"TEXT", b'"back\\\\slash"')),
        ("(ALL) or", (b"TEXT", b'"(ALL)"', b"TEXT", b'"or"')),
        # OR between two terms: IMAP's prefix OR, binding tighter than the spaces' AND.
        ("from:anna OR from:bert", (b"OR", b"FROM", b'"anna"', b"FROM", b'"bert"')),
        (
            "from:anna OR from:bert rechnung",
            (b"OR", b"FROM", b'"anna"', b"FROM", b'"bert"', b"TEXT", b'"rechnung"'),
        ),
        (
            "rechnung von:anna ODER von:bert",
            (b"TEXT", b'"rechnung"', b"OR", b"FROM", b'"anna"', b"FROM", b'"bert"'),
        ),
        ("a OR b OR c", (b"OR", b"TEXT", b'"a"', b"OR", b"TEXT", b'"b"', b"TEXT", b'"c"')),
        ("-is:read OR is:flagged", (b"OR", b"NOT", b"SEEN", b"FLAGGED")),
        ("is:unread OR -from:anna", (b"OR", b"UNSEEN", b"NOT", b"FROM", b'"anna"')),
        ("has:attachment OR larger:1M", (b"OR", *HAS_ATTACHMENT, b"LARGER", b"1048576")),
        (
            "from:a@bücher.example OR to:b",
            (
                b"OR",
                b"OR",
                b"FROM",
                "a@bücher.example".encode(),
                b"FROM",
                b'"a@xn--bcher-kva.example"',
                b"TO",
                b'"b"',
            ),
        ),
        ('"" OR x', (b"TEXT", b'"x"')),  # an empty phrase matches anything, as without OR
        # Only OR as Gmail has it: lower case, quoted or negated it is a word.
        ("a or b", (b"TEXT", b'"a"', b"TEXT", b'"or"', b"TEXT", b'"b"')),
        ('a "OR" b', (b"TEXT", b'"a"', b"TEXT", b'"OR"', b"TEXT", b'"b"')),
        ("a -OR b", (b"TEXT", b'"a"', b"NOT", b"TEXT", b'"OR"', b"TEXT", b'"b"')),
        ("a Oder b", (b"TEXT", b'"a"', b"TEXT", b'"Oder"', b"TEXT", b'"b"')),
        ('from:"x) (ALL"', (b"FROM", b'"x) (ALL"')),
        ('subject:"unclosed', (b"SUBJECT", b'"unclosed"')),
        ("from:Jürgen", (b"FROM", "Jürgen".encode())),
    ],
)
def test_queries_become_imap_search_keys(query, criteria):
    assert parse_query(query, GERMAN) == criteria


@pytest.mark.parametrize(
    "query, formats, criteria",
    [
        ("before:05.03.2026", GERMAN, (b"SENTBEFORE", b"5-Mar-2026")),
        ("before:5.3.26", GERMAN, (b"SENTBEFORE", b"5-Mar-2026")),
        ("after:03/05/2026", US, (b"SENTSINCE", b"5-Mar-2026")),
        ("after:2026-03-05", US, (b"SENTSINCE", b"5-Mar-2026")),
    ],
)
def test_dates_in_the_users_format_and_iso(query, formats, criteria):
    assert parse_query(query, formats) == criteria


@pytest.mark.parametrize(
    "query, kind, term",
    [
        ("foo:bar", "unknown_operator", "foo:"),
        ("form:anna", "unknown_operator", "form:"),
        ("https://example.com", "unknown_operator", "https:"),
        ("is:maybe", "unknown_value", "is:maybe"),
        ("has:cake", "unknown_value", "has:cake"),
        ("from:", "missing_value", "from:"),
        ('subject:""', "missing_value", 'subject:""'),
        ("before:yesterday", "bad_date", "before:yesterday"),
        ("after:31.02.2026", "bad_date", "after:31.02.2026"),
        ("before:03/05/2026", "bad_date", "before:03/05/2026"),  # US in a German session
        ("larger:big", "bad_size", "larger:big"),
        ("smaller:10G", "bad_size", "smaller:10G"),
        ("larger:9999999999", "bad_size", "larger:9999999999"),
        ("OR from:anna", "dangling_or", "OR"),
        ("from:anna OR", "dangling_or", "OR"),
        ("(ALL) OR", "dangling_or", "OR"),
        ("a OR OR b", "dangling_or", "OR"),
        ("a ODER", "dangling_or", "ODER"),
        ("OR", "dangling_or", "OR"),
    ],
)
def test_what_the_language_does_not_know_is_an_error(query, kind, term):
    with pytest.raises(SearchQueryError) as caught:
        parse_query(query, GERMAN)
    assert (caught.value.kind, caught.value.term) == (kind, term)


@pytest.mark.parametrize("character", ["\r", "\n", "\0"], ids=["CR", "LF", "NUL"])
def test_line_breaks_and_nul_are_refused(character):
    with pytest.raises(exceptions.InvalidInputError):
        parse_query(f"from:x{character}A1 DELETE INBOX")
    with pytest.raises(exceptions.InvalidInputError):
        parse_query("x" * 1001)


def test_team_statuses_and_mine_are_the_team_inbox_keywords():
    mine = "$Odoo-Assignee-ben"
    assert parse_query("is:mine -ist:erledigt", my_keyword=mine) == (
        b"KEYWORD",
        b"$Odoo-Assignee-ben",
        b"NOT",
        b"KEYWORD",
        b"$Odoo-Done",
    )
    assert parse_query("ist:wartend is:open") == (
        b"KEYWORD",
        b"$Odoo-Waiting",
        b"KEYWORD",
        b"$Odoo-Open",
    )
    # Whose mail is "mine" only the caller knows: without it, not understood.
    with pytest.raises(SearchQueryError) as caught:
        parse_query("is:mine")
    assert caught.value.kind == "unknown_value"


def test_terms_keep_what_was_typed():
    terms = split_terms('-von:"Anna Müller"  is:unread')
    assert [(t.operator, t.value, t.negated, t.raw) for t in terms] == [
        ("from", "Anna Müller", True, '-von:"Anna Müller"'),
        ("is", "unread", False, "is:unread"),
    ]
    # A phrase in typographic quotation marks is told as it was typed.
    terms = split_terms("betreff:„Anna Müller“ -«x y»")
    assert [(t.operator, t.value, t.negated, t.raw) for t in terms] == [
        ("subject", "Anna Müller", False, "betreff:„Anna Müller“"),
        ("", "x y", True, "-«x y»"),
    ]


def test_sizes_and_dates():
    assert parse_size("1.5M") == parse_size("1,5 MB") == 1572864
    assert parse_size("-5") is None
    assert parse_date("2026-02-29") is None
    assert parse_date("29.02.2028", GERMAN) == datetime.date(2028, 2, 29)


# -- against Dovecot --------------------------------------------------------------------------

UTC = datetime.timezone.utc


def _mail(subject, sender, to, day, *, body="Hallo", cc=None, attachment=None):
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = formataddr(sender)
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.datetime(2026, 3, day, 9, 0, tzinfo=UTC))
    message["Message-ID"] = f"<{secrets.token_hex(8)}@dynaoffice.test>"
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="a.pdf")
    return message.as_bytes()


# Subject -> (mail, flags); delivered in this order (UIDs 1..6).
MAILS = {
    "Angebot Büromöbel": (
        _mail(
            "Angebot Büromöbel",
            ("Jürgen Weiß", "juergen@example.org"),
            "me@x.test",
            2,
            body="Preise anbei",
            attachment=b"%PDF-1.4 " + b"x" * 20000,
        ),
        set(),
    ),
    "Rechnung 4711": (
        _mail(
            "Rechnung 4711",
            ("Billing", "billing@shop.example"),
            "me@x.test",
            4,
            cc="buchhaltung@x.test",
            body="Betrag: 42 EUR",
        ),
        {"\\Seen", "\\Answered"},
    ),
    "Lunch?": (
        _mail("Lunch?", ("Ben", "ben@example.com"), "team@x.test", 6, body="pizza or curry"),
        {"\\Seen", "\\Flagged"},
    ),
    'Quote "this" (now)': (
        _mail(
            'Quote "this" (now)',
            ("Ben", "ben@example.com"),
            "me@x.test",
            8,
            body="back\\slash and (parens)",
        ),
        {"\\Seen"},
    ),
    "Schöne Grüße": (
        _mail(
            "Schöne Grüße",
            ("Zoë Krüger", "zoe@example.net"),
            "me@x.test",
            10,
            body="Grüße vom Rhein",
        ),
        set(),
    ),
}


@pytest.fixture(scope="module")
def query_mailbox(mail_servers):
    address = f"query-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    mail_servers.add_user(address, password)
    received = datetime.datetime(2026, 3, 12, tzinfo=UTC)
    mail_servers.dovecot.write_messages(
        address, [("INBOX", raw, flags, received) for raw, flags in MAILS.values()]
    )
    client = imap.connect(imap_settings(mail_servers, address, password))
    yield client
    client.logout()


@pytest.mark.parametrize(
    "query, subjects",
    [
        ("from:ben", ["Lunch?", 'Quote "this" (now)']),
        ("von:weiß", ["Angebot Büromöbel"]),
        ("to:team@x.test", ["Lunch?"]),
        ("cc:buchhaltung", ["Rechnung 4711"]),
        ("subject:rechnung", ["Rechnung 4711"]),
        ("has:attachment", ["Angebot Büromöbel"]),
        ("-hat:anhang from:ben", ["Lunch?", 'Quote "this" (now)']),
        ("is:unread", ["Angebot Büromöbel", "Schöne Grüße"]),
        ("-ist:ungelesen -from:ben", ["Rechnung 4711"]),
        ("is:flagged", ["Lunch?"]),
        ("is:answered", ["Rechnung 4711"]),
        ("before:2026-03-06", ["Angebot Büromöbel", "Rechnung 4711"]),
        ("after:06.03.2026", ["Lunch?", 'Quote "this" (now)', "Schöne Grüße"]),
        ("nach:2026-03-04 vor:2026-03-08", ["Rechnung 4711", "Lunch?"]),
        ("larger:10k", ["Angebot Büromöbel"]),
        ("kleiner:10k", ["Rechnung 4711", "Lunch?", 'Quote "this" (now)', "Schöne Grüße"]),
        ('"grüße vom"', ["Schöne Grüße"]),
        ("„grüße vom“", ["Schöne Grüße"]),
        ("„pizza curry“", []),
        ("pizza curry", ["Lunch?"]),
        ('"pizza curry"', []),
        ('subject:"quote \\"this\\""', []),  # no escapes in the language: backslash is text
        ('subject:"(now)"', ['Quote "this" (now)']),
        ('"back\\slash"', ['Quote "this" (now)']),
        ('subject:this"', ['Quote "this" (now)']),
        # Mail from either sender (and not from a third), with the AND of the rest.
        ("from:ben OR from:zoe", ["Lunch?", 'Quote "this" (now)', "Schöne Grüße"]),
        ("von:weiß ODER from:billing", ["Angebot Büromöbel", "Rechnung 4711"]),
        ("from:ben OR from:zoe is:unread", ["Schöne Grüße"]),
        (
            "from:billing OR from:zoe OR has:attachment",
            ["Angebot Büromöbel", "Rechnung 4711", "Schöne Grüße"],
        ),
        ("-from:ben OR is:flagged -is:unread", ["Rechnung 4711", "Lunch?"]),
        ("from:zoe OR to:team@x.test", ["Lunch?", "Schöne Grüße"]),
    ],
)
@pytest.mark.parametrize("sort", ["date", "arrival"])
def test_each_operator_is_searched_by_dovecot(query_mailbox, query, subjects, sort):
    search = MessageSearch(query=parse_query(query, GERMAN))
    page = page_messages(query_mailbox, "INBOX", sort=sort, reverse=False, search=search)
    uids = [message.uid for message in page.messages]
    expected = [list(MAILS).index(subject) + 1 for subject in subjects]
    if sort == "date":
        expected = sorted(expected)  # the Date headers rise with the UIDs here
    assert sorted(uids) == sorted(expected) and page.total == len(subjects)


def test_hostile_queries_go_out_quoted_or_as_literals(query_mailbox):
    hostile = 'x" or ALL (ALL) \\ {5} Grüße'
    with WireLog(query_mailbox) as wire:
        page = page_messages(
            query_mailbox, "INBOX", search=MessageSearch(query=parse_query(hostile))
        )
    assert page.total == 0
    sent = b"".join(wire.sent)
    for key in (b'TEXT "x\\""', b'TEXT "or"', b'TEXT "(ALL)"', b'TEXT "\\\\"', b'TEXT "{5}"'):
        assert key in sent
    # The non-ASCII word goes as a literal, never inside quotes; no command of its own.
    assert "Grüße".encode() in sent and '"Grüße"'.encode() not in sent
    assert len(wire.commands) == len(wire.tags)
    assert page_messages(query_mailbox, "INBOX").total == len(MAILS)


def test_has_attachment_trusts_the_servers_own_keywords(mail_servers, mailbox):
    """Without keywords a multipart/mixed mail counts; where the server marks attachments
    ($HasAttachment, $HasNoAttachment: Dovecot's attachment detection), its marks decide."""
    address, password = mailbox
    scan = EmailMessage(policy=email.policy.SMTP)
    scan["Subject"] = "Scan"
    scan.set_content(b"%PDF-1.4 scan", maintype="application", subtype="pdf", filename="s.pdf")
    mixed_text = EmailMessage(policy=email.policy.SMTP)
    mixed_text["Subject"] = "Mixed text"
    mixed_text.set_content("Hallo")
    mixed_text.make_mixed()
    signature = EmailMessage(policy=email.policy.SMTP)
    signature.set_content("-- \nSignatur")
    mixed_text.attach(signature)
    received = datetime.datetime(2026, 3, 12, tzinfo=UTC)
    mail_servers.dovecot.write_messages(
        address,
        [
            ("INBOX", MAILS["Angebot Büromöbel"][0], set(), received),
            ("INBOX", scan.as_bytes(), set(), received),
            ("INBOX", mixed_text.as_bytes(), set(), received),
        ],
    )
    client = imap.connect(imap_settings(mail_servers, address, password))
    try:

        def found(query):
            search = MessageSearch(query=parse_query(query))
            return sorted(
                message.uid for message in page_messages(client, "INBOX", search=search).messages
            )

        assert (found("has:attachment"), found("-has:attachment")) == ([1, 3], [2])
        with imap.translate_errors(client):
            client.add_flags([2], [b"$HasAttachment"])
            client.add_flags([3], [b"$HasNoAttachment"])
        assert (found("hat:anhang"), found("-hat:anhang")) == ([1, 2], [3])
    finally:
        client.logout()
