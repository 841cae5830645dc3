import {
    Component,
    onWillStart,
    useEffect,
    useExternalListener,
    useRef,
    useState,
} from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { AccountSwitcher } from "./account_switcher";
import { FolderNameDialog } from "./folder_name_dialog";
import { FolderTree } from "./folder_tree";
import { MailClientModel } from "./mail_client_model";
import { accountDelimiter, childFolderName, folderLabel, renamedFolderName } from "./mail_folders";
import { MessageList } from "./message_list";
import { PaneSplitter } from "./pane_splitter";
import { ReadingPane } from "./reading_pane";

export const POLL_INTERVAL = 20000;
const WIDTHS_KEY = "dynaoffice_mail.pane_widths";
const DEFAULT_WIDTHS = { folders: 250, list: 440 };
const WIDTH_LIMITS = { folders: [160, 480], list: [280, 1000] };
// Keys that work anywhere in the client except in text fields, menus and dialogs.
const EDITABLE =
    "input:not([type='checkbox']), textarea, select, [contenteditable], .dropdown-menu, .modal, .o-FileViewer";

/**
 * The mail client (client action "dynaoffice_mail.client"): folders | message list |
 * reading pane, side by side and resizable, usable from the keyboard.
 *
 * It opens `action.params.account_id` (or the context's `active_id`), else the account
 * used last in this browser, else the first one.
 */
export class MailClient extends Component {
    static template = "dynaoffice_mail.MailClient";
    static components = { AccountSwitcher, FolderTree, MessageList, PaneSplitter, ReadingPane };
    static props = ["*"];

    setup() {
        this.action = useService("action");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.ui = useState(useService("ui"));
        this.model = useState(
            new MailClientModel({ orm: useService("orm"), notification: this.notification })
        );
        this.rootRef = useRef("root");
        this.widths = useState(this.loadWidths());
        this.state = useState({ showFolders: false });
        this.lastPoll = 0;

        onWillStart(async () => {
            await this.model.loadAccounts();
            // Folders and mail load after the first render, which shows their progress.
            this.model.openInitialAccount(this.requestedAccountId);
        });
        useEffect(
            () => {
                const interval = browser.setInterval(() => this.poll(), POLL_INTERVAL);
                return () => browser.clearInterval(interval);
            },
            () => []
        );
        useExternalListener(window, "focus", () => this.poll());
        useExternalListener(document, "visibilitychange", () => this.poll());
        useExternalListener(window, "keydown", this.onKeydown);
    }

    get requestedAccountId() {
        const { action } = this.props;
        const id = action?.params?.account_id ?? action?.context?.active_id;
        return id ? Number(id) : null;
    }

    // -- layout -----------------------------------------------------------------------------

    loadWidths() {
        try {
            const stored = JSON.parse(browser.localStorage.getItem(WIDTHS_KEY) || "{}");
            return { ...DEFAULT_WIDTHS, ...stored };
        } catch {
            return { ...DEFAULT_WIDTHS };
        }
    }

    setWidth(pane, width) {
        this.widths[pane] = width;
        browser.localStorage.setItem(WIDTHS_KEY, JSON.stringify({ ...this.widths }));
    }

    resetWidth(pane) {
        this.setWidth(pane, DEFAULT_WIDTHS[pane]);
    }

    paneStyle(pane) {
        return this.isSmall ? "" : `width: ${this.widths[pane]}px`;
    }

    get limits() {
        return WIDTH_LIMITS;
    }

    get isSmall() {
        return this.ui.isSmall;
    }

    // -- staying current --------------------------------------------------------------------

    poll() {
        if (document.visibilityState === "hidden" || Date.now() - this.lastPoll < 2000) {
            return;
        }
        this.lastPoll = Date.now();
        this.model.poll();
    }

    // -- accounts ---------------------------------------------------------------------------

    openSetup() {
        this.action.doAction("dynaoffice_mail.dynaoffice_mail_account_action");
    }

    selectAccount(accountId) {
        if (accountId !== this.model.accountId) {
            this.model.openAccount(accountId);
        }
    }

