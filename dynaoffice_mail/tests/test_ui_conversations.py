"""The list as conversations in headless Chromium, on a real Dovecot (#16): the toggle, a
conversation opened with its messages from the Inbox and from Sent, the choice kept; a link
to a message opens its conversation."""

from odoo.tests import HttpCase, tagged

from .common import MailServerCase
from .test_client_threads import MAILS, _write


@tagged("post_install", "-at_install")
class TestUiConversations(HttpCase, MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        _write(self.servers, self.personal_address, MAILS)

    def test_conversations_in_the_browser(self):
        self.assertFalse(self.owner.dynaoffice_mail_conversations)
        self.start_tour(
            "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
            "dynaoffice_mail_conversations",
            login=self.owner.login,
        )
        self.owner.invalidate_recordset()
        self.assertTrue(self.owner.dynaoffice_mail_conversations, "the choice is kept")
        with self.imap(self.personal_address, self.personal_password) as client:
            client.select_folder("INBOX", readonly=True)
            # The expanded unread answers were read; the unread "Rechnung" was not opened.
            self.assertEqual(len(client.search(["UNSEEN"])), 1)

    def test_a_link_to_a_message_opens_its_conversation(self):
        """The Inbox's first message (UID 1), answered from Sent and answered again (UID 4)."""
        self.owner.dynaoffice_mail_conversations = True
        with self.imap(self.personal_address, self.personal_password) as client:
            uidvalidity = client.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
        self.start_tour(
            f"/odoo/mail?account={self.personal.id}&folder=INBOX&uidvalidity={uidvalidity}&uid=1",
            "dynaoffice_mail_conversation_link",
            login=self.owner.login,
        )
