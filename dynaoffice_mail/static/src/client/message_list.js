import { Component, useEffect, useRef } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { formatInteger } from "@web/views/fields/formatters";
import { AssignButtons } from "./assign_buttons";
import { TeamButtons } from "./team_buttons";
import { isConversationSelected, toggleConversationSelected } from "./conversation_model";
import { ConversationRow } from "./conversation_row";
import { folderLabel, isOutgoingFolder } from "./mail_folders";
import { DRAG_TYPE, MessageRow } from "./message_row";
import { MessageSearch } from "./message_search";
import { MoveToMenu } from "./move_to_menu";

export const SORT_OPTIONS = [
    { key: "date", label: () => _t("Date") },
    { key: "arrival", label: () => _t("Arrival") },
    { key: "from", label: () => _t("Sender") },
    { key: "subject", label: () => _t("Subject") },
    { key: "size", label: () => _t("Size") },
];

/**
 * The middle pane: the open folder's messages, one page at a time, with search, sorting,
 * paging, check boxes (Shift+click for ranges) and the actions on the checked messages.
 */
export class MessageList extends Component {
    static template = "dynaoffice_mail.MessageList";
    static components = {
        AssignButtons,
        TeamButtons,
        ConversationRow,
        Dropdown,
        DropdownItem,
        MessageRow,
        MessageSearch,
        MoveToMenu,
    };
    static props = {
        model: Object,
        onOpen: Function,
        onDelete: Function,
        onEmptyTrash: Function,
        // The search box's "Save this search" and "Search all mailboxes" (see MessageSearch).
        onSaveSearch: { type: Function, optional: true },
        onSearchEverywhere: { type: Function, optional: true },
        // The list as conversations (#16): open one, switch the view.
        onOpenConversation: { type: Function, optional: true },
        onToggleConversations: { type: Function, optional: true },
    };

    setup() {
        this.rowsRef = useRef("rows");
        this.dragImageRef = useRef("dragImage");
        this.sortOptions = SORT_OPTIONS;
        // Keep the keyboard cursor in view (and focused, if the list has the focus).
        useEffect(
            (cursor) => {
                const container = this.rowsRef.el;
                const row = container?.querySelector(
                    `[data-uid="${cursor}"], [data-key="${cursor}"]`
                );
                if (row) {
                    row.scrollIntoView({ block: "nearest" });
                    if (container.contains(document.activeElement)) {
                        row.focus({ preventScroll: true });
                    }
                }
            },
            () => [this.props.model.cursor]
        );
    }

    get model() {
        return this.props.model;
    }

    get folder() {
        return this.model.currentFolder;
    }

    get folderTitle() {
        return this.folder ? folderLabel(this.folder) : "";
    }

    get outgoing() {
        return isOutgoingFolder(this.folder);
    }

    get sortLabel() {
        return SORT_OPTIONS.find((option) => option.key === this.model.sort)?.label() || "";
    }

    get sortTitle() {
        return _t("Sorted by %(key)s", { key: this.sortLabel });
    }

    get directionTitle() {
        return this.model.reverse
            ? _t("Descending (click for ascending)")
            : _t("Ascending (click for descending)");
    }

    get rangeLabel() {
        const page = this.model.page;
        if (!page || !page.total) {
            return "";
        }
        const first = page.offset + 1;
        const last = page.offset + (page.conversations || page.messages).length;
        return _t("%(first)s-%(last)s of %(total)s", { first, last, total: page.total });
    }

    get hasPrevious() {
        return this.model.hasPreviousPage;
    }

    get hasNext() {
        return this.model.hasNextPage;
    }

    get selectionLabel() {
        const count = this.model.selectedCount;
        return count === 1
            ? _t("1 selected")
            : _t("%(count)s selected", { count: formatInteger(count) });
    }

    /** The bar under the toolbar when the whole page is checked and there is more. */
    get pageSelectedLabel() {
        const count = this.model.selection.size;
        return count === 1
            ? _t("The message on this page is selected.")
            : _t("All %(count)s on this page are selected.", { count: formatInteger(count) });
    }

