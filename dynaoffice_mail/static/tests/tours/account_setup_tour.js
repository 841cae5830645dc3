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
        // The dialog says what it is, and the cursor waits in the e-mail address.
        { trigger: ".modal .modal-title:contains('New e-mail account')" },
        { trigger: ".modal div[name='email'] input:focus" },
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
        // Tab "Send": the login of tab "Receive" was taken over; "Default port" sets 465
        // again; then send through Odoo's mail servers.
        { trigger: ".modal .nav-link.active:contains('Send')" },
        { trigger: ".modal div[name='smtp_user'] input:value(tour@dynaoffice.test)" },
        { trigger: ".modal div[name='smtp_password'] input:value(not-the-password)" },
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
        // Back in the Preferences, on the tab "E-Mail", with the new account listed.
        { trigger: ".modal .o_notebook .nav-link.active:contains('E-Mail')" },
        {
            trigger:
                ".modal div[name='dynaoffice_mail_account_ids'] .o_data_row:contains('Tour mailbox')",
        },
    ],
});

/**
 * Deleting an account from its dialog, opened from the Preferences: the confirmation says the
 * mail stays on the server, and the Preferences come back on the tab "E-Mail" without it.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_account_delete", {
    url: "/odoo",
    steps: () => [
        { trigger: ".o_user_menu .dropdown-toggle", run: "click" },
        { trigger: ".dropdown-item[data-menu='settings']", run: "click" },
        { trigger: ".modal .o_notebook .nav-link:contains('E-Mail')", run: "click" },
        {
            trigger: ".modal .o_data_row:contains('Tour mailbox') button[name='action_open_form']",
            run: "click",
        },
        { trigger: ".modal .modal-title:contains('Tour mailbox')" },
        { trigger: ".modal button[name='action_delete_account']", run: "click" },
        {
            trigger: ".modal:contains('The mail stays on the server') .modal-footer .btn-primary",
            run: "click",
        },
        { trigger: ".o_notification:contains('was deleted')" },
        { trigger: ".modal .o_notebook .nav-link.active:contains('E-Mail')" },
        { trigger: ".modal div[name='dynaoffice_mail_account_ids']:not(:has(.o_data_row))" },
    ],
});
