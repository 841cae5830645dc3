"""Faults a real server cannot produce on demand, from a small fake IMAP server speaking
TLS with this run's certificates; and a folder renumbered between two requests, on the
real Dovecot.

Each fault must reach the user as one of our MailServiceErrors within the configured
timeout (plus a second of slack), and the next request through the pool must work.
"""

import time

import pytest

from odoo.addons.dynaoffice_mail.services import actions, exceptions, folders
from odoo.addons.dynaoffice_mail.services.config import ImapSettings, Security
from odoo.addons.dynaoffice_mail.services.messages import page_messages
from odoo.addons.dynaoffice_mail.services.pool import ConnectionPool
from odoo.addons.dynaoffice_mail.tests.common import build_message
from odoo.addons.dynaoffice_mail.tests.fake_servers import FakeImapServer
from odoo.addons.dynaoffice_mail.tests.hostile_report import record

TIMEOUT = 1.0


@pytest.fixture
def fake_server(mail_servers):
    server = FakeImapServer(mail_servers.certificates)
    yield server
    server.stop()


@pytest.fixture
def fake_settings(mail_servers, fake_server):
    return ImapSettings(
        host="localhost",
        port=fake_server.port,
        security=Security.SSL,
        username="kunde@example.com",
        password="secret",
        ca_pem=mail_servers.certificates.ca_pem,
        timeout=TIMEOUT,
        allow_private_hosts=True,
    )


def _subjects(client):
    return [message.subject for message in page_messages(client, "INBOX").messages]


def _fails_in_time(pool, settings, expected):
    started = time.monotonic()
    with pytest.raises(expected) as caught:
        pool.run("account-1", settings, _subjects, safe=True)
    assert time.monotonic() - started < settings.timeout + 1
    return caught.value


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("cut mid-FETCH", exceptions.ProtocolError),
        ("stall after greeting", exceptions.ConnectionTimeoutError),
        ("garbage", exceptions.ProtocolError),
    ],
)
def test_broken_connection_fails_in_time_and_the_next_request_works(
    fake_server, fake_settings, fault, expected
):
    record("faults_tried", 1)
    fake_server.faults = [fault]
    pool = ConnectionPool()
    _fails_in_time(pool, fake_settings, expected)
    assert pool.stats.idle == 0  # the broken connection was not pooled
    assert pool.run("account-1", fake_settings, _subjects, safe=True) == [
        "Termin",
        "Rechnung",
        "Angebot",
    ]
    assert fake_server.connections == 2
    pool.clear()
    record("faults_survived", 1)


def test_unreadable_answer_fails_but_keeps_the_connection(fake_server, fake_settings):
    record("faults_tried", 1)
    fake_server.faults = ["unreadable FETCH"]
    pool = ConnectionPool()
    _fails_in_time(pool, fake_settings, exceptions.ProtocolError)
    # The answer was complete, so the connection is still in step with the server.
    assert pool.run("account-1", fake_settings, _subjects, safe=True)[0] == "Termin"
    assert (fake_server.connections, pool.stats.reused) == (1, 1)
    pool.clear()
    record("faults_survived", 1)


def test_stall_on_a_pooled_connection_is_not_waited_out_twice(fake_server, fake_settings):
    record("faults_tried", 1)
    pool = ConnectionPool()
    pool.run("account-1", fake_settings, _subjects, safe=True)
    fake_server.stall_next_fetch.set()
    # A read is tried again on a connection that was closed, not on one that timed out.
    _fails_in_time(pool, fake_settings, exceptions.ConnectionTimeoutError)
    assert pool.run("account-1", fake_settings, _subjects, safe=True)[0] == "Termin"
    assert fake_server.connections == 2
    pool.clear()
    record("faults_survived", 1)


def test_folder_renumbered_between_requests(mail_servers, mailbox):
    record("faults_tried", 1)
    address, password = mailbox
    settings = ImapSettings(
        host="localhost",
        port=mail_servers.ports.imaps,
        security=Security.SSL,
        username=address,
        password=password,
        ca_pem=mail_servers.certificates.ca_pem,
        timeout=5,
        allow_private_hosts=True,
    )
    pool = ConnectionPool()
    with pool.session("other mail program", settings) as other:
        folders.create_folder(other, "Projekte")
        other.append("Projekte", build_message("Alt"))
    listed = pool.run("account-1", settings, lambda c: page_messages(c, "Projekte"), safe=True)

    with pool.session("other mail program", settings) as other:
        folders.delete_folder(other, "Projekte")
        folders.create_folder(other, "Projekte")
        other.append("Projekte", build_message("Neu"))  # gets UID 1 again

    polled = pool.run(
        "account-1", settings, lambda c: folders.folder_state(c, "Projekte"), safe=True
    )
    assert polled.uidvalidity != listed.uidvalidity

    def mark_seen_from_old_list(client):
        uids = [message.uid for message in listed.messages]
        actions.set_flag(client, "Projekte", listed.uidvalidity, uids, "seen", True)

    with pytest.raises(exceptions.UidValidityChangedError):
        pool.run("account-1", settings, mark_seen_from_old_list, safe=False)
    reloaded = pool.run("account-1", settings, lambda c: page_messages(c, "Projekte"), safe=True)
    assert [(m.subject, m.seen) for m in reloaded.messages] == [("Neu", False)]
    assert reloaded.uidvalidity == polled.uidvalidity
    pool.clear()
    record("faults_survived", 1)
