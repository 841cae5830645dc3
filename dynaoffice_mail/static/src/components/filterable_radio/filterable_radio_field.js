import { registry } from "@web/core/registry";
import { RadioField, radioField } from "@web/views/fields/radio/radio_field";

/**
 * Radio buttons offering only the choices that another field of the record lists (a JSON
 * list), as Odoo's `filterable_selection` does for a drop-down, plus the current value: an
 * account still shows the way it sends after an administrator switched that way off.
 *
 *     <field name="smtp_method" widget="dynaoffice_mail_filterable_radio"
 *            options="{'whitelist_fname': 'available_smtp_methods'}"/>
 *
 * Hiding a choice protects nothing: the server refuses what is not allowed.
 */
export class FilterableRadioField extends RadioField {
    static props = {
        ...RadioField.props,
        whitelistFieldName: { type: String, optional: true },
    };

    get items() {
        const items = super.items;
        if (!this.props.whitelistFieldName) {
            return items;
        }
        const allowed = this.props.record.data[this.props.whitelistFieldName] || [];
        return items.filter(([value]) => value === this.value || allowed.includes(value));
    }
}

export const filterableRadioField = {
    ...radioField,
    component: FilterableRadioField,
    supportedOptions: [
        ...radioField.supportedOptions,
        {
            label: "Whitelisted field name",
            name: "whitelist_fname",
            type: "string",
        },
    ],
    extractProps(fieldInfo, dynamicInfo) {
        return {
            ...radioField.extractProps(fieldInfo, dynamicInfo),
            whitelistFieldName: fieldInfo.options.whitelist_fname,
        };
    },
};

registry.category("fields").add("dynaoffice_mail_filterable_radio", filterableRadioField);
