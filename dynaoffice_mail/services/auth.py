"""Logging in so that the password never comes back out.

imaplib's LOGIN and smtplib's AUTH encode user name and password as ASCII. Any other
character ("Päßwort") fails with a UnicodeEncodeError whose arguments hold the command,
password included, and Odoo copies an exception's arguments and its chained errors into
the RPC answer and the log. So credentials beyond ASCII log in with SASL PLAIN in UTF-8
(RFC 4616), and every error a login raises passes through `log_in`, which replaces one that
spells the password anywhere (its text, its arguments, the errors chained behind it) by a
copy without it.
"""

import base64
import copy
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import TypeVar

from .config import ImapSettings, SmtpSettings
from .exceptions import MailServiceError, NonAsciiCredentialsError, ProtocolError

T = TypeVar("T")

WITHHELD = "the details are withheld because they contained the password"


def needs_utf8(*credentials: str) -> bool:
    """True when a credential goes beyond ASCII, which LOGIN and smtplib cannot carry."""
    return not all(value.isascii() for value in credentials)


def plain_response(username: str, password: str) -> str:
    """The SASL PLAIN message in UTF-8 (no separate authorization identity), as base64."""
    return base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")


def log_in(settings: ImapSettings | SmtpSettings, login: Callable[[], T]) -> T:
    """`login()`; an error that spells the password is replaced by one that does not.

    The replacement has the original's class and attributes (callers tell errors apart by
    them), the text WITHHELD, and no chained errors: the library's could hold the password.
    A UnicodeError with credentials beyond ASCII means a login method that cannot carry
    them.
    """
    try:
        return login()
    except Exception as error:
        clean = _without_password(error, settings)
        if clean is None:
            raise
    # Raised outside the handler: not even __context__ keeps the original.
    raise clean from None


def _without_password(error: Exception, settings: ImapSettings | SmtpSettings) -> Exception | None:
    if isinstance(error, UnicodeError) and needs_utf8(settings.username, settings.password):
        return NonAsciiCredentialsError(host=settings.host)
    spellings = _spellings(settings.username, settings.password) | _spellings(
        settings.username, settings.sasl_response
    )
    if not any(_spells(link, spellings) for link in _chain(error)):
        return None
    if not isinstance(error, MailServiceError):
        return ProtocolError(host=settings.host, detail=WITHHELD)
    clean = copy.copy(error)  # a new exception: no cause, no context, no traceback
    clean.args = (WITHHELD,)
    clean.detail = WITHHELD
    return clean


def _spellings(username: str, password: str) -> set[str]:
    """The password as a library or a server could write it into an error."""
    if not password:
        return set()
    utf8 = password.encode("utf-8", "surrogatepass")
    spellings = {
        password,
        repr(password)[1:-1],  # inside an exception's repr or args
        ascii(password)[1:-1],  # the same with \xe4, \u20ac
        repr(utf8)[2:-1],  # as bytes: P\xc3\xa4...
        password.replace("\\", "\\\\").replace('"', '\\"'),  # an IMAP quoted string
        base64.b64encode(utf8).decode("ascii"),  # AUTH LOGIN
    }
    with suppress(UnicodeError):  # a lone surrogate: no login could have sent it
        spellings.add(plain_response(username, password))  # AUTH PLAIN
    return {spelling for spelling in spellings if spelling}


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and every error chained behind it, as a cause or as a context."""
    seen = set()
    pending = [error]
    while pending:
        link = pending.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        pending += [link.__cause__, link.__context__]


def _spells(error: BaseException, spellings: set[str]) -> bool:
    texts = (str(error), repr(error.args), repr(vars(error)))
    return any(spelling in text for text in texts for spelling in spellings)
