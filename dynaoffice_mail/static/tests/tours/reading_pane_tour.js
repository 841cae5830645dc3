import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const more = ".o_dynaoffice_mail_reading_toolbar .o_dynaoffice_mail_more";
const menu = ".o_dynaoffice_mail_more_menu";

/** Every visible thing on the reading toolbar is on one row: each starts above the bottom
 * of the "More" button, and the toolbar is no higher than one row of buttons. */
function toolbarOnOneRow() {
    if (![1280, 1366].includes(window.innerWidth)) {
        throw new Error(`the window is ${window.innerWidth} px wide, not a laptop's`);
    }
    const toolbar = document.querySelector(".o_dynaoffice_mail_reading_toolbar");
    const button = toolbar.querySelector(".o_dynaoffice_mail_more").getBoundingClientRect();
    const items = [...toolbar.children].filter((each) => each.getBoundingClientRect().width);
    const below = items.filter((each) => each.getBoundingClientRect().top >= button.bottom - 1);
    const style = getComputedStyle(toolbar);
    const inner =
        toolbar.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    if (below.length || inner > button.height + 2) {
        throw new Error(
            `the toolbar wraps (${inner} px high, a button ${button.height} px): ${below
                .map((each) => each.className)
                .join(", ")}`
        );
    }
    const unnamed = [...toolbar.querySelectorAll("button")].filter(
        (each) => !each.textContent.trim() && !each.getAttribute("aria-label")
    );
    if (unnamed.length) {
        throw new Error(`icon buttons without aria-label: ${unnamed.map((b) => b.className)}`);
    }
}

let opened = [];

/**
 * The reading pane on a laptop (the test runs it at 1280x800 and 1366x768): the toolbar on
 * one row with the rest in "More" (print, mark as unread), a forwarded mail opened from its
 * .eml attachment with its own attachment, "Always for <sender>" for its remote images, and
 * "Back" to the message it came with.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_reading_pane", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row("WG: Angebot Dachrinne"), run: "click", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_subject:contains('WG: Angebot Dachrinne')" },
        { trigger: `${row("WG: Angebot Dachrinne")}:not(.o_unread)` },
        { trigger: ".o_dynaoffice_mail_reading_toolbar .o_dynaoffice_mail_move", run: toolbarOnOneRow },
        // "More": print opens the print view in a tab of its own.
        {
            trigger: more,
            run() {
                opened = [];
                browser.open = (url) => opened.push(url);
                this.anchor.click();
            },
        },
        { trigger: `${menu} .o_dynaoffice_mail_download_source` },
        { trigger: `${menu} .o_dynaoffice_mail_print`, run: "click" },
        {
            trigger: `body:not(:has(${menu}))`,
            async run() {
                if (opened.length !== 1 || !opened[0].includes("/dynaoffice_mail/print/")) {
                    throw new Error(`print opened ${JSON.stringify(opened)}`);
                }
                const page = await fetch(opened[0]);
                const text = await page.text();
                if (!page.ok || !text.includes("WG: Angebot Dachrinne")) {
                    throw new Error(`the print view answered ${page.status}`);
                }
            },
        },
        // "More": mark as unread, on the server and in the list.
        { trigger: more, run: "click" },
        { trigger: `${menu} .o_dynaoffice_mail_toggle_seen:contains('Mark as unread')`, run: "click" },
        { trigger: `${row("WG: Angebot Dachrinne")}.o_unread` },
        // The forwarded mail opens in the pane like a message.
        {
            trigger:
                ".o_dynaoffice_mail_attachment:contains('Angebot Dachrinne.eml') .o_dynaoffice_mail_attachment_open_message",
            run: "click",
        },
        { trigger: ".o_dynaoffice_mail_subject:contains('Angebot Dachrinne'):not(:contains('WG:'))" },
        { trigger: ".o_dynaoffice_mail_from:contains('j.weiss@lieferant.example')" },
        { trigger: ".o_dynaoffice_mail_to:contains('einkauf@kunde.example')" },
        { trigger: ".o_dynaoffice_mail_body:iframe p:contains('Anbei unser')" },
        {
            trigger:
                ".o_dynaoffice_mail_attachment:contains('Angebot Dachrinne.pdf') .o_dynaoffice_mail_attachment_download[href*='part=']",
        },
        { trigger: ".o_dynaoffice_mail_attached_back", run: toolbarOnOneRow },
        // Its remote image: always for this sender.
        { trigger: ".o_dynaoffice_mail_remote_blocked" },
        {
            trigger:
                ".o_dynaoffice_mail_trust_sender:contains('Always for j.weiss@lieferant.example')",
            run: "click",
        },
        { trigger: ".o_notification:contains('j.weiss@lieferant.example')" },
        { trigger: ".o_dynaoffice_mail_reading:not(:has(.o_dynaoffice_mail_remote_blocked))" },
        {
            trigger:
                ".o_dynaoffice_mail_body.o_loaded:iframe img[src='https://tracker.example.net/inner.gif']",
        },
        // Back to the message it came with.
        { trigger: ".o_dynaoffice_mail_attached_back", run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('WG: Angebot Dachrinne')" },
        { trigger: ".o_dynaoffice_mail_reading_toolbar .o_dynaoffice_mail_reply" },
        // The sender is listed in the Preferences, where it is revoked.
        { trigger: ".o_user_menu .dropdown-toggle", run: "click" },
        { trigger: ".dropdown-item[data-menu='settings']", run: "click" },
        { trigger: ".modal .o_notebook .nav-link:contains('E-Mail')", run: "click" },
        {
            trigger:
                ".modal .o_dynaoffice_mail_trusted_senders .o_data_row:contains('j.weiss@lieferant.example') button[name='action_revoke']",
            run: "click",
        },
        { trigger: ".modal .o_notebook .nav-link.active:contains('E-Mail')" },
        { trigger: ".modal .o_dynaoffice_mail_trusted_senders:not(:has(.o_data_row))" },
    ],
});
