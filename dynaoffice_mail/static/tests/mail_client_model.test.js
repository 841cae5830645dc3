import { describe, expect, test } from "@odoo/hoot";
import { waitUntil } from "@odoo/hoot-dom";
import { advanceTime } from "@odoo/hoot-mock";
import {
    ACCOUNT_UNREAD_INTERVAL,
    MailClientModel,
} from "@dynaoffice_mail/client/mail_client_model";
import { formatSize } from "@dynaoffice_mail/client/mail_format";
import { localization } from "@web/core/l10n/localization";
import { makeMockEnv, patchWithCleanup } from "@web/../tests/web_test_helpers";
import {
    makeHeldAnswers,
    makeMailServer,
    makeNotifications,
    serverError,
} from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

const RENUMBERED = "odoo.addons.dynaoffice_mail.roles.base.FolderRenumberedError";

/** A folder of `total` messages, newest (highest UID) first, as `client_page` pages it. */
function mailbox({ total = 120, uidvalidity = 7, unread = 3 } = {}) {
    const box = {
        total,
        uidvalidity,
        unread,
        page(offset, limit) {
            const messages = [];
            for (let uid = box.total - offset; uid > Math.max(0, box.total - offset - limit); uid--) {
                messages.push({
                    uid,
                    subject: `Message ${uid}`,
                    seen: uid > box.unread,
                    flagged: false,
                    ref: { account: 1, folder: "INBOX", uidvalidity: box.uidvalidity, uid },
                });
            }
            return { messages, total: box.total, offset, sort: "date", uidvalidity: box.uidvalidity };
        },
        state() {
            return { uidvalidity: box.uidvalidity, total: box.total, unread: box.unread };
        },
    };
    return box;
}

function mailServer(box, overrides = {}) {
    return makeMailServer({
        client_folder_state: () => box.state(),
        client_folders: () => [
            { name: "INBOX", special_use: "\\Inbox", selectable: true, unread: box.unread },
        ],
        client_page: (ids, folder, sort, reverse, offset, limit) => box.page(offset, limit),
        client_assignments: () => ({}),
        client_set_flag: () => true,
        client_message: (ids, folder, uidvalidity, uid) => ({
            uid,
            subject: `Message ${uid}`,
            seen: true,
            flagged: false,
        }),
        ...overrides,
    });
}

/** The client on the account's Inbox, its first page shown. */
async function openInbox(server, box) {
    const notifications = makeNotifications();
    const model = new MailClientModel({ rpc: server.rpc, notification: notifications });
    model.accounts = [{ id: 1, name: "Sales", email: "sales@example.com" }];
    model.accountId = 1;
    model.folders = [
        { name: "INBOX", special_use: "\\Inbox", selectable: true, unread: box.unread },
    ];
    await model.openFolder("INBOX");
    return { model, notifications };
}

const uidsShown = (model) => model.messages.map((message) => message.uid);

