import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatInteger } from "@web/views/fields/formatters";
import {
    conversationByKey,
    conversationItems,
    initiallyExpanded,
} from "./conversation_model";
import { folderLabel } from "./mail_folders";
import {
    addressesFull,
    addressesLabel,
    formatFullDate,
    parseMailDate,
    splitLinks,
} from "./mail_format";
import { errorMessage } from "./mail_rpc";
import { BODY_SANDBOX } from "./reading_pane";

/**
 * The open conversation in the reading pane: its messages in the order they were written,
 * from the open folder and from the related one (Sent), collapsed to a line each except
 * the unread ones and the last. An expanded message shows its headers and body and the
 * actions on it alone: reply, reply all, forward, delete, and "Open" for the reading pane
 * with all of them (move, assign, file into documents, print ...). The actions on the
 * whole conversation are the list's, on its checked row.
 */
export class ConversationPane extends Component {
    static template = "dynaoffice_mail.ConversationPane";
    static props = {
        model: Object,
        // (mode, ref): the composer on this message.
        onCompose: Function,
        // (uid): the message of the open folder in the full reading pane.
        onOpenMessage: Function,
        // (uids): delete these messages of the open folder.
        onDelete: Function,
        onClose: Function,
    };

    setup() {
        this.sandbox = BODY_SANDBOX;
        // What each expanded message read from the server: key -> message | {error}.
        // The pane is made anew for each conversation (its t-key).
        this.state = useState({ expanded: new Set(), loaded: {} });
        this.state.expanded = initiallyExpanded(this.items);
        for (const item of this.items) {
            if (this.state.expanded.has(item.key)) {
                this.load(item);
            }
        }
    }

    get model() {
        return this.props.model;
    }

    get conversation() {
        return conversationByKey(this.model.page, this.model.conversationKey);
    }

    get items() {
        return conversationItems(this.model.page, this.conversation);
    }

    get subject() {
        const items = this.items;
        const last = items[items.length - 1];
        return last?.row.subject || _t("(no subject)");
    }

    get countLabel() {
        const count = this.items.length;
        return count === 1
            ? _t("1 message")
            : _t("%(count)s messages", { count: formatInteger(count) });
    }

    isExpanded(item) {
        return this.state.expanded.has(item.key);
    }

    toggle(item) {
        if (this.state.expanded.has(item.key)) {
            this.state.expanded.delete(item.key);
        } else {
            this.state.expanded.add(item.key);
            this.load(item);
        }
    }

    /** The message as the reading pane has it; opening it marks it read, as there. */
    async load(item) {
        if (this.state.loaded[item.key]) {
            return;
        }
        this.state.loaded[item.key] = { loading: true };
        const { ref } = item.row;
        try {
            const message = await this.model.services.rpc.call("client_message", [
                [ref.account],
                ref.folder,
                ref.uidvalidity,
                ref.uid,
            ]);
            this.state.loaded[item.key] = { message };
            if (message.seen && !item.row.seen) {
                item.row.seen = true;
                const conversation = this.conversation;
                if (item.here && conversation?.unread) {
                    conversation.unread--;
                    this.model._adjustUnread(ref.folder, -1);
                }
            }
        } catch (error) {
            this.state.loaded[item.key] = { error: errorMessage(error) };
        }
    }

    loaded(item) {
        return this.state.loaded[item.key] || {};
    }

    from(item) {
        return addressesLabel(item.row.from_) || _t("(no sender)");
    }

    fromTitle(item) {
        return addressesFull(item.row.from_);
    }

    recipients(item) {
        return addressesFull(item.row.to);
    }

    date(item) {
        return formatFullDate(
            parseMailDate(item.row.date) || parseMailDate(item.row.internal_date)
        );
    }

    /** Messages of the folder the page did not read (the oldest of a very long one). */
    get notShownLabel() {
        const conversation = this.conversation;
        const shown = this.items.filter((item) => item.here).length;
        const count = conversation ? conversation.uids.length - shown : 0;
        return count > 0
            ? _t("%(count)s earlier messages are not shown.", { count: formatInteger(count) })
            : "";
    }

    /** Where a message of another folder lives ("Sent"); nothing for the open folder. */
    place(item) {
        if (item.here) {
            return "";
        }
        const folder = this.model.folders.find((each) => each.name === item.row.ref.folder);
        return folder ? folderLabel(folder) : item.row.ref.folder;
    }

    textPieces(message) {
        return splitLinks(message.text || "");
    }

    compose(item, mode) {
        this.props.onCompose(mode, item.row.ref);
    }
}
