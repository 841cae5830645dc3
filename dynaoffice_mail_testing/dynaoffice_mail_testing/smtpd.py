"""A submission server for tests and the demo, built on aiosmtpd.

Three listeners on loopback: STARTTLS (like port 587), implicit TLS (like 465) and one with no
TLS at all (to test what a client does when TLS is missing). AUTH PLAIN/LOGIN against a JSON
file of users, and, given the OAuth2 provider's introspection, AUTH XOAUTH2/OAUTHBEARER with
its tokens (checked by RFC 7662 over verified TLS, like Dovecot does); accepted mail is
handed to Dovecot over LMTP, so it lands in the recipient's INBOX. A test can make it hold a
message in the DATA phase (the final dot received, no answer yet): see `hold_dir`. Run it as
`python -m dynaoffice_mail_testing.smtpd --config FILE`.
"""

import asyncio
import base64
import binascii
import json
import logging
import signal
import smtplib
import time
import urllib.error
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword

from .oauth_control import introspect
from .system import server_process_config, server_tls_context

_logger = logging.getLogger(__name__)


class Authenticator:
    def __init__(self, users_file: Path):
        self.users_file = users_file

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        users = json.loads(self.users_file.read_text())
        login = auth_data.login.decode("utf-8", "replace")
        ok = users.get(login) == auth_data.password.decode("utf-8", "replace")
        return AuthResult(success=ok, handled=False)


def parse_bearer(mechanism: str, response: bytes) -> tuple[str, str] | None:
    """(user, token) from an XOAUTH2 or OAUTHBEARER (RFC 7628) initial response."""
    text = response.decode("utf-8", "replace")
    user = None
    if mechanism == "OAUTHBEARER":
        gs2_header, _, text = text.partition("\x01")
        for part in gs2_header.split(","):
            if part.startswith("a="):
                user = part[2:].replace("=2C", ",").replace("=3D", "=")
    fields = dict(item.partition("=")[::2] for item in text.split("\x01") if item)
    user = fields.get("user", user)
    scheme, _, token = fields.get("auth", "").partition(" ")
    if not user or scheme.lower() != "bearer" or not token:
        return None
    return user, token


class TokenMechanisms:
    """AUTH XOAUTH2 and OAUTHBEARER (aiosmtpd finds `auth_*` methods on the handler)."""

    introspection: dict | None = None

    async def auth_XOAUTH2(self, server, args):
        return await self._token_login(server, "XOAUTH2", args)

    async def auth_OAUTHBEARER(self, server, args):
        return await self._token_login(server, "OAUTHBEARER", args)

    async def _token_login(self, server, mechanism, args):
        if len(args) == 1:
            response = await server.challenge_auth("")
            if response is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                response = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(
                    success=False, handled=False, message="501 5.5.2 Can't decode base64"
                )
        parsed = parse_bearer(mechanism, response)
        if parsed is None:
            return AuthResult(success=False, handled=False)
        user, token = parsed
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(None, self._introspect, token)
        except (OSError, ValueError, urllib.error.URLError) as error:
            _logger.warning("token introspection failed: %s", error)
            return AuthResult(
                success=False, handled=False, message="454 4.7.0 Temporary authentication failure"
            )
        valid = answer.get("active") is True and (
            str(answer.get("username", "")).lower() == user.lower()
        )
        if not valid:
            # 535 at once; Google's extra round with a JSON error challenge is left out.
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))

    def _introspect(self, token):
        settings = self.introspection
        return introspect(
            settings["url"],
            settings["client_id"],
            settings["client_secret"],
            settings["ca_file"],
            token,
        )


