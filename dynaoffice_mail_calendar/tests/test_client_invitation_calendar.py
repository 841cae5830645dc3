"""Answered invitations in Odoo's calendar: the event is created, then updated, matched by
its iCalendar UID, with the user as attendee in the state they chose; a cancellation the
user removes archives it. The reply itself is tested by dynaoffice_mail's own tests."""

import datetime
import secrets
import zoneinfo

import pytz
import vobject
from dateutil import rrule

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.dynaoffice_mail.services.invitations import parse_invitation
from odoo.addons.dynaoffice_mail.tests.common import RpcAttackCase
from odoo.addons.dynaoffice_mail.tests.test_client_invitation import (
    CRLF,
    InvitationCase,
    calendar_text,
    invitation_message,
    outlook_text,
)
from odoo.addons.dynaoffice_mail_calendar.models.dynaoffice_mail_account import _recurrence


@tagged("post_install", "-at_install")
class TestClientInvitationCalendar(InvitationCase):
    def events(self, event_uid):
        return (
            self.env["calendar.event"]
            .with_context(active_test=False)
            .search([("dynaoffice_ical_uid", "=", event_uid)])
        )

    def meetings(self, series):
        """The meetings of a series in Odoo's calendar, archived ones too, by time."""
        return (
            self.env["calendar.event"]
            .with_context(active_test=False)
            .search([("recurrence_id", "=", series.recurrence_id.id)], order="start")
            if series.recurrence_id
            else series
        )

    def accepted_series(self, rule="RRULE:FREQ=WEEKLY;COUNT=4"):
        """(UID, the German account, the series' event) of a weekly series of the partner's,
        accepted from its mail: four meetings in the calendar."""
        event_uid = f"{secrets.token_hex(8)}@example.org"
        ics = calendar_text(uid=event_uid, organizer=self.partner_address, extra=[rule])
        ref = self.deliver(invitation_message("Jour fixe", ics, sender=self.partner_address))
        account = self.account("de_DE")
        self.assertTrue(account.client_answer_invitation(*ref, "accepted")["sent"])
        series = self.events(event_uid)
        self.assertEqual(len(series), 1)
        self.assertEqual(len(self.meetings(series)), 4)
        return event_uid, account, series

    def own_state(self, event):
        return event.attendee_ids.filtered(
            lambda attendee: attendee.partner_id == self.owner.partner_id
        ).state

    def test_answers_create_then_update_the_event_and_a_cancel_archives_it(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        ics = calendar_text(uid=event_uid, organizer=self.partner_address)
        ref = self.deliver(invitation_message("Einladung", ics, sender=self.partner_address))
        account = self.account("de_DE")
        card = account.client_invitation(*ref)
        self.assertTrue(card["calendar"])
        self.assertFalse(card["in_calendar"])
        result = account.client_answer_invitation(*ref, "tentative", card["token"])
        self.assertTrue(result["sent"], result)
        event = self.events(event_uid)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.name, "Angebot besprechen")
        self.assertEqual(event.location, "Besprechungsraum 2")
        # 10:00 in Berlin (winter time) is 09:00 UTC, as Odoo stores it.
        self.assertEqual(event.start, datetime.datetime(2026, 3, 12, 9, 0))
        self.assertEqual(event.stop, datetime.datetime(2026, 3, 12, 10, 30))
        self.assertEqual(event.user_id, self.owner)
        self.assertEqual(self.own_state(event), "tentative")
        # Shown again later, the card knows the answer from the calendar.
        card = account.client_invitation(*ref)
        self.assertEqual(card["answer"], "tentative")
        self.assertTrue(card["in_calendar"])
        account.client_answer_invitation(*ref, "accepted", card["token"])
        self.assertEqual(self.events(event_uid), event)
        self.assertEqual(self.own_state(event), "accepted")
        self.assertEqual(account.client_invitation(*ref)["answer"], "accepted")

        cancel = calendar_text(method="CANCEL", uid=event_uid, organizer=self.partner_address)
        ref = self.deliver(invitation_message("Abgesagt", cancel, sender=self.partner_address))
        self.assertTrue(account.client_invitation(*ref)["in_calendar"])
        account.client_answer_invitation(*ref, "remove")
        self.assertFalse(event.active)
        self.assertEqual(self.own_state(event), "declined")
        self.assertFalse(account.client_invitation(*ref)["in_calendar"])

    def test_an_all_day_invitation_is_an_all_day_event_with_the_user_alone(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        ics = calendar_text(
            uid=event_uid,
            organizer=self.partner_address,
            attendees=[self.personal_address],
            start="DTSTART;VALUE=DATE:20260312",
            end="DTEND;VALUE=DATE:20260314",
        )
        ref = self.deliver(invitation_message("Ausflug", ics, sender=self.partner_address))
        account = self.account("en_US")
        account.client_answer_invitation(*ref, "declined")
        event = self.events(event_uid)
        self.assertTrue(event.allday)
        self.assertEqual(
            (event.start_date, event.stop_date),
            (datetime.date(2026, 3, 12), datetime.date(2026, 3, 13)),
        )
        self.assertEqual(self.own_state(event), "declined")
        # No partner is made up from the invitation: the user is the only attendee.
        self.assertEqual(event.partner_ids, self.owner.partner_id)

    def test_mail_from_another_organiser_with_the_uid_neither_moves_nor_cancels_it(self):
        # Every attendee's invitation holds the event's UID: a co-invitee may send mail
        # naming it, as organiser of their own.
        event_uid = f"{secrets.token_hex(8)}@example.org"
        ics = calendar_text(uid=event_uid, organizer=self.partner_address)
        ref = self.deliver(invitation_message("Einladung", ics, sender=self.partner_address))
        account = self.account("de_DE")
        self.assertTrue(account.client_answer_invitation(*ref, "accepted")["sent"])
        event = self.events(event_uid)

        stranger = self.colleague_address
        cancel = calendar_text(method="CANCEL", uid=event_uid, organizer=stranger)
        ref = self.deliver(invitation_message("Abgesagt", cancel, sender=stranger))
        self.assertFalse(account.client_invitation(*ref)["in_calendar"])
        account.client_answer_invitation(*ref, "remove")
        self.assertTrue(event.active)
        self.assertEqual(self.own_state(event), "accepted")

        moved = calendar_text(
            uid=event_uid,
            organizer=stranger,
            summary="Verschoben",
            start="DTSTART;TZID=Europe/Berlin:20260313T070000",
            end="DTEND;TZID=Europe/Berlin:20260313T080000",
        )
        ref = self.deliver(invitation_message("Verschoben", moved, sender=stranger))
        self.assertFalse(account.client_invitation(*ref)["answer"])
        account.client_answer_invitation(*ref, "declined")
        self.assertEqual(event.name, "Angebot besprechen")
        self.assertEqual(event.start, datetime.datetime(2026, 3, 12, 9, 0))
        self.assertEqual(self.own_state(event), "accepted")
        self.assertTrue(event.active)

    def test_a_strangers_cancel_naming_the_real_uid_and_organiser_removes_nothing(self):
        event_uid, account, series = self.accepted_series()
        meetings = self.meetings(series)

        # Whoever saw the invitation knows its UID and organiser: a co-invitee mails a
        # CANCEL of the series, and one of a single meeting, naming both.
        stranger = self.colleague_address
        forged = [
            calendar_text(method="CANCEL", uid=event_uid, organizer=self.partner_address),
            calendar_text(
                method="CANCEL",
                uid=event_uid,
                organizer=self.partner_address,
                start="DTSTART;TZID=Europe/Berlin:20260319T100000",
                end="DTEND;TZID=Europe/Berlin:20260319T113000",
                extra=["RECURRENCE-ID;TZID=Europe/Berlin:20260319T100000"],
            ),
        ]
        for cancel in forged:
            ref = self.deliver(invitation_message("Abgesagt", cancel, sender=stranger))
            # Called as the browser calls it, whatever the card offers.
            with self.assertRaises(UserError):
                account.client_answer_invitation(*ref, "remove")
            self.assertEqual(meetings.filtered("active"), meetings)
            self.assertEqual({self.own_state(each) for each in meetings}, {"accepted"})
            card = account.client_invitation(*ref)
            self.assertTrue(card["in_calendar"])
            self.assertFalse(card["can_remove"])
            self.assertEqual(
                card["notice"],
                f"Diese Absage wurde nicht vom Organisator ({self.partner_address}) gesendet "
                "und kann den Termin daher nicht aus Ihrem Kalender entfernen.",
            )

        # The organiser's own cancellation removes the series.
        ref = self.deliver(invitation_message("Abgesagt", forged[0], sender=self.partner_address))
        self.assertTrue(account.client_invitation(*ref)["can_remove"])
        account.client_answer_invitation(*ref, "remove")
        self.assertFalse(meetings.filtered("active"))

    def test_an_update_in_another_room_keeps_what_the_user_changed_in_the_meetings(self):
        weekly = ["RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TH"]
        event_uid, account, series = self.accepted_series(weekly[0])
        meetings = self.meetings(series)
        second, third = meetings[1], meetings[2]
        # In Odoo, the user notes the agenda in the third meeting and moves the second an
        # hour later, each on its own.
        Event = self.env["calendar.event"].with_user(self.owner)
        Event.browse(third.id).write(
            {"description": "<p>Agenda: Zahlen Q1</p>", "recurrence_update": "self_only"}
        )
        Event.browse(second.id).write(
            {
                "start": datetime.datetime(2026, 3, 19, 10, 0),
                "stop": datetime.datetime(2026, 3, 19, 11, 30),
                "recurrence_update": "self_only",
            }
        )
        # The organiser moves the series to another room (a higher SEQUENCE), times alike.
        update = (
            calendar_text(uid=event_uid, organizer=self.partner_address, extra=weekly)
            .replace("LOCATION:Besprechungsraum 2", "LOCATION:Raum 5")
            .replace("SEQUENCE:3", "SEQUENCE:4")
        )
        ref = self.deliver(invitation_message("Raum 5", update, sender=self.partner_address))
        self.assertTrue(account.client_answer_invitation(*ref, "tentative")["sent"])
        self.assertEqual(self.meetings(self.events(event_uid)), meetings)
        self.assertEqual(meetings.filtered("active"), meetings)
        self.assertEqual(set(meetings.mapped("location")), {"Raum 5"})
        self.assertIn("Agenda: Zahlen Q1", third.description)
        self.assertEqual(second.start, datetime.datetime(2026, 3, 19, 10, 0))
        self.assertEqual({self.own_state(each) for each in meetings}, {"tentative"})

    def test_one_occurrence_cancelled_or_moved_leaves_the_series_event_alone(self):
        event_uid, account, series = self.accepted_series()

        # The second week is cancelled: the series stays in the calendar.
        occurrence = ["RECURRENCE-ID;TZID=Europe/Berlin:20260319T100000"]
        cancel = calendar_text(
            method="CANCEL",
            uid=event_uid,
            organizer=self.partner_address,
            start="DTSTART;TZID=Europe/Berlin:20260319T100000",
            end="DTEND;TZID=Europe/Berlin:20260319T113000",
            extra=occurrence,
        )
        ref = self.deliver(invitation_message("Abgesagt", cancel, sender=self.partner_address))
        # That week's meeting is in the calendar, until the user removes it.
        self.assertTrue(account.client_invitation(*ref)["in_calendar"])
        account.client_answer_invitation(*ref, "remove")
        self.assertFalse(account.client_invitation(*ref)["in_calendar"])
        self.assertTrue(series.active)
        self.assertEqual(self.own_state(series), "accepted")
        self.assertEqual(
            self.meetings(series).filtered("active").mapped("start"),
            [datetime.datetime(2026, 3, d, 9, 0) for d in (12, 26)]
            + [datetime.datetime(2026, 4, 2, 8, 0)],
        )

        # The third week moves to Friday afternoon: that meeting is an event of its own.
        moved = calendar_text(
            uid=event_uid,
            organizer=self.partner_address,
            start="DTSTART;TZID=Europe/Berlin:20260327T140000",
            end="DTEND;TZID=Europe/Berlin:20260327T150000",
            extra=["RECURRENCE-ID;TZID=Europe/Berlin:20260326T100000"],
        )
        ref = self.deliver(invitation_message("Verschoben", moved, sender=self.partner_address))
        self.assertFalse(account.client_invitation(*ref)["answer"])
        account.client_answer_invitation(*ref, "tentative")
        self.assertEqual(series.start, datetime.datetime(2026, 3, 12, 9, 0))
        self.assertEqual(self.own_state(series), "accepted")
        one = self.events(event_uid) - series
        self.assertEqual(one.start, datetime.datetime(2026, 3, 27, 13, 0))
        self.assertEqual(self.own_state(one), "tentative")
        # Thursday's meeting of that week moved to Friday: it is there once.
        self.assertEqual(
            self.meetings(series).filtered("active").mapped("start"),
            [datetime.datetime(2026, 3, 12, 9, 0), datetime.datetime(2026, 4, 2, 8, 0)],
        )
        # Shown again, each card knows its own answer.
        self.assertEqual(account.client_invitation(*ref)["answer"], "tentative")

    def test_a_weekly_series_is_in_the_calendar_meeting_by_meeting(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        # Outlook's weekly series: every Thursday, four times, across the change to summer
        # time (29 March in Berlin).
        weekly = ["RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TH;WKST=MO"]
        ics = calendar_text(uid=event_uid, organizer=self.partner_address, extra=weekly)
        ref = self.deliver(invitation_message("Jour fixe", ics, sender=self.partner_address))
        account = self.account("de_DE")
        card = account.client_invitation(*ref)
        result = account.client_answer_invitation(*ref, "tentative", card["token"])
        self.assertTrue(result["sent"], result)
        self.assertEqual(result["problems"], [])
        series = self.events(event_uid)
        meetings = self.meetings(series)
        # 10:00 in Berlin each week: 09:00 UTC in winter, 08:00 UTC in summer.
        self.assertEqual(
            meetings.mapped("start"),
            [datetime.datetime(2026, 3, d, 9, 0) for d in (12, 19, 26)]
            + [datetime.datetime(2026, 4, 2, 8, 0)],
        )
        self.assertEqual({self.own_state(each) for each in meetings}, {"tentative"})
        account.client_answer_invitation(*ref, "accepted")
        self.assertEqual(self.meetings(series), meetings)
        self.assertEqual({self.own_state(each) for each in meetings}, {"accepted"})

        # The organiser cancels the series: all of it leaves the calendar.
        cancel = calendar_text(
            method="CANCEL", uid=event_uid, organizer=self.partner_address, extra=weekly
        )
        ref = self.deliver(invitation_message("Abgesagt", cancel, sender=self.partner_address))
        self.assertTrue(account.client_invitation(*ref)["in_calendar"])
        account.client_answer_invitation(*ref, "remove")
        self.assertFalse(meetings.filtered("active"))
        self.assertEqual({self.own_state(each) for each in meetings}, {"declined"})

    def test_an_outlook_series_from_new_york_keeps_new_yorks_clock(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        # Outlook names the zone the Windows way. New York changes to summer time on 8
        # March, Berlin on 29 March: the meetings follow New York's clock, not the user's.
        ics = outlook_text(
            organizer=self.partner_address,
            attendee=self.personal_address,
            tzid="Eastern Standard Time",
            zone="new york",
            start="20260305T100000",
            uid=event_uid,
            extra=["RRULE:FREQ=WEEKLY;COUNT=3;BYDAY=TH;WKST=SU"],
        )
        ref = self.deliver(invitation_message("Review", ics, sender=self.partner_address))
        account = self.account("en_US")
        card = account.client_invitation(*ref)
        result = account.client_answer_invitation(*ref, "accepted", card["token"])
        self.assertTrue(result["sent"], result)
        series = self.events(event_uid)
        self.assertEqual(series.event_tz, "America/New_York")
        # 10:00 in New York: 15:00 UTC in winter, 14:00 UTC in summer.
        self.assertEqual(
            self.meetings(series).mapped("start"),
            [
                datetime.datetime(2026, 3, 5, 15, 0),
                datetime.datetime(2026, 3, 12, 14, 0),
                datetime.datetime(2026, 3, 19, 14, 0),
            ],
        )

    def test_a_series_left_out_meetings_and_moved_by_the_organiser(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        # The second week left out (EXDATE), as Outlook sends a series after cancelling one.
        weekly = [
            "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TH",
            "EXDATE;TZID=Europe/Berlin:20260319T100000",
        ]
        ics = calendar_text(uid=event_uid, organizer=self.partner_address, extra=weekly)
        ref = self.deliver(invitation_message("Jour fixe", ics, sender=self.partner_address))
        account = self.account("de_DE")
        self.assertEqual(account.client_answer_invitation(*ref, "accepted")["problems"], [])
        series = self.events(event_uid)
        self.assertEqual(
            self.meetings(series).filtered("active").mapped("start"),
            [datetime.datetime(2026, 3, d, 9, 0) for d in (12, 26)]
            + [datetime.datetime(2026, 4, 2, 8, 0)],
        )
        # The organiser moves the whole series to 14:00 (a higher SEQUENCE).
        update = calendar_text(
            uid=event_uid,
            organizer=self.partner_address,
            start="DTSTART;TZID=Europe/Berlin:20260312T140000",
            end="DTEND;TZID=Europe/Berlin:20260312T150000",
            extra=["RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TH", "EXDATE:20260319T130000Z"],
        ).replace("SEQUENCE:3", "SEQUENCE:4")
        ref = self.deliver(invitation_message("Verschoben", update, sender=self.partner_address))
        self.assertEqual(account.client_invitation(*ref)["answer"], "accepted")
        account.client_answer_invitation(*ref, "tentative")
        meetings = self.meetings(self.events(event_uid)).filtered("active")
        self.assertEqual(
            meetings.mapped("start"),
            [datetime.datetime(2026, 3, d, 13, 0) for d in (12, 26)]
            + [datetime.datetime(2026, 4, 2, 12, 0)],
        )
        self.assertEqual({self.own_state(each) for each in meetings}, {"tentative"})

    def test_a_series_odoo_cannot_repeat_is_its_first_meeting_and_the_user_is_told(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        # Every Monday and Tuesday of the month: no form of Odoo's recurrence.
        rule = ["RRULE:FREQ=MONTHLY;BYDAY=MO,TU;COUNT=6"]
        ics = calendar_text(uid=event_uid, organizer=self.partner_address, extra=rule)
        ref = self.deliver(invitation_message("Serie", ics, sender=self.partner_address))
        result = self.account("de_DE").client_answer_invitation(*ref, "accepted")
        self.assertTrue(result["sent"], result)
        self.assertEqual(
            result["problems"],
            [
                (
                    "Nur der erste Termin dieser Serie steht in Ihrem Kalender: Sie "
                    "wiederholt sich auf eine Weise, die der Kalender von Odoo nicht "
                    "abbilden kann."
                )
            ],
        )
        event = self.events(event_uid)
        self.assertFalse(event.recurrency)
        self.assertEqual(event.start, datetime.datetime(2026, 3, 12, 9, 0))

    def test_a_hostile_series_neither_fills_the_calendar_nor_fails(self):
        account = self.account("en_US")
        for name, rule, count in (
            # Every day for five years (Odoo would lay out every meeting up to the end, of
            # "until 9999" millions): as many as Odoo keeps of an endless series.
            ("every day", "RRULE:FREQ=DAILY;UNTIL=20301231T000000Z", 720),
            # Every 999 years, 720 times: beyond any calendar, the first meeting only.
            ("every 999 years", "RRULE:FREQ=YEARLY;INTERVAL=999;COUNT=720", 1),
        ):
            with self.subTest(name):
                event_uid = f"{secrets.token_hex(8)}@example.org"
                ics = calendar_text(uid=event_uid, organizer=self.partner_address, extra=[rule])
                ref = self.deliver(invitation_message(name, ics, sender=self.partner_address))
                result = account.client_answer_invitation(*ref, "accepted")
                self.assertTrue(result["sent"], result)
                self.assertEqual(len(result["problems"]), int(count == 1))
                meetings = self.meetings(self.events(event_uid))
                self.assertEqual(len(meetings), count)
                self.assertEqual(meetings[:1].start, datetime.datetime(2026, 3, 12, 9, 0))

    def test_the_common_rules_give_the_meetings_icalendar_gives(self):
        # What Outlook, Google and Thunderbird write for their series, from Thursday
        # 12 March 2026 at 10:00 in Berlin; Odoo's meetings must be iCalendar's, no more.
        zone = pytz.timezone("Europe/Berlin")
        start = datetime.datetime(2026, 3, 12, 10, 0)
        rules = [
            "FREQ=DAILY;COUNT=5",
            "FREQ=DAILY;INTERVAL=3;UNTIL=20260330T090000Z",
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=8",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20260425T215959Z",
            "FREQ=WEEKLY;UNTIL=20260402T090000Z",
            "FREQ=MONTHLY;BYMONTHDAY=12;COUNT=4",
            "FREQ=MONTHLY;BYDAY=2TH;COUNT=4",
            "FREQ=MONTHLY;BYDAY=TH;BYSETPOS=2;COUNT=4",
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=12;COUNT=3",
        ]
        Event = self.env["calendar.event"].with_user(self.owner)
        for rule in rules:
            with self.subTest(rule=rule):
                first = _first(rule, start)
                values = _recurrence(rule, first, zone)
                self.assertIsNotNone(values)
                event = Event.create(
                    dict(
                        values,
                        name=rule,
                        start=zone.localize(first).astimezone(pytz.utc).replace(tzinfo=None),
                        stop=zone.localize(first + datetime.timedelta(hours=1))
                        .astimezone(pytz.utc)
                        .replace(tzinfo=None),
                        recurrency=True,
                        event_tz="Europe/Berlin",
                    )
                )
                # dateutil counts on Berlin's clock, summer time included.
                berlin = first.replace(tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
                expected = [
                    each.astimezone(datetime.timezone.utc).replace(tzinfo=None)
                    for each in rrule.rrulestr(rule, dtstart=berlin)
                ]
                self.assertEqual(self.meetings(event).mapped("start"), expected)
        for rule in ("FREQ=MONTHLY;BYDAY=MO,TU", "FREQ=HOURLY", "FREQ=WEEKLY;BYHOUR=9"):
            with self.subTest(rule=rule):
                self.assertIsNone(_recurrence(rule, start, zone))

    def test_answering_an_older_invitation_keeps_the_updated_time(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        first = calendar_text(uid=event_uid, organizer=self.partner_address)
        old = self.deliver(invitation_message("Einladung", first, sender=self.partner_address))
        account = self.account("de_DE")
        self.assertTrue(account.client_answer_invitation(*old, "accepted")["sent"])
        # The organiser moves it to Friday afternoon (a higher SEQUENCE); the user accepts.
        update = calendar_text(
            uid=event_uid,
            organizer=self.partner_address,
            start="DTSTART;TZID=Europe/Berlin:20260313T140000",
            end="DTEND;TZID=Europe/Berlin:20260313T150000",
        ).replace("SEQUENCE:3", "SEQUENCE:4")
        new = self.deliver(invitation_message("Verschoben", update, sender=self.partner_address))
        account.client_answer_invitation(*new, "accepted")
        event = self.events(event_uid)
        self.assertEqual(event.start, datetime.datetime(2026, 3, 13, 13, 0))
        # Answered again from the first mail, the event stays where the organiser moved it.
        self.assertTrue(account.client_answer_invitation(*old, "tentative")["sent"])
        self.assertEqual(self.events(event_uid), event)
        self.assertEqual(event.start, datetime.datetime(2026, 3, 13, 13, 0))
        self.assertEqual(event.stop, datetime.datetime(2026, 3, 13, 14, 0))
        self.assertEqual(self.own_state(event), "tentative")


def outlook_reply(*, uid, attendee, partstat="ACCEPTED", stamp="20260305T081500Z", organizer):
    """An answer to an invitation as Outlook writes one (METHOD:REPLY, its Windows zone, the
    answering attendee alone, the X-MICROSOFT lines)."""
    subject = {"ACCEPTED": "Zugesagt", "TENTATIVE": "Mit Vorbehalt", "DECLINED": "Abgelehnt"}
    return CRLF.join(
        [
            "BEGIN:VCALENDAR",
            "METHOD:REPLY",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "BEGIN:VTIMEZONE",
            "TZID:W. Europe Standard Time",
            "BEGIN:STANDARD",
            "DTSTART:16010101T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:16010101T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            f"ORGANIZER;CN=Olga Owner:mailto:{organizer}",
            f"ATTENDEE;PARTSTAT={partstat};CN=Max Weber:mailto:{attendee}",
            "COMMENT;LANGUAGE=de-DE:\\n",
            f"SUMMARY;LANGUAGE=de-DE:{subject[partstat]}: Angebot besprechen",
            "DTSTART;TZID=W. Europe Standard Time:20260312T100000",
            "DTEND;TZID=W. Europe Standard Time:20260312T113000",
            f"UID:{uid}",
            "CLASS:PUBLIC",
            "PRIORITY:5",
            f"DTSTAMP:{stamp}",
            "TRANSP:OPAQUE",
            "SEQUENCE:0",
            "LOCATION;LANGUAGE=de-DE:Besprechungsraum 2",
            "X-MICROSOFT-CDO-APPT-SEQUENCE:0",
            "X-MICROSOFT-CDO-OWNERAPPTID:-1",
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
            "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY",
            "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE",
            "X-MICROSOFT-CDO-IMPORTANCE:1",
            "X-MICROSOFT-CDO-INSTTYPE:0",
            "X-MICROSOFT-DONOTFORWARDMEETING:FALSE",
            "X-MICROSOFT-DISALLOW-COUNTER:FALSE",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


@tagged("post_install", "-at_install")
class TestClientInvitationReplyCalendar(InvitationCase):
    """An attendee's answer by mail to a meeting the user organised in Odoo updates that
    attendee in Odoo's calendar, and nothing else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.max_weber = Partner.create({"name": "Max Weber", "email": cls.colleague_address})
        cls.third = Partner.create({"name": "Eva Braun", "email": "eva.braun@example.org"})

    def meeting(self, organizer):
        return (
            self.env["calendar.event"]
            .with_user(organizer)
            .with_context(no_mail_to_attendees=True)
            .create(
                {
                    "name": "Angebot besprechen",
                    "start": datetime.datetime(2026, 3, 12, 9, 0),
                    "stop": datetime.datetime(2026, 3, 12, 10, 30),
                    # Odoo writes the reminder into the invitation too.
                    "alarm_ids": [(4, self.env.ref("calendar.alarm_notif_1").id)],
                    "partner_ids": [
                        (4, partner.id)
                        for partner in (
                            organizer.partner_id,
                            self.owner.partner_id,
                            self.max_weber,
                            self.third,
                        )
                    ],
                }
            )
        )

    def invitation_uid(self, event):
        """The UID of the invitation Odoo mails the attendees of `event`."""
        ics = event._get_ics_file()[event.id].decode()
        return vobject.readOne(ics).vevent.uid.value

    def states(self, event):
        return {attendee.partner_id: attendee.state for attendee in event.attendee_ids}

    def reply(self, uid, *, sender=None, attendee=None, **values):
        sender = sender or self.colleague_address
        ics = outlook_reply(
            uid=uid,
            attendee=attendee or self.colleague_address,
            organizer=self.personal_address,
            **values,
        )
        return self.deliver(invitation_message("Zugesagt", ics, sender=sender))

    def assert_refused(self, ref, event):
        account = self.account("de_DE")
        before = self.states(event)
        card = account.client_invitation(*ref)
        self.assertEqual(card["method"], "REPLY")
        self.assertFalse(card["can_update"])
        self.assertFalse(card["updated"])
        with self.assertRaises(UserError):
            account.client_answer_invitation(*ref, "update")
        event.invalidate_recordset()
        self.assertEqual(self.states(event), before)

    def test_odoos_invitation_keeps_its_uid_and_an_outlook_answer_updates_the_attendee(self):
        event = self.meeting(self.owner)
        uid = self.invitation_uid(event)
        # The same UID each time Odoo mails the invitation (an update finds the meeting in
        # the attendee's calendar), and another for another event.
        self.assertEqual(self.invitation_uid(event), uid)
        ics = vobject.readOne(event._get_ics_file()[event.id].decode())
        self.assertEqual(ics.vevent.summary.value, "Angebot besprechen")
        self.assertEqual(len(ics.vevent.attendee_list), 4)
        self.assertEqual(len(ics.vevent.valarm_list), 1)
        self.assertNotEqual(self.invitation_uid(self.meeting(self.owner)), uid)
        account = self.account("de_DE")
        ref = self.reply(uid)
        card = account.client_invitation(*ref)
        self.assertEqual(
            card["notice"], f"Max Weber <{self.colleague_address}> hat die Einladung angenommen."
        )
        self.assertTrue(card["can_update"])
        self.assertFalse(card["updated"])
        result = account.client_answer_invitation(*ref, "update")
        self.assertFalse(result["sent"])
        self.assertTrue(result["card"]["updated"])
        states = self.states(event)
        self.assertEqual(states[self.max_weber], "accepted")
        self.assertEqual(states[self.third], "needsAction")
        # As Odoo's own Accept: the event's chatter tells.
        self.assertIn("Max Weber", event.message_ids[0].body)
        self.assertTrue(account.client_invitation(*ref)["updated"])

        # A later "declined" wins; the earlier "accepted" opened again does not undo it.
        later = self.reply(uid, partstat="DECLINED", stamp="20260306T120000Z")
        account.client_answer_invitation(*later, "update")
        self.assertEqual(self.states(event)[self.max_weber], "declined")
        self.assertFalse(account.client_invitation(*ref)["can_update"])
        with self.assertRaises(UserError):
            account.client_answer_invitation(*ref, "update")
        self.assertEqual(self.states(event)[self.max_weber], "declined")
        # No mail goes out for an answer taken into the calendar.
        self.assertEqual(self.replies_to(self.colleague_address, self.colleague_password), [])

    def test_odoos_invitation_is_a_request_a_mail_client_offers_to_answer(self):
        event = self.meeting(self.owner)
        event.attendee_ids.filtered(lambda each: each.partner_id == self.third).do_decline()
        invitation = parse_invitation(event._get_ics_file()[event.id])
        # Without METHOD:REQUEST, Outlook and Thunderbird show a plain calendar file: no
        # Accept or Decline, and no answer ever comes back.
        self.assertIsNotNone(invitation)
        self.assertEqual(invitation.method, "REQUEST")
        self.assertEqual(invitation.uid, self.invitation_uid(event))
        self.assertEqual(invitation.organizer.address, self.owner.partner_id.email)
        self.assertIsNotNone(invitation.dtstamp)
        lines = vobject.readOne(event._get_ics_file()[event.id].decode()).vevent.attendee_list
        attendees = {
            line.value.lower().removeprefix("mailto:"): (
                line.params.get("CN"),
                line.params.get("PARTSTAT"),
                line.params.get("RSVP"),
            )
            for line in lines
        }
        self.assertEqual(
            attendees[self.colleague_address], (["Max Weber"], ["NEEDS-ACTION"], ["TRUE"])
        )
        self.assertEqual(
            attendees["eva.braun@example.org"], (["Eva Braun"], ["DECLINED"], ["TRUE"])
        )
        # The organiser is asked for no answer.
        self.assertEqual(attendees[self.owner.partner_id.email][1:], (["ACCEPTED"], None))

        # Moved an hour after it was made: the update comes with a higher SEQUENCE, or the
        # attendee's calendar keeps the meeting at its old time.
        self.env.cr.execute(
            "UPDATE calendar_event SET create_date = create_date - interval '1 hour', "
            "write_date = write_date - interval '1 hour' WHERE id = %s",
            [event.id],
        )
        event.invalidate_recordset(["create_date", "write_date"])
        self.assertEqual(parse_invitation(event._get_ics_file()[event.id]).sequence, 0)
        event.write({"start": datetime.datetime(2026, 3, 13, 9, 0)})
        moved = parse_invitation(event._get_ics_file()[event.id])
        self.assertGreater(moved.sequence, 0)
        self.assertEqual(moved.start, datetime.datetime(2026, 3, 13, 9, 0, tzinfo=datetime.UTC))

        # The file Odoo attaches to the invitation it mails (for a meeting to come) is that
        # REQUEST.
        start = datetime.datetime.now().replace(second=0, microsecond=0)
        start += datetime.timedelta(days=30)
        mailed = (
            self.env["calendar.event"]
            .with_user(self.owner)
            .create(
                {
                    "name": "Angebot besprechen",
                    "start": start,
                    "stop": start + datetime.timedelta(hours=1),
                    "partner_ids": [(4, self.owner.partner_id.id), (4, self.max_weber.id)],
                }
            )
        )
        messages = self.env["mail.message"].search(
            [("model", "=", "calendar.event"), ("res_id", "=", mailed.id)]
        )
        files = messages.attachment_ids.filtered(lambda each: each.name == "invitation.ics")
        self.assertEqual(len(files), 1)
        self.assertEqual(messages.mail_ids.recipient_ids, self.max_weber)
        self.assertEqual(parse_invitation(files.raw).method, "REQUEST")
        self.assertEqual(parse_invitation(files.raw).uid, self.invitation_uid(mailed))

    def test_a_colleagues_odoo_invitation_accepted_from_the_mail_is_the_same_meeting(self):
        self.other.email = self.partner_address
        event = self.meeting(self.other)
        ics = event._get_ics_file()[event.id].decode()
        ref = self.deliver(invitation_message("Einladung", ics, sender=self.partner_address))
        account = self.account("de_DE")
        card = account.client_invitation(*ref)
        self.assertEqual(card["method"], "REQUEST")
        self.assertTrue(card["in_calendar"])
        result = account.client_answer_invitation(*ref, "accepted", card["token"])
        self.assertTrue(result["sent"], result)
        self.assertEqual(account.client_invitation(*ref)["answer"], "accepted")
        # The meeting is in the user's calendar already: the answer is theirs in it, and
        # no second one appears beside it.
        self.assertEqual(self.states(event)[self.owner.partner_id], "accepted")
        self.assertEqual(
            self.env["calendar.event"].search_count(
                [("partner_ids", "in", self.owner.partner_id.id)]
            ),
            1,
        )
        # The UID is no secret: a file of another organiser naming it answers nothing in
        # the meeting (it is an invitation of its own).
        forged = vobject.readOne(ics)
        forged.vevent.organizer.value = "mailto:fremd@example.org"
        ref = self.deliver(
            invitation_message("Gefälscht", forged.serialize(), sender="fremd@example.org")
        )
        card = account.client_invitation(*ref)
        self.assertFalse(card["in_calendar"])
        account.client_answer_invitation(*ref, "declined", card["token"])
        event.invalidate_recordset()
        self.assertEqual(self.states(event)[self.owner.partner_id], "accepted")

    def test_a_forged_answer_naming_another_attendee_changes_nothing(self):
        event = self.meeting(self.owner)
        uid = self.invitation_uid(event)
        # From Eva's address, the file says Max accepts; from Max's, it names Eva.
        self.assert_refused(self.reply(uid, sender="eva.braun@example.org"), event)
        self.assert_refused(self.reply(uid, attendee="eva.braun@example.org"), event)

    def test_an_answer_to_another_users_meeting_changes_nothing(self):
        event = self.meeting(self.other)
        self.assert_refused(self.reply(self.invitation_uid(event)), event)

    def test_an_answer_with_an_unknown_or_another_databases_uid_changes_nothing(self):
        event = self.meeting(self.owner)
        uid = self.invitation_uid(event)
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        other_database = uid.replace(database, "00000000-0000-4000-8000-000000000000")
        for unknown in (f"{secrets.token_hex(8)}@example.org", other_database):
            with self.subTest(uid=unknown):
                self.assert_refused(self.reply(unknown), event)


def _first(rule, start):
    """The first meeting of `rule` from `start` on Berlin's clock: where an organiser's
    calendar puts it."""
    berlin = start.replace(tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    return next(iter(rrule.rrulestr(rule, dtstart=berlin))).replace(tzinfo=None)


@tagged("post_install", "-at_install")
class TestCalendarEventInvitationFieldsRpc(RpcAttackCase):
    """Where an event came from (UID, organiser, occurrence, sequence) decides which mail
    may move or cancel it: no one sets it over RPC, on an event they may edit or a new one."""

    def test_a_colleague_cannot_set_where_an_event_came_from(self):
        event_uid = f"{secrets.token_hex(8)}@example.org"
        names = [
            "dynaoffice_ical_uid",
            "dynaoffice_ical_organizer",
            "dynaoffice_ical_occurrence",
            "dynaoffice_ical_sequence",
        ]
        event = self.env["calendar.event"].create(
            {
                "name": "Angebot besprechen",
                "start": datetime.datetime(2026, 3, 12, 9, 0),
                "stop": datetime.datetime(2026, 3, 12, 10, 30),
                "user_id": self.owner.id,
                "partner_ids": [(4, self.owner.partner_id.id)],
                "dynaoffice_ical_uid": event_uid,
                "dynaoffice_ical_organizer": "emily@example.org",
                "dynaoffice_ical_sequence": 3,
            }
        )
        Event = self.env["calendar.event"].with_context(active_test=False)

        def state():
            return event.read(names), Event.search_count([("dynaoffice_ical_uid", "!=", False)])

        forged = {
            "dynaoffice_ical_uid": "other@example.org",
            # Then the colleague's own CANCEL naming the UID would remove it.
            "dynaoffice_ical_organizer": self.other.email,
            "dynaoffice_ical_occurrence": "20260319T090000Z",
            # Then no update of the organiser would move it any more.
            "dynaoffice_ical_sequence": 2**31 - 1,
        }
        new = {
            "name": "Gefälscht",
            "start": "2026-03-12 09:00:00",
            "stop": "2026-03-12 10:00:00",
            "partner_ids": [(4, self.owner.partner_id.id)],
        }
        for user in (self.other, self.owner):
            for name, value in forged.items():
                with self.subTest(user=user.login, field=name):
                    self.assert_forgery_refused(
                        user, "calendar.event", "write", [[event.id], {name: value}], state=state
                    )
                    self.assert_forgery_refused(
                        user,
                        "calendar.event",
                        "create",
                        [[dict(new, **{name: value})]],
                        state=state,
                    )
                    self.assert_forgery_refused(
                        user,
                        "calendar.event",
                        "create",
                        [[new]],
                        {"context": {f"default_{name}": value}},
                        state=state,
                    )
        # What the form edits stays editable.
        answer = self.rpc(self.other, "calendar.event", "write", [[event.id], {"name": "Neu"}])
        self.assertTrue(answer.get("result"), answer)
        self.assertEqual(event.name, "Neu")

    def test_no_one_sets_when_an_attendees_answer_was_written(self):
        """The date of the answer last taken in keeps older answers out: set in the future
        over RPC, it would keep the attendee's later answers out too."""
        event = self.env["calendar.event"].create(
            {
                "name": "Angebot besprechen",
                "start": datetime.datetime(2026, 3, 12, 9, 0),
                "stop": datetime.datetime(2026, 3, 12, 10, 30),
                "user_id": self.owner.id,
                "partner_ids": [(4, self.owner.partner_id.id), (4, self.other.partner_id.id)],
            }
        )
        attendee = event.attendee_ids.filtered(
            lambda each: each.partner_id == self.other.partner_id
        )

        def state():
            return attendee.read(["dynaoffice_ical_replied", "state"]), len(event.attendee_ids)

        future = "2099-01-01 00:00:00"
        for user in (self.other, self.owner):
            with self.subTest(user=user.login):
                self.assert_forgery_refused(
                    user,
                    "calendar.attendee",
                    "write",
                    [[attendee.id], {"dynaoffice_ical_replied": future}],
                    state=state,
                    error="Only an attendee's answer by mail",
                )
                self.assert_forgery_refused(
                    user,
                    "calendar.attendee",
                    "create",
                    [
                        [
                            {
                                "event_id": event.id,
                                "partner_id": user.partner_id.id,
                                "dynaoffice_ical_replied": future,
                            }
                        ]
                    ],
                    state=state,
                    error="Only an attendee's answer by mail",
                )
