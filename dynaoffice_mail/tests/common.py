"""Shared setup for the Odoo tests: the real Dovecot/SMTP servers of this test run.

The pytest plugin of the test helper package dynaoffice-mail-testing (`dynaoffice_mail_testing/`
at the repository's root; `make test` installs it) starts them once per run and publishes their
ports and CA through DYNAOFFICE_TEST_SERVERS. Without them these tests cannot run, and they say
so instead of skipping.
"""

import datetime
import email
import email.policy
import imaplib
import json
import os
import secrets
import socket
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from unittest.mock import patch

import imapclient

from odoo.tests import HttpCase, TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user

from ..services.config import ImapSettings, Security
from .hostile_report import record

try:
    from dynaoffice_mail_testing.servers import MailServers
except ImportError:  # the test helper package is not installed: test_servers() says so
    MailServers = None


# When the test mailboxes' messages arrived (deliver_to).
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


def closed_port():
    """A loopback port nothing listens on (bound for a moment, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_servers():
    path = os.environ.get("DYNAOFFICE_TEST_SERVERS")
    if not path or MailServers is None:
        raise RuntimeError(
            "dynaoffice_mail's tests need the real mail servers of the pytest plugin in "
            "dynaoffice-mail-testing (DYNAOFFICE_TEST_SERVERS is not set): install it "
            "(pip install ./dynaoffice_mail_testing) and run pytest with pytest-odoo, or "
            "run `make test`."
        )
    with open(path) as handle:
        description = json.load(handle)
    return description, MailServers.attach(description)


def imap_settings(servers, address, password, **overrides):
    """IMAPS settings for a mailbox on the test Dovecot, trusting the run's CA."""
    values = {
        "host": "localhost",
        "port": servers.ports.imaps,
        "security": Security.SSL,
        "username": address,
        "password": password,
        "ca_pem": servers.certificates.ca_pem,
        "timeout": 5,
        "allow_private_hosts": True,
    }
    values.update(overrides)
    return ImapSettings(**values)


def nested_message(depth, **headers):
    """A text part wrapped in `depth` multipart/mixed layers, as bytes (for MIME limits)."""
    inner = EmailMessage(policy=email.policy.SMTP)
    inner.set_content("deep down")
    for _level in range(depth):
        outer = EmailMessage(policy=email.policy.SMTP)
        outer.make_mixed()
        outer.attach(inner)
        inner = outer
    for name, value in headers.items():
        inner[name] = value
    return inner.as_bytes()


def imap_messages(servers, address, password, folder, subject):
    """The parsed messages in `folder` whose subject contains `subject` (ASCII), read over
    IMAPS straight from Dovecot: for the tests that run Odoo in processes of their own."""
    context = ssl.create_default_context(cadata=servers.certificates.ca_pem)
    client = imapclient.IMAPClient(
        "localhost", port=servers.ports.imaps, ssl_context=context, timeout=10
    )
    client.login(address, password)
    try:
        client.select_folder(folder, readonly=True)
        found = client.search(["SUBJECT", subject])
        if not found:
            return []
        return [
            email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
            for data in client.fetch(found, ["BODY.PEEK[]"]).values()
        ]
    finally:
        client.logout()


def committed_account(env, servers, login, name, address, password):
    """A user (password = login) with a personal account on the test servers, created in
    `env` (a cursor the caller commits: another Odoo process is to see them), for the tests
    that run Odoo in processes of their own. Returns (user, account)."""
    user = env["res.users"].create(
        {
            "name": name,
            "login": login,
            "password": login,
            "groups_id": [(6, 0, [env.ref("base.group_user").id])],
        }
    )
    account = (
        env["dynaoffice.mail.account"]
        .with_user(user)
        ._without_connection_test()
        .create(
            {
                "name": name,
                "email": address,
                "user_id": user.id,
                "imap_host": "localhost",
                "imap_port": servers.ports.imaps,
                "imap_ssl": True,
                "imap_user": address,
                "imap_password": password,
                "smtp_host": "localhost",
                "smtp_port": servers.ports.smtp_starttls,
                "smtp_encryption": "tls",
                "smtp_user": address,
                "smtp_password": password,
                "ca_certificate": servers.certificates.ca_pem,
            }
        )
    )
    return user, account


