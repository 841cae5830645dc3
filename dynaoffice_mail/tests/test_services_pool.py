"""The connection pool against the real Dovecot of this run: reuse, the limit per account,
changed settings, idle connections, connections the server closed under us (a kick, a
restart), and changes to one folder that wait for each other."""

import subprocess
import threading
import time
from contextlib import ExitStack

import pytest

from odoo.addons.dynaoffice_mail.services import actions, exceptions, folders, imap
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.services.pool import ConnectionPool, is_connection_broken
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings
from odoo.addons.dynaoffice_mail.tests.hostile_report import record


def _settings(servers, address, password, **overrides):
    return imap_settings(servers, address, password, **overrides)


class FakeClock:
    """Idle time on demand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def _logins(servers, address, expected):
    """Dovecot's own count of logins of `address`, once its log has caught up with
    `expected` (Dovecot writes the log in a process of its own)."""
    marker = f"Login: user=<{address}>"
    deadline = time.monotonic() + 5
    while servers.dovecot.log().count(marker) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # a login more than expected would show up by now
    return servers.dovecot.log().count(marker)


def _kick(servers, address):
    """Dovecot closes every connection of `address`, as on a restart or an admin's kick."""
    subprocess.run(
        ["doveadm", "-c", str(servers.dovecot.config_path), "kick", address],
        check=True,
        capture_output=True,
    )


def _inbox_names(client):
    return [folder.name for folder in folders.list_folders(client)]


def test_one_login_serves_many_requests(mail_servers, mailbox):
    pool = ConnectionPool()
    settings = _settings(mail_servers, *mailbox)
    with pool.session("account-1", settings) as first:
        assert "INBOX" in _inbox_names(first)
    with pool.session("account-1", settings) as second:
        assert "INBOX" in _inbox_names(second)
    assert second is first
    for _request in range(3):
        pool.run("account-1", settings, _inbox_names, safe=True)
    assert (pool.stats.opened, pool.stats.reused, pool.stats.idle) == (1, 4, 1)
    assert _logins(mail_servers, mailbox[0], 1) == 1
    pool.clear()


