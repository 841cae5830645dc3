"""The folder list with unread and total counts, in the order a mail client shows it; the
folder for Sent, Drafts, Trash, Junk or Archive; creating, renaming and deleting folders;
and the cheap state the browser polls."""

import imaplib
from dataclasses import dataclass, replace

import imapclient
from imapclient.imap_utf7 import decode as decode_utf7
from imapclient.response_parser import parse_response

from . import imap
from .exceptions import FolderChangeRefusedError, FolderNotFoundError, InvalidInputError
from .headers import to_text

# The order users know from other clients; other special-use folders (\All, \Flagged)
# are listed among the ordinary ones.
SPECIAL_USE_ORDER = ("\\Inbox", "\\Drafts", "\\Sent", "\\Trash", "\\Junk", "\\Archive")
# The kinds special_folder() finds: every special-use folder but the Inbox.
SPECIAL_FOLDERS = SPECIAL_USE_ORDER[1:]
# Where a server flags no folder for a kind (no SPECIAL-USE, RFC 6154, or a folder made
# by hand): the names mail programs create, English and German, by the last part of the
# folder's path, in the order they are preferred.
USUAL_NAMES = {
    "\\Drafts": ("drafts", "draft", "entwürfe", "entwurf"),
    "\\Sent": (
        "sent",
        "sent items",
        "sent messages",
        "sent mail",
        "gesendet",
        "gesendete elemente",
        "gesendete objekte",
    ),
    "\\Trash": (
        "trash",
        "deleted items",
        "deleted messages",
        "papierkorb",
        "gelöscht",
        "gelöschte elemente",
        "gelöschte objekte",
    ),
    "\\Junk": ("junk", "spam", "junk e-mail", "junk email", "junk-e-mail"),
    "\\Archive": ("archive", "archiv"),
}
_UNSELECTABLE = {"\\noselect", "\\nonexistent"}
# LIST wildcards: a folder named with them could not be looked up by its own name.
_WILDCARDS = ("*", "%")


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
            folder = _listed(flags, delimiter, name)
            if folder.selectable:
                total, unread = counts.get(name) or _status(client, name)
                folder = replace(folder, total=total, unread=unread)
            folders.append(folder)
    folders = _named_special(folders)
    return sorted(folders, key=_folder_order(folders))


def special_folder(client: imapclient.IMAPClient, kind: str) -> str | None:
    """The folder for `kind` ("\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"): the one
    the server flags with that special-use attribute (RFC 6154), else one with a usual name
    for it ("Trash", "Deleted Items", "Papierkorb"), else None. The same for every kind,
    so that what "Move to Trash" finds is what "Save draft" finds for Drafts.

    A folder another kind is flagged on is not taken by its name; among folders with a
    usual name the one nearest the top of the tree wins ("Trash" before "Projekte/Trash"),
    then the more usual name. One LIST, without the counts list_folders() asks for.
    """
    if kind not in SPECIAL_FOLDERS:
        raise InvalidInputError(f"unknown special-use folder {kind!r}")
    with imap.translate_errors(client):
        listed = [folder for folder in _list(client, "*") if folder.selectable]
    found = _special_among(listed, kind)
    return found.name if found else None


def listed_folders(client: imapclient.IMAPClient) -> list[Folder]:
    """Every folder, without counts, with its special use as list_folders() tells it
    (attribute, else usual name): one LIST."""
    with imap.translate_errors(client):
        listed = _list(client, "*")
    return _named_special(listed)


def _special_among(listed: list[Folder], kind: str) -> Folder | None:
    """The folder for `kind` among the selectable folders `listed`, as special_folder()
    describes it."""
    for folder in listed:
        if folder.special_use == kind:
            return folder
    names = USUAL_NAMES[kind]
    named = [
        folder
        for folder in listed
        if folder.special_use is None and folder.path[-1].casefold() in names
    ]
    if not named:
        return None
    return min(named, key=lambda folder: (_depth(folder), names.index(folder.path[-1].casefold())))


