"""Issue #12, hole 8: a password never comes back, and one beyond ASCII works.

Called as the browser calls it, over JSON-RPC: an account whose mailbox password is
"Päßwört-€-日本" saves (IMAP logs in with AUTHENTICATE PLAIN, SMTP with AUTH PLAIN, both
in UTF-8) and sends. With a wrong password beyond ASCII, neither the RPC answer (message,
traceback, arguments), nor the log, nor any chatter message spells the password: as text,
escaped, as UTF-8 bytes or in base64 as AUTH LOGIN and AUTH PLAIN send it.
"""

import base64
import email
import email.policy
import json
import logging
import secrets
import ssl
from contextlib import contextmanager

import imapclient

from odoo.tests import tagged

from .common import RpcAttackCase
from .fake_servers import FakeImapServer
from .hostile_report import record

MODEL = "dynaoffice.mail.account"
PASSWORD = "Päßwört-€-日本"
WRONG = "Fälsch-€-パスワード"


def spellings(username, password):
    """The password as a library, a server or a log could write it."""
    utf8 = password.encode()
    return {
        password,
        ascii(password)[1:-1],  # \xe4\xdf...
        repr(utf8)[2:-1],  # P\xc3\xa4...
        json.dumps(password)[1:-1],  # \u00e4... as JSON escapes it
        base64.b64encode(utf8).decode(),  # AUTH LOGIN
        base64.b64encode(b"\0" + username.encode() + b"\0" + utf8).decode(),  # AUTH PLAIN
    }


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))  # with the traceback, as a log file has it


@contextmanager
def collected_log():
    """Every log line written meanwhile, by any thread (the HTTP server's included)."""
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector.lines
    finally:
        root.removeHandler(collector)


@tagged("post_install", "-at_install")
class TestTrustPasswords(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.address = f"utf8-{secrets.token_hex(4)}@dynaoffice.test"
        cls.servers.add_user(cls.address, PASSWORD)
        cls.partner_address, cls.partner_password = cls.new_mailbox()

    def values(self, **overrides):
        return dict(self.account_values(self.address, PASSWORD), user_id=self.owner.id, **overrides)

    def sent_subjects(self):
        """The subjects in the mailbox's Sent, as another mail program reads them (with
        AUTHENTICATE PLAIN: LOGIN cannot carry the password)."""
        context = ssl.create_default_context(cadata=self.ca_pem)
        client = imapclient.IMAPClient(
            "localhost", port=self.ports.imaps, ssl_context=context, timeout=10
        )
        try:
            client.plain_login(self.address, PASSWORD)
            client.select_folder("Sent", readonly=True)
            fetched = client.fetch(client.search(), ["BODY.PEEK[]"]).values()
            return [
                str(
                    email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)[
                        "Subject"
                    ]
                )
                for data in fetched
            ]
        finally:
            client.logout()

    def assert_never_spelled(self, password, answer, log_lines):
        texts = {
            "the RPC answer": json.dumps(answer, ensure_ascii=False),
            "the RPC answer as sent": json.dumps(answer),
            "the log": "\n".join(log_lines),
        }
        found = [
            where
            for spelling in spellings(self.address, password)
            for where, text in texts.items()
            if spelling in text
        ]
        found += [
            "a chatter message"
            for spelling in spellings(self.address, password)
            if self.env["mail.message"].sudo().search_count([("body", "ilike", spelling)])
        ]
        record("rpc_passwords", len(found))
        self.assertEqual(found, [], "the password is spelled out")

    def test_a_password_beyond_ascii_saves_and_sends(self):
        answer = self.rpc(self.owner, MODEL, "create", [self.values()])
        self.assertNotIn("error", answer, answer.get("error", {}).get("data", {}).get("message"))
        account_id = answer["result"]
        draft = self.rpc(self.owner, MODEL, "client_compose", [[account_id], "new"])["result"]
        draft.update(to=[self.partner_address], subject="Grüße mit Umlaut-Passwort")
        draft["body_html"] = "<p>Hallo!</p>" + draft["body_html"]
        sent = self.rpc(self.owner, MODEL, "client_send", [[account_id], draft])
        self.assertNotIn("error", sent, sent.get("error", {}).get("data", {}).get("message"))
        self.assertTrue(sent["result"]["sent"], sent["result"])
        self.assertEqual(sent["result"]["problems"], [])
        subjects = [
            str(parsed["Subject"])
            for parsed, _flags in self.fetch_all(self.partner_address, self.partner_password)
        ]
        self.assertIn("Grüße mit Umlaut-Passwort", subjects)
        # The copy in Sent went over the pooled IMAP connection, logged in the same way.
        self.assertIn("Grüße mit Umlaut-Passwort", self.sent_subjects())

    def test_a_wrong_imap_password_never_comes_back(self):
        with collected_log() as log_lines:
            answer = self.rpc(self.owner, MODEL, "create", [self.values(imap_password=WRONG)])
        self.assertIn("error", answer)
        message = answer["error"]["data"]["message"]
        self.assertIn("Receiving (IMAP) failed", message)
        self.assertIn("did not accept the user name or password", message)
        self.assert_never_spelled(WRONG, answer, log_lines)

    def test_a_wrong_smtp_password_never_comes_back(self):
        with collected_log() as log_lines:
            answer = self.rpc(self.owner, MODEL, "create", [self.values(smtp_password=WRONG)])
        self.assertIn("error", answer)
        message = answer["error"]["data"]["message"]
        self.assertIn("Sending (SMTP) failed", message)
        self.assertIn("did not accept the user name or password", message)
        self.assert_never_spelled(WRONG, answer, log_lines)

    def test_a_send_with_a_wrong_password_never_comes_back(self):
        # The password changed on the server since the account was saved.
        account = self.create_account_as(self.owner, **self.values())
        account.sudo()._without_connection_test().write({"smtp_password": WRONG})
        draft = self.rpc(self.owner, MODEL, "client_compose", [[account.id], "new"])["result"]
        draft.update(to=[self.partner_address], subject="Falsches Passwort")
        with collected_log() as log_lines:
            answer = self.rpc(self.owner, MODEL, "client_send", [[account.id], draft])
        self.assertFalse(answer["result"]["sent"])
        self.assertIn("did not accept the user name or password", answer["result"]["error"])
        self.assert_never_spelled(WRONG, answer, log_lines)

    def test_a_server_without_sasl_plain_gets_no_password_beyond_ascii(self):
        # It offers LOGIN only, which cannot carry the password: nothing is sent, and the
        # user reads why. (A fake: Dovecot offers AUTHENTICATE PLAIN wherever it allows
        # logging in.)
        server = FakeImapServer(self.servers.certificates)
        self.addCleanup(server.stop)
        with collected_log() as log_lines:
            answer = self.rpc(self.owner, MODEL, "create", [self.values(imap_port=server.port)])
        self.assertIn("error", answer)
        self.assertIn(
            "does not accept a user name or password with characters such as ä, ß or €",
            answer["error"]["data"]["message"],
        )
        self.assertEqual(server.logins, [])
        self.assert_never_spelled(PASSWORD, answer, log_lines)
