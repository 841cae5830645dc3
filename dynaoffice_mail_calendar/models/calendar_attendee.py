"""When an attendee's answer by mail (an iTIP REPLY) was last taken into the calendar."""

from odoo import api, fields, models

from .calendar_event import check_bridge_fields

# Set by the bridge alone, when the organiser takes an answer in: whoever may edit the event
# must not hold back the attendee's later answers by a date in the future.
REPLIED_FIELDS = ("dynaoffice_ical_replied",)


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    dynaoffice_ical_replied = fields.Datetime(
        string="iCalendar Answer Written",
        copy=False,
        readonly=True,
        help="When the attendee wrote the answer by mail last taken into the calendar (its "
        "DTSTAMP): an older one opened again does not overwrite it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_replied_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_replied_fields([vals])
        return super().write(vals)

    def _check_replied_fields(self, vals_list):
        check_bridge_fields(
            self.env,
            vals_list,
            REPLIED_FIELDS,
            self.env._("Only an attendee's answer by mail sets when it was written."),
        )
