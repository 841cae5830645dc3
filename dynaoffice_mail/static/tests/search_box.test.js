import { describe, expect, test } from "@odoo/hoot";
import { MailClientModel } from "@dynaoffice_mail/client/mail_client_model";
import {
    isSearchQueryError,
    runSavedSearch,
    SAVED_SEARCH_MODEL,
    SavedSearchStore,
} from "@dynaoffice_mail/client/search_box";
import { makeMailServer, makeNotifications, serverError } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

const QUERY_ERROR = "odoo.addons.dynaoffice_mail.roles.query.SearchQueryError";
const UNKNOWN = "Unknown search operator “foo:”.";

/** The Inbox of one account, whose server refuses the query "foo:bar" as unreadable. */
async function openInbox() {
    const server = makeMailServer({
        client_folder_state: () => ({ uidvalidity: 7, total: 2, unread: 1 }),
        client_page: (ids, folder, sort, reverse, offset, limit, search) => {
            if (search.text.includes("foo:")) {
                throw serverError(UNKNOWN, QUERY_ERROR);
            }
            const uids = search.text ? [1] : [2, 1];
            const messages = uids.map((uid) => ({ uid, subject: `Message ${uid}`, seen: true }));
            return { messages, total: uids.length, offset, sort: "date", uidvalidity: 7 };
        },
        client_assignments: () => ({}),
    });
    const notifications = makeNotifications();
    const model = new MailClientModel({ rpc: server.rpc, notification: notifications });
    model.accounts = [{ id: 1, name: "Sales", email: "sales@example.com" }];
    model.accountId = 1;
    model.folders = [{ name: "INBOX", special_use: "\\Inbox", selectable: true, unread: 1 }];
    await model.openFolder("INBOX");
    return { server, model, notifications };
}

/** Odoo's orm service as far as the saved searches use it, over records in memory. */
function makeOrm(records = []) {
    const calls = [];
    let nextId = 100;
    return {
        calls,
        records,
        async searchRead(model, domain, fields) {
            calls.push({ method: "searchRead", model, fields });
            return records.map((record) => ({ ...record }));
        },
        async create(model, values) {
            calls.push({ method: "create", model, values });
            const ids = values.map((each) => {
                records.push({ id: nextId, ...each });
                return nextId++;
            });
            return ids;
        },
        async unlink(model, ids) {
            calls.push({ method: "unlink", model, ids });
            return true;
        },
    };
}

describe("dynaoffice_mail client: the search box", () => {
    test("the server's SearchQueryError is known by its name", () => {
        expect(isSearchQueryError(serverError(UNKNOWN, QUERY_ERROR))).toBe(true);
        expect(isSearchQueryError(serverError(UNKNOWN, "SearchQueryError"))).toBe(true);
        expect(isSearchQueryError(serverError(UNKNOWN))).toBe(false);
        expect(isSearchQueryError(new Error("offline"))).toBe(false);
    });

    test("a query the server cannot read is said under the box, the list stays", async () => {
        const { model, notifications, server } = await openInbox();
        expect(model.messages.map((message) => message.uid)).toEqual([2, 1]);
        await model.setSearch({ text: "foo:bar" });
        expect(model.searchError).toBe(UNKNOWN);
        expect(model.listError).toBe("");
        expect(notifications.shown).toEqual([]);
        expect(model.messages.map((message) => message.uid)).toEqual([2, 1]);
        // The corrected query is searched by the server; the message goes.
        await model.setSearch({ text: "from:x is:unread" });
        expect(model.searchError).toBe("");
        expect(model.messages.map((message) => message.uid)).toEqual([1]);
        const lastPage = server.callsOf("client_page").at(-1);
        expect(lastPage.args[6].text).toBe("from:x is:unread");
        // Another folder starts without the old error.
        await model.setSearch({ text: "foo:bar" });
        await model.openFolder("INBOX");
        expect(model.searchError).toBe("");
    });
});

