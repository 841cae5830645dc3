"""Push in headless Chromium: a mail delivered over LMTP and a flag set by another mail
program show in the open client within 5 seconds, through IMAP IDLE and Odoo's bus, with
the 20-second poll switched off while changes are pushed."""

import json
import threading
from unittest.mock import patch

import odoo
from odoo.tests import HttpCase, tagged

from ..models import dynaoffice_mail_watch as push
from ..services import pool as imap_pool
from .common import MailServerCase, build_message
from .push_helpers import deliver_over_lmtp, wait_until


@tagged("post_install", "-at_install")
class TestUiPush(HttpCase, MailServerCase):
    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.deliver(build_message("Already here"))
        self.addCleanup(imap_pool.POOL.clear, self.personal._pool_key())
        # In tests the heartbeat starts a dispatcher only when asked to (see _heartbeat):
        # here it does, in the request of the client's first heartbeat.
        patcher = patch.object(push, "TEST_DISPATCHER_OPTIONS", {"scan_every": 0.5})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(push.stop_dispatcher, self.env.cr.dbname)
        self.notify_after_publish()

    def deliver(self, raw):
        deliver_over_lmtp(self.servers, self.personal_address, raw)

    def notify_after_publish(self):
        """In tests every commit is a savepoint, and the bus's NOTIFY (a post-commit hook)
        is dropped with it: send it after each publication, as a real commit would, so that
        the websocket of the owner's browser fetches the notice (as bus/tests/common.py's
        trigger_notification_dispatching does for Odoo's own tests)."""
        channel = [self.env.cr.dbname, "res.partner", self.owner.partner_id.id]
        publish = push.OdooSource.publish

        def publish_and_notify(source, watch, *, live, changes):
            publish(source, watch, live=live, changes=changes)
            with odoo.sql_db.db_connect("postgres").cursor() as cr:
                cr.execute("SELECT pg_notify('imbus', %s)", (json.dumps([channel]),))

        patcher = patch.object(push.OdooSource, "publish", publish_and_notify)
        patcher.start()
        self.addCleanup(patcher.stop)

    def change_once_watched(self, stop):
        """Once the Inbox is watched (the client said it has it open and IDLE runs): a new
        mail over LMTP, and another mail program flags the older one."""
        dispatcher = None

        def idling():
            nonlocal dispatcher
            dispatcher = dispatcher or push._DISPATCHERS.get(self.env.cr.dbname)
            watchers = dispatcher.watchers.values() if dispatcher else ()
            return stop.is_set() or any(w.idling.is_set() for w in watchers)

        if not wait_until(idling, timeout=60) or stop.is_set():
            return
        self.deliver(build_message("Pushed while open"))
        with self.imap(self.personal_address, self.personal_password) as other_program:
            other_program.select_folder("INBOX")
            other_program.add_flags(
                other_program.search(["SUBJECT", "Already here"]), [b"\\Flagged"]
            )

    def test_new_mail_and_flags_show_within_five_seconds(self):
        stop = threading.Event()
        changer = threading.Thread(target=self.change_once_watched, args=(stop,), daemon=True)
        changer.start()
        try:
            self.start_tour(
                "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
                "dynaoffice_mail_push",
                login=self.owner.login,
            )
        finally:
            stop.set()
            changer.join(timeout=15)
            # Before the test's thread uses the cursor that the watcher's threads share.
            push.stop_dispatcher(self.env.cr.dbname)
