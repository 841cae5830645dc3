"""Everything the services raise. Each wraps the socket, ssl or protocol error behind it."""


class MailServiceError(Exception):
    """Base class; `detail` keeps the low-level text for logs and for the user as a hint."""

    def __init__(self, message: str = "", *, host: str = "", detail: str = ""):
        super().__init__(message or detail or self.__class__.__name__)
        self.host = host
        self.detail = detail


class InvalidInputError(MailServiceError):
    """A value that must never reach the wire (CR, LF, NUL, or out of range)."""


class ConnectionFailedError(MailServiceError):
    """The server could not be reached at all."""


class HostNotFoundError(ConnectionFailedError):
    pass


class ConnectionRefusedByServerError(ConnectionFailedError):
    pass


class ConnectionTimeoutError(ConnectionFailedError):
    pass


class ForbiddenHostError(ConnectionFailedError):
    """The host resolves to an address we refuse to connect to (loopback, private, ...)."""

    def __init__(self, message: str = "", *, host: str = "", address: str = ""):
        super().__init__(message, host=host, detail=address)
        self.address = address


class TlsError(MailServiceError):
    """The TLS handshake failed for a reason other than the certificate."""


class CertificateError(TlsError):
    """The server's certificate is not trusted or does not name the host."""

    def __init__(
        self, message: str = "", *, host: str = "", detail: str = "", name_mismatch: bool = False
    ):
        super().__init__(message, host=host, detail=detail)
        self.name_mismatch = name_mismatch


class TlsNotOfferedError(TlsError):
    """STARTTLS was required but the server does not offer it."""


class AuthenticationError(MailServiceError):
    """The server refused the user name or password."""


class AuthMethodRefusedError(MailServiceError):
    """The server offers no login method we may use on this connection."""


class ProtocolError(MailServiceError):
    """The server answered something we did not expect (or closed the connection)."""


class MessageNotFoundError(MailServiceError):
    """The message is gone: expunged or moved by another client since the list was shown."""


class FolderNotFoundError(MailServiceError):
    """The folder is gone: deleted or renamed by another client since the list was shown."""


class PoolExhaustedError(MailServiceError):
    """Every pooled connection of an account stayed busy for as long as we could wait."""


class LimitExceededError(MailServiceError):
    """A message or response exceeded one of our hard limits."""
