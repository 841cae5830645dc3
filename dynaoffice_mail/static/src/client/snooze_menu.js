import { Component } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { formatDateTime } from "@web/core/l10n/dates";
import { useService } from "@web/core/utils/hooks";
import { SNOOZED_FOLDER } from "./mail_folders";
import { WhenDialog } from "./when_dialog";

const { DateTime } = luxon;

// The hour mornings start at, for "tomorrow morning" and "next week".
const MORNING = 8;

/**
 * The quick choices of "Snooze until", from `now` (a luxon DateTime in the user's time
 * zone): later today (three hours on, on the hour; not offered from 18:00 on), tomorrow
 * morning, and Monday morning of next week.
 */
export function snoozeChoices(now) {
    const choices = [];
    if (now.hour < 18) {
        choices.push({
            key: "later_today",
            label: _t("Later today"),
            until: now.plus({ hours: 3 }).startOf("hour"),
        });
    }
    choices.push({
        key: "tomorrow",
        label: _t("Tomorrow morning"),
        until: now.plus({ days: 1 }).set({ hour: MORNING }).startOf("hour"),
    });
    choices.push({
        key: "next_week",
        label: _t("Next week"),
        until: now
            .plus({ weeks: 1 })
            .startOf("week")
            .set({ hour: MORNING })
            .startOf("hour"),
    });
    return choices;
}

/** "Snooze": the open message (or the checked ones) out of the folder until a time. */
export class SnoozeMenu extends Component {
    static template = "dynaoffice_mail.SnoozeMenu";
    static components = { Dropdown, DropdownItem };
    static props = {
        model: Object,
        uids: Array,
        // The open message's Message-ID: in "Snoozed" the menu is "Unsnooze now" for it.
        messageId: { type: [String, { value: null }], optional: true },
        buttonClass: { type: String, optional: true },
    };
    static defaultProps = { buttonClass: "btn-sm btn-light" };

    setup() {
        this.dialog = useService("dialog");
    }

    get inSnoozed() {
        return this.props.model.folder === SNOOZED_FOLDER && Boolean(this.props.messageId);
    }

    get choices() {
        return snoozeChoices(DateTime.local());
    }

    formatted(moment) {
        return formatDateTime(moment, { format: "ccc, dd.LL. HH:mm" });
    }

    snooze(until) {
        return this.props.model.snooze(this.props.uids, until);
    }

    chooseTime() {
        this.dialog.add(WhenDialog, {
            title: _t("Snooze until"),
            type: "datetime",
            value: DateTime.local().plus({ days: 1 }).set({ hour: MORNING }).startOf("hour"),
            onConfirm: (until) => this.snooze(until),
        });
    }
}
