import dataclasses
import logging
import os
import secrets
import time
from typing import NamedTuple
from urllib.parse import urlsplit

import requests

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.tools import SQL, consteq, misc

from ..roles import errors
from ..roles.assigner import Assigner
from ..roles.composer import Composer, drop_stale_uploads, signature_picture_ids
from ..roles.context import ContextPane
from ..roles.creator import Creator
from ..roles.filer import Filer
from ..roles.mailbox import Mailbox
from ..roles.snoozer import Snoozer
from ..roles.team import Team, team_members
from ..services import addresses, headers, imap, limits, smtp
from ..services import exceptions as mail_errors
from ..services import pool as imap_pool
from ..services.config import ImapSettings, Security, SmtpSettings
from ..services.credentials import CredentialBox, CredentialKeyError

_logger = logging.getLogger(__name__)

IMAP_SSL_PORT = 993
IMAP_PLAIN_PORT = 143
SMTP_DEFAULT_PORT = 465
# Fields whose change means the stored connection must be tested again before saving.
IMAP_FIELDS = {
    "imap_host",
    "imap_port",
    "imap_ssl",
    "imap_allow_insecure",
    "imap_user",
    "imap_password",
    "ca_certificate",
}
SMTP_FIELDS = {
    "smtp_method",
    "smtp_host",
    "smtp_port",
    "smtp_encryption",
    "smtp_auth",
    "smtp_user",
    "smtp_password",
    "ca_certificate",
}
# Fields that end up in a protocol line or a mail header: CR, LF and NUL are refused.
WIRE_FIELDS = (
    "name",
    "email",
    "imap_host",
    "imap_user",
    "smtp_host",
    "smtp_user",
    "sender_name",
    "sent_folder",
    "team_archive_folder",
    "drafts_folder",
)
# Fields that say where a stored password goes: changing one sends that password to another
# server (or in clear text) at the next login, so the same write must enter it again.
IMAP_REDIRECT_FIELDS = {
    "imap_host",
    "imap_port",
    "imap_ssl",
    "imap_allow_insecure",
    "imap_user",
    "ca_certificate",
}
SMTP_REDIRECT_FIELDS = {
    "smtp_method",
    "smtp_host",
    "smtp_port",
    "smtp_encryption",
    "smtp_user",
    "ca_certificate",
}
OWNER_FIELDS = ("user_id", "group_id")
# Stored computed fields without an inverse: what a create or write says of them is dropped.
COMPUTED_ONLY = ("account_type",)
# Skipping the connection test on save is for server code (tests, scripts): an RPC's context
# is JSON from the browser and can hold any key, but never this object.
_SKIP_CONNECTION_TEST = object()
# The same for the grant of a token login: a provider module's token fields show it only
# in this context (see _showing_grant), which no RPC can set either.
SHOW_GRANT = "dynaoffice_mail_show_grant"
_SHOW_GRANT = object()
PASSWORD_COLUMNS = {"imap_password": "imap_password_crypt", "smtp_password": "smtp_password_crypt"}
# Ways of sending whose server cannot tell who sends: personal accounts use them only where
# an administrator switched them on (system parameters), and their sender must pass the
# administrator's list of sender domains (see _check_sending_allowed).
PERSONAL_SENDING_SWITCHES = {
    "mail": "dynaoffice_mail.personal_odoo_mail",
    "sendmail": "dynaoffice_mail.personal_sendmail",
    "smtp_without_login": "dynaoffice_mail.personal_smtp_without_auth",
}
SENDER_DOMAINS_PARAM = "dynaoffice_mail.sender_domains"
# Where the account's dialog was opened (a context key set by the actions that open it), so
# that saving or deleting returns there: "preferences" (the user's own Preferences, which the
# dialog replaced) or "dialog" (over a form that reloads when the dialog closes: a group's).
# It only chooses where to go next; nothing is allowed or refused by it.
OPENED_FROM = "dynaoffice_mail_opened_from"
# Accounts that log in by token (OAuth2, see the bridges) keep their grant here, encrypted
# like the passwords, in a table of its own that no model maps: no RPC, search or export
# reaches it, and it is written on a cursor of its own (see _store_authorization).
AUTHORIZATION_TABLE = "dynaoffice_mail_account_authorization"
# The grants a transaction committed on cursors of their own (_store_authorization), by
# account, in its cursor's cache: its own snapshot (REPEATABLE READ) still shows the grant as
# it was when the transaction began, and a login must use the token it has just renewed.
GRANTS_COMMITTED = "dynaoffice_mail_grants_committed"
# An access token is renewed this many seconds before it expires: a login, and a connection
# opened with it, must not start with a token about to run out.
TOKEN_RENEWAL_MARGIN = 120
# A provider's `state` (a "Connect" clicked) is good for this many seconds, once, in the Odoo
# session that clicked: a link that leaked (history, a proxy's log, a Referer) must not let
# anybody finish a connection later, e.g. one to a mailbox of theirs in the user's name.
AUTHORIZATION_STATE_LIFETIME = 30 * 60
# The states the session has started and not yet used, {nonce: issued at}, in its data.
AUTHORIZATION_STATES = "dynaoffice_mail_authorization_states"
# The most of them a session keeps (a "Connect" clicked again and again).
AUTHORIZATION_STATES_KEPT = 10


class Authorization(NamedTuple):
    """An account's grant, decrypted: what the bridges' token logins work with. `ended`: there
    was one, and the provider refused to renew it (_end_authorization); none was ever given
    otherwise."""

    refresh_token: str = ""
    access_token: str = ""
    expires_at: int = 0
    ended: bool = False


class GrantRefusedError(UserError):
    """The provider refused to renew a grant for good (its token endpoint answered
    `invalid_grant`: revoked, expired, or the user disabled): see _request_renewal."""


