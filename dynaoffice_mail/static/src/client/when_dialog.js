import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { DateTimeInput } from "@web/core/datetime/datetime_input";

/** Asks for a date (follow-up) or a date and time (snooze), in the user's time zone. */
export class WhenDialog extends Component {
    static template = "dynaoffice_mail.WhenDialog";
    static components = { Dialog, DateTimeInput };
    static props = {
        title: String,
        type: { validate: (type) => ["date", "datetime"].includes(type) },
        value: Object, // luxon DateTime
        onConfirm: Function,
        close: Function,
    };

    setup() {
        this.state = useState({ value: this.props.value });
    }

    confirm() {
        if (!this.state.value) {
            return;
        }
        this.props.onConfirm(this.state.value);
        this.props.close();
    }
}