def test_at_most_four_connections_per_account(mail_servers, mailbox):
    pool = ConnectionPool(max_per_key=4)
    settings = _settings(mail_servers, *mailbox)
    lock = threading.Lock()
    busy = []
    peak = []
    results = []

    def slow_listing(client):
        with lock:
            busy.append(client)
            peak.append(len(busy))
        try:
            time.sleep(0.3)
            return _inbox_names(client)
        finally:
            with lock:
                busy.remove(client)

    def request():
        results.append(pool.run("account-1", settings, slow_listing, safe=True))

    threads = [threading.Thread(target=request) for _request in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 10 and all("INBOX" in names for names in results)
    assert max(peak) <= 4
    assert pool.stats.opened <= 4
    assert _logins(mail_servers, mailbox[0], pool.stats.opened) == pool.stats.opened
    pool.clear()


def test_fifth_request_waits_for_a_connection_then_gives_up(mail_servers, mailbox):
    pool = ConnectionPool(max_per_key=4)
    settings = _settings(mail_servers, *mailbox, timeout=1)
    with ExitStack() as held:
        clients = [held.enter_context(pool.session("account-1", settings)) for _i in range(4)]
        assert len({id(client) for client in clients}) == 4

        # Another account is not held up by this one.
        with pool.session("account-2", settings) as other:
            assert "INBOX" in _inbox_names(other)

        started = time.monotonic()
        with pytest.raises(exceptions.PoolExhaustedError), pool.session("account-1", settings):
            pass
        assert 0.9 <= time.monotonic() - started < 2

        # A fifth request that waits less than the timeout gets the connection returned.
        served = []
        waiting = threading.Thread(
            target=lambda: served.append(pool.run("account-1", settings, _inbox_names, safe=True))
        )
        waiting.start()
        time.sleep(0.3)
        held.close()
        waiting.join(10)
    assert served and "INBOX" in served[0]
    assert pool.stats.opened == 5  # four for account-1, one for account-2
    pool.clear()


def test_changed_password_never_reuses_the_old_connection(mail_servers, mailbox):
    address, old_password = mailbox
    pool = ConnectionPool()
    with pool.session("account-1", _settings(mail_servers, address, old_password)) as old:
        pass
    mail_servers.add_user(address, "a new password")
    new_settings = _settings(mail_servers, address, "a new password")
    with pool.session("account-1", new_settings) as new:
        assert "INBOX" in _inbox_names(new)
    assert new is not old
    assert (pool.stats.opened, pool.stats.closed, pool.stats.idle) == (2, 1, 1)
    assert _logins(mail_servers, address, 2) == 2

    # The stale password is checked by the server, not answered from the pool.
    with pytest.raises(exceptions.AuthenticationError):
        pool.run(
            "account-1", _settings(mail_servers, address, old_password), _inbox_names, safe=True
        )
    pool.clear()


def test_idle_connections_are_closed_after_the_idle_timeout(mail_servers, mailbox):
    clock = FakeClock()
    pool = ConnectionPool(idle_timeout=300, clock=clock)
    settings = _settings(mail_servers, *mailbox)
    with pool.session("account-1", settings) as first:
        pass
    clock.advance(299)
    assert pool.prune() == 0
    clock.advance(2)
    assert pool.prune() == 1
    assert first.socket().fileno() == -1
    assert pool.stats.idle == 0

    # Expired connections are also closed when the next request comes.
    with pool.session("account-1", settings) as second:
        pass
    clock.advance(301)
    with pool.session("account-1", settings) as third:
        assert "INBOX" in _inbox_names(third)
    assert second.socket().fileno() == -1
    assert pool.stats.opened == 3
    pool.clear()


def test_a_process_keeps_few_idle_connections_of_all_accounts(mail_servers, mailbox):
    """Many accounts used one after the other (a worker serving many users) leave at most
    `max_idle` connections idle, the ones used last: each holds one of Dovecot's login
    processes (100 in all by default) until the idle timeout."""
    clock = FakeClock()
    pool = ConnectionPool(max_idle=2, clock=clock)
    settings = _settings(mail_servers, *mailbox)
    clients = {}
    for key in ("account-1", "account-2", "account-3"):
        with pool.session(key, settings) as client:
            clients[key] = client
        clock.advance(1)
    assert pool.stats.idle == 2
    assert clients["account-1"].socket().fileno() == -1  # idle longest: logged out
    assert [pool.idle_count(key) for key in clients] == [0, 1, 1]
    # The account used again goes to the end of the line; the next longest idle goes.
    with pool.session("account-2", settings) as again:
        assert again is clients["account-2"]
    clock.advance(1)
    with pool.session("account-1", settings):
        pass
    assert [pool.idle_count(key) for key in clients] == [1, 1, 0]
    assert clients["account-3"].socket().fileno() == -1
    pool.clear()
    # Below the bound, every account keeps its connection.
    roomy = ConnectionPool(max_idle=4, clock=clock)
    for key in clients:
        with roomy.session(key, settings):
            pass
    assert roomy.stats.idle == 3
    roomy.clear()


def test_connection_idle_for_a_minute_is_checked_before_reuse(mail_servers, mailbox):
    clock = FakeClock()
    pool = ConnectionPool(clock=clock)
    settings = _settings(mail_servers, *mailbox)
    with pool.session("account-1", settings) as first:
        pass
    clock.advance(61)
    with pool.session("account-1", settings) as second:
        pass
    assert second is first  # it answered the NOOP
    assert pool.stats.reused == 1

    _kick(mail_servers, mailbox[0])
    clock.advance(61)
    with pool.session("account-1", settings) as third:
        assert "INBOX" in _inbox_names(third)
    assert third is not first
    assert (pool.stats.opened, pool.stats.broken) == (2, 1)
    pool.clear()


def test_read_is_retried_once_on_a_connection_the_server_closed(mail_servers, mailbox):
    pool = ConnectionPool()
    settings = _settings(mail_servers, *mailbox)
    pool.run("account-1", settings, _inbox_names, safe=True)
    _kick(mail_servers, mailbox[0])
    # Well within the minute after which a NOOP would have noticed.
    assert "INBOX" in pool.run("account-1", settings, _inbox_names, safe=True)
    assert (pool.stats.opened, pool.stats.broken, pool.stats.idle) == (2, 1, 1)
    pool.clear()


def test_change_is_not_retried_on_a_connection_the_server_closed(mail_servers, mailbox):
    address, password = mailbox
    settings = _settings(mail_servers, address, password)
    writer = imap.connect(settings)
    try:
        writer.append("INBOX", build_message("Angebot"))
    finally:
        writer.logout()
    # The change comes right after the listing (no time passes on this clock): too soon for
    # a NOOP check, so it is sent on the connection the server has just closed.
    pool = ConnectionPool(clock=FakeClock())
    page = pool.run("account-1", settings, lambda c: page_messages(c, "INBOX"), safe=True)
    uid = page.messages[0].uid

    def mark_seen(client):
        actions.set_flag(client, "INBOX", page.uidvalidity, [uid], "seen", True)

    _kick(mail_servers, address)
    with pytest.raises(exceptions.MailServiceError) as caught:
        pool.run("account-1", settings, mark_seen, safe=False)
    assert is_connection_broken(caught.value)
    assert (pool.stats.opened, pool.stats.idle) == (1, 0)
    reloaded = pool.run("account-1", settings, lambda c: page_messages(c, "INBOX"), safe=True)
    assert not reloaded.messages[0].seen  # the change never reached the server

    # The user tries again: now on a live connection.
    pool.run("account-1", settings, mark_seen, safe=False)
    reloaded = pool.run("account-1", settings, lambda c: page_messages(c, "INBOX"), safe=True)
    assert reloaded.messages[0].seen
    pool.clear()


def test_refused_command_keeps_the_connection(mail_servers, mailbox):
    pool = ConnectionPool()
    settings = _settings(mail_servers, *mailbox)
    with pytest.raises(exceptions.ProtocolError) as caught:
        pool.run("account-1", settings, lambda c: page_messages(c, "Gibt es nicht"), safe=True)
    assert not is_connection_broken(caught.value)
    page = pool.run("account-1", settings, lambda c: page_messages(c, "INBOX"), safe=True)
    assert page.total == 0
    assert (pool.stats.opened, pool.stats.reused) == (1, 1)
    pool.clear()


def test_clear_closes_idle_and_returning_connections(mail_servers, mailbox):
    pool = ConnectionPool()
    settings = _settings(mail_servers, *mailbox)
    with pool.session("account-1", settings) as idle:
        pass
    with pool.session("account-1", settings) as busy:
        with pool.session("account-1", settings) as busy_too:
            pool.clear("account-2")  # another account: nothing to do with these
            assert pool.stats.idle == 0 and pool.stats.in_use == 2
        pool.clear("account-1")
    assert busy is idle
    assert busy.socket().fileno() == -1 and busy_too.socket().fileno() == -1
    assert pool.stats.idle == 0
    with pool.session("account-1", settings) as fresh:
        assert "INBOX" in _inbox_names(fresh)
    assert pool.stats.opened == 3


def _fill_pool(pool, key, settings, count):
    """`count` logged-in connections of `key` idle in the pool, as after busy requests."""
    with ExitStack() as held:
        for _request in range(count):
            held.enter_context(pool.session(key, settings))
    assert pool.idle_count(key) == count


def test_a_connection_found_dead_drops_the_idle_ones_of_its_account(mail_servers, mailbox):
    address, password = mailbox
    other_address = f"other-{address}"
    mail_servers.add_user(other_address, password)
    pool = ConnectionPool()
    settings = _settings(mail_servers, address, password)
    _fill_pool(pool, "account-1", settings, 3)
    _fill_pool(pool, "account-2", _settings(mail_servers, other_address, password), 1)

    _kick(mail_servers, address)
    assert "INBOX" in pool.run("account-1", settings, _inbox_names, safe=True)
    # The read found its connection dead and was retried; the two others of the account
    # were dropped without a NOOP each, the other account's connection stays.
    assert pool.idle_count("account-1") == 1
    assert pool.idle_count("account-2") == 1
    assert (pool.stats.opened, pool.stats.broken, pool.stats.closed) == (5, 1, 3)
    pool.clear()


def test_after_a_server_restart_the_first_change_works(mail_servers, mailbox):
    address, password = mailbox
    settings = _settings(mail_servers, address, password)
    writer = imap.connect(settings)
    try:
        writer.append("INBOX", build_message("Angebot"))
    finally:
        writer.logout()
    clock = FakeClock()
    pool = ConnectionPool(clock=clock)
    page = pool.run("account-1", settings, lambda c: page_messages(c, "INBOX"), safe=True)
    _fill_pool(pool, "account-1", settings, 3)

    mail_servers.dovecot.restart()
    clock.advance(2)  # the user clicks a little later: every connection has been idle
    record("restart_tried", 1)
    pool.run(
        "account-1",
        settings,
        lambda c: actions.set_flag(
            c, "INBOX", page.uidvalidity, [page.messages[0].uid], "seen", True
        ),
        safe=False,
    )
    record("restart_ok", 1)
    # One NOOP found the first connection dead; the two others went without asking.
    assert pool.idle_count("account-1") == 1
    assert (pool.stats.opened, pool.stats.broken, pool.stats.closed) == (4, 1, 3)
    reloaded = pool.run("account-1", settings, lambda c: page_messages(c, "INBOX"), safe=True)
    assert reloaded.messages[0].seen
    pool.clear()


def test_a_change_right_after_another_is_not_checked_first(mail_servers, mailbox):
    """A connection that answered within the last second goes straight to the change: no
    NOOP round trip for quick clicks in a row."""
    clock = FakeClock()
    pool = ConnectionPool(clock=clock)
    settings = _settings(mail_servers, *mailbox)
    with pool.session("account-1", settings) as client:
        pass
    noops = []
    client.noop = lambda original=client.noop: noops.append(1) or original()
    clock.advance(0.5)
    pool.run("account-1", settings, _inbox_names, safe=False)
    assert noops == []
    clock.advance(1.5)
    pool.run("account-1", settings, _inbox_names, safe=False)
    assert noops == [1]
    clock.advance(30)
    pool.run("account-1", settings, _inbox_names, safe=True)  # a read waits a minute
    assert noops == [1]
    pool.clear()


def test_changes_to_one_folder_wait_for_each_other(mail_servers, mailbox):
    pool = ConnectionPool()
    settings = _settings(mail_servers, *mailbox)
    order = []
    holding, release = threading.Event(), threading.Event()

    def first(client):
        holding.set()
        release.wait(10)
        order.append("first change to INBOX")

    def change(name, folder, key="account-1", **overrides):
        pool.run(
            key,
            _settings(mail_servers, *mailbox, **overrides),
            lambda client: order.append(name),
            safe=False,
            folder=folder,
        )

    holder = threading.Thread(
        target=lambda: pool.run("account-1", settings, first, safe=False, folder="INBOX")
    )
    holder.start()
    assert holding.wait(10)
    # Another folder, another account's INBOX and a read go ahead.
    change("change to Archive", "Archive")
    change("other account's INBOX", "INBOX", key="account-2")
    pool.run("account-1", settings, lambda client: order.append("read of INBOX"), safe=True)
    # A second change to INBOX waits, and gives up after the settings' timeout.
    started = time.monotonic()
    with pytest.raises(exceptions.PoolExhaustedError):
        change("too late", "INBOX", timeout=1)
    assert time.monotonic() - started >= 0.9
    waiting = threading.Thread(target=lambda: change("second change to INBOX", "INBOX"))
    waiting.start()
    time.sleep(0.3)  # time enough to run, had nothing held it back
    release.set()
    holder.join(10)
    waiting.join(10)
    assert order == [
        "change to Archive",
        "other account's INBOX",
        "read of INBOX",
        "first change to INBOX",
        "second change to INBOX",
    ]
    pool.clear()
