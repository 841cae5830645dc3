import { registry } from "@web/core/registry";

function notPwned() {
    if (document.title.includes("PWNED")) {
        throw new Error("a script of the message ran in the reading pane");
    }
    const frame = document.querySelector(".o_dynaoffice_mail_body");
    if (!frame || frame.sandbox.contains("allow-scripts")) {
        throw new Error("the message body must be in a frame that runs no script");
    }
}

/** The tab's title starts with `start` (within a few seconds: it follows the counts). */
async function tabTitleIs(start) {
    for (let attempt = 0; attempt < 50 && !document.title.startsWith(start); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!document.title.startsWith(start)) {
        throw new Error(`the tab's title is "${document.title}", not "${start}…"`);
    }
}

/** The client looks for changes when the window gets the focus (and every 20 s). */
async function focusUntilArrived(subject) {
    for (let attempt = 0; attempt < 30; attempt++) {
        const rows = [...document.querySelectorAll(".o_dynaoffice_mail_row")];
        if (rows.some((element) => element.textContent.includes(subject))) {
            return;
        }
        window.dispatchEvent(new Event("focus"));
        await new Promise((resolve) => setTimeout(resolve, 2500));
    }
}

/** Every button of the list's toolbar (the bulk actions while messages are selected) says
 * what it does when pointed at, and to a screen reader when it shows only an icon. */
function allTitled() {
    const buttons = [...document.querySelectorAll(".o_dynaoffice_mail_list_toolbar button")];
    const untitled = buttons.filter((button) => !button.title.trim());
    if (buttons.length < 8 || untitled.length) {
        throw new Error(`toolbar buttons without a title: ${untitled.map((b) => b.className)}`);
    }
    const bulk = document.querySelectorAll(
        [
            ".o_dynaoffice_mail_bulk_actions button",
            ".o_dynaoffice_mail_bulk_delete",
            ".o_dynaoffice_mail_clear_selection",
        ].join(", ")
    );
    const unnamed = [...bulk].filter((button) => button.ariaLabel !== button.title);
    if (bulk.length !== 6 || unnamed.length) {
        throw new Error(`bulk buttons without an aria-label: ${unnamed.map((b) => b.className)}`);
    }
}

const row = (subject) => `.o_dynaoffice_mail_row:contains('${subject}')`;
const folder = (name) => `.o_dynaoffice_mail_folder[data-folder='${name}']`;

