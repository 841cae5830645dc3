"""No RPC answer carries a mail password: the answers the web client gets for the account
form and list, the mail client's calls and a new record's defaults, as raw HTTP bodies,
for the account's owner, a group member and an administrator."""

import json

from odoo.tests import tagged

from .common import RpcAttackCase
from .hostile_report import record

MODEL = "dynaoffice.mail.account"


@tagged("post_install", "-at_install")
class TestCredentialsRpc(RpcAttackCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.passwords = {
            self.personal.sudo()._decrypted_password(field)
            for field in ("imap_password", "smtp_password")
        } | {
            self.shared.sudo()._decrypted_password(field)
            for field in ("imap_password", "smtp_password")
        }
        self.assertEqual(len(self.passwords), 2, "one password per mailbox, both set")

    def call(self, method, args, kwargs=None):
        """The raw body of a call_kw answer, as the browser receives it."""
        body = self.rpc_body(MODEL, method, args, kwargs)
        self.assertNotIn('"error"', body[:200], f"{method} failed: {body[:500]}")
        return body

    def answers_of(self, account, reads_mail=True):
        """Every kind of answer about `account` the web client asks for (the mail client's
        only for its users: an administrator sets up a group's mailbox, but reads none)."""
        views = self.call("get_views", [[[False, "form"], [False, "list"]]])
        form_fields = json.loads(views)["result"]["models"][MODEL]["fields"]
        specification = {name: {} for name in form_fields}
        answers = {
            "get_views": views,
            "web_read": self.call("web_read", [[account.id]], {"specification": specification}),
            "web_search_read": self.call("web_search_read", [[]], {"specification": specification}),
            "read": self.call("read", [[account.id]]),
            "search_read": self.call("search_read", [[["id", "=", account.id]]]),
            "onchange": self.call("onchange", [[], {}, [], specification]),
        }
        if reads_mail:
            answers.update(
                client_accounts=self.call("client_accounts", []),
                client_folders=self.call("client_folders", [[account.id]]),
                client_page=self.call("client_page", [[account.id], "INBOX"]),
            )
        return answers

    def test_no_answer_holds_a_password(self):
        found = []
        for user, account, reads_mail in (
            (self.owner, self.personal, True),
            (self.member, self.shared, True),
            (self.admin, self.shared, False),
        ):
            self.authenticate(user.login, user.login)
            for name, body in self.answers_of(account, reads_mail).items():
                # The answers are real: they name the account they were asked about.
                if name in ("web_read", "read", "client_accounts"):
                    self.assertIn(json.dumps(account.email), body, name)
                found += [f"{user.login}: {name}" for secret in self.passwords if secret in body]
        record("rpc_passwords", len(found))
        self.assertEqual(found, [])
