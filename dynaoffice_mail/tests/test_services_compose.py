"""Writing and sending mail: MIME built and parsed back, header injection refused, replies
and forwards, and sending over the real SMTP server of this run into Dovecot, with the copy
in Sent, drafts and flags on the real Dovecot. A fake SMTP server only for the connection
that breaks after the message was sent; a fake sendmail because none is installed.
"""

import dataclasses
import datetime
import email
import email.policy
import imaplib
import io
import json
import os
import re
import secrets
import socket
import sys
import threading
from contextlib import contextmanager
from email.utils import format_datetime, formataddr

import imapclient
import pytest

from odoo.addons.dynaoffice_mail.services import exceptions, imap, limits, spool
from odoo.addons.dynaoffice_mail.services.addresses import Address, parse_addresses
from odoo.addons.dynaoffice_mail.services.config import Security, SmtpSettings
from odoo.addons.dynaoffice_mail.services.exceptions import UidValidityChangedError
from odoo.addons.dynaoffice_mail.services.filing import (
    append_to_folder,
    delete_draft,
    file_sent_message,
    mark_answered,
    save_draft,
)
from odoo.addons.dynaoffice_mail.services.folders import special_folder
from odoo.addons.dynaoffice_mail.services.html import html_to_text
from odoo.addons.dynaoffice_mail.services.mime import (
    Draft,
    OutgoingAttachment,
    build_message,
    parse_draft,
    read_draft,
    serialize,
    strip_bcc,
)
from odoo.addons.dynaoffice_mail.services.mime import spool as spool_message
from odoo.addons.dynaoffice_mail.services.reading import MessageView, read_message, stream_source
from odoo.addons.dynaoffice_mail.services.refs import MessageRef
from odoo.addons.dynaoffice_mail.services.replies import forward_draft, new_body, reply_draft
from odoo.addons.dynaoffice_mail.services.sending import send_sendmail, send_smtp
from odoo.addons.dynaoffice_mail.tests.common import imap_settings

UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
# Bytes no text codec would leave alone: every value, NUL and CR/LF included.
BINARY = bytes(range(256)) * 40 + os.urandom(5000)
PDF_NAME = "Übersicht März – Angebot.pdf"
LONG_NAME = "Sehr langer Dateiname mit Umlauten äöü und noch mehr Text " * 3 + ".txt"
INJECTIONS = ("x\r\nBcc: evil@example.org", "x\nBcc: evil@example.org", "x\rBcc: e", "x\0y")
# Characters str.splitlines() also breaks at, which the email package folds with.
UNICODE_BREAKS = ("x\u2028Bcc: evil@example.org", "x\x0bBcc: evil@example.org", "x\x85y")


# -- helpers --------------------------------------------------------------------------------------


def _new_mailbox(servers):
    address = f"user-{secrets.token_hex(4)}@dynaoffice.test"
    password = secrets.token_urlsafe(12)
    servers.add_user(address, password)
    return address, password


def _smtp(servers, address, password, **overrides):
    values = {
        "host": "localhost",
        "port": servers.ports.smtp_starttls,
        "security": Security.STARTTLS,
        "username": address,
        "password": password,
        "ca_pem": servers.certificates.ca_pem,
        "timeout": 10,
        "allow_private_hosts": True,
    }
    values.update(overrides)
    return SmtpSettings(**values)


@contextmanager
def _imap(servers, address, password):
    client = imap.connect(imap_settings(servers, address, password, timeout=10))
    try:
        yield client
    finally:
        imap.close_quietly(client)


def _folder_contents(servers, mailbox, folder="INBOX"):
    """{uid: (raw bytes, flags)} of `folder`, read with plain imapclient commands."""
    with _imap(servers, *mailbox) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return {}
        data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
        return {uid: (item[b"BODY[]"], set(item[b"FLAGS"])) for uid, item in data.items()}


def _only_message(servers, mailbox, folder="INBOX"):
    contents = _folder_contents(servers, mailbox, folder)
    assert len(contents) == 1, f"{folder} holds {len(contents)} messages, not one"
    raw, _flags = next(iter(contents.values()))
    return email.message_from_bytes(raw, policy=email.policy.default)


def _parsed(message):
    return email.message_from_bytes(serialize(message), policy=email.policy.default)


def _draft(sender, **values):
    fields = {
        "from_name": "Jörg Müller, Vertrieb",
        "from_address": sender,
        "to": [],
        "subject": "Grüße aus München – Angebot",
        "html_body": "<p>Hallo <b>Zoë</b>,</p><p>anbei das Angebot.</p>",
        "attachments": [
            OutgoingAttachment(PDF_NAME, "application/pdf", BINARY),
            OutgoingAttachment(LONG_NAME, "text/plain", "Grüße\r\n".encode()),
        ],
    }
    fields.update(values)
    return Draft(**fields)


def _attachments(message):
    return {
        part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()
    }


def _original(**headers):
    """The message replied to or forwarded, as another mail program sent it."""
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message["From"] = headers.pop("sender", formataddr(("Anna Absender", "anna@example.org")))
    message["To"] = headers.pop("to", "me@example.org")
    message["Subject"] = headers.pop("subject", "Re: AW: Angebot für Müller")
    message["Date"] = format_datetime(NOW)
    message["Message-ID"] = headers.pop("message_id", "<original@example.org>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Hallo,\n\nwie besprochen.\n\nAnna\n")
    message.add_alternative("<p>Hallo,</p><p>wie <b>besprochen</b>.</p><p>Anna</p>", "html")
    return message.as_bytes()


@pytest.fixture
def original_box(mail_servers, mailbox):
    """A mailbox with one message from Anna in INBOX: (client, view, raw source)."""
    raw = _original(
        to="Me <ME@dynaoffice.test>, Bob <bob@example.org>",
        Cc="Carl <carl@example.org>, bob@example.org, me@dynaoffice.test",
        Reply_To="Vertrieb <vertrieb@example.org>",
        References="<first@example.org> <second@example.org>",
        In_Reply_To="<second@example.org>",
    )
    with _imap(mail_servers, *mailbox) as client:
        client.append("INBOX", raw)
        uidvalidity = client.select_folder("INBOX")[b"UIDVALIDITY"]
        uid = client.search("ALL")[0]
        view = read_message(client, "INBOX", uidvalidity, uid)
        yield client, view, raw


