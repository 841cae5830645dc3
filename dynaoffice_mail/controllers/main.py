"""Download routes of the mail client: they check access (in the model) and stream.

Nothing here reads mail itself. The model checks that the user may use the account and
opens the stream; the bytes then go from the IMAP server to the browser chunk by chunk.
"""

import urllib.parse

from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import content_disposition, request

from ..services import mime, names, reading
from ..services.exceptions import InvalidInputError
from ..services.refs import MessageRef, parse_part

# The mail's own HTML may style itself and show images from this server (cid: parts) and,
# once the user allowed it, remote images; nothing else loads, nothing runs, even when the
# URL is opened outside the reading pane (the sandbox directive applies then too).
BODY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:{remote}; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; "
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
)
# The print view is a top-level page: the mail's styles and images as in the reading pane,
# still nothing runs (the user prints with the browser's own command).
PRINT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:{remote}; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
)
# Parts are shown inline only when the browser cannot run anything in them; PDF keeps
# the browser's viewer (which a sandboxed document would not get), images get a sandbox.
INLINE_TYPES = {
    "image/png": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "image/jpeg": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "image/gif": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "image/webp": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "image/bmp": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "application/pdf": "default-src 'none'; object-src 'self'; frame-ancestors 'self'",
}


class MailClientController(http.Controller):
    @http.route("/dynaoffice_mail/message/<int:handle_id>", type="http", auth="user")
    def open_message(self, handle_id, **_kwargs):
        """A link to a message of a mailbox (from a chatter entry, to the team's notes on
        it): the mail client on it, where it is now. Who may not use the mailbox finds
        nothing; a message gone from the server opens its mailbox."""
        handle = request.env["dynaoffice.mail.message"].browse(handle_id)
        try:
            handle.check_access("read")  # the record rules: own and own groups' mailboxes
            params = handle.action_open_in_client()["params"]
        except (AccessError, MissingError):
            raise NotFound() from None
        except UserError:
            return request.redirect(f"/odoo/mail?account={handle.account_id.id}")
        place = {
            "account": params["account_id"],
            "folder": params["folder"],
            "uidvalidity": params["uidvalidity"],
            "uid": params["uid"],
        }
        return request.redirect(f"/odoo/mail?{urllib.parse.urlencode(place)}")

    @http.route("/dynaoffice_mail/body/<int:account_id>", type="http", auth="user")
    def message_body(self, account_id, folder, uidvalidity, uid, part=None, remote=None, **_kwargs):
        """The sanitised HTML body, for the reading pane's sandboxed frame; with `part`, of
        the message attached as that part. Remote images with `remote=1` (allowed for this
        message) or when the user always shows them for the sender (decided here)."""
        mailbox = self._mailbox(account_id)
        ref = _message_ref(account_id, folder, uidvalidity, uid)
        part = _part(part) if part is not None else None
        document, allow_remote = self._call(
            lambda: mailbox.body_document(ref, remote == "1", part=part)
        )
        return _html_response(document, BODY_POLICY, allow_remote)

    @http.route("/dynaoffice_mail/print/<int:account_id>", type="http", auth="user")
    def message_print(
        self, account_id, folder, uidvalidity, uid, part=None, remote=None, **_kwargs
    ):
        """The message (with `part`: the message attached as that part) as a page to print,
        in a tab of its own; remote images as the body route shows them."""
        mailbox = self._mailbox(account_id)
        ref = _message_ref(account_id, folder, uidvalidity, uid)
        part = _part(part) if part is not None else None
        document, allow_remote = self._call(
            lambda: mailbox.print_document(ref, remote == "1", part=part)
        )
        return _html_response(document, PRINT_POLICY, allow_remote)

    @http.route("/dynaoffice_mail/part/<int:account_id>", type="http", auth="user")
    def message_part(self, account_id, folder, uidvalidity, uid, part, download=None, **_kw):
        """One attachment or inline image, streamed from the server in chunks."""
        part = _part(part)
        mailbox = self._mailbox(account_id)
        ref = _message_ref(account_id, folder, uidvalidity, uid)
        shown = download != "1"
        head, chunks = self._call(lambda: mailbox.open_stream("part", ref, part, picture=shown))
        mime_type = reading.standard_type((head.mime_type or "").lower())
        filename = names.safe_filename(head.filename, fallback=f"part-{part}")
        policy = INLINE_TYPES.get(mime_type)
        if policy is None and head.picture_type:
            # Typed application/octet-stream by its mailer, but a picture by its bytes
            # (never SVG or HTML): shown as that picture, as an HTML body's cid: links want.
            mime_type, policy = head.picture_type, INLINE_TYPES[head.picture_type]
        if download == "1" or policy is None:
            headers = [
                ("Content-Type", "application/octet-stream"),
                ("Content-Disposition", content_disposition(filename, "attachment")),
                ("Content-Security-Policy", "sandbox; default-src 'none'"),
            ]
        else:
            headers = [
                ("Content-Type", mime_type),
                ("Content-Disposition", content_disposition(filename, "inline")),
                ("Content-Security-Policy", policy),
            ]
        return self._stream(chunks, headers)

    @http.route("/dynaoffice_mail/source/<int:account_id>", type="http", auth="user")
    def message_source(self, account_id, folder, uidvalidity, uid, **_kwargs):
        """The original message as the server has it ("download original (.eml)"), named
        after its subject ("Angebot Müller.eml")."""
        mailbox = self._mailbox(account_id)
        ref = _message_ref(account_id, folder, uidvalidity, uid)
        # The subject from the reading pane's cache: the download starts from the opened
        # message, so this rarely asks the server.
        subject = self._call(lambda: mailbox.message_view(ref).subject)
        filename = names.eml_filename(subject or f"message-{ref.uid}")
        size, chunks = self._call(lambda: mailbox.open_stream("source", ref))
        headers = [
            ("Content-Type", "message/rfc822"),
            ("Content-Disposition", content_disposition(filename, "attachment")),
            ("Content-Security-Policy", "sandbox; default-src 'none'"),
        ]
        # No Content-Length from RFC822.SIZE: not every server counts it like BODY[].
        del size
        return self._stream(chunks, headers)

    @http.route(
        "/dynaoffice_mail/upload/<int:account_id>", type="http", auth="user", methods=["POST"]
    )
    def upload(self, account_id, ufile=None, **_kwargs):
        """Files for the composer, waiting as attachments of nothing until the mail is sent
        (see roles/composer.py)."""
        composer = self._role(account_id, "_composer")
        files = request.httprequest.files.getlist("ufile")
        if not files:
            raise BadRequest()
        uploads = composer.store_uploads(
            [
                mime.OutgoingAttachment(
                    filename=names.safe_filename(upload.filename, fallback="attachment"),
                    mime_type=upload.mimetype or "application/octet-stream",
                    data=upload.read(),
                )
                for upload in files
            ]
        )
        return request.make_json_response(uploads)

    # -- helpers ------------------------------------------------------------------------

    def _mailbox(self, account_id):
        return self._role(account_id, "_mailbox")

    def _role(self, account_id, factory):
        """The account's role (`_mailbox`, `_composer`), after the account's one access check
        (record rules: other users' accounts do not exist for this user; then owner or group
        member only)."""
        account = request.env["dynaoffice.mail.account"].browse(account_id)
        try:
            return getattr(account, factory)()
        except MissingError as error:
            raise NotFound() from error
        except AccessError as error:
            raise Forbidden() from error

    def _call(self, function):
        try:
            return function()
        except AccessError as error:
            raise Forbidden() from error
        except UserError as error:
            # The message is gone, the folder was renumbered, the server is down: the
            # user reads why in place of the attachment or body.
            raise NotFound(description=str(error)) from error

    def _stream(self, chunks, headers):
        response = request.make_response(chunks, headers=[*headers, *_private_headers()])
        response.direct_passthrough = True
        return response


def _message_ref(account_id, folder, uidvalidity, uid):
    try:
        return MessageRef.parse(account_id, folder, uidvalidity, uid)
    except InvalidInputError as error:
        raise BadRequest() from error


def _part(value):
    try:
        return parse_part(value)
    except InvalidInputError as error:
        raise BadRequest() from error


def _html_response(document, policy, allow_remote):
    """A page of our own making under `policy`, remote images only where allowed."""
    policy = policy.format(remote=" https: http:" if allow_remote else "")
    return request.make_response(
        document,
        headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", policy),
            *_private_headers(),
        ],
    )


def _private_headers():
    return [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "private, no-store"),
    ]
