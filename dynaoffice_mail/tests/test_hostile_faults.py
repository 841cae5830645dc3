"""Faults as the user meets them: through the calls the mail client makes, as the owner of
a personal account.

The IMAP faults come from a proxy in front of the real Dovecot that relays every byte
until a fault is armed (a connection cut in the middle of a FETCH, a stall, garbage); the
renumbered folder is real Dovecot alone. The SMTP server that drops the connection after
DATA is a small fake (no real server does that on demand); drafts are checked on the real
Dovecot, and a recipient refused before DATA comes from the real SMTP server.

For each fault the promises are: the user reads an error that says what happened within
the account's timeout plus a second, the next request works, no mail is sent twice and no
draft is lost.
"""

import datetime
import email
import email.policy
import logging
import socket
import time
from email.utils import format_datetime
from unittest.mock import patch

from odoo import modules
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..roles.base import FolderRenumberedError
from ..services import imap, messages, mime
from ..services import pool as imap_pool
from .common import MailServerCase, build_message
from .fake_servers import FakeSmtpServer, FaultyImapProxy
from .hostile_report import record

_logger = logging.getLogger(__name__)

# The account's timeout (the system parameter dynaoffice_mail.timeout), short for the stalls.
TIMEOUT = 2.0
SLACK = 1.0
INBOX_SUBJECTS = ["Termin", "Rechnung", "Angebot"]  # newest first
FILE = bytes(range(256)) * 64  # binary, every byte value


