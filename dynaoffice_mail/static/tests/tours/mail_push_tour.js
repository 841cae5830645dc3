import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;

/**
 * Push: with the Inbox open, the client says so to the server, the watcher enters IDLE and
 * the client stops polling ("live"). The test then delivers a mail over LMTP and another
 * mail program flags the older one: both show within 5 seconds, far sooner than the
 * 20-second poll could.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_push", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("Already here"), timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_client[data-push='live']", timeout: 30000 },
        { trigger: row("Pushed while open"), timeout: 5000 },
        { trigger: `${row("Already here")}.o_flagged`, timeout: 5000 },
        { trigger: ".o_dynaoffice_mail_range:contains('1-2 of 2')" },
    ],
});