# -- building messages ---------------------------------------------------------------------------


def test_names_subject_and_file_names_with_umlauts_survive_a_mail_parser():
    draft = _draft(
        "joerg@müller.de",
        to=['"Zoë, Çelik" <zoe@example.org>', "bob@example.org; Ann <ann@example.org>"],
        cc=["Zoë <ZOE@example.org>", "Carl Çelik <carl@example.org>"],
        reply_to=["Vertrieb <vertrieb@müller.de>"],
    )
    message = build_message(draft, date=NOW)
    raw = serialize(message)
    # What goes on the wire is 7-bit: RFC 2047 words and RFC 2231 parameters.
    assert raw.isascii()
    assert b"=?utf-8?" in raw and b"filename*=utf-8''" in raw
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")

    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Grüße aus München – Angebot"
    sender = parsed["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Jörg Müller, Vertrieb",
        "joerg@xn--mller-kva.de",
    )
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        ("Zoë, Çelik", "zoe@example.org"),
        ("", "bob@example.org"),
        ("Ann", "ann@example.org"),
    ]
    # The duplicate of zoe in Cc is left out, whatever its case.
    assert [a.addr_spec for a in parsed["Cc"].addresses] == ["carl@example.org"]
    assert parsed["Reply-To"].addresses[0].addr_spec == "vertrieb@xn--mller-kva.de"
    assert parsed["Message-ID"].endswith("@xn--mller-kva.de>")
    assert email.utils.parsedate_to_datetime(parsed["Date"]) == NOW
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed.get_payload(0).get_content_type() == "multipart/alternative"
    assert "Hallo <b>Zoë</b>" in parsed.get_body(("html",)).get_content()
    assert "Hallo Zoë," in parsed.get_body(("plain",)).get_content()
    attachments = _attachments(parsed)
    assert attachments[PDF_NAME] == BINARY
    assert attachments[LONG_NAME] == "Grüße\r\n".encode()
    assert "Bcc" not in parsed


def test_bcc_is_kept_for_the_sent_copy_and_cut_from_what_is_sent():
    draft = _draft("me@example.org", to=["to@example.org"], bcc=["Geheim <hidden@example.org>"])
    message = build_message(draft, include_bcc=True)
    with_bcc, without = serialize(message), serialize(message, include_bcc=False)
    assert email.message_from_bytes(with_bcc, policy=email.policy.default)["Bcc"] == (
        "Geheim <hidden@example.org>"
    )
    assert b"hidden@example.org" not in without
    # The same message otherwise, byte for byte: Message-ID, boundaries and body.
    assert with_bcc.replace(b"Bcc: Geheim <hidden@example.org>\r\n", b"") == without
    assert b"hidden" not in serialize(build_message(draft))


@pytest.mark.parametrize("value", INJECTIONS + UNICODE_BREAKS)
@pytest.mark.parametrize(
    "field",
    ["subject", "from_name", "to", "cc", "bcc", "reply_to", "filename", "mime_type", "references"],
)
def test_header_injection_is_refused_in_every_field(field, value):
    draft = _draft("me@example.org", to=["to@example.org"])
    if field == "filename":
        draft.attachments = [OutgoingAttachment(f"rechnung{value}.pdf", "application/pdf", b"x")]
    elif field == "mime_type":
        draft.attachments = [OutgoingAttachment("a.pdf", f"application/pdf{value}", b"x")]
    elif field == "references":
        draft.references = [f"<a@example.org>{value}"]
    elif field in ("to", "cc", "bcc", "reply_to"):
        setattr(draft, field, [f"Name{value} <x@example.org>"])
    else:
        setattr(draft, field, value)
    with pytest.raises(exceptions.InvalidInputError, match="line break or NUL"):
        build_message(draft)


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_through_message_ids_and_the_sender_address_is_refused(value):
    draft = _draft("me@example.org", to=["to@example.org"])
    with pytest.raises(exceptions.InvalidInputError):
        build_message(draft, message_id=f"<a@example.org>{value}")
    draft.in_reply_to = f"<a@example.org>{value}"
    with pytest.raises(exceptions.InvalidInputError):
        build_message(draft)
    with pytest.raises(exceptions.InvalidInputError):
        build_message(_draft(f"me@example.org{value}", to=["to@example.org"]))


def test_addresses_are_parsed_and_idn_domains_allowed():
    assert parse_addresses(
        'Jörg <joerg@müller.de>, "Müller, Jörg" <j@example.org>; a.b+tag@sub.example.org,,'
    ) == [
        Address("Jörg", "joerg@müller.de"),
        Address("Müller, Jörg", "j@example.org"),
        Address("", "a.b+tag@sub.example.org"),
    ]
    assert parse_addresses('"Anna \\"Ann\\" B." <ann@example.org>') == [
        Address('Anna "Ann" B.', "ann@example.org")
    ]
    assert parse_addresses("  ") == []


@pytest.mark.parametrize(
    "text, named",
    [
        ("foo", "foo"),
        ("anna@localhost", "anna@localhost"),
        ("a@@example.org", "a@@example.org"),
        ("a b@example.org", "a b@example.org"),
        ("anna@-example.org", "anna@-example.org"),
        ("anna@example..org", "anna@example..org"),
        ("Anna <anna@example.org", "Anna <anna@example.org"),
        # An unquoted comma splits a name from its address: "Müller" alone is no address.
        ("Müller, Jörg <j@example.org>", "Müller"),
        ("ok@example.org, broken@", "broken@"),
    ],
)
def test_invalid_addresses_are_named(text, named):
    with pytest.raises(exceptions.InvalidInputError) as caught:
        parse_addresses(text)
    assert f'"{named}"' in str(caught.value)


def test_non_ascii_before_the_at_is_refused_with_the_reason():
    with pytest.raises(exceptions.InvalidInputError, match="SMTPUTF8"):
        parse_addresses("jörg@example.org")


