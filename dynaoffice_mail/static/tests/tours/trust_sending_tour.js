import { registry } from "@web/core/registry";

const method = (value) => `div[name='smtp_method'] input[data-value='${value}']`;
const sendTab = { trigger: ".o_form_view .o_notebook .nav-link:contains('Send')", run: "click" };

/**
 * A personal account's tab "Send" while no administrator allowed more: SMTP only, and the
 * authentication cannot be switched off.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_trust_sending_personal", {
    steps: () => [
        sendTab,
        { trigger: method("smtp") },
        { trigger: `body:not(:has(${method("mail")}))` },
        { trigger: `body:not(:has(${method("sendmail")}))` },
        { trigger: "div[name='smtp_auth'] input:checked:disabled" },
    ],
});

/** A personal account whose administrator allowed sendmail and SMTP without login. */
registry.category("web_tour.tours").add("dynaoffice_mail_trust_sending_personal_allowed", {
    steps: () => [
        sendTab,
        { trigger: method("sendmail") },
        { trigger: `body:not(:has(${method("mail")}))` },
        { trigger: "div[name='smtp_auth'] input:checked:enabled", run: "click" },
        { trigger: "div[name='smtp_auth'] input:not(:checked)" },
        { trigger: method("sendmail"), run: "click" },
        { trigger: `${method("sendmail")}:checked` },
        // Nothing is saved: leaving a changed form would save it.
        { trigger: ".o_form_button_cancel", run: "click" },
        { trigger: `${method("smtp")}:checked` },
    ],
});

/** A group account (set up by mail administrators): every way of sending. */
registry.category("web_tour.tours").add("dynaoffice_mail_trust_sending_group", {
    steps: () => [
        sendTab,
        { trigger: method("smtp") },
        { trigger: method("mail") },
        { trigger: method("sendmail") },
        { trigger: "div[name='smtp_auth'] input:checked:enabled" },
    ],
});
