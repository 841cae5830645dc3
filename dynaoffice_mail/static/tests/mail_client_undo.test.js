import { describe, expect, test } from "@odoo/hoot";
import { BULK_BATCH_SIZE, MailClientModel } from "@dynaoffice_mail/client/mail_client_model";
import { makeMockEnv } from "@web/../tests/web_test_helpers";
import { makeHeldAnswers, makeMailServer, serverError } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

/**
 * An account's folders as `client_*` calls see them: {folder: [uids, newest first]}, each
 * folder with a UIDVALIDITY of its own; a move gives the messages new UIDs in the target
 * (as IMAP does) and answers their refs there, or [] with `tellsWhere` false (no UIDPLUS).
 */
function account({ inbox = [5, 4, 3, 2, 1], tellsWhere = true, deleteMode = "trash" } = {}) {
    const box = {
        folders: { INBOX: [...inbox], Archive: [], Trash: [] },
        validity: { INBOX: 7, Archive: 9, Trash: 11 },
        nextUid: 100,
        unseen: new Set(inbox),
        deleteMode,
        move(folder, uidvalidity, uids, target) {
            if (uidvalidity !== box.validity[folder]) {
                throw serverError("The folder was renumbered on the mail server.");
            }
            box.folders[folder] = box.folders[folder].filter((uid) => !uids.includes(uid));
            const moved = uids.map(() => box.nextUid++);
            box.folders[target].unshift(...moved);
            const refs = moved.map((uid) => ({
                account: 1,
                folder: target,
                uidvalidity: box.validity[target],
                uid,
            }));
            return tellsWhere ? refs : [];
        },
    };
    const server = makeMailServer({
        client_folder_state: (ids, folder) => ({
            uidvalidity: box.validity[folder],
            total: box.folders[folder].length,
        }),
        client_folders: () =>
            ["INBOX", "Archive", "Trash"].map((name) => ({
                name,
                path: [name],
                special_use: { INBOX: "\\Inbox", Trash: "\\Trash" }[name] || false,
                selectable: true,
                unread: box.folders[name].filter((uid) => box.unseen.has(uid)).length,
            })),
        client_page: (ids, folder, sort, reverse, offset, limit) => ({
            messages: box.folders[folder].slice(offset, offset + limit).map((uid) => ({
                uid,
                subject: `Message ${uid}`,
                seen: !box.unseen.has(uid),
                flagged: false,
            })),
            total: box.folders[folder].length,
            offset,
            sort: "date",
            uidvalidity: box.validity[folder],
        }),
        client_assignments: () => ({}),
        client_message: (ids, folder, uidvalidity, uid) => ({ uid, subject: `Message ${uid}` }),
        client_move: (ids, folder, uidvalidity, uids, target) =>
            box.move(folder, uidvalidity, uids, target),
        client_delete: (ids, folder, uidvalidity, uids) => {
            if (box.deleteMode === "trash" && folder !== "Trash") {
                return box.move(folder, uidvalidity, uids, "Trash");
            }
            box.folders[folder] = box.folders[folder].filter((uid) => !uids.includes(uid));
            return [];
        },
        client_matching_uids: (ids, folder) => ({
            uidvalidity: box.validity[folder],
            uids: [...box.folders[folder]].sort((a, b) => a - b),
        }),
        client_set_flag: (ids, folder, uidvalidity, uids, flag, value) => {
            for (const uid of uids) {
                if (flag === "seen" && value) {
                    box.unseen.delete(uid);
                }
            }
            return true;
        },
    });
    return { box, server };
}

/** What the user saw in toasts, with their buttons; `closed` counts toasts closed by code. */
function notifications() {
    const toasts = {
        shown: [],
        add(message, options = {}) {
            const toast = { message: String(message), ...options, closed: false };
            toasts.shown.push(toast);
            return () => (toast.closed = true);
        },
    };
    return toasts;
}

async function openInbox(server, { deleteMode = "trash", limit = 50 } = {}) {
    await makeMockEnv();
    const toasts = notifications();
    const model = new MailClientModel({ rpc: server.rpc, notification: toasts });
    model.accounts = [{ id: 1, name: "Sales", email: "s@example.com", delete_mode: deleteMode }];
    model.accountId = 1;
    await model.loadFolders();
    model.limit = limit;
    await model.openFolder("INBOX");
    return { model, toasts };
}

