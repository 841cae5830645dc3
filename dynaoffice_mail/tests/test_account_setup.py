"""Setting up an account: the form's suggestions, the connection test on save, the errors."""

import os
import socket
import subprocess

from odoo import api, sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL, config

from .common import MailServerCase


@tagged("post_install", "-at_install")
class TestAccountSetup(MailServerCase):
    def setUp(self):
        super().setUp()
        self.address, self.password = self.new_mailbox()
        self.Account = self.env["dynaoffice.mail.account"]

    def assertSavesNothing(self, values, *fragments, user=None):
        """Saving fails with a message containing every fragment, and stores nothing."""
        before = self.Account.sudo().search_count([])
        with self.assertRaises(UserError) as caught:
            self.create_account_as(user or self.owner, **values)
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(self.Account.sudo().search_count([]), before)
        return message

    # -- saving tests the connection -------------------------------------------------------

    def test_save_with_working_servers_stores_the_account(self):
        account = self.create_account_as(
            self.owner, user_id=self.owner.id, **self.account_values(self.address, self.password)
        )
        self.assertEqual(account.account_type, "personal")
        self.assertEqual(account.sender_name, "Olga Owner")
        self.assertTrue(account.imap_password_set and account.smtp_password_set)
        action = account.with_user(self.owner).action_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "success")

    def test_wrong_password_names_the_side_that_failed(self):
        values = self.account_values(self.address, "wrong", smtp_password=self.password)
        message = self.assertSavesNothing(
            dict(values, user_id=self.owner.id),
            "Receiving (IMAP) failed",
            "did not accept the user name or password",
        )
        self.assertNotIn("Sending", message)
        values = self.account_values(self.address, self.password, smtp_password="wrong")
        self.assertSavesNothing(
            dict(values, user_id=self.owner.id),
            "Sending (SMTP) failed",
            "did not accept the user name or password",
        )

    def test_unknown_host(self):
        values = self.account_values(self.address, self.password, imap_host="no-such-host.invalid")
        self.assertSavesNothing(
            dict(values, user_id=self.owner.id), "was not found", "no-such-host.invalid"
        )

    def test_connection_refused(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        values = self.account_values(self.address, self.password, imap_port=port)
        self.assertSavesNothing(
            dict(values, user_id=self.owner.id), f"not accepting connections on port {port}"
        )

    def test_timeout(self):
        # A fake on purpose: no real server can be told to accept and then stay silent.
        with socket.socket() as stalled:
            stalled.bind(("127.0.0.1", 0))
            stalled.listen(1)
            port = stalled.getsockname()[1]
            values = self.account_values(self.address, self.password, smtp_port=port)
            self.env["ir.config_parameter"].sudo().set_param("dynaoffice_mail.timeout", "1")
            self.assertSavesNothing(
                dict(values, user_id=self.owner.id),
                "Sending (SMTP) failed",
                "did not answer in time",
            )

    def test_untrusted_certificate(self):
        values = self.account_values(self.address, self.password, ca_certificate=False)
        self.assertSavesNothing(
            dict(values, user_id=self.owner.id), "is not trusted", "CA certificate"
        )

    def test_certificate_for_another_name(self):
        values = self.account_values(self.address, self.password, imap_host="127.0.0.1")
        self.assertSavesNothing(
            dict(values, user_id=self.owner.id), "not valid for the name 127.0.0.1"
        )

    def test_tls_not_offered(self):
        # "TLS" on a port other than 465 means STARTTLS, which this listener does not offer.
        values = self.account_values(self.address, self.password, smtp_port=self.ports.smtp_plain)
        self.assertSavesNothing(dict(values, user_id=self.owner.id), "does not offer STARTTLS")

    def test_login_method_refused_without_encryption(self):
        values = self.account_values(self.address, self.password, smtp_encryption="none")
        self.assertSavesNothing(
            dict(values, user_id=self.owner.id), "does not allow logging in on this connection"
        )

    def test_private_addresses_are_refused_unless_allowed(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "dynaoffice_mail.allow_private_hosts", "False"
        )
        values = self.account_values(self.address, self.password)
        self.assertSavesNothing(dict(values, user_id=self.owner.id), "local or private network")

    def test_line_breaks_never_reach_a_protocol(self):
        values = self.account_values(
            self.address, self.password, imap_user=f"{self.address}\r\nA1 LOGOUT"
        )
        with self.assertRaises(ValidationError):
            self.create_account_as(self.owner, user_id=self.owner.id, **values)
        values = self.account_values(self.address, self.password, smtp_password="pw\r\nQUIT")
        with self.assertRaises(ValidationError):
            self.create_account_as(self.owner, user_id=self.owner.id, **values)

    def test_invalid_address_is_refused(self):
        values = self.account_values(self.address, self.password, email="not an address")
        with self.assertRaises(ValidationError):
            self.create_account_as(self.owner, user_id=self.owner.id, **values)

    def test_what_no_mail_could_be_sent_with_is_refused_on_save(self):
        # The connection test logs in; it sends no mail. An address or a sender name that
        # every mail would be refused for must be refused when saving, not at each "Send".
        for field, value, fragment in (
            ("email", "jörg@dynaoffice.test", "before the @"),
            ("email", "a..b@dynaoffice.test", "is not a valid e-mail address"),
            ("email", "box@localhost", "is not a valid e-mail address"),
            ("sender_name", "Olga\u2028Owner", "must not contain line breaks"),
            ("sender_name", "Olga\x0bOwner", "must not contain line breaks"),
            ("sender_name", "O" * 201, "longer than 200 characters"),
        ):
            with self.subTest(field=field, value=value[:20]):
                values = self.account_values(self.address, self.password, **{field: value})
                self.assertSavesNothing(dict(values, user_id=self.owner.id), fragment)
        # Within the limits, with a domain in any script, it saves; changing it is refused too.
        values = self.account_values(
            self.address, self.password, email="box@müller.test", sender_name="Ö" * 200
        )
        account = self.create_account_as(self.owner, user_id=self.owner.id, **values)
        self.assertEqual(account.sender_name, "Ö" * 200)
        for field, value in (("email", "jörg@dynaoffice.test"), ("sender_name", "O\u2028")):
            with (
                self.subTest(change=field),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                account.with_user(self.owner).write({field: value})

    def test_changing_a_password_tests_again_and_keeps_the_old_one_on_failure(self):
        account = self.create_account_as(
            self.owner, user_id=self.owner.id, **self.account_values(self.address, self.password)
        )
        with self.assertRaises(UserError), self.env.cr.savepoint():
            account.with_user(self.owner).write({"imap_password": "wrong"})
        self.assertEqual(account._decrypted_password("imap_password"), self.password)
        # Changing only the signature needs no connection, so it works even offline.
        account.with_user(self.owner).write({"signature": "<p>Gruß</p>"})

    # -- sending methods -----------------------------------------------------------------------

    def allow_personal(self, way):
        """Let personal accounts send their way (`way`: the system parameter's switch) as
        the test mailboxes' domain."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(f"dynaoffice_mail.personal_{way}", "True")
        params.set_param("dynaoffice_mail.sender_domains", "dynaoffice.test")

    def test_mail_method_needs_an_outgoing_mail_server(self):
        self.allow_personal("odoo_mail")
        self.env["ir.mail_server"].sudo().search([]).unlink()
        values = self.account_values(self.address, self.password, smtp_method="mail")
        self.assertSavesNothing(dict(values, user_id=self.owner.id), "no outgoing mail server")
        self.env["ir.mail_server"].sudo().create(
            {"name": "Relay", "smtp_host": "localhost", "smtp_port": self.ports.smtp_plain}
        )
        account = self.create_account_as(self.owner, user_id=self.owner.id, **values)
        self.assertEqual(account.smtp_method, "mail")

    def test_sendmail_method_needs_the_program(self):
        self.allow_personal("sendmail")
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("dynaoffice_mail.sendmail_path", "/nonexistent/sendmail")
        values = self.account_values(self.address, self.password, smtp_method="sendmail")
        self.assertSavesNothing(dict(values, user_id=self.owner.id), "/nonexistent/sendmail")
        params.set_param("dynaoffice_mail.sendmail_path", "/bin/true")
        self.assertTrue(self.create_account_as(self.owner, user_id=self.owner.id, **values))

    # -- the form ---------------------------------------------------------------------------------

    def new_form(self):
        return Form(self.Account.with_user(self.owner).with_context(default_user_id=self.owner.id))

    def assert_suggested(self, form, address):
        """The form's hosts, users and account name as suggested from `address`."""
        domain = address.partition("@")[2]
        self.assertEqual(
            (form.imap_host, form.smtp_host, form.imap_user, form.smtp_user, form.name),
            (f"imap.{domain}", f"smtp.{domain}", address, address, address),
        )

    def test_form_suggests_hosts_users_and_switches_ports(self):
        form = self.new_form()
        form.email = "olga@example.org"
        self.assert_suggested(form, "olga@example.org")
        self.assertEqual((form.imap_port, form.smtp_port, form.smtp_encryption), (993, 465, "tls"))
        form.imap_ssl = False
        self.assertEqual(form.imap_port, 143)
        form.imap_ssl = True
        self.assertEqual(form.imap_port, 993)
        form.imap_port = 10993  # typed by the user: the switch leaves it alone
        form.imap_ssl = False
        self.assertEqual(form.imap_port, 10993)

    def test_correcting_the_address_corrects_the_suggestions(self):
        # A typo in the domain, noticed after leaving the field: what was suggested from it
        # follows the corrected address, on a new account as on a saved one.
        form = self.new_form()
        form.email = "olga@exmaple.org"
        form.email = "olga@example.org"
        self.assert_suggested(form, "olga@example.org")
        # What the user typed himself stays.
        form.imap_host = "mail.example.org"
        form.name = "Olga"
        form.email = "olga.b@example.com"
        self.assertEqual(form.imap_host, "mail.example.org")
        self.assertEqual(form.smtp_host, "smtp.example.com")
        self.assertEqual(form.name, "Olga")

    def test_dynamail_fills_in_the_preset(self):
        preset = self.env.ref("dynaoffice_mail.dynaoffice_mail_server_preset_dynamail")
        preset.write({"imap_host": "imap.dynamail.example", "smtp_port": 587})
        form = self.new_form()
        form.server_type = "dynamail"
        form.email = "olga@example.org"
        self.assertEqual(form.imap_host, "imap.dynamail.example")
        self.assertEqual(form.smtp_port, 587)

    def test_switching_back_from_dynamail_drops_the_preset(self):
        # dynaMAIL is the first choice: picked by mistake, then Standard (IMAP). The hosts
        # and CA certificate of the hosting must not stay on the account (the CA alone
        # would make every other server's certificate fail).
        preset = self.env.ref("dynaoffice_mail.dynaoffice_mail_server_preset_dynamail")
        preset.write({"imap_host": "imap.dynamail.example", "ca_certificate": self.ca_pem})
        form = self.new_form()
        form.server_type = "dynamail"
        form.email = "olga@example.org"
        self.assertEqual(form.imap_host, "imap.dynamail.example")
        form.server_type = "imap"
        self.assertEqual(form.imap_host, "imap.example.org")
        self.assertEqual(form.smtp_host, "smtp.example.org")
        self.assertFalse(form.ca_certificate)
        # A host the user typed after choosing dynaMAIL stays.
        form.server_type = "dynamail"
        form.smtp_host = "relay.example.org"
        form.server_type = "imap"
        self.assertEqual(form.imap_host, "imap.example.org")
        self.assertEqual(form.smtp_host, "relay.example.org")

    def test_the_form_saves_through_the_connection_test(self):
        form = self.new_form()
        form.email = self.address
        for name, value in self.account_values(self.address, self.password).items():
            # Authentication is read-only while it is on and cannot be switched off.
            if name not in ("email", "smtp_auth"):
                setattr(form, name, value)
        account = form.save()
        self.assertEqual(account.user_id, self.owner)
        self.assertEqual(account.delete_mode, "trash")

    def test_group_account_sender_name_is_the_group(self):
        account = self.create_account_as(
            self.admin, group_id=self.sales.id, **self.account_values(self.address, self.password)
        )
        self.assertEqual(account.account_type, "group")
        self.assertEqual(account.sender_name, "Vertrieb (test)")

    # -- passwords at rest ------------------------------------------------------------------------

    def test_passwords_are_encrypted_and_write_only(self):
        account = self.create_account_as(
            self.owner, user_id=self.owner.id, **self.account_values(self.address, self.password)
        )
        self.env.cr.execute(
            SQL(
                "SELECT imap_password_crypt, smtp_password_crypt FROM dynaoffice_mail_account "
                "WHERE id = %s",
                account.id,
            )
        )
        imap_token, smtp_token = self.env.cr.fetchone()
        self.assertNotIn(self.password, imap_token + smtp_token)
        as_owner = account.with_user(self.owner)
        self.assertFalse(as_owner.read(["imap_password", "smtp_password"])[0]["imap_password"])
        rows = as_owner.search_read([("id", "=", account.id)])
        self.assertNotIn(self.password, repr(rows))
        self.assertNotIn(imap_token, repr(rows))
        # Not even an administrator's export contains it.
        self.admin.groups_id += self.env.ref("base.group_allow_export")
        fields_to_export = ["imap_password", "smtp_password", "name"]
        exported = account.with_user(self.admin).export_data(fields_to_export)
        self.assertNotIn(self.password, repr(exported))
        self.assertEqual(account._decrypted_password("imap_password"), self.password)

    def test_database_dump_contains_no_password(self):
        """pg_dump of a database holding an account: the password is not in it anywhere."""
        password = f"dump-secret-{self.password}"
        dbname = self.env.cr.dbname
        # The test transaction is never committed; a second connection commits for real.
        with sql_db.db_connect(dbname).cursor() as cr:
            env = api.Environment(cr, self.env.uid, {})
            # Owned by a user that exists outside this test's transaction.
            account = (
                env["dynaoffice.mail.account"]
                ._without_connection_test()
                .create(
                    dict(
                        self.account_values(self.address, password),
                        user_id=self.env.ref("base.user_admin").id,
                    )
                )
            )
            # A separate connection, not the test's: committing is the point of this test.
            cr.commit()  # pylint: disable=invalid-commit
            try:
                dump = subprocess.run(
                    _pg_dump_argv(dbname), check=True, capture_output=True, env=_pg_env()
                ).stdout
            finally:
                account.unlink()
                cr.commit()  # pylint: disable=invalid-commit
        self.assertIn(b"dynaoffice_mail_account", dump)
        self.assertNotIn(password.encode(), dump)


def _pg_dump_argv(dbname):
    argv = ["pg_dump", "--no-owner", "--data-only", "-d", dbname]
    if config["db_host"]:
        argv += ["-h", config["db_host"]]
    if config["db_port"]:
        argv += ["-p", str(config["db_port"])]
    if config["db_user"]:
        argv += ["-U", config["db_user"]]
    return argv


def _pg_env():
    env = dict(os.environ)
    if config["db_password"]:
        env["PGPASSWORD"] = config["db_password"]
    return env
