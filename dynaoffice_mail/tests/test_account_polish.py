"""Everyday polish of the accounts (issue #20): who may test a connection, the downloaded
original's name, the account dialog (title, cursor, the login taken over from "Receive",
the sender name) and where saving returns.

Access is tested as the attacker calls it: JSON-RPC as a logged-in user.
"""

import datetime
from unittest.mock import patch
from urllib.parse import unquote

from odoo.tests import Form, tagged

from .common import RpcAttackCase, build_message

MODEL = "dynaoffice.mail.account"
OPENED_FROM = "dynaoffice_mail_opened_from"
RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
SECRET_SUBJECT = "Gehaltsliste Vertrieb"


@tagged("post_install", "-at_install")
class TestAccountPolish(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.servers.dovecot.write_messages(
            cls.personal_address,
            [
                ("INBOX", build_message("Angebot Müller"), set(), RECEIVED),
                ("INBOX", build_message("Re: Angebot 2026/17: Dach"), set(), RECEIVED),
                ("INBOX", build_message(""), set(), RECEIVED),
            ],
        )
        cls.servers.dovecot.write_messages(
            cls.shared_address, [("INBOX", build_message(SECRET_SUBJECT), set(), RECEIVED)]
        )

    # -- "Test connection": users of the mailbox, and administrators of group accounts ------

    def logins(self):
        """Counts the IMAP logins of the calls made inside the `with`."""
        Account = type(self.env[MODEL])
        return patch.object(
            Account, "_get_imap_session", autospec=True, side_effect=Account._get_imap_session
        )

    def test_administrators_test_a_group_account_without_reading_it(self):
        self.assertTrue(self.shared.with_user(self.mail_admin).can_test_connection)
        self.assertFalse(self.shared.with_user(self.mail_admin).can_use)
        answer = self.rpc(self.mail_admin, MODEL, "action_test_connection", [[self.shared.id]])
        self.assertIn("result", answer, answer)
        self.assertEqual(answer["result"]["params"]["type"], "success")
        self.assertEqual(answer["result"]["params"]["title"], "Connection successful")
        self.assertNotIn(SECRET_SUBJECT, str(answer))
        # The mailbox itself stays closed to them.
        for method, args in (
            ("client_folders", []),
            ("client_page", ["INBOX"]),
            ("action_open_mailbox", []),
        ):
            with self.subTest(method=method):
                answer = self.rpc(self.mail_admin, MODEL, method, [[self.shared.id], *args])
                self.assertIn("error", answer)
                self.assertNotIn(SECRET_SUBJECT, str(answer))

    def test_members_test_their_group_account(self):
        answer = self.rpc(self.member, MODEL, "action_test_connection", [[self.shared.id]])
        self.assertEqual(answer["result"]["params"]["type"], "success", answer)

    def test_only_the_owner_tests_a_personal_account(self):
        # An administrator's test would send the owner's password to the account's server.
        for user in (self.mail_admin, self.admin, self.other, self.member, self.portal):
            with self.subTest(user=user.login), self.logins() as login:
                answer = self.rpc(user, MODEL, "action_test_connection", [[self.personal.id]])
                self.assertIn("error", answer)
                login.assert_not_called()
        self.assertFalse(self.personal.with_user(self.mail_admin).can_test_connection)
        with self.logins() as login:
            answer = self.rpc(self.owner, MODEL, "action_test_connection", [[self.personal.id]])
        self.assertEqual(answer["result"]["params"]["type"], "success", answer)
        login.assert_called_once()

    def test_strangers_do_not_test_a_group_account(self):
        for user in (self.other, self.owner, self.portal):
            with self.subTest(user=user.login), self.logins() as login:
                answer = self.rpc(user, MODEL, "action_test_connection", [[self.shared.id]])
                self.assertIn("error", answer)
                login.assert_not_called()

    # -- the downloaded original is named after its subject ---------------------------------

    def test_downloaded_original_is_named_after_the_subject(self):
        account = self.personal.with_user(self.owner)
        page = account.client_page("INBOX")
        uids = {message["subject"]: message["uid"] for message in page["messages"]}
        self.authenticate(self.owner.login, self.owner.login)
        names = {}
        for subject, uid in uids.items():
            message = account.client_message("INBOX", page["uidvalidity"], uid)
            response = self.url_open(message["source_url"])
            self.assertEqual(response.status_code, 200)
            self.assertIn(b"Hallo", response.content)
            names[subject] = unquote(response.headers["Content-Disposition"])
        self.assertIn("Angebot Müller.eml", names["Angebot Müller"])
        # Nothing a file system refuses ("/" and ":" become blanks) ...
        self.assertIn("Re Angebot 2026 17 Dach.eml", names["Re: Angebot 2026/17: Dach"])
        # ... and a message without a subject keeps a name of its own.
        self.assertIn(f"message-{uids['']}.eml", names[""])
        # Whoever may not use the mailbox gets neither the message nor its subject.
        for user in (self.other, self.admin, self.member):
            self.authenticate(user.login, user.login)
            response = self.url_open(message["source_url"])
            self.assertIn(response.status_code, (403, 404), user.login)
            self.assertNotIn("Content-Disposition", response.headers)
            self.assertNotIn(b"Hallo", response.content)

    # -- the account dialog -----------------------------------------------------------------

    def test_the_dialogs_have_titles(self):
        new_personal = self.owner.with_user(self.owner).action_dynaoffice_mail_new_account()
        new_group = self.sales.with_user(self.admin).action_dynaoffice_mail_new_account()
        self.assertEqual(new_personal["name"], "New e-mail account")
        self.assertEqual(new_group["name"], "New e-mail account")
        edit = self.personal.with_user(self.owner).action_open_form()
        self.assertEqual(edit["name"], f"E-mail account {self.personal.name}")
        arch = self.env[MODEL].with_user(self.owner).get_views([(False, "form")])
        self.assertRegex(
            arch["views"]["form"]["arch"], r'<field[^>]*name="email"[^>]*default_focus="1"'
        )

    def form(self, user, action):
        return Form(self.env[MODEL].with_user(user).with_context(**action["context"]))

    def test_sending_takes_the_login_of_receiving_until_changed(self):
        action = self.owner.with_user(self.owner).action_dynaoffice_mail_new_account()
        form = self.form(self.owner, action)
        form.email = "olga@example.org"
        form.imap_user = "olga"
        form.imap_password = "first try"
        self.assertEqual((form.smtp_user, form.smtp_password), ("olga", "first try"))
        # A typo corrected on tab "Receive" is corrected on tab "Send" too.
        form.imap_user = "olga.owner"
        form.imap_password = "secret"
        self.assertEqual((form.smtp_user, form.smtp_password), ("olga.owner", "secret"))
        # A way of sending without a login keeps no copy of the password.
        form.smtp_method = "mail"
        self.assertFalse(form.smtp_password)
        form.smtp_method = "smtp"
        self.assertEqual(form.smtp_password, "secret")
        # What the user types on tab "Send" stays.
        form.smtp_user = "relay-login"
        form.smtp_password = "relay-secret"
        form.imap_user = "olga.o"
        form.imap_password = "changed"
        self.assertEqual((form.smtp_user, form.smtp_password), ("relay-login", "relay-secret"))

    def test_the_login_is_taken_over_from_the_form_never_from_the_database(self):
        # The form's onchange, as a browser (or an attacker) calls it on a saved account:
        # it echoes what was typed, and the stored passwords never come back.
        fields = ("imap_user", "imap_password", "smtp_user", "smtp_password", "smtp_method")
        spec = {name: {} for name in (*fields, "smtp_auth", "smtp_follows_imap")}
        answer = self.rpc(
            self.owner,
            MODEL,
            "onchange",
            [[self.personal.id], {"imap_user": "olga.new"}, ["imap_user"], spec],
        )
        self.assertEqual(answer["result"]["value"]["smtp_user"], "olga.new", answer)
        self.assertNotIn(self.personal_password, str(answer))
        answer = self.rpc(
            self.owner,
            MODEL,
            "onchange",
            [[self.personal.id], {"imap_password": "typed"}, ["imap_password"], spec],
        )
        self.assertEqual(answer["result"]["value"]["smtp_password"], "typed", answer)
        self.assertNotIn(self.personal_password, str(answer))
        for user in (self.other, self.mail_admin, self.portal):
            with self.subTest(user=user.login):
                answer = self.rpc(
                    user,
                    MODEL,
                    "onchange",
                    [[self.personal.id], {"imap_user": "x"}, ["imap_user"], spec],
                )
                self.assertNotIn(self.personal_password, str(answer))
                self.assertNotIn(self.personal_address, str(answer.get("result")))

    def test_the_sender_name_follows_the_owner(self):
        personal = self.form(
            self.owner, self.owner.with_user(self.owner).action_dynaoffice_mail_new_account()
        )
        self.assertEqual(personal.sender_name, "Olga Owner")
        group = self.form(
            self.admin, self.sales.with_user(self.admin).action_dynaoffice_mail_new_account()
        )
        self.assertEqual(group.sender_name, "Vertrieb (test)")

    # -- saving returns where the dialog was opened -----------------------------------------

    def test_saving_from_the_preferences_returns_to_their_tab(self):
        action = self.owner.with_user(self.owner).action_dynaoffice_mail_new_account()
        account = self.personal.with_user(self.owner).with_context(**action["context"])
        notification = account.action_save_account()
        self.assertEqual(notification["params"]["title"], "Connection successful")
        back = notification["params"]["next"]
        view = self.env.ref("dynaoffice_mail.res_users_view_form_preferences_mail")
        self.assertEqual(
            (back["res_model"], back["res_id"], back["views"], back["target"]),
            ("res.users", self.owner.id, [(view.id, "form")], "new"),
        )
        # From a group's form: the dialog closes and the group's form reloads.
        action = self.sales.with_user(self.admin).action_dynaoffice_mail_new_account()
        account = self.shared.with_user(self.admin).with_context(**action["context"])
        self.assertEqual(
            account.action_save_account()["params"]["next"],
            {"type": "ir.actions.act_window_close"},
        )
