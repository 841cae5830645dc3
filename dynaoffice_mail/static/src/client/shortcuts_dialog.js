import { Component } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";

/**
 * The mail client's keyboard shortcuts, as `MailClient.setupHotkeys` registers them: each
 * row is what it does and its keys, `keys` a list of alternatives (each a list of keys
 * pressed together).
 */
export function mailShortcuts() {
    return [
        { keys: [["↑"], ["↓"], ["k"], ["j"]], label: _t("Previous or next message") },
        {
            keys: [
                [_t("Shift"), "↑"],
                [_t("Shift"), "↓"],
            ],
            label: _t("Select the messages on the way"),
        },
        { keys: [[_t("Home")], [_t("End")]], label: _t("First or last message of the page") },
        { keys: [[_t("Enter")]], label: _t("Open the message") },
        {
            keys: [[_t("Space bar")]],
            label: _t("Select the message or remove it from the selection"),
        },
        { keys: [[_t("Del")], [_t("Backspace")]], label: _t("Delete") },
        { keys: [["r"]], label: _t("Mark as read or unread") },
        { keys: [["s"], ["f"]], label: _t("Flag or remove the flag") },
        { keys: [["t"]], label: _t("Group mailbox: take it (assign to me)") },
        { keys: [["a"]], label: _t("Group mailbox: assign to a colleague") },
        { keys: [["w"]], label: _t("Group mailbox: waiting for the customer") },
        { keys: [["e"]], label: _t("Group mailbox: done") },
        { keys: [[_t("Esc")]], label: _t("Clear the selection, else close the message") },
        { keys: [["?"]], label: _t("Show these shortcuts") },
    ];
}

/** "?" in the mail client: its keyboard shortcuts. */
export class ShortcutsDialog extends Component {
    static template = "dynaoffice_mail.ShortcutsDialog";
    static components = { Dialog };
    static props = { close: Function };

    setup() {
        this.shortcuts = mailShortcuts();
        this.title = _t("Keyboard shortcuts");
    }
}
