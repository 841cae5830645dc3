import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";
import { useDebounced } from "@web/core/utils/timing";
import { errorMessage } from "./mail_rpc";

const SEARCH_DELAY = 300;
const DEFAULT_MODEL = "res.partner";
const KIND_ICONS = {
    thread: "fa-comments-o",
    reference: "fa-hashtag",
    sender: "fa-user",
    recipient: "fa-user-o",
    sender_company: "fa-building",
    recipient_company: "fa-building-o",
    lead: "fa-handshake-o",
};

/** The key of a record of the picker: "model,id". */
export function recordKey(record) {
    return `${record.res_model},${record.res_id}`;
}

/**
 * A record the messages belong to: the records they probably belong to first (those they
 * are assigned to marked), then a search of any record with a chatter. Used by "Assign
 * to..." (a click assigns) and "File into documents" (a click chooses where).
 */
export class RecordPicker extends Component {
    static template = "dynaoffice_mail.RecordPicker";
    static props = {
        assignments: Object,
        place: Object,
        uids: Array,
        onPick: Function,
        // The key of the record being worked on (a spinner), of the one chosen (marked).
        busyKey: { type: [String, { value: null }], optional: true },
        pickedKey: { type: [String, { value: null }], optional: true },
        // Whether records the messages are assigned to already can be picked again.
        assignedPickable: { type: Boolean, optional: true },
        errorTitle: String,
        // Whether a sender who is no contact yet can be made one ("Create contact from
        // sender"), the new contact then being picked.
        offerNewContact: { type: Boolean, optional: true },
    };
    static defaultProps = {
        busyKey: null,
        pickedKey: null,
        assignedPickable: false,
        offerNewContact: false,
    };

    setup() {
        this.notification = useService("notification");
        this.dialog = useService("dialog");
        this.state = useState({
            suggestions: null,
            suggestionsError: "",
            // The new contact's suggested values, when the sender is no contact yet.
            newContact: null,
            models: [],
            resModel: DEFAULT_MODEL,
            term: "",
            results: null,
            searching: false,
        });
        this.searchToken = 0;
        this.debouncedSearch = useDebounced(() => this.search(), SEARCH_DELAY);
        onWillStart(async () => {
            // The suggestions read the messages on the mail server: they come when they come.
            this.loadSuggestions();
            try {
                this.state.models = await this.props.assignments.assignableModels();
            } catch (error) {
                this.notifyError(error);
            }
            const models = this.state.models;
            if (!models.some((model) => model.model === DEFAULT_MODEL)) {
                this.state.resModel = models[0]?.model || "";
            }
            this.search();
        });
    }

    /** The suggestions in groups of the same reason, in the order of the best of each. */
    get suggestionGroups() {
        const groups = new Map();
        for (const suggestion of this.state.suggestions || []) {
            if (!groups.has(suggestion.reason)) {
                groups.set(suggestion.reason, { reason: suggestion.reason, records: [] });
            }
            groups.get(suggestion.reason).records.push(suggestion);
        }
        return [...groups.values()];
    }

    keyOf(record) {
        return recordKey(record);
    }

    iconOf(record) {
        return KIND_ICONS[record.kind] || "fa-file-text-o";
    }

    isDisabled(record) {
        return Boolean(
            this.props.busyKey || (record.assigned && !this.props.assignedPickable)
        );
    }

    async loadSuggestions() {
        const { assignments, place, uids } = this.props;
        try {
            this.state.suggestions = await assignments.suggestions(place, uids);
        } catch (error) {
            this.state.suggestions = [];
            this.state.suggestionsError = errorMessage(error);
            return;
        }
        if (
            this.props.offerNewContact &&
            uids.length === 1 &&
            !this.state.suggestions.some((suggestion) => suggestion.kind === "sender")
        ) {
            await this.loadNewContact();
        }
    }

    async loadNewContact() {
        const { assignments, place, uids } = this.props;
        try {
            const [defaults, mayCreate] = await Promise.all([
                assignments.contactDefaults(place, uids[0]),
                user.checkAccessRight("res.partner", "create"),
            ]);
            if (mayCreate && !defaults.existing) {
                this.state.newContact = defaults;
            }
        } catch {
            // No sender address, or the message is gone: there is no contact to offer.
        }
    }

    /** Odoo's contact form with the sender's values; the contact saved is picked. */
    createContact() {
        const defaults = this.state.newContact;
        if (!defaults || this.props.busyKey) {
            return;
        }
        const context = { default_name: defaults.name, default_email: defaults.email };
        if (defaults.parent_id) {
            context.default_parent_id = defaults.parent_id;
        } else if (defaults.company_name) {
            context.default_company_name = defaults.company_name;
        }
        this.dialog.add(FormViewDialog, {
            resModel: "res.partner",
            title: _t("Create contact from sender"),
            context,
            onRecordSaved: (record) => {
                this.state.newContact = null;
                const model = this.state.models.find((entry) => entry.model === "res.partner");
                this.props.onPick({
                    res_model: "res.partner",
                    res_id: record.resId,
                    display_name: record.data.display_name || record.data.name,
                    model_name: model?.name || _t("Contact"),
                });
            },
        });
    }

    async search() {
        const token = ++this.searchToken;
        const { resModel, term } = this.state;
        if (!resModel) {
            return;
        }
        this.state.searching = true;
        try {
            const results = await this.props.assignments.searchRecords(resModel, term);
            if (token === this.searchToken) {
                this.state.results = results;
            }
        } catch (error) {
            if (token === this.searchToken) {
                this.state.results = [];
                this.notifyError(error);
            }
        } finally {
            if (token === this.searchToken) {
                this.state.searching = false;
            }
        }
    }

    onModelChange(ev) {
        this.state.resModel = ev.target.value;
        this.state.results = null;
        this.search();
    }

    onTermInput(ev) {
        this.state.term = ev.target.value;
        this.debouncedSearch();
    }

    onTermKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
            this.search();
        }
    }

    pick(record) {
        if (!this.isDisabled(record)) {
            this.props.onPick(record);
        }
    }

    notifyError(error) {
        this.notification.add(errorMessage(error), {
            title: this.props.errorTitle,
            type: "danger",
        });
    }
}
