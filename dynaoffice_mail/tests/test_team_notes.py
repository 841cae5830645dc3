"""Internal notes on the mail of a group mailbox: the chatter of the message's handle, for
the members of its group only, never mailed outside (real Dovecot, real SMTP)."""

import json
from unittest.mock import patch

from markupsafe import Markup

from odoo import modules
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import RpcAttackCase, build_message
from .team_common import RECEIVED, TeamMailboxMixin

HANDLE = "dynaoffice.mail.message"


@tagged("post_install", "-at_install")
class TestTeamNotes(TeamMailboxMixin, RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.former = mail_new_test_user(
            cls.env, login="mail_former", groups="base.group_user", name="Fritz Former"
        )
        cls.sales.users += cls.former
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jürgen Weiß", "email": cls.customer_address}
        )

    @classmethod
    def _ben_values(cls):
        # Ben, the colleague in the sales group, reads Odoo's notifications by mail.
        cls.ben_address, cls.ben_password = cls.new_mailbox()
        return {"email": cls.ben_address, "notification_type": "email"}

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.member_account = self.shared.with_user(self.member)
        self.uidvalidity, self.uid = self.customer_mail("Reklamation Lieferung")

    def notes_thread(self, user=None):
        account = self.shared.with_user(user or self.member)
        thread = account.client_notes("INBOX", self.uidvalidity, self.uid)
        self.assertEqual(thread["thread_model"], HANDLE)
        return self.env[HANDLE].browse(thread["thread_id"])

    def post_note(self, user, handle, body, partner_ids=(), **values):
        return handle.with_user(user).message_post(
            body=Markup(body), message_type="comment", partner_ids=list(partner_ids), **values
        )

    def send_odoo_mail_queue(self):
        """Odoo's outgoing mail, really sent to the test run's SMTP server (Odoo's tests
        otherwise send nothing)."""
        self.env["ir.mail_server"].sudo().create(
            {
                "name": "Test relay",
                "smtp_host": "localhost",
                "smtp_port": self.ports.smtp_starttls,
                "smtp_encryption": "starttls",
                "smtp_authentication": "login",
                "smtp_user": self.shared_address,
                "smtp_pass": self.shared_password,
            }
        )
        with patch.object(modules.module, "current_test", None):
            self.env["mail.mail"].sudo().search([("state", "=", "outgoing")]).send()

    # -- notes ------------------------------------------------------------------------------

    def test_a_note_with_mentions_reaches_the_colleague_and_never_the_customer(self):
        handle = self.notes_thread()
        # The mail's sender follows nothing, however the note was asked for.
        # Odoo sends notification mail at once unless told to queue it; queued, this test
        # sends it to the real SMTP server below.
        note = self.post_note(
            self.member,
            handle.with_context(mail_notify_force_send=False),
            "<p>@Ben Becker bitte Ersatz schicken, @Jürgen Weiß nicht informieren</p>",
            partner_ids=[self.ben.partner_id.id, self.customer.id],
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertTrue(note.subtype_id.internal)
        self.assertEqual(note.partner_ids, self.ben.partner_id)
        # Members add nobody but themselves as followers (that changes the handle) ...
        with self.assertRaises(AccessError):
            handle.with_user(self.member).message_subscribe(partner_ids=[self.customer.id])
        # ... and code that does keeps to the members too.
        handle.sudo().message_subscribe(partner_ids=[self.customer.id, self.ben.partner_id.id])
        self.assertNotIn(self.customer, handle.message_partner_ids)
        self.assertIn(self.ben.partner_id, handle.message_partner_ids)
        self.assertEqual(
            note.notification_ids.res_partner_id, self.ben.partner_id, "Ben is notified"
        )
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("recipient_ids", "in", self.customer.ids)])
        )

        self.send_odoo_mail_queue()
        to_ben = [parsed for parsed, _flags in self.fetch_all(self.ben_address, self.ben_password)]
        self.assertEqual(len(to_ben), 1, "Ben reads the note by mail, as he chose")
        self.assertIn("Ersatz schicken", to_ben[0].get_body(("html", "plain")).get_content())
        self.assertEqual(self.fetch_all(self.customer_address, self.customer_password), [])
        received = [
            json.loads(line)
            for line in self.servers.smtp_received_log.read_text().splitlines()
            if line.strip()
        ]
        recipients = {address.lower() for entry in received for address in entry["to"]}
        self.assertIn(self.ben_address.lower(), recipients)
        self.assertNotIn(self.customer_address.lower(), recipients)
        # The customer's own mail is still where it was, once, untouched by the note.
        inbox = self.fetch_all(self.shared_address, self.shared_password)
        self.assertEqual(
            [str(parsed["Subject"]) for parsed, _f in inbox], ["Reklamation Lieferung"]
        )

    def test_a_new_follower_from_outside_is_refused_and_no_message_is_sent_to_followers(self):
        handle = self.notes_thread()
        # Even code that posts "a message" on the handle, as sudo, writes a note for members.
        message = handle.sudo().message_post(
            body="Nachricht an alle", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        handle.sudo().message_subscribe(partner_ids=[self.customer.id])
        self.assertNotIn(self.customer, handle.message_partner_ids)
        self.assertEqual(handle._message_get_suggested_recipients(), [])

    def test_note_counts_for_the_page_in_one_query(self):
        handle = self.notes_thread()
        self.post_note(self.member, handle, "eins")
        self.post_note(self.ben, handle, "zwei")
        self.servers.dovecot.write_messages(
            self.shared_address,
            [("INBOX", build_message("Zweite", sender=self.customer_address), set(), RECEIVED)],
        )
        page = self.member_account.client_page("INBOX", search={"subject": "Zweite"})
        second = page["messages"][0]["uid"]
        self.member_account.client_message_handles("INBOX", self.uidvalidity, [second])
        counts = self.member_account.client_note_counts(
            "INBOX", self.uidvalidity, [self.uid, second]
        )
        self.assertEqual(counts, {self.uid: 2})
        # As many queries for a page of one row as of two: not one per row.
        queries = []
        for uids in ([self.uid], [self.uid, second]):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.member_account.client_note_counts("INBOX", self.uidvalidity, uids)
            queries.append(self.env.cr.sql_log_count - before)
        self.assertEqual(queries[0], queries[1])

    def test_notes_and_saved_searches_follow_a_folder_a_member_renames(self):
        """A member renames the folder that holds mail with notes: the list of the renamed
        folder still shows the notes (the same chatter, not a new empty one), and a
        colleague's saved search of that folder searches it under its new name."""
        moved = self.member_account.client_move(
            "INBOX", self.uidvalidity, [self.uid], self._folder("Reklamationen")
        )
        uidvalidity, uid = moved[0]["uidvalidity"], moved[0]["uid"]
        thread = self.member_account.client_notes("Reklamationen", uidvalidity, uid)
        handle = self.env[HANDLE].browse(thread["thread_id"])
        self.post_note(self.member, handle, "Kunde anrufen")
        saved = (
            self.env["dynaoffice.mail.saved.search"]
            .with_user(self.ben)
            .create(
                {
                    "name": "Offene Reklamationen",
                    "query": "is:unread",
                    "account_id": self.shared.id,
                    "folder": "Reklamationen",
                }
            )
        )
        self.member_account.client_rename_folder("Reklamationen", "Beschwerden")
        page = self.member_account.client_page("Beschwerden")
        self.assertEqual([m["uid"] for m in page["messages"]], [uid])
        counts = self.member_account.client_note_counts("Beschwerden", page["uidvalidity"], [uid])
        self.assertEqual(counts, {uid: 1})
        again = self.member_account.client_notes("Beschwerden", page["uidvalidity"], uid)
        self.assertEqual(again["thread_id"], handle.id)
        self.assertEqual(saved.with_user(self.ben).folder, "Beschwerden")

    def _folder(self, name):
        self.member_account.client_create_folder(name)
        return name

    def test_personal_mailboxes_have_no_notes(self):
        personal = self.personal.with_user(self.owner)
        self.servers.dovecot.write_messages(
            self.personal_address,
            [("INBOX", build_message("Privat", sender=self.customer_address), set(), RECEIVED)],
        )
        page = personal.client_page("INBOX")
        uid = page["messages"][0]["uid"]
        with self.assertRaises(UserError):
            personal.client_notes("INBOX", page["uidvalidity"], uid)
        with self.assertRaises(UserError):
            personal.client_note_counts("INBOX", page["uidvalidity"], [uid])
        (handle_id,) = personal.client_message_handles("INBOX", page["uidvalidity"], [uid]).values()
        handle = self.env[HANDLE].browse(handle_id)
        with self.assertRaises(AccessError):
            self.post_note(self.owner, handle, "privat")
        self.assertFalse(self.env[HANDLE].with_user(self.owner)._get_thread_with_access(handle_id))

    # -- who may read and write them, over RPC ---------------------------------------------------

    def test_only_members_read_and_write_notes_over_rpc(self):
        handle = self.notes_thread()
        note = self.post_note(self.member, handle, "<p>Nur intern</p>")
        self.sales.users -= self.former
        outsiders = (self.other, self.admin, self.former, self.mail_admin, self.portal)

        # Members read the chatter the way Odoo's client does, and write in it.
        answer = self.chatter_messages(self.ben, handle)
        self.assertIn("Nur intern", json.dumps(answer))
        posted = self.rpc(
            self.ben,
            HANDLE,
            "message_post",
            [[handle.id]],
            {"body": "Erledigt", "message_type": "comment"},
        )
        self.assertIn("result", posted, posted)

        notes_before = handle.sudo().message_ids
        for user in outsiders:
            with self.subTest(user=user.login):
                self.assert_forgery_refused(
                    user,
                    HANDLE,
                    "message_post",
                    [[handle.id]],
                    {"body": "eingeschleust", "message_type": "comment"},
                    state=lambda: handle.sudo().message_ids.ids,
                )
                refused = self.rpc(user, "mail.message", "read", [[note.id], ["body"]])
                self.assertIn("error", refused, user.login)
                found = self.rpc(
                    user,
                    "mail.message",
                    "search_read",
                    [[("model", "=", HANDLE), ("res_id", "=", handle.id)], ["body"]],
                )
                self.assertEqual(found.get("result", []), [], user.login)
                self.assertNotIn("Nur intern", json.dumps(self.chatter_messages(user, handle)))
                counts = self.rpc(
                    user,
                    "dynaoffice.mail.account",
                    "client_note_counts",
                    [[self.shared.id], "INBOX", self.uidvalidity, [self.uid]],
                )
                self.assertIn("error", counts, user.login)
        self.assertEqual(len(handle.sudo().message_ids), len(notes_before))

    def test_nobody_rewrites_a_colleagues_note_over_rpc(self):
        """Odoo lets the recipients of a message write it (mail.message's rule): Ben,
        mentioned in Maria's note, would change its text, its author or add outsiders who
        then read it; a former member the notes he was told of."""
        handle = self.notes_thread()
        note = self.post_note(
            self.member,
            handle,
            "<p>@Ben Becker Kulanz: 20 %</p>",
            partner_ids=[self.ben.partner_id.id, self.former.partner_id.id],
        )
        self.assertEqual(note.partner_ids, self.ben.partner_id | self.former.partner_id)
        own = self.post_note(self.former, handle, "<p>Fritz: Kunde angerufen</p>")
        self.sales.users -= self.former

        def state():
            return note.sudo().read(["body", "author_id", "partner_ids", "attachment_ids"])

        forged = (
            {"body": "<p>Kein Rabatt</p>"},
            {"author_id": self.ben.partner_id.id},
            {"partner_ids": [(4, self.other.partner_id.id), (4, self.customer.id)]},
        )
        for user in (self.ben, self.former):
            for values in forged:
                with self.subTest(user=user.login, values=values):
                    self.assert_forgery_refused(
                        user, "mail.message", "write", [[note.id], values], state=state
                    )
        self.assertIn("error", self.rpc(self.other, "mail.message", "read", [[note.id], ["body"]]))
        # Nor does a member post a note in a colleague's name.
        self.assert_forgery_refused(
            self.ben,
            HANDLE,
            "message_post",
            [[handle.id]],
            {"body": "Kein Rabatt", "author_id": self.member.partner_id.id},
            state=lambda: handle.sudo().message_ids.ids,
        )

        # The chatter's edit: the author mentions an outsider, who is not named; the former
        # member no longer edits (nor empties) his own note.
        edited = self.update_content(self.member, note, "Kulanz: 25 %", [self.other.partner_id.id])
        self.assertNotIn("error", edited, edited)
        self.assertIn("25 %", note.body)
        self.assertNotIn(self.other.partner_id, note.partner_ids)
        self.assertIn("error", self.rpc(self.other, "mail.message", "read", [[note.id], ["body"]]))
        self.update_content(self.former, own, "")
        self.env.invalidate_all()
        self.assertIn("Kunde angerufen", own.body)

    def update_content(self, user, message, body, partner_ids=None):
        """Odoo's chatter editing a message (emptied: deleted), as `user`."""
        self.authenticate(user.login, user.login)
        response = self.url_open(
            "/mail/message/update_content",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "message_id": message.id,
                        "body": body,
                        "attachment_ids": [],
                        "partner_ids": partner_ids or [],
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.env.invalidate_all()
        return response.json()

    def chatter_messages(self, user, handle):
        """What Odoo's chatter routes answer `user` for the handle's thread."""
        self.authenticate(user.login, user.login)
        answers = []
        for route, params in (
            ("/mail/thread/data", {"request_list": ["followers", "attachments"]}),
            ("/mail/thread/messages", {}),
        ):
            response = self.url_open(
                route,
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": dict(params, thread_model=HANDLE, thread_id=handle.id),
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            answers.append(response.json())
        return answers

    # -- the record the mail is assigned to -------------------------------------------------------

    def test_assigned_mail_keeps_its_notes_and_the_chatter_entry_links_to_them(self):
        contacts = self.env.ref("base.group_partner_manager")
        self.member.groups_id += contacts
        handle = self.notes_thread()
        self.post_note(self.member, handle, "<p>Kulanz prüfen</p>")
        result = self.member_account.client_assign(
            "INBOX", self.uidvalidity, [self.uid], "res.partner", self.customer.id
        )
        posted = self.env["mail.message"].browse(result[self.uid]["mail_message_id"])
        self.assertIn(f'href="/dynaoffice_mail/message/{handle.id}"', posted.body)
        # The notes stayed with the mail, none went to the contact.
        self.assertEqual(handle.message_ids.filtered(lambda m: "Kulanz" in m.body).model, HANDLE)
        self.assertNotIn("Kulanz", "".join(self.customer.message_ids.mapped("body")))

        # The link opens the client on the mail, for members; others find nothing there.
        self.authenticate(self.ben.login, self.ben.login)
        response = self.url_open(f"/dynaoffice_mail/message/{handle.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"account={self.shared.id}", response.headers["Location"])
        self.assertIn(f"uid={self.uid}", response.headers["Location"])
        self.authenticate(self.other.login, self.other.login)
        response = self.url_open(f"/dynaoffice_mail/message/{handle.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 404)
