import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { errorMessage } from "./mail_client_model";

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

/**
 * "Assign to...": the records the messages probably belong to (those they are assigned to
 * already shown checked), and a search of any record with a chatter. Choosing one posts
 * the messages into its chatter.
 */
export class AssignDialog extends Component {
    static template = "dynaoffice_mail.AssignDialog";
    static components = { Dialog };
    static props = {
        close: Function,
        assignments: Object,
        place: Object,
        uids: Array,
    };

    setup() {
        this.notification = useService("notification");
        this.state = useState({
            suggestions: null,
            suggestionsError: "",
            models: [],
            resModel: DEFAULT_MODEL,
            term: "",
            results: null,
            searching: false,
            busy: null, // the key of the record being assigned to
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

    get title() {
        const count = this.props.uids.length;
        return count === 1
            ? _t("Assign to...")
            : _t("Assign %(count)s messages to...", { count });
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
        return `${record.res_model},${record.res_id}`;
    }

    iconOf(record) {
        return KIND_ICONS[record.kind] || "fa-file-text-o";
    }

    async loadSuggestions() {
        const { assignments, place, uids } = this.props;
        try {
            this.state.suggestions = await assignments.suggestions(place, uids);
        } catch (error) {
            this.state.suggestions = [];
            this.state.suggestionsError = errorMessage(error);
        }
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

    async assign(record) {
        if (this.state.busy || record.assigned) {
            return;
        }
        const { assignments, place, uids } = this.props;
        this.state.busy = this.keyOf(record);
        try {
            await assignments.assign(place, uids, record);
        } catch (error) {
            this.notifyError(error);
            return;
        } finally {
            this.state.busy = null;
        }
        this.props.close();
    }

    notifyError(error) {
        this.notification.add(errorMessage(error), { title: _t("Assign mail"), type: "danger" });
    }
}
