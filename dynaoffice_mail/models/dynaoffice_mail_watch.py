"""Push (services/watchers.py) in Odoo: which folders clients have open, and the bus.

A client that has a folder open says so every HEARTBEAT seconds (`client_watch` on the
account, after the usual access check); a row per account and folder keeps when it was
last said. Whoever has said so within WATCH_WINDOW counts as watching. The first heartbeat
a process serves starts its dispatcher for the database (a thread: in the threaded server
and in every prefork HTTP worker alike, so no process kind is needed that a deployment
might not run); the dispatchers of all processes agree through advisory locks on who
watches which folder, and the one that does publishes on Odoo's bus to the partners of
the users who may use the account (its owner, or its group's members): a PostgreSQL NOTIFY
that reaches their browsers through whichever process holds their websocket.
"""

import datetime
import functools
import logging
import os
import threading

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL

from ..roles.team import team_partners
from ..services import pool as imap_pool
from ..services import watchers

_logger = logging.getLogger(__name__)

# The client says every minute that it has the folder open; three minutes without a word
# (two heartbeats lost, or the tab closed or hidden) and the folder is no longer watched.
HEARTBEAT = 60
WATCH_WINDOW = 180
NOTIFICATION = "dynaoffice_mail.push"
# In tests, the heartbeat starts a dispatcher only with these options (a test sets them).
TEST_DISPATCHER_OPTIONS = None