def _named_special(folders: list[Folder]) -> list[Folder]:
    """`folders` with the special use a folder has by its usual name where the server flags
    none for that kind, as special_folder() finds it: the list names the Trash that
    deleting moves mail into, so that the client asks before deleting for good exactly
    where that happens, and offers Empty Trash and Undo there."""
    selectable = [folder for folder in folders if folder.selectable]
    named = {}
    for kind in SPECIAL_FOLDERS:
        found = _special_among(selectable, kind)
        if found is not None and found.special_use is None:
            named[found.name] = kind
    return [
        replace(folder, special_use=named[folder.name]) if folder.name in named else folder
        for folder in folders
    ]


def _depth(folder: Folder) -> int:
    """How deep `folder` lies, a folder right below the Inbox counting as one at the top
    (servers that keep every folder there: "INBOX.Trash")."""
    path = folder.path
    if len(path) > 1 and path[0].upper() == "INBOX":
        path = path[1:]
    return len(path)


def _list_with_status(client) -> tuple[list, dict[str, tuple[int, int]]]:
    options = [b"STATUS (MESSAGES UNSEEN)"]
    if client.has_capability("SPECIAL-USE"):
        options.append(b"SPECIAL-USE")
    if client.has_capability("LIST-EXTENDED"):
        options.append(b"CHILDREN")
    imap.take_untagged(client, "STATUS")
    data = imap.untagged_command(
        client, b"LIST", [b'""', b'"*"', b"RETURN", b"(" + b" ".join(options) + b")"], uid=False
    )
    listed = imap.parse_folder_list(client, data)
    counts = {}
    # Parsed as one list: imaplib splits a response around a literal (a folder name sent
    # as {n}) into two entries.
    status = parse_response(imap.take_untagged(client, "STATUS") or [])
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


# -- changing the folder tree ------------------------------------------------------------------


def create_folder(client: imapclient.IMAPClient, name: str) -> None:
    """Create the folder `name` (its full path: the caller joins parent, delimiter and
    name) and subscribe to it, so that other mail programs show it too.

    imapclient encodes the name to modified UTF-7 ("Größe" -> "Gr&APYA3w-e").
    """
    imap.check_folder_name(name, "folder name")
    with imap.translate_errors(client):
        _check_new_name(name, _hierarchy_delimiter(client))
        _change(client, "create", name)
        client.subscribe_folder(name)


def rename_folder(client: imapclient.IMAPClient, folder: str, new_name: str) -> str | None:
    """Rename or move `folder`, its subfolders with it, to the full path `new_name`; returns
    its hierarchy delimiter (what names its subfolders).

    Subscriptions follow the folders (Dovecot, for one, leaves them under the old names).
    The Inbox, special-use folders and folders that contain one are refused: other mail
    programs find Sent or Trash by those names or attributes.
    """
    imap.check_folder_name(folder, "folder name")
    imap.check_folder_name(new_name, "new folder name")
    with imap.translate_errors(client):
        current = _existing(client, folder, "rename")
        _check_new_name(new_name, current.delimiter)
        if new_name == folder:
            return current.delimiter
        if current.delimiter and new_name.startswith(folder + current.delimiter):
            raise FolderChangeRefusedError(
                "a folder cannot be moved into itself", "into_itself", folder
            )
        for descendant in _descendants(client, current):
            if descendant.special_use:
                raise FolderChangeRefusedError(
                    f'"{folder}" contains the special folder "{descendant.name}" and cannot '
                    "be renamed",
                    "holds_special",
                    folder,
                    other=descendant.name,
                    change="rename",
                )
        subscribed = _subscriptions(client, current)
        _leave_selected(client, current, deleting=False)
        _change(client, "rename", folder, new_name)
        for old in subscribed:
            client.subscribe_folder(new_name + old[len(folder) :])
            _unsubscribe_quietly(client, old)
    return current.delimiter


def delete_folder(client: imapclient.IMAPClient, folder: str) -> None:
    """Delete `folder` with the messages in it (they do not go to Trash), and unsubscribe.

    The Inbox and special-use folders are refused, and so is a folder with subfolders:
    the user deletes or moves those first rather than losing a whole tree at once.
    """
    imap.check_folder_name(folder, "folder name")
    with imap.translate_errors(client):
        current = _existing(client, folder, "delete")
        if _descendants(client, current):
            raise FolderChangeRefusedError(
                f'"{folder}" has subfolders; delete or move them first', "subfolders", folder
            )
        _leave_selected(client, current, deleting=True)
        _change(client, "delete", folder)
        _unsubscribe_quietly(client, folder)


