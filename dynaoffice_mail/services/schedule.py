"""When a mail sent later goes: the composer's quick choices, in the user's time zone.

Plain datetime arithmetic on a `now` the caller passes (the tests' controllable clock);
answers are naive UTC datetimes, as Odoo stores them.
"""

import datetime

from .exceptions import InvalidInputError
from .headers import placeable_moment

# The composer's quick choices: the next morning, the next Monday morning.
MORNING = datetime.time(8, 0)
QUICK_CHOICES = ("tomorrow", "monday")
# Further ahead than this is a typing error, not a plan.
FURTHEST = datetime.timedelta(days=366)


def send_time(choice, now, tz):
    """The naive UTC moment for `choice`: "tomorrow" (8:00 the next day), "monday" (8:00
    the next Monday, a week ahead on a Monday), or a moment the user picked (ISO 8601 text
    in UTC, as Odoo's date-time picker sends it, or a datetime). `now` is naive UTC, `tz`
    the user's pytz time zone. Whether the moment is ahead is `in_range`'s question."""
    if choice in QUICK_CHOICES:
        local_today = now.replace(tzinfo=datetime.timezone.utc).astimezone(tz).date()
        days = 1 if choice == "tomorrow" else 7 - local_today.weekday()
        day = local_today + datetime.timedelta(days=days)
        local = tz.localize(datetime.datetime.combine(day, MORNING))
        return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return utc_moment(choice)


def in_range(moment, now):
    """Whether `moment` lies ahead of `now`, and not further than FURTHEST."""
    return now < moment <= now + FURTHEST


def utc_moment(value):
    """`value` (ISO 8601 text, in UTC unless it names its offset, or a datetime) as the
    naive UTC moment it is, to the second; InvalidInputError when it is none."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as error:
            raise InvalidInputError("not a date and time") from error
    if not isinstance(value, datetime.datetime):
        raise InvalidInputError("not a date and time")
    if placeable_moment(value) is None:
        # Within a day of the ends of Python's calendar: perhaps no moment in UTC at all.
        raise InvalidInputError("not a date and time")
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0)