/**
 * The mail client on a real mailbox: folders and list, reading a message (its body in the
 * sandboxed frame), flag, new mail arriving, move by menu and by drag and drop, delete, and
 * a hostile message whose scripts must not run and whose remote image stays blocked until
 * asked for; the keyboard (at once: "?" lists the shortcuts) and the tab's title.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_client", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        // Folders (special ones with their icons) and the Inbox, newest first.
        { trigger: `${folder("INBOX")}.active .fa-inbox`, timeout: 30000 },
        { trigger: `${folder("INBOX")} .o_dynaoffice_mail_folder_count:contains(5)` },
        { trigger: `${folder("Archive")} .fa-archive` },
        { trigger: `${folder("Trash")} .fa-trash` },
        { trigger: ".o_dynaoffice_mail_range:contains('1-5 of 5')" },
        // The tab names the folder and the account with the Inbox's unread mail.
        { trigger: "body", run: () => tabTitleIs("(5) Inbox – Mailbox ") },
        // The keyboard works at once, without a click first: "?" lists the shortcuts.
        {
            trigger: `.o_dynaoffice_mail_row:first-child:contains('Hostile newsletter')`,
            run: "press ?",
        },
        {
            trigger:
                ".modal .o_dynaoffice_mail_shortcuts .o_dynaoffice_mail_shortcut:contains('Open the message') kbd:contains('Enter')",
            run: "press Escape",
        },
        { trigger: "body:not(:has(.modal))" },
        { trigger: `${row("Quarterly report")}.o_unread .o_dynaoffice_mail_has_attachment` },
        // Read a message: its HTML body in the frame, marked read in the list.
        { trigger: row("Quarterly report"), run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Quarterly report')" },
        { trigger: ".o_dynaoffice_mail_from:contains('Anna Becker <anna@example.com>')" },
        { trigger: ".o_dynaoffice_mail_body:iframe p:contains('The figures for March')" },
        { trigger: ".o_dynaoffice_mail_attachment:contains('figures.csv')" },
        // An image attachment opens in Odoo's viewer.
        {
            trigger:
                ".o_dynaoffice_mail_attachment:contains('chart.png') .o_dynaoffice_mail_attachment_preview",
            run: "click",
        },
        { trigger: ".o-FileViewer img.o-FileViewer-viewImage[src*='/dynaoffice_mail/part/']" },
        { trigger: ".o-FileViewer-headerButton[title='Close (Esc)']", run: "click" },
        { trigger: "body:not(:has(.o-FileViewer))" },
        { trigger: `${row("Quarterly report")}:not(.o_unread)` },
        { trigger: `${folder("INBOX")} .o_dynaoffice_mail_folder_count:contains(4)` },
        { trigger: "body", run: () => tabTitleIs("(4) Inbox – Mailbox ") },
        // Flag it from the reading pane.
        { trigger: ".o_dynaoffice_mail_toggle_flag", run: "click" },
        { trigger: `${row("Quarterly report")}.o_flagged` },
        // New mail arrives meanwhile (the test delivers it once the flag is on the server):
        // the list shows it, the open message stays open.
        {
            trigger: ".o_dynaoffice_mail_toggle_flag.active",
            run: () => focusUntilArrived("New arrival"),
        },
        { trigger: `.o_dynaoffice_mail_row:first-child:contains('New arrival').o_unread` },
        { trigger: `${row("Quarterly report")}.o_open.o_flagged` },
        { trigger: ".o_dynaoffice_mail_subject:contains('Quarterly report')" },
        { trigger: `${folder("INBOX")} .o_dynaoffice_mail_folder_count:contains(5)` },
        // Check one message and move it to the Archive with the toolbar's menu.
        { trigger: `${row("Move me")} .o_dynaoffice_mail_row_checkbox`, run: "click" },
        { trigger: ".o_dynaoffice_mail_selection_count:contains('1 selected')", run: allTitled },
        { trigger: ".o_dynaoffice_mail_list_toolbar .o_dynaoffice_mail_move", run: "click" },
        { trigger: `.o_dynaoffice_mail_move_target[data-folder='Archive']`, run: "click" },
        { trigger: `.o_dynaoffice_mail_rows:not(:has(${row("Move me")}))` },
        { trigger: `${folder("Archive")} .o_dynaoffice_mail_folder_count:contains(1)` },
        // Drag another one onto Junk.
        { trigger: row("Drag me"), run: `drag_and_drop ${folder("Junk")}` },
        { trigger: `.o_dynaoffice_mail_rows:not(:has(${row("Drag me")}))` },
        { trigger: `${folder("Junk")} .o_dynaoffice_mail_folder_count:contains(1)` },
        // Open one and delete it (to the Trash, no question asked).
        { trigger: row("Delete me"), run: "click" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Delete me')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_delete", run: "click" },
        { trigger: `.o_dynaoffice_mail_rows:not(:has(${row("Delete me")}))` },
        // The next message opens, as in other mail programs: the last one went, so the one
        // above it. It can be printed, in a tab of its own.
        { trigger: `${row("Quarterly report")}.o_open` },
        { trigger: ".o_dynaoffice_mail_subject:contains('Quarterly report')" },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_more", run: "click" },
        {
            trigger: ".o_dynaoffice_mail_more_menu .o_dynaoffice_mail_print",
            run: () => document.querySelector(".o_dynaoffice_mail_reading .o_dynaoffice_mail_more").click(),
        },
        { trigger: "body:not(:has(.o_dynaoffice_mail_more_menu))" },
        { trigger: ".o_dynaoffice_mail_close_message", run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_empty" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-3 of 3')" },
        // One checked message is "1 message", not "1 messages".
        { trigger: `${row("Hostile newsletter")} .o_dynaoffice_mail_row_checkbox`, run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_empty:contains('1 message selected')" },
        { trigger: `${row("Hostile newsletter")} .o_dynaoffice_mail_row_checkbox`, run: "click" },
        { trigger: ".o_dynaoffice_mail_reading_empty:contains('Select a message to read it.')" },
        // The hostile message: no script runs, the remote image waits for the user.
        { trigger: row("Hostile newsletter"), run: "click" },
        { trigger: ".o_dynaoffice_mail_body:iframe p:contains('Dear customer')" },
        {
            trigger:
                ".o_dynaoffice_mail_remote_blocked:contains('Remote content has been blocked')",
        },
        { trigger: ".o_dynaoffice_mail_body.o_loaded", run: notPwned },
        { trigger: ".o_dynaoffice_mail_show_remote", run: "click" },
        { trigger: ".o_dynaoffice_mail_reading:not(:has(.o_dynaoffice_mail_remote_blocked))" },
        { trigger: ".o_dynaoffice_mail_body.o_loaded:iframe p:contains('Dear customer')" },
        { trigger: ".o_dynaoffice_mail_body.o_loaded", run: notPwned },
        // The keyboard: j goes down to the report, Enter opens it, r marks it unread again.
        { trigger: `${row("Hostile newsletter")}.o_cursor`, run: "press j" },
        { trigger: `${row("Quarterly report")}.o_cursor`, run: "press Enter" },
        { trigger: ".o_dynaoffice_mail_subject:contains('Quarterly report')", run: "press r" },
        { trigger: `${row("Quarterly report")}.o_unread` },
        { trigger: ".o_dynaoffice_mail_reading .o_dynaoffice_mail_more", run: "click" },
        { trigger: ".o_dynaoffice_mail_toggle_seen[title='Mark as read (r)']" },
    ],
});

const contextMenu = (selector) => ({
    trigger: selector,
    run() {
        this.anchor.dispatchEvent(
            new MouseEvent("contextmenu", { bubbles: true, cancelable: true })
        );
    },
});

const inbox = ".o_dynaoffice_mail_folder[data-folder='INBOX']";

/**
 * Paging, sorting and searching (all done by the server), a folder marked as read, folders
 * created, renamed and deleted from the tree's menu, and the Trash emptied.
 */
