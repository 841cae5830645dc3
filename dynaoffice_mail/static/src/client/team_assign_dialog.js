import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { errorMessage } from "./mail_rpc";

/**
 * "Assign to..." in a group mailbox (#17): the members of its group, to pick the one who
 * answers the mail (or nobody). Typing filters the list; Enter takes the first.
 */
export class TeamAssignDialog extends Component {
    static template = "dynaoffice_mail.TeamAssignDialog";
    static components = { Dialog };
    static props = {
        model: Object,
        uids: Array,
        close: Function,
    };

    setup() {
        this.title = _t("Assign to a colleague");
        this.state = useState({ members: [], filter: "", error: "", loading: true });
        onWillStart(async () => {
            try {
                this.state.members = await this.props.model.team.loadMembers(
                    this.props.model.accountId
                );
            } catch (error) {
                this.state.error = errorMessage(error);
            } finally {
                this.state.loading = false;
            }
        });
    }

    get shown() {
        const filter = this.state.filter.trim().toLowerCase();
        return this.state.members.filter(
            (member) => !filter || member.name.toLowerCase().includes(filter)
        );
    }

    onKeydown(ev) {
        if (ev.key === "Enter" && this.shown.length) {
            ev.preventDefault();
            this.pick(this.shown[0].id);
        }
    }

    async pick(userId) {
        this.props.close();
        await this.props.model.teamChange("assign", userId, this.props.uids);
    }
}
