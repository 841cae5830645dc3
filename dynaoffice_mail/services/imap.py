"""IMAP connections on top of imapclient, opened through vetted sockets with verified TLS."""

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import imapclient
from imapclient.exceptions import CapabilityError, IMAPClientError, LoginError

from . import auth, net
from .config import ImapSettings, Security
from .exceptions import (
    AuthenticationError,
    AuthMethodRefusedError,
    ConnectionFailedError,
    InvalidInputError,
    MailServiceError,
    NonAsciiCredentialsError,
    ProtocolError,
    TlsNotOfferedError,
)

# One response line: room for a million UIDs of up to 8 digits and their separators.
MAX_LINE = 10 * 1024 * 1024


@dataclass(frozen=True)
class SelectedFolder:
    """The folder a connection has selected, as the SELECT response described it."""

    name: str
    uidvalidity: int
    readonly: bool


class _VettedIMAP4(imaplib.IMAP4):
    """imaplib's connection, but opened by net.connect (and TLS-wrapped for implicit TLS)."""

    def __init__(self, settings: ImapSettings, context: ssl.SSLContext | None):
        self._settings = settings
        self._context = context
        # The selected folder's size as the server last told it. Kept here because EXISTS
        # and EXPUNGE can arrive after any command, and only their order gives the count.
        self.message_count: int | None = None
        super().__init__(settings.host, settings.port, timeout=settings.timeout)

    def _append_untagged(self, typ, dat):
        if typ == "EXISTS":
            self.message_count = int(dat)
        elif typ == "EXPUNGE" and self.message_count:
            self.message_count -= 1
        return super()._append_untagged(typ, dat)

    def readline(self):
        # imaplib refuses lines over 1 MB; a plain SORT or SEARCH answer (servers without
        # ESORT/ESEARCH) for 150,000 messages is longer. messages.MAX_FALLBACK_RESULTS
        # bounds what we accept instead.
        line = self.file.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise self.error(f"got more than {MAX_LINE} bytes in one line")
        return line

    def _create_socket(self, timeout=None):
        sock = net.connect(
            self.host, self.port, self._settings.timeout, self._settings.allow_private_hosts
        )
        if self._context is None:
            return sock
        try:
            return self._context.wrap_socket(sock, server_hostname=self.host)
        except (ssl.SSLError, OSError) as error:
            sock.close()
            raise net.translate_ssl_error(error, self.host) from error


class VettedIMAPClient(imapclient.IMAPClient):
    def __init__(self, settings: ImapSettings, context: ssl.SSLContext | None):
        self._settings = settings
        self._vetted_context = context
        super().__init__(settings.host, port=settings.port, ssl=False, timeout=settings.timeout)

    def _create_IMAP4(self):
        return _VettedIMAP4(self._settings, self._vetted_context)

    # A pooled connection is handed from request to request; remembering what it selected
    # saves a SELECT (one round trip and the server's mailbox sync) on every page.
    selected_folder: SelectedFolder | None = None

    def select_folder(self, folder, readonly=False):
        self.selected_folder = None
        response = super().select_folder(folder, readonly)
        self.selected_folder = SelectedFolder(
            name=folder, uidvalidity=response.get(b"UIDVALIDITY", 0), readonly=readonly
        )
        return response

    def unselect_folder(self):
        self.selected_folder = None
        return super().unselect_folder()

    def close_folder(self):
        self.selected_folder = None
        return super().close_folder()

    @property
    def message_count(self) -> int | None:
        return self._imap.message_count


