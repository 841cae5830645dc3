import { describe, expect, test } from "@odoo/hoot";
import { MailClientModel } from "@dynaoffice_mail/client/mail_client_model";
import { makeMockEnv } from "@web/../tests/web_test_helpers";
import { makeMailServer, makeNotifications } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

const BEN = { status: "open", user_id: 7, user_name: "Ben", avatar_url: "/web/image/res.users/7/avatar_128" };

function page(uids) {
    return {
        messages: uids.map((uid) => ({
            uid,
            subject: `Message ${uid}`,
            seen: true,
            flagged: false,
            ref: { account: 1, folder: "INBOX", uidvalidity: 7, uid },
        })),
        total: uids.length,
        offset: 0,
        sort: "date",
        uidvalidity: 7,
    };
}

function teamServer(overrides = {}) {
    const states = {};
    return makeMailServer({
        client_folder_state: () => ({ uidvalidity: 7, total: 3, unread: 0 }),
        client_folders: () => [{ name: "INBOX", special_use: "\\Inbox", selectable: true }],
        client_page: () => page([3, 2, 1]),
        client_team_page: (ids, view) => page(view === "mine" ? [2] : [3, 1]),
        client_team_counts: () => ({ mine: 1, unassigned: 2, waiting: 0 }),
        client_team_states: (ids, folder, uidvalidity, uids) =>
            Object.fromEntries(uids.filter((uid) => states[uid]).map((uid) => [uid, states[uid]])),
        client_team_take: (ids, folder, uidvalidity, uids) => {
            for (const uid of uids) {
                states[uid] = BEN;
            }
            return { states: { ...states }, keywords: true, moved: [] };
        },
        client_team_set_status: () => ({ states: {}, keywords: false, moved: [] }),
        client_assignments: () => ({}),
        ...overrides,
    });
}

async function groupInbox(server) {
    const notifications = makeNotifications();
    const model = new MailClientModel({ rpc: server.rpc, notification: notifications });
    model.accounts = [{ id: 1, name: "Vertrieb", email: "v@example.com", account_type: "group" }];
    model.accountId = 1;
    await model.loadFolders();
    await model.openFolder("INBOX");
    return { model, notifications };
}

describe("dynaoffice_mail client: team inbox", () => {
    test("a team view lists what the server searched, the counts come with the folders", async () => {
        const server = teamServer();
        const { model } = await groupInbox(server);
        // Asked with the folder list, not awaited by it.
        expect(server.callsOf("client_team_counts").length).toBeGreaterThan(0);
        await model.team.loadCounts(1);
        expect(model.team.countOf(1, "mine")).toBe(1);

        await model.openTeamView("mine");

        expect(server.callsOf("client_team_page").at(-1).args[1]).toBe("mine");
        expect(model.messages.map((message) => message.uid)).toEqual([2]);
        expect(model.folder).toBe("INBOX");
        await model.openFolder("INBOX");
        expect(model.teamView).toBe(null);
    });

    test("taking a message shows its assignee at once and reloads the team view", async () => {
        const server = teamServer();
        const { model } = await groupInbox(server);
        await model.openTeamView("unassigned");
        const pages = server.callsOf("client_team_page").length;

        await model.teamChange("take", null, [3]);

        expect(server.callsOf("client_team_take").at(-1).args[3]).toEqual([3]);
        expect(model.team.of(3).user_name).toBe("Ben");
        expect(server.callsOf("client_team_page").length).toBeGreaterThan(pages);
    });

    test("a server without keywords is said to keep the state in Odoo only", async () => {
        await makeMockEnv(); // the notification is translated
        const server = teamServer();
        const { model, notifications } = await groupInbox(server);

        await model.teamChange("status", "waiting", [1]);

        expect(notifications.shown.map((shown) => shown.message).join(" ")).toInclude(
            "kept in Odoo only"
        );
    });

    test("personal mailboxes ask nothing of the team inbox", async () => {
        const server = teamServer();
            const model = new MailClientModel({ rpc: server.rpc, notification: makeNotifications() });
        model.accounts = [{ id: 1, name: "Anna", email: "a@example.com", account_type: "personal" }];
        model.accountId = 1;
        await model.loadFolders();
        await model.openFolder("INBOX");
        await model.teamChange("take", null, [3]);

        expect(server.callsOf("client_team_counts")).toEqual([]);
        expect(server.callsOf("client_team_states")).toEqual([]);
        expect(server.callsOf("client_team_take")).toEqual([]);
    });
});
