"""Sockets we are willing to open: resolved, vetted, and wrapped in verified TLS."""

import errno
import ipaddress
import socket
import ssl

from .exceptions import (
    CertificateError,
    ConnectionFailedError,
    ConnectionRefusedByServerError,
    ConnectionTimeoutError,
    ForbiddenHostError,
    HostNotFoundError,
    InvalidInputError,
    TlsError,
)

_FORBIDDEN_CHARS = ("\r", "\n", "\0")


def check_wire_safe(value: str, what: str) -> str:
    """Refuse CR, LF and NUL: in a protocol line they would start a command of their own."""
    if any(char in value for char in _FORBIDDEN_CHARS):
        raise InvalidInputError(f"{what} contains a line break or NUL character")
    return value


def check_host(host: str) -> str:
    check_wire_safe(host, "host name")
    host = host.strip()
    if not host or len(host) > 253 or any(char.isspace() for char in host):
        raise InvalidInputError(f"invalid host name {host!r}")
    return host


# Never public, whatever this Python's ipaddress says: its tables lag behind the IANA
# registry (before Python 3.12.4, 6to4 counts as global), and a tunnel leads wherever the
# IPv4 address inside it points, private or not.
_NEVER_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in (
        "192.0.0.0/24",  # IETF protocol assignments (RFC 6890)
        "192.88.99.0/24",  # 6to4 relays (deprecated, RFC 7526)
        "::/96",  # IPv4-compatible IPv6 (deprecated, RFC 4291); :: and ::1 among them
        "64:ff9b:1::/48",  # NAT64 for local use (RFC 8215): it leads where its operator says
        "2001::/32",  # Teredo: a tunnel to the IPv4 addresses inside
        "2002::/16",  # 6to4 (deprecated, RFC 7526): likewise
        "3fff::/20",  # documentation (RFC 9637)
        "fec0::/10",  # site-local (deprecated, RFC 3879): a private network by another name
    )
)
# NAT64's well-known prefix (RFC 6052): on an IPv6-only network, DNS64 answers with it for
# hosts that have IPv4 only, and the translator connects to the IPv4 address in its last
# 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    """True for addresses on the open internet; False for loopback, private, link-local ...

    IPv6 addresses that lead to an IPv4 address, IPv4-mapped (::ffff:127.0.0.1) and NAT64
    (64:ff9b::7f00:1), are judged by the IPv4 address inside. Tunnels (6to4, Teredo) and
    deprecated forms (IPv4-compatible, site-local) are refused whole.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in network for network in _NEVER_PUBLIC):
        return False
    # is_global also leaves out what is neither private nor public, such as the carrier-grade
    # NAT range 100.64.0.0/10.
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
    )


def resolve(host: str, port: int, allow_private_hosts: bool) -> list[tuple]:
    """getaddrinfo results for `host`, refusing non-public addresses unless allowed.

    Every address is checked, so a name that resolves to a public and a private address is
    refused: we would not know which one a later connect picks. The error does not say
    which address it was (see ForbiddenHostError).
    """
    host = check_host(host)
    if not 0 < int(port) < 65536:
        raise InvalidInputError(f"invalid port {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HostNotFoundError(host=host, detail=str(error)) from error
    if not allow_private_hosts:
        for info in infos:
            address = info[4][0]
            if not is_public_address(address):
                raise ForbiddenHostError(host=host, address=address)
    return infos


def connect(host: str, port: int, timeout: float, allow_private_hosts: bool) -> socket.socket:
    """A TCP connection to one of the vetted addresses of host (never resolved twice)."""
    last_error: OSError | None = None
    for family, socktype, proto, _canonname, sockaddr in resolve(host, port, allow_private_hosts):
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    raise translate_os_error(last_error, host)


def translate_os_error(error: OSError | None, host: str) -> ConnectionFailedError:
    if isinstance(error, TimeoutError | socket.timeout):
        return ConnectionTimeoutError(host=host, detail=str(error))
    refused = getattr(error, "errno", None) == errno.ECONNREFUSED
    if isinstance(error, ConnectionRefusedError) or refused:
        return ConnectionRefusedByServerError(host=host, detail=str(error))
    return ConnectionFailedError(host=host, detail=str(error))


def tls_context(ca_pem: str | None) -> ssl.SSLContext:
    """Verify certificates and host names; with a pinned CA, trust that CA alone."""
    if ca_pem:
        try:
            context = ssl.create_default_context(cadata=ca_pem)
        except ssl.SSLError as error:
            # OpenSSL's reason ("... (_ssl.c:4149)") is for the log, not for the user.
            raise InvalidInputError(
                "the CA certificate cannot be read", detail=str(error)
            ) from error
    else:
        context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def translate_ssl_error(error: Exception, host: str) -> Exception:
    """Turn ssl/socket errors during a handshake into our exceptions."""
    if isinstance(error, ssl.SSLCertVerificationError):
        mismatch = error.verify_code == 62 or "match" in str(error.verify_message or "")
        return CertificateError(
            host=host, detail=error.verify_message or str(error), name_mismatch=mismatch
        )
    if isinstance(error, ssl.SSLError):
        return TlsError(host=host, detail=str(error))
    if isinstance(error, OSError):
        return translate_os_error(error, host)
    return error