describe("dynaoffice_mail client: flags", () => {
    test("marking a message read shows at once and counts down the folder's unread", async () => {
        const box = mailbox({ total: 5, unread: 3 });
        const answers = makeHeldAnswers();
        const server = mailServer(box, { client_set_flag: answers.hold });
        const { model } = await openInbox(server, box);
        expect(model.messageByUid(3).seen).toBe(false);

        const setting = model.setFlag([3], "seen", true);
        // Before the server answered.
        expect(model.messageByUid(3).seen).toBe(true);
        expect(model.folders[0].unread).toBe(2);
        expect(model.pending).toBe(1);

        answers.pending[0].deferred.resolve(true);
        await setting;
        expect(model.messageByUid(3).seen).toBe(true);
        expect(model.folders[0].unread).toBe(2);
        expect(model.pending).toBe(0);
        expect(server.callsOf("client_set_flag")[0].args).toEqual([
            [1],
            "INBOX",
            7,
            [3],
            "seen",
            true,
        ]);
    });

    test("a flag change the server refuses is taken back and the user is told", async () => {
        const box = mailbox({ total: 5, unread: 3 });
        const server = mailServer(box, {
            client_set_flag: () => {
                throw serverError("The mail server refused the change.");
            },
        });
        const { model, notifications } = await openInbox(server, box);
        await model.openMessage(2);
        expect(model.message.flagged).toBe(false);

        await model.setFlag([2, 3], "flagged", true);

        expect(model.messageByUid(2).flagged).toBe(false);
        expect(model.messageByUid(3).flagged).toBe(false);
        expect(model.message.flagged).toBe(false); // the open message too
        expect(model.pending).toBe(0);
        expect(notifications.shown.map((shown) => [shown.message, shown.type])).toEqual([
            ["The mail server refused the change.", "danger"],
        ]);
    });

    test("a refused 'mark as read' gives the unread count back", async () => {
        const box = mailbox({ total: 5, unread: 3 });
        const server = mailServer(box, {
            client_set_flag: () => {
                throw serverError("No connection to the mail server.");
            },
        });
        const { model } = await openInbox(server, box);

        await model.setFlag([1, 2, 5], "seen", true); // 5 is read already

        expect([1, 2, 5].map((uid) => model.messageByUid(uid).seen)).toEqual([false, false, true]);
        expect(model.folders[0].unread).toBe(3);
    });

    test("toggling flags all checked messages unless all have it already", async () => {
        const box = mailbox({ total: 5 });
        const server = mailServer(box);
        const { model } = await openInbox(server, box);

        await model.toggleFlag([4, 5], "flagged");
        expect([4, 5].map((uid) => model.messageByUid(uid).flagged)).toEqual([true, true]);

        await model.toggleFlag([4, 5], "flagged");
        expect([4, 5].map((uid) => model.messageByUid(uid).flagged)).toEqual([false, false]);
        expect(server.callsOf("client_set_flag").map((call) => call.args[5])).toEqual([
            true,
            false,
        ]);
    });

    test("a renumbered folder takes the flag back and starts the list over at the top", async () => {
        const box = mailbox({ total: 120 });
        const server = mailServer(box, {
            client_set_flag: () => {
                box.uidvalidity = 8; // another program rebuilt the folder meanwhile
                throw serverError("The folder was renumbered on the mail server.", RENUMBERED);
            },
        });
        const { model, notifications } = await openInbox(server, box);
        await model.nextPage();
        expect(model.page.offset).toBe(50);

        await model.setFlag([60], "flagged", true);

        expect(notifications.shown.map((shown) => shown.message)).toEqual([
            "The folder was renumbered on the mail server.",
        ]);
        await waitUntil(() => model.page.uidvalidity === 8 && !model.listLoading);
        expect(model.page.offset).toBe(0);
        expect(uidsShown(model)[0]).toBe(120);
        expect(model.messages.every((message) => !message.flagged)).toBe(true);
    });

    test("a renumbered folder met by another part of the client reloads the list too", async () => {
        const box = mailbox({ total: 120 });
        const server = mailServer(box, {
            client_file: () => {
                box.uidvalidity = 9;
                throw serverError("The folder was renumbered on the mail server.", RENUMBERED);
            },
        });
        const { model } = await openInbox(server, box);
        await model.nextPage();

        // As the file dialog calls it; the dialog says what went wrong itself.
        let refused = null;
        try {
            await server.rpc.call("client_file", [[1], "INBOX", 7, [60]]);
        } catch (error) {
            refused = error;
        }
        expect(refused.data.message).toBe("The folder was renumbered on the mail server.");

        await waitUntil(() => model.page.uidvalidity === 9 && !model.listLoading);
        expect(model.page.offset).toBe(0);
        model.destroy();
    });
});

