import { Component, useEffect, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useDebounced } from "@web/core/utils/timing";

/**
 * The search box above the list (full text) and, unfolded, the fields From, To, Subject,
 * "Unread only" and "Flagged only". The server searches; typing waits for a pause.
 */
export class MessageSearch extends Component {
    static template = "dynaoffice_mail.MessageSearch";
    static props = {
        search: Object,
        onSearch: Function,
        // What the server could not read in the box (an unknown operator...), shown below it.
        error: { type: String, optional: true },
        // (query, name) => the box's query kept as a saved search
        onSave: { type: Function, optional: true },
        // (query) => the box's query in every folder of every mailbox
        onEverywhere: { type: Function, optional: true },
    };

    setup() {
        this.state = useState({
            ...this.props.search,
            advanced: this.hasAdvanced(this.props.search),
            // The name the search is being saved under, while the user types it; else null.
            savingName: null,
        });
        this.searchSoon = useDebounced(() => this.submit(), 600);
        // A search run from elsewhere (a saved search) shows its query in the box.
        useEffect(
            (text) => {
                if (this.state.text.trim() !== text) {
                    this.state.text = text;
                }
            },
            () => [this.props.search.text]
        );
    }

    hasAdvanced(search) {
        return Boolean(
            search.from_ || search.to || search.subject || search.unseen || search.flagged
        );
    }

    get values() {
        const { text, from_, to, subject, unseen, flagged } = this.state;
        return {
            text: text.trim(),
            from_: from_.trim(),
            to: to.trim(),
            subject: subject.trim(),
            unseen,
            flagged,
        };
    }

    get active() {
        return Object.values(this.props.search).some(Boolean);
    }

    get advancedTitle() {
        return this.state.advanced ? _t("Hide search options") : _t("More search options");
    }

    submit() {
        const values = this.values;
        const current = this.props.search;
        if (Object.keys(values).some((key) => values[key] !== current[key])) {
            this.props.onSearch(values);
        }
    }

    onInput() {
        this.searchSoon();
    }

    onKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
            this.searchSoon.cancel();
            this.submit();
        } else if (ev.key === "Escape" && this.active) {
            ev.preventDefault();
            ev.stopPropagation();
            this.clear();
        }
    }

    onToggle(key, ev) {
        this.state[key] = ev.target.checked;
        this.submit();
    }

    get query() {
        return this.state.text.trim();
    }

    everywhere() {
        if (this.query) {
            this.props.onEverywhere(this.query);
        }
    }

    startSaving() {
        this.state.savingName = this.query;
    }

    async save() {
        const name = (this.state.savingName || "").trim();
        if (this.query && name) {
            await this.props.onSave(this.query, name);
        }
        this.state.savingName = null;
    }

    onSaveKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
            this.save();
        } else if (ev.key === "Escape") {
            ev.preventDefault();
            ev.stopPropagation();
            this.state.savingName = null;
        }
    }

    clear() {
        this.searchSoon.cancel();
        Object.assign(this.state, {
            text: "",
            from_: "",
            to: "",
            subject: "",
            unseen: false,
            flagged: false,
        });
        this.submit();
    }
}
