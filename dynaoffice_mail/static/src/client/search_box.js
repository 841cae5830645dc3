import { markRaw, onWillDestroy, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { Reactive } from "@web/core/utils/reactive";
import { errorMessage } from "./mail_rpc";

export const SAVED_SEARCH_MODEL = "dynaoffice.mail.saved.search";
const SAVED_SEARCH_FIELDS = ["name", "query", "account_id", "folder"];

/**
 * The server could not read the search box's query (an unknown operator, a malformed date
 * or size): it raises `SearchQueryError`, whose translated message belongs under the box.
 * Only the class name is matched, so that the exception may live in any Python module.
 */
export function isSearchQueryError(error) {
    const name = error?.data?.name || "";
    return name === "SearchQueryError" || name.endsWith(".SearchQueryError");
}

/**
 * The user's saved searches (each user sees only their own: a record rule), shown under
 * the folders. `orm`: Odoo's orm service (or a stand-in in tests).
 */
export class SavedSearchStore extends Reactive {
    constructor(orm) {
        super();
        this.raw = markRaw({ orm });
        this.searches = [];
        this.loaded = false;
    }

    async load() {
        const records = await this.raw.orm.searchRead(SAVED_SEARCH_MODEL, [], SAVED_SEARCH_FIELDS);
        this.searches = records.map(savedSearchOf);
        this.loaded = true;
    }

    /**
     * Keeps `query` under `name`, for the account (and folder) it was typed in, or for
     * every mailbox without `accountId`. The server refuses a query it cannot read.
     */
    async save({ name, query, accountId = false, folder = false }) {
        const values = {
            name: (name || query).trim(),
            query: query.trim(),
            account_id: accountId || false,
            folder: (accountId && folder) || false,
        };
        await this.raw.orm.create(SAVED_SEARCH_MODEL, [values]);
        await this.load();
    }

    /**
     * Reads the saved searches again after each folder rename or delete of `model` (the
     * server has moved those of the folder and its subfolders to the new name, or made
     * those of a deleted folder search the whole mailbox): else running one would open
     * a folder that no longer exists. Returns the function that stops it.
     */
    followRenames(model) {
        return model.onFolderRenamed(() => this.load().catch(() => {}));
    }

    async remove(id) {
        await this.raw.orm.unlink(SAVED_SEARCH_MODEL, [id]);
        this.searches = this.searches.filter((saved) => saved.id !== id);
    }
}

/** A saved search as the client uses it: {id, name, query, accountId, folder}. */
export function savedSearchOf(record) {
    return {
        id: record.id,
        name: record.name,
        query: record.query,
        accountId: Array.isArray(record.account_id) ? record.account_id[0] : record.account_id || null,
        folder: record.folder || null,
    };
}

/**
 * Runs a saved search: with a folder, that folder's list with the query in the box; with
 * an account alone or none, the search in every folder (`openEverywhere`).
 */
export async function runSavedSearch(model, saved, openEverywhere) {
    const accountId = saved.accountId;
    if (accountId && saved.folder) {
        if (model.accountId !== accountId) {
            await model.openAccount(accountId, { folder: saved.folder });
        } else if (model.folder !== saved.folder) {
            await model.openFolder(saved.folder);
        }
        if (model.accountId === accountId && model.folder === saved.folder) {
            await model.setSearch({ text: saved.query });
        }
        return;
    }
    openEverywhere({ query: saved.query, accountId: accountId || null });
}

/**
 * The mail client's saved searches and its search in all folders, for `model` (the
 * MailClientModel): `store` (the saved searches), `everywhere` ({query, accountId,
 * answer} of the search shown in the reading pane, query null for none) and the handlers
 * of the search box and the list under the folders.
 */
export function useMailSearch(model) {
    const notification = useService("notification");
    const store = useState(new SavedSearchStore(useService("orm")));
    const everywhere = useState({ query: null, accountId: null, answer: null, key: 0 });
    const warn = (error) =>
        notification.add(errorMessage(error), { title: _t("Mail"), type: "danger" });
    onWillStart(() => {
        // Not awaited: the folders come first; the list appears when it has loaded.
        // The list is an extra: when it cannot be read, the mail is none the worse.
        store.load().catch(() => {});
    });
    onWillDestroy(store.followRenames(model));
    const openEverywhere = ({ query, accountId = null }) => {
        model.closeMessage();
        Object.assign(everywhere, { query, accountId, answer: null, key: everywhere.key + 1 });
    };
    return {
        store,
        everywhere,
        openEverywhere,
        closeEverywhere() {
            Object.assign(everywhere, { query: null, accountId: null, answer: null });
        },
        /** A folder of the search in all folders, its list with the query in the box. */
        showInFolder({ accountId, folder, query }) {
            return runSavedSearch(model, { accountId, folder, query }, openEverywhere);
        },
        async save(query, name) {
            try {
                await store.save({ name, query, accountId: model.accountId, folder: model.folder });
                notification.add(_t("Search “%(name)s” saved.", { name }), { type: "success" });
            } catch (error) {
                warn(error);
            }
        },
        async remove(saved) {
            try {
                await store.remove(saved.id);
            } catch (error) {
                warn(error);
            }
        },
        run(saved) {
            return runSavedSearch(model, saved, openEverywhere);
        },
    };
}
