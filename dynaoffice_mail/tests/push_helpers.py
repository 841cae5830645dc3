"""Helpers of the push tests: delivery over LMTP as a mail server does it, and Dovecot's
own count of a user's connections."""

import smtplib
import subprocess
import time


def deliver_over_lmtp(servers, address, raw):
    """Deliver `raw` into `address`'s Inbox over Dovecot's LMTP, as a mail server does."""
    with smtplib.LMTP("127.0.0.1", servers.ports.lmtp) as lmtp:
        lmtp.sendmail("sender@example.com", [address], raw)


def dovecot_connections(servers, address):
    """How many IMAP connections of `address` Dovecot has open (`doveadm who`)."""
    result = subprocess.run(
        ["doveadm", "-c", str(servers.dovecot.config_path), "who", "-1", address],
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(1 for line in result.stdout.splitlines() if line.startswith(address))


def wait_until(condition, timeout=10.0):
    """Whether `condition()` came true within `timeout` seconds (checked every 50 ms)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
