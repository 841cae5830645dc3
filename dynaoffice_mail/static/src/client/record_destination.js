import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { RecordPicker, recordKey } from "./record_picker";

/**
 * "File into documents" onto the attachments of a record, picked with the suggestions
 * and search of "Assign to...": the base addon's filing destination (the server's
 * RecordDestination, roles/filer.py).
 */
export class RecordDestination extends Component {
    static template = "dynaoffice_mail.RecordDestination";
    static components = { RecordPicker };
    static props = {
        description: Object,
        target: { type: [Object, { value: null }] },
        assignments: Object,
        place: Object,
        uids: Array,
        errorTitle: String,
        onChoose: Function,
    };

    get pickedKey() {
        return this.props.target ? recordKey(this.props.target) : null;
    }

    pick(record) {
        const { res_model, res_id } = record;
        this.props.onChoose({ res_model, res_id }, record.display_name);
    }
}

registry.category("dynaoffice_mail.filing_destinations").add(
    "record",
    { label: _t("The attachments of a record"), component: RecordDestination },
    { sequence: 50 }
);
