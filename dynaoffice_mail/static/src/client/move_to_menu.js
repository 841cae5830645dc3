import { Component } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { moveTargets } from "./mail_folders";

/** "Move to": a menu of the account's folders, indented as in the tree. */
export class MoveToMenu extends Component {
    static template = "dynaoffice_mail.MoveToMenu";
    static components = { Dropdown, DropdownItem };
    static props = {
        folders: Array,
        current: { type: [String, { value: null }] },
        onMove: Function,
        disabled: { type: Boolean, optional: true },
        buttonClass: { type: String, optional: true },
        showLabel: { type: Boolean, optional: true },
    };
    static defaultProps = { disabled: false, buttonClass: "btn-light", showLabel: false };

    get targets() {
        return moveTargets(this.props.folders, this.props.current);
    }
}
