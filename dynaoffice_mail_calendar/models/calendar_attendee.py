"""When an attendee's answer by mail (an iTIP REPLY) was last taken into the calendar."""

from odoo import fields, models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    dynaoffice_ical_replied = fields.Datetime(
        string="iCalendar Answer Written",
        copy=False,
        readonly=True,
        help="When the attendee wrote the answer by mail last taken into the calendar (its "
        "DTSTAMP): an older one opened again does not overwrite it.",
    )
