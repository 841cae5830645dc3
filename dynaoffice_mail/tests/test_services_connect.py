"""The connection layer against the real Dovecot and SMTP server of this test run."""

import base64
import email
import email.policy
import logging
import secrets
import socket
import threading
import time
import traceback
from email.message import EmailMessage

import pytest

from odoo.addons.dynaoffice_mail.services import auth, exceptions, imap, net, smtp
from odoo.addons.dynaoffice_mail.services.config import Security, SmtpSettings
from odoo.addons.dynaoffice_mail.tests.common import imap_settings
from odoo.addons.dynaoffice_mail.tests.fake_servers import FakeImapServer, FakeSmtpServer
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


def test_imaplib_formats_lines_only_for_a_debug_log_and_never_logs_the_login(
    mail_servers, mailbox, caplog
):
    """imapclient turns imaplib's debug output on for every connection, which formats every
    line read: it follows the "imapclient.imaplib" logger instead. Nothing is formatted or
    kept while that does not log at DEBUG, every line while it does, and LOGIN's never."""
    address, password = mailbox
    caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")
    client = imap.connect(_imap(mail_servers, address, password))
    try:
        assert "LOGIN **REDACTED**" in caplog.text
        assert "< b'" in caplog.text  # the server's lines after the greeting
        assert password not in caplog.text
        told = []
        client._imap._mesg = told.append
        caplog.set_level(logging.INFO, logger="imapclient.imaplib")
        client.noop()
        assert told == []
        assert not client._imap._cmd_log  # imaplib's memory of lines, the LOGIN among them
        caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")
        client.noop()
        assert any(line.startswith("> ") and "NOOP" in line for line in told), told
        assert any(line.startswith("< ") and "OK" in line for line in told), told
    finally:
        imap.close_quietly(client)


def test_imap_starttls_login(mail_servers, mailbox):
    settings = _imap(
        mail_servers, *mailbox, port=mail_servers.ports.imap, security=Security.STARTTLS
    )
    client = imap.connect(settings)
    try:
        assert client.socket().version() in ("TLSv1.2", "TLSv1.3")
    finally:
        client.logout()


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_commands_go_out_as_they_are_written(mail_servers, mailbox, security):
    """Nagle's algorithm is off on IMAP connections: a command written right behind another
    (the list's NOOP and FETCH) would otherwise wait for the server's answer to the first,
    a round trip more."""
    port = mail_servers.ports.imaps if security is Security.SSL else mail_servers.ports.imap
    client = imap.connect(_imap(mail_servers, *mailbox, port=port, security=security))
    try:
        assert client.socket().getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
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
    # On 127.0.0.2 Dovecot sees a client from another address (dynaoffice_mail_testing/dovecot.py).
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
        "fec0::1",  # site-local (deprecated), a private network by another name
        "192.0.0.8",  # IETF protocol assignments
        "3fff::1",  # documentation
        # 6to4 wrapping 127.0.0.1, 10.0.0.1, 192.168.1.1, and even a public address: 6to4
        # is deprecated and refused whole
        "2002:7f00:1::1",
        "2002:a00:1::1",
        "2002:c0a8:101::1",
        "2002:5db8:d822::1",
        # Teredo with server 127.0.0.1, then one whose server and client are public: a
        # tunnel, refused whole
        "2001:0:7f00:1::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        # IPv4-compatible (deprecated): 127.0.0.1, 10.0.0.1 and a public address
        "::7f00:1",
        "::a00:1",
        "::5db8:d822",
        "::ffff:0:7f00:1",  # IPv4-translated 127.0.0.1
        # NAT64 (well-known prefix): judged by the IPv4 address inside
        "64:ff9b::7f00:1",
        "64:ff9b::a00:1",
        "64:ff9b::a9fe:a9fe",
        # NAT64 for local use: where it leads is the operator's choice, refused whole
        "64:ff9b:1::7f00:1",
        "64:ff9b:1::5db8:d822",
    ],
)
def test_local_and_private_addresses_are_refused_after_resolution(host):
    # Refused after getaddrinfo, whatever form the address was written in, before any
    # connection is attempted.
    record("reach_tried", 1)
    with pytest.raises(exceptions.ForbiddenHostError) as caught:
        net.resolve(host, 993, allow_private_hosts=False)
    record("reach_refused", 1)
    # The address stays out of the text a user could see (it is kept for the log).
    address = caught.value.address
    assert address
    assert address not in str(caught.value)
    assert address not in caught.value.detail


def test_public_addresses_pass_the_check():
    assert net.is_public_address("93.184.216.34")
    assert net.is_public_address("2606:2800:220:1:248:1893:25c8:1946")
    assert net.is_public_address("::ffff:93.184.216.34")
    # What DNS64 answers on an IPv6-only network for a host that has IPv4 only.
    assert net.is_public_address("64:ff9b::5db8:d822")


# -- passwords beyond ASCII ------------------------------------------------------------------

UTF8_PASSWORD = "Päßwört-€-日本"


def _password_spellings(username, password):
    """The password as it could show up in an error: as text, escaped, UTF-8 bytes, base64
    alone (AUTH LOGIN) and in the SASL PLAIN message (AUTH PLAIN, AUTHENTICATE PLAIN)."""
    utf8 = password.encode()
    return {
        password,
        ascii(password)[1:-1],
        repr(utf8)[2:-1],
        base64.b64encode(utf8).decode(),
        base64.b64encode(b"\0" + username.encode() + b"\0" + utf8).decode(),
    }


