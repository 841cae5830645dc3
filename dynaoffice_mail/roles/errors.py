"""What the user reads when a mail server cannot do what was asked: one table, ERROR_TEXTS,
from each exception of the services to a text that says what happened and what the user
can do about it.

Every role and the account's connection test explain errors here (`explain`,
`mailbox_error`). What the libraries and the server said (errno numbers, OpenSSL's reasons, the
server's own answer: an exception's `detail`) never reaches the user; it goes to the log,
where administrators look. Known server answers (a folder that is gone, a full mailbox) are
told apart by services.answers and explained like the errors they amount to.
"""

import logging
from typing import NamedTuple

from odoo.tools.misc import human_size

from ..services import answers
from ..services import exceptions as mail_errors
from ..services.imap import stream_ended

_logger = logging.getLogger(__name__)


class _Facts(NamedTuple):
    """What a text may name besides the error: the server, the port, the account's address."""

    host: str
    port: int
    address: str


def mailbox_error(account, error):
    """`error` of `account`'s mailbox (IMAP) as a message naming the mailbox."""
    return account.env._(
        "Mailbox %(account)s: %(reason)s",
        account=account.name,
        reason=explain(account, error, account.imap_port),
    )


def explain(account, error, port, *, mail_sent=False):
    """The text for `error` (a MailServiceError) from ERROR_TEXTS: what happened, then
    what the user can do. `mail_sent`: the error came after the mail went out (filing
    the Sent copy, marking the original), so the one thing to do is not to send again.
    What the server or the library said goes to the log only."""
    _ = account.env._
    _logger.info(
        "Mail account %s, %s port %s: %s: %s",
        account.id,
        error.host or "-",
        port,
        type(error).__name__,
        error.detail or error,
    )
    if getattr(error, "address", ""):
        # Where a forbidden host name leads: for administrators, never for the user.
        _logger.info("Mail account %s: %s resolves to %s", account.id, error.host, error.address)
    facts = _Facts(host=error.host or _("the server"), port=port, address=account.email or "")
    cause, action = _text_builder(error)(_, error, facts)
    if mail_sent:
        action = _("The mail itself was sent: do not send it again.")
    return f"{cause} {action}"


def _text_builder(error):
    """The builder of ERROR_TEXTS for the most specific class of `error` it has."""
    for cls in type(error).__mro__:
        if cls in ERROR_TEXTS:
            return ERROR_TEXTS[cls]
    return ERROR_TEXTS[mail_errors.MailServiceError]


# -- the texts: (what happened, what the user can do) ------------------------------------------
# What happened starts in lower case: it follows "Mailbox ...:" or "Receiving (IMAP) failed:".


def _server_error(_, error, facts):
    return (
        _("%(host)s reported an error.", host=facts.host),
        _(
            "Try again; if it keeps happening, ask your administrator, who finds the details "
            "in Odoo's server log."
        ),
    )


def _invalid_input(_, error, facts):
    # Our own words (services' InvalidInputError), never a library's.
    return (
        _("this was refused before it reached the server: %(reason)s.", reason=str(error)),
        _("Correct it and try again."),
    )


def _folder_change_refused(_, error, facts):
    """A folder that cannot be created, renamed or deleted so, in the user's words; the
    services' English text goes to the log only."""
    folder = error.folder
    rename = error.change == "rename"
    keep = _("Other mail programs rely on it.")
    other_name = _("Choose another name.")
    if error.reason == "subfolders":
        return (
            _("the folder “%(folder)s” has subfolders.", folder=folder),
            _("Delete or move them first."),
        )
    if error.reason == "into_itself":
        return _("a folder cannot be moved into itself."), _("Choose another place.")
    if error.reason == "exists":
        return _("a folder named “%(folder)s” already exists.", folder=folder), other_name
    if error.reason == "name_refused":
        return (
            _(
                "%(host)s does not accept the folder name “%(folder)s”.",
                host=facts.host,
                folder=folder,
            ),
            _("Choose another name: many servers allow no “.” in folder names."),
        )
    if error.reason == "inbox":
        if rename:
            return _("the Inbox cannot be renamed."), keep
        return _("the Inbox cannot be deleted."), keep
    if error.reason == "special":
        use = _special_use_label(_, error.other)
        if rename:
            cause = _(
                "“%(folder)s” is a special folder (%(use)s) and cannot be renamed.",
                folder=folder,
                use=use,
            )
        else:
            cause = _(
                "“%(folder)s” is a special folder (%(use)s) and cannot be deleted.",
                folder=folder,
                use=use,
            )
        return cause, keep
    if error.reason == "holds_special":
        return (
            _(
                "“%(folder)s” holds the special folder “%(special)s” and cannot be renamed.",
                folder=folder,
                special=error.other,
            ),
            keep,
        )
    if error.reason == "delimiter_at_end":
        cause = _("a folder name cannot start or end with “%(delimiter)s”.", delimiter=error.other)
        return cause, other_name
    if error.reason == "empty_part":
        cause = _(
            "a folder name cannot have an empty part between “%(delimiter)s”.",
            delimiter=error.other,
        )
        return cause, other_name
    if error.reason == "wildcards":
        return _("a folder name cannot contain an asterisk or a percent sign."), other_name
    return _("a folder needs a name."), _("Type one.")


