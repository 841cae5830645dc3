"""Encrypting stored mail passwords (Fernet: AES-128-CBC with HMAC-SHA256)."""

from cryptography.fernet import Fernet, InvalidToken

from .exceptions import MailServiceError


class CredentialKeyError(MailServiceError):
    """No usable key, or a stored value that this key cannot decrypt."""


class CredentialBox:
    def __init__(self, key: str | bytes | None):
        if not key:
            raise CredentialKeyError("no encryption key is configured")
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as error:
            raise CredentialKeyError("the encryption key is not a valid Fernet key") from error

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as error:
            raise CredentialKeyError(
                "a stored password cannot be decrypted with this key"
            ) from error
