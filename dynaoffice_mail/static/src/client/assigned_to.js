import { Component, onWillStart, onWillUpdateProps } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { pagePlace } from "./mail_assignments";

/** Tooltip of a message's marker: the records it is assigned to, one a line. */
export function assignedTitle(records) {
    return [
        _t("Assigned to:"),
        ...records.map((record) => `${record.model_name}: ${record.display_name}`),
    ].join("\n");
}

/** "Assigned to: <records>" under the open message's headers; each opens its record. */
export class AssignedTo extends Component {
    static template = "dynaoffice_mail.AssignedTo";
    static props = { model: Object, uid: Number };

    setup() {
        this.action = useService("action");
        // A message opened from elsewhere (a chatter, a search) may not be on the page
        // whose markers were loaded.
        onWillStart(() => this.ensure(this.props));
        onWillUpdateProps((nextProps) => this.ensure(nextProps));
    }

    ensure({ model, uid }) {
        model.assignments.ensure(pagePlace(model), uid);
    }

    get records() {
        return this.props.model.assignments.of(this.props.uid);
    }

    openRecord(record) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: record.res_model,
            res_id: record.res_id,
            views: [[false, "form"]],
        });
    }
}
