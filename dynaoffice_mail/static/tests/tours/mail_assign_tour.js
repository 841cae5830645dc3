import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const chatterEntry = ".o-mail-Message:contains('Angebot Dachsanierung')";
const unmarked = (subject) => `${row(subject)}:not(:has(.o_dynaoffice_mail_assigned_marker))`;

/**
 * Assigning a customer's mail to his contact: the dialog suggests the sender's contact, the
 * list marks the message, the reading pane links the contact, whose chatter then holds the
 * mail; from there "open the original" leads back to the message in the client.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_assign", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Angebot Dachsanierung"), timeout: 30000, run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Dachsanierung')" },
        { trigger: unmarked("Angebot Dachsanierung") },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_assign", run: "click" },
        // The sender's contact, suggested as such; a search shows contacts meanwhile.
        { trigger: ".modal .o_dynaoffice_mail_assign_group:contains('Sender')" },
        { trigger: ".modal .o_dynaoffice_mail_assign_model:value('res.partner')" },
        {
            trigger: ".modal .o_dynaoffice_mail_assign_suggestion:contains('Jürgen Weiß')",
            run: "click",
        },
        { trigger: "body:not(:has(.o_dynaoffice_mail_assign_dialog))" },
        { trigger: ".o_notification:contains('Assigned to Jürgen Weiß')" },
        // The marker in the list (only on this message), the link in the reading pane.
        { trigger: `${row("Angebot Dachsanierung")} .o_dynaoffice_mail_assigned_marker` },
        { trigger: unmarked("Wochenmarkt") },
        // Assigned already: the dialog shows the contact checked, not to be chosen again.
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_assign", run: "click" },
        {
            trigger:
                ".modal .o_dynaoffice_mail_assign_suggestion:disabled:contains('Jürgen Weiß'):contains('Assigned')",
        },
        { trigger: ".modal-footer .btn-secondary", run: "click" },
        { trigger: "body:not(:has(.o_dynaoffice_mail_assign_dialog))" },
        {
            trigger:
                ".o_dynaoffice_mail_assigned_to .o_dynaoffice_mail_assigned_record:contains('Jürgen Weiß')",
            run: "click",
        },
        // The contact's chatter holds the mail.
        { trigger: ".o_breadcrumb .active:contains('Jürgen Weiß')" },
        // An e-mail's body shows in a shadow root of its own.
        {
            trigger: `${chatterEntry} .o-mail-Message-body > div:shadow p:contains('Wir bieten Ihnen')`,
        },
        { trigger: chatterEntry, run: "hover" },
        {
            trigger: `${chatterEntry} button[name='dynaoffice-open-original']`,
            run: "click",
        },
        // ... and leads back to the original in the client.
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Dachsanierung')" },
        { trigger: `${row("Angebot Dachsanierung")}.o_open .o_dynaoffice_mail_assigned_marker` },
        { trigger: ".o_dynaoffice_mail_assigned_record:contains('Jürgen Weiß')" },
    ],
});

/**
 * The server actions on checked messages (the "Actions" menu), then the contact's mail
 * found across the mailboxes ("Search mailboxes" on the contact) and opened from there.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_assign_actions_and_search", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        {
            trigger: `${row("Angebot Dachsanierung")} .o_dynaoffice_mail_row_checkbox`,
            timeout: 30000,
            run: "click",
        },
        { trigger: `${row("Wochenmarkt")} .o_dynaoffice_mail_row_checkbox`, run: "click" },
        { trigger: ".o_dynaoffice_mail_selection_count:contains('2 selected')" },
        {
            trigger: ".o_dynaoffice_mail_list_toolbar .o_dynaoffice_mail_message_actions",
            run: "click",
        },
        {
            trigger: ".o_dynaoffice_mail_message_action:contains(Assign to sender)",
            run: "click",
        },
        // Only the offer's sender is a contact: the newsletter stays unassigned.
        { trigger: ".o_notification:contains('Messages assigned: 1; left alone')" },
        { trigger: `${row("Angebot Dachsanierung")} .o_dynaoffice_mail_assigned_marker` },
        { trigger: unmarked("Wochenmarkt") },
        // From the contact, its mail in all mailboxes.
        { trigger: row("Angebot Dachsanierung"), run: "click" },
        {
            trigger: ".o_dynaoffice_mail_assigned_record:contains('Jürgen Weiß')",
            run: "click",
        },
        { trigger: "button[name='action_dynaoffice_mail_search_mailboxes']", run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_partner_search_group:contains('Inbox') .o_dynaoffice_mail_partner_search_result:contains('Angebot Dachsanierung')",
            timeout: 30000,
        },
        {
            trigger:
                ".o_dynaoffice_mail_partner_search:not(:has(.o_dynaoffice_mail_partner_search_result:contains('Wochenmarkt')))",
        },
        {
            trigger: ".o_dynaoffice_mail_partner_search_result:contains('Angebot Dachsanierung')",
            run: "click",
        },
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Dachsanierung')" },
        { trigger: `${row("Angebot Dachsanierung")}.o_open` },
        // Closing the message goes back to what was found; closing that to the client.
        { trigger: ".o_dynaoffice_mail_close_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_partner_search_result:contains('Angebot Dachsanierung')" },
        { trigger: ".o_dynaoffice_mail_partner_search_close", run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_empty" },
    ],
});

/**
 * "File into documents" onto a record (no document storage for this user): the offer's
 * source and its PDF become attachments of the sender's contact.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_file_to_record", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Angebot mit Anlage"), timeout: 30000, run: "click" },
        { trigger: ".o_dynaoffice_mail_attachment:contains('Angebot.pdf')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_more", run: "click" },
        { trigger: ".o_dynaoffice_mail_more_menu .o_dynaoffice_mail_file", run: "click" },
        // Without document storage there is no choice of directories, only records.
        { trigger: ".modal .o_dynaoffice_mail_file_dialog:not(:has(.o_dynaoffice_mail_file_destination))" },
        { trigger: ".modal input[name='what'][value='both']", run: "click" },
        { trigger: ".modal .o_dynaoffice_mail_file_attachments input[data-part]:checked" },
        { trigger: ".modal .o_dynaoffice_mail_file_confirm:disabled" },
        {
            trigger: ".modal .o_dynaoffice_mail_assign_suggestion:contains('Jürgen Weiß')",
            run: "click",
        },
        { trigger: ".modal .o_dynaoffice_mail_assign_suggestion.active:contains('Jürgen Weiß')" },
        { trigger: ".modal .o_dynaoffice_mail_file_confirm:enabled", run: "click" },
        { trigger: "body:not(:has(.o_dynaoffice_mail_file_dialog))" },
        {
            trigger:
                ".o_notification:contains('Filed into Jürgen Weiß: Angebot mit Anlage.eml, Angebot.pdf.')",
        },
        // Again: the contact holds both already.
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_more", run: "click" },
        { trigger: ".o_dynaoffice_mail_more_menu .o_dynaoffice_mail_file", run: "click" },
        { trigger: ".modal input[name='what'][value='both']", run: "click" },
        {
            trigger: ".modal .o_dynaoffice_mail_assign_suggestion:contains('Jürgen Weiß')",
            run: "click",
        },
        { trigger: ".modal .o_dynaoffice_mail_file_confirm:enabled", run: "click" },
        {
            trigger:
                ".o_notification:contains('Already there (the same content): Angebot mit Anlage.eml, Angebot.pdf.')",
        },
    ],
});

/**
 * "Create contact from sender": the sender is no contact yet; Odoo's contact form opens
 * with his name, address and company filled in, and the mail goes to the contact saved.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_assign_new_contact", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Dachrinne"), timeout: 30000, run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Dachrinne')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_assign", run: "click" },
        { trigger: ".modal .o_dynaoffice_mail_assign_new_contact", run: "click" },
        { trigger: ".modal .o_form_view .o_field_widget[name='name'] input:value('Tom Müller')" },
        { trigger: ".modal .o_form_view .o_field_widget[name='email'] input:value(/tom@/)" },
        { trigger: ".modal .o_form_view .o_field_widget[name='parent_id'] input:value('Müller Bau GmbH')" },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".o_notification:contains('Assigned to'):contains('Tom Müller')" },
        { trigger: `${row("Dachrinne")} .o_dynaoffice_mail_assigned_marker` },
    ],
});
