"""Issue #12, hole 7: no account reaches into the server's own network, and no error says
what an internal name resolves to.

Called as an attacker calls it: JSON-RPC as a normal user, saving an account whose IMAP
host is loopback or a private network written in every form that slips past a naive
check (6to4, Teredo, NAT64, IPv4-compatible and -mapped, site-local), or a name that
resolves to loopback. The save's connection test refuses before connecting, nothing is
stored, and the whole answer (message and traceback alike) names no address.
"""

import json
import socket

from odoo.tests import tagged

from .common import RpcAttackCase
from .hostile_report import record

MODEL = "dynaoffice.mail.account"

# host: the IPv4 address it leads to, where it wraps one.
FORBIDDEN_HOSTS = {
    "localhost": "127.0.0.1",  # a name: what it resolves to is what must stay unsaid
    "2002:7f00:1::1": "127.0.0.1",  # 6to4
    "2002:c0a8:101::1": "192.168.1.1",  # 6to4
    "2001:0:7f00:1::1": "127.0.0.1",  # Teredo, its server part
    "fec0::1": None,  # site-local
    "::7f00:1": "127.0.0.1",  # IPv4-compatible
    "::ffff:a9fe:a9fe": "169.254.169.254",  # IPv4-mapped: cloud metadata
    "64:ff9b::a00:1": "10.0.0.1",  # NAT64, well-known prefix
    "64:ff9b:1::7f00:1": "127.0.0.1",  # NAT64, local use
}


def _revealing(host, wrapped):
    """Everything that would tell where `host` leads: the addresses it resolves to (as
    getaddrinfo writes them), the IPv4 address inside, and a literal host itself."""
    resolved = {info[4][0] for info in socket.getaddrinfo(host, 993, type=socket.SOCK_STREAM)}
    literal = set() if host == "localhost" else {host}
    return resolved | literal | ({wrapped} if wrapped else set())


@tagged("post_install", "-at_install")
class TestTrustHostCheck(RpcAttackCase):
    def setUp(self):
        super().setUp()
        # MailServerCase allows loopback for the test servers; an attacker's Odoo does not.
        self.env["ir.config_parameter"].sudo().set_param(
            "dynaoffice_mail.allow_private_hosts", "False"
        )
        self.address, self.password = self.new_mailbox()

    def accounts(self):
        return sorted(
            self.env[MODEL].sudo().with_context(active_test=False).search([]).mapped("imap_host")
        )

    def assert_refused_in_silence(self, answer, host, wrapped):
        self.assertIn("error", answer, f"{host} was accepted: {answer}")
        message = answer["error"]["data"]["message"]
        self.assertIn("Receiving (IMAP) failed", message)
        self.assertIn("local or private network", message)
        # The message, the traceback, the arguments: nowhere an address.
        text = json.dumps(answer, ensure_ascii=False)
        for revealing in sorted(_revealing(host, wrapped)):
            self.assertNotIn(revealing, text, f"the answer for {host} names {revealing}")

    def test_saving_an_account_on_a_private_host_is_refused_without_the_address(self):
        before = self.accounts()
        for host, wrapped in FORBIDDEN_HOSTS.items():
            with self.subTest(host=host):
                values = self.account_values(
                    self.address, self.password, imap_host=host, user_id=self.owner.id
                )
                record("reach_tried", 1)
                answer = self.rpc(self.owner, MODEL, "create", [values])
                self.env.invalidate_all()
                refused = "error" in answer and self.accounts() == before
                record("reach_refused", int(refused))
                self.assert_refused_in_silence(answer, host, wrapped)
                self.assertEqual(self.accounts(), before, f"an account on {host} was stored")

    def test_moving_an_account_to_a_private_host_is_refused_without_the_address(self):
        account = (
            self.env[MODEL]
            ._without_connection_test()
            .with_user(self.owner)
            .create(
                dict(
                    self.account_values(self.address, self.password, imap_host="imap.example.com"),
                    user_id=self.owner.id,
                )
            )
        )
        for host, wrapped in FORBIDDEN_HOSTS.items():
            with self.subTest(host=host):
                message = self.assert_forgery_refused(
                    self.owner,
                    MODEL,
                    "write",
                    [[account.id], {"imap_host": host, "imap_password": self.password}],
                    state=lambda: account.sudo().read(["imap_host", "imap_port"]),
                    error="local or private network",
                )
                for revealing in sorted(_revealing(host, wrapped)):
                    self.assertNotIn(revealing, message)
