""" "Always show remote content from this sender": each user's own list, decided by the body
and print routes, never by another user's entries; attacked over JSON-RPC."""

from email.message import EmailMessage

from odoo.tests import tagged

from .common import RpcAttackCase

TRUSTED = "dynaoffice.mail.trusted.sender"


def newsletter(sender):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "owner@kunde.example"
    message["Subject"] = "Newsletter März"
    message["Date"] = "Mon, 02 Mar 2026 09:00:00 +0100"
    message.set_content("Newsletter\n")
    message.add_alternative(
        "<p>Neu im März</p><img src='https://images.shop.example/maerz.png' alt='m'>",
        subtype="html",
    )
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestClientTrustedSenders(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        with cls.imap(cls, cls.personal_address, cls.personal_password) as client:
            client.append("INBOX", newsletter("Shop <News@Shop.example>"))

    def setUp(self):
        super().setUp()
        self.account = self.personal.with_user(self.owner)
        page = self.account.client_page("INBOX")
        self.ref = ("INBOX", page["uidvalidity"], page["messages"][0]["uid"])
        self.message = self.account.client_message(*self.ref)

    def body(self, user=None, url=None):
        user = user or self.owner
        self.authenticate(user.login, user.login)
        return self.url_open(url or self.message["body_url"])

    def assert_blocked(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("https:", response.headers["Content-Security-Policy"])
        self.assertNotIn("images.shop.example", response.text)

    def assert_shown(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "img-src 'self' data: https: http:", response.headers["Content-Security-Policy"]
        )
        self.assertIn("images.shop.example/maerz.png", response.text)

    def test_trusting_a_sender_shows_remote_content_until_revoked(self):
        self.assertTrue(self.message["has_remote_content"])
        self.assertFalse(self.message["remote_trusted"])
        self.assertEqual(self.message["sender_address"], "news@shop.example")
        self.assert_blocked(self.body())
        answer = self.rpc(self.owner, TRUSTED, "trust_address", [" News@SHOP.example "])
        self.assertEqual(answer.get("result"), "news@shop.example", answer)
        # Twice is once.
        self.rpc(self.owner, TRUSTED, "trust_address", ["news@shop.example"])
        entries = self.env[TRUSTED].sudo().search([("user_id", "=", self.owner.id)])
        self.assertEqual(entries.mapped("address"), ["news@shop.example"])
        self.assertTrue(self.account.client_message(*self.ref)["remote_trusted"])
        self.assert_shown(self.body())
        self.assert_shown(self.body(url=self.message["print_url"]))
        # Revoked from the Preferences' list.
        answer = self.rpc(self.owner, TRUSTED, "action_revoke", [entries.ids])
        self.assertIn("result", answer, answer)
        self.assertFalse(entries.exists())
        self.assert_blocked(self.body())
        self.assert_blocked(self.body(url=self.message["print_url"]))

    def test_another_users_trust_does_not_load_anything_for_me(self):
        # A member of no mailbox trusts the sender: the owner's mail stays blocked.
        answer = self.rpc(self.other, TRUSTED, "trust_address", ["news@shop.example"])
        self.assertIn("result", answer)
        self.assert_blocked(self.body())
        self.assertFalse(self.account.client_message(*self.ref)["remote_trusted"])

    def test_attackers_cannot_read_add_or_remove_my_trusted_senders(self):
        mine = self.env[TRUSTED].with_user(self.owner).create({"address": "News@Shop.example"})
        self.assertEqual(mine.address, "news@shop.example")

        def state():
            return self.env[TRUSTED].sudo().search([]).read(["user_id", "address"])

        for attacker in (self.other, self.admin, self.mail_admin, self.portal):
            answer = self.rpc(attacker, TRUSTED, "search_read", [[]], {"fields": ["address"]})
            self.assertNotIn("news@shop.example", str(answer), attacker.login)
            self.assert_forgery_refused(
                attacker, TRUSTED, "read", [mine.ids, ["address"]], state=state
            )
            self.assert_forgery_refused(attacker, TRUSTED, "unlink", [mine.ids], state=state)
            self.assert_forgery_refused(attacker, TRUSTED, "action_revoke", [mine.ids], state=state)
            for values in (
                {"user_id": attacker.id},
                {"address": "evil@example.com"},
            ):
                self.assert_forgery_refused(
                    attacker, TRUSTED, "write", [mine.ids, values], state=state
                )
            self.assert_forgery_refused(
                attacker,
                TRUSTED,
                "create",
                [{"address": "evil@example.com", "user_id": self.owner.id}],
                state=state,
            )
            self.assert_forgery_refused(
                attacker,
                "res.users",
                "write",
                [self.owner.ids, {"dynaoffice_mail_trusted_sender_ids": [(2, mine.id)]}],
                state=state,
            )
        # The owner may not hand the entry to someone else either.
        self.assert_forgery_refused(
            self.owner, TRUSTED, "write", [mine.ids, {"user_id": self.other.id}], state=state
        )
        self.assert_forgery_refused(
            self.owner,
            "res.users",
            "write",
            [
                self.owner.ids,
                {"dynaoffice_mail_trusted_sender_ids": [(0, 0, {"address": "x@y.example"})]},
            ],
            state=state,
        )

    def test_only_plain_addresses_are_trusted(self):
        def state():
            return self.env[TRUSTED].sudo().search([]).read(["user_id", "address"])

        for address in (
            "news@shop.example\r\nBcc: evil@example.com",
            "Shop <news@shop.example>",
            "shop.example",
            "",
            "a" * 250 + "@shop.example",
            ["news@shop.example"],
        ):
            self.assert_forgery_refused(
                self.owner, TRUSTED, "trust_address", [address], state=state
            )
            self.assert_forgery_refused(
                self.owner, TRUSTED, "create", [{"address": address}], state=state
            )

    def test_a_from_with_several_senders_is_trusted_for_none(self):
        self.env[TRUSTED].with_user(self.owner).create({"address": "news@shop.example"})
        with self.imap(self.personal_address, self.personal_password) as client:
            client.create_folder("Mehrere")
            client.append("Mehrere", newsletter("news@shop.example, Eve <eve@attacker.example>"))
        page = self.account.client_page("Mehrere")
        ref = ("Mehrere", page["uidvalidity"], page["messages"][0]["uid"])
        message = self.account.client_message(*ref)
        self.assertFalse(message["remote_trusted"])
        self.assertFalse(message["sender_address"])
        self.assert_blocked(self.body(url=message["body_url"]))
