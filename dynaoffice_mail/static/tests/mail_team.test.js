import { describe, expect, test } from "@odoo/hoot";
import { advanceTime, animationFrame } from "@odoo/hoot-mock";
import { user } from "@web/core/user";
import { makeMockEnv } from "@web/../tests/web_test_helpers";
import { MailClientModel } from "@dynaoffice_mail/client/mail_client_model";
import { MailTeam, draftsLabel, replyingLabel } from "@dynaoffice_mail/client/mail_team";
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
        client_note_counts: () => ({ 3: 2 }),
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

    test("select all in a team view marks the view's mail read, not all of the Inbox", async () => {
        await makeMockEnv(); // the toast is translated
        const server = teamServer({
            // "Assigned to me" shows 1 of its 2 messages; the Inbox holds 5.
            client_team_page: () => ({ ...page([4]), total: 2 }),
            client_team_matching_uids: () => ({ uidvalidity: 7, uids: [2, 4] }),
            client_matching_uids: () => ({ uidvalidity: 7, uids: [1, 2, 3, 4, 5] }),
            client_set_flag: () => ({ gone: 0 }),
        });
        const { model, notifications } = await groupInbox(server);
        await model.openTeamView("mine");
        model.selectAll(true);
        model.selectAllMatching();
        expect(model.selectedCount).toBe(2);

        await model.bulkChange("seen", { value: true });

        expect(server.callsOf("client_team_matching_uids")[0].args.slice(0, 2)).toEqual([
            [1],
            "mine",
        ]);
        expect(server.callsOf("client_set_flag").map((call) => call.args[3])).toEqual([[2, 4]]);
        expect(notifications.shown.map((shown) => shown.message)).toEqual([
            "2 messages were marked as read.",
        ]);
    });

    test("a group mailbox's page brings its messages' team states and note counts", async () => {
        const server = teamServer({ client_team_states: () => ({ 1: BEN }) });
        const { model } = await groupInbox(server);
        await animationFrame();

        for (const method of ["client_team_states", "client_note_counts"]) {
            expect(server.callsOf(method).at(-1).args).toEqual([[1], "INBOX", 7, [3, 2, 1]]);
        }
        expect(model.team.of(1).user_name).toBe("Ben");
        expect([model.team.notesOf(3), model.team.notesOf(1)]).toEqual([2, 0]);
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

    test("taking says who the list showed with each message, or nobody", async () => {
        const server = teamServer({ client_team_states: () => ({ 1: BEN }) });
        const { model } = await groupInbox(server);
        await animationFrame();

        await model.teamChange("take", null, [3, 1]);

        expect(server.callsOf("client_team_take").at(-1).args[4]).toEqual({ 3: false, 1: 7 });
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
        expect(server.callsOf("client_note_counts")).toEqual([]);
        expect(server.callsOf("client_team_take")).toEqual([]);
    });
});

const INBOX = { accountId: 3, folder: "INBOX", uidvalidity: 7 };
const MESSAGE_ID = "<angebot-1@kunde.example>";

describe("dynaoffice_mail client: team notes and who is replying", () => {
    test("the note counts of a page come in one call, and start over in another folder", async () => {
        const server = makeMailServer({
            client_note_counts: (_ids, folder) => (folder === "INBOX" ? { 11: 2 } : { 5: 1 }),
        });
        const team = new MailTeam({ rpc: server.rpc });
        await team.loadPage(INBOX, [10, 11, 12]);
        expect(server.callsOf("client_note_counts").map((call) => call.args)).toEqual([
            [[3], "INBOX", 7, [10, 11, 12]],
        ]);
        expect([team.notesOf(10), team.notesOf(11)]).toEqual([0, 2]);
        team.noted(INBOX, 10);
        expect(team.notesOf(10)).toBe(1);
        // A message opened from elsewhere, not on the page: asked for alone, once.
        await team.ensure(INBOX, 11);
        await team.ensure(INBOX, 40);
        await team.ensure(INBOX, 40);
        expect(server.callsOf("client_note_counts").map((call) => call.args[3])).toEqual([
            [10, 11, 12],
            [40],
        ]);
        await team.loadPage({ ...INBOX, folder: "Archiv" }, [5, 11]);
        expect([team.notesOf(5), team.notesOf(11)]).toEqual([1, 0]);
        team.clear();
        expect(team.notesOf(5)).toBe(0);
    });

    test("who is replying: asked, heard on the bus, never the user himself", async () => {
        await makeMockEnv(); // the labels are translated
        const ben = { id: user.userId + 100, name: "Ben Becker" };
        const server = makeMailServer({
            client_who_is_replying: () => ({ users: [ben], drafts: 1 }),
        });
        const team = new MailTeam({ rpc: server.rpc });
        expect(team.replyingTo(3, MESSAGE_ID)).toEqual({ users: [], drafts: 0 });
        await team.askWhoIsReplying(3, MESSAGE_ID);
        expect(team.replyingTo(3, MESSAGE_ID)).toEqual({ users: [ben], drafts: 1 });
        const self = { id: user.userId, name: "Anna Schäfer" };
        team.onNotice({ account_id: 3, message_id: MESSAGE_ID, users: [self] });
        expect(team.replyingTo(3, MESSAGE_ID)).toEqual({ users: [], drafts: 1 });
        expect(team.replyingTo(4, MESSAGE_ID).users).toEqual([]);
        expect(String(replyingLabel([ben]))).toBe("Ben Becker is replying.");
        expect(String(replyingLabel([ben, { id: 9, name: "Carla" }]))).toBe(
            "Ben Becker and Carla are replying."
        );
        expect(String(draftsLabel(1))).toBe("A reply to this mail is saved in Drafts.");
        expect(draftsLabel(0)).toBe("");
    });

    test("an open reply says so every heartbeat until it closes", async () => {
        const server = makeMailServer({
            client_replying: () => ({ users: [], drafts: 0, heartbeat: 30 }),
            client_replying_done: () => true,
        });
        const team = new MailTeam({ rpc: server.rpc });
        const draft = { folder: "Drafts", uidvalidity: 2, uid: 4 };
        const stop = team.startReplying(3, MESSAGE_ID, () => draft);
        await animationFrame();
        expect(server.callsOf("client_replying").map((call) => call.args)).toEqual([
            [[3], MESSAGE_ID, draft],
        ]);
        await advanceTime(30000);
        expect(server.callsOf("client_replying").length).toBe(2);
        stop();
        expect(server.callsOf("client_replying_done").map((call) => call.args)).toEqual([
            [[3], MESSAGE_ID],
        ]);
        await advanceTime(60000);
        expect(server.callsOf("client_replying").length).toBe(2);
    });
});
