"""The iCalendar UID, organiser and occurrence of an event that came as an invitation by
mail, to find it again when the invitation is answered anew, updated or cancelled, and the
SEQUENCE it was last updated from."""

import re

import vobject

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


# The UID of the invitations Odoo sends for its own events: the database's and the event's,
# so that an attendee's answer (an iTIP REPLY naming it) finds the event again, and never
# one of another database.
OWN_UID = "odoo-{database}-{event}@odoo"
_OWN_UID = re.compile(r"odoo-([0-9a-f-]{36})-(\d{1,18})@odoo", re.IGNORECASE)
# An attendee's state in Odoo as iCalendar's PARTSTAT.
PARTSTATS = {
    "needsAction": "NEEDS-ACTION",
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "tentative": "TENTATIVE",
}


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

    def _get_ics_file(self):
        # vobject makes up a new UID each time it writes the invitation Odoo mails: give
        # each a stable one of the event, which the attendee's answer names.
        files = super()._get_ics_file()
        for event in self.filtered(lambda each: each.id in files):
            calendar = vobject.readOne(files[event.id].decode())
            calendar.vevent.uid.value = event._dynaoffice_own_uid()
            event._dynaoffice_make_request(calendar)
            files[event.id] = calendar.serialize().encode()
        return files

    def _dynaoffice_make_request(self, calendar):
        """Make Odoo's file an iTIP REQUEST (RFC 5546): without METHOD, Outlook and
        Thunderbird show a mere calendar file, no Accept or Decline, and no answer comes
        back; without RSVP=TRUE they do not offer to send one."""
        self.ensure_one()
        event = calendar.vevent
        if not hasattr(event, "organizer"):
            # No organiser's address (the organiser has no email): no one to answer to.
            return
        calendar.add("method").value = "REQUEST"
        # Each change Odoo mails must come with a higher SEQUENCE, or the attendee's
        # calendar keeps the meeting where it was: the seconds the event was last written
        # after its creation.
        changed = (self.write_date or self.create_date) - (self.create_date or self.write_date)
        event.add("sequence").value = str(min(max(int(changed.total_seconds()), 0), 2**31 - 1))
        # Odoo writes one ATTENDEE per attendee, in their order.
        lines = event.contents.get("attendee", [])
        if len(lines) != len(self.attendee_ids):
            return
        for line, attendee in zip(lines, self.attendee_ids, strict=True):
            if attendee.common_name:
                line.params["CN"] = [attendee.common_name.replace('"', "'")]
            line.params["ROLE"] = ["REQ-PARTICIPANT"]
            line.params["PARTSTAT"] = [PARTSTATS.get(attendee.state, "NEEDS-ACTION")]
            if attendee.partner_id != self.partner_id:
                line.params["RSVP"] = ["TRUE"]

    def _dynaoffice_own_uid(self):
        self.ensure_one()
        # sudo: system parameters are the administrator's; the database's UUID is no secret
        # (Odoo sends it to its publisher's server, and the UID to every attendee).
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return OWN_UID.format(database=database, event=self.id)

    @api.model
    def _dynaoffice_own_event_id(self, uid):
        """The id of this database's event whose invitation has iCalendar UID `uid`, or
        None (another database's, or no invitation Odoo sent)."""
        found = _OWN_UID.fullmatch((uid or "").strip())
        # sudo: as in _dynaoffice_own_uid.
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        if not found or found.group(1).lower() != (database or "").lower():
            return None
        return int(found.group(2))

    def _check_ical_fields(self, vals_list):
        check_bridge_fields(
            self.env,
            vals_list,
            ICAL_FIELDS,
            self.env._("Only an answered invitation sets where a calendar event came from."),
        )


def check_bridge_fields(env, vals_list, names, refusal):
    """Refuse the fields `names` in a create or write (`vals_list`) unless the bridge sets
    them (as superuser, after it checked the user's access): AccessError `refusal`. A
    default in the context counts too."""
    if env.su:
        return
    if any(
        f"default_{name}" in env.context or any(name in vals for vals in vals_list)
        for name in names
    ):
        raise AccessError(refusal)
