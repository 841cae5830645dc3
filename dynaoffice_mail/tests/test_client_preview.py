"""The page RPC as the browser calls it: a preview line for every row, subjects in the order
people read them, and for nobody but those who may use the account."""

import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MailServerCase, build_message


@tagged("post_install", "-at_install")
class TestClientPreview(MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        received = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
        raws = [
            build_message("WG: Zahlen", body="Die Zahlen für März.\n"),
            build_message("Angebot", body="Anbei das Angebot.\n"),
            build_message("AW: Angebot", body="Danke, passt!\n"),
            b"Subject: kaputt\r\nContent-Type: multipart/mixed\r\n\r\n",
        ]
        # One minute apart: the UIDs follow the list.
        inbox = [
            ("INBOX", raw, set(), received + datetime.timedelta(minutes=index))
            for index, raw in enumerate(raws)
        ]
        self.servers.dovecot.write_messages(self.personal_address, inbox)
        self.account = self.personal.with_user(self.owner)

    def test_every_row_has_its_preview_and_subjects_sort_by_their_base(self):
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        rows = [(row["subject"], row["preview"]) for row in page["messages"]]
        self.assertEqual(
            rows,
            [
                ("Angebot", "Anbei das Angebot."),
                ("AW: Angebot", "Danke, passt!"),
                ("kaputt", ""),
                ("WG: Zahlen", "Die Zahlen für März."),
            ],
        )
        self.assertEqual(page["sort"], "subject")

    def test_only_those_who_may_use_the_account_see_previews(self):
        for user in (self.other, self.member, self.admin):
            with self.assertRaises(AccessError):
                self.personal.with_user(user).client_page("INBOX")
