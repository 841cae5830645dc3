"""The mailbox: folders, pages of messages, a message for the reading pane, flags, moves
and deletes, and the streams the download routes serve. Live on the server: nothing is
stored in Odoo."""

import dataclasses
import datetime
import hashlib
import threading
import time
from collections import OrderedDict

from markupsafe import Markup
from werkzeug.urls import url_encode

from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..services import actions, folders, html, messages, reading, snoozing
from ..services import exceptions as mail_errors
from ..services.addresses import format_address
from ..services.refs import MessageRef
from .base import Role, closing_chunks, jsonable
from .query import message_search

# The account's options that name a folder: renamed in the client, they follow it; deleted,
# they are emptied (the server's own folder of the kind is used again).
FOLDER_OPTIONS = ("sent_folder", "drafts_folder", "team_archive_folder")
# The records that keep a folder of the account by its name (their field `folder`).
FOLDER_RECORDS = (
    "dynaoffice.mail.snooze",
    "dynaoffice.mail.message",
    "dynaoffice.mail.saved.search",
)
# Attachments the browser may show itself (the preview); everything else is downloaded.
PREVIEW_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "application/pdf",
}
# The sanitised body becomes a document of its own in the reading pane's sandboxed frame.
BODY_DOCUMENT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<style>body{{margin:0;padding:12px;font-family:system-ui,sans-serif;font-size:14px;\
overflow-wrap:anywhere}}img{{max-width:100%;height:auto}}</style>
</head><body>{body}</body></html>"""
# The print view: the message as a page of its own, headers and body, no Odoo around it.
# No script runs in it (see the print route's policy): the user prints with the browser.
PRINT_DOCUMENT = Markup("""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>{subject}</title>
<style>body{{margin:0 auto;max-width:60em;padding:16px;font-family:system-ui,sans-serif;\
font-size:14px;overflow-wrap:anywhere}}img{{max-width:100%;height:auto}}\
h1{{font-size:20px;margin:0 0 12px}}table.headers{{border-collapse:collapse;margin-bottom:12px}}\
table.headers th{{text-align:left;padding:2px 12px 2px 0;vertical-align:top;color:#555}}\
.body{{border-top:1px solid #ccc;padding-top:12px}}pre{{white-space:pre-wrap;font:inherit}}\
.attachments{{border-top:1px solid #ccc;margin-top:12px;padding-top:8px}}\
.hint{{color:#555;font-size:12px}}@media print{{.hint{{display:none}}body{{padding:0}}}}</style>
</head><body><p class="hint">{hint}</p><h1>{subject}</h1>
<table class="headers">{headers}</table>
<div class="body">{body}</div>{attachments}</body></html>""")


class Mailbox(Role):
    """Folders and messages of one account, as the mail client shows and changes them."""

    # -- folders ------------------------------------------------------------------------

    def folders(self):
        """The folder tree with unread and total counts, special folders first."""
        return [
            dict(jsonable(folder), selectable=folder.selectable, path=list(folder.path))
            for folder in self.run(folders.list_folders, safe=True)
        ]

    def folder_state(self, folder):
        """Cheap state of a folder (one STATUS): the client polls it to notice changes."""
        return jsonable(self.run(lambda client: folders.folder_state(client, folder), safe=True))

    def inbox_unread(self):
        """Unread messages in the Inbox (one STATUS), for the account switcher."""
        state = self.run(lambda client: folders.folder_state(client, "INBOX"), safe=True)
        return state.unread

    def create_folder(self, name):
        """Create a folder; `name` is the full path (parent, delimiter, new name)."""
        self.run(lambda client: folders.create_folder(client, name), safe=False)

    def rename_folder(self, folder, new_name):
        """Rename or move a folder with its subfolders; the account's options that name it
        or one of them (FOLDER_OPTIONS) name it as it is called now, and so do the records
        that keep a folder of this account (FOLDER_RECORDS): snoozed mail comes back to it,
        team notes and assignments stay with their mail, saved searches search it."""
        self._check_no_snoozed_mail(folder, rename=True)
        delimiter = self.run(
            lambda client: folders.rename_folder(client, folder, new_name), safe=False
        )
        values = {}
        for field in FOLDER_OPTIONS:
            renamed = _renamed(self.account[field], folder, new_name, delimiter)
            if renamed:
                values[field] = renamed
        self._write_folder_options(values)
        self._records_follow(folder, new_name, delimiter)

    def delete_folder(self, folder):
        """Delete a folder and the mail in it, on the server. An option of the account that
        named it is emptied: the server's own folder of that kind is used again; so is the
        folder of the saved searches of it: they search the whole mailbox."""
        self._check_no_snoozed_mail(folder, rename=False)
        self.run(lambda client: folders.delete_folder(client, folder), safe=False)
        self._write_folder_options(
            {field: False for field in FOLDER_OPTIONS if self.account[field] == folder}
        )
        # sudo: a member's delete concerns the saved searches of every user of this
        # mailbox, which each user alone may change; the folder was deleted on the server
        # just now, for an account the user may use (the role's access check). Kept, they
        # would open a folder that is gone.
        self.env["dynaoffice.mail.saved.search"].sudo().search(
            [("account_id", "=", self.account.id), ("folder", "=", folder)]
        ).write({"folder": False})

    def _records_follow(self, folder, new_name, delimiter):
        """The records of FOLDER_RECORDS that name `folder` or a subfolder of it name it as
        it is called after the rename to `new_name`."""
        within = [("folder", "=", folder)]
        if delimiter:
            prefix = folder + delimiter
            for char in "\\%_":
                prefix = prefix.replace(char, "\\" + char)
            within = ["|", *within, ("folder", "=like", prefix + "%")]
        for model in FOLDER_RECORDS:
            # sudo: users only read snoozes and handles, and a member's rename concerns the
            # saved searches of every user of this mailbox; the folder was renamed on the
            # server just now, for an account the user may use (the role's access check).
            Records = self.env[model].sudo()
            records = Records.search([("account_id", "=", self.account.id), *within])
            renamed = {
                record: _renamed(record.folder, folder, new_name, delimiter) for record in records
            }
            taken = set()
            if "uid" in Records._fields:
                # A handle already made under the new name (another program renamed the
                # folder there and back) keeps its place, one per message: the one left
                # is found again by its Message-ID when used.
                others = Records.search(
                    [
                        ("account_id", "=", self.account.id),
                        ("folder", "in", list(set(renamed.values()))),
                    ]
                )
                taken = {(other.folder, other.uidvalidity, other.uid) for other in others}
            following = {}
            for record, name in renamed.items():
                if (
                    "uid" not in Records._fields
                    or (name, record.uidvalidity, record.uid) not in taken
                ):
                    following.setdefault(name, []).append(record.id)
            for name, ids in following.items():
                Records.browse(ids).write({"folder": name})  # one UPDATE per new name

    def _check_no_snoozed_mail(self, folder, rename):
        """Refuse renaming or deleting "Snoozed" while mail waits there to come back: the
        snoozes find their mail in that folder by its name, and would drop it unfound (or
        it would be deleted with the folder) instead of bringing it back at its time."""
        if folder != snoozing.SNOOZED_FOLDER:
            return
        # sudo: users only read the snoozes of their own mailboxes; this counts those of
        # the mailbox the user may use (the role's access check), whoever snoozed them.
        waiting = (
            self.env["dynaoffice.mail.snooze"]
            .sudo()
            .search_count([("account_id", "=", self.account.id)], limit=1)
        )
        if not waiting:
            return
        if rename:
            reason = self.env._(
                "“Snoozed” holds snoozed mail and cannot be renamed until it has come back "
                "(or you unsnooze it)."
            )
        else:
            reason = self.env._(
                "“Snoozed” holds snoozed mail and cannot be deleted until it has come back "
                "(or you unsnooze it)."
            )
        raise UserError(
            self.env._("Mailbox %(account)s: %(reason)s", account=self.account.name, reason=reason)
        )

    def _write_folder_options(self, values):
        if values:
            # sudo: a member of a group mailbox uses it (the access check that built this
            # role) without managing its options; the folder they name was changed on the
            # server just now, and options naming a folder that is gone would fail every
            # later send (its Sent copy), draft or archiving.
            self.account.sudo().write(values)

    def trash_folder(self, client):
        """The account's Trash on the connected `client` (flagged, else by its usual
        name), or None."""
        return folders.special_folder(client, "\\Trash")

    # -- pages and messages -------------------------------------------------------------

    def page(
        self, folder, sort="date", reverse=True, offset=0, limit=50, search=None, extra_criteria=()
    ):
        """One page of a folder's message list, sorted and searched by the server; each
        message names itself with its `ref`. `extra_criteria` are SEARCH keys the caller
        adds to the user's search (a team view's keywords, roles/team.py)."""
        criteria = message_search(self.env, search)
        if extra_criteria:
            criteria = dataclasses.replace(criteria, query=criteria.query + tuple(extra_criteria))
        page = self.run(
            lambda client: messages.page_messages(
                client,
                folder,
                sort=sort,
                reverse=bool(reverse),
                offset=int(offset),
                limit=int(limit),
                search=criteria,
            ),
            safe=True,
        )
        result = jsonable(page)
        for row in result.get("messages", ()):
            row["ref"] = {
                "account": self.account.id,
                "folder": folder,
                "uidvalidity": page.uidvalidity,
                "uid": row["uid"],
            }
        return result

    def matching_uids(self, folder, search=None, extra_criteria=()):
        """{uidvalidity, uids}: every message of `folder` that matches `search` (the page's
        search), for "select all in this folder"; the actions take them in batches.
        `extra_criteria` as for `page` (a team view's keywords)."""
        criteria = message_search(self.env, search)
        if extra_criteria:
            criteria = dataclasses.replace(criteria, query=criteria.query + tuple(extra_criteria))
        uidvalidity, uids = self.run(
            lambda client: messages.matching_uids(client, folder, criteria), safe=True
        )
        return {"uidvalidity": uidvalidity, "uids": uids}

    def message(self, ref, part=None):
        """A message for the reading pane; opening it marks it read, as other clients do.
        With `part`, the message attached to it as that part (forwarded as attachment),
        which opening does not mark.

        The HTML body is not in the answer: the reading pane loads it from `body_url` into a
        sandboxed frame, served with a Content-Security-Policy that blocks scripts and, until
        the user allows it (for this message, or always for its sender), remote images.
        """
        view = self.message_view(ref, mark_seen=part is None, part=part)
        nested = {"part": part} if part else {}
        trusted = self._trusts_sender(view)
        has_remote = False
        if view.html:
            has_remote = self._sanitized_body(view, ref, allow_remote=False).has_remote_content
        attachments = []
        for attachment in view.attachments:
            url = self.url("part", ref, part=attachment.part_number)
            # image/jpg from older mailers too: the part route serves it as image/jpeg.
            previewable = reading.standard_type(attachment.mime_type) in PREVIEW_TYPES
            attachments.append(
                {
                    "part": attachment.part_number,
                    "filename": attachment.filename,
                    "mime_type": attachment.mime_type,
                    "size": attachment.size,
                    "inline": attachment.inline,
                    "is_message": _is_message(attachment),
                    "download_url": f"{url}&download=1",
                    "preview_url": url if previewable else None,
                }
            )
        result = jsonable(view)
        for key in ("html", "cid_parts", "attachments"):
            result.pop(key, None)
        if part:
            source_url = self.url("part", ref, part=part, download=1)
        else:
            source_url = self.url("source", ref)
        result.update(
            ref=ref.json(),
            part=part or False,
            seen=view.seen if part else True,
            body_url=self.url("body", ref, **nested) if view.html else None,
            has_remote_content=has_remote,
            remote_trusted=trusted,
            sender_address=_sole_sender(view),
            attachments=attachments,
            source_url=source_url,
            print_url=self.url("print", ref, **nested),
        )
        return result

    def message_view(self, ref, mark_seen=False, part=None):
        """The message as the reading pane shows it (services.reading.MessageView), from a
        small per-process cache; with `part`, the message attached to it as that part.

        A UID names the same message for as long as the folder keeps its UIDVALIDITY (RFC
        3501), so what the server sent for a MessageRef stays right; the key also holds the
        connection settings, so a changed account never sees old entries. The reading pane
        asks for the body right after the message itself: the cache spares that second trip
        to the server, nothing more.
        """
        account = self.account
        key = (account._pool_key(), _fingerprint(account._imap_settings()), ref, part)
        view = _MESSAGE_CACHE.get(key)
        if view is None or mark_seen:

            def read(client):
                if part:
                    return reading.read_attached_message(
                        client, ref.folder, ref.uidvalidity, ref.uid, part
                    )
                # Marking as read sets \Seen, which done twice is done once: like a plain
                # read, this may be tried again on a fresh connection when the pooled one
                # turns out to be dead (Dovecot ends a session whose selected folder another
                # program deleted; the fresh one then tells that the folder was renumbered).
                return reading.read_message(
                    client, ref.folder, ref.uidvalidity, ref.uid, mark_seen=mark_seen
                )

            view = self.run_in_folder(ref, read, safe=True)
            _MESSAGE_CACHE.put(key, view)
        return view

    def read_source(self, ref, max_bytes=None):
        """The whole message as the server has it (bytes); with `max_bytes`, None when it is
        larger (nothing beyond the size is read)."""
        if max_bytes is None:
            _size, chunks = self.open_stream("source", ref)
            return b"".join(chunks)
        return self.run(
            lambda client: reading.read_source(
                client, ref.folder, ref.uidvalidity, ref.uid, max_bytes=max_bytes
            ),
            safe=True,
        )

    def read_attachments(self, ref, part_numbers, max_bytes):
        """{part number: decoded content} of the parts of message `ref`, together at most
        `max_bytes`: a part beyond it is None (services.reading.read_attachments)."""
        return self.run(
            lambda client: reading.read_attachments(
                client, ref.folder, ref.uidvalidity, ref.uid, part_numbers, max_bytes=max_bytes
            ),
            safe=True,
        )

    def body_document(self, ref, allow_remote, part=None):
        """The sanitised HTML body as a small document of its own, for the sandboxed frame,
        and whether it shows remote content: asked for (`allow_remote`, the bar's "Show
        remote content" for this message) or always for its sender (see `_trusts_sender`).
        """
        view = self.message_view(ref, part=part)
        allow_remote = allow_remote or self._trusts_sender(view)
        body = self._sanitized_body(view, ref, allow_remote=allow_remote).html
        return BODY_DOCUMENT.format(body=body), allow_remote

    def print_document(self, ref, allow_remote, part=None):
        """The message as a page to print: subject, sender, recipients, date (in the user's
        time zone and language), the sanitised body and the attachments' names. Every value
        from the message is escaped; the body is the reading pane's sanitised one, with
        remote content as there; answers the page and whether it shows remote content."""
        env = self.env
        view = self.message_view(ref, part=part)
        allow_remote = allow_remote or self._trusts_sender(view)
        subject = view.subject or env._("(no subject)")
        rows = [
            (env._("From"), view.from_),
            (env._("To"), view.to),
            (env._("Cc"), view.cc),
        ]
        headers = [
            Markup("<tr><th>{}</th><td>{}</td></tr>").format(
                label, ", ".join(format_address(address) for address in addresses)
            )
            for label, addresses in rows
            if addresses
        ]
        if view.date:
            headers.append(
                Markup("<tr><th>{}</th><td>{}</td></tr>").format(
                    env._("Date"), format_datetime(env, _naive_utc(view.date))
                )
            )
        if view.html:
            body = Markup(self._sanitized_body(view, ref, allow_remote=allow_remote).html)
        elif view.error and view.raw_source:
            # As the reading pane shows it: what is wrong, and the source to read instead.
            body = Markup("<p><strong>{}</strong></p><h2>{}</h2><pre>{}</pre>").format(
                env._("This message is malformed and cannot be shown as intended."),
                env._("Message source"),
                view.raw_source,
            )
        else:
            body = Markup("<pre>{}</pre>").format(view.text or "")
        names = [each.filename for each in view.attachments if not (each.inline and view.html)]
        attachments = Markup("")
        if names:
            attachments = Markup('<div class="attachments"><strong>{}</strong><ul>{}</ul></div>')
            attachments = attachments.format(
                env._("Attachments"),
                Markup("").join(Markup("<li>{}</li>").format(name) for name in names),
            )
        page = PRINT_DOCUMENT.format(
            lang=(env.lang or "en_US").replace("_", "-"),
            subject=subject,
            hint=env._("Print with your browser (Ctrl+P)."),
            headers=Markup("").join(headers),
            body=body,
            attachments=attachments,
        )
        return page, allow_remote

    def open_stream(self, kind, ref, part=None, picture=False):
        """(head, chunks) of a part or of the whole source, read from the server as the
        browser takes it. The chunks hold a pooled connection until they are consumed or
        closed; they never touch the ORM (the request's cursor is gone by then). With
        `picture`, a part without a type of its own is told a picture by its first bytes."""
        client, session = self.open_session()
        try:
            if kind == "part":
                head, chunks = reading.stream_part(
                    client, ref.folder, ref.uidvalidity, ref.uid, part, picture=picture
                )
            else:
                head, chunks = reading.stream_source(client, ref.folder, ref.uidvalidity, ref.uid)
        except mail_errors.MailServiceError as error:
            session.__exit__(type(error), error, error.__traceback__)
            raise self.user_error(error) from error
        except BaseException as error:
            session.__exit__(type(error), error, error.__traceback__)
            raise
        return head, closing_chunks(chunks, session)

    def url(self, kind, ref, **extra):
        """The download route of `kind` (body, part, source, print) for the message `ref`."""
        return f"/dynaoffice_mail/{kind}/{ref.account}?{url_encode(dict(ref.query(), **extra))}"

    def _trusts_sender(self, view):
        """Whether the user always shows remote content of mail from this message's sender
        (the user's own list, dynaoffice.mail.trusted.sender). By the From address, as other
        mail programs do: a forged From is trusted too, which shows a forger's images and
        nothing more (scripts never run). A From naming several senders is trusted for none.
        """
        address = _sole_sender(view)
        return bool(address) and self.env["dynaoffice.mail.trusted.sender"]._is_trusted(address)

    def _sanitized_body(self, view, ref, allow_remote):
        # In any case, as reading.py tells the body's images from attachments: an image
        # kept out of the attachments because the body shows it must be shown there.
        by_lower = {content_id.lower(): part for content_id, part in view.cid_parts.items()}

        def cid_url(content_id):
            part = view.cid_parts.get(content_id) or by_lower.get(content_id.lower())
            return self.url("part", ref, part=part) if part else None

        return html.sanitize_html(view.html or "", cid_url=cid_url, allow_remote=allow_remote)

    # -- changes: flags, moves, deletes -------------------------------------------------

    def set_flag(self, refs, flag, value, skip_gone=False):
        """Mark messages of one folder read/unread or flagged/unflagged on the server. With
        `skip_gone` ("Select all" batches), answers {gone}: how many of them another window
        or mail program had moved or deleted first, as `_gone_answer` does for a move."""
        first = refs[0]
        report = self.run_in_folder(
            first,
            lambda client: actions.set_flag(
                client,
                first.folder,
                first.uidvalidity,
                _uids(refs),
                flag,
                bool(value),
                report=skip_gone,
            ),
            safe=False,
        )
        if skip_gone:
            return {"gone": len(report.gone)}
        return None

    def move(self, refs, target, skip_gone=False):
        """Move messages of one folder to `target`; returns where they are now (the refs
        "Undo" moves back, see `_moved_refs`). With `skip_gone`, see `_gone_answer`."""
        first = refs[0]
        report = self.run_in_folder(
            first,
            lambda client: actions.move(
                client, first.folder, first.uidvalidity, _uids(refs), target
            ),
            safe=False,
        )
        if skip_gone:
            return self._gone_answer(report, target)
        self._check_all_done(report)
        return self._moved_refs(report, target)

    def delete(self, refs, skip_gone=False):
        """Delete as the account's option says (Trash, mark as deleted, or at once); returns
        where the messages are now when they went to the Trash, else [] (nothing to undo).
        With `skip_gone`, see `_gone_answer`."""
        first = refs[0]
        mode = self.account.delete_mode

        def delete(client):
            trash = self.trash_folder(client)
            uids = _uids(refs)
            return actions.delete(client, first.folder, first.uidvalidity, uids, mode, trash), trash

        report, trash = self.run_in_folder(first, delete, safe=False)
        if skip_gone:
            return self._gone_answer(report, trash)
        self._check_all_done(report)
        return self._moved_refs(report, trash)

    def mark_folder_read(self, folder):
        """Mark every unread message of `folder` read; returns how many were marked."""
        with self.held_for_change(folder):
            return self.run(
                lambda client: actions.mark_folder_read(client, folder), safe=False, folder=folder
            )

    def empty_trash(self):
        """Remove everything in Trash; returns how many messages were removed.

        Held like every change to the Trash's messages (run_in_folder): an Undo moving mail
        back out of it, or an Empty Trash of another tab or member, finishes first, so the
        mail coming back is neither removed nor brought back marked as deleted.
        """
        trash = self.run(self.trash_folder, safe=True)
        if not trash:
            raise UserError(
                self.env._("%(account)s has no Trash folder.", account=self.account.name)
            )
        with self.held_for_change(trash):
            return self.run(
                lambda client: actions.empty_folder(client, trash), safe=False, folder=trash
            )

    def _moved_refs(self, report, target):
        """The moved messages in `target` (MessageRef JSON), as the server's COPYUID named
        them: moving these back to where they came from is "Undo". [] where the server
        does not say (no UIDPLUS) and after a delete that left nothing to move back."""
        if not report.target_uidvalidity or not target:
            return []
        return [
            MessageRef(self.account.id, target, report.target_uidvalidity, uid).json()
            for uid in sorted(report.target_uids)
        ]

    def _gone_answer(self, report, target):
        """A batch of "Select all": {refs, gone}, the moved messages' refs (`_moved_refs`)
        and how many of the batch another window or mail program had moved or deleted
        first. Not an error: the others were done, and the client goes on with the next
        batch and tells the user both counts."""
        return {"refs": self._moved_refs(report, target), "gone": len(report.gone)}

    def _check_all_done(self, report):
        """Tell the user when a move or delete found messages gone (actions.ChangeReport):
        another window or mail program moved or deleted them first. Never "done" for those."""
        if not report.gone:
            return
        _ = self.env._
        total = len(report.gone) + len(report.done)
        if report.done:
            reason = _(
                "%(gone)s of the %(total)s messages were already moved or deleted (in another "
                "window or by another mail program); the others were moved or deleted as asked. "
                "Reload the list.",
                gone=len(report.gone),
                total=total,
            )
        elif total > 1:
            reason = _(
                "the messages were already moved or deleted (in another window or by another "
                "mail program). Reload the list."
            )
        else:
            reason = _(
                "the message was already moved or deleted (in another window or by another "
                "mail program). Reload the list."
            )
        raise UserError(
            _("Mailbox %(account)s: %(reason)s", account=self.account.name, reason=reason)
        )


def _renamed(name, folder, new_name, delimiter):
    """`name` as it is called after `folder` was renamed to `new_name` (a subfolder moves
    with it); None where the rename does not touch it."""
    if not name:
        return None
    if name == folder:
        return new_name
    if delimiter and name.startswith(folder + delimiter):
        return new_name + name[len(folder) :]
    return None


def _naive_utc(moment):
    """format_datetime takes naive UTC; a Date header without a zone counts as UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _sole_sender(view):
    """The one address in From, in lower case; "" for none or several."""
    if len(view.from_) != 1:
        return ""
    return (view.from_[0].address or "").strip().lower()


def _is_message(attachment):
    """An attached mail the reading pane opens like a message: message/rfc822, or a file
    named .eml (sent as application/octet-stream by some programs)."""
    return attachment.mime_type in ("message/rfc822", "message/global") or (
        attachment.filename or ""
    ).lower().endswith(".eml")


def _uids(refs):
    return [ref.uid for ref in refs]


def _fingerprint(settings):
    """A digest of the connection settings (password included, never kept in clear)."""
    return hashlib.sha256(repr(dataclasses.astuple(settings)).encode()).hexdigest()


class _MessageCache:
    """A few recently read messages per process (see `Mailbox.message_view` for why it is right)."""

    def __init__(self, size=32, ttl=120.0):
        self._size, self._ttl = size, ttl
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or time.monotonic() - entry[0] > self._ttl:
                self._entries.pop(key, None)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, value):
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_MESSAGE_CACHE = _MessageCache()
