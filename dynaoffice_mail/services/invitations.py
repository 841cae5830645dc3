"""Calendar invitations (iTIP, RFC 5546): a text/calendar part read into the event a
reader is invited to, and the REPLY that answers it.

Invitations come from strangers, so reading one is defensive: a part larger than
limits.MAX_CALENDAR_BYTES, a calendar vobject cannot read, a time zone whose rules would
take long to compute, or an event without a UID is no invitation (None), and the message
is shown as any other. Every text taken from the event is one clean line, cut at a
length; the reply names only the account's own address as attendee and goes only to the
organiser's address, checked as any recipient is.
"""

import datetime
import functools
import re
import zoneinfo
from dataclasses import dataclass

import vobject
from babel.core import get_global
from dateutil import tz as dateutil_tz
from vobject import icalendar as vobject_icalendar
from vobject.icalendar import utc as VOBJECT_UTC

from . import limits
from .addresses import Address, check_address
from .exceptions import InvalidInputError
from .headers import clean_text, placeable_moment
from .mime import Draft, build_message

METHODS = ("REQUEST", "CANCEL")
# What an attendee sends the organiser: an answer, a new time proposed, the latest version
# asked for. Shown, never answered.
ATTENDEE_METHODS = ("REPLY", "COUNTER", "REFRESH")
# What the user may answer, and the PARTSTAT each stands for.
PARTSTATS = {"accepted": "ACCEPTED", "tentative": "TENTATIVE", "declined": "DECLINED"}
CALENDAR_TYPES = ("text/calendar", "application/ics")
RECURRENCES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# More meetings left out of a series than a calendar holds of one (Odoo: 720) is no series.
MAX_EXDATES = 1000
PRODID = "-//dynaOFFICE//dynaoffice_mail//EN"
_MAILTO = re.compile(r"^\s*mailto:", re.IGNORECASE)
# A time zone's rules are computed by stepping through their recurrence from its start (in
# Outlook's invitations, 1601): yearly is what time zones use, anything finer a way to make
# a worker step through billions of occurrences.
_VTIMEZONE = re.compile(r"BEGIN:VTIMEZONE.*?END:VTIMEZONE", re.IGNORECASE | re.DOTALL)
_ZONE_RULE = re.compile(r"^RRULE[;:](.*)$", re.IGNORECASE | re.MULTILINE)
# Outlook and Exchange name zones as Windows does ("W. Europe Standard Time"), often without
# a VTIMEZONE: the system's zone for each, from CLDR's windowsZones.xml (the "001" entry of
# each Windows zone), as Babel ships it.
WINDOWS_ZONES = get_global("windows_zone_mapping")


@dataclass(frozen=True)
class Invitation:
    """The event of a REQUEST or CANCEL. `start`/`end` are datetimes (aware, or naive for
    "floating" times that mean the reader's own clock) or dates for all-day events (`end`
    the last day, not the day after as iCalendar counts)."""

    method: str
    uid: str
    sequence: int
    summary: str
    start: datetime.datetime | datetime.date | None
    end: datetime.datetime | datetime.date | None
    all_day: bool
    location: str
    description: str
    organizer: Address | None  # None when missing or not an address we can send to
    recurrence: str | None  # DAILY, WEEKLY, MONTHLY, YEARLY (or OTHER) for a repeating one
    recurrence_id: datetime.datetime | datetime.date | None  # one occurrence of a series
    dtstamp: datetime.datetime | None
    # The series as iCalendar has it: the RRULE ("" when none, or when the series also has
    # dates added, RDATE, which no rule expresses), the meetings it leaves out (EXDATE), and
    # the time zone its times are counted in ("" when it is no zone the system knows).
    rrule: str = ""
    exdates: tuple = ()
    zone: str = ""
    # Of a REPLY, COUNTER or REFRESH: the attendee who sent it, as the file names them, and
    # their PARTSTAT (ACCEPTED, TENTATIVE, DECLINED, ...; "" when none).
    attendee: Address | None = None
    partstat: str = ""
    # The address the mail carrying the file is from (its From), set by the reader: an
    # answer counts for the attendee who sent it, never for one it merely names.
    sender: str = ""


def is_calendar_part(mime_type: str | None, filename: str | None) -> bool:
    """Whether a part may hold an invitation: text/calendar, or an .ics file."""
    return (mime_type or "").lower() in CALENDAR_TYPES or (filename or "").lower().endswith(".ics")


