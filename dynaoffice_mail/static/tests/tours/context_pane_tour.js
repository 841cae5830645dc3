import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const section = (key) => `.o_dynaoffice_mail_context_section[data-section='${key}']`;

/**
 * The customer beside the mail: Anna opens Jürgen Weiß's mail and sees, beside it, his
 * contact with his company, his open quotation and his company's unpaid invoice with the
 * amount due; the quotation opens in a dialog over the mail. For a sender she does not know
 * she creates the contact the signature suggests, and the pane shows it.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_context_pane", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Angebot Dachsanierung"), timeout: 30000, run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Dachsanierung')" },
        {
            trigger: `${section("contact")} .o_dynaoffice_mail_context_contact:contains('Jürgen Weiß')`,
        },
        { trigger: `${section("contact")} .o_dynaoffice_mail_context_contact:contains('Weiß Bau GmbH')` },
        { trigger: `${section("sales")} .o_dynaoffice_mail_context_title:contains('Open quotations and orders')` },
        { trigger: `${section("sales")} .o_dynaoffice_mail_context_amount:contains('300.00')` },
        { trigger: `${section("invoices")} .o_dynaoffice_mail_context_title:contains('Unpaid invoices')` },
        { trigger: `${section("invoices")} .o_dynaoffice_mail_context_amount:contains('250.00')` },
        { trigger: `${section("invoices")} .o_dynaoffice_mail_context_total:contains('250.00')` },
        { trigger: `${section("opportunities")}:contains('Neues Dach Halle 2')` },
        { trigger: `${section("tasks")}:contains('Aufmaß')` },
        // The quotation opens over the mail, which stays open behind it.
        { trigger: `${section("sales")} .o_dynaoffice_mail_context_line a`, run: "click" },
        { trigger: ".modal .o_form_view:contains('Dachziegel')" },
        { trigger: ".modal .btn-close", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Dachsanierung')" },
        // An unknown sender: the contact the header and the signature suggest.
        { trigger: row("Bitte um Rückruf"), run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_context_unknown:contains('tom.neu@neubau-planung.example')",
        },
        { trigger: ".o_dynaoffice_mail_context_create", run: "click" },
        { trigger: ".modal .o_field_widget[name='name'] input:value('Tom Neu')" },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: `${section("contact")} .o_dynaoffice_mail_context_contact:contains('Tom Neu')` },
    ],
});