def _special_use_label(_, special_use):
    """A special-use attribute ("\\Trash") as the folder tree names it."""
    labels = {
        "\\Drafts": _("Drafts"),
        "\\Sent": _("Sent"),
        "\\Trash": _("Trash"),
        "\\Junk": _("Junk"),
        "\\Archive": _("Archive"),
    }
    return labels.get(special_use, special_use.lstrip("\\"))


def _connection_failed(_, error, facts):
    return (
        _("the connection to %(host)s failed or was cut off.", host=facts.host),
        _("Try again in a moment; if it keeps failing, the server or your network may be down."),
    )


def _host_not_found(_, error, facts):
    return (
        _("the server %(host)s was not found.", host=facts.host),
        _("Check the host name; if it is right, the network may be down: try again later."),
    )


def _connection_refused(_, error, facts):
    return (
        _(
            "%(host)s is not accepting connections on port %(port)s (it may be down, or the "
            "port is wrong).",
            host=facts.host,
            port=facts.port,
        ),
        _("Try again later; if it keeps happening, check the port in the account settings."),
    )


def _connection_timeout(_, error, facts):
    return (
        _(
            "%(host)s did not answer in time on port %(port)s (it may be down or overloaded, "
            "or a firewall blocks the port).",
            host=facts.host,
            port=facts.port,
        ),
        _(
            "Try again later; if it keeps happening, check the host name and the port in the "
            "account settings."
        ),
    )


def _forbidden_host(_, error, facts):
    # Not the address: that would tell anyone what an internal name resolves to.
    return (
        _("the server is in a local or private network, where connections are not allowed."),
        _("Check the host name, or ask your administrator."),
    )


def _tls_failed(_, error, facts):
    return (
        _(
            "no encrypted connection could be made with %(host)s on port %(port)s.",
            host=facts.host,
            port=facts.port,
        ),
        _(
            "Check that the encryption setting (SSL or STARTTLS) fits the port; if it does, "
            "ask the mail provider."
        ),
    )


def _certificate(_, error, facts):
    if error.name_mismatch:
        return (
            _(
                "the certificate of the server is not valid for the name %(host)s.",
                host=facts.host,
            ),
            _(
                "Use the host name the certificate was issued for (the mail provider tells "
                "you which)."
            ),
        )
    return (
        _(
            "the certificate of %(host)s is not trusted (it may have expired, or its "
            "authority is unknown to Odoo).",
            host=facts.host,
        ),
        _(
            "If your company runs its own certificate authority, paste its CA certificate "
            "into the account; otherwise ask the mail provider."
        ),
    )


def _tls_not_offered(_, error, facts):
    return (
        _(
            "%(host)s does not offer STARTTLS on port %(port)s, so the connection cannot be "
            "encrypted.",
            host=facts.host,
            port=facts.port,
        ),
        _("Choose SSL, or the port the mail provider names for STARTTLS."),
    )


def _authentication(_, error, facts):
    detail = error.detail or ""
    if answers.imap_answer(error) == "UNAVAILABLE" or answers.smtp_kind(detail) == "temporary":
        return _temporarily_unavailable(_, error, facts)
    return (
        _("%(host)s did not accept the user name or password.", host=facts.host),
        _(
            "Check both in the account settings; if they are right, ask the mail provider "
            "whether the account is locked."
        ),
    )


def _authorization_expired(_, error, facts):
    # A login by token (OAuth2): no password to check, only the connection to renew.
    provider = error.provider or facts.host
    if not error.connected:
        return (
            _("the account is not connected to %(provider)s yet.", provider=provider),
            _("Connect it in the account settings."),
        )
    return (
        _("the connection to %(provider)s has expired.", provider=provider),
        _("Reconnect the account: nothing is lost meanwhile."),
    )


def _auth_method_refused(_, error, facts):
    return (
        _("%(host)s does not allow logging in on this connection.", host=facts.host),
        _("Most servers require encryption for that: choose SSL or TLS."),
    )


