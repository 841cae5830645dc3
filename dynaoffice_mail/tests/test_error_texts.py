"""What the user reads when a server fails: the real failures (a closed port, TLS to a port
without it, a wrong password, a folder another program deleted, a server that stopped)
through the model, and every exception of the services through the one table of texts.

Each text names something the user can do, shows nothing of the libraries or of the
server's own answer (errno numbers, OpenSSL's "_ssl.c", "select failed: ...", bytes), and
"try again" never follows a mail that may have gone out. The German is checked too.
"""

import inspect
import re
import secrets
from pathlib import Path

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..roles.errors import ERROR_TEXTS, explain
from ..services import exceptions as mail_errors
from ..services import pool as imap_pool
from .common import MailServerCase, closed_port

try:
    from dynaoffice_mail_testing.dovecot import Dovecot
except ImportError:  # without the test helper package (common.py says what is missing)
    Dovecot = None

# What only a library or the server would say.
INTERNALS = re.compile(
    r"_ssl\.c|Errno|\[SSL|\b[A-Za-z]+ failed:|\b[A-Z]\w*(?:Error|Exception)\b|\bb'|\bb\""
    r"|socket error|=>|secs\)|\[[A-Z]{4,}\]"
)
# Something the user can do, in English and in German.
ACTION = re.compile(
    r"(?i)\b(?:Try again|Send it again|Check|Choose|Reload|Ask|Correct|Use|Delete|Remove|Paste"
    r"|Change|Contact|Narrow|do not send|Reconnect|Connect"
    r"|Versuchen Sie|Senden Sie|Prüfen Sie|Wählen Sie|Laden Sie|Fragen Sie|Korrigieren Sie"
    r"|Verwenden Sie|Löschen Sie|Entfernen Sie|Fügen Sie|Ändern Sie|Schränken Sie"
    r"|Erreichen Sie|Verbinden Sie|nicht noch einmal)\b"
)
# Internals as the services keep them in `detail`, for the table's texts to leave out.
DETAIL = "select failed: [Errno 104] Connection reset by peer (_ssl.c:2427) b'NO' (0.001 secs)"


