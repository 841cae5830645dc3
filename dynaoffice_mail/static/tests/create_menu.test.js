import { describe, expect, test } from "@odoo/hoot";
import { animationFrame } from "@odoo/hoot-mock";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { contains, mockService, mountWithCleanup } from "@web/../tests/web_test_helpers";
import { CreateMenu } from "@dynaoffice_mail/client/create_menu";
import { makeNotifications, serverError } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
defineMailModels();

const MODELS = [
    { model: "res.partner", name: "Contact", featured: false },
    { model: "crm.lead", name: "Lead/Opportunity", featured: true },
    { model: "helpdesk.ticket", name: "Ticket", featured: true },
];
const DEFAULTS = {
    res_model: "crm.lead",
    model_name: "Lead/Opportunity",
    context: { default_name: "Anfrage Sporthalle", default_partner_id: 5 },
    partner: false,
};

/**
 * The menu for message 3 of INBOX, with `assignments` answering as the server would; the
 * dialogs it opens are recorded, not shown.
 */
async function mountMenu(overrides = {}) {
    const calls = { assign: [], defaults: [] };
    const assignments = {
        creatableModels: async () => MODELS,
        createDefaults: async (place, uid, resModel) => {
            calls.defaults.push([place, uid, resModel]);
            return DEFAULTS;
        },
        assign: async (place, uids, record) => {
            calls.assign.push([place, uids, record]);
        },
        ...overrides,
    };
    const dialogs = [];
    const notifications = makeNotifications();
    mockService("dialog", () => ({
        add: (component, props) => {
            dialogs.push({ component, props });
            return () => {};
        },
    }));
    mockService("notification", () => notifications);
    await mountWithCleanup(CreateMenu, {
        props: {
            model: { accountId: 1, folder: "INBOX", page: { uidvalidity: 7 }, assignments },
            uid: 3,
        },
    });
    await animationFrame();
    return { calls, dialogs, notifications };
}

const items = () =>
    [...document.querySelectorAll(".o_dynaoffice_mail_create_item")].map(
        (item) => item.dataset.model
    );

describe("CreateMenu", () => {
    test("offers leads and tickets first, then the other records the user may create", async () => {
        await mountMenu();
        await contains(".o_dynaoffice_mail_create").click();
        expect(items()).toEqual(["crm.lead", "helpdesk.ticket", "res.partner"]);
        expect(".o_dynaoffice_mail_create_menu .dropdown-divider").toHaveCount(1);
        expect(".o_dynaoffice_mail_create_item[data-model='helpdesk.ticket'] .fa-life-ring").toHaveCount(1);
    });

    test("is not shown where the user may create nothing", async () => {
        await mountMenu({ creatableModels: async () => [] });
        expect(".o_dynaoffice_mail_create").toHaveCount(0);
    });

    test("opens the form with the mail's values; the saved record gets the mail", async () => {
        const { calls, dialogs } = await mountMenu();
        await contains(".o_dynaoffice_mail_create").click();
        await contains(".o_dynaoffice_mail_create_item[data-model='crm.lead']").click();
        const place = { accountId: 1, folder: "INBOX", uidvalidity: 7 };
        expect(calls.defaults).toEqual([[place, 3, "crm.lead"]]);
        expect(dialogs).toHaveLength(1);
        const { props } = dialogs[0];
        expect(props.resModel).toBe("crm.lead");
        expect(props.context).toEqual(DEFAULTS.context);
        expect(props.title).toBe("Create Lead/Opportunity from the mail");
        // Closed without saving: nothing is assigned.
        expect(calls.assign).toEqual([]);
        await props.onRecordSaved({ resId: 42, data: { display_name: "Dach Sporthalle" } });
        expect(calls.assign).toEqual([
            [
                place,
                [3],
                {
                    res_model: "crm.lead",
                    res_id: 42,
                    display_name: "Dach Sporthalle",
                    model_name: "Lead/Opportunity",
                },
            ],
        ]);
    });

    test("a refusal is said, and no form opens", async () => {
        const { dialogs, notifications, calls } = await mountMenu({
            createDefaults: async () => {
                throw serverError("You may not create records of Lead/Opportunity.");
            },
        });
        await contains(".o_dynaoffice_mail_create").click();
        await contains(".o_dynaoffice_mail_create_item[data-model='crm.lead']").click();
        expect(dialogs).toHaveLength(0);
        expect(calls.assign).toEqual([]);
        expect(notifications.shown).toEqual([
            {
                message: "You may not create records of Lead/Opportunity.",
                type: "danger",
                title: "Create from mail",
            },
        ]);
    });
});
