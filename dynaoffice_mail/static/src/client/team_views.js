import { Component } from "@odoo/owl";
import { TEAM_VIEWS, teamViewLabel } from "./mail_team";

/**
 * The team's views of a group mailbox above its folders (#17): "Assigned to me",
 * "Unassigned" and "Waiting", each with its count (searched by the server), and "Assigned
 * to me in all mailboxes": the search `is:mine` in every folder of every mailbox
 * (`onAllMine`).
 */
export class TeamViews extends Component {
    static template = "dynaoffice_mail.TeamViews";
    static props = {
        model: Object,
        onAllMine: { type: Function, optional: true },
    };

    get views() {
        const { model } = this.props;
        return TEAM_VIEWS.map((view) => ({
            view,
            label: teamViewLabel(view),
            count: model.team.countOf(model.accountId, view),
            icon: { mine: "fa-user", unassigned: "fa-inbox", waiting: "fa-hourglass-half" }[view],
        }));
    }
}