class DynaofficeMailWatch(models.Model):
    _name = "dynaoffice.mail.watch"
    _description = "Mail folder open in a mail client"

    _sql_constraints = [
        (
            "account_folder_unique",
            "unique(account_id, folder)",
            "A folder is watched once per account.",
        ),
    ]

    account_id = fields.Many2one(
        "dynaoffice.mail.account", required=True, ondelete="cascade", index=True
    )
    folder = fields.Char(required=True)
    seen_at = fields.Datetime(required=True, string="Last Seen Open")
    live = fields.Boolean(help="A watcher is in IDLE on this folder: changes are pushed.")

    @api.model
    def _heartbeat(self, account, folder):
        """`account` (checked by the caller) has `folder` open in a client. Returns
        {"live": whether changes are pushed now, "heartbeat": seconds to the next one}."""
        # One statement: two tabs saying it at once must not trip over the unique key.
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO dynaoffice_mail_watch
                    (account_id, folder, seen_at, live, create_uid, create_date,
                     write_uid, write_date)
                VALUES (%(account)s, %(folder)s, %(now)s, false, %(uid)s, %(now)s,
                        %(uid)s, %(now)s)
                ON CONFLICT (account_id, folder)
                DO UPDATE SET seen_at = EXCLUDED.seen_at
                RETURNING live
                """,
                account=account.id,
                folder=folder,
                now=fields.Datetime.now(),
                uid=self.env.uid,
            )
        )
        live = self.env.cr.fetchone()[0]
        slots = account._idle_slots()
        # In tests every thread shares the test's one cursor: a dispatcher started by any
        # test that opens the client would read through it while that test's own thread
        # does, and outlive the test. The push tests ask for theirs (and stop it again).
        if not self.env.registry.in_test_mode():
            start_dispatcher(self.env.cr.dbname, slots=slots)
        elif TEST_DISPATCHER_OPTIONS is not None:
            options = {"slots": slots, **TEST_DISPATCHER_OPTIONS}
            start_dispatcher(self.env.cr.dbname, **options)
        # A row's `live` outlives the watcher that set it (a server stopped): with push
        # turned off since, no watcher will ever clear it, and the client would stop polling.
        return {"live": bool(live) and slots > 0, "heartbeat": HEARTBEAT}

    @api.model
    def _forget_accounts(self, accounts):
        """`accounts` connect elsewhere or otherwise now: their watchers, in IDLE with the
        old settings, end at their dispatchers' next scans (nobody watches their folders
        any more); in this process their connections are closed as they come back to the
        pool (elsewhere, the new settings' first login closes them)."""
        self.search([("account_id", "in", accounts.ids)]).unlink()
        for account in accounts:
            imap_pool.POOL.clear(account._idle_pool_key())

    @api.autovacuum
    def _gc_watches(self):
        """Rows of folders nobody has opened for a day."""
        self.env.cr.execute(
            "DELETE FROM dynaoffice_mail_watch WHERE seen_at < %s",
            (fields.Datetime.now() - datetime.timedelta(days=1),),
        )


class OdooSource:
    """What a dispatcher needs of one database (services.watchers.Source).

    The dispatcher's threads act for no user: they read the watched folders and an
    account's settings as the superuser, because the users who asked for the watch passed
    the access check of `client_watch` already, and they publish to exactly the users
    `_is_usable_by` admits, never to whoever is logged in. Each call holds a cursor only
    for a moment: a watcher in IDLE holds no database connection but its lock.
    """

    def __init__(self, dbname, window=WATCH_WINDOW):
        self.dbname = dbname
        self.window = window

    def _cursor(self):
        return odoo.modules.registry.Registry(self.dbname).cursor()

    def watched(self):
        since = fields.Datetime.now() - datetime.timedelta(seconds=self.window)
        with self._cursor() as cr:
            cr.execute(
                "SELECT id, account_id, folder FROM dynaoffice_mail_watch WHERE seen_at > %s",
                (since,),
            )
            return [watchers.Watch(*row) for row in cr.fetchall()]

    def target(self, watch):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["dynaoffice.mail.account"].browse(watch.account_id).exists()
            if not account:
                return None
            # The IDLE connections are the part of the account's budget kept for push
            # (`_idle_slots()`, held across processes by the dispatcher's slot locks),
            # pooled apart from the requests' share (`_pool_limit()`).
            limit = account._idle_slots()
            if limit < 1:
                _logger.info("no IMAP connection kept for IDLE on %s", account.name)
                return None
            return watchers.Target(
                key=account._idle_pool_key(),
                settings=account._imap_settings(),
                limit=limit,
                factory=functools.partial(_login, self.dbname, account.id),
            )

    def publish(self, watch, *, live, changes):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["dynaoffice.mail.account"].browse(watch.account_id).exists()
            if not account:
                return
            payload = {
                "account_id": account.id,
                "folder": watch.folder,
                "live": live,
                "changes": sorted(changes),
            }
            push_recipients(account)._bus_send(NOTIFICATION, payload)
            cr.execute(
                "UPDATE dynaoffice_mail_watch SET live = %s WHERE id = %s AND live != %s",
                (live, watch.id, live),
            )


def _login(dbname, account_id, settings):
    """The account's login seam, in a cursor of its own: the watcher logs in (again) long
    after the cursor that read its target is closed, and a login may write (an OAuth2
    access token refreshed by a bridge addon)."""
    with odoo.modules.registry.Registry(dbname).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["dynaoffice.mail.account"].browse(account_id)._get_imap_session(settings)


def push_recipients(account):
    """The partners whose browsers hear of `account`'s folders: its owner, or the members
    of its group (the users `_is_usable_by` admits), active internal users only."""
    if not account.user_id:
        return team_partners(account)
    return account.user_id.filtered(lambda user: user.active and not user.share).partner_id


def lock_connection(dbname):
    """A connection of its own for a dispatcher's advisory locks (never from Odoo's pool:
    a connection given back there would keep its locks for whoever gets it next)."""
    _name, info = odoo.sql_db.connection_info_for(dbname)
    return psycopg2.connect(**info)


_DISPATCHERS = {}
_DISPATCHERS_LOCK = threading.Lock()


def start_dispatcher(dbname, **options):
    """The dispatcher of `dbname` in this process, started unless it runs already."""
    with _DISPATCHERS_LOCK:
        dispatcher = _DISPATCHERS.get(dbname)
        if dispatcher is None or not dispatcher.is_alive():
            dispatcher = watchers.Dispatcher(
                OdooSource(dbname),
                watchers.AdvisoryLeases(lambda: lock_connection(dbname)),
                imap_pool.POOL,
                name=f"dynaoffice_mail.dispatcher.{dbname}",
                **options,
            )
            _DISPATCHERS[dbname] = dispatcher
            dispatcher.start()
        return dispatcher


def stop_dispatcher(dbname, wait=30.0):
    """Stop the dispatcher of `dbname` in this process and its watchers (tests, shutdown)."""
    with _DISPATCHERS_LOCK:
        dispatcher = _DISPATCHERS.pop(dbname, None)
    if dispatcher is not None:
        dispatcher.stop(wait=wait)
    return dispatcher


def _forget_dispatchers_after_fork():
    # A forked child has none of the parent's threads; its own first heartbeat starts one.
    _DISPATCHERS.clear()


os.register_at_fork(after_in_child=_forget_dispatchers_after_fork)
