import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatInteger } from "@web/views/fields/formatters";
import {
    addressesFull,
    addressesLabel,
    formatFullDate,
    formatListDate,
    parseMailDate,
} from "./mail_format";

/**
 * One conversation in the list: its participants, how many messages it has (here and in
 * the related folder), whether any is unread or flagged, its latest subject and date. Its
 * check box checks all its messages in the open folder, which the list's actions then act
 * on together.
 */
export class ConversationRow extends Component {
    static template = "dynaoffice_mail.ConversationRow";
    static props = {
        conversation: Object,
        selected: Boolean,
        open: Boolean,
        cursor: { type: Boolean, optional: true },
        onOpen: Function,
        onToggleSelect: Function,
    };

    get conversation() {
        return this.props.conversation;
    }

    get date() {
        return parseMailDate(this.conversation.date);
    }

    get dateLabel() {
        return formatListDate(this.date);
    }

    get dateTitle() {
        return formatFullDate(this.date);
    }

    get participants() {
        return addressesLabel(this.conversation.participants) || _t("(no sender)");
    }

    get participantsTitle() {
        return addressesFull(this.conversation.participants);
    }

    get subject() {
        return this.conversation.subject || _t("(no subject)");
    }

    get countTitle() {
        const count = this.conversation.count;
        return count === 1
            ? _t("1 message")
            : _t("%(count)s messages", { count: formatInteger(count) });
    }

    get checkboxTitle() {
        return _t("Select the whole conversation");
    }

    onCheckboxClick(ev) {
        ev.stopPropagation();
        this.props.onToggleSelect(this.conversation);
    }
}