def test_html_becomes_readable_plain_text():
    text = html_to_text(
        "<style>p {color: red}</style><p>Hallo&nbsp;Anna,<br>zweite   Zeile</p>"
        "<ul><li>eins</li><li>zwei</li></ul>"
        '<p>Siehe <a href="https://example.org/x">die Seite</a>.</p>'
        "<blockquote><p>alt</p><blockquote>älter</blockquote></blockquote>"
    )
    assert text == (
        "Hallo Anna,\nzweite Zeile\n\n- eins\n- zwei\n\n"
        "Siehe die Seite <https://example.org/x>.\n\n> alt\n>\n> > älter\n"
    )


# -- replies and forwards --------------------------------------------------------------------


def test_reply_goes_to_reply_to_and_threads(original_box):
    _client, view, _raw = original_box
    draft = reply_draft(
        view,
        own_addresses=["me@dynaoffice.test"],
        reply_all=False,
        from_name="Me",
        from_address="me@dynaoffice.test",
        signature_html="<p>Mit Grüßen<br>Me</p>",
        quoted_html="<p>Hallo,</p><p>wie <b>besprochen</b>.</p>",
    )
    assert draft.to == ["Vertrieb <vertrieb@example.org>"]
    assert draft.cc == []
    assert draft.subject == "Re: Angebot für Müller"
    assert draft.in_reply_to == "<original@example.org>"
    assert draft.references == [
        "<first@example.org>",
        "<second@example.org>",
        "<original@example.org>",
    ]
    assert draft.html_body.count("Mit Grüßen") == 1
    assert "On 2024-06-01 12:00, Anna Absender &lt;anna@example.org&gt; wrote:" in draft.html_body
    assert '<blockquote type="cite" cite="mid:original@example.org">' in draft.html_body
    assert draft.html_body.index("Mit Grüßen") < draft.html_body.index("<blockquote")

    parsed = _parsed(build_message(draft))
    assert parsed["In-Reply-To"] == "<original@example.org>"
    assert parsed["References"].split() == draft.references
    plain = parsed.get_body(("plain",)).get_content()
    assert "> wie besprochen." in plain


def test_reply_all_leaves_out_own_addresses_and_duplicates(original_box):
    _client, view, _raw = original_box
    draft = reply_draft(
        view,
        own_addresses=["me@dynaoffice.test", "alias@dynaoffice.test"],
        reply_all=True,
        from_name="Me",
        from_address="me@dynaoffice.test",
    )
    assert draft.to == ["Vertrieb <vertrieb@example.org>", "Bob <bob@example.org>"]
    assert draft.cc == ["Carl <carl@example.org>"]
    assert "dynaoffice.test" not in " ".join(draft.to + draft.cc)


def test_reply_all_knows_own_idn_addresses_in_punycode(mail_servers, mailbox):
    """An account at bücher.example gets its mail addressed to xn--bcher-kva.example (that
    is how every mail program sends it): reply all leaves it out all the same, and a reply
    to one's own mail still goes to its recipients."""
    raw = _original(
        sender="Anna <anna@example.org>",
        to="Me <ME@xn--bcher-kva.example>, Bob <bob@example.org>",
    )
    own = _original(
        sender="Me <me@xn--bcher-kva.example>", to="Bob <bob@example.org>", subject="Eigen"
    )
    with _imap(mail_servers, *mailbox) as client:
        client.append("INBOX", raw)
        client.append("INBOX", own)
        uidvalidity = client.select_folder("INBOX")[b"UIDVALIDITY"]
        first, second = sorted(client.search("ALL"))[-2:]
        views = [read_message(client, "INBOX", uidvalidity, uid) for uid in (first, second)]
    replies = [
        reply_draft(
            view,
            own_addresses=["me@bücher.example"],
            reply_all=True,
            from_name="Me",
            from_address="me@bücher.example",
        )
        for view in views
    ]
    assert replies[0].to == ["Anna <anna@example.org>", "Bob <bob@example.org>"]
    assert replies[1].to == ["Bob <bob@example.org>"]


def test_reply_all_names_a_sender_once_whose_idn_address_is_also_in_to_as_punycode():
    """Anna writes from anna@bücher.example to a list of people that names her as
    anna@xn--bcher-kva.example (her address book has it so): reply all names her once."""
    view = dataclasses.replace(
        _view(sender=Address("Anna", "anna@bücher.example")),
        to=(Address("Anna", "Anna@xn--bcher-kva.example"), Address("Bob", "bob@example.org")),
        cc=(Address("", "ANNA@Bücher.example"),),
    )
    draft = reply_draft(
        view, own_addresses=[], reply_all=True, from_name="Me", from_address="me@example.org"
    )
    assert draft.to == ["Anna <anna@bücher.example>", "Bob <bob@example.org>"]
    assert draft.cc == []


def test_reply_subject_prefixes_do_not_stack():
    view = _view(subject="RE: Re[2]: AW: Termin")
    kwargs = {"own_addresses": [], "reply_all": False, "from_name": "", "from_address": "m@x.de"}
    assert reply_draft(view, **kwargs).subject == "Re: Termin"
    assert reply_draft(_view(subject="Termin"), **kwargs).subject == "Re: Termin"
    assert reply_draft(_view(subject="Rechnung"), **kwargs).subject == "Re: Rechnung"


def test_signature_is_not_added_where_the_quote_carries_it_already():
    signature = "<p>Jörg Müller<br>Vertrieb</p>"
    own_mail = _view(
        sender=Address("Jörg Müller", "joerg@example.org"),
        to=(Address("Kunde", "kunde@example.org"),),
    )
    draft = reply_draft(
        own_mail,
        own_addresses=["joerg@example.org"],
        reply_all=False,
        from_name="Jörg Müller",
        from_address="joerg@example.org",
        signature_html=signature,
        quoted_html="<div>Angebot anbei.</div><div><p>Jörg   Müller</p><p>Vertrieb</p></div>",
    )
    assert 'class="signature"' not in draft.html_body
    # A reply to one's own mail continues to its recipients, not to oneself.
    assert draft.to == ["Kunde <kunde@example.org>"]


