"""The iCalendar UID and organiser of an event that came as an invitation by mail, to find
it again when the invitation is answered anew, updated or cancelled."""

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