def _non_ascii_credentials(_, error, facts):
    return (
        _(
            "%(host)s does not accept a user name or password with characters such as ä, ß or €.",
            host=facts.host,
        ),
        _("Choose a password without them, or ask the mail provider."),
    )


def _protocol(_, error, facts):
    """The server said no, or something we could not read: by what it said, where known."""
    if stream_ended(error):
        return (
            _("the connection to %(host)s broke off in the middle of an answer.", host=facts.host),
            _("Try again."),
        )
    answer = answers.imap_answer(error)
    if answer in ("NONEXISTENT", "TRYCREATE"):
        return _folder_not_found(_, error, facts)
    if answer == "EXPUNGEISSUED":
        return _message_not_found(_, error, facts)
    if answer == "BYE":
        return (
            _("%(host)s ended the connection (it may be restarting).", host=facts.host),
            _("Try again in a moment; if it keeps happening, the server may be down."),
        )
    if answer == "OVERQUOTA":
        return (
            _("the mailbox on %(host)s is full.", host=facts.host),
            _("Delete mail you no longer need and empty the Trash, then try again."),
        )
    if answer == "ALREADYEXISTS":
        return (
            _("a folder of that name exists already."),
            _("Choose another name."),
        )
    if answer == "NOPERM":
        return (
            _("%(host)s does not allow you to do this in this folder.", host=facts.host),
            _("Ask the mail provider or your administrator for the permission."),
        )
    if answer in ("UNAVAILABLE", "INUSE"):
        return _temporarily_unavailable(_, error, facts)
    return (
        _("%(host)s answered unexpectedly.", host=facts.host),
        _(
            "Try again; if it keeps happening, ask your administrator, who finds the "
            "server's answer in Odoo's server log."
        ),
    )


def _temporarily_unavailable(_, error, facts):
    return (
        _("%(host)s is busy or temporarily unavailable.", host=facts.host),
        _("Try again in a few minutes."),
    )


def _message_not_found(_, error, facts):
    return (
        _("the message is no longer on the server (another mail program moved or deleted it)."),
        _("Reload the list."),
    )


def _folder_not_found(_, error, facts):
    return (
        _(
            "the folder no longer exists on the server (another mail program renamed or "
            "deleted it)."
        ),
        _("Reload the folders."),
    )


def _no_trash_folder(_, error, facts):
    return (
        _("the mailbox has no Trash folder, so nothing was deleted."),
        _('Create a folder "Trash", or choose another way of deleting in the account\'s options.'),
    )


def _others_marked_deleted(_, error, facts):
    return (
        _(
            "%(host)s can only remove all messages marked as deleted in a folder at once, and "
            "other messages in this folder are marked as deleted; nothing was deleted.",
            host=facts.host,
        ),
        _(
            "Delete them together with these, or choose another way of deleting in the "
            "account's options."
        ),
    )


def _folder_renumbered(_, error, facts):
    return (
        _("the folder was renumbered on the server."),
        _("Reload the list and try again."),
    )


def _pool_exhausted(_, error, facts):
    return (
        _("all connections to %(host)s are busy with other requests.", host=facts.host),
        _("Try again in a moment."),
    )


def _limit_exceeded(_, error, facts):
    return (
        _(
            "the server's answer is larger than this mail client accepts (a message of very "
            "many parts, or very many matches)."
        ),
        _("Narrow the search, or use another mail program for this message."),
    )


def _too_large(_, error, facts):
    if getattr(error, "max_size", None):
        cause = _(
            "the mail is too large for %(host)s, which takes at most %(size)s.",
            host=facts.host,
            size=human_size(error.max_size),
        )
    else:
        cause = _("the mail is too large for %(host)s.", host=facts.host)
    return cause, _("Remove attachments or send them as links.")


def _sender_refused(_, error, facts):
    if answers.smtp_kind(_reply(error.detail)) == "temporary":
        return _not_taken_for_now(_, error, facts)
    return (
        _(
            "%(host)s does not accept %(address)s as the sender; nothing was sent.",
            host=facts.host,
            address=facts.address,
        ),
        _(
            "Check the e-mail address of the account: it must be one this server lets you "
            "send as. Otherwise ask the mail provider."
        ),
    )


def _recipients_refused(_, error, facts):
    return (
        _(
            "%(host)s refused these recipients, so nobody got the mail: %(refused)s.",
            host=facts.host,
            refused=_refused_list(_, error.refused),
        ),
        _("Correct or remove them and send again."),
    )


