import { Component, onWillStart, onWillUpdateProps } from "@odoo/owl";
import { draftsLabel, replyingLabel } from "./mail_team";

/**
 * "Ben Becker is replying.": colleagues with a reply to the message open in their
 * composer, and replies to it saved in the mailbox's Drafts. With `ask`, asked for when
 * shown (the reading pane); the composer's heartbeat brings it otherwise.
 */
export class ReplyingNotice extends Component {
    static template = "dynaoffice_mail.ReplyingNotice";
    static props = {
        team: Object,
        accountId: Number,
        messageId: { type: String, optional: true },
        ask: { type: Boolean, optional: true },
    };

    setup() {
        onWillStart(() => this.ask(this.props));
        onWillUpdateProps((next) => {
            const { messageId, accountId } = this.props;
            if (next.messageId !== messageId || next.accountId !== accountId) {
                this.ask(next);
            }
        });
    }

    ask({ team, accountId, messageId, ask }) {
        if (ask && messageId) {
            // Not awaited: the pane shows the message meanwhile.
            team.askWhoIsReplying(accountId, messageId);
        }
    }

    get replying() {
        const { team, accountId, messageId } = this.props;
        return messageId ? team.replyingTo(accountId, messageId) : { users: [], drafts: 0 };
    }

    get usersLabel() {
        return replyingLabel(this.replying.users);
    }

    get draftsLabel() {
        return draftsLabel(this.replying.drafts);
    }
}
