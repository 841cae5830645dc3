"""The search box's query language (services/search_query.py) with the user's date format
and errors in the user's language. The server searches; nothing is filtered in Odoo."""

import datetime

from odoo.exceptions import UserError

from ..services import exceptions as mail_errors
from ..services import limits, messages, search_query, team

# The fields of the list's search as the browser sends them; `text` is the search box.
SEARCH_KEYS = {"text", "from_", "to", "subject", "unseen", "flagged"}
# The fields below the box whose text goes to the server as typed.
TEXT_FIELDS = ("from_", "to", "subject")


class SearchQueryError(UserError):
    """The search box holds what the query language does not understand: the client shows
    the message under the box (it knows this error by name)."""


def message_search(env, search):
    """The list's search (a dict from the browser) as the services take it: the box's
    text parsed as a query, the fields below it as they are. What of the fields may not go
    to the server (a line break, an overlong text) is refused here as in the box, so that
    it is said under the box in the user's language."""
    if search and not isinstance(search, dict):
        raise SearchQueryError(env._("The search must be text."))
    values = {key: value for key, value in (search or {}).items() if key in SEARCH_KEYS}
    text = values.pop("text", "") or ""
    if any(values.get(key) is not None and not isinstance(values[key], str) for key in TEXT_FIELDS):
        raise SearchQueryError(env._("The search must be text."))
    found = messages.MessageSearch(**values, query=query_criteria(env, text))
    try:
        messages.search_criteria(found)
    except mail_errors.InvalidInputError as error:
        raise SearchQueryError(_unsendable_text(env)) from error
    return found


def query_criteria(env, text):
    """The IMAP SEARCH keys of the query `text`, dates read in the user's language's
    format; SearchQueryError with a message for the user if it cannot be read."""
    if not isinstance(text, str):
        raise SearchQueryError(env._("The search must be text."))
    try:
        return search_query.parse_query(
            text, date_formats(env), team.assignee_keyword(env.user.login, env.user.id)
        )
    except search_query.SearchQueryError as error:
        raise SearchQueryError(_query_error_text(env, error)) from error
    except mail_errors.InvalidInputError as error:
        raise SearchQueryError(_unsendable_text(env)) from error


def _unsendable_text(env):
    return env._(
        "The search cannot contain line breaks and may be at most %(max)s characters long.",
        max=limits.MAX_SEARCH_LENGTH,
    )


def date_formats(env):
    """strptime formats of a day in the user's language (its own, and with a two-digit
    year); ISO dates are understood anyway."""
    lang = env["res.lang"]._lang_get(env.lang or "en_US")
    date_format = lang.date_format if lang else "%m/%d/%Y"
    return (date_format, date_format.replace("%Y", "%y"))


def _query_error_text(env, error):
    _ = env._
    term = error.term
    if error.kind == "unknown_operator":
        return _(
            "Unknown search operator “%(operator)s”. Use from:, to:, cc:, subject:, "
            "has:attachment, is:unread, is:read, is:flagged, is:answered, before:, after:, "
            "larger: or smaller:. To search for the text itself, put it in quotes.",
            operator=term,
        )
    if error.kind == "unknown_value":
        return _(
            "“%(term)s” is not understood. Use has:attachment, is:unread, is:read, "
            "is:flagged, is:answered, or for a group mailbox's team is:mine, is:open, "
            "is:waiting or is:done.",
            term=term,
        )
    if error.kind == "dangling_or":
        return _(
            "“%(term)s” needs a search term on each side, for example from:anna OR from:bert.",
            term=term,
        )
    if error.kind == "missing_value":
        return _("“%(term)s” needs a value after the colon, for example from:anna.", term=term)
    if error.kind == "bad_date":
        today = datetime.date.today()
        return _(
            "“%(term)s” is not a date. Write it as %(example)s or %(iso)s.",
            term=term,
            example=today.strftime(date_formats(env)[0]),
            iso=today.isoformat(),
        )
    return _(
        "“%(term)s” is not a size. Write it in bytes or with k or M, for example "
        "larger:500k or smaller:2M.",
        term=term,
    )
