import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { TEAM_STATUSES, teamStatusLabel } from "./mail_team";
import { TeamAssignDialog } from "./team_assign_dialog";

/** "Assign to..." for the messages `uids` of the open page (a member of the group). */
export function openTeamAssignDialog(dialog, model, uids) {
    if (uids.length && model.page && model.isGroupAccount) {
        dialog.add(TeamAssignDialog, { model, uids: [...uids] });
    }
}

/**
 * The team inbox of a group mailbox (#17) for the open message or the checked ones:
 * "Take it", "Assign to..." (a colleague of the group) and the status (open, waiting,
 * done); with one message, who has it and its status.
 */
export class TeamButtons extends Component {
    static template = "dynaoffice_mail.TeamButtons";
    static props = {
        model: Object,
        uids: Array,
    };

    setup() {
        this.dialog = useService("dialog");
        this.statuses = TEAM_STATUSES.map((status) => ({
            status,
            label: teamStatusLabel(status),
            icon: { open: "fa-circle-o", waiting: "fa-hourglass-half", done: "fa-check" }[status],
            shortcut: { open: "", waiting: " (w)", done: " (e)" }[status],
        }));
    }

    /** The one message's state, for the pressed status and the assignee. */
    get state() {
        const { model, uids } = this.props;
        return uids.length === 1 ? model.team.of(uids[0]) : null;
    }

    get takeTitle() {
        return _t("Take it: assign to me (t)");
    }

    get assignTitle() {
        return _t("Assign to a colleague of the group (a)");
    }

    take() {
        this.props.model.teamChange("take", null, this.props.uids);
    }

    assign() {
        openTeamAssignDialog(this.dialog, this.props.model, this.props.uids);
    }

    setStatus(status) {
        this.props.model.teamChange("status", status, this.props.uids);
    }
}
