import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { errorMessage } from "./mail_rpc";
import { RecordPicker, recordKey } from "./record_picker";

/**
 * "Assign to...": the record picker (those the messages are assigned to already shown
 * checked); choosing a record posts the messages into its chatter.
 */
export class AssignDialog extends Component {
    static template = "dynaoffice_mail.AssignDialog";
    static components = { Dialog, RecordPicker };
    static props = {
        close: Function,
        assignments: Object,
        place: Object,
        uids: Array,
    };

    setup() {
        this.notification = useService("notification");
        this.state = useState({ busy: null }); // the key of the record being assigned to
    }

    get title() {
        const count = this.props.uids.length;
        return count === 1
            ? _t("Assign to...")
            : _t("Assign %(count)s messages to...", { count });
    }

    get errorTitle() {
        return _t("Assign mail");
    }

    async assign(record) {
        if (this.state.busy) {
            return;
        }
        const { assignments, place, uids } = this.props;
        this.state.busy = recordKey(record);
        try {
            await assignments.assign(place, uids, record);
        } catch (error) {
            this.notification.add(errorMessage(error), { title: this.errorTitle, type: "danger" });
            return;
        } finally {
            this.state.busy = null;
        }
        this.props.close();
    }
}