const shown = (model) => model.messages.map((message) => message.uid);
const undoOf = (toast) => toast.buttons?.find((button) => String(button.name) === "Undo");

describe("dynaoffice_mail client: undo", () => {
    test("a move says where to and Undo moves the messages back to where they were", async () => {
        const { box, server } = account();
        const { model, toasts } = await openInbox(server);

        await model.move([4, 3], "Archive");
        expect(shown(model)).toEqual([5, 2, 1]);
        const [toast] = toasts.shown;
        expect(toast.message).toBe("2 messages were moved to Archive.");
        expect(toast.type).toBe("success");

        const pages = server.callsOf("client_page").length;
        await undoOf(toast).onClick();
        expect(toast.closed).toBe(true);
        // The same call as a move, from where the server said they went.
        expect(server.callsOf("client_move")[1].args).toEqual([
            [1],
            "Archive",
            9,
            [100, 101],
            "INBOX",
        ]);
        expect(box.folders.Archive).toEqual([]);
        expect(server.callsOf("client_page").length).toBeGreaterThan(pages);
        // Back, under the new UIDs IMAP gives them.
        expect(shown(model)).toEqual([102, 103, 5, 2, 1]);
    });

    test("a delete into the Trash opens the next message; Undo brings it back", async () => {
        const { box, server } = account();
        const { model, toasts } = await openInbox(server);
        await model.openMessage(3);

        await model.deleteMessages([3]);
        expect(model.message.subject).toBe("Message 2");
        expect(box.folders.Trash).toEqual([100]);
        const [toast] = toasts.shown;
        expect(toast.message).toBe("1 message was deleted.");

        await undoOf(toast).onClick();
        expect(server.callsOf("client_move")[0].args).toEqual([[1], "Trash", 11, [100], "INBOX"]);
        expect(box.folders.Trash).toEqual([]);
        expect(shown(model)).toEqual([101, 5, 4, 2, 1]);
    });

    test("deleting for good offers no Undo", async () => {
        const { server } = account({ deleteMode: "expunge" });
        const { model, toasts } = await openInbox(server, { deleteMode: "expunge" });
        expect(model.deleteIsPermanent).toBe(true);

        await model.deleteMessages([5]);
        expect(shown(model)).toEqual([4, 3, 2, 1]);
        expect(toasts.shown.filter(undoOf)).toEqual([]);
    });

    test("when the server does not say where they went, the toast says it was done", async () => {
        const { server } = account({ tellsWhere: false });
        const { model, toasts } = await openInbox(server);

        await model.move([5], "Archive");
        expect(toasts.shown.map((toast) => toast.message)).toEqual([
            "1 message was moved to Archive.",
        ]);
        expect(undoOf(toasts.shown[0])).toBe(undefined);
    });

    test("Undo clicked twice moves the messages back once, without an error", async () => {
        const { box, server } = account();
        const { model, toasts } = await openInbox(server);
        await model.move([4, 3], "Archive");
        // As the server: mail no longer where the refs say is refused as moved already.
        server.handlers.client_move = (ids, folder, uidvalidity, uids, target) => {
            if (uids.some((uid) => !box.folders[folder].includes(uid))) {
                throw serverError("The messages were already moved or deleted.");
            }
            return box.move(folder, uidvalidity, uids, target);
        };

        const undo = undoOf(toasts.shown[0]);
        expect(await Promise.all([undo.onClick(), undo.onClick()])).toEqual([true, true]);
        expect(server.callsOf("client_move").length).toBe(2); // the move and one Undo
        expect(toasts.shown.map((toast) => toast.type)).toEqual(["success"]);
        expect(shown(model)).toEqual([102, 103, 5, 2, 1]);
    });

    test("an Undo the server refuses says why and reloads the list", async () => {
        const { box, server } = account();
        const { model, toasts } = await openInbox(server);
        await model.move([5], "Archive");
        box.validity.Archive = 10; // renumbered meanwhile

        expect(await undoOf(toasts.shown[0]).onClick()).toBe(false);
        expect(toasts.shown.at(-1).type).toBe("danger");
        expect(box.folders.Archive).toEqual([100]);
    });
});