/** A folder holding exactly `uids` (in list order), from which `client_delete` removes. */
function deletableBox(uids) {
    const box = {
        uids: [...uids],
        uidvalidity: 7,
        unread: 0,
        page(offset, limit) {
            const messages = box.uids.slice(offset, offset + limit).map((uid) => ({
                uid,
                subject: `Message ${uid}`,
                seen: true,
                flagged: false,
                ref: { account: 1, folder: "INBOX", uidvalidity: box.uidvalidity, uid },
            }));
            return { messages, total: box.uids.length, offset, sort: "date", uidvalidity: 7 };
        },
        state() {
            return { uidvalidity: box.uidvalidity, total: box.uids.length, unread: 0 };
        },
    };
    const server = mailServer(box, {
        client_delete: (ids, folder, uidvalidity, deleted) => {
            box.uids = box.uids.filter((uid) => !deleted.includes(uid));
            return true;
        },
    });
    return { box, server };
}

describe("dynaoffice_mail client: delete", () => {
    test("deleting the open message opens the one below it", async () => {
        const { box, server } = deletableBox([5, 4, 3, 2, 1]);
        const { model } = await openInbox(server, box);
        await model.openMessage(3);

        await model.deleteMessages([3]);

        expect(server.callsOf("client_delete")[0].args).toEqual([[1], "INBOX", 7, [3]]);
        expect(uidsShown(model)).toEqual([5, 4, 2, 1]);
        expect(model.message.subject).toBe("Message 2");
        expect(model.cursor).toBe(2);
    });

    test("deleting the last message of the list opens the one above it", async () => {
        const { box, server } = deletableBox([5, 4, 3]);
        const { model } = await openInbox(server, box);
        await model.openMessage(3);

        await model.deleteMessages([3]);

        expect(uidsShown(model)).toEqual([5, 4]);
        expect(model.message.subject).toBe("Message 4");
    });

    test("deleting the only message leaves the reading pane empty", async () => {
        const { box, server } = deletableBox([1]);
        const { model } = await openInbox(server, box);
        await model.openMessage(1);

        await model.deleteMessages([1]);

        expect(uidsShown(model)).toEqual([]);
        expect(model.message).toBe(null);
        expect(server.callsOf("client_message").length).toBe(1);
    });

    test("deleting checked messages opens none when none of them was open", async () => {
        const { box, server } = deletableBox([5, 4, 3, 2, 1]);
        const { model } = await openInbox(server, box);

        await model.deleteMessages([4, 3]);

        expect(uidsShown(model)).toEqual([5, 2, 1]);
        expect(model.message).toBe(null);
        expect(server.callsOf("client_message").length).toBe(0);
    });
});

describe("dynaoffice_mail client: paging", () => {
    test("next and previous page ask for the right offsets and say where they are", async () => {
        const box = mailbox({ total: 120 });
        const server = mailServer(box);
        const { model } = await openInbox(server, box);
        expect(uidsShown(model).length).toBe(50);
        expect(uidsShown(model)[0]).toBe(120);
        expect(model.hasPreviousPage).toBe(false);
        expect(model.hasNextPage).toBe(true);

        await model.nextPage();
        expect(model.page.offset).toBe(50);
        expect(uidsShown(model)[0]).toBe(70);

        await model.nextPage();
        expect(model.page.offset).toBe(100);
        expect(uidsShown(model)).toHaveLength(20);
        expect(model.hasNextPage).toBe(false);
        expect(model.hasPreviousPage).toBe(true);

        await model.nextPage(); // nothing after the last page
        await model.previousPage();
        expect(model.page.offset).toBe(50);
        await model.previousPage();
        await model.previousPage(); // nothing before the first
        expect(model.page.offset).toBe(0);

        expect(server.callsOf("client_page").map((call) => call.args[4])).toEqual([
            0, 50, 100, 50, 0,
        ]);
    });

    test("paging moves the keyboard cursor to the new page and clears the checks", async () => {
        const box = mailbox({ total: 120 });
        const server = mailServer(box);
        const { model } = await openInbox(server, box);
        model.toggleSelected(118);
        expect(model.selection.size).toBe(1);

        await model.nextPage();

        expect(model.selection.size).toBe(0);
        expect(model.cursor).toBe(70);
    });

    test("when the last page empties, the one before it is shown", async () => {
        const box = mailbox({ total: 120 });
        const server = mailServer(box);
        const { model } = await openInbox(server, box);
        await model.goTo(100);
        expect(uidsShown(model)).toHaveLength(20);

        box.total = 100; // the last 20 were moved away elsewhere
        await model.reloadList({ keep: true });

        expect(model.page.offset).toBe(50);
        expect(uidsShown(model)).toHaveLength(50);
    });
});

