import { Component, onWillStart } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { AssignDialog } from "./assign_dialog";
import { CreateMenu } from "./create_menu";
import { FileDialog } from "./file_dialog";
import { HANDLE_MODEL, pagePlace } from "./mail_assignments";
import { errorMessage } from "./mail_rpc";

/**
 * "File into documents" for the messages `uids` of the open page (with the open message's
 * `attachments` to choose from).
 */
export function openFileDialog(dialog, model, uids, attachments) {
    if (!uids.length || !model.page) {
        return;
    }
    dialog.add(FileDialog, {
        assignments: model.assignments,
        place: pagePlace(model),
        uids: [...uids],
        attachments: attachments || [],
    });
}

/**
 * "Assign to..." and "File into documents" for the open message or the checked ones, and
 * (with `showActions`) the server actions bound to messages, as a list's "Actions" menu
 * offers them.
 */
export class AssignButtons extends Component {
    static template = "dynaoffice_mail.AssignButtons";
    static components = { CreateMenu, Dropdown, DropdownItem };
    static props = {
        model: Object,
        uids: Array,
        showActions: { type: Boolean, optional: true },
        showLabel: { type: Boolean, optional: true },
        // The reading pane offers "File" in its "More" menu.
        showFile: { type: Boolean, optional: true },
        // The reading pane offers "Create ..." (a record made from the one open message).
        showCreate: { type: Boolean, optional: true },
        // The open message's attachments, which "File into documents" lets one choose.
        attachments: { type: Array, optional: true },
    };
    static defaultProps = {
        showActions: false,
        showLabel: false,
        showFile: true,
        showCreate: false,
    };

    setup() {
        this.action = useService("action");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        onWillStart(() => {
            if (this.props.showActions) {
                // Not awaited: the menu appears once the server named the actions.
                this.assignments.loadMessageActions();
            }
        });
    }

    get assignments() {
        return this.props.model.assignments;
    }

    get messageActions() {
        return this.assignments.messageActions || [];
    }

    get assignTitle() {
        return this.props.uids.length > 1
            ? _t("Assign the selected messages to a record (a contact, an opportunity...)")
            : _t("Assign to a record (a contact, an opportunity...): the mail goes to its history");
    }

    openAssignDialog() {
        const { model, uids } = this.props;
        if (!uids.length || !model.page) {
            return;
        }
        this.dialog.add(AssignDialog, {
            assignments: this.assignments,
            place: pagePlace(model),
            uids: [...uids],
        });
    }

    get fileTitle() {
        return this.props.uids.length > 1
            ? _t("File the selected messages into documents (as .eml files or their attachments)")
            : _t("File into documents: the mail as an .eml file and/or its attachments");
    }

    openFileDialog() {
        const { model, uids, attachments } = this.props;
        openFileDialog(this.dialog, model, uids, attachments);
    }

    async runAction(messageAction) {
        const { model, uids } = this.props;
        const place = pagePlace(model);
        try {
            const handles = await this.assignments.messageHandles(place, uids);
            const activeIds = uids.map((uid) => handles[uid]).filter(Boolean);
            if (!activeIds.length) {
                this.notification.add(_t("The messages are no longer on the mail server."), {
                    type: "warning",
                });
                return;
            }
            // As a list's action menu runs it: the records in the context, and the list
            // (here: the markers) refreshed when it is done: at once for code that ran
            // (a notification does not close anything), on closing for a wizard it opened.
            const refresh = () => this.assignments.load(place, uids);
            await this.action.doAction(messageAction.id, {
                additionalContext: {
                    active_model: HANDLE_MODEL,
                    active_id: activeIds[0],
                    active_ids: activeIds,
                },
                onClose: refresh,
            });
            await refresh();
        } catch (error) {
            this.notification.add(errorMessage(error), { title: _t("Mail"), type: "danger" });
        }
    }
}