class FaultCase(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("dynaoffice_mail.timeout", str(TIMEOUT))

    @classmethod
    def new_account(cls, **overrides):
        """A personal account of the owner on a fresh mailbox: (account as owner, password)."""
        address, password = cls.new_mailbox()
        account = (
            cls.env["dynaoffice.mail.account"]
            ._without_connection_test()
            .with_user(cls.owner)
            .create(dict(cls.account_values(address, password), user_id=cls.owner.id, **overrides))
        )
        return account.with_context(dynaoffice_mail_skip_connection_test=None), password

    def with_subject(self, address, password, folder, subject):
        return [
            (parsed, flags)
            for parsed, flags in self.fetch_all(address, password, folder)
            if str(parsed["Subject"]) == subject
        ]

    def fails_in_time(self, fault, call, expected=UserError):
        """`call()` raises `expected` within the timeout plus a second; (error, seconds)."""
        started = time.monotonic()
        with self.assertRaises(expected) as caught:
            call()
        elapsed = time.monotonic() - started
        _logger.info("fault %r: the user read an error after %.3f s", fault, elapsed)
        self.assertLess(elapsed, TIMEOUT + SLACK, f"{fault}: the error came too late")
        return caught.exception, elapsed


@tagged("post_install", "-at_install")
class TestImapFaults(FaultCase):
    """IMAP through the fault proxy: the user's error, then the next request works."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = FaultyImapProxy(cls.servers.certificates, cls.ports.imaps)
        cls.addClassCleanup(cls.proxy.stop)
        cls.account, cls.password = cls.new_account(imap_port=cls.proxy.port)
        cls.servers.dovecot.write_messages(
            cls.account.email,
            [
                ("INBOX", build_message(subject, date=format_datetime(date)), set(), date)
                for subject, date in (
                    ("Angebot", datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)),
                    ("Rechnung", datetime.datetime(2026, 3, 3, 8, 0, tzinfo=datetime.UTC)),
                    ("Termin", datetime.datetime(2026, 3, 4, 8, 0, tzinfo=datetime.UTC)),
                )
            ],
        )

    def setUp(self):
        super().setUp()
        self.addCleanup(self.proxy.disarm)
        # Each test starts from no pooled connection, so that the fault strikes on a
        # connection the request opened itself and the pool cannot retry it quietly.
        imap_pool.POOL.clear(self.account._pool_key())
        self.addCleanup(imap_pool.POOL.clear, self.account._pool_key())

    def page_subjects(self):
        return [message["subject"] for message in self.account.client_page("INBOX")["messages"]]

    def first_uid(self):
        page = self.account.client_page("INBOX")
        return page["uidvalidity"], page["messages"][0]["uid"]

    def assert_fault_fired(self, fired_before):
        self.assertEqual(self.proxy.fired, fired_before + 1, "the fault did not strike")

    def test_connection_cut_mid_fetch_while_listing(self):
        record("faults_tried", 1)
        fired = self.proxy.fired
        self.proxy.arm("cut", b"FETCH")
        error, _elapsed = self.fails_in_time("cut mid-FETCH (list)", self.page_subjects)
        self.assert_fault_fired(fired)
        self.assertIs(type(error), UserError)
        self.assertIn(self.account.name, str(error))
        self.assertIn("broke off in the middle of an answer", str(error))
        self.assertEqual(self.page_subjects(), INBOX_SUBJECTS)
        record("faults_survived", 1)

    def test_connection_cut_mid_fetch_while_opening_a_message(self):
        record("faults_tried", 1)
        uidvalidity, uid = self.first_uid()
        imap_pool.POOL.clear(self.account._pool_key())
        fired = self.proxy.fired
        self.proxy.arm("cut", b"FETCH")
        error, _elapsed = self.fails_in_time(
            "cut mid-FETCH (message)",
            lambda: self.account.client_message("INBOX", uidvalidity, uid),
        )
        self.assert_fault_fired(fired)
        self.assertIs(type(error), UserError)
        self.assertIn("broke off in the middle of an answer", str(error))
        message = self.account.client_message("INBOX", uidvalidity, uid)
        self.assertEqual(message["subject"], "Termin")
        record("faults_survived", 1)

    def test_cut_on_a_pooled_connection_is_retried_unnoticed(self):
        """A pooled connection that dies under a read is replaced: the user sees the page."""
        record("faults_tried", 1)
        self.page_subjects()  # leaves a logged-in connection in the pool
        fired = self.proxy.fired
        connections = self.proxy.connections
        self.proxy.arm("cut", b"FETCH")
        # The page as after a change in the folder: read from the server, not the cache.
        messages.forget_summaries()
        with patch.object(imap, "RECHECK_AFTER", 0.0):
            self.assertEqual(self.page_subjects(), INBOX_SUBJECTS)
        self.assert_fault_fired(fired)
        self.assertEqual(self.proxy.connections, connections + 1, "one new connection")
        record("faults_survived", 1)

    def test_server_stalls_after_the_greeting(self):
        record("faults_tried", 1)
        fired = self.proxy.fired
        self.proxy.arm("stall after greeting")
        error, elapsed = self.fails_in_time("stall after greeting", self.account.client_folders)
        self.assert_fault_fired(fired)
        self.assertIs(type(error), UserError)
        self.assertIn("did not answer in time", str(error))
        # A real timeout: the error comes when the account's timeout is up, not sooner (and,
        # by the bound above, the stall is not waited out a second time).
        self.assertGreaterEqual(elapsed, TIMEOUT - 0.2)
        names = [folder["name"] for folder in self.account.client_folders()]
        self.assertIn("INBOX", names)
        self.assertIn("Drafts", names)
        record("faults_survived", 1)

    def test_server_stalls_mid_fetch(self):
        record("faults_tried", 1)
        uidvalidity, uid = self.first_uid()
        fired = self.proxy.fired
        self.proxy.arm("stall", b"FETCH")
        error, _elapsed = self.fails_in_time(
            "stall mid-FETCH", lambda: self.account.client_message("INBOX", uidvalidity, uid)
        )
        self.assert_fault_fired(fired)
        self.assertIn("did not answer in time", str(error))
        self.assertEqual(
            self.account.client_message("INBOX", uidvalidity, uid)["subject"], "Termin"
        )
        self.assertEqual(self.page_subjects(), INBOX_SUBJECTS)
        record("faults_survived", 1)

    def test_server_answers_garbage(self):
        record("faults_tried", 1)
        uidvalidity, uid = self.first_uid()
        imap_pool.POOL.clear(self.account._pool_key())
        fired = self.proxy.fired
        self.proxy.arm("garbage", b"FETCH")
        error, _elapsed = self.fails_in_time(
            "garbage", lambda: self.account.client_message("INBOX", uidvalidity, uid)
        )
        self.assert_fault_fired(fired)
        self.assertIs(type(error), UserError)
        self.assertIn("answered unexpectedly", str(error))
        self.assertEqual(
            self.account.client_message("INBOX", uidvalidity, uid)["subject"], "Termin"
        )
        record("faults_survived", 1)

    def test_garbage_instead_of_the_folder_list(self):
        record("faults_tried", 1)
        fired = self.proxy.fired
        self.proxy.arm("garbage", b"LIST")
        error, _elapsed = self.fails_in_time("garbage (folders)", self.account.client_folders)
        self.assert_fault_fired(fired)
        self.assertIs(type(error), UserError)
        self.assertIn("INBOX", [folder["name"] for folder in self.account.client_folders()])
        record("faults_survived", 1)

    def test_connection_cut_while_saving_a_draft_loses_no_draft(self):
        record("faults_tried", 1)
        values = self.account.client_compose("new")
        values.update(to=["kunde@example.com"], subject="Entwurf Abbruch", body_html="<p>v1</p>")
        values.update(self.account.client_save_draft(values))
        fired = self.proxy.fired
        self.proxy.arm("cut", b"APPEND")
        values["body_html"] = "<p>v2</p>"
        error, _elapsed = self.fails_in_time(
            "cut during APPEND", lambda: self.account.client_save_draft(values)
        )
        self.assert_fault_fired(fired)
        self.assertIn("broke off in the middle of an answer", str(error))
        # The first version is still there; the user's second is still in the composer.
        drafts = self.with_subject(self.account.email, self.password, "Drafts", "Entwurf Abbruch")
        self.assertEqual(len(drafts), 1)
        self.assertIn("v1", drafts[0][0].get_body(("html",)).get_content())
        values.update(self.account.client_save_draft(values))
        drafts = self.with_subject(self.account.email, self.password, "Drafts", "Entwurf Abbruch")
        self.assertEqual(len(drafts), 1, "the saved version replaced the first")
        self.assertIn("v2", drafts[0][0].get_body(("html",)).get_content())
        record("faults_survived", 1)


@tagged("post_install", "-at_install")
class TestRenumberedFolder(FaultCase):
    """UIDVALIDITY changes on the real Dovecot between listing a folder and opening a mail."""

    def renumber_after_listing(self):
        """(account, the page it listed): another mail program then deletes and recreates
        the folder, whose new message gets the listed message's UID."""
        account, password = self.new_account()
        other = self.imap(account.email, password)
        try:
            other.create_folder("Projekte")
            other.append("Projekte", build_message("Alt"))
            listed = account.client_page("Projekte")
            self.assertEqual([m["subject"] for m in listed["messages"]], ["Alt"])
            other.delete_folder("Projekte")
            other.create_folder("Projekte")
            other.append("Projekte", build_message("Neu"))  # gets UID 1 again
        finally:
            other.logout()
        return account, listed

    def test_folder_renumbered_between_list_and_message(self):
        record("faults_tried", 1)
        account, listed = self.renumber_after_listing()
        error, _elapsed = self.fails_in_time(
            "UIDVALIDITY changed",
            lambda: account.client_message(
                "Projekte", listed["uidvalidity"], listed["messages"][0]["uid"]
            ),
            expected=FolderRenumberedError,
        )
        self.assertIn("renumbered", str(error))
        reloaded = account.client_page("Projekte")
        self.assertNotEqual(reloaded["uidvalidity"], listed["uidvalidity"])
        self.assertEqual([m["subject"] for m in reloaded["messages"]], ["Neu"])
        message = account.client_message(
            "Projekte", reloaded["uidvalidity"], reloaded["messages"][0]["uid"]
        )
        self.assertEqual(message["subject"], "Neu")
        record("faults_survived", 1)

    def test_folder_renumbered_between_list_and_marking_read(self):
        """Marking the listed message read never marks the new one that took its UID."""
        record("faults_tried", 1)
        account, listed = self.renumber_after_listing()
        error, _elapsed = self.fails_in_time(
            "UIDVALIDITY changed (mark read)",
            lambda: account.client_set_flag(
                "Projekte", listed["uidvalidity"], [listed["messages"][0]["uid"]], "seen", True
            ),
            expected=FolderRenumberedError,
        )
        self.assertIn("renumbered", str(error))
        reloaded = account.client_page("Projekte")
        self.assertEqual(
            [(m["subject"], m["seen"]) for m in reloaded["messages"]], [("Neu", False)]
        )
        record("faults_survived", 1)


@tagged("post_install", "-at_install")
class TestSendingFaults(FaultCase):
    """Sending when SMTP fails: the mail stays in Drafts and goes out once, when asked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = FakeSmtpServer(cls.servers.certificates)
        cls.addClassCleanup(cls.smtp.stop)
        cls.account, cls.password = cls.new_account()
        cls.partner, cls.partner_password = cls.new_mailbox()
        cls.copied, _password = cls.new_mailbox()
        cls.hidden, _password = cls.new_mailbox()

    def use_fake_smtp(self, *faults):
        self.smtp.faults = list(faults)
        self.account._without_connection_test().write(
            {"smtp_port": self.smtp.port, "smtp_encryption": "ssl", "smtp_password": self.password}
        )

    def compose(self, subject, to):
        values = self.account.client_compose("new")
        values.update(
            to=to,
            cc=[f"Carla Kopie <{self.copied}>"],
            bcc=[self.hidden],
            subject=subject,
            body_html="<p>Der Preis: 1.200 € netto.</p>",
            attachments=self.account._composer().store_uploads(
                [mime.OutgoingAttachment("Preisliste März.bin", "application/octet-stream", FILE)]
            ),
        )
        return values

    def assert_kept_as_draft(self, subject, to):
        """Exactly one draft with everything the user wrote, on the server."""
        drafts = self.with_subject(self.account.email, self.password, "Drafts", subject)
        self.assertEqual(len(drafts), 1, "one draft, neither lost nor doubled")
        draft, flags = drafts[0]
        self.assertIn(b"\\Draft", flags)
        for address in to:
            self.assertIn(address, str(draft["To"]))
        self.assertIn(self.copied, str(draft["Cc"]))
        self.assertIn(self.hidden, str(draft["Bcc"]))
        self.assertIn("Der Preis: 1.200 € netto.", draft.get_body(("html",)).get_content())
        self.assertEqual(
            {part.get_filename(): part.get_content() for part in draft.iter_attachments()},
            {"Preisliste März.bin": FILE},
        )

    def assert_sent_once_and_filed(self, values, subject):
        self.assertEqual(
            self.with_subject(self.account.email, self.password, "Drafts", subject), []
        )
        self.assertEqual(
            len(self.with_subject(self.account.email, self.password, "Sent", subject)), 1
        )
        self.assertFalse(self.env["ir.attachment"].browse(values["attachments"][0]["id"]).exists())

    def received(self, subject):
        parsed = [
            email.message_from_bytes(data, policy=email.policy.default)
            for data in self.smtp.received
        ]
        return [message for message in parsed if str(message["Subject"]) == subject]

    def send_fails_in_time(self, fault, values):
        started = time.monotonic()
        result = self.account.client_send(values)
        elapsed = time.monotonic() - started
        _logger.info("fault %r: the user read an error after %.3f s", fault, elapsed)
        self.assertLess(elapsed, TIMEOUT + SLACK, f"{fault}: the error came too late")
        self.assertFalse(result["sent"], result)
        return result

    def _uncertain_delivery(self, fault, subject):
        record("faults_tried", 1)
        self.use_fake_smtp(fault)
        values = self.compose(subject, [self.partner])
        result = self.send_fails_in_time(fault, values)
        self.assertIn("kept in Drafts", result["error"])
        # Handed over once, never again of its own accord.
        self.assertEqual(len(self.received(subject)), 1)
        self.assert_kept_as_draft(subject, [self.partner])
        # Files stay with the open composer for the user's decision.
        self.assertTrue(self.env["ir.attachment"].browse(values["attachments"][0]["id"]).exists())

        # The server works again. "Send" alone does not send what may have gone out ...
        outbox = self.assert_not_sent_again(values, result, subject)
        # ... "Send again anyway" does: exactly one more copy, with the same Message-ID.
        sent = self.account.client_send(values, force=True)
        self.assertTrue(sent["sent"], sent)
        self.assertEqual(sent["problems"], [])
        copies = self.received(subject)
        self.assertEqual(len(copies), 2)
        self.assertEqual(copies[0]["Message-ID"], copies[1]["Message-ID"])
        self.assertEqual(copies[1]["Message-ID"], values["message_id"])
        outbox.invalidate_recordset()
        self.assertEqual(outbox.state, "sent")
        self.assertEqual(
            {p.get_filename(): p.get_content() for p in copies[1].iter_attachments()},
            {"Preisliste März.bin": FILE},
        )
        self.assertNotIn("Bcc", copies[1])
        self.assertTrue(any(self.hidden in rcpt for rcpt in self.smtp.recipients[-1]))
        self.assert_sent_once_and_filed(values, subject)
        record("faults_survived", 1)

    def assert_not_sent_again(self, values, result, subject):
        """`result` of sending `values` says the mail may have been sent (the outbox says so
        too), and "Send" does not send it again: the one copy the server got stays one.
        The outbox entry."""
        self.assertTrue(result["uncertain"], result)
        self.assertIn("may have been sent", result["error"])
        outbox = self.env["dynaoffice.mail.outbox"].search(
            [("message_id", "=", values["message_id"])]
        )
        self.assertEqual(outbox.state, "uncertain")
        values["draft"] = result["draft"]
        again = self.account.client_send(values)
        self.assertFalse(again["sent"], again)
        self.assertTrue(again["uncertain"], again)
        self.assertEqual(len(self.received(subject)), 1)
        return outbox

    def sending_for_real(self):
        """Odoo's ir.mail_server sends nothing while a test runs: for this test, it does."""
        patcher = patch.object(modules.module, "current_test", None)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_smtp_drops_the_connection_after_data(self):
        self._uncertain_delivery("drop after DATA", "Angebot Abbruch")

    def test_smtp_stalls_after_data(self):
        self._uncertain_delivery("stall after DATA", "Angebot Stille")

    def send_through_odoo_to(self, port):
        """The account sends its way "Mail": through an Odoo outgoing mail server on `port`
        of this host (implicit TLS), as Odoo sends outside its own tests."""
        self.env["ir.mail_server"].create(
            {
                "name": "Relay",
                "smtp_host": "localhost",
                "smtp_port": port,
                "smtp_encryption": "ssl",
                "smtp_authentication": "login",
                "smtp_user": self.account.email,
                "smtp_pass": self.password,
                "from_filter": self.account.email,
            }
        )
        self.env["ir.config_parameter"].set_param("dynaoffice_mail.personal_odoo_mail", "True")
        self.account.sudo()._without_connection_test().write({"smtp_method": "mail"})
        self.sending_for_real()

    def test_through_odoo_a_mail_cut_off_after_data_may_have_been_sent(self):
        """Odoo's send_email does not say whether its server took the mail when the
        connection broke after it: "may have been sent", never sent again on its own."""
        record("faults_tried", 1)
        self.smtp.faults = ["drop after DATA"]
        self.send_through_odoo_to(self.smtp.port)
        subject = "Angebot über Odoo"
        values = self.compose(subject, [self.partner])
        result = self.send_fails_in_time("drop after DATA (Odoo's server)", values)
        self.assertEqual(len(self.received(subject)), 1)
        self.assert_not_sent_again(values, result, subject)
        record("faults_survived", 1)

    def test_through_odoo_a_server_not_reached_sent_nothing(self):
        """Odoo's outgoing mail server cannot be reached: nothing was sent, so "Send"
        sends once the server is there."""
        record("faults_tried", 1)
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]  # bound, never listening: refused
            self.send_through_odoo_to(port)
            subject = "Angebot ohne Server"
            values = self.compose(subject, [self.partner])
            result = self.send_fails_in_time("connection refused (Odoo's server)", values)
        self.assertFalse(result["uncertain"], result)
        self.assertNotIn("may have been sent", result["error"])
        self.assertEqual(self.received(subject), [])
        self.env["ir.mail_server"].search([("name", "=", "Relay")]).smtp_port = self.smtp.port
        values["draft"] = result["draft"]
        sent = self.account.client_send(values)
        self.assertTrue(sent["sent"], sent)
        self.assertEqual(len(self.received(subject)), 1)
        record("faults_survived", 1)

    def test_through_odoo_a_refused_recipient_sent_nothing(self):
        """The real SMTP server refuses the only recipient when Odoo's server hands the
        mail over: a refusal, not a mail that may have been sent."""
        record("faults_tried", 1)
        self.send_through_odoo(self.account, self.account.email, self.password)
        self.sending_for_real()
        values = self.compose("Angebot an niemand", ["niemand@dynaoffice.test"])
        values.update(cc=[], bcc=[])
        result = self.send_fails_in_time("recipient refused (Odoo's server)", values)
        self.assertFalse(result["uncertain"], result)
        self.assertNotIn("may have been sent", result["error"])
        outbox = self.env["dynaoffice.mail.outbox"].search(
            [("message_id", "=", values["message_id"])]
        )
        self.assertEqual(outbox.state, "failed")
        record("faults_survived", 1)

    def test_a_recipient_refused_before_data_keeps_the_draft(self):
        """The real SMTP server refuses an unknown recipient: nobody gets the mail."""
        record("faults_tried", 1)
        unknown = "niemand@dynaoffice.test"
        subject = "Angebot Tippfehler"
        values = self.compose(subject, [self.partner, unknown])
        result = self.send_fails_in_time("recipient refused", values)
        self.assertIn(unknown, result["error"])
        self.assertIn("nobody got the mail", result["error"])
        self.assert_kept_as_draft(subject, [self.partner, unknown])
        self.assertEqual(
            self.with_subject(self.partner, self.partner_password, "INBOX", subject), []
        )

        values.update(to=[self.partner], draft=result["draft"])
        self.assertTrue(self.account.client_send(values)["sent"])
        self.assertEqual(
            len(self.with_subject(self.partner, self.partner_password, "INBOX", subject)), 1
        )
        self.assert_sent_once_and_filed(values, subject)
        record("faults_survived", 1)
