"""The outbox (#19): a message keeps its Message-ID from the first draft to the last retry,
is sent once whatever calls "send" again, and its Sent copy is never lost.

Real Dovecot and SMTP; the faults (a connection cut during the Sent copy's APPEND, an SMTP
server that drops the connection after DATA) come from tests/fake_servers.py.
"""

import datetime
import email
import email.policy

from odoo.tests import tagged

from .common import MailServerCase
from .fake_servers import FakeSmtpServer, FaultyImapProxy
from .hostile_report import record

OUTBOX = "dynaoffice.mail.outbox"


@tagged("post_install", "-at_install")
class TestOutbox(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.account = cls.personal.with_user(cls.owner)
        cls.partner, cls.partner_password = cls.new_mailbox()

    def compose(self, subject, account=None):
        values = (account or self.account).client_compose("new")
        values.update(to=[self.partner], subject=subject, body_html="<p>Hallo</p>")
        return values

    def messages(self, address, password, folder, subject):
        return [
            message
            for message, _flags in self.fetch_all(address, password, folder)
            if str(message["Subject"]) == subject
        ]

    def entry(self, message_id):
        return self.env[OUTBOX].sudo().search([("message_id", "=", message_id)])

    def test_the_message_id_is_given_when_writing_starts(self):
        values = self.compose("Angebot mit Kennung")
        message_id = values["message_id"]
        self.assertRegex(message_id, r"^<[^@<>]+@dynaoffice\.test>$")
        values["draft"] = self.account.client_save_draft(values)["draft"]
        (draft,) = self.messages(
            self.personal_address, self.personal_password, "Drafts", "Angebot mit Kennung"
        )
        self.assertEqual(draft["Message-ID"], message_id)
        # A reopened draft keeps it.
        draft = values["draft"]
        self.assertEqual(draft["account"], self.personal.id)
        reopened = self.account.client_compose(
            "draft", draft["folder"], draft["uidvalidity"], draft["uid"]
        )
        self.assertEqual(reopened["message_id"], message_id)

        result = self.account.client_send(values)
        self.assertTrue(result["sent"], result)
        (received,) = self.messages(
            self.partner, self.partner_password, "INBOX", "Angebot mit Kennung"
        )
        (copy,) = self.messages(
            self.personal_address, self.personal_password, "Sent", "Angebot mit Kennung"
        )
        self.assertEqual(received["Message-ID"], message_id)
        self.assertEqual(copy["Message-ID"], message_id)
        entry = self.entry(message_id)
        self.assertEqual((entry.state, entry.sent_copy), ("sent", "done"))
        self.assertFalse(entry.message_attachment_id, "the mail is kept only until it is filed")
        self.assertEqual(entry.user_id, self.owner)
        # The sender sees his outbox; nobody else does.
        self.assertEqual(self.env[OUTBOX].with_user(self.owner).search([]), entry)
        self.assertFalse(self.env[OUTBOX].with_user(self.other).search([]))

    def test_sending_the_same_message_again_sends_nothing(self):
        """A double click, a second tab, a retried transaction: one mail."""
        values = self.compose("Nur einmal")
        first = self.account.client_send(values)
        self.assertTrue(first["sent"], first)
        for _attempt in range(3):
            again = self.account.client_send(values)
            self.assertTrue(again["sent"], again)
            self.assertTrue(again["already"], again)
        delivered = self.messages(self.partner, self.partner_password, "INBOX", "Nur einmal")
        record("send_faults_tried", 1)
        record("sent_twice", max(0, len(delivered) - 1))
        self.assertEqual(len(delivered), 1)
        self.assertEqual(
            len(self.messages(self.personal_address, self.personal_password, "Sent", "Nur einmal")),
            1,
        )

    def test_a_message_being_sent_is_not_sent_by_another_request(self):
        values = self.compose("Gerade unterwegs")
        entry = (
            self.env[OUTBOX]
            .sudo()
            .create(
                {
                    "account_id": self.personal.id,
                    "user_id": self.owner.id,
                    "message_id": values["message_id"],
                    "state": "sending",
                    "sending_since": datetime.datetime.now(),
                }
            )
        )
        result = self.account.client_send(values)
        self.assertFalse(result["sent"], result)
        self.assertTrue(result["sending"], result)
        self.assertEqual(
            self.messages(self.partner, self.partner_password, "INBOX", "Gerade unterwegs"), []
        )
        # A send that never finished (its worker died) may have gone out: the user decides.
        entry.sending_since = datetime.datetime.now() - datetime.timedelta(hours=1)
        entry.flush_recordset()
        result = self.account.client_send(values)
        self.assertTrue(result["uncertain"], result)
        entry.invalidate_recordset()
        self.assertEqual(entry.state, "uncertain")
        self.assertEqual(
            self.messages(self.partner, self.partner_password, "INBOX", "Gerade unterwegs"), []
        )

    def test_the_sent_copy_is_never_lost(self):
        record("faults_tried", 1)
        proxy = FaultyImapProxy(self.servers.certificates, self.ports.imaps)
        self.addCleanup(proxy.stop)
        address, password = self.new_mailbox()
        account = self.create_account_as(
            self.owner,
            user_id=self.owner.id,
            **self.account_values(address, password, imap_port=proxy.port),
        )
        subject = "Kopie kommt nach"
        values = self.compose(subject, account)
        values["draft"] = account.client_save_draft(values)["draft"]
        # The mail goes out; the mailbox breaks off while it takes the Sent copy.
        proxy.arm("cut", b"APPEND")
        result = account.client_send(values)
        self.assertTrue(result["sent"], result)
        self.assertTrue(any("Do not send it again" in problem for problem in result["problems"]))
        self.assertEqual(self.messages(address, password, "Sent", subject), [])
        # The draft stays until the copy exists: it is the only copy of the mail meanwhile.
        self.assertEqual(len(self.messages(address, password, "Drafts", subject)), 1)
        entry = self.entry(values["message_id"])
        self.assertEqual((entry.state, entry.sent_copy), ("sent", "pending"))
        self.assertIn(values["message_id"].encode(), entry.message_attachment_id.raw)

        # The user opens the draft and presses Send: nothing goes out twice.
        proxy.disarm()
        proxy.arm("cut", b"APPEND")
        again = account.client_send(values)
        self.assertTrue(again["already"], again)
        self.assertEqual(
            len(self.messages(self.partner, self.partner_password, "INBOX", subject)), 1
        )

        # The mailbox is back: the cron files the copy and only then removes the draft.
        proxy.disarm()
        self.env[OUTBOX]._cron_file_sent_copies()
        entry.invalidate_recordset()
        self.assertEqual(entry.sent_copy, "done")
        self.assertFalse(entry.message_attachment_id)
        copies = self.messages(address, password, "Sent", subject)
        record("send_faults_tried", 1)
        record("sent_copies_lost", int(not copies))
        (copy,) = copies
        self.assertEqual(copy["Message-ID"], values["message_id"])
        self.assertEqual(self.messages(address, password, "Drafts", subject), [])
        self.assertEqual(
            len(self.messages(self.partner, self.partner_password, "INBOX", subject)), 1
        )
        record("faults_survived", 1)

    def test_mark_as_sent_files_what_may_have_gone_out(self):
        smtp = FakeSmtpServer(self.servers.certificates)
        self.addCleanup(smtp.stop)
        smtp.faults = ["drop after DATA"]
        self.account.write(
            {
                "smtp_port": smtp.port,
                "smtp_encryption": "ssl",
                "smtp_password": self.personal_password,
            }
        )
        subject = "Vielleicht verschickt"
        values = self.compose(subject)
        result = self.account.client_send(values)
        self.assertTrue(result["uncertain"], result)
        self.assertEqual(len(smtp.received), 1)
        values["draft"] = result["draft"]
        marked = self.account.client_outbox_mark_sent(values)
        self.assertTrue(marked["sent"], marked)
        # A second click files no second copy.
        again = self.account.client_outbox_mark_sent(values)
        self.assertTrue(again["already"], again)
        self.assertEqual(len(smtp.received), 1, "marking as sent sends nothing")
        (copy,) = self.messages(self.personal_address, self.personal_password, "Sent", subject)
        self.assertEqual(copy["Message-ID"], values["message_id"])
        self.assertEqual(
            self.messages(self.personal_address, self.personal_password, "Drafts", subject), []
        )
        self.assertEqual(self.entry(values["message_id"]).state, "sent")
        sent = email.message_from_bytes(smtp.received[0], policy=email.policy.default)
        self.assertEqual(sent["Message-ID"], values["message_id"])
