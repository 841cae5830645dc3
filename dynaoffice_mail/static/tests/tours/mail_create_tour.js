import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const chatterEntry = ".o-mail-Message:contains('Anfrage Sporthalle')";

/**
 * Creating a lead from a customer's mail: "Create..." in the reading pane, the lead's form
 * prefilled from the mail (the name edited before saving), the mail then assigned to it;
 * the lead is found in CRM with the mail in its chatter. A first form is closed without
 * saving: nothing is created then.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_create_lead", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Anfrage Sporthalle"), timeout: 30000, run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Anfrage Sporthalle')" },
        // Discarded: no lead, nothing assigned.
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_create", run: "click" },
        {
            trigger: ".o_dynaoffice_mail_create_menu .o_dynaoffice_mail_create_item[data-model='crm.lead']",
            run: "click",
        },
        { trigger: ".modal .o_field_widget[name='name'] textarea:value('Anfrage Sporthalle')" },
        { trigger: ".modal .o_form_button_cancel", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        // Again, saved this time with the name edited.
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_create", run: "click" },
        {
            trigger: ".o_dynaoffice_mail_create_menu .o_dynaoffice_mail_create_item[data-model='crm.lead']",
            run: "click",
        },
        { trigger: ".modal .o_field_widget[name='partner_id'] input:value('Jürgen Weiß')" },
        {
            trigger: ".modal .o_field_widget[name='name'] textarea:value('Anfrage Sporthalle')",
            run: "edit Dach Sporthalle Nord",
        },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: ".o_notification:contains('Assigned to Dach Sporthalle Nord')" },
        {
            trigger: `${row("Anfrage Sporthalle")} .o_dynaoffice_mail_assigned_marker`,
        },
        // In CRM: the pipeline has the lead, its chatter the mail.
        { trigger: ".o_navbar_apps_menu button", run: "click" },
        { trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']", run: "click" },
        {
            trigger: ".o_kanban_record:contains('Dach Sporthalle Nord')",
            timeout: 20000,
            run: "click",
        },
        { trigger: ".o_breadcrumb .active:contains('Dach Sporthalle Nord')" },
        {
            trigger: `${chatterEntry} .o-mail-Message-body > div:shadow p:contains('Wir brauchen ein neues Dach')`,
        },
    ],
});
