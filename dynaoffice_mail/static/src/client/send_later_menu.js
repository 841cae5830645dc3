import { Component, useState } from "@odoo/owl";
import { DateTimeInput } from "@web/core/datetime/datetime_input";
import { Dialog } from "@web/core/dialog/dialog";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { serializeDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";

const { DateTime } = luxon;

/**
 * When a mail is to go, in words the server understands: "tomorrow" (8:00), "monday" (8:00
 * the next Monday), both in the user's time zone (the server works them out), or a moment
 * picked in the user's time zone, sent as UTC ("YYYY-MM-DD HH:mm:ss").
 */
export function pickedMoment(value) {
    return value ? serializeDateTime(value) : null;
}

/** Asks for a date and time to send at ("Send later", "Change time"). */
export class SendLaterDialog extends Component {
    static template = "dynaoffice_mail.SendLaterDialog";
    static components = { Dialog, DateTimeInput };
    static props = {
        close: Function,
        title: String,
        confirmLabel: String,
        // The moment shown at first (luxon DateTime); by default in an hour.
        value: { type: Object, optional: true },
        // Called with the moment (UTC text); the dialog closes unless it answers false.
        onConfirm: Function,
    };

    setup() {
        const start = this.props.value || DateTime.now().plus({ hours: 1 }).startOf("hour");
        this.state = useState({ value: start, busy: false });
        this.today = DateTime.now().startOf("day");
    }

    get canConfirm() {
        return Boolean(this.state.value) && this.state.value > DateTime.now() && !this.state.busy;
    }

    get error() {
        return this.state.value && this.state.value <= DateTime.now()
            ? _t("This moment has passed: choose a later one.")
            : "";
    }

    async confirm() {
        if (!this.canConfirm) {
            return;
        }
        this.state.busy = true;
        try {
            const done = await this.props.onConfirm(pickedMoment(this.state.value));
            if (done !== false) {
                this.props.close();
            }
        } finally {
            this.state.busy = false;
        }
    }
}

/** The caret beside "Send": send tomorrow morning, on Monday morning, or when chosen. */
export class SendLaterMenu extends Component {
    static template = "dynaoffice_mail.SendLaterMenu";
    static components = { Dropdown, DropdownItem };
    static props = {
        // Called with "tomorrow", "monday" or a moment (UTC text).
        onChoose: Function,
        disabled: { type: Boolean, optional: true },
    };
    static defaultProps = { disabled: false };

    setup() {
        this.dialog = useService("dialog");
    }

    pick() {
        this.dialog.add(SendLaterDialog, {
            title: _t("Send later"),
            confirmLabel: _t("Schedule"),
            onConfirm: (when) => this.props.onChoose(when),
        });
    }
}
