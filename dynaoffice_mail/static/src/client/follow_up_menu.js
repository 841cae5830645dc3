import { Component } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { formatDate } from "@web/core/l10n/dates";
import { useService } from "@web/core/utils/hooks";
import { errorMessage } from "./mail_rpc";
import { WhenDialog } from "./when_dialog";

const { DateTime } = luxon;

/**
 * "Remind me if no reply by ...", on a sent message: an activity for the user on the
 * message, done by itself when the reply arrives.
 */
export class FollowUpMenu extends Component {
    static template = "dynaoffice_mail.FollowUpMenu";
    static components = { Dropdown, DropdownItem };
    static props = { model: Object, uid: Number };

    setup() {
        this.dialog = useService("dialog");
        this.notification = useService("notification");
    }

    get choices() {
        const today = DateTime.local().startOf("day");
        return [
            { key: "3_days", label: _t("In 3 days"), day: today.plus({ days: 3 }) },
            { key: "week", label: _t("In a week"), day: today.plus({ weeks: 1 }) },
        ];
    }

    formatted(day) {
        return formatDate(day);
    }

    chooseDay() {
        this.dialog.add(WhenDialog, {
            title: _t("Remind me if no reply by"),
            type: "date",
            value: DateTime.local().startOf("day").plus({ days: 3 }),
            onConfirm: (day) => this.remind(day),
        });
    }

    async remind(day) {
        try {
            await this.props.model.followUp(this.props.uid, day);
        } catch (error) {
            this.notification.add(errorMessage(error), { type: "danger" });
            return;
        }
        this.notification.add(
            _t("You will be reminded on %(day)s if no reply has arrived by then.", {
                day: formatDate(day),
            }),
            { type: "success" }
        );
    }
}