def build_message(subject, *, sender="kunde@example.com", date=None, body="Hallo\n"):
    """A small well-formed message as bytes, for filling test mailboxes."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "team@example.com"
    message["Subject"] = subject
    if date is not None:
        message["Date"] = date
    message["Message-ID"] = f"<{secrets.token_hex(8)}@example.com>"
    message.set_content(body)
    return message.as_bytes()


@contextmanager
def imap_commands():
    """The IMAP commands every connection sends meanwhile, by name ("SELECT",
    "UID SEARCH"), in order: what a slow server makes the user wait for, round trip by round
    trip."""
    sent = []
    real_send = imaplib.IMAP4.send

    def recording_send(connection, data):
        sent.append(bytes(data))
        return real_send(connection, data)

    commands = []
    with patch.object(imaplib.IMAP4, "send", recording_send):
        yield commands
    for line in b"".join(sent).decode(errors="replace").split("\r\n"):
        words = line.upper().split(" ")
        if len(words) > 2 and words[1] == "UID":
            commands.append(f"UID {words[2]}")
        elif len(words) > 1:
            commands.append(words[1])


class MailServerCase(TransactionCase):
    """Users with the lowest rights that make sense, a group, and mailboxes on Dovecot."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The outbox commits in transactions of its own (registry.cursor()); in tests they
        # must be savepoints of the test's transaction, as HttpCase arranges for itself.
        if cls.registry.test_cr is None and not getattr(cls, "registry_test_mode", False):
            cls.registry.enter_test_mode(cls.cr)
            cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.servers_info, cls.servers = test_servers()
        cls.ca_pem = cls.servers.certificates.ca_pem
        cls.ports = cls.servers.ports
        cls.env["ir.config_parameter"].sudo().set_param(
            "dynaoffice_mail.allow_private_hosts", "True"
        )
        cls.owner = mail_new_test_user(
            cls.env, login="mail_owner", groups="base.group_user", name="Olga Owner"
        )
        cls.other = mail_new_test_user(
            cls.env, login="mail_other", groups="base.group_user", name="Otto Other"
        )
        cls.member = mail_new_test_user(
            cls.env, login="mail_member", groups="base.group_user", name="Maria Member"
        )
        cls.admin = mail_new_test_user(
            cls.env,
            login="mail_admin",
            groups="base.group_user,base.group_system",
            name="Adam Admin",
        )
        # The composer's "Send" waits out the undo window on the server (10 s by default);
        # the tours send at once, as users who turned it off. Its own tests turn it on.
        (cls.owner | cls.other | cls.member | cls.admin).write({"dynaoffice_mail_undo_seconds": 0})
        cls.sales = cls.env["res.groups"].create(
            {"name": "Vertrieb (test)", "users": [(4, cls.member.id)]}
        )

    @classmethod
    def new_mailbox(cls):
        """A fresh Dovecot/SMTP user: (address, password)."""
        address = f"box-{secrets.token_hex(4)}@dynaoffice.test"
        password = secrets.token_urlsafe(12)
        cls.servers.add_user(address, password)
        return address, password

    @classmethod
    def account_values(cls, address, password, **overrides):
        """Values of an account that connects to the test servers (IMAPS, SMTP STARTTLS)."""
        values = {
            "name": f"Mailbox {address}",
            "email": address,
            "imap_host": "localhost",
            "imap_ssl": True,
            "imap_port": cls.ports.imaps,
            "imap_user": address,
            "imap_password": password,
            "smtp_method": "smtp",
            "smtp_host": "localhost",
            "smtp_port": cls.ports.smtp_starttls,
            "smtp_encryption": "tls",
            "smtp_auth": True,
            "smtp_user": address,
            "smtp_password": password,
            "ca_certificate": cls.ca_pem,
        }
        values.update(overrides)
        return values

    @classmethod
    def create_owned_accounts(cls):
        """`personal` (owner's) and `shared` (the sales group's) accounts on fresh mailboxes.

        Created without the connection test; the tests that need one make their own.
        """
        Account = cls.env["dynaoffice.mail.account"]._without_connection_test()
        cls.personal_address, cls.personal_password = cls.new_mailbox()
        cls.personal = Account.with_user(cls.owner).create(
            dict(
                cls.account_values(cls.personal_address, cls.personal_password),
                user_id=cls.owner.id,
            )
        )
        cls.shared_address, cls.shared_password = cls.new_mailbox()
        cls.shared = Account.with_user(cls.admin).create(
            dict(
                cls.account_values(cls.shared_address, cls.shared_password),
                group_id=cls.sales.id,
            )
        )

    def imap(self, address, password):
        """A connection of "another mail program" straight to Dovecot (IMAPS, its
        certificate verified against this run's CA)."""
        context = ssl.create_default_context(cadata=self.ca_pem)
        client = imapclient.IMAPClient(
            "localhost", port=self.ports.imaps, ssl_context=context, timeout=10
        )
        client.login(address, password)
        return client

    def fetch_all(self, address, password, folder="INBOX"):
        """[(parsed message, flags)] of a folder, read over IMAP."""
        client = self.imap(address, password)
        try:
            client.select_folder(folder)
            return [
                (
                    email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default),
                    data[b"FLAGS"],
                )
                for data in client.fetch(client.search(), ["BODY.PEEK[]", "FLAGS"]).values()
            ]
        finally:
            client.logout()

    def send_through_odoo(self, account, address, password):
        """`account` sends its way "Mail": through an Odoo outgoing mail server (the test
        SMTP server, logged in as `address`) whose from_filter is `address`."""
        self.env["ir.mail_server"].create(
            {
                "name": "Test relay",
                "smtp_host": "localhost",
                "smtp_port": self.ports.smtp_starttls,
                "smtp_encryption": "starttls",
                "smtp_authentication": "login",
                "smtp_user": address,
                "smtp_pass": password,
                # The relay sends as this mailbox only: Odoo's from_filter, which decides
                # whether an account may send its way ("Mail").
                "from_filter": address,
            }
        )
        self.env["ir.config_parameter"].set_param("dynaoffice_mail.personal_odoo_mail", "True")
        account.sudo()._without_connection_test().write({"smtp_method": "mail"})

    def deliver_to(self, address, raw, folder="INBOX"):
        """Put a message (bytes) into a folder of a test mailbox, received on 2 March 2026."""
        self.servers.dovecot.write_messages(address, [(folder, raw, set(), RECEIVED)])

    def find_by_subject(self, account, subject, folder="INBOX"):
        """(uidvalidity, uid) of the one message with this subject, as the list shows it."""
        page = account.client_page(folder, search={"subject": subject})
        self.assertEqual(len(page["messages"]), 1, subject)
        return page["uidvalidity"], page["messages"][0]["uid"]

    def create_account_as(self, user, **values):
        """Create as `user` in a savepoint, as one RPC call would: all or nothing."""
        with self.env.cr.savepoint():
            return self.env["dynaoffice.mail.account"].with_user(user).create(values)