describe("dynaoffice_mail client: request ordering", () => {
    test("a slow answer for an older page does not overwrite the newer page", async () => {
        const box = mailbox({ total: 200 });
        const answers = makeHeldAnswers();
        const server = mailServer(box);
        const { model } = await openInbox(server, box);
        server.handlers.client_page = answers.hold;

        const older = model.goTo(50);
        const newer = model.goTo(100);
        const [olderCall, newerCall] = answers.pending;
        newerCall.deferred.resolve(box.page(100, 50));
        await newer;
        expect(model.page.offset).toBe(100);
        expect(model.listLoading).toBe(false);

        olderCall.deferred.resolve(box.page(50, 50));
        await older;
        expect(model.page.offset).toBe(100);
        expect(uidsShown(model)[0]).toBe(100);
        expect(model.cursor).toBe(100);
    });

    test("the list keeps loading until the newest request is answered", async () => {
        const box = mailbox({ total: 200 });
        const answers = makeHeldAnswers();
        const server = mailServer(box);
        const { model } = await openInbox(server, box);
        server.handlers.client_page = answers.hold;

        const older = model.goTo(50);
        const newer = model.goTo(100);
        answers.pending[0].deferred.resolve(box.page(50, 50));
        await older;
        expect(model.listLoading).toBe(true);
        expect(model.page.offset).toBe(0); // still the page shown before

        answers.pending[1].deferred.resolve(box.page(100, 50));
        await newer;
        expect(model.listLoading).toBe(false);
        expect(model.page.offset).toBe(100);
    });

    test("a failure of an overtaken request says nothing", async () => {
        const box = mailbox({ total: 200 });
        const answers = makeHeldAnswers();
        const server = mailServer(box);
        const { model, notifications } = await openInbox(server, box);
        server.handlers.client_page = answers.hold;

        const older = model.goTo(50);
        const newer = model.goTo(100);
        answers.pending[1].deferred.resolve(box.page(100, 50));
        answers.pending[0].deferred.reject(serverError("Timed out."));
        await Promise.all([older, newer]);

        expect(model.listError).toBe("");
        expect(notifications.shown).toEqual([]);
        expect(model.page.offset).toBe(100);
    });

    test("a message answered late does not replace the one opened after it", async () => {
        const box = mailbox({ total: 5 });
        const answers = makeHeldAnswers();
        const server = mailServer(box, { client_message: answers.hold });
        const { model } = await openInbox(server, box);

        const first = model.openMessage(5);
        const second = model.openMessage(4);
        answers.pending[1].deferred.resolve({ uid: 4, subject: "Message 4", seen: true });
        await second;
        answers.pending[0].deferred.resolve({ uid: 5, subject: "Message 5", seen: true });
        await first;

        expect(model.message.subject).toBe("Message 4");
        expect(model.messageUid).toBe(4);
        expect(model.messageLoading).toBe(false);
    });
});