def test_a_signature_that_is_only_a_picture_is_added():
    """A scanned signature or a logo without text: new mail, replies and forwards carry
    it like any other signature."""
    signature = '<p><img src="/web/image/42-1a2b3c4d/unterschrift.png" alt=""></p>'
    block = f'<div class="signature">{signature}</div>'
    assert block in new_body(signature)
    common = {"from_name": "Me", "from_address": "me@x.de", "signature_html": signature}
    reply = reply_draft(_view(), own_addresses=[], reply_all=False, **common)
    forward = forward_draft(_view(), as_attachment=False, **common)
    for draft in (reply, forward):
        assert block in draft.html_body
    # Still none for an empty editor's leftovers.
    assert 'class="signature"' not in new_body("<p><br></p>")


def test_a_reply_in_a_thread_is_signed_though_the_quote_carries_the_signature():
    """The customer's answer quotes Jörg's earlier mail with his signature (as Outlook
    quotes: below a "Von:" block, no blockquote): Jörg's reply to it, and his forward of
    it, are signed all the same."""
    signature = "<p>Jörg Müller<br>Vertrieb</p>"
    answer = _view(
        sender=Address("Kunde", "kunde@example.org"),
        to=(Address("Jörg Müller", "joerg@example.org"),),
    )
    quoted = (
        "<div>Danke!</div><div><p><b>Von:</b> Jörg Müller</p></div>"
        "<p>Angebot anbei.</p><p>Jörg Müller<br>Vertrieb</p>"
    )
    common = {
        "from_name": "Jörg Müller",
        "from_address": "joerg@example.org",
        "signature_html": signature,
        "quoted_html": quoted,
    }
    reply = reply_draft(answer, own_addresses=["joerg@example.org"], reply_all=False, **common)
    forward = forward_draft(answer, as_attachment=False, **common)
    for draft in (reply, forward):
        assert f'<div class="signature">{signature}</div>' in draft.html_body
        assert draft.html_body.index('class="signature"') < draft.html_body.index("Danke!")
    assert reply.to == ["Kunde <kunde@example.org>"]


def test_forward_inline_quotes_the_header_block_and_carries_attachments(original_box):
    _client, view, _raw = original_box
    carried = [OutgoingAttachment("Preisliste.pdf", "application/pdf", BINARY)]
    draft = forward_draft(
        view,
        as_attachment=False,
        from_name="Me",
        from_address="me@dynaoffice.test",
        signature_html="<p>Gruß, Me</p>",
        quoted_html="<p>wie <b>besprochen</b></p>",
        attachments=carried,
    )
    assert draft.subject == "Fwd: Re: AW: Angebot für Müller"
    assert draft.to == [] and draft.in_reply_to is None
    for text in (
        "-------- Forwarded Message --------",
        "Angebot für Müller",
        "Anna Absender &lt;anna@example.org&gt;",
        "Sat, 01 Jun 2024 12:00:00 +0000",
        "Carl &lt;carl@example.org&gt;",
        "<p>wie <b>besprochen</b></p>",
        "Gruß, Me",
    ):
        assert text in draft.html_body
    draft.to = ["kunde@example.org"]
    assert _attachments(_parsed(build_message(draft))) == {"Preisliste.pdf": BINARY}


def test_forward_as_attachment_carries_the_original_byte_for_byte(original_box):
    client, view, _raw = original_box
    _size, chunks = stream_source(client, "INBOX", view.uidvalidity, view.uid)
    source = b"".join(chunks)
    draft = forward_draft(
        view,
        as_attachment=True,
        from_name="Me",
        from_address="me@dynaoffice.test",
        raw_message=source,
    )
    draft.to = ["kunde@example.org"]
    raw = serialize(build_message(draft))
    assert source in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    (part,) = parsed.iter_attachments()
    assert part.get_content_type() == "message/rfc822"
    assert part.get_filename() == "Re AW Angebot für Müller.eml"
    assert part.get_content()["Message-ID"] == "<original@example.org>"


def test_forwarded_8bit_original_becomes_7bit_and_stays_readable():
    source = (
        b"From: Kunde <kunde@example.org>\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n"
        b"Message-ID: <acht@example.org>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9fe\r\n"
    )
    draft = forward_draft(
        _view(subject="Grüße"),
        as_attachment=True,
        from_name="",
        from_address="me@example.org",
        raw_message=source,
    )
    draft.to = ["kunde@example.org"]
    raw = serialize(build_message(draft))
    assert raw.isascii()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    inner = next(parsed.iter_attachments()).get_content()
    assert inner["Message-ID"] == "<acht@example.org>"
    assert inner.get_content() == "Schöne Grüße\r\n"


def test_forward_as_attachment_needs_the_original():
    with pytest.raises(exceptions.InvalidInputError):
        forward_draft(_view(), as_attachment=True, from_name="", from_address="me@example.org")


def _view(subject="Angebot", sender=None, to=()):
    return MessageView(
        uid=1,
        uidvalidity=1,
        seen=True,
        flagged=False,
        answered=False,
        subject=subject,
        from_=(sender or Address("Anna", "anna@example.org"),),
        to=tuple(to),
        cc=(),
        reply_to=(),
        date=NOW,
        message_id="<m@example.org>",
        in_reply_to=None,
        references=(),
        text="Hallo",
    )


# -- sending over SMTP -------------------------------------------------------------------------


