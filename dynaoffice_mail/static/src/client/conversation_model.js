import { parseMailDate } from "./mail_format";

/**
 * The list as conversations (#16): what the client model needs beyond the flat list.
 *
 * A page of conversations (`client_conversations`) has the flat page's shape: `messages`
 * holds every message of its conversations in the open folder, so that selecting, flags,
 * moves and deletes work on them as they do on the flat list; `conversations` groups
 * them: each one's `uids` in the folder (`key` is the newest), its `related` rows in
 * another folder (the user's answers in Sent), and what its row shows.
 */

/** The call that reads the model's current page: [method, args]. */
export function pageCall(model, accountId, folder) {
    if (model.teamView) {
        // A team view of the Inbox (#17): the server searches its keywords.
        return [
            "client_team_page",
            [
                [accountId],
                model.teamView,
                model.sort,
                model.reverse,
                model.offset,
                model.limit,
                model.search,
            ],
        ];
    }
    if (model.conversationMode) {
        return [
            "client_conversations",
            [[accountId], folder, model.offset, model.limit, model.search],
        ];
    }
    return [
        "client_page",
        [[accountId], folder, model.sort, model.reverse, model.offset, model.limit, model.search],
    ];
}

export function conversationByKey(page, key) {
    if (!page?.conversations || key === null || key === undefined) {
        return null;
    }
    return page.conversations.find((conversation) => conversation.key === key) || null;
}

/**
 * The key of the open conversation `key` on a new `page`: a conversation is named by its
 * newest message, so an answer that arrived names it anew; one that has gone is null.
 */
export function followConversation(page, key) {
    if (key === null || key === undefined) {
        return null;
    }
    return (conversationByKey(page, key) || conversationOfUid(page, key))?.key ?? null;
}

/** The conversation on the page that message `uid` of the open folder belongs to. */
export function conversationOfUid(page, uid) {
    return page?.conversations?.find((conversation) => conversation.uids.includes(uid)) || null;
}

/**
 * The messages of `conversation` in the order they were written, here and in the related
 * folder: [{ key, row, here }] (`here`: in the open folder, where the list's actions work
 * on it; `key` names it across folders). Rows the page has not read (a conversation of
 * more than the server's cap) are left out.
 */
export function conversationItems(page, conversation) {
    if (!conversation) {
        return [];
    }
    const rows = new Map((page?.messages || []).map((row) => [row.uid, row]));
    const items = conversation.uids
        .filter((uid) => rows.has(uid))
        .map((uid) => ({ row: rows.get(uid), here: true }));
    for (const row of conversation.related || []) {
        items.push({ row, here: false });
    }
    const moment = (row) => {
        const date = parseMailDate(row.date) || parseMailDate(row.internal_date);
        return date ? date.toMillis() : 0;
    };
    return items
        .map((item) => ({ ...item, key: itemKey(item.row), time: moment(item.row) }))
        .sort((a, b) => a.time - b.time || (a.here === b.here ? a.row.uid - b.row.uid : 0))
        .map(({ key, row, here }) => ({ key, row, here }));
}

export function itemKey(row) {
    const ref = row.ref || {};
    return `${ref.folder}/${ref.uidvalidity}/${row.uid}`;
}

/** What a conversation opens with: the unread messages and the last one expanded. */
export function initiallyExpanded(items) {
    const keys = new Set(items.filter((item) => !item.row.seen).map((item) => item.key));
    if (items.length) {
        keys.add(items[items.length - 1].key);
    }
    return keys;
}

/** Whether every message of `conversation` in the folder is checked. */
export function isConversationSelected(selection, conversation) {
    return conversation.uids.length > 0 && conversation.uids.every((uid) => selection.has(uid));
}

/**
 * Checks or unchecks the whole conversation (its messages in the open folder): the list's
 * actions then act on all of them.
 */
export function toggleConversationSelected(model, conversation) {
    const value = !isConversationSelected(model.selection, conversation);
    for (const uid of conversation.uids) {
        if (value) {
            model.selection.add(uid);
        } else {
            model.selection.delete(uid);
        }
    }
    model.allMatching = false;
    model.anchor = null;
    return value;
}