class LmtpRelay(TokenMechanisms):
    """Accepts mail for known local users (and a catch-all for other domains, if set)."""

    def __init__(
        self,
        users_file: Path,
        lmtp_port: int,
        catchall: str | None,
        received_log: Path,
        introspection: dict | None = None,
    ):
        self.users_file = users_file
        self.lmtp_port = lmtp_port
        self.catchall = catchall
        self.received_log = received_log
        self.introspection = introspection
        # A file named after a recipient in this folder holds that recipient's mail after
        # its final dot, before the answer, until the file is removed (at most HOLD_LIMIT);
        # "<recipient>.held" says a message is being held. The delivery runs in a thread,
        # so a client that goes away meanwhile (killed) does not stop it: the server has
        # the message, as a real one would.
        self.hold_dir = users_file.parent / "smtp-hold"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        users = json.loads(self.users_file.read_text())
        local_domains = {user.rpartition("@")[2].lower() for user in users}
        domain = address.rpartition("@")[2].lower()
        if address.lower() in {user.lower() for user in users}:
            envelope.rcpt_tos.append(address)
            return "250 OK"
        if domain in local_domains or not self.catchall:
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK (kept in the catch-all mailbox)"

    async def handle_DATA(self, server, session, envelope):
        users = {user.lower() for user in json.loads(self.users_file.read_text())}
        targets = sorted(
            {rcpt if rcpt.lower() in users else self.catchall for rcpt in envelope.rcpt_tos}
        )
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._deliver, envelope, targets)
        except (OSError, smtplib.SMTPException) as error:
            _logger.warning("LMTP delivery failed: %s", error)
            return "451 4.3.0 delivery to the mailbox failed, try again later"
        with self.received_log.open("a") as log:
            log.write(
                json.dumps(
                    {
                        "from": envelope.mail_from,
                        "to": envelope.rcpt_tos,
                        "authenticated": session.authenticated,
                        "size": len(envelope.original_content or b""),
                    }
                )
                + "\n"
            )
        return "250 2.0.0 OK: delivered"

    def _deliver(self, envelope, targets):
        self._hold(envelope.rcpt_tos)
        # One LMTP transaction per recipient: LMTP answers DATA once per recipient, and
        # smtplib's LMTP client reads only the first of those answers.
        for target in targets:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=30) as lmtp:
                lmtp.sendmail(envelope.mail_from, [target], envelope.original_content)

    def _hold(self, recipients):
        holds = [self.hold_dir / rcpt.lower() for rcpt in recipients]
        holds = [hold for hold in holds if hold.exists()]
        if not holds:
            return
        held = [hold.with_name(hold.name + ".held") for hold in holds]
        for marker in held:
            marker.touch()
        deadline = time.monotonic() + HOLD_LIMIT
        while any(hold.exists() for hold in holds) and time.monotonic() < deadline:
            time.sleep(0.05)
        for marker in held:
            marker.unlink(missing_ok=True)


# The longest a held message waits for its test to let it go.
HOLD_LIMIT = 120


def build_controllers(config: dict) -> list[Controller]:
    users_file = Path(config["users_file"])
    handler = LmtpRelay(
        users_file,
        config["lmtp_port"],
        config.get("catchall"),
        Path(config["received_log"]),
        config.get("introspection"),
    )
    authenticator = Authenticator(users_file)
    context = server_tls_context(config)
    common = {
        "hostname": "127.0.0.1",
        "authenticator": authenticator,
        "auth_required": True,
        "data_size_limit": config.get("data_size_limit", 30 * 1024 * 1024),
        "server_hostname": "localhost",
        "auth_exclude_mechanism": [] if handler.introspection else ["XOAUTH2", "OAUTHBEARER"],
    }
    return [
        # STARTTLS, as on port 587: AUTH only after STARTTLS.
        Controller(
            handler,
            port=config["port_starttls"],
            tls_context=context,
            require_starttls=True,
            auth_require_tls=True,
            **common,
        ),
        # Implicit TLS, as on port 465.
        Controller(
            handler, port=config["port_tls"], ssl_context=context, auth_require_tls=False, **common
        ),
        # No TLS offered at all.
        Controller(handler, port=config["port_plain"], auth_require_tls=False, **common),
    ]


def main():
    config = server_process_config(__doc__)
    controllers = build_controllers(config)
    for controller in controllers:
        controller.start()
    _logger.info("listening on %s", [c.port for c in controllers])
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        for controller in controllers:
            controller.stop()


if __name__ == "__main__":
    main()