def refused_recipients(account, host, refused):
    """What the user reads of the recipients (`refused`: {address: the server's answer})
    that a server refused while it took the mail for the others, as Odoo's outgoing mail
    servers send: the mail went out, to everyone but them."""
    _ = account.env._
    _logger.info("Mail account %s, %s: recipients refused: %s", account.id, host or "-", refused)
    return _(
        "%(host)s refused these recipients, so they did not get the mail: %(refused)s. "
        "Everyone else got it: correct these addresses and send it to them alone.",
        host=host or _("the server"),
        refused=_refused_list(_, refused),
    )


def _refused_list(_, refused):
    reasons = {
        "temporary": _("refused for now"),
        "no_mailbox": _("no such mailbox"),
        "mailbox_full": _("mailbox full"),
        "policy": _("refused by the rules of the server"),
    }
    return ", ".join(
        f"{address} ({reasons[kind]})" if kind in reasons else address
        for address, kind in (
            (address, answers.smtp_kind(reply)) for address, reply in refused.items()
        )
    )


def _message_refused(_, error, facts):
    kind = answers.smtp_kind(error.detail)
    if kind == "temporary":
        return _not_taken_for_now(_, error, facts)
    if kind == "too_large":
        return _too_large(_, error, facts)
    if kind == "mailbox_full":
        return (
            _("the mailbox of a recipient is full, so nobody got the mail."),
            _("Contact the recipient another way, or send it again later."),
        )
    if kind == "policy":
        return (
            _(
                "%(host)s refused the mail by its rules (it may look like spam to the "
                "server), so nobody got it.",
                host=facts.host,
            ),
            _("Change the mail (fewer links or attachments), or reach the recipient another way."),
        )
    return (
        _("%(host)s refused the mail, so nobody got it.", host=facts.host),
        _("Ask your administrator, who finds the server's answer in Odoo's server log."),
    )


def _not_taken_for_now(_, error, facts):
    return (
        _("%(host)s cannot take the mail just now, so nobody got it.", host=facts.host),
        _("Send it again later."),
    )


def _sendmail(_, error, facts):
    return (
        _("the sendmail program of the Odoo server did not take the mail, so nobody got it."),
        _("Ask your administrator, who finds the program's message in Odoo's server log."),
    )


def _delivery_uncertain(_, error, facts):
    # Never "try again": the mail may have reached the recipients.
    return (
        _(
            "the connection to %(host)s broke off after the mail was handed over, before the "
            "server confirmed it: it may have been sent.",
            host=facts.host,
        ),
        _("Ask the recipients whether it arrived before you send it again."),
    )


def _reply(detail):
    """The server's reply in a SenderRefusedError's detail ("address: 550 5.7.1 ...")."""
    return (detail or "").rpartition(": ")[2]


ERROR_TEXTS = {
    mail_errors.MailServiceError: _server_error,
    mail_errors.InvalidInputError: _invalid_input,
    mail_errors.FolderChangeRefusedError: _folder_change_refused,
    mail_errors.ConnectionFailedError: _connection_failed,
    mail_errors.HostNotFoundError: _host_not_found,
    mail_errors.ConnectionRefusedByServerError: _connection_refused,
    mail_errors.ConnectionTimeoutError: _connection_timeout,
    mail_errors.ForbiddenHostError: _forbidden_host,
    mail_errors.TlsError: _tls_failed,
    mail_errors.CertificateError: _certificate,
    mail_errors.TlsNotOfferedError: _tls_not_offered,
    mail_errors.AuthenticationError: _authentication,
    mail_errors.AuthorizationExpiredError: _authorization_expired,
    mail_errors.AuthMethodRefusedError: _auth_method_refused,
    mail_errors.NonAsciiCredentialsError: _non_ascii_credentials,
    mail_errors.ProtocolError: _protocol,
    mail_errors.MessageNotFoundError: _message_not_found,
    mail_errors.FolderNotFoundError: _folder_not_found,
    mail_errors.NoTrashFolderError: _no_trash_folder,
    mail_errors.OthersMarkedDeletedError: _others_marked_deleted,
    mail_errors.PoolExhaustedError: _pool_exhausted,
    mail_errors.LimitExceededError: _limit_exceeded,
    mail_errors.MessageTooLargeError: _too_large,
    mail_errors.SenderRefusedError: _sender_refused,
    mail_errors.RecipientsRefusedError: _recipients_refused,
    mail_errors.MessageRefusedError: _message_refused,
    mail_errors.SendmailError: _sendmail,
    mail_errors.DeliveryUncertainError: _delivery_uncertain,
    mail_errors.UidValidityChangedError: _folder_renumbered,
}
