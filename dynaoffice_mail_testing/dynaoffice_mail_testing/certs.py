"""A throwaway certificate authority per run, so every TLS test verifies for real."""

import base64
import datetime
import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class CertificateFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path

    @property
    def ca_pem(self) -> str:
        return self.ca_cert.read_text()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dynaoffice_mail test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_certificates(
    directory: Path, server_names=("localhost",), server_ips=()
) -> CertificateFiles:
    """Write a CA and a server certificate signed by it; reuse them when already there.

    The server certificate names only `server_names` (default: localhost) so that connecting
    by another name, e.g. 127.0.0.1, fails the host name check as it would in real life.
    """
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    files = CertificateFiles(
        directory / "ca.pem", directory / "server.pem", directory / "server.key"
    )
    if all(path.exists() for path in (files.ca_cert, files.server_cert, files.server_key)):
        return files
    backend = default_backend()
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1(), backend)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("dynaoffice_mail test CA"))
        .issuer_name(_name("dynaoffice_mail test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256(), backend)
    )
    server_key = ec.generate_private_key(ec.SECP256R1(), backend)
    alt_names = [x509.DNSName(name) for name in server_names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in server_ips]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(server_names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256(), backend)
    )
    files.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.server_cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    files.server_key.write_bytes(_key_pem(server_key))
    files.server_key.chmod(0o644)  # read by the unprivileged Dovecot user; a throwaway key
    return files


def spki_sha256(certificate: Path) -> str:
    """Base64 SHA-256 of the certificate's public key (SPKI), as Chromium's switch
    `--ignore-certificate-errors-spki-list` takes it: trust for this one key only."""
    cert = x509.load_pem_x509_certificate(Path(certificate).read_bytes(), default_backend())
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()
