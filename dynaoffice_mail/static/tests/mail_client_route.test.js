import { describe, expect, test } from "@odoo/hoot";
import { click, waitFor, waitUntil } from "@odoo/hoot-dom";
import { animationFrame } from "@odoo/hoot-mock";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { browser } from "@web/core/browser/browser";
import { router } from "@web/core/browser/router";
import { makeMailServer, startMailClient } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
defineMailModels();

const ACCOUNTS = [
    { id: 1, name: "Anna Müller", email: "anna@example.com", account_type: "personal" },
];

function folder(name, special_use = null) {
    return { name, special_use, selectable: true, path: [name], unread: 0, total: 3 };
}

async function openClient() {
    const server = makeMailServer({
        client_accounts: () => ACCOUNTS,
        client_folders: () => [folder("INBOX", "\\Inbox"), folder("Archive", "\\Archive")],
        client_folder_state: () => ({ uidvalidity: 7, total: 3, unread: 0 }),
        client_page: (ids, name, sort, reverse, offset) => ({
            messages: [3, 2, 1].map((uid) => ({
                uid,
                subject: `${name} ${uid}`,
                from_: [{ name: "Kunde", email: "kunde@example.com" }],
                seen: true,
                flagged: false,
                ref: { account: 1, folder: name, uidvalidity: 7, uid },
            })),
            total: 3,
            offset,
            sort: "date",
            uidvalidity: 7,
        }),
        client_message: (ids, name, uidvalidity, uid) => ({
            uid,
            subject: `${name} ${uid}`,
            from_: [{ name: "Kunde", email: "kunde@example.com" }],
            to: [],
            cc: [],
            seen: true,
            flagged: false,
            attachments: [],
            text: "Hallo",
        }),
        client_assignments: () => ({}),
    });
    await startMailClient(server);
    await waitFor(".o_dynaoffice_mail_row[data-uid='3']");
    await waitUntil(() => router.current.folder === "INBOX");
    return server;
}

describe("dynaoffice_mail client: the address bar", () => {
    test("a folder or a message opened is a history entry, a check box is not; back stays in the client", async () => {
        await openClient();
        const client = document.querySelector(".o_dynaoffice_mail_client");
        expect(router.current).toMatchObject({ action: "mail", account: 1, folder: "INBOX" });
        const entries = browser.history.length;

        await click(".o_dynaoffice_mail_folder[data-folder='Archive'] .o_dynaoffice_mail_folder_name");
        await waitFor(".o_dynaoffice_mail_row:contains('Archive 3')");
        await waitUntil(() => router.current.folder === "Archive");
        expect(browser.history.length).toBe(entries + 1);

        await click(".o_dynaoffice_mail_row[data-uid='2']");
        await waitFor(".o_dynaoffice_mail_subject:contains('Archive 2')");
        await waitUntil(() => router.current.uid === 2);
        expect(router.current).toMatchObject({ folder: "Archive", uidvalidity: 7, uid: 2 });
        expect(browser.history.length).toBe(entries + 2);

        await click(".o_dynaoffice_mail_row[data-uid='1'] .o_dynaoffice_mail_row_checkbox");
        await animationFrame();
        expect(browser.history.length).toBe(entries + 2);

        browser.history.back();
        await waitUntil(() => !document.querySelector(".o_dynaoffice_mail_subject"));
        browser.history.back();
        await waitFor(".o_dynaoffice_mail_folder[data-folder='INBOX'].active");
        await waitFor(".o_dynaoffice_mail_row:contains('INBOX 3')");
        expect(document.querySelector(".o_dynaoffice_mail_client")).toBe(client);
        expect(router.current).toMatchObject({ folder: "INBOX" });
        expect(router.current.uid).toBe(undefined);
    });
});
