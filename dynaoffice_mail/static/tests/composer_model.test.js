import { describe, expect, test } from "@odoo/hoot";
import { advanceTime } from "@odoo/hoot-mock";
import { AUTOSAVE_INTERVAL, ComposerModel } from "@dynaoffice_mail/client/composer_model";
import { session } from "@web/session";
import { makeMockEnv, patchWithCleanup } from "@web/../tests/web_test_helpers";
import {
    makeHeldAnswers,
    makeMailServer,
    makeNotifications,
    serverError,
} from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

function composeValues() {
    return {
        account_id: 1,
        from_display: "Sales <sales@example.com>",
        to: [],
        cc: [],
        bcc: [],
        subject: "",
        body_html: "<p>Regards</p>",
        attachments: [],
        draft: null,
        original: null,
        notes: [],
    };
}

/** A server whose Drafts folder numbers each saved draft anew. */
function draftServer(overrides = {}) {
    let nextUid = 1;
    return makeMailServer({
        client_compose: () => composeValues(),
        client_save_draft: () => ({
            draft: { account: 1, folder: "Drafts", uidvalidity: 3, uid: nextUid++ },
        }),
        client_send: () => ({ sent: true, problems: [] }),
        client_discard: () => true,
        ...overrides,
    });
}

async function openComposer(server) {
    const notifications = makeNotifications();
    const composer = new ComposerModel(
        { rpc: server.rpc, notification: notifications },
        { accountId: 1, mode: "new" }
    );
    await composer.load();
    return { composer, notifications };
}

/** The interval passes; whatever save it started is done. */
async function autosaveInterval(composer) {
    await advanceTime(AUTOSAVE_INTERVAL);
    await composer.whenIdle();
}

describe("dynaoffice_mail composer: draft autosave", () => {
    test("changes are saved as a draft after the interval, not before", async () => {
        const server = draftServer();
        const { composer, notifications } = await openComposer(server);
        const saved = [];
        composer.startAutosave(() => saved.push(composer.values.draft.uid));
        composer.update("subject", "Angebot");

        await advanceTime(AUTOSAVE_INTERVAL - 1000);
        await composer.whenIdle();
        expect(server.callsOf("client_save_draft")).toHaveLength(0);
        expect(composer.dirty).toBe(true);

        await advanceTime(1000);
        await composer.whenIdle();
        const saves = server.callsOf("client_save_draft");
        expect(saves).toHaveLength(1);
        expect(saves[0].args[1].subject).toBe("Angebot");
        expect(composer.dirty).toBe(false);
        expect(composer.savedAt).not.toBe(null);
        expect(saved).toEqual([1]);
        // The autosave is quiet: no notification, the status line says it.
        expect(notifications.shown).toEqual([]);
        composer.stopAutosave();
    });

    test("nothing is saved again while nothing changed", async () => {
        const server = draftServer();
        const { composer } = await openComposer(server);
        composer.startAutosave();
        composer.update("subject", "Angebot");

        await autosaveInterval(composer);
        await autosaveInterval(composer);
        await autosaveInterval(composer);

        expect(server.callsOf("client_save_draft")).toHaveLength(1);
        composer.stopAutosave();
    });

    test("an untouched new message is never saved", async () => {
        const server = draftServer();
        const { composer } = await openComposer(server);
        composer.startAutosave();

        await autosaveInterval(composer);

        expect(server.callsOf("client_save_draft")).toHaveLength(0);
        composer.stopAutosave();
    });

    test("the next save replaces the draft saved before", async () => {
        const server = draftServer();
        const { composer } = await openComposer(server);
        composer.startAutosave();
        composer.update("subject", "Angebot");
        await autosaveInterval(composer);
        composer.update("subject", "Angebot 2026");
        await autosaveInterval(composer);

        const saves = server.callsOf("client_save_draft");
        expect(saves.map((call) => call.args[1].draft?.uid ?? null)).toEqual([null, 1]);
        expect(composer.values.draft).toEqual({
            account: 1,
            folder: "Drafts",
            uidvalidity: 3,
            uid: 2,
        });
        composer.stopAutosave();
    });

    test("a change made while a save is on its way is saved at the next interval", async () => {
        const answers = makeHeldAnswers();
        const server = draftServer({ client_save_draft: answers.hold });
        const { composer } = await openComposer(server);
        composer.startAutosave();
        composer.update("subject", "Angebot");
        await advanceTime(AUTOSAVE_INTERVAL);
        expect(composer.saving).toBe(true);

        composer.update("to", ["kunde@example.com"]);
        answers.pending[0].deferred.resolve({
            draft: { account: 1, folder: "Drafts", uidvalidity: 3, uid: 1 },
        });
        await composer.whenIdle();
        expect(composer.dirty).toBe(true);

        await advanceTime(AUTOSAVE_INTERVAL);
        answers.pending[1].deferred.resolve({
            draft: { account: 1, folder: "Drafts", uidvalidity: 3, uid: 2 },
        });
        await composer.whenIdle();
        expect(answers.pending[1].args[1].to).toEqual(["kunde@example.com"]);
        expect(composer.dirty).toBe(false);
        composer.stopAutosave();
    });

    test("a failed autosave says so in the status, keeps the changes and tries again", async () => {
        let fail = true;
        const server = draftServer({
            client_save_draft: () => {
                if (fail) {
                    throw serverError("The Drafts folder is full.");
                }
                return { draft: { account: 1, folder: "Drafts", uidvalidity: 3, uid: 1 } };
            },
        });
        const { composer, notifications } = await openComposer(server);
        composer.startAutosave();
        composer.update("subject", "Angebot");

        await autosaveInterval(composer);
        expect(composer.saveError).toBe("The Drafts folder is full.");
        expect(composer.dirty).toBe(true);
        expect(notifications.shown).toEqual([]);

        fail = false;
        await autosaveInterval(composer);
        expect(composer.saveError).toBe("");
        expect(composer.dirty).toBe(false);
        expect(server.callsOf("client_save_draft")).toHaveLength(2);
        composer.stopAutosave();
    });

    test("no autosave after the composer stopped it (closed, sent)", async () => {
        const server = draftServer();
        const { composer } = await openComposer(server);
        composer.startAutosave();
        composer.update("subject", "Angebot");
        composer.stopAutosave();

        await autosaveInterval(composer);

        expect(server.callsOf("client_save_draft")).toHaveLength(0);
    });

    test("Send waits for an autosave in flight and replaces the draft it made", async () => {
        const answers = makeHeldAnswers();
        const server = draftServer({ client_save_draft: answers.hold });
        const { composer } = await openComposer(server);
        composer.startAutosave();
        composer.update("to", ["kunde@example.com"]);
        composer.update("subject", "Angebot");
        await advanceTime(AUTOSAVE_INTERVAL);

        const sending = composer.send();
        expect(server.callsOf("client_send")).toHaveLength(0);
        answers.pending[0].deferred.resolve({
            draft: { account: 1, folder: "Drafts", uidvalidity: 3, uid: 7 },
        });
        const result = await sending;

        expect(result.sent).toBe(true);
        expect(server.callsOf("client_send")[0].args[1].draft.uid).toBe(7);
        expect(composer.closed).toBe(true);
        expect(composer.dirty).toBe(false);
        composer.stopAutosave();
    });
});

