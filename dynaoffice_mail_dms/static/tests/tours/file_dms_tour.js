import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;

/**
 * "File into documents" with document storage: the directory comes first; the ticked
 * attachment (only that one) becomes a file of the chosen directory.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_file_to_dms", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Pläne und Angebot"), timeout: 30000, run: "click" },
        { trigger: ".o_dynaoffice_mail_attachment:contains('Plan.pdf')" },
        // Filing is one of the less-used actions in the reading toolbar's "More" menu.
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_more", run: "click" },
        { trigger: ".o_dynaoffice_mail_more_menu .o_dynaoffice_mail_file", run: "click" },
        { trigger: ".modal input[name='destination'][value='dms_directory']:checked" },
        { trigger: ".modal input[name='what'][value='attachments']", run: "click" },
        // Both attachments ticked at first; only the offer is to be filed.
        {
            trigger: ".modal .o_dynaoffice_mail_file_attachments label:contains('Plan.pdf') input:checked",
            run: "click",
        },
        {
            trigger: ".modal .o_dynaoffice_mail_file_attachments label:contains('Plan.pdf') input:not(:checked)",
        },
        {
            trigger: ".modal .o_dynaoffice_mail_file_directory",
            run: "selectByLabel Projekte / Dach",
        },
        { trigger: ".modal .o_dynaoffice_mail_file_confirm:enabled", run: "click" },
        { trigger: "body:not(:has(.o_dynaoffice_mail_file_dialog))" },
        { trigger: ".o_notification:contains('Filed into Projekte / Dach: Angebot.pdf.')" },
    ],
});
