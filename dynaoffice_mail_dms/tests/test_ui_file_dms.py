"""Filing into a DMS directory from the mail client, in headless Chromium, on a real
Dovecot mailbox: the chosen attachment is a file of the chosen directory afterwards."""

import base64
import datetime
import secrets
from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from odoo.addons.dynaoffice_mail.tests.common import MailServerCase

RECEIVED = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
OFFER = b"%PDF-1.4\n" + bytes(range(256)) * 8
PLAN = b"%PDF-1.4\n" + bytes(reversed(range(256))) * 8


@tagged("post_install", "-at_install")
class TestUiFileDms(HttpCase, MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner.groups_id += cls.env.ref("dms.group_dms_user")
        storage = cls.env["dms.storage"].create({"name": "Ablage", "save_type": "database"})
        writers = cls.env["dms.access.group"].create(
            {
                "name": "Projektablage",
                "perm_create": True,
                "perm_write": True,
                "explicit_user_ids": [(6, 0, [cls.owner.id])],
            }
        )
        projects = cls.env["dms.directory"].create(
            {
                "name": "Projekte",
                "is_root_directory": True,
                "storage_id": storage.id,
                "group_ids": [(6, 0, [writers.id])],
            }
        )
        cls.roof = cls.env["dms.directory"].create(
            {"name": "Dach", "parent_id": projects.id, "storage_id": storage.id}
        )

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()

    def test_file_a_chosen_attachment_into_a_directory(self):
        message = EmailMessage()
        message["From"] = "Jürgen Weiß <juergen@weiss-bau.example>"
        message["To"] = self.personal_address
        message["Subject"] = "Pläne und Angebot"
        message["Message-ID"] = f"<{secrets.token_hex(8)}@weiss-bau.example>"
        message.set_content("Anbei Plan und Angebot.\n")
        message.add_attachment(PLAN, maintype="application", subtype="pdf", filename="Plan.pdf")
        message.add_attachment(OFFER, maintype="application", subtype="pdf", filename="Angebot.pdf")
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", message.as_bytes(), set(), RECEIVED)]
        )
        self.start_tour(CLIENT_URL, "dynaoffice_mail_file_to_dms", login=self.owner.login)
        files = self.env["dms.file"].search([("directory_id", "=", self.roof.id)])
        self.assertEqual(files.mapped("name"), ["Angebot.pdf"])
        self.assertEqual(base64.b64decode(files.content), OFFER)
