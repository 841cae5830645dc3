import { registry } from "@web/core/registry";
import { noteMentioningSteps } from "./team_notes_tour";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const teamView = (view) => `.o_dynaoffice_mail_team_view[data-team-view='${view}']`;
const firstLine = ".o_dynaoffice_mail_composer_editable > p:first-child";

/**
 * The team inbox (#17), Anna's part: in the group mailbox she assigns the customer's mail
 * to Ben with "Assign to..."; the list shows his avatar and the status "Open".
 */
registry.category("web_tour.tours").add("dynaoffice_mail_team_assign", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: teamView("unassigned"), timeout: 30000 },
        { trigger: row("Angebot Fenster"), run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Fenster')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_team_assign", run: "click" },
        { trigger: ".modal .o_dynaoffice_mail_team_member:contains('Ben Becker')", run: "click" },
        { trigger: "body:not(:has(.o_dynaoffice_mail_team_assign_dialog))" },
        {
            trigger: `${row("Angebot Fenster")} .o_dynaoffice_mail_row_team[data-status='open'] .o_dynaoffice_mail_row_team_avatar`,
        },
        {
            trigger:
                ".o_dynaoffice_mail_reading .o_dynaoffice_mail_team_assignee:contains('Ben Becker')",
        },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_team_status[data-status='open'].active" },
    ],
});

/**
 * Ben's part: "Assigned to me" counts the mail and lists it; he writes an internal note
 * mentioning Anna, answers the mail and sets it done, after which it leaves his view.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_team_answer", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: `${teamView("mine")} .o_dynaoffice_mail_team_count:contains('1')`, timeout: 30000 },
        { trigger: `${teamView("mine")} button`, run: "click" },
        { trigger: `${teamView("mine")}.active` },
        { trigger: row("Angebot Fenster"), run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Fenster')" },
        // An internal note for the team, mentioning Anna (not sent to the customer).
        ...noteMentioningSteps("Angebot Fenster", "Anna", "Anna Schäfer"),
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_reply", run: "click" },
        { trigger: ".o_dynaoffice_mail_composer_title:contains('Re: Angebot Fenster')" },
        { trigger: firstLine, run: "editor Gern, das Angebot folgt morgen." },
        { trigger: ".o_dynaoffice_mail_send", run: "click" },
        { trigger: ".o_notification:contains('Message sent')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
        { trigger: row("Angebot Fenster"), run: "click" },
        {
            trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_team_status[data-status='done']",
            run: "click",
        },
        // Done: no longer Ben's to answer.
        { trigger: `.o_dynaoffice_mail_list:not(:has(${row("Angebot Fenster")}))` },
        { trigger: `${teamView("mine")}:not(:has(.o_dynaoffice_mail_team_count))` },
    ],
});
