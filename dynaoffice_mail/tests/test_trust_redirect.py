"""Issue #12, hole 2: nobody redirects a stored password to another server.

The attacker is a mail administrator who may change a group's account but does not know
its password (or the owner's hijacked session, for a personal account). He points the
account at a server of his own, which accepts any login and keeps what it is sent, and
lets the save's connection test deliver the stored password there. Changing where a
password goes takes that password in the same write.
"""

from odoo.tests import tagged

from .common import RpcAttackCase
from .fake_servers import FakeImapServer, FakeSmtpServer

MODEL = "dynaoffice.mail.account"
ENTER_AGAIN = "enter the password again"


@tagged("post_install", "-at_install")
class TestTrustRedirect(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.thief_imap = FakeImapServer(cls.servers.certificates)
        cls.addClassCleanup(cls.thief_imap.stop)
        cls.thief_smtp = FakeSmtpServer(cls.servers.certificates)
        cls.addClassCleanup(cls.thief_smtp.stop)

    def setUp(self):
        super().setUp()
        self.thief_imap.logins.clear()
        self.thief_smtp.logins.clear()

    def redirect(self, user, account, values):
        """A write of `values` by `user` must be refused, and no server of the attacker's
        may have been sent a password."""
        self.assert_forgery_refused(
            user,
            MODEL,
            "write",
            [[account.id], values],
            state=lambda: self.account_state(account),
            error=ENTER_AGAIN,
        )
        self.assertEqual(self.thief_imap.logins, [], "a password reached the attacker's IMAP")
        self.assertEqual(self.thief_smtp.logins, [], "a password reached the attacker's SMTP")

    def test_a_mail_admin_cannot_send_a_group_password_to_his_server(self):
        self.redirect(self.mail_admin, self.shared, {"imap_port": self.thief_imap.port})
        self.redirect(
            self.mail_admin,
            self.shared,
            {"smtp_port": self.thief_smtp.port, "smtp_encryption": "ssl"},
        )
        # The attacker's own CA would let his server pass as the real one.
        self.redirect(self.mail_admin, self.shared, {"ca_certificate": self.ca_pem + "\n"})

    def test_every_field_that_says_where_the_password_goes(self):
        for values in (
            {"imap_host": "127.0.0.1"},
            {"imap_port": self.thief_imap.port},
            {"imap_ssl": False, "imap_port": self.ports.imap},
            {"imap_ssl": False, "imap_allow_insecure": True, "imap_port": self.ports.imap},
            {"imap_user": "someone-else@dynaoffice.test"},
            {"smtp_host": "127.0.0.1"},
            {"smtp_port": self.thief_smtp.port, "smtp_encryption": "ssl"},
            {"smtp_encryption": "none", "smtp_port": self.ports.smtp_plain},
            {"smtp_user": "someone-else@dynaoffice.test"},
            {"ca_certificate": False},
            # The password of the other side is no key to this one.
            {"imap_port": self.thief_imap.port, "smtp_password": "not the IMAP one"},
        ):
            with self.subTest(values=values):
                self.redirect(self.owner, self.personal, values)
                self.redirect(self.mail_admin, self.shared, values)

    def test_the_password_entered_again_goes_where_it_was_entered_for(self):
        # The owner moves his account to the STARTTLS port and enters the password.
        password = self.personal_password
        answer = self.rpc(
            self.owner,
            MODEL,
            "write",
            [
                [self.personal.id],
                {"imap_ssl": False, "imap_port": self.ports.imap, "imap_password": password},
            ],
        )
        self.assertEqual(answer.get("result"), True, answer)
        self.assertEqual(self.personal.imap_port, self.ports.imap)
        # The administrator points the group's account at his server with a password of
        # his own: the server sees that one, never the stored one.
        stored = self.shared.sudo()._decrypted_password("imap_password")
        answer = self.rpc(
            self.mail_admin,
            MODEL,
            "write",
            [[self.shared.id], {"imap_port": self.thief_imap.port, "imap_password": "his-own"}],
        )
        self.assertEqual(answer.get("result"), True, answer)
        self.assertTrue(self.thief_imap.logins)
        self.assertFalse(any(stored.encode() in login for login in self.thief_imap.logins))
        self.assertTrue(all(b"his-own" in login for login in self.thief_imap.logins))

    def test_other_changes_need_no_password(self):
        answer = self.rpc(
            self.mail_admin,
            MODEL,
            "write",
            [[self.shared.id], {"signature": "<p>Ihr Vertrieb</p>", "name": "Vertrieb"}],
        )
        self.assertEqual(answer.get("result"), True, answer)
        # Writing the values it has already is no change either (forms may send them).
        answer = self.rpc(
            self.owner,
            MODEL,
            "write",
            [[self.personal.id], {"imap_host": "localhost", "imap_port": self.ports.imaps}],
        )
        self.assertEqual(answer.get("result"), True, answer)
        self.assertEqual(self.thief_imap.logins, [])
