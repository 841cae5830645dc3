"""Deep links into the mail client (/odoo/mail?account=..&folder=..&uidvalidity=..&uid=..)
in headless Chromium, on real Dovecot mailboxes: reload, back and forward, a link to a
mailbox the user may not use, a link to a message that is gone."""

import datetime

from odoo.tests import HttpCase, tagged

from .common import MailServerCase, build_message

NOW = datetime.datetime.now(datetime.timezone.utc)


@tagged("post_install", "-at_install")
class TestUiMailLinks(HttpCase, MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()

    def deliver(self, address, messages):
        self.servers.dovecot.write_messages(
            address, [(folder, build_message(subject), set(), NOW) for folder, subject in messages]
        )

    def test_reload_back_and_forward(self):
        self.deliver(self.personal_address, [("INBOX", "Im Posteingang"), ("Archive", "Im Archiv")])
        self.start_tour("/odoo/mail", "dynaoffice_mail_links", login=self.owner.login)

    def test_link_to_a_mailbox_of_another_user(self):
        self.deliver(self.shared_address, [("INBOX", "Für alle")])
        self.start_tour(
            f"/odoo/mail?account={self.personal.id}&folder=INBOX",
            "dynaoffice_mail_links_foreign",
            login=self.member.login,
        )

    def test_link_to_a_message_that_is_gone(self):
        self.deliver(self.personal_address, [("Archive", "Im Archiv")])
        with self.imap(self.personal_address, self.personal_password) as client:
            uidvalidity = client.select_folder("Archive", readonly=True)[b"UIDVALIDITY"]
        self.start_tour(
            f"/odoo/mail?account={self.personal.id}&folder=Archive"
            f"&uidvalidity={uidvalidity}&uid=4711",
            "dynaoffice_mail_links_gone",
            login=self.owner.login,
        )
