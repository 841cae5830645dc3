import { describe, expect, getFixture, test } from "@odoo/hoot";
import { press, waitFor, waitUntil } from "@odoo/hoot-dom";
import { advanceTime, animationFrame } from "@odoo/hoot-mock";
import { defineMailModels, start } from "@mail/../tests/mail_test_helpers";
import {
    contains,
    getService,
    mockService,
    patchWithCleanup,
    useTestClientAction,
} from "@web/../tests/web_test_helpers";
import { session } from "@web/session";
import { POLL_INTERVAL } from "@dynaoffice_mail/client/mail_client";
import { mailShortcuts } from "@dynaoffice_mail/client/shortcuts_dialog";
import {
    makeMailServer,
    makeNotifications,
    startMailClient,
} from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
defineMailModels();

const ACCOUNTS = [
    { id: 1, name: "Anna Müller", email: "anna@example.com", account_type: "personal" },
    { id: 2, name: "Vertrieb", email: "sales@example.com", account_type: "group", group: "Sales" },
];

/** The mail client in the web client, on an Inbox of `box.total` messages. */
async function openClient({ accounts = ACCOUNTS, accountUnread = { 2: 7 } } = {}) {
    const box = { total: 5, unread: 3, uidvalidity: 7 };
    const inbox = () => ({
        name: "INBOX",
        special_use: "\\Inbox",
        selectable: true,
        path: ["INBOX"],
        unread: box.unread,
        total: box.total,
    });
    const server = makeMailServer({
        client_accounts: () => accounts,
        client_account_unread: () => ({ ...accountUnread }),
        client_folders: () => [inbox()],
        client_folder_state: () => ({
            uidvalidity: box.uidvalidity,
            total: box.total,
            unread: box.unread,
        }),
        client_page: (ids, folder, sort, reverse, offset, limit) => {
            const messages = [];
            for (let uid = box.total - offset; uid > Math.max(0, box.total - offset - limit); uid--) {
                messages.push({
                    uid,
                    subject: `Message ${uid}`,
                    from_: [{ name: "Kunde", email: "kunde@example.com" }],
                    seen: uid > box.unread,
                    flagged: false,
                    ref: { account: 1, folder, uidvalidity: box.uidvalidity, uid },
                });
            }
            return { messages, total: box.total, offset, sort: "date", uidvalidity: box.uidvalidity };
        },
        client_assignments: () => ({}),
        // As conversations: [5, 3] and [4, 2, 1], newest first (see conversationsPage).
        client_conversations: (ids, folder) => conversationsPage(folder, box),
    });
    mockService("dynaoffice_mail.rpc", () => server.rpc);
    mockService("notification", () => makeNotifications());
    await start();
    // A menu link keeps the focus after it opened the client.
    const link = document.createElement("a");
    link.href = "#";
    link.textContent = "Mailbox";
    getFixture().appendChild(link);
    link.focus();
    expect(document.activeElement).toBe(link);
    await getService("action").doAction({
        type: "ir.actions.client",
        tag: "dynaoffice_mail.client",
        name: "Mailbox",
    });
    await waitFor(".o_dynaoffice_mail_row[data-uid='5'].o_cursor, [data-key='5'].o_cursor");
    return { box, server };
}

/** `box`'s five messages as two conversations: [3, 5] and [1, 2, 4]. */
function conversationsPage(folder, box) {
    const row = (uid) => ({
        uid,
        subject: `Message ${uid}`,
        from_: [{ name: "Kunde", email: "kunde@example.com" }],
        seen: uid > box.unread,
        flagged: false,
        date: `2026-03-0${uid}T09:00:00+00:00`,
        ref: { account: 1, folder, uidvalidity: box.uidvalidity, uid },
    });
    const conversation = (uids) => ({
        key: uids.at(-1),
        uids,
        related: [],
        count: uids.length,
        subject: `Message ${uids[0]}`,
        participants: [{ name: "Kunde", email: "kunde@example.com" }],
        date: `2026-03-0${uids.at(-1)}T09:00:00+00:00`,
        unread: uids.some((uid) => uid <= box.unread),
        flagged: false,
    });
    return {
        total: 2,
        offset: 0,
        uidvalidity: box.uidvalidity,
        messages: [5, 4, 3, 2, 1].map(row),
        conversations: [conversation([3, 5]), conversation([1, 2, 4])],
    };
}