describe("dynaoffice_mail composer: saving and sending", () => {
    test("saving by hand says why it failed", async () => {
        const server = draftServer({
            client_save_draft: () => {
                throw serverError("No connection to the mail server.");
            },
        });
        const { composer, notifications } = await openComposer(server);
        composer.update("subject", "Angebot");

        expect(await composer.saveDraft()).toBe(false);
        expect(notifications.shown.map((shown) => [shown.message, shown.type])).toEqual([
            ["No connection to the mail server.", "danger"],
        ]);
        expect(composer.dirty).toBe(true);
    });

    test("a send the server refuses keeps the composer open with the reason", async () => {
        const server = draftServer({
            client_send: () => ({
                sent: false,
                error: "The SMTP server refused the recipient.",
                draft: { account: 1, folder: "Drafts", uidvalidity: 3, uid: 4 },
            }),
        });
        const { composer } = await openComposer(server);
        composer.update("to", ["kunde@example.com"]);

        const result = await composer.send();

        expect(result.sent).toBe(false);
        expect(composer.closed).toBe(false);
        expect(composer.sendError).toBe("The SMTP server refused the recipient.");
        // What the server saved instead is the draft the next save replaces.
        expect(composer.values.draft.uid).toBe(4);
        expect(composer.dirty).toBe(false);
    });

    test("closing with unsaved changes saves them as a draft first", async () => {
        const server = draftServer();
        const { composer } = await openComposer(server);
        composer.update("subject", "Angebot");

        expect(await composer.close()).toBe(true);

        expect(server.callsOf("client_save_draft")).toHaveLength(1);
        expect(composer.closed).toBe(true);
    });
});

describe("dynaoffice_mail composer: attachments", () => {
    test("a file larger than the server takes is refused before its upload", async () => {
        await makeMockEnv(); // the translations the notification's text goes through
        patchWithCleanup(session, { max_file_upload_size: 1024 });
        const server = draftServer();
        const { composer, notifications } = await openComposer(server);

        composer.upload([new File([new Uint8Array(2048)], "Bauplan.pdf")]);

        expect(composer.uploads).toHaveLength(0);
        expect(composer.uploading).toBe(false);
        expect(notifications.shown).toHaveLength(1);
        expect(notifications.shown[0].type).toBe("danger");
        expect(notifications.shown[0].message).toInclude("larger than the maximum");
    });
});
