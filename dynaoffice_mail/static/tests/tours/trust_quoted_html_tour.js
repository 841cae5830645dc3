import { registry } from "@web/core/registry";

const SUBJECT = "Ihr Gewinn wartet";
const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const quote = ".o_dynaoffice_mail_composer_editable blockquote";
const firstLine = ".o_dynaoffice_mail_composer_editable > p:first-child";

// What the page's own scripts rely on, taken from the prototype: the mail may have
// replaced `document.elementFromPoint` too, and the check must still see the truth.
const elementFromPoint = (x, y) => Document.prototype.elementFromPoint.call(document, x, y);

function centreOf(element) {
    const rect = element.getBoundingClientRect();
    return [rect.left + rect.width / 2, rect.top + rect.height / 2];
}

function within(rect, [x, y]) {
    return x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom;
}

/** `document` is still the page's: no element of the mail took a property's name. */
function documentIntact() {
    return {
        trigger: `${quote}:contains('Gewonnen')`,
        run() {
            if (typeof document.querySelector !== "function") {
                throw new Error(
                    `document.querySelector was replaced by the mail: ${document.querySelector}`
                );
            }
            for (const name of ["querySelector", "getElementById", "elementFromPoint"]) {
                if (document[name] !== Document.prototype[name]) {
                    throw new Error(`document.${name} is not the page's own`);
                }
            }
            const subject = document.getElementById("o_dynaoffice_mail_composer_subject");
            if (!subject?.matches("input.o_dynaoffice_mail_composer_subject")) {
                throw new Error(`the subject's id names ${subject?.outerHTML.slice(0, 80)}`);
            }
            // Classes of the mail, not those the editor gives its blocks ("o-paragraph").
            const named = this.anchor.querySelectorAll(
                "[id], [name], .position-fixed, .vw-100, .o_main_navbar"
            );
            if (named.length) {
                const which = [...named].map((element) => element.outerHTML.slice(0, 80));
                throw new Error(`quoted elements named as the page's: ${which.join(", ")}`);
            }
        },
    };
}

/**
 * Nothing of the quoted mail lies over the page: at the centre and the corners of the
 * window, and on the composer's own controls, the element found there is the page's. The
 * quote may show only inside the editor's own scrolling area.
 */
function nothingCoversThePage() {
    return {
        trigger: `${quote}:contains('Gewonnen')`,
        run() {
            const quoted = this.anchor;
            const editor = quoted.closest(".o_dynaoffice_mail_composer_editable").parentElement;
            const editorArea = editor.getBoundingClientRect();
            const [width, height] = [window.innerWidth, window.innerHeight];
            const probes = [
                [width / 2, height / 2],
                [3, 3],
                [width - 4, 3],
                [3, height - 4],
                [width - 4, height - 4],
            ];
            for (const point of probes) {
                const found = elementFromPoint(...point);
                if (quoted.contains(found) && !within(editorArea, point)) {
                    const what = found.outerHTML.slice(0, 120);
                    throw new Error(`the quoted mail covers the page at ${point}: ${what}`);
                }
            }
            const controls = [
                ".o_dynaoffice_mail_send",
                ".o_dynaoffice_mail_save_draft",
                ".o_dynaoffice_mail_composer_subject",
                ".o_dynaoffice_mail_composer_close",
                ".o_main_navbar",
            ];
            for (const selector of controls) {
                const control = document.body.querySelector(selector);
                const found = elementFromPoint(...centreOf(control));
                if (!control.contains(found)) {
                    throw new Error(`${selector} is covered by ${found?.outerHTML.slice(0, 120)}`);
                }
            }
            for (const selector of [".o_dynaoffice_mail_send", ".o_dynaoffice_mail_save_draft"]) {
                if (document.body.querySelector(selector).disabled) {
                    throw new Error(`${selector} is disabled`);
                }
            }
        },
    };
}

/** The mail's harmless look is kept: its colour and weight. */
function ownStylesKept() {
    return {
        trigger: `${quote} p:contains('Mit freundlichen Grüßen')`,
        run() {
            const style = getComputedStyle(this.anchor);
            if (style.color !== "rgb(0, 102, 51)" || style.fontWeight !== "700") {
                throw new Error(
                    `the quoted text lost its style: ${style.color}, ${style.fontWeight}`
                );
            }
        },
    };
}

/**
 * Replying to a mail that tries a full-screen overlay, negative margins and transforms,
 * and names its elements after `document`'s methods and Odoo's own elements: the
 * composer opens with the quote in its place, and typing, saving and sending work.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_trust_quoted_html", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: row(SUBJECT), run: "click", timeout: 30000 },
        { trigger: `.o_dynaoffice_mail_subject:contains('${SUBJECT}')` },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_reply", run: "click" },
        { trigger: `.o_dynaoffice_mail_composer_title:contains('Re: ${SUBJECT}')` },
        documentIntact(),
        nothingCoversThePage(),
        ownStylesKept(),
        { trigger: firstLine, run: "editor Danke, kein Interesse." },
        { trigger: ".o_dynaoffice_mail_composer_editable:contains('Danke, kein Interesse.')" },
        { trigger: ".o_dynaoffice_mail_save_draft", run: "click" },
        // Saved; the notice goes, not to be taken for something covering the page.
        { trigger: ".o_notification:contains('Draft saved') .o_notification_close", run: "click" },
        { trigger: "body:not(:has(.o_notification))" },
        documentIntact(),
        nothingCoversThePage(),
        { trigger: ".o_dynaoffice_mail_send:not(:disabled)", run: "click" },
        { trigger: ".o_notification:contains('Message sent')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_reading_pane:not(:has(.o_dynaoffice_mail_composer))" },
        { trigger: `${row(SUBJECT)} .o_dynaoffice_mail_answered` },
    ],
});
