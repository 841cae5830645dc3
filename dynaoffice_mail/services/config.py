"""Connection settings, as plain frozen dataclasses."""

from dataclasses import dataclass, field
from enum import Enum


class Security(str, Enum):
    """How a connection is protected on the wire."""

    SSL = "ssl"  # TLS from the first byte (IMAPS 993, SMTPS 465)
    STARTTLS = "starttls"  # plain connect, then STARTTLS, which must succeed
    NONE = "none"  # no encryption at all; only when the user chose it explicitly


@dataclass(frozen=True)
class _ServerSettings:
    host: str
    port: int
    security: Security
    username: str = ""
    password: str = field(default="", repr=False)
    ca_pem: str | None = field(default=None, repr=False)
    timeout: float = 20.0
    allow_private_hosts: bool = False
    # A login by token instead of a password: AUTHENTICATE with this SASL mechanism and
    # this client response (the account's login seam fills them in, e.g. for OAuth2).
    sasl_mechanism: str = ""
    sasl_response: str = field(default="", repr=False)


@dataclass(frozen=True)
class ImapSettings(_ServerSettings):
    pass


@dataclass(frozen=True)
class SmtpSettings(_ServerSettings):
    authenticate: bool = True
    local_hostname: str | None = None
