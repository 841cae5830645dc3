import { describe, expect, test } from "@odoo/hoot";
import { animationFrame } from "@odoo/hoot-mock";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { contains, mockService, mountWithCleanup } from "@web/../tests/web_test_helpers";
import { EverywhereSearch } from "@dynaoffice_mail/client/everywhere_search";
import { PartnerMailSearch } from "@dynaoffice_mail/client/partner_mail_search";
import { MailClientModel } from "@dynaoffice_mail/client/mail_client_model";
import { runSavedSearch } from "@dynaoffice_mail/client/search_box";
import { makeMailServer, makeNotifications } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
defineMailModels();

function found(folder, uids, total) {
    return {
        account_id: 1,
        account_name: "Sales",
        folder,
        uidvalidity: 7,
        total,
        path_folders: [],
        messages: uids.map((uid) => ({ uid, subject: `Angebot ${uid}`, seen: true, from_: [] })),
    };
}

/** The Inbox of one account; the server finds 25 offers in Archive and lists them a page
 * of `limit` at a time. */
async function openInbox() {
    const server = makeMailServer({
        client_folder_state: () => ({ uidvalidity: 7, total: 25, unread: 1 }),
        client_page: (ids, folder, sort, reverse, offset, limit, search) => {
            const all = folder === "Archive" && search.text === "angebot" ? 25 : 1;
            const uids = Array.from({ length: all }, (_, index) => all - index);
            const messages = uids.slice(offset, offset + limit).map((uid) => ({ uid, seen: true }));
            return { messages, total: all, offset, sort: "date", uidvalidity: 7 };
        },
        client_assignments: () => ({}),
    });
    const model = new MailClientModel({ rpc: server.rpc, notification: makeNotifications() });
    model.accounts = [{ id: 1, name: "Sales", email: "sales@example.com" }];
    model.accountId = 1;
    model.folders = [
        { name: "INBOX", special_use: "\\Inbox", selectable: true, unread: 1 },
        { name: "Archive", special_use: "\\Archive", selectable: true, unread: 0 },
    ];
    await model.openFolder("INBOX");
    return { server, model };
}

describe("dynaoffice_mail client: the search in all folders", () => {
    test("a folder that shows the newest of its matches opens with all of them", async () => {
        const shown = [];
        mockService("dynaoffice_mail.rpc", () => makeMailServer({}).rpc);
        await mountWithCleanup(EverywhereSearch, {
            props: {
                search: {
                    query: "angebot",
                    accountId: null,
                    answer: {
                        results: [
                            found("Archive", [25, 24, 23, 22, 21], 25),
                            found("INBOX", [3], 1),
                        ],
                        errors: [],
                    },
                },
                onOpen: () => {},
                onClose: () => {},
                onShowFolder: (place) => shown.push(place),
            },
        });
        await animationFrame();
        // Only the folder with more matches than it shows offers the rest.
        expect(".o_dynaoffice_mail_everywhere_show_folder").toHaveCount(1);
        await contains(
            ".o_dynaoffice_mail_partner_search_group[data-folder='Archive'] " +
                ".o_dynaoffice_mail_everywhere_show_folder"
        ).click();
        expect(shown).toEqual([{ accountId: 1, folder: "Archive", query: "angebot" }]);

        // The client opens the folder's list with the query in the box (as a saved search of
        // that folder): it pages through all 25.
        const { server, model } = await openInbox();
        await runSavedSearch(model, shown[0], () => expect.step("everywhere"));
        expect(model.folder).toBe("Archive");
        expect(model.search.text).toBe("angebot");
        expect(model.page.total).toBe(25);
        const lastPage = server.callsOf("client_page").at(-1);
        expect([lastPage.args[1], lastPage.args[6].text]).toEqual(["Archive", "angebot"]);
        expect.verifySteps([]);
    });

    test("a contact's folder that shows the newest of its mail opens with all of it", async () => {
        const shown = [];
        const query = "from:anna@example.com OR to:anna@example.com OR cc:anna@example.com";
        mockService("dynaoffice_mail.rpc", () => makeMailServer({}).rpc);
        await mountWithCleanup(PartnerMailSearch, {
            props: {
                search: {
                    partnerId: 7,
                    answer: {
                        addresses: ["anna@example.com"],
                        query,
                        results: [found("Archive", [25, 24], 25), found("INBOX", [3], 1)],
                        errors: [],
                    },
                },
                onOpen: () => {},
                onClose: () => {},
                onShowFolder: (place) => shown.push(place),
            },
        });
        await animationFrame();
        expect(".o_dynaoffice_mail_partner_search_show_folder").toHaveCount(1);
        await contains(
            ".o_dynaoffice_mail_partner_search_group[data-folder='Archive'] " +
                ".o_dynaoffice_mail_partner_search_show_folder"
        ).click();
        expect(shown).toEqual([{ accountId: 1, folder: "Archive", query }]);
    });
});
