import { Component, onMounted } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

/**
 * "File into documents" into a directory of OCA's document storage: the bridge's filing
 * destination (the server's DmsDirectoryDestination, roles/dms_directory.py), which
 * describes itself as {kind: "dms_directory", directories: [{id, name, storage}]}.
 */
export class DmsDirectoryDestination extends Component {
    static template = "dynaoffice_mail_dms.DmsDirectoryDestination";
    static props = {
        description: Object,
        target: { type: [Object, { value: null }] },
        assignments: Object,
        place: Object,
        uids: Array,
        errorTitle: String,
        onChoose: Function,
    };

    setup() {
        // The list shows the first directory chosen: so it is, once the dialog shows it.
        onMounted(() => {
            const [first] = this.directories;
            if (!this.props.target && first) {
                this.choose(first);
            }
        });
    }

    get directories() {
        return this.props.description.directories || [];
    }

    get directoryId() {
        return this.props.target?.directory_id || null;
    }

    choose(directory) {
        this.props.onChoose(directory ? { directory_id: directory.id } : null, directory?.name);
    }

    onDirectoryChange(ev) {
        const id = Number(ev.target.value);
        this.choose(this.directories.find((directory) => directory.id === id));
    }
}

registry.category("dynaoffice_mail.filing_destinations").add(
    "dms_directory",
    {
        label: _t("A directory of the documents"),
        component: DmsDirectoryDestination,
        unavailable: ({ directories }) =>
            !directories?.length &&
            _t("There is no directory of the documents you may add files to."),
    },
    // Before the records: whoever works with the documents files there first.
    { sequence: 10 }
);
