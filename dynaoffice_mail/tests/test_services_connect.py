"""The connection layer against the real Dovecot and SMTP server of this test run."""

import email
import email.policy
import socket
import time
from email.message import EmailMessage

import pytest

from odoo.addons.dynaoffice_mail.services import exceptions, imap, net, smtp
from odoo.addons.dynaoffice_mail.services.config import Security, SmtpSettings
from odoo.addons.dynaoffice_mail.tests.common import imap_settings
from odoo.addons.dynaoffice_mail.tests.hostile_report import record


def _imap(servers, address, password, **overrides):
    return imap_settings(servers, address, password, **overrides)


def _smtp(servers, address, password, **overrides):
    values = {
        "host": "localhost",
        "port": servers.ports.smtp_starttls,
        "security": Security.STARTTLS,
        "username": address,
        "password": password,
        "ca_pem": servers.certificates.ca_pem,
        "timeout": 5,
        "allow_private_hosts": True,
    }
    values.update(overrides)
    return SmtpSettings(**values)


def test_imaps_login_with_verified_certificate(mail_servers, mailbox):
    folders = imap.check_account(_imap(mail_servers, *mailbox))
    assert {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"} <= set(folders)


def test_imap_starttls_login(mail_servers, mailbox):
    settings = _imap(
        mail_servers, *mailbox, port=mail_servers.ports.imap, security=Security.STARTTLS
    )
    client = imap.connect(settings)
    try:
        assert client.socket().version() in ("TLSv1.2", "TLSv1.3")
    finally:
        client.logout()


def test_untrusted_certificate_is_refused(mail_servers, mailbox):
    # Without the pinned test CA only the system's CAs count, and they did not sign it.
    with pytest.raises(exceptions.CertificateError) as caught:
        imap.check_account(_imap(mail_servers, *mailbox, ca_pem=None))
    assert not caught.value.name_mismatch


def test_certificate_for_another_name_is_refused(mail_servers, mailbox):
    # The certificate names "localhost" only.
    with pytest.raises(exceptions.CertificateError) as caught:
        imap.check_account(_imap(mail_servers, *mailbox, host="127.0.0.1"))
    assert caught.value.name_mismatch


def test_wrong_password(mail_servers, mailbox):
    with pytest.raises(exceptions.AuthenticationError):
        imap.check_account(_imap(mail_servers, mailbox[0], "wrong"))
    with pytest.raises(exceptions.AuthenticationError):
        smtp.check_account(_smtp(mail_servers, mailbox[0], "wrong"))


def test_unencrypted_login_is_refused_by_dovecot(mail_servers, mailbox):
    # On 127.0.0.2 Dovecot sees a client from another address (see devtools/dovecot.py).
    settings = _imap(
        mail_servers,
        *mailbox,
        host="127.0.0.2",
        port=mail_servers.ports.imap,
        security=Security.NONE,
    )
    with pytest.raises(exceptions.AuthMethodRefusedError):
        imap.check_account(settings)


def test_smtp_login_without_tls_is_refused_where_tls_is_required(mail_servers, mailbox):
    settings = _smtp(mail_servers, *mailbox, security=Security.NONE)
    with pytest.raises(exceptions.AuthMethodRefusedError):
        smtp.check_account(settings)


def test_starttls_required_but_not_offered(mail_servers, mailbox):
    settings = _smtp(mail_servers, *mailbox, port=mail_servers.ports.smtp_plain)
    with pytest.raises(exceptions.TlsNotOfferedError):
        smtp.check_account(settings)


def test_refused_and_forbidden_and_unknown_hosts(mail_servers, mailbox):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        unused_port = probe.getsockname()[1]
    with pytest.raises(exceptions.ConnectionRefusedByServerError):
        imap.check_account(_imap(mail_servers, *mailbox, port=unused_port))
    with pytest.raises(exceptions.ForbiddenHostError) as caught:
        imap.check_account(_imap(mail_servers, *mailbox, allow_private_hosts=False))
    assert caught.value.address in ("127.0.0.1", "::1")
    with pytest.raises(exceptions.HostNotFoundError):
        imap.check_account(_imap(mail_servers, *mailbox, host="no-such-host.invalid"))


def test_server_that_never_greets_times_out(mail_servers, mailbox):
    # A fake on purpose: a real server cannot be told to stall after accepting.
    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(1)
        port = stalled.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(exceptions.ConnectionTimeoutError):
            imap.check_account(
                _imap(mail_servers, *mailbox, port=port, timeout=1, security=Security.STARTTLS)
            )
        assert time.monotonic() - started < 3


def test_cr_lf_never_reaches_the_wire(mail_servers, mailbox):
    with pytest.raises(exceptions.InvalidInputError):
        imap.check_account(_imap(mail_servers, mailbox[0], "x\r\nA1 LOGOUT"))
    with pytest.raises(exceptions.InvalidInputError):
        smtp.check_account(_smtp(mail_servers, "a@b.c\r\nRCPT TO:<x@y>", mailbox[1]))


def _wait_for_inbox_message(client, subject, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["SUBJECT", subject])
        if uids:
            return client.fetch(uids, ["BODY.PEEK[]"])[uids[0]][b"BODY[]"]
        time.sleep(0.2)
    raise AssertionError(f"no message {subject!r} arrived in INBOX")


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.SSL])
def test_sent_mail_arrives_in_the_recipients_inbox(mail_servers, mailbox, security):
    sender, sender_password = mailbox
    recipient = f"rcpt-{security.value}@dynaoffice.test"
    mail_servers.add_user(recipient, "rcpt-pass")
    port = (
        mail_servers.ports.smtp_starttls
        if security == Security.STARTTLS
        else mail_servers.ports.smtp_tls
    )
    message = EmailMessage()
    message["From"] = f"Jörg Müller <{sender}>"
    message["To"] = recipient
    message["Subject"] = f"Grüße über {security.value}"
    message.set_content("Hallo, schöne Grüße!\n")
    client = smtp.connect(
        _smtp(mail_servers, sender, sender_password, port=port, security=security)
    )
    try:
        client.send_message(message)
    finally:
        client.quit()
    reader = imap.connect(_imap(mail_servers, recipient, "rcpt-pass"))
    try:
        raw = _wait_for_inbox_message(reader, f"{security.value}")
    finally:
        reader.logout()
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == f"Grüße über {security.value}"
    assert received["From"].addresses[0].display_name == "Jörg Müller"
    assert received.get_content().replace("\r\n", "\n") == "Hallo, schöne Grüße!\n"


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",  # cloud metadata
        "2130706433",  # 127.0.0.1 written as one decimal number
        "0x7f000001",  # ... in hexadecimal
        "127.1",  # ... shortened
        "0177.0.0.1",  # ... in octal
        "::ffff:127.0.0.1",  # IPv4-mapped IPv6
        "::ffff:169.254.169.254",
        "::1",
        "0.0.0.0",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "100.64.0.1",  # carrier-grade NAT
        "fe80::1",
        "fc00::1",
        "localhost",
    ],
)
def test_local_and_private_addresses_are_refused_after_resolution(host):
    # Refused after getaddrinfo, whatever form the address was written in, before any
    # connection is attempted.
    record("reach_tried", 1)
    with pytest.raises(exceptions.ForbiddenHostError):
        net.resolve(host, 993, allow_private_hosts=False)
    record("reach_refused", 1)


def test_public_addresses_pass_the_check():
    assert net.is_public_address("93.184.216.34")
    assert net.is_public_address("2606:2800:220:1:248:1893:25c8:1946")