describe("dynaoffice_mail client: keyboard", () => {
    test("the keys work as soon as the client is open, and ? lists them", async () => {
        await openClient();
        expect(document.activeElement).toBe(document.body);

        await press("j");
        await animationFrame();
        expect(".o_dynaoffice_mail_row[data-uid='4']").toHaveClass("o_cursor");

        await press("?");
        await waitFor(".modal .o_dynaoffice_mail_shortcuts");
        expect(".modal-title").toHaveText("Keyboard shortcuts");
        expect(".o_dynaoffice_mail_shortcut").toHaveCount(mailShortcuts().length);
        expect(".o_dynaoffice_mail_shortcut:contains('Open the message') kbd").toHaveText(
            "Enter"
        );
        // Keys stay with the dialog while it is open.
        await press("j");
        await animationFrame();
        expect(".o_dynaoffice_mail_row[data-uid='4']").toHaveClass("o_cursor");

        await press("Escape");
        await animationFrame();
        expect(".modal").toHaveCount(0);
        await press("k");
        await animationFrame();
        expect(".o_dynaoffice_mail_row[data-uid='5']").toHaveClass("o_cursor");
    });

    test("as conversations, the keys move by conversation, check and open it whole", async () => {
        patchWithCleanup(session, { dynaoffice_mail_conversations: true });
        await openClient();
        const row = (key) => `.o_dynaoffice_mail_conversation_row[data-key='${key}']`;
        expect(row(5)).toHaveClass("o_cursor");

        await press("j");
        await animationFrame();
        expect(row(4)).toHaveClass("o_cursor");
        expect(row(5)).not.toHaveClass("o_cursor");
        await press("j");
        await animationFrame();
        expect(row(4)).toHaveClass("o_cursor"); // the last conversation: it stays

        await press("space");
        await animationFrame();
        expect(`${row(4)} .o_dynaoffice_mail_conversation_checkbox`).toBeChecked();
        expect(`${row(5)} .o_dynaoffice_mail_conversation_checkbox`).not.toBeChecked();
        await press("space");
        await animationFrame();
        expect(`${row(4)} .o_dynaoffice_mail_conversation_checkbox`).not.toBeChecked();

        await press("k");
        await animationFrame();
        await press("Enter");
        await waitFor(`${row(5)}.o_open`);
        expect(".o_dynaoffice_mail_conversation_subject").toHaveText("Message 5");
    });

    test("? in a text field is typed, not a shortcut", async () => {
        await openClient();
        await contains(".o_dynaoffice_mail_search_text").click();
        await press("?");
        await animationFrame();
        expect(".modal").toHaveCount(0);
    });
});

describe("dynaoffice_mail client: unread counts", () => {
    test("the tab shows the Inbox's unread mail, follows the poll, and is the action's again on leaving", async () => {
        const { box } = await openClient();
        await waitUntil(() => document.title === "(3) Inbox – Anna Müller");

        box.unread = 4;
        box.total = 6;
        await advanceTime(POLL_INTERVAL);
        await waitUntil(() => document.title === "(4) Inbox – Anna Müller");

        await getService("action").doAction({ ...useTestClientAction(), name: "Contacts" });
        await waitFor(".test_client_action");
        expect(document.title).toBe("Contacts");
    });

    test("the account switcher shows the Inbox's unread mail of each account", async () => {
        const { server } = await openClient();
        await waitUntil(() => server.callsOf("client_account_unread").length === 1);
        await contains(".o_dynaoffice_mail_account_switcher").click();
        expect(
            ".o_dynaoffice_mail_account_item[data-account-id='1'] .o_dynaoffice_mail_account_unread"
        ).toHaveText("3");
        expect(
            ".o_dynaoffice_mail_account_item[data-account-id='2'] .o_dynaoffice_mail_account_unread"
        ).toHaveText("7");
        expect(
            ".o_dynaoffice_mail_account_item[data-account-id='2'] .o_dynaoffice_mail_account_unread"
        ).toHaveAttribute("title", "7 unread");
    });
});

