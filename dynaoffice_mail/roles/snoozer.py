"""Snooze and follow-up: mail that leaves its folder until a time, and sent mail whose reply
is awaited.

A snoozed message waits on the server in "Snoozed" (services/snoozing.py); an Odoo record
(dynaoffice.mail.snooze) says when it comes back and where to. A follow-up is an Odoo
activity on the sent message's handle, done by itself when a reply arrives.
"""

import logging

from odoo.exceptions import UserError

from ..services import assigning, imap, snoozing
from ..services import exceptions as mail_errors
from .assigner import formatted_address, utc_naive
from .base import Role

_logger = logging.getLogger(__name__)

SNOOZE = "dynaoffice.mail.snooze"
MAX_SNOOZE = 100
# What the follow-up cron learnt at its last run of each folder where replies may be
# (snoozing.RepliesSeen), per mailbox as it is set up and user: the next run, five minutes
# later, searches only the folders that got mail since. This process's memory: another
# process, or one started since, searches them all once.
_REPLIES_SEEN = {}
# What makes a mailbox unusable for the rest of a cron run: it cannot be reached, or not
# logged in to (or all its connections are busy). Its next mail would wait out the same
# timeout again (or count as one more failed login), holding up every other mailbox's.
_UNREACHABLE = (
    mail_errors.ConnectionFailedError,
    mail_errors.TlsError,
    mail_errors.AuthenticationError,
    mail_errors.AuthMethodRefusedError,
    mail_errors.PoolExhaustedError,
)


def mailbox_unreachable(error: UserError) -> bool:
    """Whether `error` (of a role) says the mailbox cannot be reached or logged in to at
    all: the crons leave its other mail for their next run."""
    return isinstance(error.__cause__, _UNREACHABLE)


class Snoozer(Role):
    """Snoozing the mail of one mailbox, for a user who may use the mailbox."""

    def snooze(self, refs, until):
        """Move the messages `refs` (of one folder) to "Snoozed" until `until` (naive UTC);
        the records that bring them back."""
        if not refs or len(refs) > MAX_SNOOZE:
            raise UserError(
                self.env._("Choose between 1 and %(count)s messages.", count=MAX_SNOOZE)
            )
        first = refs[0]
        summaries = self.run(
            lambda client: assigning.message_summaries(
                client, first.folder, first.uidvalidity, [ref.uid for ref in refs]
            ),
            safe=True,
        )
        if any(
            not imap.searchable_message_id(summary.message_id) for summary in summaries.values()
        ):
            raise UserError(
                self.env._(
                    "A message without a usable Message-ID cannot be snoozed: it could not be "
                    "found again when its time comes."
                )
            )
        present = [uid for uid in dict.fromkeys(ref.uid for ref in refs) if uid in summaries]
        Snooze = self.env[SNOOZE]
        if not present:
            return Snooze  # all gone meanwhile: nothing to snooze
        # A message snoozed before and taken out of "Snoozed" by hand (another mail program,
        # a move in the client, a member of a group mailbox) still has its record: it would
        # bring the message back at the earlier time and this snooze would find it gone.
        # This snooze replaces it, unless another copy (same Message-ID) still waits there.
        earlier = Snooze.sudo().search(
            [
                ("account_id", "=", self.account.id),
                ("message_id", "in", [summaries[uid].message_id for uid in present]),
            ]
        )
        still_waiting = set()
        if earlier:
            still_waiting = self.run(
                lambda client: snoozing.waiting(client, set(earlier.mapped("message_id"))),
                safe=True,
            )
        # One MOVE for all: moved one by one, a failure half-way left the first ones in
        # "Snoozed" with their records rolled back with the error, never to come back.
        report = self.run_in_folder(
            first,
            lambda client: snoozing.snooze(client, first.folder, first.uidvalidity, present),
            safe=False,
        )
        for uid in present:
            if uid not in report.done:
                continue  # gone meanwhile: nothing snoozed
            summary = summaries[uid]
            # sudo: users only read snoozes (ACL); this one is made for a mailbox the user
            # may use (the role's access check), for the message just moved.
            Snooze |= Snooze.sudo().create(
                {
                    "account_id": self.account.id,
                    "user_id": self.env.uid,
                    "folder": first.folder,
                    "message_id": summary.message_id,
                    "subject": summary.subject,
                    "email_from": formatted_address(summary.from_[0]) if summary.from_ else False,
                    "date": utc_naive(summary.date or summary.internal_date),
                    "until": until,
                }
            )
        # sudo (`earlier`): the user may use this mailbox (the role's check); the records
        # replaced are of its messages, whichever of its users snoozed them.
        snoozed_again = set(Snooze.mapped("message_id")) - still_waiting
        earlier.filtered(lambda snooze: snooze.message_id in snoozed_again).unlink()
        return Snooze.with_env(self.env)

    def wake(self, snooze):
        """Bring the message of `snooze` (this account's) back to its folder, unread, and
        drop the record; quietly when the message left "Snoozed" by other means."""
        snooze.ensure_one()
        back = self.run(
            lambda client: snoozing.wake(client, snooze.message_id, snooze.folder), safe=False
        )
        if back is None:
            _logger.info(
                "Snoozed message %s of account %s is no longer in %s; its snooze is dropped",
                snooze.message_id,
                self.account.id,
                snoozing.SNOOZED_FOLDER,
            )
        # sudo: users only read snoozes; the user may use its mailbox (the role's check).
        snooze.sudo().unlink()
        return back

    def answered(self, message_ids):
        """Those of `message_ids` a received message answers (In-Reply-To, References):
        in the Inbox, or filed elsewhere by a server rule or by hand (snoozing.reply_folders).
        The mailbox's own mail in the thread (a "Any news?" of the user) is no reply."""
        account = self.account
        own_folders = (account.sent_folder, account.drafts_folder)
        own_address = account.email or ""
        # Another server or login is another mailbox; another own address, other replies.
        key = (
            account._pool_key(),
            account.imap_host,
            account.imap_port,
            account.imap_user,
            own_address,
            self.env.uid,
        )
        seen = _REPLIES_SEEN.setdefault(key, {})
        return self.run(
            lambda client: snoozing.find_replies(
                client,
                snoozing.reply_folders(client, own_folders),
                message_ids,
                own_address=own_address,
                seen=seen,
            ),
            safe=True,
        )
