import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const folder = (name) => `.o_dynaoffice_mail_folder[data-folder='${name}']`;
const recipients = (field) => `.o_dynaoffice_mail_recipients[data-field='${field}']`;
const firstLine = ".o_dynaoffice_mail_composer_editable > p:first-child";

/** Files as a user picks them (the hidden file field) or drops them (on the composer). */
function files(specs) {
    const transfer = new DataTransfer();
    for (const [name, content] of specs) {
        transfer.items.add(new File([content], name, { type: "text/plain" }));
    }
    return transfer;
}

function chooseFiles(specs) {
    return {
        // The file field itself is hidden: the Attach button opens it.
        trigger: ".o_dynaoffice_mail_composer .o_dynaoffice_mail_attach",
        run() {
            const input = this.anchor.parentElement.querySelector(".o_dynaoffice_mail_attach_input");
            input.files = files(specs).files;
            input.dispatchEvent(new Event("change", { bubbles: true }));
        },
    };
}

function dropFiles(specs) {
    return {
        trigger: ".o_dynaoffice_mail_composer_editable",
        run() {
            const dataTransfer = files(specs);
            for (const type of ["dragenter", "dragover", "drop"]) {
                this.anchor.dispatchEvent(
                    new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer })
                );
            }
        },
    };
}

function inputValueIs(selector, value) {
    return {
        trigger: selector,
        run() {
            if (this.anchor.value !== value) {
                throw new Error(`${selector} holds "${this.anchor.value}", not "${value}"`);
            }
        },
    };
}

