"""Calendar invitations in the reading pane: the card's event, and answering it.

The card reads the message's first calendar part (services/invitations.py parses it);
answering sends the iTIP REPLY through the account's own sending path (Composer.send, so
the outbox's guarantees hold: a double click or a retried request sends it once) and, when
a calendar app is installed, lets the account's hooks put the event into the user's
calendar (`_invitation_*` on dynaoffice.mail.client; the bridge dynaoffice_mail_calendar
implements them for Odoo's Calendar).
"""

import dataclasses
import datetime
import hashlib
import re
import secrets

import pytz

from odoo.exceptions import UserError
from odoo.tools import email_normalize

from ..services import invitations, limits
from ..services.addresses import ascii_domain, format_address
from ..services.exceptions import InvalidInputError
from .mailbox import Mailbox

ANSWERS = tuple(invitations.PARTSTATS)
# What a cancelled event's card offers: taking it out of the user's calendar.
REMOVE = "remove"
# What an attendee's answer (a REPLY) offers the organiser: taking it into the calendar.
UPDATE = "update"
# The card's token: names one showing of the card, so that the same answer given twice from
# it (a double click, a retried request) is one mail, and a changed answer a new one.
_TOKEN = re.compile(r"[0-9a-f]{32}")


def card(mailbox, ref):
    """The invitation in message `ref` as the card shows it, or False (no calendar part,
    or none that is an invitation we can read)."""
    invitation = read_invitation(mailbox, ref)
    if invitation is None:
        return False
    return _card(mailbox, invitation)


def answer(composer, ref, answer, token=None):
    """Answer the invitation in message `ref`: `answer` is accepted, tentative or declined
    (a REQUEST), or "remove" (a CANCEL from its organiser: out of the user's calendar).
    The REPLY goes to the organiser alone, with the account's address as the one attendee.

    Returns {"sent", "error", "problems", "card"}: what the composer's sending answered,
    and the card as it is now."""
    env = composer.env
    _ = env._
    if answer not in (*ANSWERS, REMOVE, UPDATE):
        raise UserError(_("Unknown answer to an invitation: %(answer)s", answer=answer))
    mailbox = Mailbox(composer.account)
    invitation = read_invitation(mailbox, ref)
    if invitation is None:
        raise UserError(_("This message holds no invitation that could be read."))
    account = composer.account
    if invitation.method == "CANCEL" or answer == REMOVE:
        if invitation.method != "CANCEL" or answer != REMOVE:
            raise UserError(_("A cancelled event can only be removed from the calendar."))
        refusal = _cancel_refusal(env, invitation)
        if refusal:
            raise UserError(refusal)
        account._invitation_cancelled(invitation)
        return {"sent": False, "error": False, "problems": [], "card": _card(mailbox, invitation)}
    if answer == UPDATE:
        # Asked for, not done when the card is shown (as Thunderbird's "Update"): reading
        # mail changes nothing, and the organiser sees whose answer goes into the calendar.
        if invitation.method != "REPLY" or not account._invitation_replied(invitation):
            raise UserError(
                _(
                    "This answer cannot update your calendar: it is not from an attendee of "
                    "an event you organise."
                )
            )
        return {"sent": False, "error": False, "problems": [], "card": _card(mailbox, invitation)}
    if invitation.method != "REQUEST":
        # An attendee's answer or proposal (REPLY, COUNTER, REFRESH) is shown, not answered.
        raise UserError(_("Only an invitation can be answered."))
    if invitation.organizer is None:
        raise UserError(_("The invitation names no organiser to answer."))
    title = invitation.summary or _("(no title)")
    subjects = {
        "accepted": _("Accepted: %(title)s", title=title),
        "tentative": _("Tentative: %(title)s", title=title),
        "declined": _("Declined: %(title)s", title=title),
    }
    name = account.sender_name or account.email
    texts = {
        "accepted": _("%(name)s has accepted the invitation.", name=name),
        "tentative": _("%(name)s has tentatively accepted the invitation.", name=name),
        "declined": _("%(name)s has declined the invitation.", name=name),
    }
    try:
        message = invitations.reply_message(
            invitation,
            from_name=account._from_name(),
            from_address=account.email,
            answer=answer,
            subject=subjects[answer],
            text=f"{texts[answer]}\n\n{title}\n{_when(env, invitation)}\n",
            now=datetime.datetime.now(datetime.timezone.utc),
            message_id=_reply_message_id(account, invitation, answer, token),
        )
    except InvalidInputError as error:
        raise UserError(_("The invitation cannot be answered: %(reason)s", reason=error)) from error
    values = {"to": [invitation.organizer.address], "subject": message["Subject"]}
    result = composer.send(values, message=message)
    problems = list(result.get("problems") or [])
    if result.get("sent"):
        problems += account._invitation_answered(invitation, answer)
    return {
        "sent": bool(result.get("sent")),
        "error": result.get("error") or False,
        "problems": problems,
        "card": dict(_card(mailbox, invitation), answer=answer)
        if result.get("sent")
        else _card(mailbox, invitation),
    }


def read_invitation(mailbox, ref):
    """The Invitation of message `ref` (services/invitations.py), or None: its first
    calendar part, read only when it is small enough to be one."""
    view = mailbox.message_view(ref)
    part = next(
        (
            attachment
            for attachment in view.attachments
            if invitations.is_calendar_part(attachment.mime_type, attachment.filename)
        ),
        None,
    )
    if part is None or (part.size or 0) > limits.MAX_CALENDAR_BYTES:
        return None
    data = mailbox.read_attachments(ref, [part.part_number], max_bytes=limits.MAX_CALENDAR_BYTES)
    invitation = invitations.parse_invitation(data.get(part.part_number))
    if invitation is None:
        return None
    sender = view.from_[0].address if len(view.from_) == 1 else ""
    return dataclasses.replace(invitation, sender=sender)


