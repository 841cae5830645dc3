import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { useAutofocus } from "@web/core/utils/hooks";

/** Asks for a folder name (new folder, rename); refuses what the server cannot take. */
export class FolderNameDialog extends Component {
    static template = "dynaoffice_mail.FolderNameDialog";
    static components = { Dialog };
    static props = {
        close: Function,
        title: String,
        confirmLabel: String,
        parentLabel: { type: String, optional: true },
        name: { type: String, optional: true },
        delimiter: { type: String, optional: true },
        taken: { type: Array, optional: true },
        onConfirm: Function,
    };
    static defaultProps = { name: "", delimiter: "/", taken: [], parentLabel: "" };

    setup() {
        this.state = useState({ name: this.props.name, busy: false });
        useAutofocus();
    }

    get error() {
        const name = this.state.name.trim();
        if (!name) {
            return "";
        }
        if (this.props.delimiter && name.includes(this.props.delimiter)) {
            return _t("A folder name cannot contain “%(delimiter)s”.", {
                delimiter: this.props.delimiter,
            });
        }
        if (/[\r\n\0*%]/.test(name)) {
            return _t("A folder name cannot contain line breaks, “*” or “%”.");
        }
        if (name !== this.props.name && this.props.taken.includes(name.toLowerCase())) {
            return _t("A folder of this name already exists here.");
        }
        return "";
    }

    get canConfirm() {
        const name = this.state.name.trim();
        return Boolean(name) && name !== this.props.name && !this.error && !this.state.busy;
    }

    async confirm() {
        if (!this.canConfirm) {
            return;
        }
        this.state.busy = true;
        try {
            const done = await this.props.onConfirm(this.state.name.trim());
            if (done !== false) {
                this.props.close();
            }
        } finally {
            this.state.busy = false;
        }
    }

    onKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
            this.confirm();
        }
    }
}
