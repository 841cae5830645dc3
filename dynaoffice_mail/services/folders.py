"""The folder list with unread and total counts, in the order a mail client shows it."""

from dataclasses import dataclass, replace

import imapclient
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.response_parser import parse_response

from . import imap
from .headers import to_text

# The order users know from other clients; other special-use folders (\All, \Flagged)
# are listed among the ordinary ones.
SPECIAL_USE_ORDER = ("\\Inbox", "\\Drafts", "\\Sent", "\\Trash", "\\Junk", "\\Archive")
_UNSELECTABLE = {"\\noselect", "\\nonexistent"}


@dataclass(frozen=True)
class Folder:
    name: str  # full path as the server names it, decoded from modified UTF-7
    delimiter: str | None
    special_use: str | None  # one of SPECIAL_USE_ORDER
    flags: frozenset[str]
    total: int | None  # None where the folder cannot hold mail (\Noselect)
    unread: int | None

    @property
    def selectable(self) -> bool:
        return not {flag.lower() for flag in self.flags} & _UNSELECTABLE

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split(self.delimiter)) if self.delimiter else (self.name,)


def list_folders(client: imapclient.IMAPClient) -> list[Folder]:
    """Every folder with its counts: special-use folders first (Inbox, Drafts, Sent, Trash,
    Junk, Archive), then the others alphabetically, each followed by its subfolders.

    With LIST-STATUS (RFC 5819) the counts come with the list in one command; otherwise one
    STATUS per folder.
    """
    with imap.translate_errors(client):
        if client.has_capability("LIST-STATUS"):
            listed, counts = _list_with_status(client)
        else:
            listed = client.list_folders()
            counts = {}
        folders = []
        for flags, delimiter, name in listed:
            flags = frozenset(to_text(flag) for flag in flags)
            folder = Folder(
                name=name,
                delimiter=to_text(delimiter) or None,
                special_use=_special_use(name, flags),
                flags=flags,
                total=None,
                unread=None,
            )
            if folder.selectable:
                total, unread = counts.get(name) or _status(client, name)
                folder = replace(folder, total=total, unread=unread)
            folders.append(folder)
    return sorted(folders, key=_folder_order(folders))


def _list_with_status(client) -> tuple[list, dict[str, tuple[int, int]]]:
    options = [b"STATUS (MESSAGES UNSEEN)"]
    if client.has_capability("SPECIAL-USE"):
        options.append(b"SPECIAL-USE")
    if client.has_capability("LIST-EXTENDED"):
        options.append(b"CHILDREN")
    client._imap.untagged_responses.pop("STATUS", None)
    data = client._raw_command_untagged(
        b"LIST", [b'""', b'"*"', b"RETURN", b"(" + b" ".join(options) + b")"], uid=False
    )
    listed = client._proc_folder_list(data)
    counts = {}
    # Parsed as one list: imaplib splits a response around a literal (a folder name sent
    # as {n}) into two entries.
    status = parse_response(client._imap.untagged_responses.pop("STATUS", []))
    for raw_name, items in zip(status[::2], status[1::2], strict=False):
        raw_name = to_text(raw_name)
        name = decode_utf7(raw_name) if client.folder_encode else raw_name
        values = dict(zip(items[::2], items[1::2], strict=False))
        counts[name] = (values.get(b"MESSAGES"), values.get(b"UNSEEN"))
    return listed, counts


def _status(client, name: str) -> tuple[int | None, int | None]:
    values = client.folder_status(name, ["MESSAGES", "UNSEEN"])
    return values.get(b"MESSAGES"), values.get(b"UNSEEN")


def _special_use(name: str, flags: frozenset[str]) -> str | None:
    if name.upper() == "INBOX":
        return "\\Inbox"
    lowered = {flag.lower() for flag in flags}
    for use in SPECIAL_USE_ORDER:
        if use.lower() in lowered:
            return use
    return None


def _folder_order(folders: list[Folder]):
    """A sort key: a special-use folder and its subfolders by rank, then all others by path."""
    special = {folder.path: folder for folder in folders if folder.special_use}

    def key(folder: Folder):
        path = folder.path
        folded = tuple(part.casefold() for part in path)
        for length in range(len(path), 0, -1):
            anchor = special.get(path[:length])
            if anchor is not None:
                rank = SPECIAL_USE_ORDER.index(anchor.special_use)
                return (0, rank, folded[:length], folded[length:], path)
        return (1, 0, (), folded, path)

    return key