def parse_invitation(data: bytes | None) -> Invitation | None:
    """The invitation in a calendar part's decoded bytes, or None for anything else."""
    if not data or len(data) > limits.MAX_CALENDAR_BYTES:
        return None
    text = data.decode("utf-8", "replace")
    if not _zones_are_yearly(text):
        return None
    _register_windows_zones()
    try:
        calendar = vobject.readOne(text, ignoreUnreadable=True)
        return _invitation(calendar)
    # vobject raises whatever its parsers and dateutil meet (ParseError, ValueError,
    # KeyError, AttributeError, ...): a calendar it cannot read is simply no invitation.
    except Exception:  # noqa: BLE001
        return None


def reply_calendar(
    invitation: Invitation, attendee: Address, answer: str, now: datetime.datetime
) -> str:
    """The iTIP REPLY to `invitation` (RFC 5546 3.2.3): METHOD:REPLY, the event's UID,
    SEQUENCE and (for one occurrence) RECURRENCE-ID, the ORGANIZER, and one ATTENDEE, the
    account's `attendee`, with the PARTSTAT of `answer`."""
    partstat = _partstat(answer)
    check_address(attendee.address, attendee.address)
    calendar = vobject.iCalendar()
    calendar.add("prodid").value = PRODID
    calendar.add("method").value = "REPLY"
    event = calendar.add("vevent")
    event.add("uid").value = invitation.uid
    event.add("sequence").value = str(invitation.sequence)
    event.add("dtstamp").value = _utc(now)
    if invitation.recurrence_id is not None:
        event.add("recurrence-id").value = _utc(invitation.recurrence_id)
    if invitation.summary:
        event.add("summary").value = invitation.summary
    if invitation.organizer is not None:
        organizer = event.add("organizer")
        organizer.value = f"mailto:{invitation.organizer.address}"
        if invitation.organizer.name:
            organizer.params["CN"] = [_param(invitation.organizer.name)]
    line = event.add("attendee")
    line.value = f"mailto:{attendee.address}"
    line.params["PARTSTAT"] = [partstat]
    if attendee.name:
        line.params["CN"] = [_param(attendee.name)]
    return calendar.serialize()


def reply_message(
    invitation: Invitation,
    *,
    from_name: str,
    from_address: str,
    answer: str,
    subject: str,
    text: str,
    now: datetime.datetime,
    message_id: str | None = None,
):
    """The mail that answers `invitation`: to the organiser only, a short text and the
    REPLY as text/calendar; method=REPLY, its alternative (as Outlook and Thunderbird send
    it). InvalidInputError when the invitation has no organiser to answer."""
    if invitation.method != "REQUEST":
        raise InvalidInputError("only an invitation (REQUEST) is answered")
    if invitation.organizer is None:
        raise InvalidInputError("the invitation names no organiser to answer")
    attendee = Address(name=clean_text(from_name), address=from_address)
    ics = reply_calendar(invitation, attendee, answer, now)
    draft = Draft(
        from_name=from_name,
        from_address=from_address,
        to=[invitation.organizer.address],
        subject=one_line(subject, limits.MAX_EVENT_TEXT),
        text_body=text,
    )
    message = build_message(draft, message_id=message_id, date=now)
    message.add_alternative(ics, subtype="calendar", params={"method": "REPLY"})
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    return message


def one_line(value, max_length: int) -> str:
    """A text of the event as one clean line (no line break of any kind), cut."""
    text = clean_text(str(value or "")).strip()
    return re.sub(r"\s+", " ", text)[:max_length]


# -- reading ------------------------------------------------------------------------------------


def _zones_are_yearly(text: str) -> bool:
    for zone in _VTIMEZONE.findall(text):
        for rule in _ZONE_RULE.findall(zone):
            if "FREQ=YEARLY" not in rule.upper().replace(" ", ""):
                return False
    return True


@functools.cache
def _register_windows_zones():
    """Make the Windows zone names known to vobject. It looks a TZID up among the zones it
    has read, then among pytz's, and logs an error (on the root logger) for each time of an
    event whose zone it cannot find: every Outlook invitation without a VTIMEZONE would put
    false errors into the server's log, although _in_zone reads those names itself. A name
    no one knows is still logged."""
    for name in WINDOWS_ZONES:
        zone = _known_zone(name)
        # A name vobject already knows (a VTIMEZONE read earlier) stays as it is: _in_zone
        # gives each file's times their zone in any case.
        if zone is not None and vobject_icalendar.getTzid(name, False) is None:
            vobject_icalendar.registerTzid(name, zone)