    // -- folders ----------------------------------------------------------------------------

    openFolder(name) {
        this.state.showFolders = false;
        if (name !== this.model.folder) {
            this.model.openFolder(name);
        }
    }

    siblingNames(parentPath) {
        const depth = parentPath.length;
        return this.model.folders
            .filter(
                (folder) =>
                    folder.path.length === depth + 1 &&
                    parentPath.every((part, index) => folder.path[index] === part)
            )
            .map((folder) => folder.path[depth].toLowerCase());
    }

    createFolder(parent) {
        const folders = this.model.folders;
        const parentFolder = parent && folders.find((folder) => folder.name === parent.name);
        const parentPath = parentFolder ? parentFolder.path : [];
        this.dialog.add(FolderNameDialog, {
            title: parent ? _t("New subfolder") : _t("New folder"),
            confirmLabel: _t("Create"),
            parentLabel: parentFolder ? folderLabel(parentFolder) : parent?.name || "",
            delimiter: parentFolder?.delimiter || accountDelimiter(folders),
            taken: this.siblingNames(parentPath),
            onConfirm: async (name) => {
                const fullName = childFolderName(folders, parentFolder || parent, name);
                try {
                    await this.model.createFolder(fullName);
                } catch (error) {
                    this.model.notifyError(error);
                    return false;
                }
                this.notification.add(_t("Folder “%(name)s” created.", { name }), {
                    type: "success",
                });
            },
        });
    }

    renameFolder(folder) {
        const current = folder.path[folder.path.length - 1];
        this.dialog.add(FolderNameDialog, {
            title: _t("Rename folder"),
            confirmLabel: _t("Rename"),
            name: current,
            delimiter: folder.delimiter || accountDelimiter(this.model.folders),
            taken: this.siblingNames(folder.path.slice(0, -1)),
            onConfirm: async (name) => {
                try {
                    await this.model.renameFolder(folder.name, renamedFolderName(folder, name));
                } catch (error) {
                    this.model.notifyError(error);
                    return false;
                }
            },
        });
    }

    deleteFolder(folder) {
        this.dialog.add(ConfirmationDialog, {
            title: _t("Delete folder"),
            body: _t(
                "Delete the folder “%(folder)s” with all its messages and subfolders on the mail server? This cannot be undone.",
                { folder: folder.name }
            ),
            confirmLabel: _t("Delete"),
            confirmClass: "btn-danger",
            confirm: async () => {
                try {
                    await this.model.deleteFolder(folder.name);
                } catch (error) {
                    this.model.notifyError(error);
                }
            },
            cancel: () => {},
        });
    }

    emptyTrash() {
        const count = this.model.trashFolder?.total;
        this.dialog.add(ConfirmationDialog, {
            title: _t("Empty Trash"),
            body: count
                ? _t(
                      "Remove the %(count)s messages in the Trash for good? This cannot be undone.",
                      {
                          count,
                      }
                  )
                : _t("Remove every message in the Trash for good? This cannot be undone."),
            confirmLabel: _t("Empty Trash"),
            confirmClass: "btn-danger",
            confirm: () => this.model.emptyTrash(),
            cancel: () => {},
        });
    }

    dragPayload() {
        return this.model.drag;
    }

    /** Messages dragged from the list onto a folder of the tree. */
    dropMessages(target, payload) {
        const model = this.model;
        model.drag = null;
        if (
            payload.accountId === model.accountId &&
            payload.folder === model.folder &&
            payload.uidvalidity === model.page?.uidvalidity &&
            Array.isArray(payload.uids)
        ) {
            model.move(payload.uids, target);
        }
    }

    // -- messages ---------------------------------------------------------------------------

    openMessage(uid) {
        this.model.openMessage(uid);
    }

