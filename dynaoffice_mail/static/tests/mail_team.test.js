import { describe, expect, test } from "@odoo/hoot";
import { advanceTime, animationFrame } from "@odoo/hoot-mock";
import { user } from "@web/core/user";
import { makeMockEnv } from "@web/../tests/web_test_helpers";
import { MailTeam, draftsLabel, replyingLabel } from "@dynaoffice_mail/client/mail_team";
import { makeMailServer } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

const INBOX = { accountId: 3, folder: "INBOX", uidvalidity: 7 };
const MESSAGE_ID = "<angebot-1@kunde.example>";

describe("dynaoffice_mail team inbox", () => {
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
