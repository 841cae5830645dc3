import { localization } from "@web/core/l10n/localization";
import { registry } from "@web/core/registry";

const { DateTime } = luxon;
const recipients = (field) => `.o_dynaoffice_mail_recipients[data-field='${field}']`;
const firstLine = ".o_dynaoffice_mail_composer_editable > p:first-child";

function write(to, subject) {
    return [
        { trigger: ".o_dynaoffice_mail_folder[data-folder='INBOX'].active", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_new_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_composer_title:contains('New message')" },
        { trigger: `${recipients("to")} input`, run: `edit ${to}` },
        { trigger: `${recipients("to")} input`, run: "press Enter" },
        { trigger: `${recipients("to")} .o_dynaoffice_mail_recipient.o_valid` },
        { trigger: ".o_dynaoffice_mail_composer_subject", run: `edit ${subject}` },
        { trigger: firstLine, run: "editor Bis gleich." },
    ];
}

// "Send later" at a moment a few minutes ahead, picked in the dialog; it shows under
// "Scheduled" (the test runs the cron at that moment and finds it delivered).
registry.category("web_tour.tours").add("dynaoffice_mail_send_later", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        ...write("spaeter@dynaoffice.test", "Gleich geplant"),
        { trigger: ".o_dynaoffice_mail_send_later", run: "click" },
        { trigger: ".o_dynaoffice_mail_send_at", run: "click" },
        {
            trigger: ".o_dynaoffice_mail_send_later_dialog input",
            run: `edit ${DateTime.now()
                .plus({ minutes: 3 })
                .toFormat(localization.dateTimeFormat)} && press Enter`,
        },
        { trigger: ".o_dynaoffice_mail_send_later_confirm:enabled", run: "click" },
        { trigger: ".o_notification:contains('will be sent on')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
        { trigger: ".o_dynaoffice_mail_scheduled_count:contains('1')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_scheduled_folder", run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_scheduled_row[data-state='queued']:contains('Gleich geplant'):contains('spaeter@dynaoffice.test')",
            timeout: 30000,
        },
        { trigger: ".o_dynaoffice_mail_scheduled_row .o_dynaoffice_mail_scheduled_send_now" },
    ],
});

// "Send", then "Undo" in the notification: the composer is back with the mail, as a draft.
registry.category("web_tour.tours").add("dynaoffice_mail_undo_send", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        ...write("spaeter@dynaoffice.test", "Doch nicht senden"),
        { trigger: ".o_dynaoffice_mail_send", run: "click" },
        { trigger: ".o_dynaoffice_mail_undo_send:contains('Sending in')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_undo_send button:contains('Undo')", run: "click" },
        { trigger: ".o_notification:contains('Sending undone')", timeout: 30000 },
        {
            trigger:
                ".o_dynaoffice_mail_composer[data-mode='draft'] .o_dynaoffice_mail_composer_subject:value(Doch nicht senden)",
            timeout: 30000,
        },
        { trigger: ".o_dynaoffice_mail_composer_editable:contains('Bis gleich.')" },
    ],
});
