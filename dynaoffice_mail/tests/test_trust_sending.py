"""Issue #12, hole 4: nobody sends as someone else through Odoo's own channels.

With SMTP and a login, the account's own mail server decides which From it accepts.
Sendmail, "Mail" (Odoo's outgoing mail servers) and SMTP without a login have no such
check: personal accounts use them only where an administrator switched them on, and a
From sent that way must pass the administrator's sender domains ("Mail": the from_filter
of Odoo's outgoing mail servers). Checked when the account is saved and for each mail.

Every call is made as the attacker makes it: JSON-RPC as a logged-in user, with every
field a browser can send. Sendmail is a small script written here that keeps what it is
given, so the tests see what would have been sent.
"""

import email
import email.policy
import shutil
import tempfile
from pathlib import Path

from odoo.tests import tagged

from .common import RpcAttackCase

MODEL = "dynaoffice.mail.account"
CEO = "ceo@company.example"
SWITCHES = {
    "mail": "dynaoffice_mail.personal_odoo_mail",
    "sendmail": "dynaoffice_mail.personal_sendmail",
    "smtp_without_login": "dynaoffice_mail.personal_smtp_without_auth",
}
DOMAINS = "dynaoffice_mail.sender_domains"
NOT_AVAILABLE = "is not available for personal accounts"
NONE_ALLOWED = "has not allowed any sender addresses"
NOT_AMONG = "is not among the senders your administrator allows"
NO_SERVER_FOR = "none of Odoo's outgoing mail servers is set up to send as"
# Each run appends its arguments, an empty line and the message to a file of its own.
SENDMAIL = """#!/bin/sh
out=$(mktemp "$0.call.XXXXXX")
{ printf '%s\\n' "$@"; printf '\\n'; cat; } > "$out"
"""
# What a browser can put into the composer's values besides what the composer sends.
FORGED_FROM = {
    "from": CEO,
    "from_address": CEO,
    "from_name": "The CEO",
    "from_display": f"The CEO <{CEO}>",
    "email_from": CEO,
    "sender": CEO,
    "reply_to": CEO,
    "return_path": CEO,
    "headers": {"From": CEO, "Sender": CEO, "Return-Path": CEO},
}


def way_values(way):
    """The account fields that choose `way`."""
    if way == "smtp_without_login":
        return {"smtp_method": "smtp", "smtp_auth": False}
    return {"smtp_method": way, "smtp_auth": True}


