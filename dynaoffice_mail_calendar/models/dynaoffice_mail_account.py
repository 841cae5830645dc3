"""The mail client's invitation hooks (dynaoffice.mail.client `_invitation_*`) for Odoo's
Calendar: an answered invitation becomes an event in the user's calendar, found again by
its iCalendar UID, with the user as attendee in the state they chose."""

import datetime

import pytz

from odoo import Command, api, models
from odoo.tools import email_normalize, plaintext2html

# The attendee states of Odoo's Calendar for the answers of the mail client.
STATES = {"accepted": "accepted", "tentative": "tentative", "declined": "declined"}
# An event without an end lasts an hour, as one created in Odoo's calendar does.
DEFAULT_DURATION = datetime.timedelta(hours=1)


class DynaofficeMailAccount(models.Model):
    _inherit = "dynaoffice.mail.account"

    @api.model
    def _invitation_state(self, invitation):
        events = self._invitation_events(invitation)
        active = events.filtered("active")
        attendee = self._own_attendee(active[:1])
        answer = attendee.state if attendee.state in STATES else False
        return dict(super()._invitation_state(invitation), answer=answer, in_calendar=bool(active))

    @api.model
    def _invitation_answered(self, invitation, answer):
        super()._invitation_answered(invitation, answer)
        values = self._event_values(invitation)
        if values is None:
            return False
        Event = self._calendar_events()
        event = self._invitation_events(invitation)[:1]
        if not event:
            event = Event.create(
                dict(values, partner_ids=[Command.link(self.env.user.partner_id.id)])
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
        # An older invitation answered again (its mail is still there) changes the answer
        # only: the event stays as the organiser's latest update has it.
        elif invitation.sequence >= event.dynaoffice_ical_sequence:
            event.write(dict(values, active=True))
            # sudo: as above; the user has just written the event.
            event.sudo().write({"dynaoffice_ical_sequence": invitation.sequence})
        self._own_attendee(event).write({"state": STATES[answer]})
        return True

    @api.model
    def _invitation_cancelled(self, invitation):
        super()._invitation_cancelled(invitation)
        events = self._invitation_events(invitation).filtered("active")
        for event in events:
            self._own_attendee(event).write({"state": "declined"})
        events.write({"active": False})
        return bool(events)

    # -- the user's events ----------------------------------------------------------------

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

    def _own_attendee(self, event):
        partner = self.env.user.partner_id
        return event.attendee_ids.filtered(lambda attendee: attendee.partner_id == partner)[:1]

    def _event_values(self, invitation):
        """The event's fields from `invitation`, times in UTC as Odoo stores them; None for
        an invitation without a start."""
        if invitation.start is None:
            return None
        zone = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
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


def _utc(moment, zone):
    """`moment` as naive UTC; a floating time (naive) is on the user's clock."""
    if moment.tzinfo is None:
        moment = zone.localize(moment)
    return moment.astimezone(pytz.utc).replace(tzinfo=None)


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
