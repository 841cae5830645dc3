import { Component } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";

/**
 * The account switcher at the top of the folder pane (the seed's "Konten-Auswahlliste"):
 * personal mailboxes first, group mailboxes marked as such.
 */
export class AccountSwitcher extends Component {
    static template = "dynaoffice_mail.AccountSwitcher";
    static components = { Dropdown, DropdownItem };
    static props = {
        accounts: Array,
        accountId: { type: [Number, { value: null }] },
        onSelect: Function,
        onManage: Function,
    };

    typeLabel(account) {
        return account.account_type === "group" ? _t("Group mailbox") : _t("Personal mailbox");
    }

    get current() {
        return this.props.accounts.find((account) => account.id === this.props.accountId);
    }
}
