"""What a server's refusal means, told from its words: one short name a caller can explain
to the user, so that the server's own text (in English, with timings and codes) stays in
the log.

IMAP servers name the reason in a response code (RFC 5530: "NO [OVERQUOTA] ..."), SMTP
servers in an enhanced status code (RFC 3463: "552 5.2.2 ..."), where they name it at all.
"""

import imaplib
import re

# RFC 5530 codes a user can do something about; the others are explained alike.
IMAP_CODES = frozenset(
    {
        "ALREADYEXISTS",
        "EXPUNGEISSUED",
        "INUSE",
        "NONEXISTENT",
        "NOPERM",
        "OVERQUOTA",
        "TRYCREATE",
        "UNAVAILABLE",
    }
)
_IMAP_CODE = re.compile(r"\[([A-Z][A-Z0-9-]*)[\] ]")
# Refusals without a response code, as Dovecot words them (SELECT and STATUS of a deleted
# folder: "Mailbox doesn't exist: Projekte").
_IMAP_WORDS = (
    (re.compile(r"\bmailbox (?:doesn't|does not) exist\b", re.IGNORECASE), "NONEXISTENT"),
    (re.compile(r"\bquota exceeded\b", re.IGNORECASE), "OVERQUOTA"),
)
# imaplib's own reasons for dropping a connection; any other `abort` is the server's BYE.
_NOT_BYE = re.compile(r"^(?:command: \S+ => )?(?:socket error|unexpected|TLS )")

_SMTP_REPLY = re.compile(r"^\s*([245])\d\d(?:[ -]+([245])\.(\d{1,3})\.(\d{1,3}))?")
SMTP_KINDS = ("temporary", "no_mailbox", "mailbox_full", "too_large", "policy")


def imap_answer(error: BaseException) -> str | None:
    """An RFC 5530 code of IMAP_CODES the server gave with its refusal (or, for Dovecot's
    words, would have), "BYE" when the server ended the connection, or None.

    `error` is one of ours (MailServiceError) or imaplib's; its `detail` or text, and the
    imaplib error it was raised from, are looked at.
    """
    text = str(getattr(error, "detail", "") or error)
    found = _IMAP_CODE.search(text)
    if found and found.group(1) in IMAP_CODES:
        return found.group(1)
    for words, code in _IMAP_WORDS:
        if words.search(text):
            return code
    cause = error
    while cause is not None:
        if isinstance(cause, imaplib.IMAP4.abort):
            return None if _NOT_BYE.match(str(cause)) else "BYE"
        cause = cause.__cause__
    return None


def smtp_kind(reply: str) -> str | None:
    """What an SMTP reply ("550 5.1.1 <x@y>: user unknown") says, as one of SMTP_KINDS, or
    None when it says nothing more than "refused"."""
    found = _SMTP_REPLY.match(reply or "")
    if not found:
        return None
    basic, klass, subject, detail = found.groups()
    if basic == "4" or klass == "4":
        return "temporary"
    if subject is None:
        return {"552": "mailbox_full"}.get(reply.strip()[:3])
    code = (int(subject), int(detail))
    if code in ((1, 1), (1, 2), (1, 3)):
        return "no_mailbox"
    if code == (2, 2):
        return "mailbox_full"
    if code in ((2, 3), (3, 4)):
        return "too_large"
    if code[0] == 7:
        return "policy"
    return None
