import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const folder = (name) => `.o_dynaoffice_mail_folder[data-folder='${name}']`;

/** Snooze a mail until tomorrow morning: it leaves the Inbox and waits in "Snoozed". */
registry.category("web_tour.tours").add("dynaoffice_mail_snooze", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_range:contains('1-2 of 2')", timeout: 30000 },
        { trigger: row("Snooze me"), run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Snooze me')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_snooze", run: "click" },
        { trigger: ".o_dynaoffice_mail_snooze_choice[data-choice='tomorrow']", run: "click" },
        { trigger: ".o_notification:contains('Snoozed until')" },
        { trigger: `.o_dynaoffice_mail_rows:not(:has(${row("Snooze me")}))` },
        { trigger: row("Stay here") },
        { trigger: `${folder("Snoozed")} .o_dynaoffice_mail_folder_name:contains('Snoozed')`, run: "click" },
        { trigger: row("Snooze me") },
    ],
});

/** After the return cron ran: the mail is back in the Inbox, unread. */
registry.category("web_tour.tours").add("dynaoffice_mail_snooze_back", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_range:contains('1-2 of 2')", timeout: 30000 },
        { trigger: `${row("Snooze me")}.o_unread` },
        { trigger: `${folder("Snoozed")}:not(:has(.o_dynaoffice_mail_folder_count))` },
    ],
});

/** A reply template into a new mail, from the composer's Templates list. */
registry.category("web_tour.tours").add("dynaoffice_mail_reply_template", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_new_message", run: "click", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_composer .odoo-editor-editable" },
        { trigger: ".o_dynaoffice_mail_templates", run: "click" },
        { trigger: ".o_dynaoffice_mail_template_search", run: "edit Rückruf" },
        {
            trigger: ".o_dynaoffice_mail_template_item:contains('Rückruf')",
            run: "click",
        },
        {
            trigger:
                ".o_dynaoffice_mail_composer .odoo-editor-editable:contains('vielen Dank für Ihren Anruf')",
        },
        { trigger: ".o_dynaoffice_mail_composer_subject:value('Ihr Anruf')" },
    ],
});

/** The same template from the editor: "/" opens Odoo's command list, "Reply template" ours. */
registry.category("web_tour.tours").add("dynaoffice_mail_reply_template_slash", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_new_message", run: "click", timeout: 30000 },
        {
            trigger: ".o_dynaoffice_mail_composer .odoo-editor-editable",
            async run(actions) {
                // As Odoo's own tours open the command list: the character, then its input.
                await actions.editor("/");
                this.anchor.dispatchEvent(
                    new InputEvent("input", { inputType: "insertText", data: "/" })
                );
            },
        },
        { trigger: ".o-we-powerbox .o-we-command:contains('Reply template')", run: "click" },
        { trigger: ".o_dynaoffice_mail_template_search", run: "edit Rückruf" },
        {
            trigger: ".o_dynaoffice_mail_template_item:contains('Rückruf')",
            run: "click",
        },
        {
            trigger:
                ".o_dynaoffice_mail_composer .odoo-editor-editable:contains('vielen Dank für Ihren Anruf')",
        },
    ],
});

/** In "Snoozed", the open mail's "Unsnooze now": back in the Inbox at once. */
registry.category("web_tour.tours").add("dynaoffice_mail_unsnooze", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_range:contains('1-1 of 1')", timeout: 30000 },
        {
            trigger: `${folder("Snoozed")} .o_dynaoffice_mail_folder_name:contains('Snoozed')`,
            run: "click",
        },
        { trigger: row("Snooze me"), run: "click" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_unsnooze", run: "click" },
        { trigger: ".o_notification:contains('Back in Inbox, unread.')" },
        { trigger: `.o_dynaoffice_mail_rows:not(:has(${row("Snooze me")}))` },
    ],
});

/** On a mail in Sent: "Remind me if no reply by" in 3 days. */
registry.category("web_tour.tours").add("dynaoffice_mail_follow_up", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        {
            trigger: `${folder("Sent")} .o_dynaoffice_mail_folder_name`,
            run: "click",
            timeout: 30000,
        },
        { trigger: row("Angebot 4711"), run: "click" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_follow_up", run: "click" },
        { trigger: ".o_dynaoffice_mail_follow_up_choice:first", run: "click" },
        { trigger: ".o_notification:contains('You will be reminded on')" },
    ],
});