describe("dynaoffice_mail client: unread counts", () => {
    const ACCOUNTS = [
        { id: 1, name: "Anna Müller", email: "anna@example.com" },
        { id: 2, name: "Vertrieb", email: "sales@example.com" },
    ];

    test("the tab title names the folder and account with the Inbox's unread mail", async () => {
        await makeMockEnv(); // the folders' names are translated
        const box = mailbox({ total: 5, unread: 3 });
        const server = mailServer(box, {
            client_folders: () => [
                { name: "INBOX", special_use: "\\Inbox", selectable: true, unread: box.unread },
                { name: "Archive", special_use: "\\Archive", selectable: true, unread: 9 },
            ],
        });
        const { model } = await openInbox(server, box);
        model.accounts = [ACCOUNTS[0]];
        expect(model.tabTitle).toBe("(3) Inbox – Anna Müller");

        await model.setFlag([3], "seen", true);
        expect(model.tabTitle).toBe("(2) Inbox – Anna Müller");

        // Elsewhere the count is still the Inbox's: new mail is what the tab tells of.
        await model.loadFolders();
        await model.openFolder("Archive");
        expect(model.tabTitle).toBe("(3) Archive – Anna Müller");

        box.unread = 0;
        await model.loadFolders();
        expect(model.tabTitle).toBe("Archive – Anna Müller");

        model.folder = null;
        expect(model.tabTitle).toBe(null);
    });

    test("the switcher's counts: the open account's from its folders, the others' asked for at most once a minute", async () => {
        const box = mailbox({ total: 5, unread: 3 });
        const unread = { 1: 8, 2: 5 };
        const server = mailServer(box, {
            // JSON turns the server's keys into strings.
            client_account_unread: () => ({ 1: unread[1], 2: unread[2] }),
        });
        const { model } = await openInbox(server, box);
        model.accounts = ACCOUNTS;

        await model.loadAccountUnread();
        expect(model.unreadByAccount).toEqual({ 1: 3, 2: 5 });

        unread[2] = 6;
        await model.refreshAccountUnread();
        await advanceTime(ACCOUNT_UNREAD_INTERVAL - 1000);
        await model.refreshAccountUnread();
        expect(server.callsOf("client_account_unread")).toHaveLength(1);
        expect(model.unreadByAccount[2]).toBe(5);

        await advanceTime(1000);
        await model.refreshAccountUnread();
        expect(server.callsOf("client_account_unread")).toHaveLength(2);
        expect(model.unreadByAccount).toEqual({ 1: 3, 2: 6 });
    });

    test("a failed call keeps the last counts; a single account asks nothing", async () => {
        const box = mailbox({ total: 5, unread: 3 });
        const server = mailServer(box, { client_account_unread: () => ({ 2: 5 }) });
        const { model, notifications } = await openInbox(server, box);
        await model.loadAccountUnread();
        expect(server.callsOf("client_account_unread")).toHaveLength(0);

        model.accounts = ACCOUNTS;
        await model.loadAccountUnread();
        server.handlers.client_account_unread = () => {
            throw serverError("The mail server did not answer.");
        };
        await advanceTime(ACCOUNT_UNREAD_INTERVAL);
        await model.refreshAccountUnread();
        expect(server.callsOf("client_account_unread")).toHaveLength(2);
        expect(model.unreadByAccount).toEqual({ 1: 3, 2: 5 });
        expect(notifications.shown).toEqual([]);
    });
});

