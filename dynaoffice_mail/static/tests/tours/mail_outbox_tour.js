import { registry } from "@web/core/registry";

const recipients = (field) => `.o_dynaoffice_mail_recipients[data-field='${field}']`;
const firstLine = ".o_dynaoffice_mail_composer_editable > p:first-child";

/** Writes a new message to `to` with `subject` and sends it. */
function writeAndSend(to, subject) {
    return [
        { trigger: ".o_dynaoffice_mail_folder[data-folder='INBOX'].active", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_new_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_composer_title:contains('New message')" },
        { trigger: `${recipients("to")} input`, run: `edit ${to}` },
        { trigger: `${recipients("to")} input`, run: "press Enter" },
        { trigger: `${recipients("to")} .o_dynaoffice_mail_recipient.o_valid` },
        { trigger: ".o_dynaoffice_mail_composer_subject", run: `edit ${subject}` },
        { trigger: firstLine, run: "editor Das Angebot kommt." },
        { trigger: ".o_dynaoffice_mail_send", run: "click" },
    ];
}

// The connection breaks after the server had the mail: the composer says it may have been
// sent and offers the two choices; "Send" alone sends nothing more.
registry.category("web_tour.tours").add("dynaoffice_mail_outbox_send_again", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        ...writeAndSend("kunde@dynaoffice.test", "Vielleicht unterwegs"),
        { trigger: ".o_notification:contains('The message may have been sent')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_send_uncertain:contains('may have been sent')" },
        { trigger: ".o_dynaoffice_mail_composer:not(:has(.o_dynaoffice_mail_send_error))" },
        { trigger: ".o_dynaoffice_mail_send", run: "click" },
        { trigger: ".o_dynaoffice_mail_send_uncertain .o_dynaoffice_mail_mark_sent" },
        { trigger: ".o_dynaoffice_mail_send_again", run: "click" },
        { trigger: ".o_notification:contains('Message sent')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
    ],
});

registry.category("web_tour.tours").add("dynaoffice_mail_outbox_mark_sent", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        ...writeAndSend("kunde@dynaoffice.test", "Doch angekommen"),
        { trigger: ".o_dynaoffice_mail_send_uncertain", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_mark_sent", run: "click" },
        { trigger: ".o_notification:contains('Marked as sent and filed in Sent')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
    ],
});
