"""Subjects and quote lines as people write them: one reply or forward prefix in the
user's language ("AW:" / "WG:" for German, "Re:" / "Fwd:" otherwise), whatever prefixes
other mail programs stacked before, and the quote line's date in the reader's zone and
format. The model chooses prefixes and formats; these tests hold the services to them.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from odoo.addons.dynaoffice_mail.services.addresses import Address
from odoo.addons.dynaoffice_mail.services.reading import MessageView
from odoo.addons.dynaoffice_mail.services.replies import (
    forward_draft,
    forward_subject,
    quote_moment,
    reply_draft,
    reply_subject,
)

SENT = datetime.datetime(2026, 11, 29, 19, 32, 5, tzinfo=datetime.UTC)
GERMAN_LABELS = {"Subject": "Betreff", "Date": "Datum", "From": "Von", "To": "An"}


@pytest.mark.parametrize(
    ("subject", "english", "german"),
    [
        ("Angebot", "Re: Angebot", "AW: Angebot"),
        ("AW: Angebot", "Re: Angebot", "AW: Angebot"),
        ("Re: Offer", "Re: Offer", "AW: Offer"),
        ("RE: re: Aw: Angebot", "Re: Angebot", "AW: Angebot"),
        ("Antw: Angebot", "Re: Angebot", "AW: Angebot"),
        ("Re[2]: AW(3): Angebot", "Re: Angebot", "AW: Angebot"),
        ("  re :Angebot", "Re: Angebot", "AW: Angebot"),
        # A forward prefix after the reply prefixes says what was answered: it stays.
        ("AW: WG: Angebot", "Re: WG: Angebot", "AW: WG: Angebot"),
        # Words that merely begin like a prefix are the subject itself.
        ("Rechnung 4711", "Re: Rechnung 4711", "AW: Rechnung 4711"),
        ("Award: Gewinner", "Re: Award: Gewinner", "AW: Award: Gewinner"),
        ("=?utf-8?q?AW=3A_Gr=C3=B6=C3=9Fe_M?=", "Re: Größe M", "AW: Größe M"),
    ],
)
def test_a_reply_carries_one_prefix_in_the_users_language(subject, english, german):
    assert reply_subject(subject) == english
    assert reply_subject(subject, "AW:") == german


@pytest.mark.parametrize(
    ("subject", "english", "german"),
    [
        ("Plan Q3", "Fwd: Plan Q3", "WG: Plan Q3"),
        ("WG: Plan Q3", "Fwd: Plan Q3", "WG: Plan Q3"),
        ("Fwd: Plan Q3", "Fwd: Plan Q3", "WG: Plan Q3"),
        ("FW: Fw: wg: Plan Q3", "Fwd: Plan Q3", "WG: Plan Q3"),
        ("Fwd[2]: Plan Q3", "Fwd: Plan Q3", "WG: Plan Q3"),
        # What was forwarded was a reply: its prefix stays.
        ("AW: Plan Q3", "Fwd: AW: Plan Q3", "WG: AW: Plan Q3"),
        ("Wgv-Termin", "Fwd: Wgv-Termin", "WG: Wgv-Termin"),
    ],
)
def test_a_forward_carries_one_prefix_in_the_users_language(subject, english, german):
    assert forward_subject(subject) == english
    assert forward_subject(subject, "WG:") == german


def test_quote_moment_is_in_the_readers_zone_and_format():
    berlin = ZoneInfo("Europe/Berlin")
    assert quote_moment(SENT, berlin, "%d.%m.%Y", "%H:%M") == ("29.11.2026", "20:32")
    assert quote_moment(SENT, berlin, "%m/%d/%Y", "%I:%M %p") == ("11/29/2026", "08:32 PM")
    # Summer time: two hours ahead of UTC in Berlin.
    june = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
    assert quote_moment(june, berlin, "%d.%m.%Y", "%H:%M") == ("01.06.2026", "14:00")
    assert quote_moment(SENT, None) == ("2026-11-29", "19:32")


def _view(subject):
    return MessageView(
        uid=1,
        uidvalidity=1,
        seen=True,
        flagged=False,
        answered=False,
        subject=subject,
        from_=(Address("Anna Absender", "anna@example.org"),),
        to=(Address("", "me@example.org"),),
        cc=(),
        reply_to=(),
        date=SENT,
        message_id="<m@example.org>",
        in_reply_to=None,
        references=(),
        text="Hallo",
    )


def test_german_reply_and_forward_drafts_carry_the_callers_words():
    sender = {"from_name": "Me", "from_address": "me@example.org"}
    reply = reply_draft(
        _view("Re: Angebot"),
        own_addresses=[],
        reply_all=False,
        intro="Am 29.11.2026 um 20:32 schrieb Anna Absender <anna@example.org>:",
        prefix="AW:",
        **sender,
    )
    assert reply.subject == "AW: Angebot"
    assert "Am 29.11.2026 um 20:32 schrieb Anna Absender &lt;anna@example.org&gt;:" in (
        reply.html_body
    )
    forward = forward_draft(
        _view("AW: Angebot"),
        as_attachment=False,
        heading="-------- Weitergeleitete Nachricht --------",
        labels=GERMAN_LABELS,
        date_text="29.11.2026 20:32",
        prefix="WG:",
        **sender,
    )
    assert forward.subject == "WG: AW: Angebot"
    for text in ("Betreff:", "Von:", "An:", "<td>29.11.2026 20:32</td>"):
        assert text in forward.html_body
    assert "Subject:" not in forward.html_body and "+0000" not in forward.html_body
    attached = forward_draft(
        _view("Fwd: Angebot"), as_attachment=True, raw_message=b"x", prefix="WG:", **sender
    )
    assert attached.subject == "WG: Angebot"


def test_english_stays_the_default():
    view = _view("AW: Angebot")
    reply = reply_draft(
        view, own_addresses=[], reply_all=False, from_name="", from_address="m@example.org"
    )
    assert reply.subject == "Re: Angebot"
    assert "On 2026-11-29 19:32, Anna Absender &lt;anna@example.org&gt; wrote:" in reply.html_body
    forward = forward_draft(view, as_attachment=False, from_name="", from_address="m@example.org")
    assert forward.subject == "Fwd: AW: Angebot"
    assert "Sun, 29 Nov 2026 19:32:05 +0000" in forward.html_body