describe("dynaoffice_mail client: mark folder as read", () => {
    test("the open folder's count drops to none and its list shows all read", async () => {
        await makeMockEnv(); // the notification is translated
        const box = mailbox({ total: 5, unread: 3 });
        const server = mailServer(box, {
            client_mark_folder_read: () => {
                const marked = box.unread;
                box.unread = 0;
                return marked;
            },
        });
        const { model, notifications } = await openInbox(server, box);
        await model.openMessage(2);
        expect(model.messages.filter((message) => !message.seen)).toHaveLength(2);

        await model.markFolderRead("INBOX");

        expect(server.callsOf("client_mark_folder_read")[0].args).toEqual([[1], "INBOX"]);
        expect(model.folders[0].unread).toBe(0);
        expect(model.messages.every((message) => message.seen)).toBe(true);
        expect(model.message.seen).toBe(true);
        expect(model.pending).toBe(0);
        const shown = notifications.shown.map(({ message, type }) => [String(message), type]);
        expect(shown).toEqual([["3 messages were marked as read.", "success"]]);
    });

    test("another folder's count drops at once; the open list stays as it is", async () => {
        await makeMockEnv(); // the notification is translated
        const box = mailbox({ total: 5, unread: 3 });
        const folders = () => [
            { name: "INBOX", special_use: "\\Inbox", selectable: true, unread: box.unread },
            { name: "Archiv", special_use: null, selectable: true, unread: 0 },
        ];
        // What the folder pane showed when the counts were read again after it.
        const shownBefore = [];
        const server = mailServer(box, {
            client_mark_folder_read: () => 4,
            client_folders: () => {
                shownBefore.push(model.folders.map((folder) => folder.unread));
                return folders();
            },
        });
        const { model } = await openInbox(server, box);
        model.folders = [...folders().slice(0, 1), { ...folders()[1], unread: 4 }];

        await model.markFolderRead("Archiv");

        expect(shownBefore).toEqual([[3, 0]]);
        expect(model.folders.map((folder) => folder.unread)).toEqual([3, 0]);
        expect(model.messages.filter((message) => !message.seen)).toHaveLength(3);
        expect(server.callsOf("client_page")).toHaveLength(1); // the Inbox's list not reloaded
    });

    test("a refusal leaves the counts and tells the user", async () => {
        const box = mailbox({ total: 5, unread: 3 });
        const server = mailServer(box, {
            client_mark_folder_read: () => {
                throw serverError("No connection to the mail server.");
            },
        });
        const { model, notifications } = await openInbox(server, box);

        await model.markFolderRead("INBOX");

        expect(model.folders[0].unread).toBe(3);
        expect(model.messages.filter((message) => !message.seen)).toHaveLength(3);
        expect(notifications.shown.map((shown) => [shown.message, shown.type])).toEqual([
            ["No connection to the mail server.", "danger"],
        ]);
    });
});

describe("dynaoffice_mail client: unsnooze now", () => {
    const snoozed = () => [{ id: 9, message_id: "<m9@example.com>", folder: "INBOX" }];

    test("names the folder the mail really came back to", async () => {
        await makeMockEnv(); // the texts are translated (_t)
        const box = mailbox({ total: 5, unread: 0 });
        const server = mailServer(box, {
            client_snoozed: snoozed,
            client_unsnooze: () => ({ account: 1, folder: "Archive", uidvalidity: 3, uid: 4 }),
        });
        const { model, notifications } = await openInbox(server, box);

        await model.unsnooze("<m9@example.com>");

        expect(server.callsOf("client_unsnooze")[0].args).toEqual([[1], 9]);
        expect(notifications.shown.map((shown) => [shown.message, shown.type])).toEqual([
            ["Back in Archive, unread.", "success"],
        ]);
    });

    test("a mail another program took out of Snoozed is not said to be back", async () => {
        await makeMockEnv(); // the texts are translated (_t)
        const box = mailbox({ total: 5, unread: 0 });
        const server = mailServer(box, {
            client_snoozed: snoozed,
            client_unsnooze: () => false,
        });
        const { model, notifications } = await openInbox(server, box);

        await model.unsnooze("<m9@example.com>");

        expect(notifications.shown.map((shown) => [shown.message, shown.type])).toEqual([
            [
                "This message was no longer in Snoozed: another mail program moved or deleted it. It is no longer snoozed.",
                "warning",
            ],
        ]);
    });
});

describe("dynaoffice_mail client: sizes", () => {
    test("attachment sizes are written as the user's language writes numbers", async () => {
        await makeMockEnv();
        expect(formatSize(3000)).toBe("2.9 KB");
        patchWithCleanup(localization, { decimalPoint: ",", thousandsSep: "." });
        expect(formatSize(1.2 * 1024 * 1024)).toBe("1,2 MB");
        expect(formatSize(512)).toBe("512 B");
        expect(formatSize(25 * 1024 * 1024)).toBe("25 MB");
    });
});
