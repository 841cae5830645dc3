import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { FolderTreeItem } from "./folder_tree_item";
import { folderRows } from "./mail_folders";

/**
 * The folder pane's tree: special folders first with their icons, unread counts, folders
 * folded away as the user left them (remembered per account in this browser).
 */
export class FolderTree extends Component {
    static template = "dynaoffice_mail.FolderTree";
    static components = { FolderTreeItem };
    static props = {
        accountId: Number,
        folders: Array,
        current: { type: [String, { value: null }] },
        loading: Boolean,
        error: String,
        onOpen: Function,
        onDrop: Function,
        dragPayload: Function,
        onCreate: Function,
        onRename: Function,
        onDelete: Function,
        onEmptyTrash: Function,
        onMarkRead: Function,
        onRetry: Function,
        // The error asks to connect the account again (its login by token expired).
        reconnect: { type: Boolean, optional: true },
        onReconnect: { type: Function, optional: true },
    };

    setup() {
        this.state = useState({ collapsed: new Set() });
        onWillStart(() => this.loadCollapsed(this.props.accountId));
        onWillUpdateProps((next) => {
            if (next.accountId !== this.props.accountId) {
                this.loadCollapsed(next.accountId);
            }
        });
    }

    storageKey(accountId) {
        return `dynaoffice_mail.collapsed_folders.${accountId}`;
    }

    loadCollapsed(accountId) {
        let names = [];
        try {
            names = JSON.parse(browser.localStorage.getItem(this.storageKey(accountId)) || "[]");
        } catch {
            // Unreadable: start with everything unfolded.
        }
        this.state.collapsed = new Set(Array.isArray(names) ? names : []);
    }

    get rows() {
        return folderRows(this.props.folders, this.state.collapsed);
    }

    toggle(name) {
        const collapsed = this.state.collapsed;
        if (collapsed.has(name)) {
            collapsed.delete(name);
        } else {
            collapsed.add(name);
        }
        browser.localStorage.setItem(
            this.storageKey(this.props.accountId),
            JSON.stringify([...collapsed])
        );
    }

    /** Up and Down walk the tree's rows (the message list keeps its own keys). */
    onKeydown(ev) {
        if (!["ArrowUp", "ArrowDown"].includes(ev.key)) {
            return;
        }
        const buttons = [...ev.currentTarget.querySelectorAll(".o_dynaoffice_mail_folder_name")];
        const index = buttons.indexOf(document.activeElement);
        if (index === -1) {
            return;
        }
        ev.preventDefault();
        const next = buttons[index + (ev.key === "ArrowDown" ? 1 : -1)];
        next?.focus();
    }

    isTrash(row) {
        return row.folder?.special_use === "\\Trash";
    }
}