def test_sent_mail_reaches_to_cc_and_bcc_and_no_one_sees_bcc(mail_servers, mailbox):
    to_box, cc_box, bcc_box = (_new_mailbox(mail_servers) for _ in range(3))
    draft = _draft(
        mailbox[0],
        to=[f"Zoë Çelik <{to_box[0]}>"],
        cc=[f'"Müller, Carl" <{cc_box[0]}>'],
        bcc=[f"Geheim <{bcc_box[0]}>"],
    )
    message = build_message(draft, include_bcc=True)
    # The envelope comes from To, Cc and Bcc: one transaction reaches all three.
    send_smtp(_smtp(mail_servers, *mailbox), message)

    transmitted = serialize(message, include_bcc=False)
    assert bcc_box[0] not in transmitted.decode()
    for box in (to_box, cc_box, bcc_box):
        (raw, _flags), *others = _folder_contents(mail_servers, box).values()
        assert not others
        # Exactly the bytes sent, after the trace fields Dovecot puts on top.
        assert raw.endswith(transmitted)
        received = email.message_from_bytes(raw, policy=email.policy.default)
        assert received["Message-ID"] == message["Message-ID"]
        assert received["Subject"] == "Grüße aus München – Angebot"
        assert str(received["From"]) == f'"Jörg Müller, Vertrieb" <{mailbox[0]}>'
        assert str(received["To"]) == f"Zoë Çelik <{to_box[0]}>"
        assert str(received["Cc"]) == f'"Müller, Carl" <{cc_box[0]}>'
        assert "Bcc" not in received
        assert _attachments(received)[PDF_NAME] == BINARY
        entry = json.loads(mail_servers.smtp_received_log.read_text().splitlines()[-1])
    assert entry["from"] == mailbox[0] and entry["authenticated"]


def test_a_refused_recipient_stops_the_mail_for_everyone(mail_servers, mailbox):
    to_box = _new_mailbox(mail_servers)
    unknown = f"nobody-{secrets.token_hex(3)}@dynaoffice.test"
    message = build_message(_draft(mailbox[0], to=[to_box[0]], cc=[unknown]))
    with pytest.raises(exceptions.RecipientsRefusedError) as caught:
        send_smtp(_smtp(mail_servers, *mailbox), message)
    assert list(caught.value.refused) == [unknown]
    assert caught.value.refused[unknown].startswith("550")
    assert "no such user" in str(caught.value)
    # Sending again after fixing the address must not give to_box the mail twice.
    assert _folder_contents(mail_servers, to_box) == {}


def test_wrong_password_is_an_authentication_error(mail_servers, mailbox):
    message = build_message(_draft(mailbox[0], to=[mailbox[0]]))
    with pytest.raises(exceptions.AuthenticationError):
        send_smtp(_smtp(mail_servers, mailbox[0], "wrong"), message)


def test_mail_over_the_announced_size_is_refused_before_sending(mail_servers, mailbox):
    # The test server announces SIZE 30 MiB; base64 makes 24 MB a third larger.
    big = OutgoingAttachment("gross.bin", "application/octet-stream", os.urandom(24_000_000))
    message = build_message(_draft(mailbox[0], to=[mailbox[0]], attachments=[big]))
    with pytest.raises(exceptions.MessageTooLargeError) as caught:
        send_smtp(_smtp(mail_servers, *mailbox), message)
    assert caught.value.max_size == 30 * 1024 * 1024
    assert _folder_contents(mail_servers, mailbox) == {}


def test_implicit_tls_and_envelope_recipients_given_by_the_caller(mail_servers, mailbox):
    other = _new_mailbox(mail_servers)
    message = build_message(_draft(mailbox[0], to=[f"Anzeige <{other[0]}>"]))
    settings = _smtp(
        mail_servers, *mailbox, port=mail_servers.ports.smtp_tls, security=Security.SSL
    )
    # The header says `other`; the envelope sends to the sender itself only.
    send_smtp(settings, message, recipients=[mailbox[0]])
    assert _only_message(mail_servers, mailbox)["To"] == f"Anzeige <{other[0]}>"
    assert _folder_contents(mail_servers, other) == {}


