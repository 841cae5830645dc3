"""The iCalendar UID, organiser and occurrence of an event that came as an invitation by
mail, to find it again when the invitation is answered anew, updated or cancelled, and the
SEQUENCE it was last updated from."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

# Set by the bridge alone, from the invitation the user answered: whoever may edit an event
# (any employee, for one that is not private) must not make it match a forged invitation by
# naming another organiser, nor hold back the organiser's updates by its sequence.
ICAL_FIELDS = (
    "dynaoffice_ical_uid",
    "dynaoffice_ical_organizer",
    "dynaoffice_ical_occurrence",
    "dynaoffice_ical_sequence",
)


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

    @api.model_create_multi
    def create(self, vals_list):
        self._check_ical_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_ical_fields([vals])
        return super().write(vals)

    def _check_ical_fields(self, vals_list):
        """Refuse the invitation's fields unless the bridge sets them (as superuser, after
        it checked the user's access to the event); a default in the context counts too."""
        if self.env.su:
            return
        named = {
            name
            for name in ICAL_FIELDS
            if f"default_{name}" in self.env.context or any(name in vals for vals in vals_list)
        }
        if named:
            raise AccessError(
                self.env._("Only an answered invitation sets where a calendar event came from.")
            )
