"""Everything the services raise. Each wraps the socket, ssl or protocol error behind it."""


class MailServiceError(Exception):
    """Base class; `detail` keeps the low-level text for logs and for the user as a hint."""

    def __init__(self, message: str = "", *, host: str = "", detail: str = ""):
        super().__init__(message or detail or self.__class__.__name__)
        self.host = host
        self.detail = detail


class InvalidInputError(MailServiceError):
    """A value that must never reach the wire (CR, LF, NUL, or out of range)."""


class FolderChangeRefusedError(InvalidInputError):
    """A folder that cannot be created, renamed or deleted so. `reason` says why (no_name,
    wildcards, delimiter_at_end, empty_part, inbox, special, holds_special, into_itself,
    subfolders, exists, name_refused), `folder` names the folder, `other` the special folder or the
    delimiter concerned and `change` is "rename" or "delete": the caller words it in the
    user's language."""

    def __init__(
        self,
        message: str,
        reason: str,
        folder: str = "",
        *,
        other: str = "",
        change: str = "",
        host: str = "",
        detail: str = "",
    ):
        super().__init__(message, host=host, detail=detail)
        self.reason = reason
        self.folder = folder
        self.other = other
        self.change = change


class ConnectionFailedError(MailServiceError):
    """The server could not be reached at all."""


class HostNotFoundError(ConnectionFailedError):
    pass


class ConnectionRefusedByServerError(ConnectionFailedError):
    pass


class ConnectionTimeoutError(ConnectionFailedError):
    pass


class ForbiddenHostError(ConnectionFailedError):
    """The host resolves to an address we refuse to connect to (loopback, private, ...).

    The text and `detail` never name the address: what an internal name resolves to is
    none of the user's business. `address` keeps it for the server's log.
    """

    def __init__(self, message: str = "", *, host: str = "", address: str = ""):
        super().__init__(message or "the host is in a local or private network", host=host)
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


class AuthorizationExpiredError(AuthenticationError):
    """A login by token whose grant is gone (revoked, expired) or was never given: only the
    user can help, by connecting the account again at `provider` (a name to show)."""

    def __init__(
        self,
        message: str = "",
        *,
        host: str = "",
        detail: str = "",
        provider: str = "",
        connected: bool = True,
    ):
        super().__init__(message, host=host, detail=detail)
        self.provider = provider
        self.connected = connected


class AuthMethodRefusedError(MailServiceError):
    """The server offers no login method we may use on this connection."""


class NonAsciiCredentialsError(AuthMethodRefusedError):
    """The user name or password has characters beyond ASCII, and the server offers no
    login that carries them (SASL PLAIN in UTF-8: IMAP AUTH=PLAIN, SMTP AUTH PLAIN)."""


class ProtocolError(MailServiceError):
    """The server answered something we did not expect (or closed the connection)."""


class UidValidityChangedError(ProtocolError):
    """The folder was renumbered since the list was read; the client must reload it."""


class MessageNotFoundError(MailServiceError):
    """The message is gone: expunged or moved by another client since the list was shown."""


class FolderNotFoundError(MailServiceError):
    """The folder is gone: deleted or renamed by another client since the list was shown."""


class NoTrashFolderError(FolderNotFoundError):
    """Deleting means moving to Trash, and the account has no Trash folder (none the server
    flags \\Trash, none with a usual name such as "Trash" or "Deleted Items"). Nothing was
    deleted: the messages are not removed for good instead."""


class OthersMarkedDeletedError(MailServiceError):
    """Removing messages for good on a server without UID EXPUNGE (no UIDPLUS): its only
    way, EXPUNGE, removes every message of the folder marked as deleted, and others than
    these are. Nothing was changed."""


class PoolExhaustedError(MailServiceError):
    """Every pooled connection of an account stayed busy for as long as we could wait."""


class LimitExceededError(MailServiceError):
    """A message or response exceeded one of our hard limits."""


# -- sending ---------------------------------------------------------------------------------------


class MessageTooLargeError(LimitExceededError):
    """The server takes no message this large (its SIZE limit, or 552 / [TOOBIG])."""

    def __init__(
        self, message: str = "", *, host: str = "", detail: str = "", max_size: int | None = None
    ):
        super().__init__(message, host=host, detail=detail)
        self.max_size = max_size


class SenderRefusedError(MailServiceError):
    """The server refused the sender address (MAIL FROM); nothing was sent."""


class RecipientsRefusedError(MailServiceError):
    """The server refused recipients; nothing was sent, not even to the others.

    `refused` maps each refused address to the server's answer ("550 5.1.1 no such user").
    """

    def __init__(
        self,
        message: str = "",
        *,
        host: str = "",
        detail: str = "",
        refused: dict[str, str] | None = None,
    ):
        self.refused = dict(refused or {})
        detail = detail or "; ".join(f"{addr}: {reply}" for addr, reply in self.refused.items())
        super().__init__(message, host=host, detail=detail)


class MessageRefusedError(MailServiceError):
    """The server refused the message itself (a 4xx or 5xx answer to DATA: policy, spam,
    a full mailbox); nothing was sent."""


class SendmailError(MailServiceError):
    """The sendmail program could not be run or reported failure (its exit status and
    what it wrote to stderr are in `detail`); it did not take the message."""


class DeliveryUncertainError(MailServiceError):
    """The whole message went out, but whether the server took it is unknown (the
    connection broke before its answer, sendmail timed out). It may have been sent:
    never send it again on your own, ask the user."""
