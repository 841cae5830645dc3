import { describe, expect, test } from "@odoo/hoot";
import { animationFrame, mockTimeZone } from "@odoo/hoot-mock";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { ComposerModel } from "@dynaoffice_mail/client/composer_model";
import { notifyScheduled, ScheduledList } from "@dynaoffice_mail/client/scheduled_mail";
import {
    contains,
    makeMockEnv,
    mockService,
    mountWithCleanup,
} from "@web/../tests/web_test_helpers";
import { makeMailServer, makeNotifications, serverError } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
defineMailModels();

const DRAFT = { account: 1, folder: "Drafts", uidvalidity: 3, uid: 9 };
const HELD = {
    sent: false,
    scheduled: true,
    entry_id: 42,
    send_after: "2026-12-05 08:00:10",
    undo_seconds: 10,
    draft: DRAFT,
};

function composeValues() {
    return {
        account_id: 1,
        from_display: "Sales <sales@example.com>",
        to: ["kunde@example.com"],
        cc: [],
        bcc: [],
        subject: "Angebot",
        body_html: "<p>Regards</p>",
        attachments: [],
        draft: null,
        original: null,
        notes: [],
    };
}

async function openComposer(server) {
    const composer = new ComposerModel(
        { rpc: server.rpc, notification: { add: () => () => {} } },
        { accountId: 1, mode: "new" }
    );
    await composer.load();
    return composer;
}

/** Notifications with their buttons, as the notification service gets them. */
function notificationsWithButtons() {
    const shown = [];
    return {
        shown,
        add(message, options = {}) {
            const entry = { message: String(message), ...options, closed: false };
            shown.push(entry);
            return () => (entry.closed = true);
        },
    };
}

