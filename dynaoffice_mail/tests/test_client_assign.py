"""Assigning mail to records, end to end: messages on Dovecot, posted into chatters, the
keyword checked over IMAP, and who may do what."""

import datetime
import email.message
import secrets
import ssl
from unittest.mock import patch

import imapclient

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.mail.tools.discuss import Store

from ..roles import assigner
from .common import MailServerCase, build_message
from .test_client_reading import MALFORMED

RECEIVED = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # binary, with every byte value
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
KEYWORD = b"$Odoo-Assigned"


@tagged("post_install", "-at_install")
class TestClientAssign(MailServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Contact Creation, as Odoo gives every new user: posting on a contact needs it.
        contacts = cls.env.ref("base.group_partner_manager")
        for user in (cls.owner, cls.member, cls.other, cls.admin):
            user.groups_id += contacts
        Partner = cls.env["res.partner"]
        cls.company = Partner.create({"name": "Weiß Bau GmbH", "is_company": True})
        cls.customer_address = f"juergen-{secrets.token_hex(3)}@weiss-bau.example"
        cls.customer = Partner.create(
            {"name": "Jürgen Weiß", "email": cls.customer_address, "parent_id": cls.company.id}
        )
        cls.buyer_address = f"einkauf-{secrets.token_hex(3)}@stadtwerke.example"
        cls.buyer = Partner.create({"name": "Stadtwerke Einkauf", "email": cls.buyer_address})
        cls.utility = Partner.create(
            {"name": "Stadtwerke Nord", "is_company": True, "ref": "K-4711"}
        )
        cls.project = Partner.create({"name": "Projekt Alpha", "is_company": True})

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.account = self.personal.with_user(self.owner)

    # -- helpers ------------------------------------------------------------------------

    def deliver(self, raw, address=None, folder="INBOX"):
        self.servers.dovecot.write_messages(
            address or self.personal_address, [(folder, raw, set(), RECEIVED)]
        )

    def find(self, subject, account=None, folder="INBOX"):
        """(uidvalidity, uid) of the message with this subject, as the list shows it."""
        page = (account or self.account).client_page(folder, search={"subject": subject})
        self.assertEqual(len(page["messages"]), 1, subject)
        return page["uidvalidity"], page["messages"][0]["uid"]

    def server_flags(self, account, folder, uid):
        """The message's flags, read over IMAP with the account's own login."""
        context = ssl.create_default_context(cadata=self.ca_pem)
        client = imapclient.IMAPClient("localhost", port=self.ports.imaps, ssl_context=context)
        client.login(account.imap_user, account.sudo()._decrypted_password("imap_password"))
        try:
            client.select_folder(folder, readonly=True)
            return client.get_flags([uid]).get(uid, ())
        finally:
            client.logout()

    def delete_elsewhere(self, uid, folder="INBOX"):
        """Another mail program deletes the personal mailbox's message `uid` for good."""
        context = ssl.create_default_context(cadata=self.ca_pem)
        client = imapclient.IMAPClient("localhost", port=self.ports.imaps, ssl_context=context)
        client.login(self.personal.imap_user, self.personal._decrypted_password("imap_password"))
        try:
            client.select_folder(folder)
            client.delete_messages([uid])
            client.expunge()
        finally:
            client.logout()

    def offer_with_files(self, subject, sender=None, message_id=None):
        """An HTML offer with an inline logo, a tracking pixel and a PDF, sent at 09:30 CET."""
        message = email.message.EmailMessage()
        message["From"] = sender or f"Jürgen Weiß <{self.customer_address}>"
        message["To"] = self.personal_address
        message["Subject"] = subject
        message["Date"] = "Mon, 02 Mar 2026 09:30:00 +0100"
        message["Message-ID"] = message_id or f"<{secrets.token_hex(8)}@weiss-bau.example>"
        message.set_content("Anbei unser Angebot.")
        message.add_alternative(
            '<p>Anbei unser <b>Angebot</b>.</p><img src="cid:logo@weiss-bau">'
            '<img src="https://tracker.example/pixel.gif">',
            subtype="html",
        )
        message.get_payload()[1].add_related(
            PNG, maintype="image", subtype="png", cid="<logo@weiss-bau>", filename="logo.png"
        )
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Angebot.pdf")
        return message

    def suggestion_kinds(self, suggestions):
        return {(s["res_model"], s["res_id"]): s["kind"] for s in suggestions}

    # -- suggestions ----------------------------------------------------------------------

    def test_suggestions_for_a_contact_name_the_contact_its_company_and_the_subject(self):
        message = email.message.EmailMessage()
        message["From"] = f"Jürgen Weiß <{self.customer_address}>"
        message["To"] = f"{self.personal_address}, {self.buyer_address}"
        message["Cc"] = self.other.email or "otto@dynaoffice.test"
        message["Subject"] = "Rahmenvertrag K-4711."
        message["Message-ID"] = "<rahmen@weiss-bau.example>"
        message.set_content("Hallo")
        self.deliver(message.as_bytes())
        uidvalidity, uid = self.find("Rahmenvertrag")

        suggestions = self.account.client_assign_suggestions("INBOX", uidvalidity, uid)
        kinds = self.suggestion_kinds(suggestions)
        self.assertEqual(
            kinds,
            {
                ("res.partner", self.utility.id): "reference",
                ("res.partner", self.customer.id): "sender",
                ("res.partner", self.company.id): "sender_company",
                ("res.partner", self.buyer.id): "recipient",
            },
        )
        # The subject's reference first, then the sender before the recipients.
        self.assertEqual(suggestions[0]["res_id"], self.utility.id)
        first = next(s for s in suggestions if s["res_id"] == self.customer.id)
        self.assertEqual(first["display_name"], "Weiß Bau GmbH, Jürgen Weiß")
        self.assertEqual(first["model_name"], "Contact")
        self.assertEqual(first["reason"], "Sender")
        self.assertFalse(first["assigned"])
        # CRM is installed in the test database, but no lead has these addresses.
        self.assertNotIn("crm.lead", {model for model, _id in kinds})

        self.account.client_assign("INBOX", uidvalidity, [uid], "res.partner", self.customer.id)
        suggestions = self.account.client_assign_suggestions("INBOX", uidvalidity, uid)
        assigned = {s["res_id"] for s in suggestions if s["assigned"]}
        self.assertEqual(assigned, {self.customer.id})

    def test_a_sender_with_an_opportunity_is_suggested_it_where_crm_is_readable(self):
        # The test database has CRM (this addon does not depend on it).
        address = f"anfrage-{secrets.token_hex(3)}@dachdecker.example"
        opportunity = self.env["crm.lead"].create(
            {"name": "Dach Sporthalle", "email_from": address, "type": "opportunity"}
        )
        self.deliver(build_message("Anfrage Sporthalle", sender=f"Dachdecker <{address}>"))
        uidvalidity, uid = self.find("Anfrage Sporthalle")
        # Without sales rights, leads are not the user's to see: nothing suggested.
        kinds = self.suggestion_kinds(
            self.account.client_assign_suggestions("INBOX", uidvalidity, uid)
        )
        self.assertNotIn(("crm.lead", opportunity.id), kinds)

        self.owner.groups_id += self.env.ref("sales_team.group_sale_salesman_all_leads")
        suggestions = self.account.client_assign_suggestions("INBOX", uidvalidity, uid)
        lead = next(s for s in suggestions if s["res_model"] == "crm.lead")
        self.assertEqual(
            (lead["res_id"], lead["kind"], lead["reason"], lead["display_name"]),
            (opportunity.id, "lead", "Opportunity", "Dach Sporthalle"),
        )
        self.account.client_assign("INBOX", uidvalidity, [uid], "crm.lead", opportunity.id)
        posted = opportunity.message_ids.filtered(lambda m: m.subject == "Anfrage Sporthalle")
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted.message_type, "email")

    def test_reply_to_odoo_mail_suggests_its_record_and_threads_there(self):
        sent = self.project.with_user(self.owner).message_post(
            body="Unser Angebot für Projekt Alpha",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertTrue(sent.message_id)
        stranger = f"bauleiter-{secrets.token_hex(3)}@example.org"
        reply = build_message("Re: Angebot Projekt Alpha", sender=stranger)
        reply = reply.replace(
            b"Subject:",
            b"In-Reply-To: " + sent.message_id.encode() + b"\n"
            b"References: <older@example.org> " + sent.message_id.encode() + b"\nSubject:",
        )
        self.deliver(reply)
        uidvalidity, uid = self.find("Angebot Projekt Alpha")

        suggestions = self.account.client_assign_suggestions("INBOX", uidvalidity, uid)
        self.assertEqual(
            (suggestions[0]["res_model"], suggestions[0]["res_id"], suggestions[0]["kind"]),
            ("res.partner", self.project.id, "thread"),
        )

        result = self.account.client_assign(
            "INBOX", uidvalidity, [uid], "res.partner", self.project.id
        )
        posted = self.env["mail.message"].browse(result[uid]["mail_message_id"])
        self.assertEqual(result[uid]["status"], "assigned")
        self.assertEqual(posted.parent_id, sent)
        # Nobody in Odoo has the sender's address: the entry is from the address itself.
        self.assertFalse(posted.author_id)
        self.assertIn(stranger, posted.email_from)

    # -- assigning ------------------------------------------------------------------------

    def test_assign_posts_once_with_files_author_and_date(self):
        self.deliver(self.offer_with_files("Angebot Dachsanierung").as_bytes())
        uidvalidity, uid = self.find("Angebot Dachsanierung")

        result = self.account.client_assign(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id
        )
        self.assertEqual(result[uid]["status"], "assigned")
        posted = self.env["mail.message"].browse(result[uid]["mail_message_id"])
        self.assertEqual((posted.model, posted.res_id), ("res.partner", self.customer.id))
        self.assertEqual(posted.author_id, self.customer)
        self.assertEqual(posted.message_type, "email")
        self.assertEqual(posted.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(posted.subject, "Angebot Dachsanierung")
        self.assertEqual(posted.date, datetime.datetime(2026, 3, 2, 8, 30))
        self.assertIn("<b>Angebot</b>", posted.body)
        self.assertNotIn("tracker.example", posted.body)
        files = {a.name: a.raw for a in posted.attachment_ids}
        self.assertEqual(files, {"logo.png": PNG, "Angebot.pdf": PDF})
        # The inline logo is shown from its attachment, not from a dead cid: link.
        logo = posted.attachment_ids.filtered(lambda a: a.name == "logo.png")
        self.assertIn(f"/web/image/{logo.id}", posted.body)
        self.assertNotIn("cid:", posted.body)

        # Again to the same contact: nothing new. To the company: once there too.
        again = self.account.client_assign(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id
        )
        self.assertEqual(again[uid], {"status": "already", "mail_message_id": posted.id})
        other = self.account.client_assign(
            "INBOX", uidvalidity, [uid], "res.partner", self.company.id
        )
        self.assertEqual(other[uid]["status"], "assigned")
        for partner in (self.customer, self.company):
            self.assertEqual(
                self.env["mail.message"].search_count(
                    [
                        ("model", "=", "res.partner"),
                        ("res_id", "=", partner.id),
                        ("message_id", "=", posted.message_id),
                    ]
                ),
                1,
            )

        # Other mail programs see the keyword; the list gets its markers.
        self.assertIn(KEYWORD, self.server_flags(self.personal, "INBOX", uid))
        markers = self.account.client_assignments("INBOX", uidvalidity, [uid, uid + 100])
        self.assertEqual(list(markers), [uid])
        self.assertEqual(
            {(m["res_id"], m["display_name"]) for m in markers[uid]},
            {
                (self.customer.id, "Weiß Bau GmbH, Jürgen Weiß"),
                (self.company.id, "Weiß Bau GmbH"),
            },
        )

        # From the contact: the smart button, and back to the original from the chatter.
        customer = self.customer.with_user(self.owner)
        self.assertEqual(customer.dynaoffice_mail_assigned_count, 1)
        listed = (
            self.env["dynaoffice.mail.message"]
            .with_user(self.owner)
            .search(customer.action_dynaoffice_mail_assigned()["domain"])
        )
        self.assertEqual(listed.mapped("subject"), ["Angebot Dachsanierung"])
        # Its "Assigned to" column names the records (in the order assigned), not how many.
        self.assertEqual(listed.assigned_to, "Weiß Bau GmbH, Jürgen Weiß; Weiß Bau GmbH")
        list_arch = listed.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="assigned_to"', list_arch)
        action = posted.with_user(self.owner).dynaoffice_mail_action_open_original()
        self.assertEqual(action["tag"], "dynaoffice_mail.client")
        self.assertEqual(
            action["params"],
            {
                "account_id": self.personal.id,
                "folder": "INBOX",
                "uidvalidity": uidvalidity,
                "uid": uid,
            },
        )

    def test_a_contacts_assigned_mail_is_only_the_mail_assigned_to_that_contact(self):
        # Ids are counted per model: here an opportunity has the id of a contact. A mail
        # assigned to another contact and to that opportunity is none of the contact's.
        self.owner.groups_id += self.env.ref("sales_team.group_sale_salesman")
        cr = self.env.cr
        cr.execute("SELECT GREATEST(nextval('crm_lead_id_seq'), nextval('res_partner_id_seq'))")
        (last,) = cr.fetchone()
        cr.execute(
            "SELECT setval('crm_lead_id_seq', %s), setval('res_partner_id_seq', %s)", [last, last]
        )
        lead = self.env["crm.lead"].create(
            {"name": "Wintergarten Weiß", "type": "opportunity", "user_id": self.owner.id}
        )
        contact = self.env["res.partner"].create({"name": "Gleiche Nummer"})
        self.assertEqual(lead.id, contact.id)
        self.deliver(build_message("Wintergarten", sender=self.customer_address))
        uidvalidity, uid = self.find("Wintergarten")
        self.account.client_assign("INBOX", uidvalidity, [uid], "res.partner", self.customer.id)
        self.account.client_assign("INBOX", uidvalidity, [uid], "crm.lead", lead.id)

        Handle = self.env["dynaoffice.mail.message"].with_user(self.owner)
        for partner, subjects in ((contact, []), (self.customer, ["Wintergarten"])):
            with self.subTest(partner=partner.name):
                partner = partner.with_user(self.owner)
                self.assertEqual(partner.dynaoffice_mail_assigned_count, len(subjects))
                listed = Handle.search(partner.action_dynaoffice_mail_assigned()["domain"])
                self.assertEqual(listed.mapped("subject"), subjects)

    def test_senders_are_shown_without_stray_quotes(self):
        # The chatter and "Assigned mail" show the sender as written: quotes only where
        # a name needs them (a comma would otherwise split it into two addresses).
        stranger = f"emily-{secrets.token_hex(3)}@example.org"
        for subject, sender, shown in (
            ("Plain name", f"Emily Carter <{stranger}>", f"Emily Carter <{stranger}>"),
            ("Umlaut name", f"Jürgen Weiß <{stranger}>", f"Jürgen Weiß <{stranger}>"),
            ("Comma name", f'"Carter, Emily" <{stranger}>', f'"Carter, Emily" <{stranger}>'),
        ):
            with self.subTest(sender=sender):
                self.deliver(build_message(subject, sender=sender))
                uidvalidity, uid = self.find(subject)
                result = self.account.client_assign(
                    "INBOX", uidvalidity, [uid], "res.partner", self.project.id
                )
                posted = self.env["mail.message"].browse(result[uid]["mail_message_id"])
                self.assertEqual(posted.email_from, shown)
                listed = (
                    self.env["dynaoffice.mail.message"]
                    .with_user(self.owner)
                    .search([("subject", "=", subject)])
                )
                self.assertEqual(listed.email_from, shown)

    def test_mail_already_in_the_chatter_is_not_posted_again(self):
        """Mail that reached the record another way (Odoo's own mail gateway) is matched by
        its Message-ID; a message no longer on the server is reported as gone."""
        known = "<schon-da@weiss-bau.example>"
        existing = self.customer.message_post(
            body="Kam über den Mail-Gateway", message_type="email", message_id=known
        )
        self.deliver(
            self.offer_with_files("Schon im Verlauf, mit Anhang", message_id=known).as_bytes()
        )
        uidvalidity, uid = self.find("Schon im Verlauf, mit Anhang")
        result = self.account.client_assign(
            "INBOX", uidvalidity, [uid, 9999], "res.partner", self.customer.id
        )
        self.assertEqual(
            result,
            {
                uid: {"status": "already", "mail_message_id": existing.id},
                9999: {"status": "gone", "mail_message_id": False},
            },
        )
        self.assertIn(uid, self.account.client_assignments("INBOX", uidvalidity, [uid]))

    def test_mail_deleted_elsewhere_after_an_assignment_is_gone_and_the_rest_assigned(self):
        """A message keeps its handle once assigned: deleted by another mail program while
        the list still shows it, it is reported as gone when assigned again, and the
        other messages of the selection are assigned."""
        self.deliver(build_message("Schon zugeordnet", sender=self.customer_address))
        self.deliver(build_message("Noch da", sender=self.customer_address))
        uidvalidity, gone = self.find("Schon zugeordnet")
        _uidvalidity, kept = self.find("Noch da")
        self.account.client_assign("INBOX", uidvalidity, [gone], "res.partner", self.customer.id)
        self.delete_elsewhere(gone)
        result = self.account.client_assign(
            "INBOX", uidvalidity, [gone, kept], "res.partner", self.project.id
        )
        self.assertEqual(result[gone], {"status": "gone", "mail_message_id": False})
        self.assertEqual(result[kept]["status"], "assigned")
        posted = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.project.id),
                ("message_type", "=", "email"),
            ]
        )
        self.assertEqual(posted.mapped("subject"), ["Noch da"])

    def test_unreadable_mail_comes_with_its_source(self):
        self.deliver(MALFORMED)
        uidvalidity, uid = self.find("Kaputt")
        result = self.account.client_assign(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id
        )
        posted = self.env["mail.message"].browse(result[uid]["mail_message_id"])
        self.assertIn("could not be read completely", posted.body)
        self.assertEqual(posted.attachment_ids.mapped("name"), ["original message.eml"])
        self.assertEqual(posted.attachment_ids.raw, MALFORMED)

    def test_the_original_is_found_after_a_move_and_missed_once_deleted(self):
        self.deliver(build_message("Wird archiviert", sender=self.customer_address))
        uidvalidity, uid = self.find("Wird archiviert")
        result = self.account.client_assign(
            "INBOX", uidvalidity, [uid], "res.partner", self.customer.id
        )
        posted = (
            self.env["mail.message"].browse(result[uid]["mail_message_id"]).with_user(self.owner)
        )
        # The chatter learns which entries came from a mailbox (to offer "open original").
        store = Store(posted)
        self.assertTrue(store.get_result()["mail.message"][0]["dynaoffice_mail_assigned"])

        # Another mail program moves it: the handle follows it by its Message-ID.
        self.account.client_move("INBOX", uidvalidity, [uid], "Archive")
        archived_validity, archived_uid = self.find("Wird archiviert", folder="Archive")
        params = posted.dynaoffice_mail_action_open_original()["params"]
        self.assertEqual(
            (params["folder"], params["uidvalidity"], params["uid"]),
            ("Archive", archived_validity, archived_uid),
        )
        markers = self.account.client_assignments("Archive", archived_validity, [archived_uid])
        self.assertEqual(markers[archived_uid][0]["res_id"], self.customer.id)

        self.account.client_delete("Archive", archived_validity, [archived_uid])
        trash_validity, trash_uid = self.find("Wird archiviert", folder="Trash")
        self.account.client_delete("Trash", trash_validity, [trash_uid])
        with self.assertRaisesRegex(UserError, "no longer in"):
            posted.dynaoffice_mail_action_open_original()

    def test_the_picker_searches_records_of_models_with_a_chatter(self):
        models_ = {entry["model"] for entry in self.account.client_assignable_models()}
        self.assertIn("res.partner", models_)
        self.assertNotIn("discuss.channel", models_)
        self.assertNotIn("dynaoffice.mail.account", models_)
        found = self.account.client_search_records("res.partner", "Jürgen Weiß")
        self.assertEqual([r["res_id"] for r in found], [self.customer.id])
        with self.assertRaises(UserError):
            self.account.client_search_records("dynaoffice.mail.account", "Mailbox")

    # -- server actions -------------------------------------------------------------------

    def test_server_actions_run_on_several_messages(self):
        subjects = ["Bestellung 1", "Bestellung 2", "Frage von Unbekannt"]
        self.deliver(build_message(subjects[0], sender=self.customer_address))
        self.deliver(build_message(subjects[1], sender=f"Jürgen <{self.customer_address}>"))
        self.deliver(build_message(subjects[2], sender="niemand@example.org"))
        page = self.account.client_page("INBOX", sort="subject", reverse=False)
        uids = [m["uid"] for m in page["messages"]]
        handles = self.account.client_message_handles("INBOX", page["uidvalidity"], uids)
        self.assertEqual(set(handles), set(uids))
        # Asking again gives the same handles.
        self.assertEqual(
            self.account.client_message_handles("INBOX", page["uidvalidity"], uids), handles
        )

        offered = {a["name"] for a in self.account.client_message_actions()}
        self.assertIn("Assign to sender's contact", offered)
        self.assertIn("Assign to the record it answers", offered)

        action = self.env.ref(
            "dynaoffice_mail.dynaoffice_mail_message_action_assign_sender_contact"
        ).with_user(self.owner)
        result = action.with_context(
            active_model="dynaoffice.mail.message", active_ids=list(handles.values())
        ).run()
        self.assertEqual(
            result["params"]["message"], "Messages assigned: 2; left alone (no single match): 1."
        )
        in_chatter = [
            ("model", "=", "res.partner"),
            ("res_id", "=", self.customer.id),
            ("message_type", "=", "email"),
        ]
        assigned = self.env["mail.message"].search(in_chatter)
        self.assertEqual(sorted(assigned.mapped("subject")), ["Bestellung 1", "Bestellung 2"])
        flags = {
            m["subject"]: KEYWORD in self.server_flags(self.personal, "INBOX", m["uid"])
            for m in page["messages"]
        }
        self.assertEqual(
            flags, {"Bestellung 1": True, "Bestellung 2": True, "Frage von Unbekannt": False}
        )
        # Run again: nothing is posted twice.
        action.with_context(
            active_model="dynaoffice.mail.message", active_ids=list(handles.values())
        ).run()
        self.assertEqual(self.env["mail.message"].search_count(in_chatter), 2)

    def test_server_actions_report_mail_deleted_elsewhere_as_gone(self):
        """The list still shows a message another mail program deleted since, its text is
        still in the reading cache: "Assign to sender's contact" and "Assign to the record
        it answers" post it nowhere and say it is gone; the other messages are assigned."""
        sent = self.project.with_user(self.owner).message_post(
            body="Unser Angebot", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        for subject in ("Re: Angebot (gelöscht)", "Re: Angebot (bleibt)"):
            reply = build_message(subject, sender=self.customer_address).replace(
                b"Subject:", b"In-Reply-To: " + sent.message_id.encode() + b"\nSubject:"
            )
            self.deliver(reply)
        page = self.account.client_page("INBOX", search={"subject": "Re: Angebot"})
        uidvalidity = page["uidvalidity"]
        uid_of = {row["subject"]: row["uid"] for row in page["messages"]}
        gone, kept = uid_of["Re: Angebot (gelöscht)"], uid_of["Re: Angebot (bleibt)"]
        handles = self.account.client_message_handles("INBOX", uidvalidity, [gone, kept])
        self.account.client_message("INBOX", uidvalidity, gone)  # read: in the cache
        self.delete_elsewhere(gone)

        for xmlid, record in (
            ("dynaoffice_mail_message_action_assign_sender_contact", self.customer),
            ("dynaoffice_mail_message_action_assign_replied_record", self.project),
        ):
            with self.subTest(action=xmlid):
                action = self.env.ref(f"dynaoffice_mail.{xmlid}").with_user(self.owner)
                result = action.with_context(
                    active_model="dynaoffice.mail.message",
                    active_ids=[handles[gone], handles[kept]],
                ).run()
                self.assertEqual(
                    result["params"]["message"],
                    "Messages assigned: 1. 1 message is no longer on the mail server.",
                )
                self.assertEqual(result["params"]["type"], "warning")
                posted = self.env["mail.message"].search(
                    [
                        ("model", "=", "res.partner"),
                        ("res_id", "=", record.id),
                        ("message_type", "=", "email"),
                    ]
                )
                self.assertEqual(posted.mapped("subject"), ["Re: Angebot (bleibt)"])

    # -- access ---------------------------------------------------------------------------

    def test_group_members_assign_from_the_group_account(self):
        self.deliver(
            build_message("Anfrage an den Vertrieb", sender=self.customer_address),
            address=self.shared_address,
        )
        shared = self.shared.with_user(self.member)
        uidvalidity, uid = self.find("Anfrage an den Vertrieb", account=shared)
        result = shared.client_assign("INBOX", uidvalidity, [uid], "res.partner", self.customer.id)
        self.assertEqual(result[uid]["status"], "assigned")
        self.assertIn(uid, shared.client_assignments("INBOX", uidvalidity, [uid]))
        self.assertEqual(
            self.env["dynaoffice.mail.message"].with_user(self.member).search_count([]), 1
        )

        # Neither a non-member nor the administrator may use the group's mail ...
        for user in (self.other, self.admin, self.owner):
            account = self.shared.with_user(user)
            with self.assertRaises(AccessError):
                account.client_assign("INBOX", uidvalidity, [uid], "res.partner", self.customer.id)
            with self.assertRaises(AccessError):
                account.client_assignments("INBOX", uidvalidity, [uid])
            with self.assertRaises(AccessError):
                account.client_assign_suggestions("INBOX", uidvalidity, uid)
            Handles = self.env["dynaoffice.mail.message"].with_user(user)
            self.assertEqual(Handles.search_count([]), 0)
            self.assertEqual(
                self.env["dynaoffice.mail.assignment"].with_user(user).search_count([]), 0
            )
            self.assertEqual(self.customer.with_user(user).dynaoffice_mail_assigned_count, 0)
            # ... but whoever may read the contact reads the chatter entry,
            posted = self.env["mail.message"].with_user(user).browse(result[uid]["mail_message_id"])
            self.assertEqual(posted.subject, "Anfrage an den Vertrieb")
            # without getting at the mailbox it came from.
            with self.assertRaises(UserError):
                posted.dynaoffice_mail_action_open_original()
        # The handles cannot be run through an action by outsiders either.
        handle = self.env["dynaoffice.mail.message"].search([("uid", "=", uid)])
        with self.assertRaises(AccessError):
            handle.with_user(self.other).assign_to_record("res.partner", self.company.id)

    def test_no_assignment_to_records_the_user_may_not_change(self):
        elsewhere = self.env["res.company"].create({"name": "Schwesterfirma"})
        hidden = self.env["res.partner"].create(
            {"name": "Kunde der Schwesterfirma", "company_id": elsewhere.id}
        )
        self.deliver(build_message("Falsche Firma", sender=self.customer_address))
        uidvalidity, uid = self.find("Falsche Firma")
        with self.assertRaises(AccessError):
            self.account.client_assign("INBOX", uidvalidity, [uid], "res.partner", hidden.id)
        self.assertFalse(hidden.message_ids.filtered(lambda m: m.subject == "Falsche Firma"))
        self.assertNotIn(KEYWORD, self.server_flags(self.personal, "INBOX", uid))
        self.assertEqual(
            self.env["dynaoffice.mail.message"].with_user(self.owner).search_count([]), 0
        )
        with self.assertRaises(UserError):
            self.account.client_assign("INBOX", uidvalidity, [uid], "res.users", self.owner.id)
        with self.assertRaises(UserError):
            self.account.client_assign("INBOX", uidvalidity, [uid], "no.such.model", 1)

    def test_a_user_who_may_not_change_contacts_cannot_assign_to_them(self):
        reader = mail_new_test_user(
            self.env, login="mail_reader", groups="base.group_user", name="Rita Reader"
        )
        address, password = self.new_mailbox()
        account = (
            self.env["dynaoffice.mail.account"]
            ._without_connection_test()
            .with_user(reader)
            .create(dict(self.account_values(address, password), user_id=reader.id))
        )
        self.deliver(build_message("Für Rita", sender=self.customer_address), address=address)
        uidvalidity, uid = self.find("Für Rita", account=account)
        # The picker offers nothing she could not post on ...
        self.assertEqual(account.client_assign_suggestions("INBOX", uidvalidity, uid), [])
        models_ = {entry["model"] for entry in account.client_assignable_models()}
        self.assertNotIn("res.partner", models_)
        self.assertEqual(account.client_search_records("res.partner", "Jürgen"), [])
        # ... and refuses it when asked all the same, leaving the mail unmarked.
        with self.assertRaises(AccessError):
            account.client_assign("INBOX", uidvalidity, [uid], "res.partner", self.customer.id)
        self.assertFalse(self.customer.message_ids.filtered(lambda m: m.subject == "Für Rita"))
        self.assertNotIn(KEYWORD, self.server_flags(account, "INBOX", uid))

    # -- a contact's mail across mailboxes -------------------------------------------------

    def test_search_mailboxes_finds_a_contacts_mail_where_the_user_may_look(self):
        self.deliver(build_message("Von Jürgen", sender=self.customer_address))
        sent = build_message("An Jürgen", sender=self.personal_address).replace(
            b"To: team@example.com", b"To: " + self.customer_address.encode()
        )
        self.deliver(sent, folder="Sent")
        self.deliver(build_message("Von jemand anderem", sender="x@example.org"))
        self.deliver(
            build_message("Jürgen an den Vertrieb", sender=self.customer_address),
            address=self.shared_address,
        )

        found = self.env["dynaoffice.mail.account"].with_user(self.owner)
        answer = found.client_search_partner_mail(self.customer.id)
        self.assertEqual(answer["addresses"], [self.customer_address])
        self.assertEqual(answer["errors"], [])
        by_folder = {
            (r["account_id"], r["folder"]): [m["subject"] for m in r["messages"]]
            for r in answer["results"]
        }
        self.assertEqual(
            by_folder,
            {
                (self.personal.id, "INBOX"): ["Von Jürgen"],
                (self.personal.id, "Sent"): ["An Jürgen"],
            },
        )

        # The group member sees the group's mailbox; the company brings its people along.
        answer = found.with_user(self.member).client_search_partner_mail(self.company.id)
        self.assertEqual(
            [(r["account_id"], r["folder"], r["total"]) for r in answer["results"]],
            [(self.shared.id, "INBOX", 1)],
        )
        action = self.company.with_user(self.member).action_dynaoffice_mail_search_mailboxes()
        self.assertEqual(action["params"], {"search_partner_id": self.company.id})

    def test_search_mailboxes_says_of_a_mailbox_that_not_all_its_folders_were_searched(self):
        """At most MAX_SEARCH_FOLDERS folders of a mailbox are searched for a contact's mail:
        beyond them the answer says so of that mailbox, as the search in all folders does,
        rather than letting "no mail of this contact" stand for folders never looked at."""
        self.deliver(build_message("Von Jürgen", sender=self.customer_address))
        self.deliver(build_message("Auch von Jürgen", sender=self.customer_address), folder="Sent")
        found = self.env["dynaoffice.mail.account"].with_user(self.owner)
        answer = found.client_search_partner_mail(self.customer.id)
        self.assertEqual(answer["errors"], [])
        self.assertEqual(len(answer["results"]), 2)

        with patch.object(assigner, "MAX_SEARCH_FOLDERS", 1):
            answer = found.client_search_partner_mail(self.customer.id)

        self.assertEqual(len(answer["results"]), 1)
        (note,) = answer["errors"]
        self.assertEqual(
            (note["account_id"], note["account_name"]), (self.personal.id, self.personal.name)
        )
        self.assertRegex(
            note["error"],
            r"^Only 1 of its [2-9] folders were searched\. Open a folder to search in it\.$",
        )

    def test_search_mailboxes_leads_to_all_of_a_folders_mail_of_the_contact(self):
        """A folder shows the newest of a contact's mail ("newest 2 of 4"); the answer's query
        ("Show all in this folder" puts it in the folder's box) lists all of it there, from,
        to or copied to any of the contact's addresses, and nothing else."""
        colleague = f"petra-{secrets.token_hex(3)}@weiss-bau.example"
        self.env["res.partner"].create(
            {"name": "Petra Weiß", "email": colleague, "parent_id": self.company.id}
        )
        for subject in ("Angebot", "Nachtrag", "Rechnung"):
            self.deliver(build_message(subject, sender=self.customer_address))
        copied = build_message("Termin", sender="x@example.org").replace(
            b"To: team@example.com", b"To: team@example.com\nCc: " + colleague.encode()
        )
        self.deliver(copied)
        self.deliver(build_message("Von jemand anderem", sender="x@example.org"))

        found = self.env["dynaoffice.mail.account"].with_user(self.owner)
        answer = found.client_search_partner_mail(self.company.id, limit=2)
        (result,) = answer["results"]
        self.assertEqual(
            (result["folder"], result["total"], len(result["messages"])), ("INBOX", 4, 2)
        )
        page = self.account.client_page("INBOX", search={"text": answer["query"]})
        self.assertEqual(page["total"], 4)
        self.assertEqual(
            sorted(message["subject"] for message in page["messages"]),
            ["Angebot", "Nachtrag", "Rechnung", "Termin"],
        )
        # Addresses too many for the box: no query, rather than one the box refuses.
        many = [f"mitarbeiter-{number:02d}@weiss-bau-gmbh.example" for number in range(20)]
        self.assertIsNone(assigner.correspondence_query(many))

    def test_search_mailboxes_finds_the_mail_of_a_contact_at_an_internationalised_domain(self):
        # The contact's address as the user typed it; mail carries the domain as punycode.
        contact = self.env["res.partner"].create(
            {"name": "Hans Müller", "email": "hans@müller-bau.example"}
        )
        wire = "hans@" + "müller-bau.example".encode("idna").decode()
        self.assertTrue(wire.startswith("hans@xn--"))
        self.deliver(build_message("Von Hans", sender=f"Hans Müller <{wire}>"))
        self.deliver(build_message("Von jemand anderem", sender="hans@mueller-bau.example"))

        action = contact.with_user(self.owner).action_dynaoffice_mail_search_mailboxes()
        self.assertEqual(action["params"], {"search_partner_id": contact.id})
        found = self.env["dynaoffice.mail.account"].with_user(self.owner)
        answer = found.client_search_partner_mail(contact.id)
        self.assertEqual(answer["addresses"], ["hans@müller-bau.example"])
        self.assertEqual(answer["errors"], [])
        self.assertEqual(
            [(r["folder"], [m["subject"] for m in r["messages"]]) for r in answer["results"]],
            [("INBOX", ["Von Hans"])],
        )
