"""SMTP connections through vetted sockets, with STARTTLS that is never skipped silently."""

import smtplib
import ssl
from collections.abc import Callable

from . import auth, net
from .config import Security, SmtpSettings
from .exceptions import (
    AuthenticationError,
    AuthMethodRefusedError,
    MailServiceError,
    NonAsciiCredentialsError,
    ProtocolError,
    TlsNotOfferedError,
)


class _VettedSMTP(smtplib.SMTP):
    def __init__(self, settings: SmtpSettings, implicit_context: ssl.SSLContext | None):
        self._settings = settings
        self._implicit_context = implicit_context
        super().__init__(local_hostname=settings.local_hostname, timeout=settings.timeout)
        # smtplib only remembers the host (for STARTTLS's certificate check) when it is given
        # to the constructor, which would also connect before we could vet the address.
        self._host = settings.host

    def _get_socket(self, host, port, timeout):
        sock = net.connect(host, port, timeout, self._settings.allow_private_hosts)
        if self._implicit_context is None:
            return sock
        try:
            return self._implicit_context.wrap_socket(sock, server_hostname=host)
        except (ssl.SSLError, OSError) as error:
            sock.close()
            raise net.translate_ssl_error(error, host) from error


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """Connect, secure and (if asked) authenticate; raises MailServiceError subclasses."""
    for value, what in ((settings.username, "user name"), (settings.password, "password")):
        net.check_wire_safe(value, what)
    net.check_host(settings.host)
    context = net.tls_context(settings.ca_pem) if settings.security != Security.NONE else None
    client = _VettedSMTP(settings, context if settings.security == Security.SSL else None)
    try:
        try:
            client.connect(settings.host, settings.port)
            client.ehlo()
            if settings.security == Security.STARTTLS:
                if not client.has_extn("starttls"):
                    raise TlsNotOfferedError(host=settings.host)
                client.starttls(context=context)
                client.ehlo()
            if settings.authenticate:
                auth.log_in(settings, lambda: _login(client, settings))
        except MailServiceError:
            raise
        except smtplib.SMTPServerDisconnected as error:
            # smtplib reports a read timeout as a disconnect; the timeout is the real story.
            if isinstance(error.__context__, OSError):
                raise net.translate_os_error(error.__context__, settings.host) from error
            raise ProtocolError(host=settings.host, detail=str(error)) from error
        except smtplib.SMTPException as error:
            raise ProtocolError(host=settings.host, detail=str(error)) from error
        except (TimeoutError, ssl.SSLError, OSError) as error:
            raise net.translate_ssl_error(error, settings.host) from error
    except BaseException:
        client.close()
        raise
    return client


def _login(client: smtplib.SMTP, settings: SmtpSettings):
    if not client.has_extn("auth"):
        raise AuthMethodRefusedError(
            host=settings.host, detail="the server offers no login on this connection"
        )
    try:
        if settings.sasl_mechanism:
            _authenticate(client, settings)
        elif auth.needs_utf8(settings.username, settings.password):
            _login_plain_utf8(client, settings)
        else:
            client.login(settings.username, settings.password)
    except smtplib.SMTPAuthenticationError as error:
        raise AuthenticationError(host=settings.host, detail=_reply_text(error)) from error
    except smtplib.SMTPNotSupportedError as error:
        raise AuthMethodRefusedError(host=settings.host, detail=str(error)) from error
    except smtplib.SMTPException as error:
        if "No suitable authentication method" in str(error):
            raise AuthMethodRefusedError(host=settings.host, detail=str(error)) from error
        raise


def _authenticate(client: smtplib.SMTP, settings: SmtpSettings):
    """AUTH with the settings' SASL mechanism and response (a login by token)."""
    mechanism = settings.sasl_mechanism
    if mechanism.upper() not in client.esmtp_features.get("auth", "").upper().split():
        raise AuthMethodRefusedError(
            host=settings.host, detail=f"the server offers no AUTH {mechanism}"
        )

    def answer(challenge=None):
        # The response goes with the command; a server that refuses it sends its reasons as
        # a challenge (XOAUTH2), to which an empty answer ends with an error reply.
        return settings.sasl_response if challenge is None else ""

    client.auth(mechanism, answer)


def _login_plain_utf8(client: smtplib.SMTP, settings: SmtpSettings):
    """AUTH PLAIN with the credentials in UTF-8 (RFC 4616), which smtplib would encode as
    ASCII; the answer is judged as smtplib's login judges it."""
    if "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise NonAsciiCredentialsError(host=settings.host, detail="the server offers no AUTH PLAIN")
    response = auth.plain_response(settings.username, settings.password)
    code, reply = client.docmd("AUTH", f"PLAIN {response}")
    if code == 334:  # a server that wants the response on a line of its own
        code, reply = client.docmd(response)
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply_text(error: smtplib.SMTPResponseException) -> str:
    message = error.smtp_error
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{error.smtp_code} {message}"


def check_account(
    settings: SmtpSettings, connect: Callable[[SmtpSettings], smtplib.SMTP] = connect
) -> None:
    """Connect, secure and log in (through `connect`, the account's login seam), then say
    goodbye: the connection test for "save"."""
    client = connect(settings)
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