class RpcAttackCase(HttpCase, MailServerCase):
    """Calls made the way an attacker makes them: JSON-RPC to /web/dataset/call_kw, logged
    in as a user, with whatever arguments and context a browser can send.

    Attackers beyond MailServerCase's users: `mail_admin`, a mail administrator who is no
    member of the sales group (and no Odoo administrator), member of a group of his own
    (`purchase`); `portal`, a portal user.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mail_admin = mail_new_test_user(
            cls.env,
            login="mail_manager",
            groups="base.group_user,dynaoffice_mail.dynaoffice_mail_group_manager",
            name="Manfred Mailadmin",
        )
        cls.purchase = cls.env["res.groups"].create(
            {"name": "Einkauf (test)", "users": [(4, cls.mail_admin.id)]}
        )
        cls.portal = mail_new_test_user(
            cls.env, login="mail_portal", groups="base.group_portal", name="Paul Portal"
        )

    def rpc(self, user, model, method, args, kwargs=None):
        """The parsed JSON-RPC answer ({"result": ...} or {"error": ...}) of one call."""
        self.authenticate(user.login, user.login)
        return json.loads(self.rpc_body(model, method, args, kwargs))

    def rpc_body(self, model, method, args, kwargs=None):
        """The raw body of a call_kw answer in the current session, as the browser gets it."""
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        response.raise_for_status()
        return response.text

    def account_state(self, account):
        """Everything about `account` a forged call could change, passwords included."""
        names = [
            name
            for name, field in account._fields.items()
            if field.store and name not in ("write_date", "write_uid", "__last_update")
        ]
        values = account.sudo().read(names)[0] if account.exists() else {}
        return values, account.sudo()._read_password_tokens().get(account.id)

    def assert_forgery_refused(self, user, model, method, args, kwargs=None, *, state, error=None):
        """Make the forged call; it must fail and `state()` must read the same before and
        after. Counts the call for the hostile report's trust section. Returns the error."""
        before = state()
        answer = self.rpc(user, model, method, args, kwargs)
        self.env.invalidate_all()
        after = state()
        refused = "error" in answer
        record("forged_tried", 1)
        record("forged_refused", int(refused))
        record("forged_changed", int(before != after))
        self.assertTrue(refused, f"{user.login}: {model}.{method}{args} was accepted: {answer}")
        self.assertEqual(before, after, f"{user.login}: {model}.{method} changed something")
        message = answer["error"]["data"]["message"]
        if error:
            self.assertIn(error, message)
        return message
