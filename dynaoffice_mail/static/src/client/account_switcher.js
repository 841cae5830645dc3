import { Component } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";

/**
 * The account switcher at the top of the folder pane (the seed's "Konten-Auswahlliste"):
 * personal mailboxes first, group mailboxes marked as such, each with the unread mail of
 * its Inbox (`unread`: {accountId: count}, as far as known). Below them the way to the
 * accounts' settings and the user's desktop notification for new mail.
 */
export class AccountSwitcher extends Component {
    static template = "dynaoffice_mail.AccountSwitcher";
    static components = { Dropdown, DropdownItem };
    static props = {
        accounts: Array,
        accountId: { type: [Number, { value: null }] },
        unread: { type: Object, optional: true },
        // {accountId: mail of a group mailbox assigned to the user, not done} (#17).
        assignedToMe: { type: Object, optional: true },
        onSelect: Function,
        onManage: Function,
        // The user's preference "desktop notification for new mail" and its toggle.
        notifyDesktop: { type: Boolean, optional: true },
        onToggleNotify: { type: Function, optional: true },
        // The preference is on but the browser refuses notifications: say so beside it.
        notifyBlocked: { type: Boolean, optional: true },
    };

    static defaultProps = { unread: {}, assignedToMe: {} };

    unreadOf(account) {
        return this.props.unread[account.id] || 0;
    }

    assignedTitle(account) {
        return _t("Assigned to me: %(count)s", { count: this.props.assignedToMe[account.id] });
    }

    unreadTitle(account) {
        return _t("%(count)s unread", { count: this.unreadOf(account) });
    }

    typeLabel(account) {
        return account.account_type === "group" ? _t("Group mailbox") : _t("Personal mailbox");
    }

    get current() {
        return this.props.accounts.find((account) => account.id === this.props.accountId);
    }
}
