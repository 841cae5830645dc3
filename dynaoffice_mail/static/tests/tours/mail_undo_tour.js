import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const folder = (name) => `.o_dynaoffice_mail_folder[data-folder='${name}']`;

/** Delete a message (into the Trash), click "Undo" in the toast: it is back in the Inbox. */
registry.category("web_tour.tours").add("dynaoffice_mail_undo", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_range:contains('1-3 of 3')", timeout: 30000 },
        { trigger: row("Delete me"), run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Delete me')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_delete", run: "click" },
        { trigger: `.o_dynaoffice_mail_rows:not(:has(${row("Delete me")}))` },
        // The next message opens, as before.
        { trigger: `${row("Keep me")}.o_open` },
        {
            trigger:
                ".o_notification:contains('1 message was deleted.') .o_notification_buttons button:contains('Undo')",
            run: "click",
        },
        { trigger: row("Delete me") },
        { trigger: ".o_dynaoffice_mail_range:contains('1-3 of 3')" },
        { trigger: "body:not(:has(.o_notification:contains('1 message was deleted.')))" },
    ],
});

/**
 * A folder of more than one page: all on the page, then "Select all" in the folder, marked
 * read in batches: no unread mail is left.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_select_all", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 1100')", timeout: 30000 },
        { trigger: `${folder("INBOX")} .o_dynaoffice_mail_folder_count:contains(1100)` },
        { trigger: ".o_dynaoffice_mail_select_all", run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_select_all_bar:contains('All 50 on this page are selected.')",
        },
        {
            trigger:
                ".o_dynaoffice_mail_select_all_matching:contains('Select all 1,100 in this folder')",
            run: "click",
        },
        {
            trigger:
                ".o_dynaoffice_mail_select_all_bar:contains('All 1,100 in this folder are selected.')",
        },
        { trigger: ".o_dynaoffice_mail_selection_count:contains('1,100 selected')" },
        { trigger: ".o_dynaoffice_mail_bulk_read", run: "click" },
        { trigger: ".o_notification:contains('1,100 messages were marked as read.')" },
        { trigger: `${folder("INBOX")}:not(:has(.o_dynaoffice_mail_folder_count))` },
        { trigger: ".o_dynaoffice_mail_rows:not(:has(.o_dynaoffice_mail_row.o_unread))" },
        { trigger: "body:not(:has(.o_dynaoffice_mail_select_all_bar))" },
    ],
});
