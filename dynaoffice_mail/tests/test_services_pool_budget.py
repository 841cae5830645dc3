"""Connections per account within a budget, across Odoo's worker processes, against the
real Dovecot of this run, which keeps Dovecot's default of 10 connections per user and
client address (`mail_max_userip_connections`): the 11th login is refused. Four processes,
each with a pool of its own as prefork workers have, page one account from four threads
each; with the budget shared out, every page is served and no login is refused."""

import multiprocessing
import threading
import time
from contextlib import ExitStack
from unittest.mock import patch

import pytest

from odoo.tests.common import TransactionCase
from odoo.tools import config

from odoo.addons.dynaoffice_mail.services import exceptions, imap
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.services.pool import ConnectionPool, share_of_budget
from odoo.addons.dynaoffice_mail.tests.common import build_message, imap_settings

REFUSED = "Maximum number of connections from user+IP exceeded"
PROCESSES = 4
THREADS = 4
PAGES = 5


def _refusals(servers, user, expected=0):
    """How many of `user`'s logins Dovecot refused for the limit. Dovecot's log process
    writes a moment after the refusal: when `expected` are due, wait for them a little."""
    line = f"user=<{user}>"
    deadline = time.monotonic() + 10
    while True:
        count = sum(
            1 for entry in servers.dovecot.log().splitlines() if REFUSED in entry and line in entry
        )
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_dovecot_refuses_the_eleventh_connection_of_a_user(mail_servers, mailbox):
    settings = imap_settings(mail_servers, *mailbox)
    with ExitStack() as held:
        for _connection in range(10):
            client = imap.connect(settings)
            held.callback(imap.close_quietly, client)
        with pytest.raises(exceptions.MailServiceError):
            imap.close_quietly(imap.connect(settings))
    assert _refusals(mail_servers, mailbox[0], expected=1) == 1
    # Once the ten are closed, the user logs in again.
    imap.close_quietly(imap.connect(settings))


def test_the_budget_is_shared_out_among_processes():
    assert share_of_budget(8, 4) == 2
    assert share_of_budget(8, 6) == 1  # four HTTP workers and two cron workers
    assert share_of_budget(8, 1) == 8  # threaded: one process has it all
    assert share_of_budget(2, 4) == 1  # never none
    assert share_of_budget(8, 0) == 8


def _worker(settings, limit, results):
    """One Odoo worker: a pool of its own, THREADS requests at once, PAGES pages each."""
    pool = ConnectionPool()
    served, failed = [], []

    def user():
        for _page in range(PAGES):
            try:
                page = pool.run(
                    "account",
                    settings,
                    lambda client: page_messages(client, "INBOX", limit=10),
                    safe=True,
                    limit=limit,
                )
                served.append(len(page.messages))
            except exceptions.MailServiceError as error:
                failed.append(repr(error))

    threads = [threading.Thread(target=user) for _thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    results.put((served, failed, pool.stats.opened))
    pool.clear()


def test_four_workers_paging_one_account_stay_within_the_budget(mail_servers, mailbox):
    settings = imap_settings(mail_servers, *mailbox)
    client = imap.connect(settings)
    try:
        for number in range(30):
            client.append("INBOX", build_message(f"Nachricht {number}"))
    finally:
        imap.close_quietly(client)
    limit = share_of_budget(8, PROCESSES)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(settings, limit, results)) for _w in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _worker in workers]
    for worker in workers:
        worker.join(30)
    served = [count for outcome in outcomes for count in outcome[0]]
    failed = [error for outcome in outcomes for error in outcome[1]]
    assert failed == []
    assert served == [10] * (PROCESSES * THREADS * PAGES)
    assert all(outcome[2] <= limit for outcome in outcomes)
    assert sum(outcome[2] for outcome in outcomes) <= 8
    assert _refusals(mail_servers, mailbox[0]) == 0


def test_without_the_budget_dovecot_refuses_logins(mail_servers, mailbox):
    """The counterpart: four pools of four connections each want 16 > 10 connections."""
    settings = imap_settings(mail_servers, *mailbox)
    pools = [ConnectionPool(max_per_key=4) for _pool in range(PROCESSES)]
    with ExitStack() as held, pytest.raises(exceptions.MailServiceError):
        for pool in pools:
            for _connection in range(4):
                held.enter_context(pool.session("account", settings))
    assert _refusals(mail_servers, mailbox[0], expected=1) == 1
    for pool in pools:
        pool.clear()


class TestPoolLimit(TransactionCase):
    def test_the_budget_in_odoo_conf_is_shared_by_the_workers(self):
        accounts = self.env["dynaoffice.mail.account"]
        option = "dynaoffice_mail_max_connections_per_account"
        idle = "dynaoffice_mail_idle_connections_per_account"
        # (options, the share of each process, the IDLE connections kept for push)
        cases = [
            ({"workers": 4, "max_cron_threads": 0}, 1, 2),  # 8 = 4 x 1 + 2 (+ 2 spare)
            ({"workers": 4, "max_cron_threads": 2}, 1, 2),  # 8 = 6 x 1 + 2
            ({"workers": 0, "max_cron_threads": 2}, 6, 2),  # threaded: one process
            ({"workers": 2, "max_cron_threads": 0, option: "6"}, 2, 2),
            ({"workers": 2, "max_cron_threads": 0, option: "plenty"}, 3, 2),  # back to 8
            ({"workers": 4, "max_cron_threads": 0, idle: "0"}, 2, 0),  # no push
            ({"workers": 0, "max_cron_threads": 0, option: "2", idle: "5"}, 1, 1),
            ({"workers": 0, "max_cron_threads": 0, idle: "many"}, 6, 2),  # back to 2
        ]
        for options, share, slots in cases:
            with self.subTest(options=options), patch.dict(config.options, options):
                self.assertEqual(accounts._pool_limit(), share)
                self.assertEqual(accounts._idle_slots(), slots)
