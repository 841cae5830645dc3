"""The message list as conversations (services/threads.py), for a Mailbox role that has
passed the account's access check: a page of conversations, and the messages of one
conversation that an action on all of it takes."""

from ..services import threads
from .base import jsonable
from .query import message_search


def page(mailbox, folder, offset=0, limit=50, search=None):
    """One page of `folder`'s conversations, newest first, in the shape of Mailbox.page
    (so that selecting, flags, moves and deletes work on its `messages` as on a page of
    the flat list: every message of the page's conversations in this folder), and
    `conversations`: each one's `uids` in this folder, its `related` rows in another
    folder (with their own `ref`), and what its row shows: count, unread, flagged,
    participants, the latest subject and date."""
    criteria = message_search(mailbox.env, search)
    result = mailbox.run(
        lambda client: threads.page_conversations(
            client, folder, offset=int(offset), limit=int(limit), search=criteria
        ),
        safe=True,
    )
    account_id = mailbox.account.id
    rows, conversations = [], []
    for conversation in result.conversations:
        own = [_row(account_id, folder, result.uidvalidity, row) for row in conversation.messages]
        related = [
            _row(account_id, item.folder, item.uidvalidity, item.summary)
            for item in conversation.related
        ]
        rows += own
        conversations.append(_conversation(conversation, own, related))
    return {
        "total": result.total,
        "uidvalidity": result.uidvalidity,
        "offset": result.offset,
        "sort": "arrival",
        "reverse": True,
        "threaded_by": result.threaded_by,
        "messages": rows,
        "conversations": conversations,
    }


def conversation_uids(mailbox, ref, search=None):
    """{uidvalidity, uids}: the messages in its folder of the conversation of message `ref`
    (a MessageRef), for an action on all of it."""
    criteria = message_search(mailbox.env, search)
    uidvalidity, uids = mailbox.run(
        lambda client: threads.conversation_uids(
            client, ref.folder, ref.uid, uidvalidity=ref.uidvalidity, search=criteria
        ),
        safe=True,
    )
    return {"uidvalidity": uidvalidity, "uids": uids}


def _row(account_id, folder, uidvalidity, summary):
    row = jsonable(summary)
    row["ref"] = {
        "account": account_id,
        "folder": folder,
        "uidvalidity": uidvalidity,
        "uid": summary.uid,
    }
    return row


def _conversation(conversation, own, related):
    """What a conversation's row shows; its latest message is the newest by date of those
    read, here or in the related folder."""
    summaries = [*conversation.messages, *(item.summary for item in conversation.related)]
    rows = own + related
    ordered = sorted(range(len(rows)), key=lambda index: _moment(summaries[index]))
    latest = rows[ordered[-1]] if ordered else None
    participants, seen = [], set()
    for index in ordered:
        for address in rows[index]["from_"]:
            key = (address["address"] or address["name"]).lower()
            if key not in seen:
                seen.add(key)
                participants.append(address)
    return {
        "key": conversation.uids[-1],
        "uids": list(conversation.uids),
        "count": len(conversation.uids) + len(related),
        "unread": sum(1 for row in own if not row["seen"]),
        "flagged": any(row["flagged"] for row in own),
        "has_attachment": any(row["has_attachment"] for row in rows),
        "subject": latest["subject"] if latest else "",
        "date": (latest["date"] or latest["internal_date"]) if latest else False,
        "preview": latest["preview"] if latest else "",
        "participants": participants,
        "related": related,
    }


def _moment(summary):
    """When a message was written (its Date, else when the server received it), as a
    number that compares across time zones."""
    moment = summary.date or summary.internal_date
    return moment.timestamp() if moment else 0.0