def _invitation(calendar) -> Invitation | None:
    if calendar is None or calendar.name != "VCALENDAR":
        return None
    method = _text(calendar, "method").upper()
    if method not in METHODS + ATTENDEE_METHODS:
        return None
    events = [child for child in calendar.getChildren() if child.name == "VEVENT"]
    if not events:
        return None
    # A series with exceptions comes as its master and the changed occurrences: the card
    # shows the master (the one without RECURRENCE-ID), else the one occurrence sent.
    event = next((each for each in events if not hasattr(each, "recurrence_id")), events[0])
    uid = _text(event, "uid")
    if not uid:
        return None
    attendee, partstat = _attendee(event) if method in ATTENDEE_METHODS else (None, "")
    zones = _file_zones(calendar)
    start = _moment(event, "dtstart", zones)
    end = _moment(event, "dtend", zones)
    all_day = isinstance(start, datetime.date) and not isinstance(start, datetime.datetime)
    if end is None and start is not None and hasattr(event, "duration"):
        duration = event.duration.value
        if isinstance(duration, datetime.timedelta):
            end = start + duration
    if all_day:
        # iCalendar's DTEND of an all-day event is the day after its last.
        if isinstance(end, datetime.date) and not isinstance(end, datetime.datetime):
            end = max(start, end - datetime.timedelta(days=1))
        else:
            end = start
    return Invitation(
        method=method,
        uid=uid,
        sequence=_sequence(event),
        summary=_text(event, "summary"),
        start=start,
        end=end,
        all_day=all_day,
        location=_text(event, "location"),
        description=_description(event),
        organizer=_organizer(event),
        recurrence=_recurrence(event),
        recurrence_id=_moment(event, "recurrence_id", zones),
        dtstamp=_as_datetime(_moment(event, "dtstamp", zones)),
        rrule=_rrule(event, zones),
        exdates=_exdates(event, zones),
        zone=_zone_name(event),
        attendee=attendee,
        partstat=partstat,
    )


def _text(component, name: str) -> str:
    if not hasattr(component, name):
        return ""
    return one_line(getattr(component, name).value, limits.MAX_EVENT_TEXT)


def _description(event) -> str:
    value = getattr(event.description, "value", "") if hasattr(event, "description") else ""
    return clean_text(str(value or ""), multiline=True)[: limits.MAX_EVENT_DESCRIPTION].strip()


def _sequence(event) -> int:
    try:
        value = int(str(event.sequence.value).strip()) if hasattr(event, "sequence") else 0
    except ValueError:
        return 0
    return value if 0 <= value < 2**31 else 0


def _moment(event, name: str, zones: dict):
    """A DTSTART-like value: a date, an aware datetime, or a naive one (floating time, or
    with a TZID that names no zone of the file nor of the system)."""
    if not hasattr(event, name):
        return None
    line = getattr(event, name)
    value = line.value
    if isinstance(value, list):  # RECURRENCE-ID and RDATE may come as lists
        value = value[0] if value else None
    if isinstance(value, datetime.datetime):
        value = _in_zone(value, _tzid(line), zones)
        # A zone whose rules cannot be computed fails here, not later; so does a moment no
        # time zone can show (within a day of the end of Python's calendar).
        if value.tzinfo is not None and placeable_moment(value) is None:
            raise ValueError(f"{name} cannot be placed in time")
        return value
    if isinstance(value, datetime.date):
        return value
    return None


def _file_zones(calendar) -> dict:
    """The file's own time zones (VTIMEZONE) by TZID. vobject keeps the first VTIMEZONE of
    a TZID it ever read for the whole process and applies it to every later file: another
    sender's zone of that name must not move this file's times."""
    zones = {}
    for component in calendar.getChildren():
        if component.name == "VTIMEZONE" and hasattr(component, "tzid"):
            zone = component.gettzinfo()
            if zone is not None:
                zones.setdefault(str(component.tzid.value), zone)
    return zones


