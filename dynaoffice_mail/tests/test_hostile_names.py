"""A draft another mail program left in Drafts, with a NUL, CR/LF, C1 controls and a lone
surrogate in its subject and file names and a NUL in its text, through the model: it opens
in the composer, and the same message is assigned to a contact and filed onto it. Before,
PostgreSQL refused the NUL ("A string literal cannot contain NUL") and the surrogate, and
the user got a server error."""

import secrets

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MailServerCase
from .test_services_names import (
    CLEAN_SUBJECT,
    HOSTILE_FILES,
    RAW_FILE,
    assert_clean_name,
    hostile_draft,
)

CLEAN_NAMES = [name for _params, _content, name in HOSTILE_FILES]


@tagged("post_install", "-at_install")
class TestHostileNames(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_owned_accounts()
        cls.account = cls.personal.with_user(cls.owner)
        # Contact Creation, as Odoo gives every new user: assigning and filing change contacts.
        cls.owner.groups_id += cls.env.ref("base.group_partner_manager")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jürgen Weiß", "email": f"juergen-{secrets.token_hex(3)}@weiss-bau.example"}
        )

    def setUp(self):
        super().setUp()
        # Written by "another mail program": APPEND on a connection of its own.
        other = self.imap(self.personal_address, self.personal_password)
        try:
            other.append(
                "Drafts",
                hostile_draft(self.personal_address, self.customer.email),
                flags=[b"\\Draft"],
            )
        finally:
            other.logout()
        page = self.account.client_page("Drafts")
        self.uidvalidity = page["uidvalidity"]
        self.draft_uid = max(message["uid"] for message in page["messages"])

    def assert_names(self, names):
        self.assertEqual(names[: len(CLEAN_NAMES)], CLEAN_NAMES)
        self.assertEqual(len(names), len(CLEAN_NAMES) + 1)
        raw = names[-1]
        self.assertTrue(raw.startswith("Roh") and raw.endswith(".bin"), raw)
        for name in names:
            assert_clean_name(name)

    def test_the_draft_opens_in_the_composer_with_its_files(self):
        draft = self.account.client_compose("draft", "Drafts", self.uidvalidity, self.draft_uid)
        self.assertEqual(draft["subject"], CLEAN_SUBJECT)
        self.assertEqual(draft["draft"]["uid"], self.draft_uid)
        self.assert_names([upload["name"] for upload in draft["attachments"]])
        stored = self.env["ir.attachment"].browse([upload["id"] for upload in draft["attachments"]])
        self.assertEqual(stored.mapped("name"), [upload["name"] for upload in draft["attachments"]])
        contents = [content for _params, content, _name in HOSTILE_FILES] + [RAW_FILE[1]]
        self.assertEqual(stored.mapped("raw"), contents)

    def test_the_message_is_assigned_to_a_contact(self):
        result = self.account.client_assign(
            "Drafts", self.uidvalidity, [self.draft_uid], "res.partner", self.customer.id
        )
        self.assertEqual(result[self.draft_uid]["status"], "assigned")
        posted = self.env["mail.message"].browse(result[self.draft_uid]["mail_message_id"])
        self.assertEqual(posted.subject, CLEAN_SUBJECT)
        self.assertIn("Hallo Welt, bis bald.", posted.body)
        self.assert_names(posted.attachment_ids.sorted("id").mapped("name"))
        handle = self.env["dynaoffice.mail.message"].search(
            [("account_id", "=", self.personal.id), ("uid", "=", self.draft_uid)]
        )
        self.assertEqual(handle.subject, CLEAN_SUBJECT)

    def test_a_folder_name_no_command_can_carry_is_refused_before_it_is_stored(self):
        """A folder name is never cleaned (it names the folder on the server); with a NUL
        it reached PostgreSQL's search of the handles and failed there."""
        for folder in ("Drafts\x00", "Drafts\ud800"):
            with self.subTest(folder=repr(folder)), self.assertRaises(UserError) as caught:
                self.account.client_assign(
                    folder, self.uidvalidity, [self.draft_uid], "res.partner", self.customer.id
                )
            self.assertIn("folder name", str(caught.exception))

    def test_the_message_is_filed_onto_a_contact(self):
        result = self.account.client_file(
            "Drafts",
            self.uidvalidity,
            [self.draft_uid],
            {"res_model": "res.partner", "res_id": self.customer.id},
            "both",
        )
        filed = result[self.draft_uid]["filed"]
        self.assertEqual(filed[0], f"{CLEAN_SUBJECT}.eml")
        self.assert_names(filed[1:])
        stored = self.env["ir.attachment"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)], order="id"
        )
        self.assertEqual(stored.mapped("name"), filed)
