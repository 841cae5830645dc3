import { after, describe, expect, test } from "@odoo/hoot";
import { animationFrame } from "@odoo/hoot-mock";
import { Component, xml } from "@odoo/owl";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import {
    contains,
    makeDialogMockEnv,
    mockService,
    mountWithCleanup,
} from "@web/../tests/web_test_helpers";
import { FileDialog, filingDestinations } from "@dynaoffice_mail/client/file_dialog";
import { makeMailServer, makeNotifications } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
// The web client's services start with the test's env; mail's ask the server for its models.
defineMailModels();

/** A bridge's destination as an addon would register it: pages of a notebook. */
class NotebookDestination extends Component {
    static template = xml`
        <div class="o_test_notebook">
            <button t-foreach="props.description.pages" t-as="page" t-key="page"
                type="button" t-attf-class="o_test_page_{{ page }}"
                t-on-click="() => props.onChoose({ page }, 'Page ' + page)"
                t-esc="page"/>
        </div>`;
    static props = ["*"];
}

function registerNotebook(extra = {}) {
    filingDestinations.add(
        "notebook",
        { label: "A page of the notebook", component: NotebookDestination, ...extra },
        { sequence: 1, force: true }
    );
    after(() => filingDestinations.remove("notebook"));
}

/** The record picker's data: nothing suggested, nothing found. */
const assignments = {
    suggestions: async () => [],
    assignableModels: async () => [{ model: "res.partner", name: "Contact" }],
    searchRecords: async () => [],
};

async function openDialog(destinations, handlers = {}) {
    const server = makeMailServer({
        client_filing_targets: () => ({ destinations }),
        client_file: (ids, folder, uidvalidity, uids) =>
            Object.fromEntries(
                uids.map((uid) => [
                    uid,
                    { filed: [`Offer ${uid}.eml`], skipped: [], left_out: [], gone: false },
                ])
            ),
        ...handlers,
    });
    const notifications = makeNotifications();
    mockService("dynaoffice_mail.rpc", () => server.rpc);
    mockService("notification", () => notifications);
    await makeDialogMockEnv();
    await mountWithCleanup(FileDialog, {
        props: {
            close: () => expect.step("closed"),
            assignments,
            place: { accountId: 1, folder: "INBOX", uidvalidity: 7 },
            uids: [3],
            attachments: [],
        },
    });
    await animationFrame();
    return { server, notifications };
}

const choices = () =>
    [...document.querySelectorAll("input[name='destination']")].map((input) => [
        input.value,
        input.checked,
        input.disabled,
    ]);

describe("dynaoffice_mail client: filing destinations", () => {
    test("offers what the server names, in the registry's order, and files into the chosen place", async () => {
        registerNotebook();
        const { server, notifications } = await openDialog([
            { kind: "record" },
            { kind: "notebook", pages: [1, 2] },
            // No part of it in the browser: not offered.
            { kind: "unknown" },
        ]);
        expect(choices()).toEqual([
            ["notebook", true, false],
            ["record", false, false],
        ]);
        expect(".o_test_notebook button").toHaveCount(2);
        expect(".o_dynaoffice_mail_file_confirm").not.toBeEnabled();

        await contains(".o_test_page_2").click();
        await contains(".o_dynaoffice_mail_file_confirm").click();

        expect(server.callsOf("client_file")[0].args).toEqual([
            [1],
            "INBOX",
            7,
            [3],
            { page: 2, kind: "notebook" },
            "eml",
            null,
        ]);
        expect(notifications.shown.map(({ message, type }) => [message, type])).toEqual([
            ["Filed into Page 2: Offer 3.eml.", "success"],
        ]);
        expect.verifySteps(["closed"]);
    });

    test("a destination with nothing to choose is shown disabled, with its reason", async () => {
        registerNotebook({
            unavailable: ({ pages }) => !pages.length && "The notebook has no pages.",
        });
        await openDialog([{ kind: "record" }, { kind: "notebook", pages: [] }]);
        expect(choices()).toEqual([
            ["notebook", false, true],
            ["record", true, false],
        ]);
        expect(".o_dynaoffice_mail_file_dialog p:contains('The notebook has no pages.')").toHaveCount(1);
        expect(".o_dynaoffice_mail_assign_suggestions").toHaveCount(1);
    });

    test("with records only there is nothing to choose between", async () => {
        await openDialog([{ kind: "record" }]);
        expect(".o_dynaoffice_mail_file_destination").toHaveCount(0);
        expect(".o_dynaoffice_mail_assign_suggestions").toHaveCount(1);
    });
});
