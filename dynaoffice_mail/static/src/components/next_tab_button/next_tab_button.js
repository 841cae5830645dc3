import { Component, useRef } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The seed's "weiter": opens the next tab of the notebook the button sits in.
 */
export class NextTabButton extends Component {
    static template = "dynaoffice_mail.NextTabButton";
    static props = { ...standardWidgetProps };

    setup() {
        this.root = useRef("root");
    }

    onClick() {
        const notebook = this.root.el.closest(".o_notebook");
        const links = [...notebook.querySelector(".o_notebook_headers").querySelectorAll(".nav-link")];
        const active = links.findIndex((link) => link.classList.contains("active"));
        links[active + 1]?.click();
    }
}

registry.category("view_widgets").add("dynaoffice_mail_next_tab", { component: NextTabButton });
