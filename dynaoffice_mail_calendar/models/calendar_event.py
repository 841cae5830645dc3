"""The iCalendar UID, organiser and occurrence of an event that came as an invitation by
mail, to find it again when the invitation is answered anew, updated or cancelled, and the
SEQUENCE it was last updated from."""

from odoo import fields, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    dynaoffice_ical_uid = fields.Char(
        string="iCalendar UID",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The UID of the invitation this event was answered from in the mail client.",
    )
    dynaoffice_ical_organizer = fields.Char(
        string="iCalendar Organizer",
        copy=False,
        readonly=True,
        help="The address of the invitation's organiser: only mail naming this organiser "
        "updates or cancels the event.",
    )
    dynaoffice_ical_occurrence = fields.Char(
        string="iCalendar Occurrence",
        copy=False,
        readonly=True,
        help="For one occurrence of a series changed or cancelled on its own: when it was "
        "planned (its RECURRENCE-ID). Empty for the event or series itself.",
    )
    dynaoffice_ical_sequence = fields.Integer(
        string="iCalendar Sequence",
        copy=False,
        readonly=True,
        help="The SEQUENCE of the invitation the event was last updated from: an older "
        "invitation answered again does not move it back.",
    )
