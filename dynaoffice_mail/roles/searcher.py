"""The search box's query in every folder of one account or of all the accounts the user
may use (the "Everywhere" search); the server searches each folder."""

import logging

from odoo.exceptions import UserError

from ..services import exceptions as mail_errors
from ..services import folders, limits, messages
from .assigner import (
    MAX_SEARCH_FOLDERS,
    SKIPPED_FOLDERS,
    _folders_along,
    folder_matches_json,
    not_all_folders_searched,
)
from .query import SearchQueryError, query_criteria

_logger = logging.getLogger(__name__)

# The newest this many matches of each folder (the folder's count says how many more there
# are; opening the folder with the same search pages through them all).
EVERYWHERE_LIMIT = 20


def search_everywhere(env, query, account_id=None, limit=EVERYWHERE_LIMIT):
    """The query searched in every folder (Trash, Junk and Drafts left out, at most
    MAX_SEARCH_FOLDERS per account) of one account or of every account the user may use:
    per account and folder the number of matches and the newest `limit`, as the message
    list shows them (each with its `ref`), in the shape of the contact's mail search
    (assigner.search_partner_mail). An account that cannot be reached is reported in
    "errors", the others still answer; so is one of which not every folder was searched
    (beyond MAX_SEARCH_FOLDERS, or refused by the server), lest "nothing found" be said of
    folders that were not looked at."""
    criteria = query_criteria(env, query)
    if not criteria:
        raise SearchQueryError(env._("Type what to search for."))
    limit = max(1, min(int(limit), limits.MAX_PAGE_SIZE))
    Account = env["dynaoffice.mail.account"]
    if account_id:
        accounts = Account.browse(int(account_id))
        accounts._mailbox()  # the access check: raises for an account the user may not use
    else:
        accounts = Account.search([]).filtered("can_use")
    search = messages.MessageSearch(query=criteria)
    answer = {"results": [], "errors": []}
    for account in accounts:
        try:
            found, searched, total = account._mailbox().run(
                lambda client, name=account.name: _search_folders(client, name, search, limit),
                safe=True,
            )
        except UserError as error:
            answer["errors"].append(
                {"account_id": account.id, "account_name": account.name, "error": str(error)}
            )
            continue
        if searched < total:
            answer["errors"].append(not_all_folders_searched(env, account, searched, total))
        for folder, path_folders, page in found:
            answer["results"].append(folder_matches_json(account, folder, path_folders, page))
    return answer


def _search_folders(client, account_name, search, limit):
    """([(folder, its path's folders, MessagePage)] of the folders with matches, the number
    of folders searched, the number of folders to search); the page machinery of the list
    (server SORT, the summary cache) does the searching."""
    listed = folders.list_folders(client)
    names = [
        folder
        for folder in listed
        if folder.selectable and folder.special_use not in SKIPPED_FOLDERS and folder.total != 0
    ]
    found, searched = [], 0
    for folder in names[:MAX_SEARCH_FOLDERS]:
        try:
            page = messages.page_messages(
                client, folder.name, limit=limit, search=search, with_previews=False
            )
        except (mail_errors.ProtocolError, mail_errors.LimitExceededError) as error:
            _logger.info("Searching %s in %s failed: %s", folder.name, account_name, error)
            continue
        searched += 1
        if page.total:
            found.append((folder.name, _folders_along(listed, folder.name), page))
    return found, searched, len(names)
