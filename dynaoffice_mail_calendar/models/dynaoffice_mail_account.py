"""The mail client's invitation hooks (dynaoffice.mail.client `_invitation_*`) for Odoo's
Calendar: an answered invitation becomes an event in the user's calendar, found again by
its iCalendar UID, with the user as attendee in the state they chose."""

import dataclasses
import datetime
import re

import pytz
from dateutil import rrule as dateutil_rrule

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, plaintext2html

from odoo.addons.calendar.models.calendar_recurrence import MAX_RECURRENT_EVENT

# The attendee states of Odoo's Calendar for the answers of the mail client.
STATES = {"accepted": "accepted", "tentative": "tentative", "declined": "declined"}
# An attendee's answer (the PARTSTAT of a REPLY) and the attendee state it sets, as Odoo's
# own Accept, Tentative and Decline set it.
REPLY_ACTIONS = {
    "ACCEPTED": ("accepted", "do_accept"),
    "TENTATIVE": ("tentative", "do_tentative"),
    "DECLINED": ("declined", "do_decline"),
}
# An event without an end lasts an hour, as one created in Odoo's calendar does.
DEFAULT_DURATION = datetime.timedelta(hours=1)
# iCalendar's days of the week (BYDAY) and the fields of Odoo's recurrence for them.
WEEKDAY_FIELDS = {
    "MO": "mon",
    "TU": "tue",
    "WE": "wed",
    "TH": "thu",
    "FR": "fri",
    "SA": "sat",
    "SU": "sun",
}
WEEKDAYS = list(WEEKDAY_FIELDS)
MAX_INTERVAL = 999
# A series whose meetings go on beyond this year cannot be laid out (Python's calendar ends
# with the year 9999, some of Odoo's computations a little before).
LAST_YEAR = 9000