    /** Deletes at once where it can be undone (to Trash), asks first where it cannot. */
    deleteMessages(uids) {
        if (!uids.length) {
            return;
        }
        if (!this.model.deleteIsPermanent) {
            this.model.deleteMessages(uids);
            return;
        }
        this.dialog.add(ConfirmationDialog, {
            title: _t("Delete for good"),
            body:
                uids.length === 1
                    ? _t("This message will be deleted on the mail server. This cannot be undone.")
                    : _t(
                          "%(count)s messages will be deleted on the mail server. This cannot be undone.",
                          { count: uids.length }
                      ),
            confirmLabel: _t("Delete"),
            confirmClass: "btn-danger",
            confirm: () => this.model.deleteMessages(uids),
            cancel: () => {},
        });
    }

    // -- keyboard ---------------------------------------------------------------------------

    /**
     * Up/Down or j/k move in the list, Enter opens, Space checks, Delete deletes, r toggles
     * read, s or f toggles the flag, Esc clears the selection or closes the message.
     */
    onKeydown(ev) {
        const root = this.rootRef.el;
        const target = ev.target;
        if (
            !root ||
            ev.defaultPrevented ||
            ev.altKey ||
            ev.ctrlKey ||
            ev.metaKey ||
            this.ui.activeElement !== document ||
            !(target === document.body || root.contains(target)) ||
            target.closest?.(EDITABLE)
        ) {
            return;
        }
        const model = this.model;
        const inReading = Boolean(target.closest?.(".o_dynaoffice_mail_reading_scroll"));
        const onControl = Boolean(target.closest?.("button, a, [role='separator']"));
        const inFolders = Boolean(target.closest?.(".o_dynaoffice_mail_folders_pane"));
        let handled = true;
        switch (ev.key) {
            case "ArrowDown":
            case "ArrowUp":
                if (inReading || inFolders) {
                    return;
                }
                this.moveCursor(ev.key === "ArrowDown" ? 1 : -1, ev.shiftKey);
                break;
            case "j":
            case "k":
                this.moveCursor(ev.key === "j" ? 1 : -1, false);
                break;
            case "Home":
            case "End":
                if (inReading) {
                    return;
                }
                this.moveCursor(ev.key === "End" ? Infinity : -Infinity, false);
                break;
            case "Enter":
                if (onControl || inFolders || model.cursor === null) {
                    return;
                }
                model.openMessage(model.cursor);
                break;
            case " ":
                if (
                    target.matches?.("input") ||
                    !target.closest?.(".o_dynaoffice_mail_row") ||
                    model.cursor === null
                ) {
                    return; // a check box toggles itself
                }
                model.toggleSelected(model.cursor);
                break;
            case "Delete":
            case "Backspace":
                this.deleteMessages(this.keyboardTargets(target));
                break;
            case "r":
                model.toggleFlag(this.keyboardTargets(target), "seen");
                break;
            case "s":
            case "f":
                model.toggleFlag(this.keyboardTargets(target), "flagged");
                break;
            case "Escape":
                if (model.selection.size) {
                    model.clearSelection();
                } else if (model.message) {
                    model.closeMessage();
                } else {
                    return;
                }
                break;
            default:
                handled = false;
        }
        if (handled) {
            ev.preventDefault();
        }
    }

    /**
     * What a key acts on: the checked messages, else the open one, else the row the
     * keyboard is on, but only when that row has the focus (a stray key on the page must
     * not delete the first message of the list).
     */
    keyboardTargets(target) {
        const model = this.model;
        if (model.selection.size || model.messageUid !== null) {
            return model.targetUids();
        }
        const row = target.closest?.(".o_dynaoffice_mail_row");
        return row && model.cursor !== null ? [model.cursor] : [];
    }

    moveCursor(step, extend) {
        const model = this.model;
        const before = model.cursor;
        const uid = Number.isFinite(step)
            ? model.moveCursor(step)
            : model.moveCursor(step > 0 ? model.messages.length : -model.messages.length);
        if (extend && uid !== null) {
            if (before !== null) {
                model.selection.add(before);
            }
            model.selection.add(uid);
            model.anchor = uid;
        }
        // Keep the keyboard in the list, where the cursor is.
        const row = this.rootRef.el?.querySelector(`.o_dynaoffice_mail_row[data-uid="${uid}"]`);
        row?.focus({ preventScroll: true });
    }
}

registry.category("actions").add("dynaoffice_mail.client", MailClient);
