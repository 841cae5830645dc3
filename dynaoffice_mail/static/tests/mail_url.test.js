import { describe, expect, test } from "@odoo/hoot";
import {
    NOWHERE,
    paramsOfPlace,
    placeFromParams,
    placeOf,
    samePlace,
} from "@dynaoffice_mail/client/mail_url";

describe.current.tags("headless");

describe("dynaoffice_mail client: the address bar", () => {
    test("a message's place goes into the address and comes back from it", () => {
        const place = { accountId: 3, folder: "INBOX/Projekte", uidvalidity: 1700000000, uid: 42 };
        const params = paramsOfPlace(place);
        expect(params).toEqual({
            account: 3,
            folder: "INBOX/Projekte",
            uidvalidity: 1700000000,
            uid: 42,
        });
        expect(placeFromParams(params)).toEqual(place);
        // As the router gives them back from the address: numbers cast, the rest strings.
        expect(
            placeFromParams({ account: "3", folder: "INBOX/Projekte", uidvalidity: "1700000000", uid: "42" })
        ).toEqual(place);
    });

    test("what is not open is left out of the address (the router drops undefined)", () => {
        expect(paramsOfPlace({ accountId: 3, folder: "INBOX", uidvalidity: null, uid: null })).toEqual({
            account: 3,
            folder: "INBOX",
            uidvalidity: undefined,
            uid: undefined,
        });
        expect(paramsOfPlace(NOWHERE)).toEqual({
            account: undefined,
            folder: undefined,
            uidvalidity: undefined,
            uid: undefined,
        });
        expect(placeFromParams({})).toEqual(NOWHERE);
    });

    test("the server actions' account_id opens an account", () => {
        expect(placeFromParams({ account_id: 5 })).toEqual({ ...NOWHERE, accountId: 5 });
    });

    test("malformed values are dropped, and what depends on them", () => {
        for (const account of [0, -1, 1.5, "3; DROP", "abc", 2 ** 31, "", null, true, [3]]) {
            expect(placeFromParams({ account, folder: "INBOX" })).toEqual(NOWHERE, {
                message: `account ${JSON.stringify(account)}`,
            });
        }
        for (const folder of ["", "INBOX\r\nA1 DELETE x", "a\u0000b", "x".repeat(1001), {}, true]) {
            expect(placeFromParams({ account: 3, folder, uidvalidity: 1, uid: 2 })).toEqual(
                { ...NOWHERE, accountId: 3 },
                { message: `folder ${JSON.stringify(folder)}` }
            );
        }
        for (const [uidvalidity, uid] of [
            [0, 1],
            [1, 0],
            [2 ** 32, 1],
            [1, 2 ** 32],
            ["1.5", 2],
            [1, "2e3"],
            [null, 2],
            [1, null],
        ]) {
            expect(placeFromParams({ account: 3, folder: "INBOX", uidvalidity, uid })).toEqual(
                { ...NOWHERE, accountId: 3, folder: "INBOX" },
                { message: `message ${uidvalidity}/${uid}` }
            );
        }
        expect(
            placeFromParams({ account: 3, folder: "INBOX", uidvalidity: 2 ** 32 - 1, uid: 2 ** 32 - 1 })
        ).toEqual({ accountId: 3, folder: "INBOX", uidvalidity: 2 ** 32 - 1, uid: 2 ** 32 - 1 });
    });

    test("a folder name that looks like a number is read as the address spells it", () => {
        // The router casts "007" to 7 and "2024" to 2024.
        expect(placeFromParams({ account: 3, folder: 7 }, "?account=3&folder=007").folder).toBe(
            "007"
        );
        expect(placeFromParams({ account: 3, folder: 2024 }, "?folder=2024&account=3").folder).toBe(
            "2024"
        );
        // Params that did not come from the address (a server action's) stay as they are.
        expect(placeFromParams({ account: 3, folder: 2024 }, "?debug=1").folder).toBe("2024");
        expect(
            placeFromParams({ account: 3, folder: "Ärger & Co/100%" }, "?folder=x").folder
        ).toBe("Ärger & Co/100%");
    });

    test("where the client is: the open message only with its page's UIDVALIDITY", () => {
        const model = {
            accountId: 3,
            folder: "INBOX",
            page: { uidvalidity: 9 },
            messageUid: 12,
        };
        expect(placeOf(model)).toEqual({ accountId: 3, folder: "INBOX", uidvalidity: 9, uid: 12 });
        expect(placeOf({ ...model, messageUid: null })).toEqual({
            accountId: 3,
            folder: "INBOX",
            uidvalidity: null,
            uid: null,
        });
        expect(placeOf({ ...model, page: null })).toEqual({
            accountId: 3,
            folder: "INBOX",
            uidvalidity: null,
            uid: null,
        });
        expect(placeOf({ accountId: null, folder: "INBOX", page: null, messageUid: null })).toEqual(
            NOWHERE
        );
        expect(samePlace(placeOf(model), { accountId: 3, folder: "INBOX", uidvalidity: 9, uid: 12 })).toBe(
            true
        );
        expect(samePlace(placeOf(model), { ...placeOf(model), uid: 13 })).toBe(false);
        expect(samePlace(placeOf(model), null)).toBe(false);
    });

    test("an open conversation is named by its newest message, an open message first", () => {
        const model = {
            accountId: 3,
            folder: "INBOX",
            page: { uidvalidity: 9 },
            messageUid: null,
            conversationMode: true,
            conversationKey: 14,
        };
        expect(placeOf(model)).toEqual({ accountId: 3, folder: "INBOX", uidvalidity: 9, uid: 14 });
        // A message opened from the conversation ("Open"): that message.
        expect(placeOf({ ...model, messageUid: 12 }).uid).toBe(12);
        // The list as messages: a key left from before counts for nothing.
        expect(placeOf({ ...model, conversationMode: false }).uid).toBe(null);
        expect(placeOf({ ...model, conversationKey: null }).uid).toBe(null);
    });
});