class DynaofficeMailAccount(models.Model):
    _inherit = "dynaoffice.mail.account"

    @api.model
    def _invitation_state(self, invitation):
        if invitation.method == "REPLY":
            attendee = self._replying_attendee(invitation)
            state = REPLY_ACTIONS[invitation.partstat][0] if attendee else False
            return dict(
                super()._invitation_state(invitation),
                can_update=bool(attendee) and not _older_answer(attendee, invitation),
                updated=bool(attendee) and attendee.state == state,
            )
        # A series is in the calendar while one of its meetings is: its first may have been
        # left out.
        events = self._odoo_meeting(invitation) or self._series(self._invitation_events(invitation))
        if invitation.method == "CANCEL" and invitation.recurrence_id is not None:
            events |= self._series_occurrence(invitation)
        active = events.filtered("active")
        attendee = self._own_attendee(active[:1])
        answer = attendee.state if attendee.state in STATES else False
        return dict(super()._invitation_state(invitation), answer=answer, in_calendar=bool(active))

    @api.model
    def _invitation_answered(self, invitation, answer):
        remarks = list(super()._invitation_answered(invitation, answer) or [])
        meeting = self._odoo_meeting(invitation)
        if meeting:
            # A colleague's meeting in this Odoo: it is in the user's calendar already; the
            # answer is the user's in it, as Odoo's own Accept gives it.
            self._own_attendee(meeting).write({"state": STATES[answer]})
            return remarks
        values = self._event_values(invitation)
        if values is None:
            return remarks
        recurrence = self._recurrence_values(invitation, values)
        if invitation.recurrence and invitation.recurrence_id is None and recurrence is None:
            remarks.append(
                self.env._(
                    "Only the first meeting of this series is in your calendar: it repeats in "
                    "a way Odoo's calendar cannot."
                )
            )
        Event = self._calendar_events()
        event = self._invitation_events(invitation)[:1]
        if not event:
            event = Event.create(
                dict(
                    values,
                    **(recurrence or {}),
                    partner_ids=[Command.link(self.env.user.partner_id.id)],
                )
            )
            # sudo: the invitation's fields are the bridge's alone (calendar_event.py); the
            # user has just created the event.
            event.sudo().write(
                {
                    "dynaoffice_ical_uid": invitation.uid,
                    "dynaoffice_ical_organizer": _organizer(invitation),
                    "dynaoffice_ical_occurrence": _occurrence(invitation),
                    "dynaoffice_ical_sequence": invitation.sequence,
                }
            )
            self._leave_out(event, invitation)
        # An older invitation answered again (its mail is still there) changes the answer
        # only: the event stays as the organiser's latest update has it. So does a series
        # answered anew from the same invitation: its meetings stay as the user has them.
        elif invitation.sequence >= event.dynaoffice_ical_sequence and not (
            event.recurrence_id
            and event.active
            and invitation.sequence == event.dynaoffice_ical_sequence
        ):
            if not self._update_meetings(event, values, recurrence):
                if event.recurrence_id:
                    # The organiser's update is to the whole series: it is laid out anew.
                    event.write({"recurrency": False, "recurrence_update": "all_events"})
                event.write(dict(values, active=True, **(recurrence or {"recurrency": False})))
            # sudo: as above; the user has just written the event.
            event.sudo().write({"dynaoffice_ical_sequence": invitation.sequence})
            self._leave_out(event, invitation)
        if invitation.recurrence_id is not None:
            # The occurrence moved: it is no longer where the series has it.
            self._series_occurrence(invitation).write({"active": False})
        self._series(event).attendee_ids.filtered(
            lambda attendee: attendee.partner_id == self.env.user.partner_id
        ).write({"state": STATES[answer]})
        return remarks

    @api.model
    def _invitation_replied(self, invitation):
        attendee = self._replying_attendee(invitation)
        if not attendee:
            return super()._invitation_replied(invitation)
        if _older_answer(attendee, invitation):
            raise UserError(
                self.env._("The calendar already has a later answer from this attendee.")
            )
        state, action = REPLY_ACTIONS[invitation.partstat]
        if attendee.state != state:
            getattr(attendee, action)()
        if invitation.dtstamp:
            # sudo: the field is the bridge's alone (calendar_attendee.py); the user
            # organises the event and the answer is this attendee's (_replying_attendee).
            attendee.sudo().write({"dynaoffice_ical_replied": _naive_utc(invitation.dtstamp)})
        return True

    @api.model
    def _invitation_cancelled(self, invitation):
        super()._invitation_cancelled(invitation)
        events = self._series(self._invitation_events(invitation)).filtered("active")
        if invitation.recurrence_id is not None:
            events |= self._series_occurrence(invitation)
        for event in events:
            self._own_attendee(event).write({"state": "declined"})
        events.write({"active": False})
        return bool(events)

    # -- the user's events ----------------------------------------------------------------

    def _replying_attendee(self, invitation):
        """The attendee whose answer `invitation` (a REPLY) is, of an event of this database
        that the user organises (its UID is Odoo's own, calendar_event.py), or no attendee.
        The UID is no secret and the file names whom it likes: the answer counts only for
        the attendee it names when its mail is from that very address, and never for
        another user's event."""
        Attendee = self.env["calendar.attendee"]
        sender = email_normalize(invitation.sender)
        if (
            invitation.method != "REPLY"
            or invitation.partstat not in REPLY_ACTIONS
            or invitation.attendee is None
            or not sender
            or email_normalize(invitation.attendee.address) != sender
        ):
            return Attendee
        Event = self._calendar_events()
        event_id = Event._dynaoffice_own_event_id(invitation.uid)
        if event_id is None:
            return Attendee
        event = Event.search([("id", "=", event_id), ("user_id", "=", self.env.user.id)])
        return event.attendee_ids.filtered(
            lambda attendee: email_normalize(attendee.email) == sender
        )[:1]

    def _calendar_events(self):
        # No invitations by Odoo's own mail: the organiser already has the answer.
        return self.env["calendar.event"].with_context(
            no_mail_to_attendees=True, mail_create_nolog=True, active_test=False
        )

    def _invitation_events(self, invitation):
        """The user's events of `invitation` (archived ones too), newest first: of its UID
        and its organiser. A UID is no secret (every attendee's invitation holds it): mail
        from anyone else naming it neither moves nor cancels the organiser's event. One
        occurrence of a series (RECURRENCE-ID) is an event of its own: moving or cancelling
        it leaves the series alone."""
        organizer = _organizer(invitation)
        if not organizer:
            return self._calendar_events()
        return self._calendar_events().search(
            [
                ("dynaoffice_ical_uid", "=", invitation.uid),
                ("dynaoffice_ical_organizer", "=", organizer),
                ("dynaoffice_ical_occurrence", "=", _occurrence(invitation)),
                ("partner_ids", "in", self.env.user.partner_id.ids),
            ],
            order="id desc",
        )

    def _update_meetings(self, event, values, recurrence):
        """Take the organiser's update of the series `event` into its meetings as they are
        when it keeps their times and rule (a new place, title or description): each gets
        what changed, as Odoo's own change of "all events" gives it, and what the user
        changed in one of them (a note, a meeting moved) stays. Returns whether it did; a
        series moved or repeating otherwise is laid out anew (as Odoo lays it out)."""
        series = event.recurrence_id
        if not series or not event.active or not recurrence:
            return False
        if any(event[name] != values[name] for name in ("allday", "start", "stop")):
            return False
        if any(series[name] != value for name, value in recurrence.items() if name != "recurrency"):
            return False
        changed = {name: value for name, value in values.items() if event[name] != value}
        if changed:
            series._write_events(changed)
        return True

    def _series(self, events):
        """`events` and the other meetings of their series in Odoo's calendar."""
        return events | events.recurrence_id.with_context(active_test=False).calendar_event_ids

    def _series_occurrence(self, invitation):
        """The series' meeting that an invitation for one occurrence (RECURRENCE-ID) moves
        or cancels, while it is still in the calendar."""
        series = self._invitation_events(dataclasses.replace(invitation, recurrence_id=None))
        return self._meetings_at(series.filtered("recurrence_id"), [invitation.recurrence_id])

    def _meetings_at(self, events, moments):
        """The active meetings of the series of `events` planned at `moments` (dates for
        all-day ones, datetimes, floating ones on the user's clock)."""
        zone = self._user_zone()
        days = {each for each in moments if not isinstance(each, datetime.datetime)}
        starts = {_utc(each, zone) for each in moments if isinstance(each, datetime.datetime)}
        return self._series(events).filtered(
            lambda each: (
                each.active and (each.start_date in days if each.allday else each.start in starts)
            )
        )

    def _leave_out(self, event, invitation):
        """Take the meetings out of the series just laid out that the organiser left out
        of it (EXDATE) or sent on their own (RECURRENCE-ID, already answered)."""
        if not event.recurrence_id:
            return
        moments = list(invitation.exdates)
        occurrences = self._calendar_events().search(
            [
                ("dynaoffice_ical_uid", "=", invitation.uid),
                ("dynaoffice_ical_organizer", "=", _organizer(invitation)),
                ("dynaoffice_ical_occurrence", "!=", False),
                ("partner_ids", "in", self.env.user.partner_id.ids),
            ]
        )
        moments += filter(None, map(_planned, occurrences.mapped("dynaoffice_ical_occurrence")))
        self._meetings_at(event, moments).write({"active": False})

    def _user_zone(self):
        return pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

    def _recurrence_values(self, invitation, values):
        """The fields of Odoo's recurrence for the invitation's RRULE, or None when it has
        none or one Odoo's calendar cannot repeat as it does."""
        if not invitation.rrule or invitation.recurrence_id is not None:
            return None
        zone_name = invitation.zone or self._user_zone().zone
        zone = pytz.timezone(zone_name)
        start = values["start"]
        if not invitation.all_day:
            start = pytz.utc.localize(start).astimezone(zone).replace(tzinfo=None)
        recurrence = _recurrence(invitation.rrule, start, zone)
        return recurrence and dict(recurrence, recurrency=True, event_tz=zone_name)

    def _odoo_meeting(self, invitation):
        """The meeting of this database that Odoo's own invitation `invitation` is of, if
        the user is among its attendees and the file names its organiser. The UID is no
        secret: a file of someone else naming it must not answer a meeting it does not
        show (such a file is an invitation of its own, as from any other sender)."""
        Event = self._calendar_events()
        event_id = Event._dynaoffice_own_event_id(invitation.uid)
        if event_id is None or invitation.method != "REQUEST" or invitation.organizer is None:
            return Event
        meeting = Event.search(
            [("id", "=", event_id), ("partner_ids", "in", self.env.user.partner_id.id)]
        )
        organizer = email_normalize(meeting.user_id.email or "") if meeting else False
        if not organizer or organizer != email_normalize(invitation.organizer.address):
            return Event
        return meeting

    def _own_attendee(self, event):
        partner = self.env.user.partner_id
        return event.attendee_ids.filtered(lambda attendee: attendee.partner_id == partner)[:1]

    def _event_values(self, invitation):
        """The event's fields from `invitation`, times in UTC as Odoo stores them; None for
        an invitation without a start."""
        if invitation.start is None:
            return None
        zone = self._user_zone()
        if invitation.all_day:
            last = invitation.end or invitation.start
            start = datetime.datetime.combine(invitation.start, datetime.time(8))
            stop = datetime.datetime.combine(last, datetime.time(18))
        else:
            start = _utc(invitation.start, zone)
            stop = _utc(invitation.end, zone) if invitation.end else start + DEFAULT_DURATION
            stop = max(stop, start)
        return {
            "name": invitation.summary or self.env._("(no title)"),
            "location": invitation.location or False,
            "description": plaintext2html(invitation.description)
            if invitation.description
            else False,
            "allday": invitation.all_day,
            "start": start,
            "stop": stop,
        }


