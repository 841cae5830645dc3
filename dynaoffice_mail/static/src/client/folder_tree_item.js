import { Component, useState } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { useDropdownState } from "@web/core/dropdown/dropdown_hooks";
import { _t } from "@web/core/l10n/translation";
import { folderIcon } from "./mail_folders";

/**
 * One row of the folder tree: opens the folder, takes dropped messages, and has a menu
 * (also on right click) to mark all its mail read and to create, rename and delete folders.
 */
export class FolderTreeItem extends Component {
    static template = "dynaoffice_mail.FolderTreeItem";
    static components = { Dropdown, DropdownItem };
    static props = {
        row: Object,
        active: Boolean,
        canDrop: Boolean,
        isTrash: Boolean,
        onOpen: Function,
        onToggle: Function,
        onDrop: Function,
        dragPayload: Function,
        onCreate: Function,
        onRename: Function,
        onDelete: Function,
        onEmptyTrash: Function,
        onMarkRead: Function,
    };

    setup() {
        this.menu = useDropdownState();
        this.state = useState({ dropping: false });
    }

    get folder() {
        return this.props.row.folder;
    }

    get selectable() {
        return Boolean(this.folder?.selectable);
    }

    get icon() {
        return folderIcon(this.folder, this.props.row.hasChildren && this.props.row.expanded);
    }

    /** Special folders keep their role: other clients and the server rely on them. */
    get canChange() {
        return Boolean(this.folder && !this.folder.special_use);
    }

    get title() {
        const folder = this.folder;
        if (!folder) {
            return this.props.row.name;
        }
        if (!folder.selectable) {
            return _t("%(folder)s (holds only folders)", { folder: folder.name });
        }
        return _t("%(folder)s: %(unread)s unread of %(total)s", {
            folder: folder.name,
            unread: folder.unread ?? 0,
            total: folder.total ?? 0,
        });
    }

    get isDrafts() {
        return this.folder?.special_use === "\\Drafts";
    }

    get toggleTitle() {
        return this.props.row.expanded ? _t("Collapse") : _t("Expand");
    }

    get countLabel() {
        const folder = this.folder;
        if (!folder || !folder.selectable) {
            return "";
        }
        if (this.isDrafts) {
            return folder.total ? String(folder.total) : "";
        }
        return folder.unread ? String(folder.unread) : "";
    }

    onClick() {
        if (this.selectable) {
            this.props.onOpen(this.props.row.name);
        } else if (this.props.row.hasChildren) {
            this.props.onToggle(this.props.row.name);
        }
    }

    onKeydown(ev) {
        const { row } = this.props;
        if (!row.hasChildren) {
            return;
        }
        const rtl = getComputedStyle(ev.currentTarget).direction === "rtl";
        const [open, close] = rtl ? ["ArrowLeft", "ArrowRight"] : ["ArrowRight", "ArrowLeft"];
        if ((ev.key === open && !row.expanded) || (ev.key === close && row.expanded)) {
            ev.preventDefault();
            this.props.onToggle(row.name);
        }
    }

    onContextMenu(ev) {
        ev.preventDefault();
        this.menu.open();
    }

    /** Messages of this list are being dragged, and this folder can take them. */
    accepts() {
        return this.props.canDrop && Boolean(this.props.dragPayload());
    }

    onDragOver(ev) {
        if (this.accepts()) {
            ev.preventDefault();
            if (ev.dataTransfer) {
                ev.dataTransfer.dropEffect = "move";
            }
            this.state.dropping = true;
        }
    }

    onDragLeave() {
        this.state.dropping = false;
    }

    onDrop(ev) {
        this.state.dropping = false;
        const payload = this.props.dragPayload();
        if (this.accepts() && payload) {
            ev.preventDefault();
            this.props.onDrop(this.props.row.name, payload);
        }
    }
}