@tagged("post_install", "-at_install")
class TestTrustSending(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        folder = Path(tempfile.mkdtemp(prefix="dynaoffice-sendmail-"))
        cls.addClassCleanup(shutil.rmtree, folder, True)
        cls.sendmail = folder / "sendmail"
        cls.sendmail.write_text(SENDMAIL)
        cls.sendmail.chmod(0o700)
        cls.env["ir.config_parameter"].sudo().set_param(
            "dynaoffice_mail.sendmail_path", str(cls.sendmail)
        )

    def setUp(self):
        super().setUp()
        for call in self.sendmail.parent.glob("sendmail.call.*"):
            call.unlink()
        # No outgoing mail server but the ones a test sets up.
        self.env["ir.mail_server"].sudo().search([]).unlink()
        self.recipient, self.recipient_password = self.new_mailbox()

    # -- helpers ------------------------------------------------------------------------------

    def set_params(self, **values):
        """System parameters by short name (the switches, `domains`); None removes one."""
        params = self.env["ir.config_parameter"].sudo()
        for name, value in values.items():
            params.set_param(SWITCHES.get(name, DOMAINS if name == "domains" else name), value)

    def sendmail_calls(self):
        """[(arguments, parsed message)] of each run of the sendmail script."""
        calls = []
        for path in sorted(self.sendmail.parent.glob("sendmail.call.*")):
            head, _blank, message = path.read_bytes().partition(b"\n\n")
            calls.append(
                (
                    head.decode().splitlines(),
                    email.message_from_bytes(message, policy=email.policy.default),
                )
            )
        return calls

    def received(self):
        """The recipient's INBOX, parsed."""
        return [
            parsed for parsed, _flags in self.fetch_all(self.recipient, self.recipient_password)
        ]

    def sent_state(self):
        """What was sent: runs of sendmail and mail in the recipient's INBOX."""
        return len(self.sendmail_calls()), len(self.received())

    def new_account(self, way, *, group=False, email=None):
        """An account of a fresh mailbox sending `way`, saved by server code (no connection
        test); personal ones are the owner's, group ones the sales group's."""
        address, password = self.new_mailbox()
        values = dict(self.account_values(address, password), **way_values(way))
        if email:
            values["email"] = email
        if group:
            values["group_id"] = self.sales.id
            user = self.admin
        else:
            values["user_id"] = self.owner.id
            user = self.owner
        return self.env[MODEL].with_user(user)._without_connection_test().create(values)

    def relay(self, from_filter, account):
        """An outgoing mail server of Odoo on the test SMTP server, logged in as `account`'s
        mailbox."""
        return (
            self.env["ir.mail_server"]
            .sudo()
            .create(
                {
                    "name": "Test relay",
                    "smtp_host": "localhost",
                    "smtp_port": self.ports.smtp_starttls,
                    "smtp_encryption": "starttls",
                    "smtp_authentication": "login",
                    "smtp_user": account.imap_user,
                    "smtp_pass": account.sudo()._decrypted_password("imap_password"),
                    "from_filter": from_filter,
                }
            )
        )

    def mail_values(self, user, account, subject, **extra):
        """What the composer sends for a new mail to the recipient, over RPC."""
        answer = self.rpc(user, MODEL, "client_compose", [[account.id], "new"])
        values = answer["result"]
        values.update(to=[self.recipient], subject=subject, body_html="<p>Hallo</p>", **extra)
        return values

    def send(self, user, account, subject, **extra):
        answer = self.rpc(
            user, MODEL, "client_send", [[account.id], self.mail_values(user, account, subject)]
        )
        self.assertTrue(answer.get("result", {}).get("sent"), answer)

    def send_refused(self, user, account, subject, error):
        self.assert_forgery_refused(
            user,
            MODEL,
            "client_send",
            [[account.id], self.mail_values(user, account, subject)],
            state=self.sent_state,
            error=error,
        )

    def create_refused(self, user, values, error, **kwargs):
        self.assert_forgery_refused(
            user,
            MODEL,
            "create",
            [values],
            kwargs,
            state=lambda: self.env[MODEL].with_context(active_test=False).search_count([]),
            error=error,
        )

    def forged(self, values):
        """`values` with the fields the model computes but a browser may send anyway."""
        computed = {
            "available_smtp_methods": ["smtp", "mail", "sendmail"],
            "smtp_auth_optional": True,
            "account_type": "group",
        }
        fields = self.env[MODEL]._fields
        return dict(values, **{name: value for name, value in computed.items() if name in fields})

    # -- choosing a way of sending --------------------------------------------------------------

    def test_personal_accounts_cannot_choose_the_ways_an_administrator_did_not_allow(self):
        self.relay(False, self.personal)  # so that "Mail" would have a server
        self.set_params(domains="dynaoffice.test")
        address, password = self.new_mailbox()
        for way in SWITCHES:
            with self.subTest(way=way):
                values = dict(
                    self.account_values(address, password),
                    user_id=self.owner.id,
                    **way_values(way),
                )
                self.create_refused(self.owner, self.forged(values), NOT_AVAILABLE)
                # Nor by changing an account, the password entered again as it must be.
                changes = dict(way_values(way), smtp_password=self.personal_password)
                self.assert_forgery_refused(
                    self.owner,
                    MODEL,
                    "write",
                    [[self.personal.id], self.forged(changes)],
                    {"context": {"dynaoffice_mail_skip_connection_test": True}},
                    state=lambda: self.account_state(self.personal),
                    error=NOT_AVAILABLE,
                )
        self.assertEqual(self.sendmail_calls(), [])

    def test_the_form_offers_only_the_allowed_ways(self):
        def offered(user, account):
            answer = self.rpc(
                user,
                MODEL,
                "read",
                [[account.id], ["available_smtp_methods", "smtp_auth_optional"]],
            )
            (values,) = answer["result"]
            return values["available_smtp_methods"], values["smtp_auth_optional"]

        self.assertEqual(offered(self.owner, self.personal), (["smtp"], False))
        # Group accounts are set up by mail administrators: every way.
        self.assertEqual(
            offered(self.mail_admin, self.shared), (["smtp", "mail", "sendmail"], True)
        )
        self.set_params(sendmail="True", smtp_without_login="True")
        self.assertEqual(offered(self.owner, self.personal), (["smtp", "sendmail"], True))

    def test_switched_on_the_sender_must_be_in_the_sender_domains(self):
        self.set_params(sendmail="True", smtp_without_login="True")
        address, password = self.new_mailbox()
        for way in ("sendmail", "smtp_without_login"):
            # The owner's own mailbox logs in; only the sender is the CEO's.
            own = dict(
                self.account_values(address, password), user_id=self.owner.id, **way_values(way)
            )
            as_ceo = dict(own, email=CEO)
            with self.subTest(way=way, domains=None):
                self.set_params(domains=None)
                self.create_refused(self.owner, own, NONE_ALLOWED)
            with self.subTest(way=way, domains="own domain"):
                self.set_params(domains="dynaoffice.test")
                self.create_refused(self.owner, self.forged(as_ceo), NOT_AMONG)
            with self.subTest(way=way, domains="another address"):
                self.set_params(domains=f"someone-else@dynaoffice.test, {CEO}")
                self.create_refused(self.owner, own, NOT_AMONG)
        # A mail administrator's group account is no way around it either.
        self.set_params(domains="dynaoffice.test")
        group_values = dict(
            self.account_values(address, password),
            group_id=self.purchase.id,
            email=CEO,
            **way_values("sendmail"),
        )
        self.create_refused(self.mail_admin, group_values, NOT_AMONG)
        # The own address, in an allowed domain or listed in full, saves.
        for domains in ("dynaoffice.test", f"example.org {address.upper()}", "@dynaoffice.test"):
            with self.subTest(domains=domains):
                self.set_params(domains=domains)
                values = dict(own, smtp_method="sendmail", smtp_auth=True)
                answer = self.rpc(self.owner, MODEL, "create", [values])
                self.assertIsInstance(answer.get("result"), int, answer)
                # ... and cannot be turned into the CEO's afterwards.
                account = self.env[MODEL].browse(answer["result"])
                self.assert_forgery_refused(
                    self.owner,
                    MODEL,
                    "write",
                    [[account.id], {"email": CEO}],
                    state=lambda account=account: self.account_state(account),
                    error=NOT_AMONG,
                )
        self.assertEqual(self.sendmail_calls(), [])

    # -- sending --------------------------------------------------------------------------------

    def test_sendmail_runs_only_while_the_sender_is_allowed(self):
        self.set_params(sendmail="True", domains="dynaoffice.test")
        account = self.new_account("sendmail")
        self.send(self.owner, account, "Über sendmail")
        ((args, message),) = self.sendmail_calls()
        self.assertEqual(args, ["-i", "-f", account.email, "--", self.recipient])
        self.assertEqual(message["From"].addresses[0].addr_spec, account.email)
        self.assertEqual(str(message["Subject"]), "Über sendmail")
        # The administrator changes his mind: the account stays, sending through it stops.
        self.set_params(domains="company.example")
        self.send_refused(self.owner, account, "Nicht mehr", NOT_AMONG)
        self.set_params(domains=None)
        self.send_refused(self.owner, account, "Nicht mehr", NONE_ALLOWED)
        self.set_params(sendmail=False, domains="dynaoffice.test")
        self.send_refused(self.owner, account, "Nicht mehr", NOT_AVAILABLE)
        # An account saved with the CEO's address (by server code) does not send either.
        self.set_params(sendmail="True")
        ceo_account = self.new_account("sendmail", email=CEO)
        self.send_refused(self.owner, ceo_account, "Vom Chef", NOT_AMONG)
        # Group accounts may use sendmail, within the sender domains too.
        group_account = self.new_account("sendmail", group=True)
        self.send(self.member, group_account, "Vom Vertrieb")
        self.set_params(domains=None)
        self.send_refused(self.member, group_account, "Vom Vertrieb", NONE_ALLOWED)
        self.assertEqual(len(self.sendmail_calls()), 2)

    def test_smtp_without_login_sends_only_while_allowed(self):
        self.set_params(smtp_without_login="True", domains="dynaoffice.test")
        account = self.new_account("smtp_without_login")
        self.set_params(domains=CEO)
        self.send_refused(self.owner, account, "Ohne Anmeldung", NOT_AMONG)
        self.set_params(smtp_without_login=False, domains="dynaoffice.test")
        self.send_refused(self.owner, account, "Ohne Anmeldung", NOT_AVAILABLE)

    def test_mail_sends_only_as_odoos_from_filter_allows(self):
        self.set_params(mail="True")
        relay = self.relay("dynaoffice.test", self.personal)
        account = self.new_account("mail")
        # Saving as the CEO: no server of Odoo is set up for that address.
        address, password = self.new_mailbox()
        values = dict(
            self.account_values(address, password),
            user_id=self.owner.id,
            email=CEO,
            **way_values("mail"),
        )
        self.create_refused(self.owner, self.forged(values), NO_SERVER_FOR)
        # The own address goes out through the server set up for its domain.
        self.send(self.owner, account, "Über Odoo")
        (received,) = self.received()
        self.assertEqual(received["From"].addresses[0].addr_spec, account.email)
        # An account saved with the CEO's address (by server code) does not send.
        ceo_account = self.new_account("mail", email=CEO)
        self.send_refused(self.owner, ceo_account, "Vom Chef", NO_SERVER_FOR)
        # A server meant for other senders is no fallback.
        relay.from_filter = "company.example"
        self.send_refused(self.owner, account, "Umweg", NO_SERVER_FOR)
        self.assertEqual(len(self.received()), 1)

    def test_mail_through_a_server_for_any_sender_keeps_the_from_or_refuses(self):
        self.set_params(mail="True")
        # Odoo has a notification address, into which it would rewrite a From that no
        # server is set up for.
        alias_domain = self.env["mail.alias.domain"].create(
            {"name": "company.example", "default_from": "notifications"}
        )
        self.env.company.alias_domain_id = alias_domain
        self.relay(False, self.personal)
        account = self.new_account("mail")
        # A server without from_filter takes any sender: only the sender domains may use it.
        self.send_refused(self.owner, account, "Irgendwer", NONE_ALLOWED)
        self.set_params(domains="example.org")
        self.send_refused(self.owner, account, "Irgendwer", NOT_AMONG)
        self.set_params(domains="dynaoffice.test")
        self.send(self.owner, account, "Im eigenen Namen")
        (received,) = self.received()
        self.assertEqual(received["From"].addresses[0].addr_spec, account.email)
        self.assertNotIn("notifications@", str(received["From"]))

    def test_mail_without_servers_never_falls_back_to_the_local_mta(self):
        self.set_params(mail="True")
        account = self.new_account("mail")
        # No outgoing mail server: Odoo would use its configuration file's (the local MTA).
        self.send_refused(self.owner, account, "Lokal", NONE_ALLOWED)
        self.set_params(**{"mail.default.from_filter": "company.example"})
        self.send_refused(self.owner, account, "Lokal", NO_SERVER_FOR)

    def test_a_forged_from_in_the_composer_sends_as_the_account_only(self):
        self.set_params(sendmail="True", mail="True", domains="dynaoffice.test")
        for way in ("smtp", "sendmail", "mail"):
            with self.subTest(way=way):
                account = self.new_account(way)
                self.env["ir.mail_server"].sudo().search([]).unlink()
                self.relay("dynaoffice.test", account)
                subject = f"Gefälscht über {way}"
                values = self.mail_values(self.owner, account, subject, **FORGED_FROM)
                answer = self.rpc(self.owner, MODEL, "client_send", [[account.id], values])
                self.assertTrue(answer.get("result", {}).get("sent"), answer)
                if way == "sendmail":
                    ((args, message),) = self.sendmail_calls()
                    self.assertNotIn(CEO, " ".join(args))
                else:
                    (message,) = [m for m in self.received() if str(m["Subject"]) == subject]
                self.assertEqual(message["From"].addresses[0].addr_spec, account.email)
                self.assertNotIn(CEO.encode(), message.as_bytes())
                # Nor by sending from another user's account.
                self.assert_forgery_refused(
                    self.other,
                    MODEL,
                    "client_send",
                    [[account.id], dict(values, subject="Fremd")],
                    state=self.sent_state,
                )