def _recurrence(rrule, start, zone):
    """Odoo's recurrence fields for `rrule` (FREQ, INTERVAL, COUNT or UNTIL, BYDAY,
    BYMONTHDAY, BYMONTH as the start has it, BYSETPOS with one day) of a series that starts
    at `start` on its own clock, or None."""
    parts = {}
    for part in rrule.upper().split(";"):
        name, _sep, value = part.partition("=")
        if name in parts or not value:
            return None
        parts[name] = value
    parts.pop("WKST", None)
    frequency = parts.pop("FREQ", "")
    interval = _number(parts.pop("INTERVAL", "1"), 1, MAX_INTERVAL)
    if frequency not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY") or interval is None:
        return None
    recurrence = {"rrule_type": frequency.lower(), "interval": interval, "end_type": "forever"}
    if "COUNT" in parts and "UNTIL" in parts:
        return None
    if "COUNT" in parts:
        count = _number(parts.pop("COUNT"), 1, MAX_RECURRENT_EVENT)
        recurrence.update(end_type="count", count=count)
    elif "UNTIL" in parts:
        until = _until(parts.pop("UNTIL"), start, zone)
        recurrence.update(end_type="end_date", until=until)
    if None in recurrence.values():
        return None
    if frequency == "DAILY" and "BYDAY" in parts and interval == 1:
        # Every working day (MO-FR) is "daily" in Outlook; Odoo repeats it weekly.
        frequency = "WEEKLY"
        recurrence["rrule_type"] = "weekly"
    found = {"DAILY": _daily, "WEEKLY": _weekly, "MONTHLY": _monthly, "YEARLY": _yearly}[frequency](
        parts, start
    )
    if found is None:
        return None
    return _bounded(dict(recurrence, **found), rrule, start)


