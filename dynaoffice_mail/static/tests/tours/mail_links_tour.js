import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const folder = (name) => `.o_dynaoffice_mail_folder[data-folder='${name}']`;

/** The address bar's query has these values (within a few seconds: it follows the client). */
async function addressHas(expected) {
    const matches = () => {
        const query = new URLSearchParams(window.location.search);
        return Object.entries(expected).every(([key, value]) =>
            value === null ? !query.has(key) : query.get(key) === String(value)
        );
    };
    for (let attempt = 0; attempt < 50 && !matches(); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!matches()) {
        throw new Error(`the address is ${window.location.href}, not ${JSON.stringify(expected)}`);
    }
}

/**
 * The address names account, folder and open message: a reload opens the same message,
 * back goes to the previous folder, forward to the message again.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_links", {
    url: "/odoo/mail",
    steps: () => [
        { trigger: `${folder("INBOX")}.active`, timeout: 30000 },
        { trigger: row("Im Posteingang") },
        { trigger: "body", run: () => addressHas({ folder: "INBOX", uid: null }) },
        { trigger: `${folder("Archive")} .o_dynaoffice_mail_folder_name`, run: "click" },
        { trigger: `${folder("Archive")}.active` },
        { trigger: row("Im Archiv"), run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Im Archiv')" },
        {
            trigger: "body",
            run: async () => {
                await addressHas({ folder: "Archive" });
                if (!new URLSearchParams(window.location.search).get("uid")) {
                    throw new Error(`no message in the address: ${window.location.href}`);
                }
                window.location.reload();
            },
        },
        // After the reload: the same folder and message.
        { trigger: `${folder("Archive")}.active`, timeout: 30000 },
        { trigger: `${row("Im Archiv")}.o_open` },
        { trigger: ".o_dynaoffice_mail_subject:contains('Im Archiv')" },
        // Back: the folder without the message (the entry before it opened), then the Inbox,
        // in the same client (the web client does not load the action again).
        {
            trigger: ".o_dynaoffice_mail_client",
            run: () => {
                document.querySelector(".o_dynaoffice_mail_client").dynaofficeKept = true;
                window.history.back();
            },
        },
        { trigger: ".o_dynaoffice_mail_client:not(:has(.o_dynaoffice_mail_subject))" },
        { trigger: `${folder("Archive")}.active` },
        { trigger: "body", run: () => window.history.back() },
        { trigger: `${folder("INBOX")}.active` },
        { trigger: row("Im Posteingang") },
        { trigger: "body", run: () => addressHas({ folder: "INBOX", uid: null }) },
        {
            trigger: ".o_dynaoffice_mail_client",
            run: () => {
                if (!document.querySelector(".o_dynaoffice_mail_client").dynaofficeKept) {
                    throw new Error("back loaded the client again");
                }
            },
        },
        // Forward twice: the message again.
        { trigger: "body", run: () => window.history.forward() },
        { trigger: `${folder("Archive")}.active` },
        { trigger: "body", run: () => window.history.forward() },
        { trigger: ".o_dynaoffice_mail_subject:contains('Im Archiv')" },
        // Closing with the reading pane's button is a step too: back opens the message again.
        { trigger: ".o_dynaoffice_mail_close_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_client:not(:has(.o_dynaoffice_mail_subject))" },
        { trigger: "body", run: () => addressHas({ folder: "Archive", uid: null }) },
        { trigger: "body", run: () => window.history.back() },
        { trigger: ".o_dynaoffice_mail_subject:contains('Im Archiv')" },
    ],
});

/** A link to a mailbox the user may not use: a notice, and the user's own mailbox. */
registry.category("web_tour.tours").add("dynaoffice_mail_links_foreign", {
    steps: () => [
        { trigger: ".o_notification:contains('This mailbox is not available to you.')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_account_switcher .o_dynaoffice_mail_group_badge" },
        { trigger: ".o_dynaoffice_mail_row:contains('Für alle')", timeout: 30000 },
        { trigger: "body", run: () => addressHas({ folder: "INBOX", uid: null }) },
    ],
});

/** A link to a message that is gone: its folder, with a notice, and no message in the address. */
registry.category("web_tour.tours").add("dynaoffice_mail_links_gone", {
    steps: () => [
        { trigger: `${folder("Archive")}.active`, timeout: 30000 },
        { trigger: ".o_notification:contains('no longer on the server')", timeout: 30000 },
        { trigger: row("Im Archiv") },
        { trigger: "body", run: () => addressHas({ folder: "Archive", uid: null }) },
    ],
});

/**
 * A link to a message where the list shows conversations: its conversation opens (named in
 * the address by its newest message), also after a reload; closed, the address names the
 * folder, and back opens the conversation again.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_conversation_link", {
    steps: () => [
        {
            trigger: ".o_dynaoffice_mail_conversation_subject:contains('AW: Angebot')",
            timeout: 30000,
        },
        { trigger: ".o_dynaoffice_mail_conversation_message:eq(2)" },
        { trigger: ".o_dynaoffice_mail_client:not(:has(.o_dynaoffice_mail_subject))" },
        {
            trigger: "body",
            run: async () => {
                await addressHas({ folder: "INBOX", uid: 4 });
                window.location.reload();
            },
        },
        {
            trigger: ".o_dynaoffice_mail_conversation_subject:contains('AW: Angebot')",
            timeout: 30000,
        },
        { trigger: ".o_dynaoffice_mail_conversation_close", run: "click" },
        { trigger: ".o_dynaoffice_mail_client:not(:has(.o_dynaoffice_mail_conversation_subject))" },
        { trigger: "body", run: () => addressHas({ folder: "INBOX", uid: null }) },
        { trigger: "body", run: () => window.history.back() },
        { trigger: ".o_dynaoffice_mail_conversation_subject:contains('AW: Angebot')" },
        { trigger: "body", run: () => addressHas({ folder: "INBOX", uid: 4 }) },
    ],
});
