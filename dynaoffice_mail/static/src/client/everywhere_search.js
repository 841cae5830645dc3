import { PartnerMailSearch } from "./partner_mail_search";

/**
 * The search box's query in every folder of every mailbox the user may use (or of one
 * mailbox): searched live on each server, grouped by mailbox and folder, the newest of
 * each; a message found opens in the client. The view of a contact's mail, asked another
 * question.
 */
export class EverywhereSearch extends PartnerMailSearch {
    static template = "dynaoffice_mail.EverywhereSearch";
    static props = {
        // {query, accountId, answer}: the client's, so that the answer outlives this view
        // while a message found is read
        search: Object,
        onOpen: Function,
        onClose: Function,
        // ({accountId, folder, query}) => the folder's list with the query in the box,
        // which pages through all its matches (a group here shows the newest of them)
        onShowFolder: { type: Function, optional: true },
    };

    async load() {
        const search = this.props.search;
        const { query, accountId } = search;
        this.state.loading = true;
        this.state.error = "";
        try {
            const answer = await this.rpc.call("client_search_everywhere", [query], {
                account_id: accountId || false,
            });
            if (search.query === query && search.accountId === accountId) {
                search.answer = answer;
            }
        } catch (error) {
            this.state.error = this.rpc.errorMessage(error);
        } finally {
            this.state.loading = false;
        }
    }

    showFolder(result) {
        this.props.onShowFolder({
            accountId: result.account_id,
            folder: result.folder,
            query: this.props.search.query,
        });
    }
}
