import { describe, expect, test } from "@odoo/hoot";
import { advanceTime, animationFrame } from "@odoo/hoot-mock";
import { MailPush, PUSH_DEBOUNCE, PUSH_NOTIFICATION } from "@dynaoffice_mail/client/mail_push";
import { makeMailServer } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

/** The bus service as MailPush uses it: `notify(payload)` delivers a push notice. */
function makeBus() {
    const listeners = {};
    const events = new EventTarget();
    return {
        started: false,
        subscribe(type, callback) {
            listeners[type] = callback;
        },
        unsubscribe(type) {
            delete listeners[type];
        },
        addEventListener: events.addEventListener.bind(events),
        removeEventListener: events.removeEventListener.bind(events),
        start() {
            this.started = true;
        },
        notify(payload) {
            listeners[PUSH_NOTIFICATION]?.(payload);
        },
        emit(name) {
            events.dispatchEvent(new Event(name));
        },
    };
}

function makePush({ live = false } = {}) {
    const server = makeMailServer({
        client_watch: () => ({ live, heartbeat: 60, state: {} }),
    });
    const bus = makeBus();
    const changes = [];
    const others = [];
    const push = new MailPush({
        bus,
        rpc: server.rpc,
        onChange: (payload) => changes.push(payload),
        onOtherFolder: (payload) => others.push(payload),
    });
    return { push, server, bus, changes, others };
}

const notice = (values) => ({ account_id: 1, folder: "INBOX", live: true, changes: [], ...values });

describe("dynaoffice_mail push", () => {
    test("the open folder is announced, and the poll stops while changes are pushed", async () => {
        const { push, server, bus } = makePush({ live: true });
        expect(bus.started).toBe(true);
        expect(push.shouldPoll()).toBe(true); // nothing open yet
        push.watch(1, "INBOX");
        await animationFrame();
        expect(server.callsOf("client_watch").map((call) => call.args)).toEqual([[[1], "INBOX"]]);
        expect(push.live).toBe(true);
        expect(push.shouldPoll()).toBe(false);

        // Every minute again; a folder of its own when another is opened.
        await advanceTime(60000);
        expect(server.callsOf("client_watch")).toHaveLength(2);
        push.watch(1, "Archive");
        expect(push.live).toBe(false);
        await animationFrame();
        expect(server.callsOf("client_watch").at(-1).args).toEqual([[1], "Archive"]);
        push.destroy();
    });

    test("changes reload the list once per burst; other accounts change nothing", async () => {
        const { push, bus, changes, others } = makePush();
        push.watch(1, "INBOX");
        await animationFrame();
        expect(push.live).toBe(false);

        bus.notify(notice({}));
        expect(push.live).toBe(true); // the watcher is in IDLE
        expect(changes).toHaveLength(0);
        for (const change of ["new", "flags", "flags"]) {
            bus.notify(notice({ changes: [change] }));
        }
        await advanceTime(PUSH_DEBOUNCE);
        expect(changes).toHaveLength(1);

        bus.notify(notice({ account_id: 2, changes: ["new"] }));
        bus.notify(notice({ folder: "Archive", changes: ["expunge"] }));
        await advanceTime(PUSH_DEBOUNCE);
        expect(changes).toHaveLength(1);
        expect(others.map((payload) => payload.folder)).toEqual(["Archive"]);
        push.destroy();
    });

    test("polling again when the watcher stops or the bus is down", async () => {
        const { push, bus } = makePush({ live: true });
        push.watch(1, "INBOX");
        await animationFrame();
        expect(push.shouldPoll()).toBe(false);

        bus.notify(notice({ live: false }));
        expect(push.shouldPoll()).toBe(true);

        bus.notify(notice({ live: true }));
        expect(push.shouldPoll()).toBe(false);
        bus.emit("disconnect");
        expect(push.shouldPoll()).toBe(true);
        push.destroy();
    });
});
