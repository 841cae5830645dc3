import { Component, onWillStart, useState } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";
import { pagePlace } from "./mail_assignments";
import { errorMessage } from "./mail_rpc";

const ICONS = {
    "crm.lead": "fa-handshake-o",
    "project.task": "fa-tasks",
    "res.partner": "fa-user-plus",
};
const TICKET_ICON = "fa-life-ring";
const OTHER_ICON = "fa-file-text-o";

/**
 * "Create ..." for the open message: a lead, a task, a ticket (where their app is installed)
 * or any other record with a chatter the user may create. Odoo's own form opens with
 * values from the message (name from the subject, partner from the sender, description
 * from the body); once saved, the message is assigned to the new record as "Assign to"
 * does. Closing the form without saving creates and assigns nothing.
 */
export class CreateMenu extends Component {
    static template = "dynaoffice_mail.CreateMenu";
    static components = { Dropdown, DropdownItem };
    static props = {
        model: Object,
        uid: Number,
    };

    setup() {
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.state = useState({ models: null, busy: false });
        onWillStart(() => {
            // Not awaited: the menu appears once the server named what the user may create.
            this.loadModels();
        });
    }

    get assignments() {
        return this.props.model.assignments;
    }

    get featured() {
        return (this.state.models || []).filter((entry) => entry.featured);
    }

    get others() {
        return (this.state.models || []).filter((entry) => !entry.featured);
    }

    async loadModels() {
        try {
            this.state.models = await this.assignments.creatableModels();
        } catch {
            // Only the menu is missing then; the next message asks again.
            this.state.models = [];
        }
    }

    iconOf(entry) {
        return ICONS[entry.model] || (entry.model.endsWith(".ticket") ? TICKET_ICON : OTHER_ICON);
    }

    async create(entry) {
        if (this.state.busy || !this.props.model.page) {
            return;
        }
        const { uid } = this.props;
        const place = pagePlace(this.props.model);
        this.state.busy = true;
        let defaults;
        try {
            defaults = await this.assignments.createDefaults(place, uid, entry.model);
        } catch (error) {
            this.notifyError(error);
            return;
        } finally {
            this.state.busy = false;
        }
        this.dialog.add(FormViewDialog, {
            resModel: defaults.res_model,
            title: _t("Create %(model)s from the mail", { model: defaults.model_name }),
            context: defaults.context,
            onRecordSaved: async (record) => {
                const created = {
                    res_model: defaults.res_model,
                    res_id: record.resId,
                    display_name: record.data.display_name || record.data.name || "",
                    model_name: defaults.model_name,
                };
                try {
                    await this.assignments.assign(place, [uid], created);
                } catch (error) {
                    // The record is saved; only the mail is not in its history.
                    this.notifyError(error);
                }
            },
        });
    }

    notifyError(error) {
        this.notification.add(errorMessage(error), {
            title: _t("Create from mail"),
            type: "danger",
        });
    }
}
