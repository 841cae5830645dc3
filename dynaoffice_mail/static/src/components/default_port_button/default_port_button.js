import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

export const SMTP_DEFAULT_PORT = 465;

/**
 * The seed's "Standard-Port": sets the SMTP port back to 465 without saving the record.
 */
export class DefaultPortButton extends Component {
    static template = "dynaoffice_mail.DefaultPortButton";
    static props = { ...standardWidgetProps };

    onClick() {
        this.props.record.update({ smtp_port: SMTP_DEFAULT_PORT });
    }
}

registry.category("view_widgets").add("dynaoffice_mail_default_port", {
    component: DefaultPortButton,
});
