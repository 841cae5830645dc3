import { Component, useState } from "@odoo/owl";
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
    };

    setup() {
        this.state = useState({
            ...this.props.search,
            advanced: this.hasAdvanced(this.props.search),
        });
        this.searchSoon = useDebounced(() => this.submit(), 600);
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