describe("dynaoffice_mail client: saved searches", () => {
    test("loads, saves with the folder it was typed in, and deletes", async () => {
        const orm = makeOrm([
            { id: 1, name: "Anna", query: "from:anna", account_id: [3, "Sales"], folder: "INBOX" },
            { id: 2, name: "Big", query: "larger:5M", account_id: false, folder: false },
        ]);
        const store = new SavedSearchStore(orm);
        await store.load();
        expect(store.searches).toEqual([
            { id: 1, name: "Anna", query: "from:anna", accountId: 3, folder: "INBOX" },
            { id: 2, name: "Big", query: "larger:5M", accountId: null, folder: null },
        ]);
        expect(orm.calls[0].model).toBe(SAVED_SEARCH_MODEL);
        await store.save({ name: " Unread ", query: "is:unread ", accountId: 3, folder: "Archive" });
        const created = orm.calls.find((call) => call.method === "create");
        expect(created.values).toEqual([
            { name: "Unread", query: "is:unread", account_id: 3, folder: "Archive" },
        ]);
        expect(store.searches.map((saved) => saved.name)).toEqual(["Anna", "Big", "Unread"]);
        await store.save({ name: "", query: "has:attachment", folder: "INBOX" });
        expect(orm.calls.filter((call) => call.method === "create")[1].values).toEqual([
            { name: "has:attachment", query: "has:attachment", account_id: false, folder: false },
        ]);
        await store.remove(1);
        expect(orm.calls.at(-1)).toEqual({ method: "unlink", model: SAVED_SEARCH_MODEL, ids: [1] });
        expect(store.searches.map((saved) => saved.id)).toEqual([2, 100, 101]);
    });

    test("after a folder rename the saved searches name its new name", async () => {
        const { model, server } = await openInbox();
        model.folders.push({ name: "Projekte", delimiter: "/", selectable: true, unread: 0 });
        const records = [
            {
                id: 1,
                name: "Anna",
                query: "from:anna",
                account_id: [1, "Sales"],
                folder: "Projekte",
            },
        ];
        const orm = makeOrm(records);
        const store = new SavedSearchStore(orm);
        await store.load();
        store.followRenames(model);
        // The server renames the folder and its saved searches with it.
        server.handlers.client_rename_folder = (ids, folder, newName) => {
            records[0].folder = newName;
            return true;
        };
        server.handlers.client_folders = () => [
            { name: "INBOX", special_use: "\\Inbox", selectable: true, unread: 1 },
            { name: "Kunden", delimiter: "/", selectable: true, unread: 0 },
        ];

        await model.renameFolder("Projekte", "Kunden");
        expect(store.searches.map((saved) => saved.folder)).toEqual(["Kunden"]);
        await runSavedSearch(model, store.searches[0], () => {});
        expect(model.folder).toBe("Kunden");
        expect(server.callsOf("client_page").at(-1).args[1]).toBe("Kunden");
    });

    test("after a folder delete its saved searches search the whole mailbox", async () => {
        const { model, server } = await openInbox();
        model.folders.push({ name: "Projekte", delimiter: "/", selectable: true, unread: 0 });
        const records = [
            {
                id: 1,
                name: "Anna",
                query: "from:anna",
                account_id: [1, "Sales"],
                folder: "Projekte",
            },
        ];
        const store = new SavedSearchStore(makeOrm(records));
        await store.load();
        store.followRenames(model);
        // The server deletes the folder and widens its saved searches to the mailbox.
        server.handlers.client_delete_folder = () => {
            records[0].folder = false;
            return true;
        };
        server.handlers.client_folders = () => [
            { name: "INBOX", special_use: "\\Inbox", selectable: true, unread: 1 },
        ];

        await model.deleteFolder("Projekte");
        expect(store.searches.map((saved) => saved.folder)).toEqual([null]);
        const pages = server.callsOf("client_page").length;
        const everywhere = [];
        await runSavedSearch(model, store.searches[0], (place) => everywhere.push(place));
        expect(everywhere).toEqual([{ query: "from:anna", accountId: 1 }]);
        expect(server.callsOf("client_page").length).toBe(pages);
    });

    test("a search of a folder opens it with the query; one without searches everywhere", async () => {
        const { model, server } = await openInbox();
        const everywhere = [];
        const saved = { id: 1, name: "Anna", query: "from:anna", accountId: 1, folder: "INBOX" };
        await runSavedSearch(model, saved, (place) => everywhere.push(place));
        expect(model.search.text).toBe("from:anna");
        expect(server.callsOf("client_page").at(-1).args[6].text).toBe("from:anna");
        expect(everywhere).toEqual([]);
        await runSavedSearch(
            model,
            { id: 2, name: "Big", query: "larger:5M", accountId: null, folder: null },
            (place) => everywhere.push(place)
        );
        await runSavedSearch(
            model,
            { id: 3, name: "Here", query: "is:flagged", accountId: 1, folder: null },
            (place) => everywhere.push(place)
        );
        expect(everywhere).toEqual([
            { query: "larger:5M", accountId: null },
            { query: "is:flagged", accountId: 1 },
        ]);
    });
});