/**
 * Replying: the original quoted below, text typed above it, a file attached, sent; the
 * list shows the original as answered.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_compose_reply", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Anfrage Termin"), run: "click", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_subject:contains('Anfrage Termin')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_reply", run: "click" },
        // Addressed to the sender, the subject with "Re: ", the original quoted.
        { trigger: ".o_dynaoffice_mail_composer_title:contains('Re: Anfrage Termin')" },
        inputValueIs(".o_dynaoffice_mail_composer_subject", "Re: Anfrage Termin"),
        { trigger: `${recipients("to")} .o_dynaoffice_mail_recipient.o_valid:contains('Jürgen Weiß')` },
        { trigger: ".o_dynaoffice_mail_composer_editable blockquote:contains('Passt Ihnen Dienstag?')" },
        { trigger: ".o_dynaoffice_mail_composer_editable .signature:contains('Olga Owner')" },
        { trigger: firstLine, run: "editor Dienstag passt, das Angebot liegt bei." },
        chooseFiles([["angebot.txt", "Größe M: 4711 Stück\n"]]),
        {
            trigger:
                ".o_dynaoffice_mail_composer_attachment:not(.o_dynaoffice_mail_upload):contains('angebot.txt')",
        },
        { trigger: ".o_dynaoffice_mail_composer:not(:has(.o_dynaoffice_mail_upload))" },
        { trigger: ".o_dynaoffice_mail_send", run: "click" },
        { trigger: ".o_notification:contains('Message sent')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
        { trigger: `${row("Anfrage Termin")} .o_dynaoffice_mail_answered` },
    ],
});

/**
 * A new message: a typo in an address is flagged and stops sending, a contact is found
 * by name, a file dropped on the composer is attached; saved as draft, found in Drafts,
 * reopened from there, changed and left (which saves it again), reopened and sent with
 * Ctrl+Enter, after which Drafts is empty; then a discarded message that leaves nothing.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_compose_draft", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: `${folder("INBOX")}.active`, timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_new_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_composer_title:contains('New message')" },
        // A typo: no "@". It becomes a red chip, and Send refuses.
        { trigger: `${recipients("to")} input`, run: "edit juergen.example.com" },
        { trigger: `${recipients("to")} input`, run: "press Enter" },
        {
            trigger: `${recipients("to")} .o_dynaoffice_mail_recipient.o_invalid:contains('juergen.example.com')`,
        },
        { trigger: ".o_dynaoffice_mail_send", run: "click" },
        { trigger: ".o_notification:contains('Correct the addresses marked in red')" },
        {
            trigger: `${recipients("to")} .o_dynaoffice_mail_recipient.o_invalid .o_dynaoffice_mail_recipient_remove`,
            run: "click",
        },
        { trigger: `${recipients("to")}:not(:has(.o_dynaoffice_mail_recipient))` },
        // The contact, found by name.
        { trigger: `${recipients("to")} input`, run: "edit Jürgen" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Jürgen Weiß')", run: "click" },
        { trigger: `${recipients("to")} .o_dynaoffice_mail_recipient.o_valid:contains('Jürgen Weiß')` },
        // Cc hides behind its link until wanted.
        { trigger: ".o_dynaoffice_mail_composer:not(:has([data-field='cc']))" },
        { trigger: ".o_dynaoffice_mail_show_cc", run: "click" },
        { trigger: `${recipients("cc")} input` },
        { trigger: ".o_dynaoffice_mail_composer_subject", run: "edit Termin nächste Woche" },
        { trigger: firstLine, run: "editor Wie besprochen: Dienstag um 10 Uhr." },
        dropFiles([["agenda.txt", "1. Angebot\n2. Termine\n"]]),
        {
            trigger:
                ".o_dynaoffice_mail_composer_attachment:not(.o_dynaoffice_mail_upload):contains('agenda.txt')",
        },
        { trigger: ".o_dynaoffice_mail_save_draft", run: "click" },
        { trigger: ".o_notification:contains('Draft saved')" },
        { trigger: ".o_dynaoffice_mail_composer_status:contains('Draft saved at')" },
        // In Drafts; opening it there opens the composer again, with everything.
        { trigger: `${folder("Drafts")} .o_dynaoffice_mail_folder_name`, run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
        { trigger: row("Termin nächste Woche"), run: "click" },
        { trigger: ".o_dynaoffice_mail_composer[data-mode='draft']" },
        inputValueIs(".o_dynaoffice_mail_composer_subject", "Termin nächste Woche"),
        { trigger: `${recipients("to")} .o_dynaoffice_mail_recipient:contains('Jürgen Weiß')` },
        { trigger: ".o_dynaoffice_mail_composer_editable:contains('Dienstag um 10 Uhr')" },
        { trigger: ".o_dynaoffice_mail_composer_attachment:contains('agenda.txt')" },
        // A change, then another folder: leaving saves the draft (replacing the first one).
        { trigger: firstLine, run: "editor Wie besprochen: Dienstag um 10 Uhr, Raum 2." },
        { trigger: `${folder("INBOX")} .o_dynaoffice_mail_folder_name`, run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
        { trigger: `${folder("INBOX")}.active` },
        { trigger: `${folder("Drafts")} .o_dynaoffice_mail_folder_name`, run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-1 of 1')" },
        { trigger: row("Termin nächste Woche"), run: "click" },
        { trigger: ".o_dynaoffice_mail_composer_editable:contains('Dienstag um 10 Uhr, Raum 2.')" },
        { trigger: ".o_dynaoffice_mail_composer_attachment:contains('agenda.txt')" },
        // Ctrl+Enter sends.
        { trigger: ".o_dynaoffice_mail_composer_subject", run: "click" },
        { trigger: ".o_dynaoffice_mail_composer_subject", run: "press Control+Enter" },
        { trigger: ".o_notification:contains('Message sent')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
        { trigger: ".o_dynaoffice_mail_list_empty:contains('This folder is empty')" },
        // Discarding what was typed asks first, then leaves nothing behind.
        { trigger: ".o_dynaoffice_mail_new_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_composer_subject", run: "edit Verworfen" },
        { trigger: ".o_dynaoffice_mail_discard", run: "click" },
        { trigger: ".modal:contains('What you wrote will be lost') .btn-danger", run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
    ],
});

/** "Write e-mail" on a contact opens the composer addressed to the contact. */
registry.category("web_tour.tours").add("dynaoffice_mail_compose_from_contact", {
    steps: () => [
        { trigger: ".o_form_view .o_stat_text:contains('Write e-mail')", run: "click" },
        {
            trigger: `${recipients("to")} .o_dynaoffice_mail_recipient.o_valid:contains('Jürgen Weiß')`,
            timeout: 30000,
        },
        { trigger: ".o_dynaoffice_mail_composer_title:contains('New message')" },
        { trigger: ".o_dynaoffice_mail_composer_close", run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_empty" },
    ],
});
