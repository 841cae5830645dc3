import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const notes = ".o_dynaoffice_mail_notes";

/**
 * The open mail `subject` gets an internal note mentioning the colleague `name` (found by
 * typing `@typed`); the note shows under the mail and the list counts it (its first).
 */
export function noteMentioningSteps(subject, typed, name) {
    return [
        { trigger: `${notes} .o_dynaoffice_mail_add_note`, run: "click" },
        { trigger: `${notes} .o-mail-Composer-input`, run: `edit @${typed}` },
        { trigger: `.o-mail-Composer-suggestion:contains('${name}')`, run: "click" },
        { trigger: "body:not(:has(.o-mail-Composer-suggestion))" },
        { trigger: `${notes} .o-mail-Composer-send:enabled`, run: "click" },
        { trigger: `${notes} .o-mail-Message:contains('@${name}')` },
        { trigger: `${row(subject)} .o_dynaoffice_mail_notes_marker:contains('1')` },
    ];
}

/**
 * A member of the sales group writes an internal note on a customer's mail in the group
 * mailbox, mentioning a colleague: the note shows under the mail and the list counts it.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_team_notes", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Reklamation Lieferung"), timeout: 30000, run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Reklamation Lieferung')" },
        { trigger: `${row("Reklamation Lieferung")}:not(:has(.o_dynaoffice_mail_notes_marker))` },
        ...noteMentioningSteps("Reklamation Lieferung", "Ben", "Ben Becker"),
    ],
});

/**
 * Ben has a reply to the customer's mail open: the reading pane says so, and so does the
 * composer of whoever starts another reply.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_team_replying", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Reklamation Lieferung"), timeout: 30000, run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_reading .o_dynaoffice_mail_replying_users:contains('Ben Becker is replying.')",
        },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_reply", run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_composer .o_dynaoffice_mail_replying_users:contains('Ben Becker is replying.')",
        },
    ],
});
