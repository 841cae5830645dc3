import { describe, expect, test } from "@odoo/hoot";
import { MailClientModel } from "@dynaoffice_mail/client/mail_client_model";
import { browser } from "@web/core/browser/browser";
import { patchWithCleanup } from "@web/../tests/web_test_helpers";
import { makeMailServer, makeNotifications, serverError } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");

const RECONNECT = "odoo.addons.dynaoffice_mail.roles.base.ReconnectRequiredError";
const EXPIRED = "Mailbox Sales: the connection to Microsoft has expired. Reconnect the account.";

function clientOn(server) {
    const model = new MailClientModel({ rpc: server.rpc, notification: makeNotifications() });
    model.accounts = [{ id: 1, name: "Sales", email: "sales@example.com" }];
    model.accountId = 1;
    return model;
}

test("an expired login by token offers to reconnect, and reconnecting opens the provider", async () => {
    const server = makeMailServer({
        client_folders: () => {
            throw serverError(EXPIRED, RECONNECT);
        },
        client_reconnect_action: () => ({
            type: "ir.actions.act_url",
            url: "https://login.example.com/authorize?state=x",
        }),
    });
    const opened = [];
    patchWithCleanup(browser, { location: { assign: (url) => opened.push(url) } });
    const model = clientOn(server);
    await model.loadFolders();
    expect(model.foldersError).toBe(EXPIRED);
    expect(model.foldersReconnect).toBe(true);
    await model.reconnect();
    expect(server.calls.at(-1).method).toBe("client_reconnect_action");
    expect(server.calls.at(-1).args).toEqual([[1]]);
    expect(opened).toEqual(["https://login.example.com/authorize?state=x"]);
});

test("other errors offer no reconnect", async () => {
    const server = makeMailServer({
        client_folders: () => {
            throw serverError("No connection to the mail server.");
        },
    });
    const model = clientOn(server);
    await model.loadFolders();
    expect(model.foldersError).toBe("No connection to the mail server.");
    expect(model.foldersReconnect).toBe(false);
});