registry.category("web_tour.tours").add("dynaoffice_mail_client_folders", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 56')", timeout: 30000 },
        { trigger: ".o_dynaoffice_mail_row:first-child:contains('Rechnung 4711')" },
        { trigger: ".o_dynaoffice_mail_next", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('51-56 of 56')" },
        { trigger: ".o_dynaoffice_mail_row:last-child:contains('Nachricht 01')" },
        { trigger: ".o_dynaoffice_mail_next:disabled" },
        { trigger: ".o_dynaoffice_mail_previous", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 56')" },
        // Sort by subject, A to Z, then the other way round.
        { trigger: ".o_dynaoffice_mail_sort", run: "click" },
        { trigger: ".o_dynaoffice_mail_sort_option[data-sort='subject']", run: "click" },
        { trigger: ".o_dynaoffice_mail_sort:contains('Subject')" },
        { trigger: ".o_dynaoffice_mail_row:first-child:contains('Nachricht 01')" },
        { trigger: ".o_dynaoffice_mail_sort_direction", run: "click" },
        { trigger: ".o_dynaoffice_mail_row:first-child:contains('Rechnung 4711')" },
        // Search the whole message, then only unread mail.
        { trigger: ".o_dynaoffice_mail_search_text", run: "edit Lieferschein && press Enter" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-1 of 1')" },
        { trigger: ".o_dynaoffice_mail_row:contains('Rechnung 4711')" },
        { trigger: ".o_dynaoffice_mail_search_clear", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 56')" },
        { trigger: ".o_dynaoffice_mail_search_toggle", run: "click" },
        { trigger: ".o_dynaoffice_mail_search_unseen", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-2 of 2')" },
        { trigger: ".o_dynaoffice_mail_search_unseen", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 56')" },
        // The box's operators, searched by the server; what it cannot read is said under it.
        { trigger: ".o_dynaoffice_mail_search_text", run: "edit from:kunde is:unread && press Enter" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-2 of 2')" },
        { trigger: ".o_dynaoffice_mail_row:contains('Rechnung 4711')" },
        // Saved under the folders, run again from there after the box was cleared.
        { trigger: ".o_dynaoffice_mail_search_save", run: "click" },
        { trigger: ".o_dynaoffice_mail_search_save_name", run: "edit Unread from customers" },
        { trigger: ".o_dynaoffice_mail_search_save_confirm", run: "click" },
        { trigger: ".o_dynaoffice_mail_saved_search:contains('Unread from customers')" },
        { trigger: ".o_dynaoffice_mail_search_text", run: "edit foo:bar && press Enter" },
        { trigger: ".o_dynaoffice_mail_search_error:contains('foo:')" },
        { trigger: ".o_dynaoffice_mail_search_clear", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 56')" },
        { trigger: ".o_dynaoffice_mail_list_pane:not(:has(.o_dynaoffice_mail_search_error))" },
        { trigger: ".o_dynaoffice_mail_saved_search_run:contains('Unread from customers')", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-2 of 2')" },
        { trigger: ".o_dynaoffice_mail_search_clear", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 56')" },
        // In all folders: where each mail lives, the mailbox and the folder.
        { trigger: ".o_dynaoffice_mail_search_text", run: "edit Lieferschein" },
        { trigger: ".o_dynaoffice_mail_search_everywhere", run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_everywhere_search .o_dynaoffice_mail_partner_search_group[data-folder='INBOX'] .o_dynaoffice_mail_partner_search_result:contains('Rechnung 4711')",
        },
        {
            trigger:
                ".o_dynaoffice_mail_partner_search_result:contains('Rechnung 4711') .o_dynaoffice_mail_everywhere_place:contains('Inbox')",
        },
        { trigger: ".o_dynaoffice_mail_everywhere_search .o_dynaoffice_mail_partner_search_close", run: "click" },
        { trigger: ".o_dynaoffice_mail_search_clear", run: "click" },
        { trigger: ".o_dynaoffice_mail_range:contains('1-50 of 56')" },
        // Mark folder as read: its count goes, and the list shows every message read.
        { trigger: ".o_dynaoffice_mail_row.o_unread:contains('Rechnung 4711')" },
        contextMenu(inbox),
        { trigger: ".o_dynaoffice_mail_folder_mark_read", run: "click" },
        { trigger: ".o_notification:contains('2 messages were marked as read')" },
        { trigger: `${inbox}:not(:has(.o_dynaoffice_mail_folder_count))` },
        { trigger: ".o_dynaoffice_mail_rows:not(:has(.o_unread))" },
        // A new folder, renamed, with a subfolder that is deleted again.
        { trigger: ".o_dynaoffice_mail_new_folder", run: "click" },
        { trigger: ".modal .o_dynaoffice_mail_folder_name_input", run: "edit Projekte" },
        { trigger: ".modal .o_dynaoffice_mail_folder_confirm", run: "click" },
        contextMenu(".o_dynaoffice_mail_folder[data-folder='Projekte']"),
        { trigger: ".o_dynaoffice_mail_folder_rename", run: "click" },
        { trigger: ".modal .o_dynaoffice_mail_folder_name_input", run: "edit Kunden" },
        { trigger: ".modal .o_dynaoffice_mail_folder_confirm", run: "click" },
        { trigger: ".o_dynaoffice_mail_folder_tree:not(:has([data-folder='Projekte']))" },
        contextMenu(".o_dynaoffice_mail_folder[data-folder='Kunden']"),
        { trigger: ".o_dynaoffice_mail_folder_create", run: "click" },
        { trigger: ".modal .o_dynaoffice_mail_folder_name_input", run: "edit Alt" },
        { trigger: ".modal .o_dynaoffice_mail_folder_confirm", run: "click" },
        {
            trigger:
                ".o_dynaoffice_mail_folder[data-folder='Kunden/Alt'] .o_dynaoffice_mail_folder_name",
            run: "click",
        },
        { trigger: ".o_dynaoffice_mail_list_title:contains('Alt')" },
        contextMenu(".o_dynaoffice_mail_folder[data-folder='Kunden/Alt']"),
        { trigger: ".o_dynaoffice_mail_folder_delete", run: "click" },
        { trigger: ".modal-footer .btn-danger", run: "click" },
        { trigger: ".o_dynaoffice_mail_folder_tree:not(:has([data-folder='Kunden/Alt']))" },
        // Deleting the open folder went back to the Inbox.
        { trigger: ".o_dynaoffice_mail_folder[data-folder='INBOX'].active" },
        // Empty Trash: only in the Trash, and only after confirming.
        { trigger: ".o_dynaoffice_mail_list_header:not(:has(.o_dynaoffice_mail_empty_trash))" },
        {
            trigger:
                ".o_dynaoffice_mail_folder[data-folder='Trash'] .o_dynaoffice_mail_folder_name",
            run: "click",
        },
        { trigger: ".o_dynaoffice_mail_range:contains('1-2 of 2')" },
        { trigger: ".o_dynaoffice_mail_empty_trash", run: "click" },
        { trigger: ".modal-footer .btn-danger", run: "click" },
        { trigger: ".o_notification:contains('2 messages were removed from the Trash')" },
        { trigger: ".o_dynaoffice_mail_list_empty:contains('This folder is empty')" },
    ],
});

/** A group mailbox, as a member of the group sees it. */
registry.category("web_tour.tours").add("dynaoffice_mail_client_group", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_account_switcher .o_dynaoffice_mail_group_badge" },
        { trigger: ".o_dynaoffice_mail_row:contains('Für alle')", timeout: 30000 },
    ],
});

/** Without a mailbox: an empty state that leads to the setup. */
registry.category("web_tour.tours").add("dynaoffice_mail_client_no_account", {
    url: "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action",
    steps: () => [
        { trigger: ".o_dynaoffice_mail_no_account:contains('No mailbox yet')" },
        { trigger: ".o_dynaoffice_mail_setup", run: "click" },
        { trigger: ".o_view_nocontent:contains('Add your first e-mail account')" },
    ],
});
