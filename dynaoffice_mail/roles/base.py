"""What every role stands on: an account that passed the one access check, and its
connections to the IMAP server.

A role (Mailbox, Composer, Assigner, Filer) is a plain class, built only by the account's
`_mailbox()`, `_composer()`, `_assigner()` and `_filer()`, which check once that the user
may use the account. The role then runs service functions on the account's pooled IMAP
connections (`run`, `run_in_folder`, `session`) and turns what the services raise into
messages a user can act on (roles/errors.py).
"""

import dataclasses
import datetime
import enum
import hashlib
from contextlib import closing, contextmanager

import psycopg2

from odoo import sql_db
from odoo.exceptions import UserError

from ..services import exceptions as mail_errors
from ..services import folders
from ..services import pool as imap_pool
from ..services.imap import stream_ended
from .errors import mailbox_error


class FolderRenumberedError(UserError):
    """The folder's UIDVALIDITY changed: the client reloads it (it knows this error by name)."""


class ReconnectRequiredError(UserError):
    """The account logs in by token and its grant is gone: the client offers to connect
    it again (it knows this error by name)."""


class HandleRaceError(UserError):
    """Another request made the handle of the same message at the same moment (its row is
    not in this transaction's view of the database)."""


class FolderBusyError(Exception):
    """Another request held the folder for a change longer than we could wait."""


class Role:
    """What is done with one mailbox, for a user who may use it."""

    def __init__(self, account):
        account.ensure_one()
        self.account = account
        self.env = account.env

    # -- the account's IMAP connections -------------------------------------------------

    def run(self, operation, *, safe, folder=None):
        """Run `operation(client)` on a pooled connection of the account.

        `safe` operations only read, so when the pooled connection turns out to be dead the
        pool retries them once on a fresh one; changes are never repeated (their connection
        is checked first instead). A change naming `folder` waits for other changes to that
        folder of this account in this process. Errors become messages users can act on.
        """
        account = self.account
        try:
            return imap_pool.POOL.run(
                account._pool_key(),
                account._imap_settings(),
                operation,
                safe=safe,
                folder=folder,
                factory=account._get_imap_session,
                limit=account._pool_limit(),
            )
        except mail_errors.UidValidityChangedError as error:
            raise FolderRenumberedError(mailbox_error(account, error)) from error
        except mail_errors.AuthorizationExpiredError as error:
            raise ReconnectRequiredError(mailbox_error(account, error)) from error
        except mail_errors.MailServiceError as error:
            raise UserError(mailbox_error(account, error)) from error

    def run_in_folder(self, ref, operation, *, safe):
        """`run` for messages the user listed in `ref.folder` under `ref.uidvalidity`.

        When the server refuses, the folder may have been renumbered since, and servers do
        not always say so: Dovecot answers a STORE into a folder that another program
        deleted and recreated with "NO [SERVERBUG] Internal error". One STATUS then tells,
        and the client reloads the folder instead of showing the server's puzzle. Only after
        an answer, never after a timeout or a broken connection: that would wait twice.
        """
        try:
            if safe:
                return self.run(operation, safe=True)
            # Changes to the listed messages wait for each other, in this process (the
            # pool) and in every other process of this database: two windows moving the same
            # message at once would both copy it (Dovecot's MOVE copies, then expunges).
            with self.held_for_change(ref.folder):
                return self.run(operation, safe=False, folder=ref.folder)
        except FolderRenumberedError:
            raise
        except UserError as error:
            cause = error.__cause__
            if not isinstance(cause, mail_errors.ProtocolError) or stream_ended(cause):
                raise
            # The connection that failed still has the old folder selected on the server,
            # and Dovecot answers STATUS from that old view: ask on a new connection (and
            # keep no connection that would show the old folder to the next poll either).
            imap_pool.POOL.clear(self.account._pool_key())
            try:
                state = self.run(lambda client: folders.folder_state(client, ref.folder), safe=True)
            except UserError:
                raise error from cause
            if int(state.uidvalidity) == ref.uidvalidity:
                raise
            renumbered = mail_errors.UidValidityChangedError(host=cause.host, detail=ref.folder)
            raise FolderRenumberedError(mailbox_error(self.account, renumbered)) from cause

    @contextmanager
    def session(self):
        """A pooled, logged-in connection for one request; errors become readable messages."""
        account = self.account
        try:
            with imap_pool.POOL.session(
                account._pool_key(),
                account._imap_settings(),
                factory=account._get_imap_session,
                limit=account._pool_limit(),
            ) as client:
                yield client
        except mail_errors.AuthorizationExpiredError as error:
            raise ReconnectRequiredError(mailbox_error(account, error)) from error
        except mail_errors.MailServiceError as error:
            raise UserError(mailbox_error(account, error)) from error

    def open_session(self):
        """(client, session) for a stream that outlives this call: the caller hands the
        connection back with `closing_chunks`."""
        account = self.account
        session = imap_pool.POOL.session(
            account._pool_key(),
            account._imap_settings(),
            factory=account._get_imap_session,
            limit=account._pool_limit(),
        )
        return session.__enter__(), session

    @contextmanager
    def held_for_change(self, folder):
        """`folder` of the account held for one change by this request, against the
        requests of every Odoo process of this database (hold_folder_for_change)."""
        account = self.account
        timeout = account._connection_timeout()
        try:
            with hold_folder_for_change(self.env.cr.dbname, account._pool_key(), folder, timeout):
                yield
        except FolderBusyError as error:
            busy = mail_errors.PoolExhaustedError(
                host=account.imap_host or "", detail=f"another change to {folder} took too long"
            )
            raise UserError(mailbox_error(account, busy)) from error

    def user_error(self, error):
        """A service error of the account's mailbox as a UserError to raise."""
        return UserError(mailbox_error(self.account, error))


@contextmanager
def hold_folder_for_change(dbname, key, folder, timeout):
    """Hold `folder` of the account `key` for one change, against every Odoo process of the
    database `dbname`: a PostgreSQL advisory lock, in a transaction of its own on a
    connection of its own, so that closing that cursor (which rolls back) ends it with the
    block, whatever becomes of the request's transaction, and the connection's end ends it
    should the process die. The pool's per-folder wait covers one process only; Odoo's
    workers share nothing but the database.
    """
    digest = hashlib.blake2b(f"{key}\0{folder}".encode("utf-8", "surrogatepass"), digest_size=8)
    lock = int.from_bytes(digest.digest(), "big", signed=True)
    with closing(sql_db.db_connect(dbname).cursor()) as cr:
        cr.execute(
            "SELECT set_config('lock_timeout', %s, true)", [f"{max(1, int(timeout * 1000))}ms"]
        )
        try:
            cr.execute("SELECT pg_advisory_xact_lock(%s)", [lock], log_exceptions=False)
        except psycopg2.errors.LockNotAvailable as error:
            raise FolderBusyError(folder) from error
        yield


def closing_chunks(chunks, session):
    """Yield `chunks`, then hand the pooled connection back (or drop it if it broke)."""
    try:
        yield from chunks
    except BaseException as error:
        session.__exit__(type(error), error, error.__traceback__)
        raise
    else:
        session.__exit__(None, None, None)


def jsonable(value):
    """Service dataclasses as plain JSON for the browser (dates as ISO 8601 text; fields
    whose metadata says `json: False` left out)."""
    if dataclasses.is_dataclass(value):
        if hasattr(value, "json"):
            return value.json()
        return {
            field.name: jsonable(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.metadata.get("json", True)
        }
    if isinstance(value, list | tuple | frozenset | set):
        items = [jsonable(item) for item in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
