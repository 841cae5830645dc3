import { registry } from "@web/core/registry";

/**
 * The seed's steps for a personal account: My Profile => Preferences => tab "E-Mail" =>
 * "Add new e-mail account", then the four tabs with "Next", and "Save", which tests the
 * connection. The first save uses a wrong password and must fail, saying which side failed.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_account_setup", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_account_action",
    steps: () => [
        { trigger: ".o_user_menu .dropdown-toggle", run: "click" },
        { trigger: ".dropdown-item[data-menu='settings']", run: "click" },
        { trigger: ".o_notebook .nav-link:contains('E-Mail')", run: "click" },
        { trigger: "button[name='action_dynaoffice_mail_new_account']", run: "click" },
        // Tab "Account"
        { trigger: ".modal div[name='server_type'] input[data-value='dynamail']", run: "click" },
        { trigger: ".modal div[name='email'] input", run: "edit tour@dynaoffice.test" },
        { trigger: ".modal div[name='name'] input", run: "edit Tour mailbox" },
        { trigger: ".modal .o_dynaoffice_mail_next_tab:visible", run: "click" },
        // Tab "Receive": the preset filled in host and port; a wrong password first.
        { trigger: ".modal .nav-link.active:contains('Receive')" },
        { trigger: ".modal div[name='imap_host'] input:value(localhost)" },
        // A port is a number without thousands separators ("10993", not "10,993").
        {
            trigger: ".modal div[name='imap_port'] input",
            run() {
                if (!/^\d{4,5}$/.test(this.anchor.value)) {
                    throw new Error(`the port reads "${this.anchor.value}"`);
                }
            },
        },
        { trigger: ".modal div[name='imap_password'] input", run: "edit not-the-password" },
        { trigger: ".modal .o_dynaoffice_mail_next_tab:visible", run: "click" },
        // Tab "Send": "Default port" sets 465 again; then send through Odoo's mail servers.
        { trigger: ".modal .nav-link.active:contains('Send')" },
        { trigger: ".modal div[name='smtp_port'] input", run: "edit 2525" },
        { trigger: ".modal .o_dynaoffice_mail_default_port", run: "click" },
        { trigger: ".modal div[name='smtp_port'] input:value(465)" },
        { trigger: ".modal div[name='smtp_method'] input[data-value='mail']", run: "click" },
        { trigger: ".modal .o_dynaoffice_mail_next_tab:visible", run: "click" },
        // Tab "Options": Save tests the connection, which fails and saves nothing.
        { trigger: ".modal .nav-link.active:contains('Options')" },
        { trigger: ".modal button[name='action_save_account']", run: "click" },
        // Saving waits for the real servers: give it more than a step's usual 10 s.
        // Two steps, so that a failure tells "no dialog at all" from "another message".
        { trigger: ".o_error_dialog", timeout: 30000 },
        { trigger: ".o_error_dialog:contains('Receiving (IMAP) failed')" },
        { trigger: ".o_error_dialog:contains('did not accept the user name or password')" },
        { trigger: ".o_error_dialog .modal-footer .btn-primary", run: "click" },
        // Correct the password and save again.
        { trigger: ".modal .nav-link:contains('Receive')", run: "click" },
        { trigger: ".modal div[name='imap_password'] input", run: "edit tour-password-1" },
        { trigger: ".modal .nav-link:contains('Options')", run: "click" },
        { trigger: ".modal button[name='action_save_account']", run: "click" },
        { trigger: ".o_notification:contains('is ready')", timeout: 30000 },
    ],
});
