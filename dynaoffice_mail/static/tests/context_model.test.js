import { describe, expect, test } from "@odoo/hoot";
import { CONTEXT_CACHE_SIZE, MailContext } from "@dynaoffice_mail/client/context_model";

describe.current.tags("headless");

/** A stand-in for the mail client's RPC service: it records the calls and answers them. */
function fakeRpc(answer = (method, args) => ({ method, args })) {
    const calls = [];
    const rpc = {
        async call(method, args) {
            calls.push([method, args]);
            if (answer === "fail") {
                throw new Error("server down");
            }
            return answer(method, args);
        },
    };
    rpc.silent = rpc;
    return { rpc, calls };
}

const place = (uid) => ({ accountId: 1, folder: "INBOX", uidvalidity: 7, uid });

test("a message's pane is asked for once while it stays open", async () => {
    const { rpc, calls } = fakeRpc();
    const context = new MailContext({ rpc });
    const first = await context.pane(place(3));
    const again = await context.pane(place(3));
    expect(again).toBe(first);
    expect(calls).toEqual([["client_context", [[1], "INBOX", 7, 3]]]);
    await context.pane(place(4));
    expect(calls.length).toBe(2);
});

test("only the last panes are kept", async () => {
    const { rpc, calls } = fakeRpc();
    const context = new MailContext({ rpc });
    for (let uid = 1; uid <= CONTEXT_CACHE_SIZE + 1; uid++) {
        await context.pane(place(uid));
    }
    await context.pane(place(CONTEXT_CACHE_SIZE + 1));
    expect(calls.length).toBe(CONTEXT_CACHE_SIZE + 1);
    await context.pane(place(1)); // the oldest was dropped
    expect(calls.length).toBe(CONTEXT_CACHE_SIZE + 2);
});

test("a failed call is asked again, and forget() drops everything", async () => {
    const failing = fakeRpc("fail");
    const context = new MailContext({ rpc: failing.rpc });
    await expect(context.pane(place(3))).rejects.toThrow("server down");
    await expect(context.pane(place(3))).rejects.toThrow("server down");
    expect(failing.calls.length).toBe(2);

    const { rpc, calls } = fakeRpc();
    const fresh = new MailContext({ rpc });
    await fresh.pane(place(3));
    await fresh.sections(42);
    await fresh.sections(42);
    expect(calls.map(([method]) => method)).toEqual(["client_context", "client_context_sections"]);
    fresh.forget();
    await fresh.pane(place(3));
    await fresh.sections(42);
    expect(calls.length).toBe(4);
});