def assert_password_absent(error, username, password):
    """Neither `error` nor anything chained behind it spells the password, in its text,
    arguments, attributes or the traceback a log would show."""
    texts = ["".join(traceback.format_exception(error))]
    seen, pending = set(), [error]
    while pending:
        link = pending.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        texts += [str(link), repr(link.args), repr(vars(link))]
        pending += [link.__cause__, link.__context__]
    for spelling in _password_spellings(username, password):
        for text in texts:
            assert spelling not in text


@pytest.fixture
def utf8_mailbox(mail_servers):
    """A mailbox whose password is not ASCII (Dovecot and the SMTP server take UTF-8)."""
    address = f"utf8-{secrets.token_hex(4)}@dynaoffice.test"
    mail_servers.add_user(address, UTF8_PASSWORD)
    return address, UTF8_PASSWORD


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_imap_logs_in_with_a_password_beyond_ascii(mail_servers, utf8_mailbox, security):
    # LOGIN cannot carry it; AUTHENTICATE PLAIN sends it in UTF-8.
    port = mail_servers.ports.imaps if security == Security.SSL else mail_servers.ports.imap
    settings = _imap(mail_servers, *utf8_mailbox, port=port, security=security)
    assert "INBOX" in imap.check_account(settings)


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_smtp_logs_in_with_a_password_beyond_ascii(mail_servers, utf8_mailbox, security):
    port = (
        mail_servers.ports.smtp_tls
        if security == Security.SSL
        else mail_servers.ports.smtp_starttls
    )
    smtp.check_account(_smtp(mail_servers, *utf8_mailbox, port=port, security=security))


def test_a_wrong_password_beyond_ascii_never_comes_back(mail_servers, utf8_mailbox):
    address = utf8_mailbox[0]
    wrong = "Fälsch-€-パスワード"
    with pytest.raises(exceptions.AuthenticationError) as caught:
        imap.check_account(_imap(mail_servers, address, wrong))
    assert_password_absent(caught.value, address, wrong)
    with pytest.raises(exceptions.AuthenticationError) as caught:
        smtp.check_account(_smtp(mail_servers, address, wrong))
    assert_password_absent(caught.value, address, wrong)


def test_utf8_password_goes_out_as_sasl_plain_in_utf8(mail_servers):
    # The fake keeps what it was sent, as a hostile server would: exactly the SASL PLAIN
    # message, in UTF-8.
    server = FakeSmtpServer(mail_servers.certificates)
    try:
        settings = _smtp(
            mail_servers,
            "kunde@example.com",
            UTF8_PASSWORD,
            port=server.port,
            security=Security.SSL,
        )
        smtp.check_account(settings)
    finally:
        server.stop()
    assert server.logins == [b"\0kunde@example.com\0" + UTF8_PASSWORD.encode()]


def test_imap_server_without_authenticate_plain_gets_no_utf8_password(mail_servers):
    # The fake offers LOGIN only, which cannot carry the password: refused before sending.
    server = FakeImapServer(mail_servers.certificates)
    try:
        settings = _imap(
            mail_servers, "kunde@example.com", UTF8_PASSWORD, port=server.port, timeout=2
        )
        with pytest.raises(exceptions.NonAsciiCredentialsError) as caught:
            imap.connect(settings)
    finally:
        server.stop()
    assert server.logins == []
    assert_password_absent(caught.value, "kunde@example.com", UTF8_PASSWORD)


def test_smtp_server_without_auth_plain_gets_no_utf8_password(mail_servers):
    # A few lines of ESMTP that offer AUTH LOGIN only: smtplib would try it and fail on
    # the password's first "ä", with the password in the error.
    heard = []

    def serve(listener):
        conn, _address = listener.accept()
        with conn, conn.makefile("rb") as reader:
            conn.sendall(b"220 login-only ESMTP\r\n")
            for line in reader:
                heard.append(line)
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-login-only\r\n250 AUTH LOGIN\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not here\r\n")

    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        thread = threading.Thread(target=serve, args=(listener,), daemon=True)
        thread.start()
        settings = _smtp(
            mail_servers,
            "kunde@example.com",
            UTF8_PASSWORD,
            host="127.0.0.1",
            port=listener.getsockname()[1],
            security=Security.NONE,
        )
        with pytest.raises(exceptions.NonAsciiCredentialsError) as caught:
            smtp.check_account(settings)
        thread.join(5)
    assert not any(line.upper().startswith(b"AUTH") for line in heard)
    assert_password_absent(caught.value, "kunde@example.com", UTF8_PASSWORD)


def test_login_errors_that_spell_the_password_are_replaced(mail_servers):
    settings = _imap(mail_servers, "kunde@example.com", UTF8_PASSWORD)

    def echoing_server():
        # A server (or library) that repeats the password, with the library's error behind.
        try:
            raise ValueError(f"bad command LOGIN kunde {UTF8_PASSWORD}")
        except ValueError as error:
            raise exceptions.AuthenticationError(
                host="localhost", detail=f"NO {UTF8_PASSWORD!r} is wrong"
            ) from error

    with pytest.raises(exceptions.AuthenticationError) as caught:
        auth.log_in(settings, echoing_server)
    assert caught.value.host == "localhost"
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_password_absent(caught.value, "kunde@example.com", UTF8_PASSWORD)

    def encoding_library():
        UTF8_PASSWORD.encode("ascii")

    with pytest.raises(exceptions.NonAsciiCredentialsError) as caught:
        auth.log_in(settings, encoding_library)
    assert_password_absent(caught.value, "kunde@example.com", UTF8_PASSWORD)

    # An error that does not spell it passes unchanged.
    refused = exceptions.AuthenticationError(host="localhost", detail="NO [AUTHENTICATIONFAILED]")

    def refusing_server():
        raise refused

    with pytest.raises(exceptions.AuthenticationError) as caught:
        auth.log_in(settings, refusing_server)
    assert caught.value is refused
