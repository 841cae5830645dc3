import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { folderIcon, folderPathLabel } from "./mail_folders";
import { errorMessage, useMailRpc } from "./mail_rpc";
import { addressesFull, addressesLabel, formatListDate, parseMailDate } from "./mail_format";

/**
 * A contact's mail across the user's mailboxes ("Search mailboxes" on a contact): searched
 * live on each server, grouped by mailbox and folder, newest first. A message found opens
 * in the client.
 */
export class PartnerMailSearch extends Component {
    static template = "dynaoffice_mail.PartnerMailSearch";
    static props = {
        // {partnerId, answer}: the client's, so that the answer outlives this view while
        // a message found is read
        search: Object,
        // ({accountId, folder, uidvalidity, uid}) => the message opens in the client
        onOpen: Function,
        onClose: Function,
        // ({accountId, folder, query}) => the folder's list with the contact's query in the
        // box, which pages through all its matches (a group here shows the newest of them)
        onShowFolder: { type: Function, optional: true },
    };

    setup() {
        this.rpc = useMailRpc();
        this.state = useState({ loading: false, error: "" });
        onWillStart(() => {
            if (!this.props.search.answer) {
                // Not awaited: searching every mailbox takes a while; the view says so.
                this.load();
            }
        });
    }

    async load() {
        const search = this.props.search;
        const partnerId = search.partnerId;
        this.state.loading = true;
        this.state.error = "";
        try {
            const answer = await this.rpc.call("client_search_partner_mail", [
                partnerId,
            ]);
            if (search.partnerId === partnerId) {
                search.answer = answer;
            }
        } catch (error) {
            this.state.error = errorMessage(error);
        } finally {
            this.state.loading = false;
        }
    }

    get answer() {
        return this.props.search.answer;
    }

    get addressesLabel() {
        return (this.answer?.addresses || []).join(", ");
    }

    get results() {
        return this.answer?.results || [];
    }

    get errors() {
        return this.answer?.errors || [];
    }

    /** The folder as the client's folder tree names it, with the folders it lies in. */
    folderLabel(result) {
        const folder = this.folderOf(result);
        return folder ? folderPathLabel(folder, result.path_folders) : result.folder;
    }

    folderIcon(result) {
        return folderIcon(this.folderOf(result));
    }

    folderOf(result) {
        return (result.path_folders || []).find((folder) => folder.name === result.folder);
    }

    countLabel(result) {
        return result.total > result.messages.length
            ? _t("newest %(shown)s of %(total)s", {
                  shown: result.messages.length,
                  total: result.total,
              })
            : String(result.total);
    }

    correspondents(message) {
        return addressesLabel(message.from_) || _t("(no sender)");
    }

    correspondentsTitle(message) {
        return _t("From: %(from)s\nTo: %(to)s", {
            from: addressesFull(message.from_),
            to: addressesFull(message.to),
        });
    }

    subject(message) {
        return message.subject || _t("(no subject)");
    }

    dateLabel(message) {
        return formatListDate(parseMailDate(message.date) || parseMailDate(message.internal_date));
    }

    showFolder(result) {
        this.props.onShowFolder({
            accountId: result.account_id,
            folder: result.folder,
            query: this.answer.query,
        });
    }

    open(result, message) {
        this.props.onOpen({
            accountId: result.account_id,
            folder: result.folder,
            uidvalidity: result.uidvalidity,
            uid: message.uid,
        });
    }
}