describe("dynaoffice_mail: sending later and undoing a send", () => {
    test("Send asks the server to hold the mail for the undo window; done when it does", async () => {
        const server = makeMailServer({
            client_compose: () => composeValues(),
            client_send: () => HELD,
        });
        const composer = await openComposer(server);

        const result = await composer.send();

        expect(result.scheduled).toBe(true);
        expect(server.callsOf("client_send")[0].kwargs).toEqual({ force: false, hold: true });
        expect(composer.closed).toBe(true);
    });

    test("Send again anyway never waits", async () => {
        const server = makeMailServer({
            client_compose: () => composeValues(),
            client_send: () => ({ sent: true, problems: [] }),
        });
        const composer = await openComposer(server);

        await composer.send({ force: true });

        expect(server.callsOf("client_send")[0].kwargs).toEqual({ force: true, hold: false });
    });

    test("Send later names the moment, and a refused moment keeps the composer", async () => {
        const server = makeMailServer({
            client_compose: () => composeValues(),
            client_send_later: (ids, values, when) => {
                if (when === "2020-01-01 08:00:00") {
                    throw serverError("Choose a time to send the mail at that is ahead.");
                }
                return { ...HELD, undo_seconds: undefined };
            },
        });
        const composer = await openComposer(server);

        const refused = await composer.send({ when: "2020-01-01 08:00:00" });
        expect(refused.sent).toBe(false);
        expect(composer.closed).toBe(false);
        expect(composer.sendError).toBe("Choose a time to send the mail at that is ahead.");

        const result = await composer.send({ when: "monday" });
        expect(result.scheduled).toBe(true);
        expect(server.callsOf("client_send_later").map((call) => call.args[2])).toEqual([
            "2020-01-01 08:00:00",
            "monday",
        ]);
        expect(server.callsOf("client_send")).toHaveLength(0);
        expect(composer.closed).toBe(true);
    });

    test("Send later tells the server the browser's time zone, for its mornings", async () => {
        mockTimeZone("America/New_York");
        const server = makeMailServer({
            client_compose: () => composeValues(),
            client_send_later: () => ({ ...HELD, undo_seconds: undefined }),
        });
        const composer = await openComposer(server);

        await composer.send({ when: "tomorrow" });

        expect(server.callsOf("client_send_later")[0].kwargs).toEqual({
            tz: "America/New_York",
        });
    });

    test("Undo cancels the held mail and reopens its draft", async () => {
        await makeMockEnv(); // the notification is translated
        const server = makeMailServer({
            client_scheduled_cancel: () => ({ draft: DRAFT }),
        });
        const notification = notificationsWithButtons();
        const reopened = [];

        notifyScheduled({ rpc: server.rpc, notification }, 1, HELD, (draft) =>
            reopened.push(draft)
        );
        const [held] = notification.shown;
        expect(held.autocloseDelay).toBe(10000);
        expect(held.buttons.map((button) => button.name)).toEqual(["Undo"]);

        await held.buttons[0].onClick();

        expect(server.callsOf("client_scheduled_cancel")[0].args).toEqual([[1], 42]);
        expect(held.closed).toBe(true);
        expect(reopened).toEqual([DRAFT]);
    });

    test("Undo clicked twice takes the mail back once and says nothing is too late", async () => {
        await makeMockEnv(); // the notification is translated
        // As the server: the second cancel finds the entry taken back by the first.
        let scheduled = true;
        const server = makeMailServer({
            client_scheduled_cancel: () => {
                if (!scheduled) {
                    throw serverError("This mail is no longer scheduled.");
                }
                scheduled = false;
                return { draft: DRAFT };
            },
        });
        const notification = notificationsWithButtons();
        const reopened = [];

        notifyScheduled({ rpc: server.rpc, notification }, 1, HELD, (draft) =>
            reopened.push(draft)
        );
        const [undo] = notification.shown[0].buttons;
        await Promise.all([undo.onClick(), undo.onClick()]);

        expect(server.callsOf("client_scheduled_cancel")).toHaveLength(1);
        expect(reopened).toEqual([DRAFT]);
        expect(notification.shown.map((shown) => [shown.message, shown.type])).toEqual([
            ["Sending in 10 seconds…", "info"],
            ["Sending undone.", "info"],
        ]);
    });

    test("Undo too late says so and reopens nothing", async () => {
        await makeMockEnv(); // the notification is translated
        const server = makeMailServer({
            client_scheduled_cancel: () => {
                throw serverError("Too late: the mail is being sent already.");
            },
        });
        const notification = notificationsWithButtons();
        const reopened = [];

        notifyScheduled({ rpc: server.rpc, notification }, 1, HELD, (draft) =>
            reopened.push(draft)
        );
        await notification.shown[0].buttons[0].onClick();

        expect(notification.shown.at(-1).message).toBe("Too late: the mail is being sent already.");
        expect(notification.shown.at(-1).type).toBe("danger");
        expect(reopened).toEqual([]);
    });

    test("Send now of a scheduled mail names the recipients the server refused", async () => {
        const server = makeMailServer({
            client_scheduled: () => [
                {
                    id: 42,
                    subject: "Angebot",
                    recipients: "kunde@example.com, niemand@example.com",
                    send_after: "2026-12-05 08:00:00",
                    state: "queued",
                    error: "",
                    draft: DRAFT,
                },
            ],
            client_scheduled_send_now: () => ({
                sent: true,
                message_id: "<a@example.com>",
                problems: ["smtp.example.com refused these recipients: niemand@example.com."],
            }),
        });
        const notifications = makeNotifications();
        mockService("dynaoffice_mail.rpc", () => server.rpc);
        mockService("notification", () => notifications);
        await mountWithCleanup(ScheduledList, {
            props: { accountId: 1, onChanged: () => {}, onOpenDraft: () => {}, onClose: () => {} },
        });
        await contains(".o_dynaoffice_mail_scheduled_send_now").click();
        await animationFrame();

        expect(server.callsOf("client_scheduled_send_now")[0].args).toEqual([[1], 42]);
        expect(notifications.shown.map(({ message, type }) => [message, type])).toEqual([
            ["Message sent", "success"],
            ["smtp.example.com refused these recipients: niemand@example.com.", "warning"],
        ]);
    });
});