def _bounded(recurrence, rule, start):
    """`recurrence` as Odoo may lay it out: a series up to an UNTIL with more meetings than
    Odoo holds of one is cut there as Odoo cuts an endless one (Odoo would lay out every
    meeting up to UNTIL, "every day until 9999" all of them); None for one whose meetings
    run beyond the years a calendar can show."""
    meetings = dateutil_rrule.rrulestr(rule.upper(), dtstart=start, ignoretz=True)
    last = None
    for number, meeting in enumerate(meetings, start=1):
        last = meeting
        if number == MAX_RECURRENT_EVENT:
            if recurrence["end_type"] == "end_date":
                recurrence = dict(recurrence, end_type="forever", until=False)
            break
    if last is not None and last.year >= LAST_YEAR:
        return None
    return recurrence


def _weekly(parts, start):
    """Weekly on the days of BYDAY, or on the start's."""
    names = parts.pop("BYDAY").split(",") if "BYDAY" in parts else [WEEKDAYS[start.weekday()]]
    if parts or any(name not in WEEKDAYS for name in names):
        return None
    return {field: name in names for name, field in WEEKDAY_FIELDS.items()}


def _monthly(parts, start):
    """Monthly on a day of the month, or on the first to fourth or last weekday of it."""
    days = parts.pop("BYDAY", "")
    position = parts.pop("BYSETPOS", "")
    month_day = parts.pop("BYMONTHDAY", "")
    if parts or (days and month_day) or (position and not days):
        return None
    if not days:
        day = _number(month_day, 1, 31) if month_day else start.day
        return None if day is None else {"month_by": "date", "day": day}
    found = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", days)
    if not found or bool(found.group(1)) == bool(position):
        return None
    ordinal = (found.group(1) or position).lstrip("+")
    if ordinal not in ("1", "2", "3", "4", "-1"):
        return None
    weekday = WEEKDAY_FIELDS[found.group(2)].upper()
    return {"month_by": "day", "weekday": weekday, "byday": ordinal}


