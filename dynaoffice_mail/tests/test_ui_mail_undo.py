"""Acting without fear, in headless Chromium on a real Dovecot mailbox: Undo after a delete,
and an action on every message of a folder of more than one page, checked over IMAP."""

import datetime

from odoo.tests import HttpCase, tagged

from .common import MailServerCase, build_message

RECEIVED = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
CLIENT = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"


@tagged("post_install", "-at_install")
class TestUiMailUndo(HttpCase, MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.password = self.personal._decrypted_password("imap_password")

    def deliver(self, messages):
        self.servers.dovecot.write_messages(self.personal_address, messages)

    def test_undo_brings_a_deleted_message_back(self):
        self.deliver(
            [
                (
                    "INBOX",
                    build_message(subject, date=f"Sun, 1 Feb 2026 1{n}:00:00 +0000"),
                    set(),
                    RECEIVED,
                )
                for n, subject in enumerate(["Delete me", "Keep me", "Me too"])
            ]
        )
        self.start_tour(CLIENT, "dynaoffice_mail_undo", login=self.owner.login)
        with self.imap(self.personal_address, self.password) as client:
            inbox = client.select_folder("INBOX", readonly=True)[b"EXISTS"]
            subjects = {
                item[b"ENVELOPE"].subject.decode()
                for item in client.fetch(client.search("ALL"), ["ENVELOPE"]).values()
            }
            trash = client.select_folder("Trash", readonly=True)[b"EXISTS"]
        self.assertEqual((inbox, trash), (3, 0))
        self.assertEqual(subjects, {"Delete me", "Keep me", "Me too"})

    def test_select_all_in_a_folder_marks_every_page_read(self):
        self.deliver(
            [("INBOX", build_message(f"Nachricht {n}"), set(), RECEIVED) for n in range(1100)]
        )
        self.start_tour(CLIENT, "dynaoffice_mail_select_all", login=self.owner.login)
        with self.imap(self.personal_address, self.password) as client:
            client.select_folder("INBOX", readonly=True)
            self.assertEqual(client.search(["UNSEEN"]), [])
            self.assertEqual(len(client.search(["SEEN"])), 1100)