describe("dynaoffice_mail client: changing folders", () => {
    /** The client on an Inbox, "Projekte" with the subfolder "Projekte/2025", and "kunden". */
    async function openWithSubfolder() {
        const folder = (path) => ({
            name: path.join("/"),
            delimiter: "/",
            special_use: path[0] === "INBOX" ? "\\Inbox" : null,
            selectable: true,
            path,
            unread: 0,
            total: 0,
        });
        const server = makeMailServer({
            client_accounts: () => ACCOUNTS.slice(0, 1),
            client_account_unread: () => ({}),
            client_folders: () => [
                folder(["INBOX"]),
                folder(["Projekte"]),
                folder(["Projekte", "2025"]),
                folder(["kunden"]),
            ],
            client_folder_state: () => ({ uidvalidity: 7, total: 0, unread: 0 }),
            client_page: (ids, name, sort, reverse, offset) => ({
                messages: [],
                total: 0,
                offset,
                sort: "date",
                uidvalidity: 7,
            }),
            client_assignments: () => ({}),
            client_delete_folder: () => true,
            client_rename_folder: () => true,
        });
        const notifications = await startMailClient(server);
        await waitFor(".o_dynaoffice_mail_folder[data-folder='Projekte']");
        return { server, notifications };
    }

    async function deleteFromMenu(name) {
        await contains(`.o_dynaoffice_mail_folder[data-folder='${name}'] .o_dynaoffice_mail_folder_menu`).click();
        await contains(".o_dynaoffice_mail_folder_delete").click();
        await animationFrame();
    }

    test("a folder with subfolders is not offered for deletion: the user is told to delete or move them first", async () => {
        const { server, notifications } = await openWithSubfolder();
        await deleteFromMenu("Projekte");
        expect(".modal").toHaveCount(0);
        expect(notifications.shown.at(-1)).toMatchObject({
            message: "The folder “Projekte” has subfolders. Delete or move them first.",
            type: "warning",
        });
        expect(server.callsOf("client_delete_folder")).toHaveLength(0);
    });

    test("deleting a folder without subfolders asks first, promising nothing about subfolders", async () => {
        const { server } = await openWithSubfolder();
        await waitFor(".o_dynaoffice_mail_folder[data-folder='Projekte/2025']");
        await deleteFromMenu("Projekte/2025");
        expect(".modal-body").toHaveText(
            "Delete the folder “Projekte/2025” with all its messages on the mail server? This cannot be undone."
        );
        await contains(".modal-footer .btn-danger").click();
        await waitUntil(() => server.callsOf("client_delete_folder").length === 1);
        expect(server.callsOf("client_delete_folder")[0].args[1]).toBe("Projekte/2025");
    });

    test("renaming a folder may change only the case of its name", async () => {
        const { server } = await openWithSubfolder();
        await contains(".o_dynaoffice_mail_folder[data-folder='kunden'] .o_dynaoffice_mail_folder_menu").click();
        await contains(".o_dynaoffice_mail_folder_rename").click();
        await contains(".modal .o_dynaoffice_mail_folder_name_input").edit("Kunden", { confirm: false });
        expect(".modal .invalid-feedback").toHaveCount(0);
        await contains(".modal .o_dynaoffice_mail_folder_confirm").click();
        await waitUntil(() => server.callsOf("client_rename_folder").length === 1);
        expect(server.callsOf("client_rename_folder")[0].args.slice(1)).toEqual(["kunden", "Kunden"]);
        // Another folder's name is still taken, whatever its case.
        await contains(".o_dynaoffice_mail_folder[data-folder='kunden'] .o_dynaoffice_mail_folder_menu").click();
        await contains(".o_dynaoffice_mail_folder_rename").click();
        await contains(".modal .o_dynaoffice_mail_folder_name_input").edit("projekte", { confirm: false });
        expect(".modal .invalid-feedback").toHaveText("A folder of this name already exists here.");
    });
});