def _card(role, invitation):
    env = role.env
    account = role.account
    state = account._invitation_state(invitation)
    refusal = _cancel_refusal(env, invitation)
    return {
        "method": invitation.method,
        "notice": _notice(env, invitation) or refusal,
        "summary": invitation.summary,
        "when": _when(env, invitation),
        "all_day": invitation.all_day,
        "recurrence": _recurrence_hint(env, invitation.recurrence),
        "location": invitation.location,
        "organizer": format_address(invitation.organizer) if invitation.organizer else "",
        "can_answer": invitation.method == "REQUEST" and invitation.organizer is not None,
        "calendar": "calendar.event" in env,
        "answer": state.get("answer") or False,
        "in_calendar": bool(state.get("in_calendar")),
        # Of a cancellation: whether it may take the event out of the calendar.
        "can_remove": invitation.method == "CANCEL"
        and not refusal
        and bool(state.get("in_calendar")),
        # Of an attendee's answer to an event the user organises: whether it may go into
        # the calendar, and whether the calendar already has it.
        "can_update": bool(state.get("can_update")),
        "updated": bool(state.get("updated")),
        "token": secrets.token_hex(16),
    }


def _cancel_refusal(env, invitation):
    """Why a cancellation (CANCEL) may not take the event out of the user's calendar, or
    False. Its UID is no secret (every attendee's invitation holds it) and the file names
    whom it likes: as an attendee's answer counts only when its mail is from that attendee,
    a cancellation counts only when its mail is from the organiser it names (the calendar
    then finds only events of that organiser)."""
    _ = env._
    if invitation.method != "CANCEL":
        return False
    if invitation.organizer is None:
        return _(
            "This cancellation names no organiser: it cannot remove the event from your calendar."
        )
    sender = email_normalize(invitation.sender)
    if not sender or sender != email_normalize(invitation.organizer.address):
        return _(
            "This cancellation was not sent by the organiser (%(organizer)s): it cannot "
            "remove the event from your calendar.",
            organizer=invitation.organizer.address,
        )
    return False


def _notice(env, invitation):
    """What an attendee's message to the organiser says (REPLY, COUNTER, REFRESH), naming
    the attendee as the file does; False for an invitation or a cancellation."""
    _ = env._
    if invitation.method not in invitations.ATTENDEE_METHODS:
        return False
    attendee = invitation.attendee
    name = format_address(attendee) if attendee else _("An attendee")
    if invitation.method == "COUNTER":
        return _("%(name)s proposes a new time: %(when)s", name=name, when=_when(env, invitation))
    if invitation.method == "REFRESH":
        return _("%(name)s asks for the latest version of this event.", name=name)
    answers = {
        "ACCEPTED": _("%(name)s has accepted the invitation.", name=name),
        "TENTATIVE": _("%(name)s has tentatively accepted the invitation.", name=name),
        "DECLINED": _("%(name)s has declined the invitation.", name=name),
    }
    return answers.get(invitation.partstat) or _("%(name)s has answered the invitation.", name=name)


def _when(env, invitation):
    """The event's date and time as the user reads them: their time zone, their language's
    date and time formats."""
    _ = env._
    if invitation.start is None:
        return ""
    lang = env["res.lang"]._lang_get(env.lang or "en_US")
    date_format = lang.date_format if lang else "%m/%d/%Y"
    time_format = lang.short_time_format if lang else "%H:%M"
    if invitation.all_day:
        first = invitation.start.strftime(date_format)
        last = invitation.end.strftime(date_format) if invitation.end else first
        if last == first:
            return _("%(date)s (all day)", date=first)
        return _("%(first)s – %(last)s (all day)", first=first, last=last)
    zone = pytz.timezone(env.context.get("tz") or env.user.tz or "UTC")
    start = _local(invitation.start, zone)
    end = _local(invitation.end, zone) if invitation.end else None
    if end is None:
        return _(
            "%(date)s, %(time)s",
            date=start.strftime(date_format),
            time=start.strftime(time_format),
        )
    if end.date() == start.date():
        return _(
            "%(date)s, %(start)s – %(end)s",
            date=start.strftime(date_format),
            start=start.strftime(time_format),
            end=end.strftime(time_format),
        )
    return _(
        "%(start_date)s, %(start)s – %(end_date)s, %(end)s",
        start_date=start.strftime(date_format),
        start=start.strftime(time_format),
        end_date=end.strftime(date_format),
        end=end.strftime(time_format),
    )


def _local(moment, zone):
    """`moment` on the user's clock; a floating time (naive) is already on it."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone)


def _recurrence_hint(env, recurrence):
    _ = env._
    hints = {
        "DAILY": _("Repeats daily"),
        "WEEKLY": _("Repeats weekly"),
        "MONTHLY": _("Repeats monthly"),
        "YEARLY": _("Repeats yearly"),
        "OTHER": _("Repeats"),
    }
    return hints.get(recurrence) or False


def _reply_message_id(account, invitation, answer, token):
    """The reply's Message-ID: the same for the same answer from the same showing of the
    card (the outbox then sends it once), a new one otherwise."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        token = secrets.token_hex(16)
    recurrence_id = invitation.recurrence_id.isoformat() if invitation.recurrence_id else ""
    digest = hashlib.sha256(
        "\0".join(
            (
                str(account.id),
                invitation.uid,
                str(invitation.sequence),
                recurrence_id,
                answer,
                token,
            )
        ).encode("utf-8", "surrogatepass")
    ).hexdigest()[:32]
    domain = ascii_domain(account.email.rpartition("@")[2])
    return f"<{digest}@{domain}>"
