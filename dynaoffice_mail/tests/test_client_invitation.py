"""Calendar invitations end to end: a REQUEST appended to the account's INBOX on Dovecot
shows its card, and answering it sends an iTIP REPLY through the real SMTP server to the
organiser's mailbox, and to no one else."""

import email
import email.policy
import json
import re
import secrets
from email.message import EmailMessage

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RpcAttackCase
from .test_client_compose import ComposeCase

CRLF = "\r\n"


def calendar_text(
    *,
    method="REQUEST",
    uid=None,
    summary="Angebot besprechen",
    organizer=None,
    attendees=(),
    start="DTSTART;TZID=Europe/Berlin:20260312T100000",
    end="DTEND;TZID=Europe/Berlin:20260312T113000",
    extra=(),
    zone_rule="FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
):
    """An invitation as Outlook writes one: a VTIMEZONE, then the event."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Test//Invitations//EN",
        f"METHOD:{method}",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:STANDARD",
        "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        f"RRULE:{zone_rule}",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"UID:{uid or secrets.token_hex(8) + '@example.org'}",
        "SEQUENCE:3",
        "DTSTAMP:20260301T090000Z",
        start,
        end,
        f"SUMMARY:{summary}",
        "LOCATION:Besprechungsraum 2",
        f'ORGANIZER;CN="Emily Carter":mailto:{organizer}',
        *(f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{each}" for each in attendees),
        *extra,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return CRLF.join(lines) + CRLF


# Outlook's zones as it writes them: its own name, one STANDARD and one DAYLIGHT rule.
OUTLOOK_ZONES = {
    "new york": ("-0500", "-0400", "BYDAY=1SU;BYMONTH=11", "BYDAY=2SU;BYMONTH=3"),
    "berlin": ("+0100", "+0200", "BYDAY=-1SU;BYMONTH=10", "BYDAY=-1SU;BYMONTH=3"),
}


def outlook_text(
    *, organizer, attendee, tzid, zone=None, start="20260312T100000", uid=None, extra=()
):
    """An invitation as Outlook / Exchange writes one: Windows zone names (TZID:Eastern
    Standard Time, or Customized Time Zone for a zone it has no name for), its UID and
    X-MICROSOFT lines, a reminder; with the VTIMEZONE of `zone`, or none."""
    lines = [
        "BEGIN:VCALENDAR",
        "METHOD:REQUEST",
        "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0",
    ]
    if zone:
        standard, daylight, back, forward = OUTLOOK_ZONES[zone]
        lines += [
            "BEGIN:VTIMEZONE",
            f"TZID:{tzid.strip(chr(34))}",
            "BEGIN:STANDARD",
            "DTSTART:16010101T020000",
            f"TZOFFSETFROM:{daylight}",
            f"TZOFFSETTO:{standard}",
            f"RRULE:FREQ=YEARLY;INTERVAL=1;{back}",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:16010101T020000",
            f"TZOFFSETFROM:{standard}",
            f"TZOFFSETTO:{daylight}",
            f"RRULE:FREQ=YEARLY;INTERVAL=1;{forward}",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
    lines += [
        "BEGIN:VEVENT",
        f"ORGANIZER;CN=John Miller:mailto:{organizer}",
        "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Team:mailto:" + attendee,
        "DESCRIPTION;LANGUAGE=en-US:Quarterly figures\\n",
        "UID:" + (uid or "040000008200E00074C5B7101A82E00800000000" + secrets.token_hex(16)),
        "SUMMARY;LANGUAGE=en-US:Quarterly review",
        f"DTSTART;TZID={tzid}:{start}",
        f"DTEND;TZID={tzid}:{start[:9]}{int(start[9:11]) + 1:02d}{start[11:]}",
        "CLASS:PUBLIC",
        "PRIORITY:5",
        "DTSTAMP:20260301T150000Z",
        "TRANSP:OPAQUE",
        "STATUS:CONFIRMED",
        "SEQUENCE:0",
        "LOCATION;LANGUAGE=en-US:Microsoft Teams Meeting",
        "X-MICROSOFT-CDO-APPT-SEQUENCE:0",
        "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE",
        "X-MICROSOFT-CDO-IMPORTANCE:1",
        "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
        *extra,
        "BEGIN:VALARM",
        "DESCRIPTION:REMINDER",
        "TRIGGER;RELATED=START:-PT15M",
        "ACTION:DISPLAY",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return CRLF.join(lines) + CRLF


def invitation_message(subject, ics, *, sender, as_attachment=False):
    """A mail carrying `ics`: as the calendar alternative of the text (Outlook, Google), or
    as an attached .ics file."""
    message = EmailMessage()
    message["From"] = f"Emily Carter <{sender}>"
    message["To"] = "team@example.com"
    message["Subject"] = subject
    message["Message-ID"] = f"<{secrets.token_hex(8)}@example.org>"
    message.set_content("Sie sind eingeladen.\n")
    if as_attachment:
        message.add_attachment(
            ics.encode(), maintype="text", subtype="calendar", filename="einladung.ics"
        )
    else:
        message.add_alternative("<p>Sie sind eingeladen.</p>", subtype="html")
        message.add_alternative(ics, subtype="calendar", params={"method": method_of(ics)})
    return message.as_bytes()


def unfolded(ics):
    """iCalendar text with its long lines joined again (RFC 5545 folds at 75 octets)."""
    return ics.replace("\r\n ", "").replace("\r\n", "\n").replace("\n ", "")


def method_of(ics):
    return next(line[7:] for line in ics.split(CRLF) if line.startswith("METHOD:"))


def append_to_inbox(case, address, password, raw):
    """APPEND `raw` to the INBOX of `address` on Dovecot; (folder, uidvalidity, uid) of it."""
    client = case.imap(address, password)
    try:
        client.append("INBOX", raw)
        client.select_folder("INBOX", readonly=True)
        uidvalidity = client.folder_status("INBOX", ["UIDVALIDITY"])[b"UIDVALIDITY"]
        uid = max(client.search())
    finally:
        client.logout()
    return "INBOX", uidvalidity, uid


class InvitationCase(ComposeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        # Invited along with the account: must never hear of the account's answer.
        cls.colleague_address, cls.colleague_password = cls.new_mailbox()

    def deliver(self, raw):
        return append_to_inbox(self, self.personal_address, self.personal_password, raw)

    def account(self, lang="en_US"):
        self.owner.write({"lang": lang, "tz": "Europe/Berlin"})
        return self.personal.with_user(self.owner).with_context(lang=lang, tz="Europe/Berlin")

    def replies_to(self, address, password):
        """The organiser's INBOX: [(parsed, raw)]."""
        client = self.imap(address, password)
        try:
            client.select_folder("INBOX", readonly=True)
            found = client.fetch(client.search(), ["BODY.PEEK[]"]).values()
            return [
                (email.message_from_bytes(raw, policy=email.policy.default), raw)
                for raw in (item[b"BODY[]"] for item in found)
            ]
        finally:
            client.logout()

    def reply_calendar(self, parsed):
        (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
        self.assertEqual(part.get_param("method"), "REPLY")
        return unfolded(part.get_content())

    def last_envelope(self):
        return json.loads(self.servers.smtp_received_log.read_text().splitlines()[-1])


@tagged("post_install", "-at_install")
class TestClientInvitation(InvitationCase):
    def test_an_english_invitation_shows_its_card_and_the_message_still_opens(self):
        ics = calendar_text(organizer=self.partner_address, extra=["RRULE:FREQ=WEEKLY;COUNT=4"])
        ref = self.deliver(invitation_message("Einladung", ics, sender=self.partner_address))
        account = self.account("en_US")
        card = account.client_invitation(*ref)
        self.assertEqual(card["method"], "REQUEST")
        self.assertFalse(card["notice"])
        self.assertEqual(card["summary"], "Angebot besprechen")
        # 10:00 in Berlin, shown on a Berlin clock in the English date format.
        self.assertEqual(card["when"], "03/12/2026, 10:00 – 11:30")
        self.assertEqual(card["location"], "Besprechungsraum 2")
        self.assertEqual(card["organizer"], f"Emily Carter <{self.partner_address}>")
        self.assertEqual(card["recurrence"], "Repeats weekly")
        self.assertTrue(card["can_answer"])
        self.assertFalse(card["answer"])
        message = account.client_message(*ref)
        self.assertTrue(message["body_url"])
        self.assertIn("text/calendar", [each["mime_type"] for each in message["attachments"]])

    def test_accepting_sends_one_reply_to_the_organiser_only(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        ics = calendar_text(
            uid=event_uid,
            organizer=self.partner_address,
            attendees=[self.personal_address, self.colleague_address],
        )
        # Sent by a calendar service in the organiser's name: the answer goes to the
        # ORGANIZER, not to the mail's From.
        raw = invitation_message("Einladung", ics, sender="calendar-noreply@example.org")
        ref = self.deliver(raw)
        account = self.account("en_US")
        card = account.client_invitation(*ref)
        result = account.client_answer_invitation(*ref, "accepted", card["token"])
        self.assertTrue(result["sent"], result)
        self.assertEqual(result["card"]["answer"], "accepted")
        # A double click: the outbox knows the reply went out, nothing is sent again.
        again = account.client_answer_invitation(*ref, "accepted", card["token"])
        self.assertTrue(again["sent"])
        replies = self.replies_to(self.partner_address, self.partner_password)
        replies = [parsed for parsed, _raw in replies if event_uid in self.reply_text(parsed)]
        self.assertEqual(len(replies), 1)
        (reply,) = replies
        self.assertEqual(str(reply["Subject"]), "Accepted: Angebot besprechen")
        self.assertEqual(str(reply["To"]), self.partner_address)
        self.assertIn(self.personal_address, str(reply["From"]))
        text = self.reply_calendar(reply)
        self.assertIn("METHOD:REPLY", text)
        self.assertIn(f"UID:{event_uid}", text)
        self.assertIn("SEQUENCE:3", text)
        self.assertIn(f"mailto:{self.partner_address}", text)
        attendees = [line for line in text.split("\n") if line.startswith("ATTENDEE")]
        self.assertEqual(len(attendees), 1)
        self.assertIn("PARTSTAT=ACCEPTED", attendees[0])
        self.assertIn(f"mailto:{self.personal_address}", attendees[0])
        self.assertEqual(self.last_envelope()["to"], [self.partner_address])
        self.assertEqual(self.replies_to(self.colleague_address, self.colleague_password), [])

    def reply_text(self, parsed):
        parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
        return unfolded(parts[0].get_content()) if parts else ""

    def test_outlook_windows_zone_names_are_read_in_the_senders_zone(self):
        account = self.account("en_US")
        # Exchange names the zone the Windows way, quoted, and sends no VTIMEZONE: 10:00 in
        # New York (already summer time there, not yet in Berlin) is 15:00 in Berlin.
        for tzid, zone in (
            ('"Eastern Standard Time"', None),
            ("Eastern Standard Time", "new york"),
        ):
            with self.subTest(tzid=tzid, zone=zone):
                ics = outlook_text(
                    organizer=self.partner_address,
                    attendee=self.personal_address,
                    tzid=tzid,
                    zone=zone,
                )
                ref = self.deliver(invitation_message("Review", ics, sender=self.partner_address))
                card = account.client_invitation(*ref)
                self.assertEqual(card["summary"], "Quarterly review")
                self.assertEqual(card["when"], "03/12/2026, 15:00 – 16:00")

    def test_outlook_windows_zone_names_put_no_false_errors_into_the_log(self):
        account = self.account("en_US")
        # Read with their zone, not unknown: the administrator's log gets no error for the
        # Windows names Exchange writes without a VTIMEZONE (one a time, each time read).
        for tzid, when in (
            ("Tokyo Standard Time", "03/12/2026, 02:00 – 03:00"),
            ("W. Europe Standard Time", "03/12/2026, 10:00 – 11:00"),
        ):
            with self.subTest(tzid=tzid):
                ics = outlook_text(
                    organizer=self.partner_address,
                    attendee=self.personal_address,
                    tzid=tzid,
                    extra=[f"EXDATE;TZID={tzid}:20260319T100000", "RRULE:FREQ=WEEKLY;COUNT=3"],
                )
                ref = self.deliver(invitation_message("Review", ics, sender=self.partner_address))
                with self.assertNoLogs(level="ERROR"):
                    card = account.client_invitation(*ref)
                self.assertEqual(card["when"], when)
                self.assertEqual(card["recurrence"], "Repeats weekly")

    def test_each_outlook_customized_zone_is_read_with_its_own_offsets(self):
        account = self.account("en_US")
        # Outlook names a zone it has no Windows name for "Customized Time Zone", whatever
        # its offsets: an invitation read before from another zone must not move this one.
        for zone, when in (
            ("new york", "03/12/2026, 15:00 – 16:00"),
            ("berlin", "03/12/2026, 10:00 – 11:00"),
        ):
            with self.subTest(zone=zone):
                ics = outlook_text(
                    organizer=self.partner_address,
                    attendee=self.personal_address,
                    tzid="Customized Time Zone",
                    zone=zone,
                )
                ref = self.deliver(invitation_message("Review", ics, sender=self.partner_address))
                self.assertEqual(account.client_invitation(*ref)["when"], when)

    def test_a_german_ics_attachment_all_day_declined_with_a_new_answer(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        ics = calendar_text(
            uid=event_uid,
            summary="Betriebsausflug",
            organizer=self.partner_address,
            start="DTSTART;VALUE=DATE:20260312",
            end="DTEND;VALUE=DATE:20260314",
        )
        raw = invitation_message("Einladung", ics, sender=self.partner_address, as_attachment=True)
        ref = self.deliver(raw)
        account = self.account("de_DE")
        card = account.client_invitation(*ref)
        self.assertTrue(card["all_day"])
        # German dates; the last day is the 13th (iCalendar's DTEND is the day after).
        self.assertIn("12.03.2026 – 13.03.2026", card["when"])
        account.client_answer_invitation(*ref, "tentative", card["token"])
        result = account.client_answer_invitation(*ref, "declined", card["token"])
        self.assertTrue(result["sent"])
        calendars = [
            self.reply_text(parsed)
            for parsed, _raw in self.replies_to(self.partner_address, self.partner_password)
            if event_uid in self.reply_text(parsed)
        ]
        # A changed answer is a new mail: both reached the organiser.
        self.assertEqual(len(calendars), 2)
        self.assertEqual(sorted("PARTSTAT=DECLINED" in text for text in calendars), [False, True])
        self.assertTrue(any("PARTSTAT=TENTATIVE" in text for text in calendars))

    def test_a_hostile_summary_reaches_no_header(self):
        spy_address, spy_password = self.new_mailbox()
        event_uid = f"{secrets.token_hex(8)}@example.org"
        summary = f"Treffen\\nBcc: {spy_address}\\nX-Evil: 1"
        ics = calendar_text(uid=event_uid, summary=summary, organizer=self.partner_address)
        ref = self.deliver(invitation_message("Einladung", ics, sender=self.partner_address))
        account = self.account("en_US")
        card = account.client_invitation(*ref)
        self.assertNotIn("\n", card["summary"])
        result = account.client_answer_invitation(*ref, "accepted", card["token"])
        self.assertTrue(result["sent"])
        (raw,) = [
            raw
            for parsed, raw in self.replies_to(self.partner_address, self.partner_password)
            if event_uid in self.reply_text(parsed)
        ]
        head = raw.split(b"\r\n\r\n", 1)[0]
        self.assertNotIn(b"\r\nBcc:", head)
        self.assertNotIn(b"\r\nX-Evil:", head)
        self.assertEqual(self.last_envelope()["to"], [self.partner_address])
        self.assertEqual(self.replies_to(spy_address, spy_password), [])

    def test_malformed_or_oversized_calendars_show_no_card_and_the_message_opens(self):
        account = self.account("en_US")
        broken = CRLF.join(
            ["BEGIN:VCALENDAR", "METHOD:REQUEST", "BEGIN:VEVENT", "DTSTART:kaputt", "UID"]
        )
        endless_zone = calendar_text(organizer=self.partner_address, zone_rule="FREQ=SECONDLY")
        oversized = calendar_text(
            organizer=self.partner_address, extra=["DESCRIPTION:" + "x" * 300_000]
        )
        no_uid = calendar_text(organizer=self.partner_address).replace("UID:", "X-NO-UID:")
        # The last hour of Python's calendar in UTC is in the year 10000 in Berlin.
        year_10000 = calendar_text(
            organizer=self.partner_address,
            start="DTSTART:99991231T233000Z",
            end="DTEND:99991231T235959Z",
        )
        for name, ics in (
            ("broken", broken),
            ("endless zone", endless_zone),
            ("oversized", oversized),
            ("no uid", no_uid),
            ("year 10000", year_10000),
        ):
            with self.subTest(name):
                raw = invitation_message(name, ics, sender=self.partner_address)
                ref = self.deliver(raw)
                self.assertFalse(account.client_invitation(*ref))
                self.assertEqual(account.client_message(*ref)["subject"], name)
                with self.assertRaises(UserError):
                    account.client_answer_invitation(*ref, "accepted")

    def test_no_organiser_address_no_answer(self):
        ics = calendar_text(organizer="not an address")
        ref = self.deliver(invitation_message("Ohne", ics, sender=self.partner_address))
        account = self.account("en_US")
        card = account.client_invitation(*ref)
        self.assertFalse(card["can_answer"])
        self.assertEqual(card["organizer"], "")
        with self.assertRaises(UserError):
            account.client_answer_invitation(*ref, "accepted")

    def test_a_cancellation_is_shown_and_never_answered(self):
        ics = calendar_text(method="CANCEL", organizer=self.partner_address)
        ref = self.deliver(invitation_message("Abgesagt", ics, sender=self.partner_address))
        account = self.account("en_US")
        card = account.client_invitation(*ref)
        self.assertEqual(card["method"], "CANCEL")
        self.assertFalse(card["can_answer"])
        with self.assertRaises(UserError):
            account.client_answer_invitation(*ref, "accepted")
        with self.assertRaises(UserError):
            account.client_answer_invitation(*ref, "maybe")
        result = account.client_answer_invitation(*ref, "remove")
        self.assertFalse(result["sent"])

    def test_a_cancellation_not_sent_by_its_organiser_says_so_and_removes_nothing(self):
        # A UID is no secret (every attendee's invitation holds it) and the file names whom
        # it likes: a stranger's CANCEL naming the real organiser.
        ics = calendar_text(method="CANCEL", organizer=self.partner_address)
        forged = invitation_message("Abgesagt", ics, sender=self.colleague_address)
        ref = self.deliver(forged)
        for lang, notice in (
            (
                "en_US",
                (
                    f"This cancellation was not sent by the organiser ({self.partner_address}): "
                    "it cannot remove the event from your calendar."
                ),
            ),
            (
                "de_DE",
                (
                    f"Diese Absage wurde nicht vom Organisator ({self.partner_address}) "
                    "gesendet und kann den Termin daher nicht aus Ihrem Kalender entfernen."
                ),
            ),
        ):
            with self.subTest(lang=lang):
                account = self.account(lang)
                card = account.client_invitation(*ref)
                self.assertEqual(card["method"], "CANCEL")
                self.assertEqual(card["notice"], notice)
                self.assertFalse(card["can_remove"])
                with self.assertRaisesRegex(UserError, "^" + re.escape(notice) + "$"):
                    account.client_answer_invitation(*ref, "remove")
        # One naming no organiser cannot be the organiser's either.
        nameless = calendar_text(method="CANCEL", organizer="not an address")
        ref = self.deliver(invitation_message("Abgesagt", nameless, sender=self.partner_address))
        account = self.account("en_US")
        self.assertIn("names no organiser", account.client_invitation(*ref)["notice"])
        with self.assertRaises(UserError):
            account.client_answer_invitation(*ref, "remove")
        # From the organiser, it is the organiser's cancellation.
        ref = self.deliver(invitation_message("Abgesagt", ics, sender=self.partner_address))
        self.assertFalse(account.client_invitation(*ref)["notice"])
        self.assertFalse(account.client_answer_invitation(*ref, "remove")["sent"])

    def test_an_attendees_answer_proposal_or_question_shows_what_it_is(self):
        account = self.account("en_US")
        attendee = f"ATTENDEE;CN=Max Weber;PARTSTAT=%s:mailto:{self.colleague_address}"
        max_weber = f"Max Weber <{self.colleague_address}>"
        moved = {
            "start": "DTSTART;TZID=Europe/Berlin:20260313T140000",
            "end": "DTEND;TZID=Europe/Berlin:20260313T150000",
        }
        for method, partstat, when, lang, notice in (
            ("REPLY", "ACCEPTED", {}, "en_US", f"{max_weber} has accepted the invitation."),
            ("REPLY", "DECLINED", {}, "de_DE", f"{max_weber} hat die Einladung abgelehnt."),
            (
                "COUNTER",
                "NEEDS-ACTION",
                moved,
                "en_US",
                f"{max_weber} proposes a new time: 03/13/2026, 14:00 – 15:00",
            ),
            (
                "COUNTER",
                "NEEDS-ACTION",
                moved,
                "de_DE",
                f"{max_weber} schlägt eine neue Zeit vor: 13.03.2026, 14:00 – 15:00 Uhr",
            ),
            (
                "REFRESH",
                "NEEDS-ACTION",
                {},
                "de_DE",
                f"{max_weber} bittet um die aktuelle Fassung dieses Termins.",
            ),
        ):
            with self.subTest(method=method, partstat=partstat, lang=lang):
                ics = calendar_text(
                    method=method,
                    organizer=self.personal_address,
                    extra=[attendee % partstat],
                    **when,
                )
                raw = invitation_message(method, ics, sender=self.colleague_address)
                ref = self.deliver(raw)
                account = self.account(lang)
                card = account.client_invitation(*ref)
                self.assertEqual(card["method"], method)
                self.assertEqual(card["notice"], notice)
                self.assertEqual(card["summary"], "Angebot besprechen")
                # Nothing to answer: the organiser answers an attendee elsewhere.
                self.assertFalse(card["can_answer"])
                with self.assertRaises(UserError):
                    account.client_answer_invitation(*ref, "accepted")
        self.assertEqual(self.replies_to(self.colleague_address, self.colleague_password), [])

    def test_another_user_cannot_read_or_answer(self):
        ics = calendar_text(organizer=self.partner_address)
        ref = self.deliver(invitation_message("Fremd", ics, sender=self.partner_address))
        account = self.personal.with_user(self.other)
        with self.assertRaises(AccessError):
            account.client_invitation(*ref)
        with self.assertRaises(AccessError):
            account.client_answer_invitation(*ref, "accepted")


@tagged("post_install", "-at_install")
class TestClientInvitationRpc(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.organizer_address, cls.organizer_password = cls.new_mailbox()

    def test_another_user_over_rpc_is_refused_and_nothing_is_sent(self):
        ics = calendar_text(organizer=self.organizer_address)
        raw = invitation_message("Fremd", ics, sender=self.organizer_address)
        ref = append_to_inbox(self, self.personal_address, self.personal_password, raw)
        model = "dynaoffice.mail.account"
        for user in (self.other, self.member, self.mail_admin, self.portal):
            for method, args in (
                ("client_invitation", [[self.personal.id], *ref]),
                ("client_answer_invitation", [[self.personal.id], *ref, "accepted"]),
            ):
                with self.subTest(user=user.login, method=method):
                    self.assert_forgery_refused(
                        user, model, method, args, state=lambda: self.account_state(self.personal)
                    )
        self.assertEqual(self.fetch_all(self.organizer_address, self.organizer_password), [])