class FakeSmtpServer:
    """Plain SMTP that records the commands and the message, then does `fault` instead of
    answering the end of the message: "drop" closes the connection, anything else is sent
    as the answer."""

    def __init__(self, fault: str):
        self.fault = fault
        self.commands: list[bytes] = []
        self.received = b""
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def settings(self):
        return SmtpSettings(
            host="127.0.0.1",
            port=self.port,
            security=Security.NONE,
            authenticate=False,
            timeout=5,
            allow_private_hosts=True,
        )

    def _serve(self):
        self.listener.settimeout(10)
        try:
            conn, _address = self.listener.accept()
        except OSError:
            return
        with conn, conn.makefile("rb") as reader:
            conn.sendall(b"220 fake ESMTP\r\n")
            while line := reader.readline():
                self.commands.append(line.rstrip(b"\r\n"))
                command = line[:4].upper()
                if command == b"EHLO":
                    conn.sendall(b"250-fake\r\n250 8BITMIME\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while (data := reader.readline()) not in (b".\r\n", b""):
                        self.received += data
                    if self.fault == "drop":
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    conn.sendall(self.fault.encode() + b"\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 OK\r\n")

    def stop(self):
        self.listener.close()
        self.thread.join(5)


def test_envelope_holds_to_cc_and_bcc_and_the_data_no_bcc():
    server = FakeSmtpServer("250 2.0.0 queued")
    draft = _draft(
        "absender@müller.de",
        to=["Anna <anna@example.org>", "bob@bücher.example"],
        cc=["carl@example.org"],
        bcc=["Geheim <geheim@example.org>"],
    )
    message = build_message(draft, include_bcc=True)
    try:
        send_smtp(server.settings(), message)
    finally:
        server.stop()
    envelope = [line for line in server.commands if line[:4].upper() in (b"MAIL", b"RCPT")]
    assert envelope == [
        b"mail FROM:<absender@xn--mller-kva.de>",
        b"rcpt TO:<anna@example.org>",
        b"rcpt TO:<bob@xn--bcher-kva.example>",
        b"rcpt TO:<carl@example.org>",
        b"rcpt TO:<geheim@example.org>",
    ]
    assert server.received == serialize(message, include_bcc=False)
    assert b"geheim" not in server.received


@pytest.mark.parametrize(
    "fault, error",
    [
        ("drop", exceptions.DeliveryUncertainError),
        ("554 5.7.1 looks like spam", exceptions.MessageRefusedError),
        ("552 5.3.4 message too big", exceptions.MessageTooLargeError),
    ],
)
def test_what_the_server_does_after_the_message_is_reported(fault, error):
    server = FakeSmtpServer(fault)
    try:
        message = build_message(_draft("me@example.org", to=["you@example.org"]))
        with pytest.raises(error) as caught:
            send_smtp(server.settings(), message)
    finally:
        server.stop()
    assert b"Subject: =?utf-8?" in server.received  # the whole message did go out
    if fault != "drop":
        assert fault.split()[-1] in str(caught.value.detail)


# -- the IMAP side -------------------------------------------------------------------------------


def test_special_folders_are_found(mail_servers, mailbox):
    with _imap(mail_servers, *mailbox) as client:
        assert special_folder(client, "\\Sent") == "Sent"
        assert special_folder(client, "\\Drafts") == "Drafts"
        with pytest.raises(exceptions.InvalidInputError):
            special_folder(client, "\\Inbox")


def test_sent_copy_keeps_bcc_and_gets_its_uid(mail_servers, mailbox):
    draft = _draft(mailbox[0], to=["kunde@example.org"], bcc=["geheim@example.org"])
    sent_copy = serialize(build_message(draft, include_bcc=True))
    with _imap(mail_servers, *mailbox) as client:
        first = append_to_folder(client, "Sent", sent_copy).uid
        second = append_to_folder(client, "Sent", sent_copy).uid
        with pytest.raises(exceptions.FolderNotFoundError):
            append_to_folder(client, "Gesendet-gibt-es-nicht", sent_copy)
    assert isinstance(first, int) and second == first + 1
    stored, flags = _folder_contents(mail_servers, mailbox, "Sent")[first]
    assert stored == sent_copy
    assert b"\\Seen" in flags
    assert email.message_from_bytes(stored, policy=email.policy.default)["Bcc"] == (
        "geheim@example.org"
    )


def test_draft_is_saved_replaced_reopened_and_deleted(mail_servers, mailbox):
    draft = _draft(
        mailbox[0],
        to=["Kunde <kunde@example.org>"],
        bcc=["geheim@example.org"],
        in_reply_to="<original@example.org>",
        references=["<first@example.org>", "<original@example.org>"],
    )
    with _imap(mail_servers, *mailbox) as client:
        saved = save_draft(client, "Drafts", serialize(build_message(draft, include_bcc=True)))
        assert saved.folder == "Drafts"
        uidvalidity, uid = saved.uidvalidity, saved.uid
        draft.subject = "Zweite Fassung"
        draft.cc = ["Zoë <zoe@example.org>"]
        replaced = save_draft(
            client,
            "Drafts",
            serialize(build_message(draft, include_bcc=True)),
            replace_uid=uid,
            uidvalidity=uidvalidity,
        )
        new_uidvalidity, new_uid = replaced.uidvalidity, replaced.uid
        assert new_uidvalidity == uidvalidity and new_uid > uid
        contents = _folder_contents(mail_servers, mailbox, "Drafts")
        assert list(contents) == [new_uid]
        stored, flags = contents[new_uid]
        assert {b"\\Draft", b"\\Seen"} <= flags

        reopened = parse_draft(stored)
        assert reopened.subject == "Zweite Fassung"
        assert (reopened.from_name, reopened.from_address) == (draft.from_name, mailbox[0])
        assert reopened.to == ["Kunde <kunde@example.org>"]
        assert reopened.cc == ["Zoë <zoe@example.org>"]
        assert reopened.bcc == ["geheim@example.org"]
        assert reopened.in_reply_to == "<original@example.org>"
        assert reopened.references == draft.references
        assert reopened.html_body.strip() == draft.html_body
        assert reopened.attachments == draft.attachments

        # A draft saved under an old UIDVALIDITY does not delete whatever has its UID now
        # (another mail: versions of the same one, by its Message-ID, are replaced).
        other = serialize(build_message(draft, include_bcc=True))
        third = save_draft(client, "Drafts", other, replace_uid=new_uid, uidvalidity=1).uid
        assert sorted(_folder_contents(mail_servers, mailbox, "Drafts")) == [new_uid, third]

        delete_draft(client, "Drafts", uidvalidity, new_uid)
        delete_draft(client, "Drafts", uidvalidity, third)
        assert _folder_contents(mail_servers, mailbox, "Drafts") == {}


def test_original_is_marked_answered_or_forwarded(original_box):
    client, view, _raw = original_box
    mark_answered(client, "INBOX", view.uidvalidity, view.uid)
    assert read_message(client, "INBOX", view.uidvalidity, view.uid).answered
    mark_answered(client, "INBOX", view.uidvalidity, view.uid, forwarded=True)
    client.select_folder("INBOX", readonly=True)
    assert set(client.get_flags([view.uid])[view.uid]) >= {b"\\Answered", b"$Forwarded"}
    with pytest.raises(UidValidityChangedError):
        mark_answered(client, "INBOX", view.uidvalidity + 1, view.uid)


def test_filing_after_sending_reports_failures_without_raising(mail_servers, mailbox, original_box):
    client, view, _raw = original_box
    saved_draft = save_draft(client, "Drafts", _original(subject="Entwurf"))
    sent = serialize(build_message(_draft(mailbox[0], to=["kunde@example.org"])))
    original = MessageRef(0, "INBOX", view.uidvalidity, view.uid)

    report = file_sent_message(
        client,
        sent,
        sent_folder="Sent",
        original=original,
        draft=saved_draft,
    )
    assert report.problems == []
    assert report.sent_copy.folder == "Sent"
    sent_uid = report.sent_copy.uid
    assert _folder_contents(mail_servers, mailbox, "Sent")[sent_uid][0] == sent
    assert _folder_contents(mail_servers, mailbox, "Drafts") == {}
    assert read_message(client, "INBOX", view.uidvalidity, view.uid).answered

    # The Sent copy fails (no such folder): told, and the other steps still happen.
    report = file_sent_message(
        client, sent, sent_folder="Weg", original=original, forwarded=True, draft=None
    )
    assert report.sent_copy is None
    assert [(step, type(error)) for step, error in report.problems] == [
        ("sent copy", exceptions.FolderNotFoundError)
    ]
    client.select_folder("INBOX", readonly=True)
    assert b"$Forwarded" in client.get_flags([view.uid])[view.uid]


# -- sendmail -------------------------------------------------------------------------------------

FAKE_SENDMAIL = """#!{python}
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "call.json"), "w") as out:
    json.dump(sys.argv[1:], out)
with open(os.path.join(here, "stdin.eml"), "wb") as out:
    out.write(sys.stdin.buffer.read())
{behaviour}
"""


def _fake_sendmail(tmp_path, behaviour="sys.exit(0)"):
    path = tmp_path / "sendmail"
    path.write_text(FAKE_SENDMAIL.format(python=sys.executable, behaviour=behaviour))
    path.chmod(0o700)
    return path


def test_sendmail_gets_an_argument_list_and_the_message_on_stdin(tmp_path):
    sendmail = _fake_sendmail(tmp_path)
    draft = _draft(
        "absender@müller.de",
        to=["Anna <anna@example.org>", "-oQ/tmp/x@example.org"],
        cc=["zoe@bücher.example"],
        bcc=["geheim@example.org"],
    )
    message = build_message(draft, include_bcc=True)
    send_sendmail(str(sendmail), message, timeout=20)

    assert json.loads((tmp_path / "call.json").read_text()) == [
        "-i",
        "-f",
        "absender@xn--mller-kva.de",
        "--",
        "anna@example.org",
        "-oQ/tmp/x@example.org",
        "zoe@xn--bcher-kva.example",
        "geheim@example.org",
    ]
    stdin = (tmp_path / "stdin.eml").read_bytes()
    assert b"\r" not in stdin
    assert stdin == serialize(message, include_bcc=False).replace(b"\r\n", b"\n")
    assert b"geheim" not in stdin


def test_sendmail_failure_timeout_and_bad_path_are_reported(tmp_path):
    message = build_message(_draft("me@example.org", to=["you@example.org"]))
    failing = _fake_sendmail(
        tmp_path, 'sys.stderr.write("you@example.org... User unknown\\n"); sys.exit(67)'
    )
    with pytest.raises(exceptions.SendmailError) as caught:
        send_sendmail(str(failing), message, timeout=20)
    assert "exit status 67" in str(caught.value)
    assert caught.value.detail == "you@example.org... User unknown"

    stalling = _fake_sendmail(tmp_path, "time.sleep(30)")
    with pytest.raises(exceptions.DeliveryUncertainError):
        send_sendmail(str(stalling), message, timeout=1)

    with pytest.raises(exceptions.SendmailError):
        send_sendmail(str(tmp_path / "missing"), message)
    for path in ("sendmail", "sendmail -t; rm -rf ~"):
        with pytest.raises(exceptions.InvalidInputError):
            send_sendmail(path, message)


# -- messages written to a file and streamed ------------------------------------------------------

THREE_MIB = os.urandom(3 * 1024 * 1024)
# Lines SMTP must dot-stuff, and one as long as SMTP allows (998 and CRLF).
DOTTED_TEXT = ".\n. ein Punkt am Anfang\n..zwei Punkte\n" + "x" * 990 + "\nEnde ohne Zeilenende"
# A mail another program sent, forwarded as it came: 7-bit, LF line ends, lines that are a
# bare "." or start with one, and a long line.
FORWARDED = (
    b"From: anna@example.org\nSubject: Weitergeleitet\nMessage-ID: <fw@example.org>\n\n"
    b".\n.Punkt\n" + b"y" * 990 + b"\nletzte Zeile"
)
FILES = [
    ("leer.bin", "application/octet-stream", b""),
    ("gross.pdf", "application/pdf", THREE_MIB),
    ("weitergeleitet.eml", "message/rfc822", FORWARDED),
]


def _files_draft(sender, *, streamed, **values):
    """A text mail that needs dot-stuffing with FILES attached, their contents in memory or
    read from files (as Odoo's uploads are)."""
    attachments = [
        OutgoingAttachment(name, mime_type, open_content=lambda data=data: io.BytesIO(data))
        if streamed
        else OutgoingAttachment(name, mime_type, data)
        for name, mime_type, data in FILES
    ]
    return _draft(sender, html_body="", text_body=DOTTED_TEXT, attachments=attachments, **values)


def _same_boundaries(data):
    return re.sub(rb"={15}\d{19}==(?:\.\d+)?", b"BOUNDARY", data)


def test_streamed_attachments_are_written_as_the_email_package_writes_them():
    fixed = {"date": NOW, "message_id": "<dateien@example.org>", "include_bcc": True}
    values = {"to": ["kunde@example.org"], "bcc": ["geheim@example.org"]}
    in_memory = build_message(_files_draft("me@example.org", streamed=False, **values), **fixed)
    streamed = build_message(_files_draft("me@example.org", streamed=True, **values), **fixed)
    for include_bcc in (True, False):
        expected = serialize(in_memory, include_bcc=include_bcc)
        written = serialize(streamed, include_bcc=include_bcc)
        assert _same_boundaries(written) == _same_boundaries(expected)
        with spool_message(streamed, include_bcc=include_bcc) as data:
            assert data.read() == written
    assert b"dynaoffice-streamed-content" not in written
    # The forwarded mail went in as it came (7-bit), not as base64.
    assert FORWARDED.replace(b"\n", b"\r\n") in written

    # A forwarded mail with 8-bit text is made 7-bit, as before: read into memory for that.
    eight_bit = OutgoingAttachment(
        "alt.eml",
        "message/rfc822",
        open_content=lambda: io.BytesIO(FORWARDED.replace(b"Punkt", "Pünktchen".encode())),
    )
    draft = _draft("me@example.org", to=["kunde@example.org"], attachments=[eight_bit])
    assert serialize(build_message(draft)).isascii()


def test_a_streamed_message_reaches_the_recipients_and_sent_byte_for_byte(mail_servers, mailbox):
    to_box, bcc_box = _new_mailbox(mail_servers), _new_mailbox(mail_servers)
    draft = _files_draft(mailbox[0], streamed=True, to=[to_box[0]], bcc=[bcc_box[0]])
    message = build_message(draft, include_bcc=True)
    with spool_message(message) as data:
        send_smtp(_smtp(mail_servers, *mailbox), message, data=data)
        with _imap(mail_servers, *mailbox) as client:
            sent_uid = append_to_folder(client, "Sent", data).uid

    assert _folder_contents(mail_servers, mailbox, "Sent")[sent_uid][0] == serialize(message)
    transmitted = serialize(message, include_bcc=False)
    for box in (to_box, bcc_box):
        ((raw, _flags),) = _folder_contents(mail_servers, box).values()
        # Exactly the bytes of the message, after the trace fields Dovecot puts on top.
        assert raw.endswith(transmitted)
        received = email.message_from_bytes(raw, policy=email.policy.default)
        assert "Bcc" not in received
        text = received.get_body(("plain",)).get_content()
        assert text.replace("\r\n", "\n") == DOTTED_TEXT + "\n"
        files = _attachments(received)
        assert (files["leer.bin"], files["gross.pdf"]) == (b"", THREE_MIB)
        (forwarded,) = [p for p in received.iter_attachments() if p.get_filename().endswith("eml")]
        # Dot-stuffed on the way, as it was before on arrival; the long line whole.
        ending = b"\n\n.\n.Punkt\n" + b"y" * 990 + b"\nletzte Zeile"
        assert forwarded.get_content().as_bytes().endswith(ending)


def test_a_draft_saved_from_a_file_reads_back_with_its_files_left_in_a_file(mail_servers, mailbox):
    draft = _files_draft(
        mailbox[0], streamed=True, to=["kunde@example.org"], bcc=["geheim@example.org"]
    )
    message = build_message(draft, include_bcc=True)
    with spool_message(message) as data, _imap(mail_servers, *mailbox) as client:
        saved = save_draft(client, "Drafts", data)
        uid = saved.uid
        _size, chunks = stream_source(client, "Drafts", saved.uidvalidity, uid)
        with spool.temporary_file() as source:
            source.writelines(chunks)
            reopened = read_draft(source)
            contents = [(a.filename, a.mime_type, a.content()) for a in reopened.attachments]
    stored = _folder_contents(mail_servers, mailbox, "Drafts")[uid][0]
    assert stored == serialize(message)

    # What parse_draft reads from the whole source; the files were decoded from the file.
    whole = parse_draft(stored)
    assert contents == [(a.filename, a.mime_type, a.data) for a in whole.attachments]
    assert [c[2] for c in contents[:2]] == [b"", THREE_MIB]
    assert [bool(a.open_content) for a in reopened.attachments] == [True, True, False]
    assert dataclasses.replace(reopened, attachments=[]) == dataclasses.replace(
        whole, attachments=[]
    )
    assert reopened.bcc == ["geheim@example.org"]


# Line ends of every kind, dots at the start of lines, a Bcc folded over two lines.
WIRE_CASES = (
    (
        b"From: me@example.org\r\nTo: you@example.org\r\nBcc: a@example.org,\r\n"
        b" b@example.org\r\nSubject: Punkte\r\n\r\n.\r\n..\r\n.a\nb\r.c\r\n\r\nx.\r\n.\rEnde."
    ),
    b"From: me@example.org\nTo: you@example.org\n\n.\n.\n",
)


def _dot_stuffed(data):
    """What goes after DATA, without the final dot, computed the plain way."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", strip_bcc(data))
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 1024 * 1024])
def test_dot_stuffing_and_line_ends_hold_across_chunk_borders(
    mail_servers, mailbox, monkeypatch, chunk_size
):
    monkeypatch.setattr(limits, "SPOOL_CHUNK_SIZE", chunk_size)
    for data in WIRE_CASES:
        server = FakeSmtpServer("250 2.0.0 queued")
        try:
            envelope = email.message_from_bytes(data, policy=email.policy.SMTP)
            send_smtp(server.settings(), envelope, data=data)
        finally:
            server.stop()
        assert server.received == _dot_stuffed(data)
        assert b"a@example.org" not in server.received
    # APPEND sends its literal as imaplib would send the bytes whole.
    with _imap(mail_servers, *mailbox) as client:
        uids = [append_to_folder(client, "Sent", data).uid for data in WIRE_CASES]
    stored = _folder_contents(mail_servers, mailbox, "Sent")
    assert [stored[uid][0] for uid in uids] == [
        imaplib.MapCRLF.sub(b"\r\n", data) for data in WIRE_CASES
    ]


class RefusingImapServer:
    """Plain IMAP that logs anyone in and answers APPEND with `answer` instead of "+";
    `received` holds every byte the client sent."""

    def __init__(self, answer: bytes):
        self.answer = answer
        self.received = b""
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.listener.settimeout(10)
        try:
            conn, _address = self.listener.accept()
        except OSError:
            return
        with conn, conn.makefile("rb") as reader:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 UIDPLUS] fake\r\n")
            while line := reader.readline():
                self.received += line
                tag, _space, rest = line.partition(b" ")
                if rest.upper().startswith(b"APPEND"):
                    conn.sendall(tag + b" " + self.answer + b"\r\n")
                elif rest.upper().startswith(b"LOGOUT"):
                    conn.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                    return
                else:
                    conn.sendall(tag + b" OK done\r\n")

    def stop(self):
        self.listener.close()
        self.thread.join(5)


@pytest.mark.parametrize(
    "answer, error",
    [
        (b"NO [TOOBIG] Mail too large", exceptions.MessageTooLargeError),
        (b"NO [TRYCREATE] Mailbox doesn't exist: Sent", exceptions.FolderNotFoundError),
    ],
)
def test_an_append_refused_before_the_message_sends_none_of_it(answer, error):
    server = RefusingImapServer(answer)
    client = imapclient.IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=5)
    try:
        client.login("me", "secret")
        with spool.temporary_file() as data:
            size = data.write(b"Subject: gross\r\n\r\n") + data.write(THREE_MIB.hex().encode())
            with pytest.raises(error) as caught:
                append_to_folder(client, "Sent", data)
        client.logout()
    finally:
        server.stop()
    assert answer.split(b" ", 1)[1].decode() in caught.value.detail
    (append,) = [line for line in server.received.splitlines() if b"APPEND" in line]
    assert append.endswith(b' APPEND "Sent" (\\Seen) {%d}' % size)
    assert b"gross" not in server.received
