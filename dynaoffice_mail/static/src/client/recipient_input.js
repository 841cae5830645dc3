import { Component, onWillDestroy } from "@odoo/owl";
import { AutoComplete } from "@web/core/autocomplete/autocomplete";
import { _t } from "@web/core/l10n/translation";
import { useChildRef } from "@web/core/utils/hooks";
import {
    isValidRecipient,
    recipientKey,
    recipientLabel,
    splitRecipients,
} from "./mail_addresses";

/**
 * One line of recipients (To, Cc or Bcc): each address a chip, red when it cannot be an
 * address, and a field that suggests Odoo contacts as one types.
 *
 * A comma, a semicolon, Enter or leaving the field turns what was typed into chips; so
 * does pasting a list. Backspace in the empty field removes the last chip, a double click
 * on a chip puts it back into the field to be corrected.
 */
export class RecipientInput extends Component {
    static template = "dynaoffice_mail.RecipientInput";
    static components = { AutoComplete };
    static props = {
        name: String,
        recipients: Array,
        onChange: Function,
        suggest: Function,
        placeholder: { type: String, optional: true },
        autofocus: { type: Boolean, optional: true },
    };

    setup() {
        this.inputRef = useChildRef();
        // The composer turns typed text into chips before it saves or sends.
        const flushers = this.env.dynaofficeMailFlushers;
        if (flushers) {
            const flush = () => this.commitTyped();
            flushers.add(flush);
            onWillDestroy(() => flushers.delete(flush));
        }
    }

    get sources() {
        return [
            {
                options: (term) => this.loadOptions(term),
                optionTemplate: "dynaoffice_mail.RecipientInput.Option",
            },
        ];
    }

    get inputId() {
        return `o_dynaoffice_mail_recipients_${this.props.name}`;
    }

    isValid(recipient) {
        return isValidRecipient(recipient);
    }

    label(recipient) {
        return recipientLabel(recipient);
    }

    chipTitle(recipient) {
        return this.isValid(recipient)
            ? recipient
            : _t("“%(recipient)s” is not a valid e-mail address (double-click to correct it)", {
                  recipient,
              });
    }

    /** Contacts that match, then what was typed as it is (Enter takes the first line). */
    async loadOptions(term) {
        term = term.trim();
        if (!term) {
            return [];
        }
        const taken = new Set(this.props.recipients.map(recipientKey));
        let suggestions = [];
        try {
            suggestions = await this.props.suggest(term);
        } catch {
            // Typing goes on without suggestions; the address typed is still offered.
        }
        const options = suggestions
            .filter((suggestion) => !taken.has((suggestion.email || "").toLowerCase()))
            .map((suggestion) => ({
                label: suggestion.display,
                recipient: suggestion.display,
                name: suggestion.name,
                email: suggestion.email,
            }));
        const typed = splitRecipients(term);
        const known = options.some((option) => option.email?.toLowerCase() === recipientKey(term));
        if (typed.length && !known) {
            options.push({
                label: term,
                recipient: term,
                typed: true,
                classList: "o_dynaoffice_mail_recipient_typed",
            });
        }
        return options;
    }

    add(entries) {
        const taken = new Set(this.props.recipients.map(recipientKey));
        const added = [];
        for (const entry of entries) {
            const key = recipientKey(entry);
            if (!taken.has(key)) {
                taken.add(key);
                added.push(entry);
            }
        }
        if (added.length) {
            this.props.onChange([...this.props.recipients, ...added]);
        }
    }

    remove(index) {
        const recipients = [...this.props.recipients];
        recipients.splice(index, 1);
        this.props.onChange(recipients);
    }

    /** Whatever is typed becomes chips, the field empties. */
    commitTyped() {
        const input = this.inputRef.el;
        if (!input || !input.value.trim()) {
            return;
        }
        const entries = splitRecipients(input.value);
        this.clearInput();
        this.add(entries);
    }

    clearInput() {
        const input = this.inputRef.el;
        input.value = "";
        // Lets the AutoComplete know (its own value, its open suggestions).
        input.dispatchEvent(new Event("input", { bubbles: true }));
    }

    onSelect(option) {
        const entries = option.typed
            ? splitRecipients(option.recipient)
            : [option.recipient];
        this.add(entries);
    }

    onBlur({ inputValue }) {
        if (inputValue.trim()) {
            this.commitTyped();
        }
    }

    onKeydown(ev) {
        const input = this.inputRef.el;
        if (ev.target !== input || ev.ctrlKey || ev.metaKey || ev.altKey) {
            return;
        }
        if (ev.key === "," || ev.key === ";" || ev.key === "Enter") {
            // Inside quotes or angle brackets a comma belongs to the name or address.
            if (ev.key !== "Enter" && unbalanced(input.value)) {
                return;
            }
            ev.preventDefault();
            this.commitTyped();
        } else if (ev.key === "Backspace" && !input.value && this.props.recipients.length) {
            ev.preventDefault();
            this.remove(this.props.recipients.length - 1);
        }
    }

    onPaste(ev) {
        const text = ev.clipboardData?.getData("text/plain") || "";
        if (splitRecipients(text).length > 1 || /[,;\n]\s*$/.test(text)) {
            ev.preventDefault();
            const input = this.inputRef.el;
            const entries = splitRecipients(`${input.value}${text}`);
            this.clearInput();
            this.add(entries);
        }
    }

    /** A chip back into the field, to correct it. */
    edit(index) {
        const input = this.inputRef.el;
        const recipients = [...this.props.recipients];
        const [recipient] = recipients.splice(index, 1);
        const typed = splitRecipients(input.value);
        const taken = new Set(recipients.map(recipientKey));
        recipients.push(...typed.filter((entry) => !taken.has(recipientKey(entry))));
        this.props.onChange(recipients);
        input.value = recipient;
        input.focus();
    }

    focusInput(ev) {
        if (ev.target === ev.currentTarget) {
            this.inputRef.el?.focus();
        }
    }
}

function unbalanced(text) {
    const quotes = (text.match(/"/g) || []).length;
    return quotes % 2 === 1 || text.lastIndexOf("<") > text.lastIndexOf(">");
}
