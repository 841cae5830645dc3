"""The mail client in headless Chromium, on a real Dovecot mailbox, checked over IMAP after."""

import base64
import datetime
import threading
import time
from email.message import EmailMessage
from email.utils import format_datetime

from odoo.tests import HttpCase, tagged

from .common import MailServerCase, build_message

NOW = datetime.datetime.now(datetime.timezone.utc)
# A 1x1 PNG: an attachment the reading pane previews.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _hours_ago(hours):
    return format_datetime(NOW - datetime.timedelta(hours=hours))


def _report():
    message = EmailMessage()
    message["From"] = "Anna Becker <anna@example.com>"
    message["To"] = "team@example.com"
    message["Subject"] = "Quarterly report"
    message["Date"] = _hours_ago(2)
    message["Message-ID"] = "<quarterly-report@example.com>"
    message.set_content("The figures for March are attached.\n")
    message.add_alternative("<p>The figures for March are attached.</p>", subtype="html")
    message.add_attachment(
        b"month;revenue\n3;100\n", maintype="text", subtype="csv", filename="figures.csv"
    )
    message.add_attachment(PNG, maintype="image", subtype="png", filename="chart.png")
    return message.as_bytes()


def _hostile():
    message = EmailMessage()
    message["From"] = "Shop <news@shop.example>"
    message["To"] = "team@example.com"
    message["Subject"] = "Hostile newsletter"
    message["Date"] = _hours_ago(1)
    message["Message-ID"] = "<hostile@shop.example>"
    message.set_content("Dear customer\n")
    message.add_alternative(
        "<html><body><p>Dear customer</p>"
        "<script>window.top.document.title='PWNED'</script>"
        "<img src=x onerror=\"window.top.document.title='PWNED'\">"
        "<img src='https://tracker.example.net/pixel.gif' alt='tracker'>"
        "</body></html>",
        subtype="html",
    )
    return message.as_bytes()


def _older(subject, hours):
    return build_message(subject, date=_hours_ago(hours), body=f"{subject}\n")


@tagged("post_install", "-at_install")
class TestUiMailClient(HttpCase, MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        # Read here: the delivery thread below must not use the test's cursor.
        self.password = self.personal._decrypted_password("imap_password")

    def deliver(self, address, messages):
        self.servers.dovecot.write_messages(
            address, [(folder, raw, flags, NOW) for folder, raw, flags in messages]
        )

    def deliver_when_flagged(self, stop):
        """Delivers "New arrival" once the tour has flagged the report (seen over IMAP), so
        that new mail comes in while the client is open, at a known point of the tour."""
        with self.imap(self.personal_address, self.password) as client:
            client.select_folder("INBOX", readonly=True)
            while not stop.is_set():
                client.noop()
                if client.search(["FLAGGED"]):
                    self.servers.dovecot.write_messages(
                        self.personal_address,
                        [("INBOX", _older("New arrival", 0), set(), NOW)],
                    )
                    return
                time.sleep(0.3)

    def imap_state(self, folders=("INBOX", "Archive", "Junk", "Trash")):
        """Folder -> {subject: flags}, as a plain IMAP client sees the mailbox."""
        state = {}
        with self.imap(self.personal_address, self.password) as client:
            for folder in folders:
                client.select_folder(folder, readonly=True)
                uids = client.search("ALL")
                fetched = client.fetch(uids, ["ENVELOPE", "FLAGS"]) if uids else {}
                state[folder] = {
                    item[b"ENVELOPE"].subject.decode(): set(item[b"FLAGS"])
                    for item in fetched.values()
                }
        return state

    def test_read_flag_move_delete_and_hostile_mail(self):
        self.deliver(
            self.personal_address,
            [
                ("INBOX", _hostile(), set()),
                ("INBOX", _report(), set()),
                ("INBOX", _older("Move me", 3), set()),
                ("INBOX", _older("Drag me", 4), set()),
                ("INBOX", _older("Delete me", 5), set()),
            ],
        )
        stop = threading.Event()
        delivery = threading.Thread(target=self.deliver_when_flagged, args=(stop,), daemon=True)
        delivery.start()
        try:
            self.start_tour(
                "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
                "dynaoffice_mail_client",
                login=self.owner.login,
            )
        finally:
            stop.set()
            delivery.join(timeout=15)
        state = self.imap_state()
        self.assertEqual(
            set(state["INBOX"]), {"Quarterly report", "Hostile newsletter", "New arrival"}
        )
        self.assertEqual(set(state["Archive"]), {"Move me"}, "moved with the menu")
        self.assertEqual(set(state["Junk"]), {"Drag me"}, "moved by drag and drop")
        self.assertEqual(set(state["Trash"]), {"Delete me"}, "deleted to the Trash")
        report = state["INBOX"]["Quarterly report"]
        self.assertIn(b"\\Flagged", report)
        self.assertNotIn(b"\\Seen", report, "r marked the report unread again")
        self.assertIn(b"\\Seen", state["INBOX"]["Hostile newsletter"], "opening marks read")
        self.assertIn(b"\\Seen", state["Trash"]["Delete me"])
        self.assertNotIn(b"\\Seen", state["Archive"]["Move me"], "moving does not mark read")

    def test_paging_sorting_searching_folders_and_empty_trash(self):
        seen = {"\\Seen"}
        messages = [
            ("INBOX", _older(f"Nachricht {n:02}", 100 - n), set() if n == 30 else seen)
            for n in range(1, 56)
        ]
        invoice = build_message(
            "Rechnung 4711", date=_hours_ago(0), body="Anbei der Lieferschein.\n"
        )
        messages.append(("INBOX", invoice, set()))
        messages += [("Trash", _older(f"Alt {n}", 200), seen) for n in (1, 2)]
        self.deliver(self.personal_address, messages)
        self.start_tour(
            "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
            "dynaoffice_mail_client_folders",
            login=self.owner.login,
        )
        with self.imap(self.personal_address, self.password) as client:
            names = {name for _flags, _delimiter, name in client.list_folders()}
            trash = client.select_folder("Trash", readonly=True)[b"EXISTS"]
        self.assertIn("Kunden", names, "created and renamed")
        self.assertFalse({"Projekte", "Kunden/Alt"} & names, "renamed away and deleted")
        self.assertEqual(trash, 0, "Empty Trash removed everything in it")
        self.assertEqual(len(self.imap_state(["INBOX"])["INBOX"]), 56, "nothing else changed")

    def test_group_mailbox_for_its_members(self):
        self.deliver(self.shared_address, [("INBOX", _older("Für alle", 1), set())])
        self.start_tour(
            "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
            "dynaoffice_mail_client_group",
            login=self.member.login,
        )

    def test_without_mailbox_the_client_leads_to_the_setup(self):
        self.start_tour(
            "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
            "dynaoffice_mail_client_no_account",
            login=self.other.login,
        )