    get selectAllMatchingLabel() {
        const count = formatInteger(this.model.page?.total || 0);
        return this.model.hasSearch
            ? _t("Select all %(count)s matching messages", { count })
            : _t("Select all %(count)s in this folder", { count });
    }

    get allMatchingLabel() {
        const count = formatInteger(this.model.page?.total || 0);
        return this.model.hasSearch
            ? _t("All %(count)s matching messages are selected.", { count })
            : _t("All %(count)s in this folder are selected.", { count });
    }

    get bulkLabel() {
        const bulk = this.model.bulk;
        return _t("%(done)s of %(total)s", {
            done: formatInteger(bulk.done + bulk.gone),
            total: formatInteger(bulk.total),
        });
    }

    get emptyLabel() {
        return this.model.hasSearch
            ? _t("No messages match your search.")
            : _t("This folder is empty.");
    }

    get unreadLabel() {
        const unread = this.folder?.unread;
        return unread ? _t("%(count)s unread", { count: unread }) : "";
    }

    previous() {
        this.model.previousPage();
    }

    next() {
        this.model.nextPage();
    }

    onRowClick(ev, uid) {
        if (ev.ctrlKey || ev.metaKey) {
            this.model.toggleSelected(uid);
        } else if (ev.shiftKey) {
            if (this.model.anchor === null && this.model.cursor !== null) {
                this.model.anchor = this.model.cursor;
                this.model.selection.add(this.model.cursor);
            }
            this.model.toggleSelected(uid, { range: true });
        } else {
            this.props.onOpen(uid);
        }
    }

    get conversationsTitle() {
        return this.model.conversationMode
            ? _t("Show single messages")
            : _t("Show as conversations");
    }

    isConversationSelected(conversation) {
        return isConversationSelected(this.model.selection, conversation);
    }

    onToggleConversation(conversation) {
        toggleConversationSelected(this.model, conversation);
    }

    onToggleSelect(uid, range) {
        this.model.toggleSelected(uid, { range });
    }

    onToggleFlag(uid) {
        this.model.toggleFlag([uid], "flagged");
    }

    /**
     * Dragging a checked row takes all checked rows along; any other row goes alone. The
     * folder tree reads what is dragged from the model (drops from elsewhere do nothing).
     */
    onDragStart(ev, uid) {
        const model = this.model;
        const uids = model.selection.has(uid) ? [...model.selection] : [uid];
        // With "select all N", the checked rows stand for all of them.
        const all = model.selectsAllMatching && model.selection.has(uid);
        model.drag = {
            accountId: model.accountId,
            folder: model.folder,
            uidvalidity: model.page.uidvalidity,
            uids,
            all,
        };
        const count = all ? model.selectedCount : uids.length;
        const label =
            count === 1
                ? this.subjectOf(uid)
                : _t("%(count)s messages", { count: formatInteger(count) });
        const transfer = ev.dataTransfer;
        if (transfer) {
            transfer.setData(DRAG_TYPE, JSON.stringify(model.drag));
            transfer.setData("text/plain", label);
            transfer.effectAllowed = "move";
            const image = this.dragImageRef.el;
            if (image) {
                image.textContent = label;
                transfer.setDragImage(image, 12, 12);
            }
        }
    }

    onDragEnd() {
        this.model.drag = null;
    }

    subjectOf(uid) {
        return this.model.messageByUid(uid)?.subject || _t("(no subject)");
    }

    onSelectAll(ev) {
        this.model.selectAll(ev.target.checked);
    }

    /** The bulk actions: on the checked messages, or on all matching ones ("select all N"). */
    markSelection(flag, value) {
        if (this.model.selectsAllMatching) {
            this.model.bulkChange(flag, { value });
        } else {
            this.model.setFlag([...this.model.selection], flag, value);
        }
    }

    moveSelection(target) {
        if (this.model.selectsAllMatching) {
            this.model.bulkChange("move", { target });
        } else {
            this.model.move([...this.model.selection], target);
        }
    }

    deleteSelection() {
        this.props.onDelete([...this.model.selection], { all: this.model.selectsAllMatching });
    }
}