describe("dynaoffice_mail client: select all in the folder", () => {
    test("the whole page checked offers all in the folder; a change takes it back", async () => {
        const { server } = account({ inbox: Array.from({ length: 8 }, (_, i) => 8 - i) });
        const { model } = await openInbox(server, { limit: 3 });
        expect(model.offersAllMatching).toBe(false);

        model.selectAll(true);
        expect(model.offersAllMatching).toBe(true);
        model.selectAllMatching();
        expect(model.selectsAllMatching).toBe(true);
        expect(model.selectedCount).toBe(8);
        expect(model.offersAllMatching).toBe(false);

        model.toggleSelected(7);
        expect(model.selectsAllMatching).toBe(false);
        expect(model.selectedCount).toBe(2);
        model.selectAll(true);
        model.selectAllMatching();
        model.clearSelection();
        expect(model.selectsAllMatching).toBe(false);
        expect(model.selectedCount).toBe(0);
    });

    test("a page that shows the whole folder offers nothing more", async () => {
        const { server } = account();
        const { model } = await openInbox(server);
        model.selectAll(true);
        expect(model.offersAllMatching).toBe(false);
    });

    test("marking all read goes in batches, counting up, and ends with one toast", async () => {
        const total = 2 * BULK_BATCH_SIZE + 34;
        const { box, server } = account({
            inbox: Array.from({ length: total }, (_, i) => total - i),
        });
        const answers = makeHeldAnswers();
        const setFlag = server.handlers.client_set_flag;
        server.handlers.client_set_flag = answers.hold;
        const { model, toasts } = await openInbox(server);
        model.selectAll(true);
        model.selectAllMatching();

        const running = model.bulkChange("seen", { value: true });
        expect(model.bulk.total).toBe(total);
        const progress = [];
        for (let batch = 0; batch < 3; batch++) {
            await waitForCalls(answers.pending, batch + 1);
            progress.push([model.bulk.done, model.bulkPercent]);
            const { args, deferred } = answers.pending[batch];
            deferred.resolve(setFlag(...args));
        }
        await running;

        expect(progress).toEqual([
            [0, 0],
            [BULK_BATCH_SIZE, 48],
            [2 * BULK_BATCH_SIZE, 97],
        ]);
        const batches = answers.pending.map(({ args }) => args[3].length);
        expect(batches).toEqual([BULK_BATCH_SIZE, BULK_BATCH_SIZE, 34]);
        expect(answers.pending[0].args.slice(0, 3)).toEqual([[1], "INBOX", 7]);
        expect(answers.pending[0].args.slice(4, 6)).toEqual(["seen", true]);
        expect(server.callsOf("client_matching_uids")[0].args[2]).toEqual(model.search);
        expect(box.unseen.size).toBe(0);
        expect(model.bulk).toBe(null);
        expect(model.selection.size).toBe(0);
        expect(toasts.shown.map((toast) => [toast.message, toast.type])).toEqual([
            ["1,034 messages were marked as read.", "success"],
        ]);
        expect(model.folders.find((folder) => folder.name === "INBOX").unread).toBe(0);
    });

    test("Cancel stops after the batch under way and says how many were done", async () => {
        const total = 3 * BULK_BATCH_SIZE;
        const { box, server } = account({
            inbox: Array.from({ length: total }, (_, i) => total - i),
        });
        const answers = makeHeldAnswers();
        const move = server.handlers.client_move;
        server.handlers.client_move = answers.hold;
        const { model, toasts } = await openInbox(server);
        model.selectAll(true);
        model.selectAllMatching();

        const running = model.bulkChange("move", { target: "Archive" });
        await waitForCalls(answers.pending, 1);
        model.cancelBulk();
        expect(model.bulk.cancelled).toBe(true);
        answers.pending[0].deferred.resolve(move(...answers.pending[0].args));
        await running;

        expect(answers.pending.length).toBe(1);
        expect(box.folders.Archive.length).toBe(BULK_BATCH_SIZE);
        expect(toasts.shown.map((toast) => [String(toast.title), toast.message])).toEqual([
            ["Stopped", "500 messages were moved to Archive."],
        ]);
    });

    test("mail a colleague moved meanwhile is skipped; the other batches go on", async () => {
        const total = 3 * BULK_BATCH_SIZE;
        const { box, server } = account({
            inbox: Array.from({ length: total }, (_, i) => total - i),
        });
        // The colleague moves 20 of the second batch after "Select all" named the UIDs.
        const taken = Array.from({ length: 20 }, (_, i) => BULK_BATCH_SIZE + 1 + i);
        const matching = server.handlers.client_matching_uids;
        server.handlers.client_matching_uids = (...args) => {
            const answer = matching(...args);
            box.folders.INBOX = box.folders.INBOX.filter((uid) => !taken.includes(uid));
            box.folders.Archive.push(...taken);
            return answer;
        };
        // As the server: a batch with gone mail moves the others and, asked to skip the
        // gone ones, says how many; else it refuses with an error.
        const asked = [];
        server.handlers.client_move = (ids, folder, uidvalidity, uids, target, skipGone) => {
            const present = uids.filter((uid) => box.folders[folder].includes(uid));
            asked.push(...uids);
            const refs = box.move(folder, uidvalidity, present, target);
            if (present.length < uids.length && skipGone !== true) {
                throw serverError("20 of the 500 messages were already moved or deleted.");
            }
            return skipGone === true ? { refs, gone: uids.length - present.length } : refs;
        };
        const { model, toasts } = await openInbox(server);
        model.selectAll(true);
        model.selectAllMatching();

        expect(await model.bulkChange("move", { target: "Archive" })).toBe(total - 20);
        expect(box.folders.INBOX).toEqual([]);
        expect(box.folders.Archive.length).toBe(total);
        // Only the mail the user selected was asked for, each message once.
        expect(asked.length).toBe(total);
        expect(new Set(asked).size).toBe(total);
        expect(toasts.shown.map((toast) => [toast.message, toast.type])).toEqual([
            [
                "1,480 messages were moved to Archive. 20 messages were no longer in this " +
                    "folder (moved or deleted elsewhere).",
                "warning",
            ],
        ]);
    });

    test("marking all read skips mail deleted meanwhile and says how many", async () => {
        const total = 2 * BULK_BATCH_SIZE;
        const { box, server } = account({
            inbox: Array.from({ length: total }, (_, i) => total - i),
        });
        // Another mail program deletes 7 of the first batch after "Select all" named them.
        const taken = Array.from({ length: 7 }, (_, i) => 1 + i);
        const matching = server.handlers.client_matching_uids;
        server.handlers.client_matching_uids = (...args) => {
            const answer = matching(...args);
            box.folders.INBOX = box.folders.INBOX.filter((uid) => !taken.includes(uid));
            return answer;
        };
        // As the server: a STORE passes over UIDs that are gone; asked to skip them, it
        // says how many there were.
        const setFlag = server.handlers.client_set_flag;
        server.handlers.client_set_flag = (ids, folder, validity, uids, flag, value, skip) => {
            const present = uids.filter((uid) => box.folders[folder].includes(uid));
            setFlag(ids, folder, validity, present, flag, value);
            return skip === true ? { gone: uids.length - present.length } : true;
        };
        const { model, toasts } = await openInbox(server);
        model.selectAll(true);
        model.selectAllMatching();

        expect(await model.bulkChange("seen", { value: true })).toBe(total - 7);
        expect(toasts.shown.map((toast) => [toast.message, toast.type])).toEqual([
            [
                "993 messages were marked as read. 7 messages were no longer in this folder " +
                    "(moved or deleted elsewhere).",
                "warning",
            ],
        ]);
    });

    test("a refused batch stops the rest and says why and how many were done", async () => {
        const total = 2 * BULK_BATCH_SIZE + 1;
        const { server } = account({ inbox: Array.from({ length: total }, (_, i) => total - i) });
        let calls = 0;
        const remove = server.handlers.client_delete;
        server.handlers.client_delete = (...args) => {
            if (++calls === 2) {
                throw serverError("The mail server refused the change.");
            }
            return remove(...args);
        };
        const { model, toasts } = await openInbox(server);
        model.selectAll(true);
        model.selectAllMatching();

        expect(await model.bulkChange("delete")).toBe(BULK_BATCH_SIZE);
        expect(calls).toBe(2);
        expect(toasts.shown.map((toast) => [toast.message, toast.type])).toEqual([
            ["The mail server refused the change.", "danger"],
            ["500 messages were deleted.", "warning"],
        ]);
    });
});

/** Until the model has made `count` held calls (its answers are promises: no timer runs). */
async function waitForCalls(pending, count) {
    for (let turn = 0; turn < 100 && pending.length < count; turn++) {
        await Promise.resolve();
    }
    expect(pending.length).toBe(count);
}