def _tzid(line) -> str:
    """The TZID of a property line (vobject moves it to X-VOBJ-ORIGINAL-TZID, sometimes
    as a list in the list)."""
    value = line.params.get("TZID") or line.params.get("X-VOBJ-ORIGINAL-TZID") or [""]
    while isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def _in_zone(value: datetime.datetime, tzid: str, zones: dict) -> datetime.datetime:
    """`value`, a time as the file writes it, in the zone its TZID names: the file's own
    VTIMEZONE of that name, else the system's zone of that (Olson or Windows) name, else
    none (floating). A time in UTC ("...Z") stays in UTC."""
    if not tzid or value.tzinfo is VOBJECT_UTC:
        return value
    zone = zones.get(tzid) or _known_zone(tzid)
    return value.replace(tzinfo=zone)


def _known_zone(name):
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(_olson_name(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _olson_name(name) -> str:
    """The system's name of a zone named as Windows names it, or `name`."""
    return WINDOWS_ZONES.get(str(name), str(name))


def _as_datetime(value):
    return value if isinstance(value, datetime.datetime) else None


def _organizer(event) -> Address | None:
    if not hasattr(event, "organizer"):
        return None
    return _address(event.organizer)


def _attendee(event) -> tuple:
    """The attendee an attendee's message (REPLY, COUNTER, REFRESH) is from, and their
    PARTSTAT: its first ATTENDEE with an address we could write to."""
    for line in event.contents.get("attendee", []):
        address = _address(line)
        if address is not None:
            partstat = one_line((line.params.get("PARTSTAT") or [""])[0], 20).upper()
            return address, partstat
    return None, ""


def _address(line) -> Address | None:
    """The mailto: address of an ORGANIZER or ATTENDEE line and its CN, or None."""
    address = _MAILTO.sub("", one_line(line.value, limits.MAX_ADDRESS_LENGTH))
    if not _MAILTO.match(str(line.value or "")):
        return None
    try:
        check_address(address, address)
    except InvalidInputError:
        return None
    name = one_line((line.params.get("CN") or [""])[0], limits.MAX_NAME_LENGTH)
    return Address(name=name, address=address)


def _recurrence(event) -> str | None:
    if not hasattr(event, "rrule"):
        return None
    found = re.search(r"FREQ=([A-Z]+)", str(event.rrule.value or "").upper())
    frequency = found.group(1) if found else ""
    return frequency if frequency in RECURRENCES else "OTHER"


def _rrule(event, zones: dict) -> str:
    if not hasattr(event, "rrule") or hasattr(event, "rdate"):
        return ""
    if len(event.contents["rrule"]) > 1 or len(_exdates(event, zones)) > MAX_EXDATES:
        return ""
    return one_line(event.rrule.value, limits.MAX_EVENT_TEXT)


def _exdates(event, zones: dict) -> tuple:
    """The moments EXDATE leaves out of a series, as _moment reads DTSTART (a few more
    than MAX_EXDATES at most: then _rrule gives up the series)."""
    moments = []
    for line in event.contents.get("exdate", []):
        values = line.value if isinstance(line.value, list) else [line.value]
        for value in values[: MAX_EXDATES + 1]:
            if isinstance(value, datetime.datetime):
                value = _in_zone(value, _tzid(line), zones)
            if isinstance(value, datetime.date):
                moments.append(value)
        if len(moments) > MAX_EXDATES:
            break
    return tuple(moments)


def _zone_name(event) -> str:
    if not hasattr(event, "dtstart"):
        return ""
    name = _tzid(event.dtstart)
    if not name:
        value = event.dtstart.value
        utc = isinstance(value, datetime.datetime) and value.utcoffset() == datetime.timedelta(0)
        return "UTC" if utc and value.tzinfo is not None else ""
    return _olson_name(name) if _known_zone(name) is not None else ""


# -- writing ------------------------------------------------------------------------------------


def _partstat(answer: str) -> str:
    if answer not in PARTSTATS:
        raise InvalidInputError(f"unknown answer {answer!r}")
    return PARTSTATS[answer]


def _param(value: str) -> str:
    """A parameter value (CN) as iCalendar allows it: no double quote, no control character."""
    return one_line(value, limits.MAX_NAME_LENGTH).replace('"', "'")


def _utc(value):
    """In UTC as vobject writes it ("...Z"; it knows dateutil's UTC, not Python's)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(dateutil_tz.UTC)
    return value