def _check_new_name(name: str, delimiter: str | None) -> None:
    if not name.strip():
        raise FolderChangeRefusedError("a folder needs a name", "no_name", name)
    if any(char in name for char in _WILDCARDS):
        raise FolderChangeRefusedError("folder names cannot contain * or %", "wildcards", name)
    if delimiter:
        if name.startswith(delimiter) or name.endswith(delimiter):
            raise FolderChangeRefusedError(
                f'a folder name cannot start or end with "{delimiter}"',
                "delimiter_at_end",
                name,
                other=delimiter,
            )
        if any(not part.strip() for part in name.split(delimiter)):
            raise FolderChangeRefusedError(
                f'a folder name cannot have an empty part between "{delimiter}"',
                "empty_part",
                name,
                other=delimiter,
            )


def _existing(client, folder: str, change: str) -> Folder:
    """The folder as LIST describes it, for `change` ("rename", "delete"); refused if it
    is the Inbox or a special-use one."""
    verb = {"rename": "renamed", "delete": "deleted"}[change]
    if folder.upper() == "INBOX":
        raise FolderChangeRefusedError(
            f"the Inbox cannot be {verb}", "inbox", folder, change=change
        )
    found = next((item for item in _list(client, folder) if item.name == folder), None)
    if found is None:
        raise FolderNotFoundError(
            f'the folder "{folder}" does not exist', host=getattr(client, "host", "")
        )
    if found.special_use:
        use = found.special_use[1:]  # "\\Trash" -> "Trash"
        raise FolderChangeRefusedError(
            f'"{folder}" is the special folder for {use} and cannot be {verb}',
            "special",
            folder,
            other=found.special_use,
            change=change,
        )
    return found


def _descendants(client, folder: Folder) -> list[Folder]:
    if not folder.delimiter:
        return []
    prefix = folder.name + folder.delimiter
    return [item for item in _list(client, prefix + "*") if item.name.startswith(prefix)]


def _list(client, pattern: str) -> list[Folder]:
    """LIST `pattern`, with special-use attributes where the server can be asked for them
    (RFC 6154; some servers send them unasked, which the plain LIST then shows)."""
    args = [b'""', imap.wire_folder_name(client, pattern)]
    if client.has_capability("LIST-EXTENDED") and client.has_capability("SPECIAL-USE"):
        args += [b"RETURN", b"(SPECIAL-USE)"]
    data = imap.untagged_command(client, b"LIST", args, uid=False)
    return [
        _listed(flags, delimiter, name)
        for flags, delimiter, name in imap.parse_folder_list(client, data)
    ]


def _listed(flags, delimiter, name: str) -> Folder:
    """A folder as one LIST answer describes it, without counts."""
    flags = frozenset(to_text(flag) for flag in flags)
    return Folder(
        name=name,
        delimiter=to_text(delimiter) or None,
        special_use=_special_use(name, flags),
        flags=flags,
        total=None,
        unread=None,
    )


def _hierarchy_delimiter(client) -> str | None:
    # LIST "" "" answers with the delimiter of the root (RFC 3501, 6.3.8).
    listed = client.list_folders("", "")
    return (to_text(listed[0][1]) or None) if listed else None


def _subscriptions(client, folder: Folder) -> list[str]:
    """The subscribed names among `folder` and its subfolders."""
    prefix = folder.name + (folder.delimiter or "")
    return [
        name
        for _flags, _delimiter, name in client.list_sub_folders("", folder.name + "*")
        if name == folder.name or (folder.delimiter and name.startswith(prefix))
    ]


def _leave_selected(client, folder: Folder, *, deleting: bool) -> None:
    """Unselect `folder` (or a subfolder of it) if this connection has it selected.

    Dovecot drops a connection whose selected folder it deletes; and a pooled connection
    must not go on believing it has a folder selected under a name that is gone.
    """
    selected = getattr(client, "selected_folder", None)
    if selected is None:
        return
    prefix = folder.name + (folder.delimiter or "\0")
    if selected.name != folder.name and not selected.name.startswith(prefix):
        return
    if client.has_capability("UNSELECT"):
        client.unselect_folder()
    elif deleting:
        client.close_folder()  # CLOSE also expunges, which does not matter for a folder going
    else:
        _forget_selection(client)


