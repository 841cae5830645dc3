import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { assignedTitle } from "./assigned_to";
import { teamStatusLabel } from "./mail_team";
import {
    addressesFull,
    addressesLabel,
    formatFullDate,
    formatListDate,
    formatSize,
    parseMailDate,
} from "./mail_format";

/** What a message row carries when dragged onto a folder. */
export const DRAG_TYPE = "application/x-dynaoffice-mail-messages";

/**
 * One message in the list: unread (bold), flagged, answered and attachment markers,
 * sender (recipients in Sent and Drafts), subject, date and size, and under the subject
 * the first words of the text (the preview line, empty where the message has none).
 */
export class MessageRow extends Component {
    static template = "dynaoffice_mail.MessageRow";
    static props = {
        message: Object,
        selected: Boolean,
        cursor: Boolean,
        open: Boolean,
        outgoing: Boolean,
        onClick: Function,
        onToggleSelect: Function,
        onToggleFlag: Function,
        onDragStart: Function,
        onDragEnd: Function,
        // The records the message is assigned to (a marker with their names).
        assignedTo: { type: Array, optional: true },
        // The team state in a group mailbox (#17): the assignee's avatar and the status.
        team: { type: [Object, { value: null }], optional: true },
        // Internal notes of the team on the message (group mailboxes).
        notes: { type: Number, optional: true },
    };

    get date() {
        const { message } = this.props;
        return parseMailDate(message.date) || parseMailDate(message.internal_date);
    }

    get dateLabel() {
        return formatListDate(this.date);
    }

    get dateTitle() {
        return formatFullDate(this.date);
    }

    get sizeLabel() {
        return formatSize(this.props.message.size);
    }

    get correspondents() {
        const { message, outgoing } = this.props;
        const addresses = outgoing ? message.to : message.from_;
        return addressesLabel(addresses) || (outgoing ? _t("(no recipient)") : _t("(no sender)"));
    }

    get correspondentsTitle() {
        const { message, outgoing } = this.props;
        const full = addressesFull(outgoing ? message.to : message.from_);
        return outgoing ? _t("To: %(recipients)s", { recipients: full }) : full;
    }

    get subject() {
        return this.props.message.subject || _t("(no subject)");
    }

    get flagTitle() {
        return this.props.message.flagged ? _t("Remove flag (s)") : _t("Flag (s)");
    }

    get assignedTitle() {
        return assignedTitle(this.props.assignedTo || []);
    }

    get teamStatusLabel() {
        return teamStatusLabel(this.props.team?.status);
    }

    get teamTitle() {
        const team = this.props.team;
        if (!team?.user_name) {
            return this.teamStatusLabel;
        }
        return _t("%(status)s, assigned to %(name)s", {
            status: this.teamStatusLabel,
            name: team.user_name,
        });
    }

    get notesTitle() {
        const count = this.props.notes;
        return count === 1 ? _t("1 internal note") : _t("%(count)s internal notes", { count });
    }

    get checkboxTitle() {
        return _t("Select (Shift+click selects a range)");
    }

    onCheckboxClick(ev) {
        ev.stopPropagation();
        this.props.onToggleSelect(this.props.message.uid, ev.shiftKey);
    }
}