def connect(settings: ImapSettings) -> VettedIMAPClient:
    """Connect and log in; raises a MailServiceError subclass that says what went wrong."""
    for value, what in ((settings.username, "user name"), (settings.password, "password")):
        net.check_wire_safe(value, what)
    context = net.tls_context(settings.ca_pem) if settings.security != Security.NONE else None
    implicit = context if settings.security == Security.SSL else None
    try:
        client = VettedIMAPClient(settings, implicit)
    except MailServiceError:
        raise
    except (ssl.SSLError, OSError) as error:
        raise net.translate_ssl_error(error, settings.host) from error
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        raise ProtocolError(host=settings.host, detail=str(error)) from error
    try:
        if settings.security == Security.STARTTLS:
            try:
                client.starttls(context)
            except CapabilityError as error:
                raise TlsNotOfferedError(host=settings.host) from error
            except (ssl.SSLError, OSError) as error:
                raise net.translate_ssl_error(error, settings.host) from error
        if client.has_capability("LOGINDISABLED"):
            raise AuthMethodRefusedError(
                host=settings.host, detail="the server disabled LOGIN on this connection"
            )
        auth.log_in(settings, lambda: _log_in(client, settings))
    except BaseException:
        close_quietly(client)
        raise
    return client


def _log_in(client: VettedIMAPClient, settings: ImapSettings):
    """LOGIN, or AUTHENTICATE PLAIN in UTF-8 for what LOGIN cannot carry (RFC 4616)."""
    try:
        if not auth.needs_utf8(settings.username, settings.password):
            client.login(settings.username, settings.password)
        elif client.has_capability("AUTH=PLAIN"):
            client.plain_login(settings.username, settings.password)
        else:
            raise NonAsciiCredentialsError(
                host=settings.host, detail="the server offers no AUTHENTICATE PLAIN"
            )
    except LoginError as error:
        raise AuthenticationError(host=settings.host, detail=str(error)) from error
    except (TimeoutError, OSError) as error:
        raise net.translate_os_error(error, settings.host) from error


def check_account(settings: ImapSettings) -> list[str]:
    """Log in and list the folders: what "save" and "test connection" need to know."""
    client = connect(settings)
    try:
        return [name for _flags, _delimiter, name in client.list_folders()]
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        raise ProtocolError(host=settings.host, detail=str(error)) from error
    except OSError as error:
        raise net.translate_os_error(error, settings.host) from error
    finally:
        close_quietly(client)


def ensure_selected(
    client: imapclient.IMAPClient, folder: str, *, refresh: bool = True
) -> tuple[SelectedFolder, int]:
    """Select `folder` unless the connection already has it; returns it and its message count.

    An already selected folder is brought up to date with a NOOP (unless `refresh` is
    false): servers answer SEARCH, SORT and STORE from the view the connection last
    synchronised, so a pooled connection that selected the folder a minute ago would
    neither list nor touch mail that arrived since (Dovecot does exactly that).
    """
    check_folder_name(folder, "folder name")
    selected = getattr(client, "selected_folder", None)
    if selected is not None and selected.name == folder and client.message_count is not None:
        if refresh:
            client.noop()
        return selected, client.message_count
    response = client.select_folder(folder)
    selected = getattr(client, "selected_folder", None) or SelectedFolder(
        name=folder, uidvalidity=response.get(b"UIDVALIDITY", 0), readonly=False
    )
    return selected, response[b"EXISTS"]


def check_folder_name(name, what: str = "folder name") -> str:
    """A folder name that can go on the wire: text, without CR, LF or NUL, and without
    lone surrogates, which modified UTF-7 (and imapclient's encoder) cannot carry."""
    if not isinstance(name, str):
        raise InvalidInputError(f"{what} must be text")
    net.check_wire_safe(name, what)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what} contains a character that is not text") from None
    return name


@contextmanager
def translate_errors(client: imapclient.IMAPClient) -> Iterator[None]:
    """Turn imapclient, imaplib and socket errors raised inside the block into ours."""
    host = getattr(client, "host", "")
    try:
        yield
    except MailServiceError:
        raise
    except (imaplib.IMAP4.error, IMAPClientError) as error:
        raise ProtocolError(host=host, detail=str(error)) from error
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as error:
        # The server went away in the middle of a session (a restart): no TLS problem.
        raise ConnectionFailedError(host=host, detail=str(error)) from error
    except ssl.SSLError as error:
        raise net.translate_ssl_error(error, host) from error
    except OSError as error:
        raise net.translate_os_error(error, host) from error


def close_quietly(client: imapclient.IMAPClient):
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            return