def _change(client, command: str, *names: str) -> None:
    """CREATE, RENAME or DELETE, telling "exists already" and "does not exist" (RFC 5530
    response codes) apart from other refusals."""
    try:
        getattr(client, f"{command}_folder")(*names)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as error:
        host = getattr(client, "host", "")
        if "[ALREADYEXISTS]" in str(error):
            raise FolderChangeRefusedError(
                f'a folder named "{names[-1]}" already exists',
                "exists",
                names[-1],
                host=host,
                detail=str(error),
            ) from error
        if "[CANNOT]" in str(error) and command in ("create", "rename"):
            # Dovecot's Maildir++ takes no "." in a name, nor a "~" at its start.
            raise FolderChangeRefusedError(
                f'the server does not accept the folder name "{names[-1]}"',
                "name_refused",
                names[-1],
                host=host,
                detail=str(error),
            ) from error
        if "[NONEXISTENT]" in str(error):
            raise FolderNotFoundError(
                f'the folder "{names[0]}" does not exist', host=host, detail=str(error)
            ) from error
        raise


def _unsubscribe_quietly(client, name: str) -> None:
    try:
        client.unsubscribe_folder(name)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error:
        return  # not subscribed: just as well


def _forget_selection(client) -> None:
    if getattr(client, "selected_folder", None) is not None:
        client.selected_folder = None


# -- polling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FolderState:
    """What the browser compares between two polls to notice changes cheaply.

    Another `uidvalidity` means the folder was recreated and every UID the browser holds
    is void; `uidnext` grows with new mail, `total` and `unread` follow any change of
    count, and `highestmodseq` (servers with CONDSTORE only) grows with every change at
    all, flags included.
    """

    uidvalidity: int
    total: int
    unread: int
    uidnext: int
    highestmodseq: int | None


def folder_state(client: imapclient.IMAPClient, folder: str) -> FolderState:
    """The state of `folder` from one STATUS command.

    STATUS on the folder the connection has selected is allowed (RFC 9051), but servers
    may answer it from the connection's own, older view; Dovecot does, and after another
    program deleted and recreated the folder it even reports the old UIDVALIDITY (its
    NOOP then fails with an internal error, and the connection dies soon after). So such
    a connection leaves the folder first (UNSELECT, which expunges nothing): one command
    more here, and a SELECT instead of a NOOP for the next page on this connection. A
    server without UNSELECT gets a NOOP first, which brings the view up to date where the
    folder was not recreated.
    """
    imap.check_folder_name(folder, "folder name")
    items = ["MESSAGES", "UNSEEN", "UIDNEXT", "UIDVALIDITY"]
    if client.has_capability("CONDSTORE"):
        items.append("HIGHESTMODSEQ")
    with imap.translate_errors(client):
        selected = getattr(client, "selected_folder", None)
        if selected is not None and selected.name != folder:
            selected = None
        if selected is not None and client.has_capability("UNSELECT"):
            client.unselect_folder()
            selected = None
        elif selected is not None:
            client.noop()
        try:
            values = client.folder_status(folder, items)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as error:
            # Dovecot says "Mailbox doesn't exist" without RFC 5530's [NONEXISTENT].
            if not any(item.name == folder for item in _list(client, folder)):
                raise FolderNotFoundError(
                    f'the folder "{folder}" does not exist',
                    host=getattr(client, "host", ""),
                    detail=str(error),
                ) from error
            raise
        state = FolderState(
            uidvalidity=values.get(b"UIDVALIDITY", 0),
            total=values.get(b"MESSAGES", 0),
            unread=values.get(b"UNSEEN", 0),
            uidnext=values.get(b"UIDNEXT", 0),
            # 0: the folder keeps no modification sequences (RFC 7162, 3.1.2.1).
            highestmodseq=values.get(b"HIGHESTMODSEQ") or None,
        )
        if selected is not None and state.uidvalidity != selected.uidvalidity:
            _forget_selection(client)
    return state
