import { registry } from "@web/core/registry";

const conversation = (subject) =>
    `.o_dynaoffice_mail_conversation_row:contains('${subject}')`;
const message = ".o_dynaoffice_mail_conversation_message";

/**
 * The list as conversations: the toggle groups the Inbox's messages, a conversation shows
 * its count; opened, its three messages (the answer from Sent among them) in the order
 * they were written, the first collapsed, the unread one and the last expanded; a
 * collapsed one expands on a click; "Open" shows one message in the reading pane, and
 * closing that comes back to the conversation; another conversation opened from there
 * shows its own. The choice is kept (the test reads it).
 */
registry.category("web_tour.tours").add("dynaoffice_mail_conversations", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_row:contains('AW: Angebot')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_conversations_toggle", run: "click" },
        { trigger: `${conversation("AW: Angebot")} .o_dynaoffice_mail_conversation_count:contains('3')` },
        { trigger: `${conversation("Termin")}:not(:has(.o_dynaoffice_mail_conversation_count))` },
        { trigger: ".o_dynaoffice_mail_conversations_toggle.active" },
        { trigger: conversation("AW: Angebot"), run: "click" },
        { trigger: ".o_dynaoffice_mail_conversation_subject:contains('AW: Angebot')" },
        {
            trigger: `${message}:eq(2).o_expanded .o_dynaoffice_mail_conversation_text:contains('Text of a3')`,
        },
        {
            trigger: `${message}:eq(1).o_elsewhere:not(.o_expanded) .o_dynaoffice_mail_conversation_place`,
        },
        { trigger: `${message}:eq(0):not(.o_expanded)` },
        { trigger: `${message}:eq(0) .o_dynaoffice_mail_conversation_head`, run: "click" },
        {
            trigger: `${message}:eq(0).o_expanded .o_dynaoffice_mail_conversation_text:contains('Text of a1')`,
        },
        // Opened, the unread answer is read: the row says so.
        { trigger: `${conversation("AW: Angebot")}:not(.o_unread)` },
        { trigger: `${message}:eq(2) .o_dynaoffice_mail_conversation_open`, run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_toolbar .o_dynaoffice_mail_move" },
        { trigger: ".o_dynaoffice_mail_subject:contains('AW: Angebot')" },
        { trigger: ".o_dynaoffice_mail_close_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_conversation_subject:contains('AW: Angebot')" },
        // Another conversation straight from this one: its own messages, its own expanded.
        { trigger: conversation("Re: Protokoll"), run: "click" },
        { trigger: ".o_dynaoffice_mail_conversation_subject:contains('Re: Protokoll')" },
        {
            trigger: `${message}:eq(1).o_expanded .o_dynaoffice_mail_conversation_text:contains('Text of d2')`,
        },
        { trigger: `${message}:eq(0):not(.o_expanded):contains('Team')` },
    ],
});