def _daily(parts, start):
    return None if parts else {}


def _yearly(parts, start):
    """Yearly on the start's date, as Odoo repeats it."""
    if parts.pop("BYMONTH", str(start.month)) != str(start.month):
        return None
    if parts.pop("BYMONTHDAY", str(start.day)) != str(start.day):
        return None
    return None if parts else {}


def _number(text, lowest, highest):
    """`text` as a whole number from `lowest` to `highest`, or None."""
    if not re.fullmatch(r"\d{1,6}", text):
        return None
    number = int(text)
    return number if lowest <= number <= highest else None


def _until(text, start, zone):
    """The last day of a series that ends at UNTIL, as Odoo counts it: the day of its last
    meeting on the series' clock (Odoo repeats up to the end of that day)."""
    try:
        if len(text) == 8:
            return datetime.datetime.strptime(text, "%Y%m%d").date()
        moment = datetime.datetime.strptime(text.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    if text.endswith("Z"):
        moment = pytz.utc.localize(moment).astimezone(zone).replace(tzinfo=None)
    if moment.time() < start.time():
        return moment.date() - datetime.timedelta(days=1)
    return moment.date()


def _older_answer(attendee, invitation):
    """Whether `invitation` (a REPLY) was written before the attendee's answer last taken
    into the calendar (its DTSTAMP): an old mail opened again does not undo a newer one."""
    replied = attendee.dynaoffice_ical_replied
    return bool(replied and invitation.dtstamp) and _naive_utc(invitation.dtstamp) < replied


def _naive_utc(moment):
    """A DTSTAMP as Odoo stores a datetime: naive UTC (a floating one taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(pytz.utc).replace(tzinfo=None)
    return fields.Datetime.to_datetime(moment.replace(microsecond=0))


def _utc(moment, zone):
    """`moment` as naive UTC; a floating time (naive) is on the user's clock."""
    if moment.tzinfo is None:
        moment = zone.localize(moment)
    return moment.astimezone(pytz.utc).replace(tzinfo=None)


def _planned(occurrence):
    """The moment an occurrence's RECURRENCE-ID names, as _occurrence wrote it, or None."""
    try:
        if len(occurrence) == 8:
            return datetime.datetime.strptime(occurrence, "%Y%m%d").date()
        if occurrence.endswith("Z"):
            moment = datetime.datetime.strptime(occurrence, "%Y%m%dT%H%M%SZ")
            return moment.replace(tzinfo=pytz.utc)
        return datetime.datetime.strptime(occurrence, "%Y%m%dT%H%M%S")
    except ValueError:
        return None


def _organizer(invitation):
    """The organiser's address as events keep it, or False."""
    return bool(invitation.organizer) and email_normalize(invitation.organizer.address)


def _occurrence(invitation):
    """The occurrence of a series the invitation is about (its RECURRENCE-ID, in UTC where
    it has a zone, as iCalendar writes it), or False for the event or series itself."""
    moment = invitation.recurrence_id
    if moment is None:
        return False
    if not isinstance(moment, datetime.datetime):
        return moment.strftime("%Y%m%d")
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(pytz.utc).strftime("%Y%m%dT%H%M%SZ")
