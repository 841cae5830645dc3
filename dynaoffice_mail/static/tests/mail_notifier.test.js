import { after, describe, expect, test } from "@odoo/hoot";
import { waitFor, waitUntil } from "@odoo/hoot-dom";
import { advanceTime, animationFrame, mockPermission } from "@odoo/hoot-mock";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { browser } from "@web/core/browser/browser";
import { session } from "@web/session";
import { onRpc, patchWithCleanup } from "@web/../tests/web_test_helpers";
import { POLL_INTERVAL } from "@dynaoffice_mail/client/mail_client";
import { ACCOUNT_UNREAD_INTERVAL } from "@dynaoffice_mail/client/mail_client_model";
import { makeMailServer, startMailClient } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
defineMailModels();

const ACCOUNTS = [
    { id: 1, name: "Anna Müller", email: "anna@example.com", account_type: "personal" },
    { id: 2, name: "Vertrieb", email: "sales@example.com", account_type: "group", group: "Sales" },
];

/** The browser's Notification, allowed: what was shown is in `shown`. */
function mockDesktopNotifications() {
    const shown = [];
    class FakeNotification extends EventTarget {
        static permission = "granted";
        static requestPermission = async () => "granted";
        constructor(title, options) {
            super();
            this.title = title;
            this.body = options.body;
            this.tag = options.tag;
            this.closed = false;
            shown.push(this);
        }
        close() {
            this.closed = true;
        }
    }
    patchWithCleanup(browser, { Notification: FakeNotification });
    return shown;
}

/** The tab hidden (`hidden.value = true`) or shown, as the page's visibility says. */
function mockVisibility() {
    const hidden = { value: false };
    Object.defineProperty(document, "visibilityState", {
        configurable: true,
        get: () => (hidden.value ? "hidden" : "visible"),
    });
    after(() => delete document.visibilityState);
    return hidden;
}

/** The client on two accounts whose Inbox counts are `unread` ({accountId: count}). */
async function openClient({ notify, unread }) {
    patchWithCleanup(session, { dynaoffice_mail_notify_desktop: notify });
    const folders = (ids) => [
        {
            name: "INBOX",
            special_use: "\\Inbox",
            selectable: true,
            path: ["INBOX"],
            unread: unread[ids[0]],
            total: 10,
        },
    ];
    const server = makeMailServer({
        client_accounts: () => ACCOUNTS,
        client_account_unread: () => ({ ...unread }),
        client_folders: folders,
        client_folder_state: () => ({ uidvalidity: 7, total: 10, unread: 0 }),
        client_page: (ids, folder, sort, reverse, offset) => ({
            messages: [],
            total: 0,
            offset,
            sort: "date",
            uidvalidity: 7,
        }),
        client_assignments: () => ({}),
    });
    await startMailClient(server, { account_id: 1 });
    await waitFor(".o_dynaoffice_mail_folder[data-folder='INBOX']");
    await waitUntil(() => server.callsOf("client_account_unread").length === 1);
    return server;
}

/** The time of one round of counts, in steps of the client's poll. */
async function nextCounts() {
    for (let waited = 0; waited < ACCOUNT_UNREAD_INTERVAL + POLL_INTERVAL; waited += POLL_INTERVAL) {
        await advanceTime(POLL_INTERVAL);
    }
    await animationFrame();
}

describe("dynaoffice_mail client: desktop notification of new mail", () => {
    test("once per new mail while the tab is hidden, not for the mail there at first", async () => {
        const shown = mockDesktopNotifications();
        const hidden = mockVisibility();
        const unread = { 1: 3, 2: 7 };
        const server = await openClient({ notify: true, unread });
        expect(shown).toHaveLength(0);

        hidden.value = true;
        await nextCounts();
        expect(shown).toHaveLength(0);

        unread[2] = 9;
        await nextCounts();
        expect(shown.map((each) => [each.title, each.body, each.tag])).toEqual([
            ["New mail", "2 new messages in Vertrieb", "dynaoffice_mail.new_mail.2"],
        ]);
        const calls = server.callsOf("client_account_unread").length;
        await nextCounts();
        expect(server.callsOf("client_account_unread").length).toBeGreaterThan(calls);
        expect(shown).toHaveLength(1);

        // Read elsewhere, then one more: that one.
        unread[2] = 4;
        await nextCounts();
        unread[2] = 5;
        await nextCounts();
        expect(shown.map((each) => each.body)).toEqual([
            "2 new messages in Vertrieb",
            "1 new message in Vertrieb",
        ]);

        // A click brings the user to that account's Inbox.
        hidden.value = false;
        shown[1].dispatchEvent(new Event("click"));
        await waitFor(".o_dynaoffice_mail_account_switcher:contains('Vertrieb')");
        expect(shown[1].closed).toBe(true);
    });

    test("nothing while the tab is visible: what arrived then is no news later", async () => {
        const shown = mockDesktopNotifications();
        const hidden = mockVisibility();
        const unread = { 1: 3, 2: 7 };
        const server = await openClient({ notify: true, unread });
        unread[1] = 5;
        await nextCounts();
        expect(server.callsOf("client_account_unread").length).toBeGreaterThan(1);
        hidden.value = true;
        await nextCounts();
        expect(shown).toHaveLength(0);
    });

    test("nothing without the preference", async () => {
        const shown = mockDesktopNotifications();
        const hidden = mockVisibility();
        const unread = { 1: 3, 2: 7 };
        await openClient({ notify: false, unread });
        hidden.value = true;
        await nextCounts();
        unread[1] = 5;
        await nextCounts();
        expect(shown).toHaveLength(0);
    });

    test("on, but refused by the browser: the switcher says so beside the preference", async () => {
        mockPermission("notifications", "denied");
        await openClient({ notify: true, unread: { 1: 3, 2: 7 } });
        document.querySelector(".o_dynaoffice_mail_account_switcher").click();
        const blocked = await waitFor(
            ".o_dynaoffice_mail_notify_desktop .o_dynaoffice_mail_notify_blocked"
        );
        expect(blocked).toHaveAttribute("title", /allow them in the browser's site settings/);
    });

    test("allowed by the browser: no warning beside the preference", async () => {
        mockDesktopNotifications();
        mockPermission("notifications", "granted");
        await openClient({ notify: true, unread: { 1: 3, 2: 7 } });
        document.querySelector(".o_dynaoffice_mail_account_switcher").click();
        await waitFor(".o_dynaoffice_mail_notify_desktop");
        expect(".o_dynaoffice_mail_notify_blocked").toHaveCount(0);
    });

    test("turned on in the account switcher, it notifies from then on", async () => {
        const shown = mockDesktopNotifications();
        const hidden = mockVisibility();
        const unread = { 1: 3, 2: 7 };
        // Not decided yet: turning the preference on asks.
        mockPermission("notifications", "prompt");
        // The preference is written on the user (the mock server has no such field).
        const written = [];
        onRpc("res.users", "write", ({ args }) => {
            written.push(args);
            return true;
        });
        await openClient({ notify: false, unread });
        document.querySelector(".o_dynaoffice_mail_account_switcher").click();
        (await waitFor(".o_dynaoffice_mail_notify_desktop")).click();
        await waitUntil(() => written.length === 1);
        expect(written[0][1]).toEqual({ dynaoffice_mail_notify_desktop: true });

        unread[1] = 4;
        hidden.value = true;
        await nextCounts();
        expect(shown.map((each) => each.body)).toEqual(["1 new message in Anna Müller"]);
    });
});