class DynaofficeMailAccount(models.Model):
    """An IMAP/SMTP mailbox, owned by one user (personal) or by one group (group account)."""

    _name = "dynaoffice.mail.account"
    _description = "Mail Account"
    _inherit = ["dynaoffice.mail.client"]
    _order = "sequence, name, id"

    _sql_constraints = [
        (
            "owner_user_xor_group",
            "CHECK ((user_id IS NULL) != (group_id IS NULL))",
            "A mail account belongs either to one user or to one group.",
        ),
    ]

    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    # Tab "Account Data" (Kontodaten)
    server_type = fields.Selection(
        [("dynamail", "dynaMAIL"), ("imap", "Standard (IMAP)")],
        required=True,
        default="imap",
        help="Choose dynaMAIL if you use the dynaMAIL business mail hosting; otherwise "
        "Standard (IMAP).",
    )
    preset_id = fields.Many2one(
        "dynaoffice.mail.server.preset",
        ondelete="restrict",
        default=lambda self: self.env.ref(
            "dynaoffice_mail.dynaoffice_mail_server_preset_dynamail", raise_if_not_found=False
        ),
    )
    email = fields.Char(string="Email Address", required=True)
    name = fields.Char(
        string="Account Name",
        required=True,
        help="Shown in the account list of the mail client.",
    )
    user_id = fields.Many2one("res.users", index=True, ondelete="cascade")
    group_id = fields.Many2one("res.groups", index=True, ondelete="cascade")
    account_type = fields.Selection(
        [("personal", "Personal"), ("group", "Group")],
        compute="_compute_account_type",
        store=True,
    )
    # Tab "Receive" (Empfangen)
    imap_host = fields.Char(string="IMAP Host")
    imap_ssl = fields.Boolean(string="IMAP SSL", default=True)
    imap_port = fields.Integer(string="IMAP Port", default=IMAP_SSL_PORT)
    imap_allow_insecure = fields.Boolean(
        string="Allow unencrypted connection",
        help="Without SSL the connection is still encrypted with STARTTLS. Only tick this if "
        "the server offers no encryption at all: user name, password and all mail then travel "
        "in clear text.",
    )
    imap_user = fields.Char(string="IMAP User Name")
    imap_password = fields.Char(
        string="IMAP Password", compute="_compute_passwords", inverse="_inverse_imap_password"
    )
    imap_password_set = fields.Boolean(compute="_compute_password_set")
    # Tab "Send" (Senden)
    smtp_method = fields.Selection(
        [("smtp", "SMTP"), ("mail", "Mail"), ("sendmail", "Sendmail")],
        string="Sending Method",
        required=True,
        default="smtp",
        help="SMTP: this account's own server. Mail: the outgoing mail servers your "
        "administrator set up in Odoo. Sendmail: the sendmail program on the Odoo server.",
    )
    smtp_host = fields.Char(string="SMTP Host")
    smtp_port = fields.Integer(string="SMTP Port", default=SMTP_DEFAULT_PORT)
    smtp_encryption = fields.Selection(
        [("tls", "TLS"), ("ssl", "SSL"), ("none", "None")],
        string="Encryption",
        required=True,
        default="tls",
        help="TLS: encrypted from the start on port 465, with STARTTLS on any other port "
        "(required, never skipped). SSL: encrypted from the start on any port. "
        "None: no encryption.",
    )
    smtp_auth = fields.Boolean(string="Authentication", default=True)
    smtp_user = fields.Char(string="SMTP User Name")
    smtp_password = fields.Char(
        string="SMTP Password", compute="_compute_passwords", inverse="_inverse_smtp_password"
    )
    smtp_password_set = fields.Boolean(compute="_compute_password_set")
    sender_name = fields.Char(
        compute="_compute_sender_name",
        store=True,
        readonly=False,
        help="The name recipients see as the sender.",
    )
    sender_names_member = fields.Boolean(
        string="Reply with the member's name",
        help="Mail from this group mailbox names the member who writes it beside the "
        'mailbox\'s name: "Anna Schäfer (Vertrieb)" <vertrieb@...>.',
    )
    # Tab "Options" (Optionen)
    delete_mode = fields.Selection(
        [
            ("trash", "Move to Trash"),
            ("flag", "Mark as deleted"),
            ("expunge", "Delete immediately"),
        ],
        string="Deleting",
        required=True,
        default="trash",
    )
    signature = fields.Html(sanitize=True)
    sent_folder = fields.Char(
        string="Folder for sent mail",
        help="Where copies of sent mail are kept. Empty: the server's Sent folder.",
    )
    drafts_folder = fields.Char(
        string="Folder for drafts",
        help="Where drafts are saved. Empty: the server's Drafts folder.",
    )
    # The team inbox of a group mailbox (roles/team.py)
    team_answer_days = fields.Integer(
        string="Days to answer",
        default=1,
        help="Working days (Monday to Friday) the assignee has to answer a mail assigned to "
        'them: the deadline of their activity "Answer this mail".',
    )
    team_done_archive = fields.Boolean(
        string="Archive done mail",
        help="Mail set to done moves to the archive folder.",
    )
    team_archive_folder = fields.Char(
        string="Archive folder",
        help="Where done mail goes. Empty: the server's Archive folder.",
    )
    team_responsible_id = fields.Many2one(
        "res.users",
        string="Responsible",
        ondelete="set null",
        help="Gets an activity for mail that stays open longer than the hours below. "
        "Empty: no escalation.",
    )
    team_escalate_hours = fields.Integer(
        string="Escalate after (hours)",
        default=24,
        help="Hours a mail may stay open before the responsible is told.",
    )
    # Round robin (automation): the member who was assigned mail last.
    team_last_assignee_id = fields.Many2one("res.users", readonly=True, ondelete="set null")
    ca_certificate = fields.Text(
        string="CA Certificate (PEM)",
        help="For a server whose certificate is signed by your company's own certificate "
        "authority: paste that CA certificate here. The server's certificate is then checked "
        "against this CA only.",
    )
    can_use = fields.Boolean(compute="_compute_can_use")
    can_test_connection = fields.Boolean(compute="_compute_can_manage")
    can_delete = fields.Boolean(compute="_compute_can_manage")
    # Logs in by token (a bridge's server type): the form shows no password fields.
    login_by_token = fields.Boolean(compute="_compute_login_by_token")
    # Whether the token login has a grant: the form offers to connect the account.
    authorization_missing = fields.Boolean(compute="_compute_login_by_token")
    # Whether the provider refused to renew it: the form asks to reconnect the account.
    authorization_ended = fields.Boolean(compute="_compute_login_by_token")
    # The form's memory, never stored: tab "Send" takes the user name and password typed on
    # tab "Receive" until the user types other ones there (see _onchange_imap_login).
    smtp_follows_imap = fields.Boolean(
        string="Sending uses the receiving login",
        compute="_compute_smtp_follows_imap",
        default=True,
    )
    # The form's memory, never stored: the address the form's suggestions (hosts, user
    # names, account name) were made from, so that correcting it corrects them too, also
    # before the account is saved (see _onchange_email).
    suggested_from_email = fields.Char(
        string="Address of the suggestions", compute="_compute_suggested_from_email"
    )
    # What tab "Send" offers; the constraint _check_sending_way refuses the rest.
    available_smtp_methods = fields.Json(
        string="Available Sending Methods", compute="_compute_available_smtp_methods"
    )
    smtp_auth_optional = fields.Boolean(
        string="Sending Without Authentication Allowed",
        compute="_compute_available_smtp_methods",
    )

    # -- computes -------------------------------------------------------------------------

    @api.depends("user_id", "group_id")
    def _compute_account_type(self):
        for account in self:
            account.account_type = "group" if account.group_id else "personal"

    def _compute_passwords(self):
        # Write-only: no read, search or export ever returns a password.
        for account in self:
            account.imap_password = False
            account.smtp_password = False

    def _compute_password_set(self):
        stored = self._read_password_tokens()
        for account in self:
            tokens = stored.get(account.id, {})
            account.imap_password_set = bool(tokens.get("imap_password_crypt"))
            account.smtp_password_set = bool(tokens.get("smtp_password_crypt"))

    @api.depends("user_id.name", "group_id.name")
    def _compute_sender_name(self):
        for account in self:
            if not account.sender_name:
                account.sender_name = account.user_id.name or account.group_id.name or False

    @api.depends_context("uid")
    @api.depends("user_id", "group_id", "active")
    def _compute_can_use(self):
        for account in self:
            account.can_use = account._is_usable_by(self.env.user)

    @api.depends_context("uid")
    @api.depends("user_id", "group_id")
    def _compute_can_manage(self):
        for account in self:
            # The saved record (a form's onchange works on a copy); none for a new one.
            record = account._origin
            account.can_test_connection = bool(record) and record._may_test_connection()
            account.can_delete = bool(record) and record.has_access("unlink")

    @api.depends("server_type")
    def _compute_login_by_token(self):
        for account in self:
            account.login_by_token = account._login_by_token()
            # A new record (the form's copy) has no grant yet.
            record = account._origin
            account.authorization_missing = account.login_by_token and (
                not record or record._authorization_missing()
            )
            account.authorization_ended = bool(
                account.authorization_missing and record and record._authorization().ended
            )

    def _compute_smtp_follows_imap(self):
        # No dependencies on purpose: the form keeps the value and sends it back; it changes
        # only in the onchanges below. New records start following (the default).
        for account in self:
            account.smtp_follows_imap = (account.smtp_user or False) == (account.imap_user or False)

    def _compute_suggested_from_email(self):
        # No dependencies on purpose (as _compute_smtp_follows_imap): the saved address,
        # then what _onchange_email made its suggestions from.
        for account in self:
            account.suggested_from_email = account._origin.email

    @api.depends("user_id", "group_id")
    def _compute_available_smtp_methods(self):
        methods = [method for method, _label in self._fields["smtp_method"].selection]
        for account in self:
            ways = account._allowed_sending_ways()
            account.available_smtp_methods = [method for method in methods if method in ways]
            account.smtp_auth_optional = "smtp_without_login" in ways

    # -- constraints ------------------------------------------------------------------------

    @api.constrains(*WIRE_FIELDS)
    def _check_wire_safe(self):
        # Every line break the mail's headers refuse (Unicode's too): saved, the account
        # could send nothing.
        for account in self:
            for field_name in WIRE_FIELDS:
                value = account[field_name] or ""
                if any(char in addresses.LINE_BREAKS for char in value):
                    raise ValidationError(
                        self.env._(
                            "%(field)s must not contain line breaks.",
                            field=self._fields[field_name].get_description(self.env)["string"],
                        )
                    )

    @api.constrains("email")
    def _check_email(self):
        # Odoo's check, then the one every mail's From must pass (services/addresses.py).
        for account in self:
            email = (account.email or "").strip()
            invalid = ValidationError(
                self.env._("%(email)s is not a valid e-mail address.", email=account.email)
            )
            if tools.email_normalize(email, strict=True) != email.lower():
                raise invalid
            if not email.partition("@")[0].isascii():
                raise ValidationError(
                    self.env._(
                        "No mail can be sent from %(email)s: letters other than ASCII before "
                        "the @ are not supported.",
                        email=account.email,
                    )
                )
            try:
                addresses.check_address(email, email)
            except mail_errors.InvalidInputError:
                raise invalid from None

    @api.constrains("sender_name")
    def _check_sender_name(self):
        for account in self:
            if len(account.sender_name or "") > limits.MAX_NAME_LENGTH:
                raise ValidationError(
                    self.env._(
                        "The sender name is longer than %(limit)s characters.",
                        limit=limits.MAX_NAME_LENGTH,
                    )
                )

    @api.constrains("imap_port", "smtp_port")
    def _check_ports(self):
        for account in self:
            for port in (account.imap_port, account.smtp_port):
                if not 0 < port < 65536:
                    raise ValidationError(self.env._("Ports are numbers from 1 to 65535."))

    @api.constrains("team_responsible_id", "group_id")
    def _check_team_responsible(self):
        # The responsible's activity names the mail (its subject): for members only, who
        # may read it; a mail administrator may change the account, never read its mail.
        for account in self:
            responsible = account.team_responsible_id
            if responsible and responsible not in team_members(account):
                raise ValidationError(
                    self.env._(
                        "The responsible of %(account)s must be a member of its group.",
                        account=account.name,
                    )
                )

    @api.constrains("smtp_method", "smtp_auth", "user_id", "group_id")
    def _check_sending_way(self):
        # A constraint, not only the connection test: it holds for server code as well.
        for account in self:
            refusal = account._sending_way_refusal()
            if refusal:
                raise ValidationError(refusal)

    # -- onchanges (the form's suggestions) ------------------------------------------------

    @api.onchange("email")
    def _onchange_email(self):
        email = (self.email or "").strip()
        domain = email.rpartition("@")[2]
        if not domain:
            return
        # A new account has no saved address: what the suggestions were made from.
        previous = self.suggested_from_email or self._origin.email or ""
        previous_domain = previous.rpartition("@")[2]
        if self.server_type == "imap":
            if not self.imap_host or self.imap_host == f"imap.{previous_domain}":
                self.imap_host = f"imap.{domain}"
            if not self.smtp_host or self.smtp_host == f"smtp.{previous_domain}":
                self.smtp_host = f"smtp.{domain}"
        if not self.imap_user or self.imap_user == previous:
            self.imap_user = email
        if not self.smtp_user or self.smtp_user == previous:
            self.smtp_user = email
        if not self.name or self.name == previous:
            self.name = email
        self.suggested_from_email = email

    @api.onchange("server_type", "preset_id")
    def _onchange_server_type(self):
        preset = self.preset_id
        if self.server_type == "dynamail" and preset:
            self.imap_host = preset.imap_host
            self.imap_ssl = preset.imap_ssl
            self.imap_port = preset.imap_port
            self.smtp_method = "smtp"
            self.smtp_host = preset.smtp_host
            self.smtp_port = preset.smtp_port
            self.smtp_encryption = preset.smtp_encryption
            self.ca_certificate = preset.ca_certificate
        elif self.server_type == "imap" and preset:
            # Back from dynaMAIL (the first choice, easily picked by mistake): what the
            # preset filled in goes, the suggestions from the address come back; what the
            # user typed stays. Its CA certificate would fail every other server's.
            domain = (self.email or "").strip().rpartition("@")[2]
            if self.imap_host == preset.imap_host:
                self.imap_host = f"imap.{domain}" if domain else False
            if self.smtp_host == preset.smtp_host:
                self.smtp_host = f"smtp.{domain}" if domain else False
            if self.ca_certificate and self.ca_certificate == preset.ca_certificate:
                self.ca_certificate = False

    @api.onchange("imap_ssl")
    def _onchange_imap_ssl(self):
        # Only the standard ports follow the switch; a port the user typed stays.
        if self.imap_ssl and self.imap_port == IMAP_PLAIN_PORT:
            self.imap_port = IMAP_SSL_PORT
        elif not self.imap_ssl and self.imap_port == IMAP_SSL_PORT:
            self.imap_port = IMAP_PLAIN_PORT
        if self.imap_ssl:
            self.imap_allow_insecure = False

    @api.onchange("imap_user", "imap_password", "smtp_method", "smtp_auth")
    def _onchange_imap_login(self):
        """Tab "Send" takes the user name and password of tab "Receive" until the user types
        other ones there. Only what was typed in this form is copied: the stored passwords
        are write-only and never read here, so this works before saving, not afterwards
        (an empty password field keeps the stored password)."""
        if not self.smtp_follows_imap:
            return
        self.smtp_user = self.imap_user
        # Only a way of sending that logs in keeps a copy of the password.
        logs_in = self.smtp_method == "smtp" and self.smtp_auth
        self.smtp_password = self.imap_password if logs_in else False

    @api.onchange("smtp_user", "smtp_password")
    def _onchange_smtp_login(self):
        # Typed on tab "Send" (or copied there above): it follows while it agrees.
        self.smtp_follows_imap = (self.smtp_user or False) == (self.imap_user or False) and (
            not self.smtp_password or self.smtp_password == self.imap_password
        )

    # -- CRUD ---------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # The type follows the owner; a value sent along would be stored as it is.
        vals_list = [_without(vals, COMPUTED_ONLY) for vals in vals_list]
        accounts = super().create(vals_list)
        accounts._adopt_signature_pictures()
        accounts._test_connection_on_save()
        return accounts

    def write(self, vals):
        vals = _without(vals, COMPUTED_ONLY)
        if not self.env.su:
            self._check_owner_unchanged(vals)
            self._check_password_follows_server(vals)
        self._forget_grant_on_redirect(vals)
        result = super().write(vals)
        if not self.env.su:
            # Odoo checks record rules before a write only: the accounts must still be the
            # writer's to change afterwards (no write turns one into somebody else's).
            self.check_access("write")
        if "signature" in vals:
            self._adopt_signature_pictures()
        changed = set(vals)
        if changed & (IMAP_FIELDS | SMTP_FIELDS | {"email"}):
            self._test_connection_on_save(
                imap=bool(changed & IMAP_FIELDS), smtp=bool(changed & (SMTP_FIELDS | {"email"}))
            )
        if changed & IMAP_FIELDS:
            # Connections logged in with the old settings are of no use any more.
            for account in self:
                imap_pool.POOL.clear(account._pool_key())
            # Nor are push's, which stay in IDLE for up to 25 minutes: their watches end
            # (in every process, at its dispatcher's next scan) and the clients' next
            # heartbeats watch again with the new settings. sudo: the table of watches is
            # the deployment's bookkeeping, closed to users; this write passed its checks.
            self.env["dynaoffice.mail.watch"].sudo()._forget_accounts(self)
        return result

    def unlink(self):
        # Push's connections too: a watcher in IDLE ends as its watch goes (the database's
        # cascade) and would give its connection, still logged in, back to the pool.
        keys = [key for account in self for key in (account._pool_key(), account._idle_pool_key())]
        ids = tuple(self.ids)
        # The outbox's entries through the ORM: the database's cascade would leave the mail
        # they kept (a Sent copy still to file) behind as attachments. sudo: the addon
        # writes the outbox; whoever deletes the account deletes its entries anyway.
        self.env["dynaoffice.mail.outbox"].sudo().search([("account_id", "in", ids)]).unlink()
        result = super().unlink()
        if ids:
            # The grants of the deleted accounts (no foreign key to cascade, see init).
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE account_id IN %s",
                    SQL.identifier(AUTHORIZATION_TABLE),
                    ids,
                )
            )
            self._forget_committed_grants()
        for key in keys:
            imap_pool.POOL.clear(key)
        return result

    @api.model
    def _search(self, domain, *args, **kwargs):
        # Nobody searches by password: the fields are write-only.
        for leaf in domain or ():
            if isinstance(leaf, list | tuple) and leaf and leaf[0] in PASSWORD_COLUMNS:
                raise AccessError(self.env._("Passwords cannot be searched."))
        return super()._search(domain, *args, **kwargs)

    def init(self):
        # The encrypted passwords are plain columns, not fields: the ORM never reads or
        # exports them, so no RPC answer can contain them (as res.users does with passwords).
        for column in PASSWORD_COLUMNS.values():
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s varchar",
                    SQL.identifier(self._table),
                    SQL.identifier(column),
                )
            )
        # No foreign key: rows are written on a cursor of their own, which must not wait for
        # (or fail on) an account created in the request's still open transaction.
        self.env.cr.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS %s (account_id integer PRIMARY KEY, "
                "refresh_token_crypt varchar, access_token_crypt varchar, expires_at bigint)",
                SQL.identifier(AUTHORIZATION_TABLE),
            )
        )

    # -- actions ------------------------------------------------------------------------------

    def action_test_connection(self):
        """Log in and list the folders (IMAP), log in (SMTP): no mail is read or shown. Users
        of the mailbox may run it, and for a group account also those who manage it
        (mail administrators); see _may_test_connection."""
        self.ensure_one()
        if not self._may_test_connection():
            self._check_usable()  # raises, saying who may
        self._test_connection()
        return _notification(
            "success",
            self.env._("Connection successful"),
            self.env._("Receiving and sending work for %(account)s.", account=self.name),
            sticky=False,
        )

    def action_save_account(self):
        """The form's "Save"; saving already tested the connection. Back where the dialog
        was opened: the Preferences' tab "E-Mail", or the form below the dialog."""
        self.ensure_one()
        if self.env.context.get(OPENED_FROM) == "preferences":
            back = self._action_preferences_mail_tab()
        else:
            back = {"type": "ir.actions.act_window_close"}
        if self._authorization_missing():
            # Saved untested: a login by token is tested once it is connected.
            return _notification(
                "warning",
                self.env._("Not connected yet"),
                self.env._(
                    "%(account)s was saved. Connect it to its provider to use it.",
                    account=self.name,
                ),
                next=back,
            )
        return _notification(
            "success",
            self.env._("Connection successful"),
            self.env._("The connection was tested and %(account)s is ready.", account=self.name),
            next=back,
        )

    def action_delete_account(self):
        """The seed's "Konto löschen": Odoo forgets the account (settings, passwords, message
        handles), the mail stays on the server. Who may: the record rules' unlink (owners
        their personal accounts, mail administrators every account)."""
        self.ensure_one()
        self.check_access("unlink")
        name = self.name
        opened_from = self.env.context.get(OPENED_FROM)
        self.unlink()
        if opened_from == "preferences":
            back = self._action_preferences_mail_tab()
        elif opened_from == "dialog":
            # The group's form below the dialog (or below the list's row) reloads on close.
            back = {"type": "ir.actions.act_window_close"}
        else:
            # A form of its own (Mailboxes): its record is gone, back to the list.
            back = dict(
                self.env["ir.actions.actions"]._for_xml_id(
                    "dynaoffice_mail.dynaoffice_mail_account_action"
                ),
                target="main",
            )
        return _notification(
            "success",
            self.env._("Account deleted"),
            self.env._("%(account)s was deleted. The mail stays on the server.", account=name),
            next=back,
        )

    def action_open_mailbox(self):
        """The seed's "zum Postfach": open the mail client on this account."""
        self.ensure_one()
        self._check_usable()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "dynaoffice_mail.dynaoffice_mail_client_action"
        )
        action["params"] = {"account_id": self.id}
        return action

    def action_open_form(self):
        """The account's form in a dialog, from the lists of the Preferences and of a group
        (whose "Edit" buttons say which in the context)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("E-mail account %(account)s", account=self.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {OPENED_FROM: self.env.context.get(OPENED_FROM) or "dialog"},
        }

    # -- private ------------------------------------------------------------------------------

    @api.model
    def _action_new_account(self, user=None, group=None):
        """The setup form in a dialog, for a personal (user) or a group account."""
        if user is not None and user != self.env.user:
            raise AccessError(self.env._("You can only add mail accounts for yourself."))
        if user:
            context = {"default_user_id": user.id, OPENED_FROM: "preferences"}
        else:
            context = {"default_group_id": group.id, OPENED_FROM: "dialog"}
        owner = user or group
        context["default_sender_name"] = owner.name
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New e-mail account"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": context,
        }

    def _action_preferences_mail_tab(self):
        """The user's own Preferences, on the tab "E-Mail". An account's dialog opened from
        there replaced them (Odoo shows one dialog at a time), so saving or deleting
        returns here."""
        view = self.env.ref("dynaoffice_mail.res_users_view_form_preferences_mail")
        action = self.env["res.users"].action_get()
        action.update(res_id=self.env.uid, views=[(view.id, "form")])
        return action

    def _adopt_signature_pictures(self):
        """The pictures the form's editor uploaded for the signature become the account's.
        Uploaded before the account was saved, they belong to no record (like the
        composer's uploads, which are dropped after two days) and only their uploader may
        see them; the account's are kept as long as it, seen by all its users, and sent
        along with the signature (Composer._signature_pictures). Only the writer's own
        uploads are taken, never somebody else's file a link in the signature names."""
        for account in self:
            picture_ids = signature_picture_ids(account.signature)
            if not picture_ids:
                continue
            pictures = self.env["ir.attachment"].search(
                [
                    ("id", "in", sorted(picture_ids)),
                    ("res_model", "=", self._name),
                    ("res_id", "=", 0),
                    ("create_uid", "=", self.env.uid),
                ]
            )
            pictures.write({"res_id": account.id})

    def _check_owner_unchanged(self, vals):
        """Who owns an account is decided when it is created, by whoever may create it."""
        for field_name in OWNER_FIELDS:
            if field_name not in vals:
                continue
            new = self.env[self._fields[field_name].comodel_name].browse(vals[field_name] or ())
            if any(account[field_name] != new for account in self):
                raise AccessError(
                    self.env._(
                        "The owner of a mail account cannot be changed. Delete the account "
                        "and set it up again for its new owner."
                    )
                )

    def _check_password_follows_server(self, vals):
        """A stored password goes only where it was entered for (see *_REDIRECT_FIELDS)."""
        if not (IMAP_REDIRECT_FIELDS | SMTP_REDIRECT_FIELDS) & set(vals):
            return  # most writes (name, signature, options) say nothing of servers
        stored = self._read_password_tokens()
        for fields_changed, password_field in (
            (IMAP_REDIRECT_FIELDS, "imap_password"),
            (SMTP_REDIRECT_FIELDS, "smtp_password"),
        ):
            if vals.get(password_field) or not fields_changed & set(vals):
                continue
            column = PASSWORD_COLUMNS[password_field]
            for account in self:
                if not stored.get(account.id, {}).get(column):
                    continue  # nothing stored, nothing to send elsewhere
                if all(
                    account[name] == _as_record_value(account, name, vals[name])
                    for name in fields_changed & set(vals)
                ):
                    continue
                if password_field == "imap_password":
                    message = self.env._(
                        "Receiving (IMAP): enter the password again to change the server, "
                        "port, encryption, user name or CA certificate of %(account)s.",
                        account=account.name,
                    )
                else:
                    message = self.env._(
                        "Sending (SMTP): enter the password again to change the sending "
                        "method, server, port, encryption, user name or CA certificate of "
                        "%(account)s.",
                        account=account.name,
                    )
                raise AccessError(message)

    def _forget_grant_on_redirect(self, vals):
        """A grant (login by token) goes only where it was given for, like a password: a
        write that changes where the account connects (*_REDIRECT_FIELDS) forgets it, and
        the account must be connected again, so that no token is ever sent to a server the
        writer chose. In the request's transaction: a write that fails forgets nothing."""
        changed = (IMAP_REDIRECT_FIELDS | SMTP_REDIRECT_FIELDS) & set(vals)
        if not changed:
            return
        for account in self:
            if not account._authorization().refresh_token:
                continue
            if all(
                account[name] == _as_record_value(account, name, vals[name]) for name in changed
            ):
                continue
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE account_id = %s",
                    SQL.identifier(AUTHORIZATION_TABLE),
                    account.id,
                )
            )
            account._forget_committed_grants()
            imap_pool.POOL.clear(account._pool_key())
            account.invalidate_recordset(["authorization_missing"])

    def _is_usable_by(self, user):
        self.ensure_one()
        # Archived, an account is used by nobody, not even by the crons, until restored.
        return self.active and self._belongs_to(user)

    def _belongs_to(self, user):
        """Whether `user` owns the account or is a member of its group."""
        self.ensure_one()
        if self.user_id:
            return self.user_id == user
        return self.group_id in user.groups_id

    def _may_test_connection(self):
        """The connection test logs in with the stored password and lists folders; it returns
        no mail. Users of the mailbox may run it; for a group account also whoever may
        change it (mail administrators, who set it up). A personal account's password goes
        to its server only when its owner asks, never an administrator."""
        self.ensure_one()
        if self._belongs_to(self.env.user):
            return True  # also archived: checked before it is restored
        return bool(self.group_id) and self.has_access("write")

    def _check_usable(self):
        """Only the owner (or a group member) may connect: not even administrators."""
        for account in self:
            if account._is_usable_by(self.env.user):
                continue
            if account._belongs_to(self.env.user):
                raise UserError(
                    self.env._(
                        "The mail account %(account)s is archived: it cannot be used until "
                        "it is restored.",
                        account=account.name,
                    )
                )
            raise AccessError(
                self.env._(
                    "Only the owner or members of its group can use %(account)s.",
                    account=account.name,
                )
            )

    def _credential_box(self):
        key = tools.config.get("dynaoffice_mail_key") or os.environ.get("DYNAOFFICE_MAIL_KEY")
        try:
            return CredentialBox(key)
        except CredentialKeyError as error:
            raise UserError(
                self.env._(
                    "Mail passwords cannot be stored: the administrator has not configured an "
                    "encryption key (dynaoffice_mail_key in the Odoo configuration file)."
                )
            ) from error

    def _inverse_imap_password(self):
        self._store_password("imap_password")

    def _inverse_smtp_password(self):
        self._store_password("smtp_password")

    def _store_password(self, field_name):
        column = PASSWORD_COLUMNS[field_name]
        box = self._credential_box()
        for account in self:
            secret = account[field_name]
            if not secret:
                continue  # an empty field in the form means "keep the stored password"
            if any(char in secret for char in "\r\n\0"):
                raise ValidationError(self.env._("Passwords must not contain line breaks."))
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s = %s WHERE id = %s",
                    SQL.identifier(self._table),
                    SQL.identifier(column),
                    box.encrypt(secret),
                    account.id,
                )
            )
        # Drop the clear text from the cache too, so that nothing reads it back in this
        # transaction (only this field: the other password's inverse may still need its value).
        self.invalidate_recordset([field_name, "imap_password_set", "smtp_password_set"])

    def _read_password_tokens(self):
        if not self.ids:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT id, imap_password_crypt, smtp_password_crypt FROM %s WHERE id IN %s",
                SQL.identifier(self._table),
                tuple(self.ids),
            )
        )
        return {
            row[0]: {"imap_password_crypt": row[1], "smtp_password_crypt": row[2]}
            for row in self.env.cr.fetchall()
        }

    def _decrypted_password(self, field_name):
        self.ensure_one()
        token = self._read_password_tokens().get(self.id, {}).get(PASSWORD_COLUMNS[field_name])
        if not token:
            return ""
        try:
            return self._credential_box().decrypt(token)
        except CredentialKeyError as error:
            raise UserError(
                self.env._(
                    "The stored password of %(account)s cannot be decrypted; the encryption "
                    "key has changed. Enter the password again.",
                    account=self.name,
                )
            ) from error

    def _allow_private_hosts(self):
        # System parameters are readable by administrators only; every user's connection
        # needs this one switch, so it is read with sudo.
        param = (
            self.env["ir.config_parameter"].sudo().get_param("dynaoffice_mail.allow_private_hosts")
        )
        return str(param).lower() in ("1", "true", "yes")

    def _connection_timeout(self):
        # A system parameter (administrators tune it); read with sudo for every user.
        value = self.env["ir.config_parameter"].sudo().get_param("dynaoffice_mail.timeout", "20")
        try:
            return max(1.0, float(value))
        except ValueError:
            return 20.0

    def _imap_settings(self):
        self.ensure_one()
        if self.imap_ssl:
            security = Security.SSL
        elif self.imap_allow_insecure:
            security = Security.NONE
        else:
            security = Security.STARTTLS
        return ImapSettings(
            host=(self.imap_host or "").strip(),
            port=self.imap_port,
            security=security,
            username=self.imap_user or self.email,
            password=self._decrypted_password("imap_password"),
            ca_pem=self.ca_certificate or None,
            timeout=self._connection_timeout(),
            allow_private_hosts=self._allow_private_hosts(),
        )

    def _smtp_settings(self):
        self.ensure_one()
        if self.smtp_encryption == "none":
            security = Security.NONE
        elif self.smtp_encryption == "ssl" or self.smtp_port == SMTP_DEFAULT_PORT:
            security = Security.SSL
        else:
            security = Security.STARTTLS
        return SmtpSettings(
            host=(self.smtp_host or "").strip(),
            port=self.smtp_port,
            security=security,
            username=self.smtp_user or self.email,
            password=self._decrypted_password("smtp_password"),
            ca_pem=self.ca_certificate or None,
            timeout=self._connection_timeout(),
            allow_private_hosts=self._allow_private_hosts(),
            authenticate=self.smtp_auth,
        )

    # -- the roles: what is done with a mailbox, after one access check --------------------

    def _checked_for_use(self):
        """The one access check before anything is done with a mailbox: the account exists
        for this user (record rules) and the user may use it (owner or group member only,
        never an administrator)."""
        self.ensure_one()
        self.check_access("read")
        self._check_usable()
        return self

    def _mailbox(self):
        """Folders, pages, messages, flags and moves (roles/mailbox.py)."""
        return Mailbox(self._checked_for_use())

    def _composer(self):
        """Drafts, sending and the Sent copy (roles/composer.py)."""
        return Composer(self._checked_for_use())

    @api.autovacuum
    def _gc_compose_uploads(self):
        """Files of mail that was neither sent nor discarded (a closed browser tab)."""
        drop_stale_uploads(self.env)

    def _assigner(self):
        """Mail into records' chatter (roles/assigner.py)."""
        return Assigner(self._checked_for_use())

    def _filer(self):
        """Mail into documents (roles/filer.py)."""
        return Filer(self._checked_for_use())

    def _team(self):
        """The team inbox of a group mailbox: assignee, status, notes and who is replying
        (roles/team.py)."""
        return Team(self._checked_for_use())

    def _creator(self):
        """New records from mail (roles/creator.py)."""
        return Creator(self._checked_for_use())

    def _snoozer(self):
        """Snooze and follow-up (roles/snoozer.py)."""
        return Snoozer(self._checked_for_use())

    def _context_pane(self):
        """The customer beside the mail (roles/context.py)."""
        return ContextPane(self._checked_for_use())

    def _from_name(self):
        """The sender's name on mail the user writes from this account: the account's
        sender name, with the member's in front where a group account says so
        ("Anna Schäfer (Vertrieb)")."""
        self.ensure_one()
        name = self.sender_name or ""
        if not (self.group_id and self.sender_names_member):
            return name
        # One line whatever the user's name holds: it goes into the From header.
        member = headers.clean_text(self.env.user.name or "").strip()
        if not member:
            return name
        # The From header takes limits.MAX_NAME_LENGTH characters of a name: a long name of
        # the member's is shortened, never the mailbox's, so that the mail still goes.
        room = limits.MAX_NAME_LENGTH - (len(name) + len(" ()") if name else 0)
        if len(member) > room:
            member = member[: max(room - 1, 0)].rstrip()
            if not member:
                return name
            member += "\N{HORIZONTAL ELLIPSIS}"
        return f"{member} ({name})" if name else member

    # -- the two login seams: OAuth2 logins and tests hook in here ---------------------------
    # Who may connect is decided before: by the role factories above (using a mailbox), by
    # the ORM's write access (the connection test when an account is saved) or by
    # _may_test_connection (the button "Test connection").

    def _get_imap_session(self, settings=None):
        """The one place that turns the account into a connected, logged-in IMAP client."""
        self.ensure_one()
        return self._logged_in(imap.connect, settings or self._imap_settings())

    def _get_smtp_session(self, settings=None):
        """The one place that turns the account into a connected, logged-in SMTP client."""
        self.ensure_one()
        return self._logged_in(smtp.connect, settings or self._smtp_settings())

    def _logged_in(self, connect, settings):
        """`connect(settings)`: by password, or by token where _token_login gives one."""
        by_token = self._token_login(settings.username)
        if by_token is None:
            return connect(settings)
        token_login, provider = by_token
        return self._log_in_with_token(connect, settings, token_login, provider)

    def _pool_key(self):
        return f"{self.env.cr.dbname}/{self.id}"

    def _idle_pool_key(self):
        """The pool key of push's IDLE connections, apart from the requests' ones."""
        return f"{self._pool_key()}/idle"

    # -- logins by token (OAuth2): the generic part; the bridges name the provider ----------

    def _login_by_token(self):
        """Whether this account logs in by token instead of a password (bridges: their
        server types)."""
        self.ensure_one()
        return False

    def _token_login(self, login):
        """For a login by token (bridges: their server types), (token_login, provider) for
        _log_in_with_token, `login` being the user name the server knows; None for a login
        by password."""
        self.ensure_one()

    def _authorization_missing(self):
        """A login by token without a grant: the account must be connected first."""
        self.ensure_one()
        return self._login_by_token() and not self._authorization().refresh_token

    def _reconnect_action(self):
        """The action that (re)connects a login by token at its provider (bridges), or None."""
        self.ensure_one()

    def _may_connect(self):
        """Who may connect a login by token, i.e. give Odoo a grant to the mailbox: the owner
        of a personal account; for a group account whoever may change it (mail
        administrators), never a member alone."""
        self.ensure_one()
        if self.user_id:
            return self.user_id == self.env.user
        return self.has_access("write")

    def _check_may_connect(self):
        if not self._may_connect():
            raise AccessError(
                self.env._(
                    "Only the owner of %(account)s, or for a group account an administrator, "
                    "can connect it.",
                    account=self.name,
                )
            )

    def _consent_page_action(self, configured_field, not_configured, uri_field):
        """The form's "Connect your ... account" (bridges): the provider's consent page, from
        the module's computed `uri_field`, for whoever may connect (_check_may_connect);
        `not_configured` is said when the module's `configured_field` says the administrator
        has not set it up."""
        self.ensure_one()
        self._check_may_connect()
        if not self[configured_field]:
            raise UserError(not_configured)
        # Computed once per record otherwise, while the state it holds names the user.
        self.invalidate_recordset([uri_field])
        return {"type": "ir.actions.act_url", "url": self[uri_field], "target": "self"}

    def _authorization_state_token(self, scope):
        """The CSRF part of the provider's `state`: bound to this account, to the user who
        starts the flow and to the time, and good once in this Odoo session (a nonce kept in
        it), so that nobody else, nor a leaked link later, can complete it."""
        self.ensure_one()
        issued = int(time.time())
        nonce = secrets.token_urlsafe(12)
        if request:
            started = {
                key: at
                for key, at in (request.session.get(AUTHORIZATION_STATES) or {}).items()
                if at > issued - AUTHORIZATION_STATE_LIFETIME
            }
            started[nonce] = issued
            kept = sorted(started.items(), key=lambda item: item[1])[-AUTHORIZATION_STATES_KEPT:]
            request.session[AUTHORIZATION_STATES] = dict(kept)
        return f"{issued}.{nonce}.{self._authorization_state_mac(scope, issued, nonce)}"

    def _authorization_state_mac(self, scope, issued, nonce):
        return misc.hmac(
            self.env(su=True), scope, (self._name, self.id, self.env.uid, issued, nonce)
        )

    def _authorization_state_check(self, scope, token):
        """What `token` (from _authorization_state_token) is: "valid" when it may complete
        the flow (then used up: its nonce is dropped); "expired" when it is this account's
        and the current user's but its time is over, or this session has not started it or
        has used it already; "refused" when it is not theirs (forged, another's)."""
        self.ensure_one()
        issued, _dot, rest = (token or "").partition(".")
        nonce, _dot, mac = rest.partition(".")
        if not issued.isdigit() or not nonce or not mac:
            return "refused"
        if not consteq(mac, self._authorization_state_mac(scope, int(issued), nonce)):
            return "refused"
        started = dict((request.session.get(AUTHORIZATION_STATES) or {}) if request else {})
        if started.pop(nonce, None) is None:
            return "expired"
        request.session[AUTHORIZATION_STATES] = started
        if not 0 <= time.time() - int(issued) <= AUTHORIZATION_STATE_LIFETIME:
            return "expired"
        return "valid"

    def _showing_grant(self):
        """These accounts for the provider module's methods, which read the grant from their
        own fields: the bridges compute those from _authorization() in this context only,
        and leave them empty everywhere else (RPC, exports). sudo: the modules restrict
        their fields to system users; this is server code after the access check, for the
        owner's or the group's login."""
        return self.sudo().with_context(**{SHOW_GRANT: _SHOW_GRANT})

    def _grant_shown(self):
        return self.env.context.get(SHOW_GRANT) is _SHOW_GRANT

    def _show_grant_in(self, refresh_field, access_field, expiration_field):
        """Compute a provider module's token fields (their names) from the stored grant:
        filled only for the module's own methods (_showing_grant), empty everywhere else."""
        for account in self:
            shown = account._grant_shown() and account.id
            grant = account._authorization() if shown else Authorization()
            account[refresh_field] = grant.refresh_token or False
            account[access_field] = grant.access_token or False
            account[expiration_field] = grant.expires_at

    def _keep_grant_from(self, refresh_field, access_field, expiration_field):
        """Inverse of _show_grant_in: only the module's own renewal writes those fields, and
        only where it was shown the grant; a write from anywhere else (an RPC of an
        administrator) changes nothing."""
        for account in self:
            if account._grant_shown():
                account._store_authorization(
                    account[refresh_field], account[access_field], account[expiration_field]
                )

    def _authorization(self):
        """The stored grant, decrypted (empty when there is none or the key changed)."""
        self.ensure_one()
        committed = self.env.cr.cache.get(GRANTS_COMMITTED, {})
        if self.id in committed:
            return committed[self.id]
        self.env.cr.execute(
            SQL(
                "SELECT refresh_token_crypt, access_token_crypt, expires_at FROM %s "
                "WHERE account_id = %s",
                SQL.identifier(AUTHORIZATION_TABLE),
                self.id,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return Authorization()
        if not row[0]:
            return Authorization(ended=True)
        try:
            box = self._credential_box()
            return Authorization(
                refresh_token=box.decrypt(row[0]),
                access_token=box.decrypt(row[1]) if row[1] else "",
                expires_at=row[2] or 0,
            )
        except (CredentialKeyError, UserError):
            _logger.warning("Mail account %s: the stored grant cannot be decrypted", self.id)
            return Authorization()

    def _store_authorization(self, refresh_token, access_token, expires_at):
        """Keep a grant (or forget it: no refresh token), committed at once on a cursor of its
        own: a provider that rotates refresh tokens has already invalidated the old one,
        whatever becomes of the request that asked for the new one."""
        self.ensure_one()
        box = self._credential_box()
        values = (
            box.encrypt(refresh_token) if refresh_token else None,
            box.encrypt(access_token) if refresh_token and access_token else None,
            int(expires_at or 0),
        )
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "INSERT INTO %s (account_id, refresh_token_crypt, access_token_crypt, "
                    "expires_at) VALUES (%s, %s, %s, %s) ON CONFLICT (account_id) DO UPDATE "
                    "SET refresh_token_crypt = EXCLUDED.refresh_token_crypt, "
                    "access_token_crypt = EXCLUDED.access_token_crypt, "
                    "expires_at = EXCLUDED.expires_at",
                    SQL.identifier(AUTHORIZATION_TABLE),
                    self.id,
                    *values,
                )
            )
        self._remember_committed_grant(
            Authorization(refresh_token, access_token or "", int(expires_at or 0))
            if refresh_token
            else Authorization(ended=True)
        )
        self._invalidate_grant_fields()

    def _end_authorization(self, refused_token):
        """The grant whose renewal the provider refused for good (`refused_token`, its refresh
        token) is over: kept as ended, so that no later login (page, push, cron) asks the
        provider again with it, and the account asks to be reconnected. Committed at once on
        a cursor of its own, like a renewal: the error rolls the request back. Only while that
        grant is still the stored one: a user who reconnected meanwhile keeps the new one."""
        self.ensure_one()
        box = self._credential_box()
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT refresh_token_crypt FROM %s WHERE account_id = %s FOR UPDATE",
                    SQL.identifier(AUTHORIZATION_TABLE),
                    self.id,
                )
            )
            row = cr.fetchone()
            try:
                stored = box.decrypt(row[0]) if row and row[0] else ""
            except (CredentialKeyError, UserError):
                stored = ""
            if not stored or stored != refused_token:
                return
            cr.execute(
                SQL(
                    "UPDATE %s SET refresh_token_crypt = NULL, access_token_crypt = NULL, "
                    "expires_at = 0 WHERE account_id = %s",
                    SQL.identifier(AUTHORIZATION_TABLE),
                    self.id,
                )
            )
        self._remember_committed_grant(Authorization(ended=True))
        self._invalidate_grant_fields()

    def _invalidate_grant_fields(self):
        # What was computed from the old grant (the bridges' fields for the modules).
        depends_context = self.pool.field_depends_context
        shown = [
            name for name, field in self._fields.items() if SHOW_GRANT in depends_context[field]
        ]
        self.invalidate_recordset(["authorization_missing", "authorization_ended", *shown])

    def _remember_committed_grant(self, grant):
        """What _store_authorization committed, for the rest of this transaction, whose
        snapshot does not show it: until the transaction ends, when a new one sees it."""
        cr = self.env.cr
        if GRANTS_COMMITTED not in cr.cache:
            cr.cache[GRANTS_COMMITTED] = {}
            cache = cr.cache

            def forget():
                # The dict, not cr.cache: a cursor closed without a commit (the request
                # failed) drops its cache before it runs the rollback hooks.
                cache.pop(GRANTS_COMMITTED, None)

            cr.postcommit.add(forget)
            cr.postrollback.add(forget)
        cr.cache[GRANTS_COMMITTED][self.id] = grant

    def _forget_committed_grants(self):
        """These accounts' grants as this transaction's snapshot shows them again: after it
        deleted them itself (a rollback brings them back)."""
        committed = self.env.cr.cache.get(GRANTS_COMMITTED, {})
        for account_id in self.ids:
            committed.pop(account_id, None)

    def _xoauth2_login(self, refresh, *, provider, host, renew, sasl_response):
        """SASL XOAUTH2 (mechanism, response) for a token login (see _log_in_with_token).

        The stored access token is renewed when `refresh` is true or when it expires within
        TOKEN_RENEWAL_MARGIN: `renew(refresh_token)` is the provider module's token request,
        giving (new refresh token or "", access token, expiry); `sasl_response()` the
        module's XOAUTH2 string from the stored grant. A refused renewal means the grant is
        gone (revoked or expired at `provider`, whose token endpoint is `host`); refused for
        good (GrantRefusedError), it is not offered to the provider again (_end_authorization).
        """
        grant = self._authorization()
        if not grant.refresh_token:
            raise mail_errors.AuthorizationExpiredError(
                host=host, provider=provider, connected=grant.ended
            )
        if (
            refresh
            or not grant.access_token
            or grant.expires_at - TOKEN_RENEWAL_MARGIN <= time.time()
        ):
            try:
                refresh_token, access_token, expires_at = renew(grant.refresh_token)
            except GrantRefusedError as error:
                self._end_authorization(grant.refresh_token)
                raise mail_errors.AuthorizationExpiredError(
                    host=host, detail=str(error), provider=provider
                ) from error
            except UserError as error:
                raise mail_errors.AuthorizationExpiredError(
                    host=host, detail=str(error), provider=provider
                ) from error
            except requests.RequestException as error:
                raise mail_errors.ConnectionFailedError(host=host, detail=str(error)) from error
            self._store_authorization(
                refresh_token or grant.refresh_token, access_token, expires_at
            )
        return "XOAUTH2", sasl_response()

    def _request_renewal(self, url, values, timeout):
        """The provider's answer (JSON) to a request for a new access token (RFC 6749, 6) at
        its token endpoint `url`, `values` naming the client and the refresh token.

        Odoo's provider modules raise the same UserError whatever went wrong; a login must
        tell a grant refused for good (`invalid_grant`: revoked, expired, the user disabled;
        GrantRefusedError: it is ended) from a provider that is down or throttling (5xx, 429:
        ConnectionFailedError, the grant stays for the next try) and from another refusal
        (say the app's client secret ran out: UserError, the grants stay too)."""
        response = requests.post(
            url, data={"grant_type": "refresh_token", **values}, timeout=timeout
        )
        if response.ok:
            return response.json()
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            answer = {}
        status = response.status_code
        reason = answer.get("error_description") or answer.get("error") or f"HTTP {status}"
        if status == 429 or status >= 500:
            raise mail_errors.ConnectionFailedError(
                host=urlsplit(url).hostname or "", detail=f"HTTP {status}: {reason}"
            )
        message = self.env._(
            "The provider refused to renew the access token: %(reason)s", reason=reason
        )
        if answer.get("error") == "invalid_grant":
            raise GrantRefusedError(message)
        raise UserError(message)

    def _log_in_with_token(self, connect, settings, token_login, provider):
        """`connect(settings)` logged in by token. `token_login(refresh)` gives the SASL
        (mechanism, response), with a new access token when `refresh` is true. A server that
        refuses a token the clock took for valid (revoked, or the clocks disagree) gets one
        new token, once; then the user must reconnect."""
        mechanism, response = token_login(False)
        try:
            return connect(
                dataclasses.replace(settings, sasl_mechanism=mechanism, sasl_response=response)
            )
        except mail_errors.AuthenticationError:
            mechanism, response = token_login(True)
        try:
            return connect(
                dataclasses.replace(settings, sasl_mechanism=mechanism, sasl_response=response)
            )
        except mail_errors.AuthorizationExpiredError:
            raise
        except mail_errors.AuthenticationError as error:
            raise mail_errors.AuthorizationExpiredError(
                host=error.host, detail=error.detail, provider=provider
            ) from error

    @api.model
    def _pool_limit(self):
        """The most IMAP connections this process may keep per account.

        `dynaoffice_mail_max_connections_per_account` in odoo.conf (default 8) is the budget
        of one Odoo host: Dovecot counts connections per user and client address (10 by
        default, `mail_max_userip_connections`), so 8 leaves room for the user's phone and
        desktop client. A config option, not a system parameter, because it belongs to the
        host like the number of workers, and one pool serves every database of the process.
        The IDLE connections of push are kept out of it first (`_idle_slots()`); prefork
        workers and cron workers each get an equal share of the rest (one each is enough: a
        prefork worker serves one request at a time); threaded (workers = 0), the one
        process has all of the rest.
        """
        workers = tools.config.get("workers") or 0
        processes = workers + (tools.config.get("max_cron_threads") or 0) if workers else 1
        requests = self._connection_budget() - self._idle_slots()
        return imap_pool.share_of_budget(requests, processes)

    @api.model
    def _idle_slots(self):
        """The IMAP connections per account kept out of the budget for push (IDLE on the
        folders users have open), across all processes: one per watched folder, so the
        first few folders open at the same time are pushed and any further ones polled.
        `dynaoffice_mail_idle_connections_per_account` in odoo.conf, default 2, at most
        the budget less one (the requests keep at least one); 0 turns push off."""
        budget = self._connection_budget()
        slots = self._config_number("dynaoffice_mail_idle_connections_per_account", 2)
        return max(0, min(slots, budget - 1))

    @api.model
    def _connection_budget(self):
        return max(1, self._config_number("dynaoffice_mail_max_connections_per_account", 8))

    @api.model
    def _config_number(self, option, default):
        value = tools.config.get(option)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except ValueError:
            _logger.warning("%s is not a number", option)
            return default

    def _without_connection_test(self):
        """These accounts for server code that saves without testing the connection (tests,
        scripts); no RPC can ask for this."""
        return self.with_context(dynaoffice_mail_skip_connection_test=_SKIP_CONNECTION_TEST)

    def _test_connection_on_save(self, imap=True, smtp=True):
        # Data files (demo accounts) load while the registry is not ready, when no request
        # is served; otherwise only server code may skip the test.
        skip = self.env.context.get("dynaoffice_mail_skip_connection_test")
        if skip is _SKIP_CONNECTION_TEST or not self.pool.ready:
            return
        for account in self:
            if account._authorization_missing():
                # Saved before it is connected (the "Connect" button saves first): the
                # test runs when the provider sends the user back (_complete_authorization).
                continue
            account._test_connection(imap=imap, smtp=smtp)

    def _test_connection(self, imap=True, smtp=True):
        self.ensure_one()
        if imap:
            if not self.imap_host:
                raise UserError(self.env._("Receiving (IMAP): enter the IMAP host name."))
            try:
                self._check_imap()
            except mail_errors.MailServiceError as error:
                raise UserError(
                    self.env._(
                        "Receiving (IMAP) failed: %(reason)s",
                        reason=errors.explain(self, error, self.imap_port),
                    )
                ) from error
        if smtp:
            try:
                self._check_sending()
            except mail_errors.MailServiceError as error:
                raise UserError(
                    self.env._(
                        "Sending (SMTP) failed: %(reason)s",
                        reason=errors.explain(self, error, self.smtp_port),
                    )
                ) from error

    def _check_imap(self):
        return imap.check_account(self._imap_settings(), connect=self._get_imap_session)

    def _check_sending(self):
        if self.smtp_method == "smtp":
            if not self.smtp_host:
                raise UserError(self.env._("Sending (SMTP): enter the SMTP host name."))
        elif self.smtp_method == "mail":
            # Outgoing mail servers are visible to administrators only; users may still
            # send through them, so whether one exists is asked with sudo.
            if not self.env["ir.mail_server"].sudo().search_count([], limit=1):
                raise UserError(
                    self.env._(
                        "Sending (Mail): no outgoing mail server is configured in Odoo. Ask "
                        "your administrator, or choose SMTP."
                    )
                )
        elif self.smtp_method == "sendmail":
            path = self._sendmail_path()
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise UserError(
                    self.env._(
                        "Sending (Sendmail): the program %(path)s does not exist or cannot be "
                        "run on the Odoo server. Ask your administrator, or choose SMTP.",
                        path=path,
                    )
                )
        # Before anything connects: whether this account may send as its address its way.
        self._check_sending_allowed(self.email)
        if self.smtp_method == "smtp":
            smtp.check_account(self._smtp_settings(), connect=self._get_smtp_session)

    def _sendmail_path(self):
        # A system parameter (administrators set it); read with sudo for every user.
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("dynaoffice_mail.sendmail_path", "/usr/sbin/sendmail")
        )

    def _check_sending_allowed(self, address):
        """Raise unless this account may send its way (see PERSONAL_SENDING_SWITCHES) with
        `address` as the sender. Checked when the account is saved and again for each mail:
        administrators may change what they allow in between.

        SMTP with authentication: the account's own server decides which sender it accepts.
        Sendmail and SMTP without authentication: nobody checks, so the address must be in
        the administrator's sender domains. Mail: as Odoo decides for its own mail
        (`_odoo_mail_server`).
        """
        self.ensure_one()
        refusal = self._sending_way_refusal()
        if refusal:
            raise UserError(refusal)
        way = self._sending_way()
        if way == "mail":
            self._odoo_mail_server(address)
        elif way != "smtp":
            self._check_sender_domains(address, self._sending_side(way))

    def _sending_way(self):
        """`smtp_method`, with SMTP without authentication told apart."""
        self.ensure_one()
        if self.smtp_method == "smtp" and not self.smtp_auth:
            return "smtp_without_login"
        return self.smtp_method

    def _allowed_sending_ways(self):
        """Group accounts: every way (mail administrators set them up). Personal accounts:
        SMTP with authentication, and the ways an administrator switched on for them."""
        self.ensure_one()
        if self.group_id:
            return {"smtp", *PERSONAL_SENDING_SWITCHES}
        return {"smtp"} | {
            way for way, key in PERSONAL_SENDING_SWITCHES.items() if self._system_switch(key)
        }

    def _sending_way_refusal(self):
        """Why this account may not send its way, or None."""
        way = self._sending_way()
        if way in self._allowed_sending_ways():
            return None
        _ = self.env._
        if way == "mail":
            return _(
                "Sending (Mail) through Odoo's outgoing mail servers is not available for "
                "personal accounts unless your administrator allows it. Choose SMTP and log in "
                "to your mail server."
            )
        if way == "sendmail":
            return _(
                "Sending (Sendmail) through the sendmail program of the Odoo server is not "
                "available for personal accounts unless your administrator allows it. Choose "
                "SMTP and log in to your mail server."
            )
        return _(
            "Sending (SMTP) without authentication is not available for personal accounts "
            "unless your administrator allows it. Turn on authentication and enter the user "
            "name and password of your mail server."
        )

    def _sending_side(self, way):
        _ = self.env._
        return {
            "smtp_without_login": _("Sending (SMTP without authentication)"),
            "mail": _("Sending (Mail)"),
            "sendmail": _("Sending (Sendmail)"),
        }[way]

    def _check_sender_domains(self, address, side):
        """`address` must match the administrator's sender domains, as an outgoing mail
        server's from_filter matches: a domain, or a full address."""
        allowed = self._sender_domains()
        if not allowed:
            raise UserError(
                self.env._(
                    "%(side)s: your administrator has not allowed any sender addresses for "
                    "this way of sending, so nothing can be sent as %(address)s. Ask your "
                    "administrator, or choose SMTP with authentication.",
                    side=side,
                    address=address,
                )
            )
        if not self.env["ir.mail_server"]._match_from_filter(address, ",".join(allowed)):
            raise UserError(
                self.env._(
                    "%(side)s: %(address)s is not among the senders your administrator allows "
                    "for this way of sending (%(allowed)s). Ask your administrator, or choose "
                    "SMTP with authentication.",
                    side=side,
                    address=address,
                    allowed=", ".join(allowed),
                )
            )

    def _sender_domains(self):
        """The system parameter's domains and addresses, separated by commas or spaces."""
        # System parameters are readable by administrators only; read with sudo.
        value = self.env["ir.config_parameter"].sudo().get_param(SENDER_DOMAINS_PARAM) or ""
        return [entry.lstrip("@") for entry in value.replace(",", " ").split() if entry != "@"]

    def _system_switch(self, key):
        # System parameters are readable by administrators only; read with sudo.
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        return str(value).strip().lower() in ("1", "true", "yes")

    def _odoo_mail_server(self, address):
        """The outgoing mail server of Odoo that sends as `address` (an empty record: the
        server of Odoo's configuration file), chosen as Odoo chooses for its own mail.

        For an address no server is set up for, Odoo sends in another name (its notification
        address) or through a server meant for other senders; this refuses instead. A server
        without from_filter takes any sender, so through it only the sender domains may send.
        """
        # Outgoing mail servers are visible to administrators only; every user may send
        # through them (as the chatter does), hence sudo.
        mail_servers = self.env["ir.mail_server"].sudo()
        server, _odoo_from = mail_servers._find_mail_server(address)
        server = server or mail_servers
        from_filter = server.from_filter if server else mail_servers._get_default_from_filter()
        side = self._sending_side("mail")
        if not from_filter:
            self._check_sender_domains(address, side)
        elif not mail_servers._match_from_filter(address, from_filter):
            raise UserError(
                self.env._(
                    "%(side)s: none of Odoo's outgoing mail servers is set up to send as "
                    "%(address)s; Odoo would send the mail in another name. Ask your "
                    "administrator, or choose SMTP.",
                    side=side,
                    address=address,
                )
            )
        return server


def _notification(kind, title, message, **params):
    """What the form's buttons answer: a notification of `kind` ("success", "warning"), with
    `params` such as the action to go on with (`next`)."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {"type": kind, "title": title, "message": message, **params},
    }


def _without(vals, names):
    return {key: value for key, value in vals.items() if key not in names}


def _as_record_value(record, field_name, value):
    """`value` as `record[field_name]` would show it once written (False for empty text)."""
    field = record._fields[field_name]
    return field.convert_to_record(field.convert_to_cache(value, record), record)
