import { describe, expect, test } from "@odoo/hoot";
import {
    conversationItems,
    conversationOfUid,
    followConversation,
    initiallyExpanded,
    isConversationSelected,
    pageCall,
    toggleConversationSelected,
} from "@dynaoffice_mail/client/conversation_model";

describe.current.tags("headless");

function row(uid, date, { seen = true, folder = "INBOX" } = {}) {
    return { uid, date, seen, ref: { account: 1, folder, uidvalidity: 7, uid } };
}

// A page of two conversations: [1, 4] with my answer from Sent between them, and [2].
function page() {
    return {
        total: 2,
        uidvalidity: 7,
        messages: [
            row(1, "2026-03-02T09:00:00+01:00"),
            row(2, "2026-03-03T09:00:00+00:00", { seen: false }),
            row(4, "2026-03-05T09:00:00+00:00", { seen: false }),
        ],
        conversations: [
            {
                key: 4,
                uids: [1, 4],
                related: [row(1, "2026-03-04T09:00:00+00:00", { folder: "Sent" })],
            },
            { key: 2, uids: [2], related: [] },
        ],
    };
}

test("a conversation's messages in the order they were written, across folders", () => {
    const current = page();
    const items = conversationItems(current, current.conversations[0]);
    expect(items.map((item) => [item.row.ref.folder, item.row.uid, item.here])).toEqual([
        ["INBOX", 1, true],
        ["Sent", 1, false],
        ["INBOX", 4, true],
    ]);
    // Keys tell the Inbox's UID 1 from Sent's UID 1.
    expect(new Set(items.map((item) => item.key)).size).toBe(3);
    expect(conversationOfUid(current, 1).key).toBe(4);
    expect(conversationOfUid(current, 9)).toBe(null);
});

test("it opens with the unread messages and the last expanded, the rest collapsed", () => {
    const current = page();
    current.messages[0].seen = false;
    current.messages[2].seen = true;
    const items = conversationItems(current, current.conversations[0]);
    expect([...initiallyExpanded(items)]).toEqual([items[0].key, items[2].key]);
    expect(initiallyExpanded([]).size).toBe(0);
});

test("checking a conversation checks all its messages in the folder, and back", () => {
    const current = page();
    const model = { selection: new Set([2]), allMatching: true, anchor: 2 };
    const conversation = current.conversations[0];
    expect(isConversationSelected(model.selection, conversation)).toBe(false);
    expect(toggleConversationSelected(model, conversation)).toBe(true);
    expect([...model.selection].sort()).toEqual([1, 2, 4]);
    expect(model.allMatching).toBe(false);
    expect(isConversationSelected(model.selection, conversation)).toBe(true);
    // One of its messages unchecked: the row is no longer checked; a click checks it all.
    model.selection.delete(4);
    expect(isConversationSelected(model.selection, conversation)).toBe(false);
    toggleConversationSelected(model, conversation);
    toggleConversationSelected(model, conversation);
    expect([...model.selection]).toEqual([2]);
});

test("the list asks for pages of conversations in conversation mode only", () => {
    const model = {
        conversationMode: true,
        sort: "subject",
        reverse: false,
        offset: 50,
        limit: 50,
        search: { text: "Angebot" },
    };
    expect(pageCall(model, 3, "INBOX")).toEqual([
        "client_conversations",
        [[3], "INBOX", 50, 50, { text: "Angebot" }],
    ]);
    model.conversationMode = false;
    expect(pageCall(model, 3, "INBOX")).toEqual([
        "client_page",
        [[3], "INBOX", "subject", false, 50, 50, { text: "Angebot" }],
    ]);
});

test("the open conversation stays open when an answer to it arrives", () => {
    const current = page();
    expect(followConversation(current, 4)).toBe(4);
    // UID 9 answered it: the conversation is named by 9 now.
    current.conversations[0] = { key: 9, uids: [1, 4, 9], related: [] };
    expect(followConversation(current, 4)).toBe(9);
    expect(followConversation(current, 7)).toBe(null);
    expect(followConversation(current, null)).toBe(null);
});