@tagged("post_install", "-at_install")
class TestErrorTexts(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("dynaoffice_mail.timeout", "5")
        cls.env["res.lang"]._activate_lang("de_DE")
        addon = cls.env["ir.module.module"].search([("name", "=", "dynaoffice_mail")])
        addon._update_translations(["de_DE"])

    def setUp(self):
        super().setUp()
        self.address, self.password = self.new_mailbox()

    def account(self, **overrides):
        """A personal account of the owner on the test servers, saved without a test."""
        values = dict(
            self.account_values(self.address, self.password), user_id=self.owner.id, **overrides
        )
        account = (
            self.env["dynaoffice.mail.account"]
            ._without_connection_test()
            .with_user(self.owner)
            .create(values)
        )
        self.addCleanup(imap_pool.POOL.clear, account._pool_key())
        return account.with_context(dynaoffice_mail_skip_connection_test=None)

    def assertUsable(self, text, *fragments):
        """`text` names an action, shows no internals and contains `fragments`."""
        self.assertNotRegex(text, INTERNALS)
        self.assertRegex(text, ACTION)
        for fragment in fragments:
            self.assertIn(fragment, text)

    def error_of(self, call):
        with self.assertRaises(UserError) as caught:
            call()
        return str(caught.exception)

    # -- real failures through the model ------------------------------------------------------

    def test_closed_port_says_the_server_may_be_down(self):
        port = closed_port()
        account = self.account(imap_port=port)
        text = self.error_of(account.client_folders)
        self.assertUsable(text, f"not accepting connections on port {port}", "may be down")
        self.assertNotIn("Check the port and the encryption", text)
        saving = self.error_of(
            lambda: self.create_account_as(
                self.owner,
                user_id=self.owner.id,
                **self.account_values(self.address, self.password, imap_port=port),
            )
        )
        self.assertUsable(saving, "Receiving (IMAP) failed", f"port {port}")
        smtp_port = closed_port()
        sender = self.account(smtp_port=smtp_port)
        values = sender.client_compose("new")
        values.update(to=[self.address], subject="Server weg", body_html="<p>x</p>")
        result = sender.client_send(values)
        self.assertFalse(result["sent"])
        self.assertUsable(result["error"], f"not accepting connections on port {smtp_port}")

    def test_tls_to_a_port_without_tls_names_the_encryption_setting(self):
        account = self.account(imap_port=self.ports.imap)  # STARTTLS port, SSL chosen
        text = self.error_of(account.client_folders)
        self.assertUsable(text, "encrypted connection", "SSL or STARTTLS")
        saving = self.error_of(
            lambda: self.create_account_as(
                self.owner,
                user_id=self.owner.id,
                **self.account_values(
                    self.address,
                    self.password,
                    smtp_port=self.ports.smtp_starttls,
                    smtp_encryption="ssl",
                ),
            )
        )
        self.assertUsable(saving, "Sending (SMTP) failed", "encrypted connection")

    def test_wrong_password_names_user_name_and_password(self):
        account = self.account(imap_password="falsch-falsch")
        text = self.error_of(account.client_folders)
        self.assertUsable(text, "did not accept the user name or password")
        self.assertNotIn("AUTHENTICATIONFAILED", text)
        sender = self.account(smtp_password="falsch-falsch")
        values = sender.client_compose("new")
        values.update(to=[self.address], subject="Passwort", body_html="<p>x</p>")
        self.assertUsable(
            sender.client_send(values)["error"], "did not accept the user name or password"
        )

    def test_a_folder_deleted_by_another_program_says_reload_the_folders(self):
        account = self.account()
        other = self.imap(self.address, self.password)
        try:
            other.create_folder("Projekte")
            account.client_page("Projekte")  # a pooled connection has it selected now
            other.delete_folder("Projekte")
        finally:
            other.logout()
        text = self.error_of(lambda: account.client_page("Projekte"))
        self.assertUsable(text, "no longer exists", "Reload the folders")
        self.assertNotIn("doesn't exist", text)
        self.assertUsable(
            self.error_of(lambda: account.client_folder_state("Projekte")), "Reload the folders"
        )

    def test_a_stopped_server_says_so_for_reads_and_changes(self):
        self.assertIsNotNone(Dovecot, "tests need the package dynaoffice-mail-testing")
        base = Path(self.servers_info["base"]) / f"stopping-{secrets.token_hex(4)}"
        dovecot = Dovecot(base, self.servers.certificates).start()
        self.addCleanup(dovecot.stop)
        dovecot.add_user(self.address, self.password)
        account = self.account(imap_port=dovecot.port_imaps)
        self.assertIn("INBOX", [folder["name"] for folder in account.client_folders()])
        dovecot.stop()
        texts = [
            self.error_of(account.client_folders),
            self.error_of(lambda: account.client_create_folder("Neu")),
            self.error_of(lambda: account.client_page("INBOX")),
        ]
        for text in texts:
            self.assertUsable(text)
        self.assertIn(f"not accepting connections on port {dovecot.port_imaps}", texts[-1])
        self.assertIn("may be down", texts[-1])

    # -- the table ----------------------------------------------------------------------------

    def test_every_exception_of_the_services_has_a_text(self):
        classes = [
            cls
            for _name, cls in inspect.getmembers(mail_errors, inspect.isclass)
            if issubclass(cls, mail_errors.MailServiceError)
        ] + [mail_errors.UidValidityChangedError]
        self.assertGreater(len(classes), 20)
        missing = [cls.__name__ for cls in classes if cls not in ERROR_TEXTS]
        self.assertEqual(missing, [], "exceptions without an entry in ERROR_TEXTS")
        account = self.account().with_user(self.owner)
        for cls in classes:
            for lang in ("en_US", "de_DE"):
                with self.subTest(error=cls.__name__, lang=lang):
                    error = _example(cls)
                    in_lang = account.with_context(lang=lang)
                    text = explain(in_lang, error, 993)
                    self.assertUsable(text)
                    self.assertNotRegex(text, re.escape(DETAIL[:12]))
                    after_sending = explain(in_lang, error, 993, mail_sent=True)
                    self.assertUsable(after_sending)
                    self.assertNotRegex(after_sending, r"(?i)try again|versuchen sie es erneut")
                    if lang == "de_DE":
                        self.assertNotEqual(text, explain(account, error, 993), "no German")
                    if cls is mail_errors.DeliveryUncertainError:
                        sent = "may have been sent" if lang == "en_US" else "gesendet"
                        self.assertIn(sent, text)
                        self.assertNotRegex(text, r"(?i)try again|versuchen sie es erneut")

    def test_known_server_answers_are_explained_as_what_they_mean(self):
        account = self.account()
        cases = {
            "select failed: Mailbox doesn't exist: Projekte (0.001 secs).": "Reload the folders",
            "append failed: [TRYCREATE] Mailbox doesn't exist": "Reload the folders",
            "store failed: [EXPUNGEISSUED] Some of the requested messages no longer exist": (
                "Reload the list"
            ),
            "append failed: [OVERQUOTA] Quota exceeded (mailbox for user is full)": "is full",
            "create failed: [ALREADYEXISTS] Mailbox already exists": "Choose another name",
            "select failed: [NOPERM] Permission denied": "permission",
            "login failed: [UNAVAILABLE] Temporary authentication failure": "temporarily",
            "fetch failed: something nobody expected": "answered unexpectedly",
        }
        for detail, fragment in cases.items():
            with self.subTest(detail=detail):
                error = mail_errors.ProtocolError(host="mail.example.org", detail=detail)
                self.assertUsable(explain(account, error, 993), fragment)
        refused = mail_errors.RecipientsRefusedError(
            host="mail.example.org",
            refused={
                "niemand@example.org": "550 5.1.1 <niemand@example.org>: user unknown",
                "voll@example.org": "452 4.2.2 Mailbox full, try later",
            },
        )
        text = explain(account, refused, 587)
        self.assertUsable(text, "niemand@example.org (no such mailbox)", "voll@example.org")
        self.assertNotIn("550", text)
        spam = mail_errors.MessageRefusedError(host="mail.example.org", detail="554 5.7.1 spam")
        self.assertUsable(explain(account, spam, 587), "nobody got it")


def _example(cls):
    """An instance of `cls` as the services raise it, with internals in its detail."""
    host = "mail.example.org"
    if cls is mail_errors.ForbiddenHostError:
        return cls(host=host, address="10.0.0.1")
    if cls is mail_errors.RecipientsRefusedError:
        return cls(host=host, refused={"niemand@example.org": f"550 5.1.1 {DETAIL}"})
    if cls is mail_errors.InvalidInputError:
        return cls("a folder needs a name", detail=DETAIL)
    if cls is mail_errors.FolderChangeRefusedError:
        return cls('"Projekte" has subfolders', "subfolders", "Projekte", detail=DETAIL)
    return cls(host=host, detail=DETAIL)
