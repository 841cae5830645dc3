import { markRaw } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { formatDateTime, serializeDate, serializeDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { Reactive } from "@web/core/utils/reactive";
import { formatInteger } from "@web/views/fields/formatters";
import { MailContext } from "./context_model";
import { conversationByKey, followConversation, pageCall } from "./conversation_model";
import { MailAssignments, pagePlace } from "./mail_assignments";
import { MailTeam } from "./mail_team";
import { folderLabel, folderPathLabel } from "./mail_folders";
import { errorMessage, isFolderRenumbered, isReconnectRequired } from "./mail_rpc";
import { messageRef } from "./message_ref";
import { isSearchQueryError } from "./search_box";

export const PAGE_SIZE = 50;
const LAST_ACCOUNT_KEY = "dynaoffice_mail.last_account";
// How often the folder list (counts of the other folders) is refreshed: every n-th poll.
const FOLDERS_EVERY_N_POLLS = 3;
// The other accounts' unread counts (one STATUS per account) are asked for at most this often.
export const ACCOUNT_UNREAD_INTERVAL = 60000;
// "Select all in this folder": messages per call of an action on all of them (the server
// takes up to 5,000 at once; smaller batches keep each call short and the progress moving).
export const BULK_BATCH_SIZE = 500;
// How long a toast with "Undo" stays (it stays while pointed at).
export const UNDO_DELAY = 8000;

export function emptySearch() {
    return { text: "", from_: "", to: "", subject: "", unseen: false, flagged: false };
}

/**
 * The mail client's state and its conversation with the server: one account, its folders,
 * one page of the open folder, the selection and the open message.
 *
 * Nothing is stored in Odoo: every answer comes live from the IMAP server through the
 * account's `client_*` methods. Answers that arrive after the user moved on (another
 * folder, another message) are dropped, so a slow server never shows stale data.
 *
 * `services`: `rpc` (the "dynaoffice_mail.rpc" service, or a MailRpc over a fake orm in
 * tests) and `notification`. Call `destroy()` when the client goes.
 */
export class MailClientModel extends Reactive {
    constructor(services) {
        super();
        this.services = markRaw({ ...services });
        this.accounts = [];
        this.accountsLoaded = false;
        // {accountId: unread mail in its Inbox}, for the account switcher; an account whose
        // server did not answer has none.
        this.accountUnread = {};
        this.accountId = null;
        this.folders = [];
        this.foldersLoading = false;
        this.foldersError = "";
        // The folders failed because the account must be connected again at its provider.
        this.foldersReconnect = false;
        this.folder = null;
        this.sort = "date";
        this.reverse = true;
        this.search = emptySearch();
        // What the server could not read in the search box (shown under it), else "".
        this.searchError = "";
        this.offset = 0;
        this.limit = PAGE_SIZE;
        this.page = null;
        // The list as conversations (the user's choice), and the one open in the pane.
        this.conversationMode = false;
        this.conversationKey = null;
        this.listLoading = false;
        this.listError = "";
        this.selection = new Set();
        // The user chose every message of the folder that matches the search, beyond the page.
        this.allMatching = false;
        // An action on all of them under way: {kind, done, gone, total, cancelled}, else null.
        this.bulk = null;
        this.cursor = null;
        this.anchor = null;
        this.message = null;
        this.messageUid = null;
        this.messageLoading = false;
        this.remoteAllowed = false;
        this.drag = null; // the messages being dragged onto a folder
        this.pending = 0; // changes (flags, moves, deletes) on their way to the server
        this.folderState = null;
        this.polls = 0;
        this.assignments = new MailAssignments(this.services);
        // The team inbox of a group mailbox (#17: assignees, status, notes, who is
        // replying), and the team view open instead of a folder ("mine", "unassigned",
        // "waiting"), else null.
        this.team = new MailTeam(this.services);
        this.teamView = null;
        // {accountId: mail assigned to the user, not done} of the group mailboxes, for the
        // account switcher ("Assigned to me" everywhere).
        this.assignedToMe = {};
        this.context = new MailContext(this.services);
        // Counters of the requests in flight: an answer to an older one is dropped.
        this.tokens = markRaw({ folders: 0, page: 0, message: 0, accountUnread: 0 });
        this.accountUnreadAt = markRaw({ time: null });
        // Any call of the client (a dialog's too) that finds the folder renumbered.
        this.raw = markRaw({
            stopListening:
                this.services.rpc.onFolderRenumbered?.((failed) =>
                    this._onFolderRenumbered(failed)
                ) || (() => {}),
            // Called after each folder rename (see onFolderRenamed).
            renameWatchers: [],
        });
    }

    destroy() {
        this.raw.stopListening();
    }

    // -- derived state ----------------------------------------------------------------------

    get account() {
        return this.accounts.find((account) => account.id === this.accountId) || null;
    }

    /** A group mailbox: it has a team inbox. */
    get isGroupAccount() {
        return this.account?.account_type === "group";
    }

    get inboxFolder() {
        return (
            this.folders.find((folder) => folder.special_use === "\\Inbox") ||
            this.folders.find((folder) => folder.name.toUpperCase() === "INBOX") ||
            null
        );
    }

    /**
     * Unread mail in each account's Inbox: the open account's from its folder list (the
     * freshest, and counted down as messages are read), the others' as last asked for.
     */
    get unreadByAccount() {
        const unread = { ...this.accountUnread };
        const inbox = this.inboxFolder;
        if (this.accountId && typeof inbox?.unread === "number") {
            unread[this.accountId] = inbox.unread;
        }
        return unread;
    }

    /**
     * The browser tab's title: "(3) Inbox – Anna Müller", the open folder and account and
     * the unread mail of the account's Inbox (new mail shows in a tab in the background,
     * whatever folder is open); null until a folder is open.
     */
    get tabTitle() {
        const account = this.account;
        const folder = this.currentFolder;
        if (!account || !folder) {
            return null;
        }
        const unread = this.unreadByAccount[account.id];
        const name = `${folderLabel(folder)} – ${account.name}`;
        return unread ? `(${unread}) ${name}` : name;
    }

    get currentFolder() {
        return this.folders.find((folder) => folder.name === this.folder) || null;
    }

    get trashFolder() {
        return this.folders.find((folder) => folder.special_use === "\\Trash") || null;
    }

    get inTrash() {
        return Boolean(this.folder && this.trashFolder && this.trashFolder.name === this.folder);
    }

    get messages() {
        return this.page?.messages || [];
    }

    get hasSearch() {
        const search = this.search;
        return Boolean(
            search.text ||
                search.from_ ||
                search.to ||
                search.subject ||
                search.unseen ||
                search.flagged
        );
    }

    /** Deleting is final here: in Trash, or where the account removes mail at once. */
    get deleteIsPermanent() {
        const mode = this.account?.delete_mode || "trash";
        return this.inTrash || mode === "expunge" || (mode === "trash" && !this.trashFolder);
    }

    messageByUid(uid) {
        return this.messages.find((message) => message.uid === uid) || null;
    }

    /** The messages an action applies to: the checked ones, else the open one. */
    targetUids() {
        if (this.selection.size) {
            return [...this.selection];
        }
        if (this.messageUid !== null) {
            return [this.messageUid];
        }
        return this.cursor !== null ? [this.cursor] : [];
    }

    // -- accounts and folders ---------------------------------------------------------------

    async loadAccounts() {
        try {
            this.accounts = await this._call("client_accounts", []);
        } catch (error) {
            this.notifyError(error);
        } finally {
            this.accountsLoaded = true;
        }
        this.loadAssignedToMe();
    }

    /** The switcher's "assigned to me" counts, from the records (no mail server asked). */
    async loadAssignedToMe() {
        if (!this.accounts.some((account) => account.account_type === "group")) {
            return;
        }
        try {
            const counts = await this._call("client_team_mine", [], { quiet: true });
            this.assignedToMe = Object.fromEntries(
                Object.entries(counts).map(([id, count]) => [Number(id), count])
            );
        } catch {
            // An extra: the team views of each mailbox count their own.
        }
    }

    /**
     * The unread counts of the account switcher. Only worth a call with more than one
     * account (the open one's count is in its folder list), or `always` (new mail noticed
     * while the tab is hidden, when the folder list is not polled).
     *
     * @returns {Promise<object|null>} the server's answer {accountId: unread}, if one came
     */
    async loadAccountUnread({ always = false } = {}) {
        if (this.accounts.length < (always ? 1 : 2)) {
            return null;
        }
        const token = ++this.tokens.accountUnread;
        this.accountUnreadAt.time = Date.now();
        try {
            const unread = await this._call("client_account_unread", [], { quiet: true });
            if (token === this.tokens.accountUnread) {
                this.accountUnread = Object.fromEntries(
                    Object.entries(unread).map(([id, count]) => [Number(id), count])
                );
                return { ...this.accountUnread };
            }
        } catch {
            // The counts are an extra: the switcher shows the last ones, the poll retries.
        }
        return null;
    }

    /** With the poll: the switcher's counts again once a minute has passed. */
    refreshAccountUnread({ always = false } = {}) {
        const last = this.accountUnreadAt.time;
        if (last !== null && Date.now() - last < ACCOUNT_UNREAD_INTERVAL) {
            return Promise.resolve(null);
        }
        return this.loadAccountUnread({ always });
    }

    /** The requested account, else the one used last in this browser, else the first. */
    openInitialAccount(requestedAccountId) {
        const remembered = Number(browser.localStorage.getItem(LAST_ACCOUNT_KEY));
        const account =
            [requestedAccountId, remembered]
                .map((id) => this.accounts.find((each) => each.id === id))
                .find(Boolean) || this.accounts[0];
        return account ? this.openAccount(account.id) : Promise.resolve();
    }

    /** An account, at `folder` if it has one of that name, else at its Inbox. */
    async openAccount(accountId, { folder = null } = {}) {
        // The switcher keeps the count of the account left as its folder list had it.
        const inbox = this.inboxFolder;
        if (this.accountId && typeof inbox?.unread === "number") {
            this.accountUnread[this.accountId] = inbox.unread;
        }
        this.accountId = accountId;
        browser.localStorage.setItem(LAST_ACCOUNT_KEY, String(accountId));
        this.folders = [];
        this.folder = null;
        this.teamView = null;
        this._resetList();
        this.search = emptySearch();
        await this.loadFolders();
        if (this.accountId === accountId) {
            if (folder && this.folders.some((each) => each.name === folder && each.selectable)) {
                await this.openFolder(folder);
            } else {
                await this._openDefaultFolder();
            }
        }
    }

    /** The folder list again ("Try again", refresh button); opens the Inbox if none is. */
    /** The provider's consent page for the account (its grant expired or was revoked). */
    async reconnect() {
        try {
            const action = await this._call("client_reconnect_action", [[this.accountId]]);
            if (action?.url) {
                browser.location.assign(action.url);
            }
        } catch (error) {
            this.notifyError(error);
        }
    }

    async retryFolders() {
        await this.loadFolders();
        if (!this.folder) {
            await this._openDefaultFolder();
        }
    }

    async _openDefaultFolder() {
        const inbox =
            this.folders.find((folder) => folder.special_use === "\\Inbox") ||
            this.folders.find((folder) => folder.selectable);
        if (inbox) {
            await this.openFolder(inbox.name);
        }
    }

    async loadFolders({ quiet = false } = {}) {
        const token = ++this.tokens.folders;
        const accountId = this.accountId;
        if (!quiet) {
            this.foldersLoading = true;
        }
        try {
            const folders = await this._call("client_folders", [[accountId]], { quiet });
            if (token === this.tokens.folders && accountId === this.accountId) {
                this.folders = folders;
                this.foldersError = "";
                this.foldersReconnect = false;
                if (this.isGroupAccount) {
                    this.team.loadCounts(accountId);
                }
            }
        } catch (error) {
            if (token === this.tokens.folders && !quiet) {
                this.foldersError = errorMessage(error);
                this.foldersReconnect = isReconnectRequired(error);
                this.notifyError(error);
            }
        } finally {
            if (token === this.tokens.folders) {
                this.foldersLoading = false;
            }
        }
    }

    async openFolder(name) {
        this.folder = name;
        this.teamView = null;
        this._resetList();
        this.search = emptySearch();
        await this.reloadList({ withState: true });
    }

    /** A team view of the group mailbox's Inbox: "mine", "unassigned" or "waiting". */
    async openTeamView(view) {
        const inbox = this.inboxFolder;
        if (!inbox || !this.isGroupAccount) {
            return;
        }
        this.folder = inbox.name;
        this.teamView = view;
        this._resetList();
        this.search = emptySearch();
        await this.reloadList({ withState: true });
    }

    /**
     * Assign (`kind` "assign", `value` a member's id or false), "take" or set a status
     * (`kind` "status") of the open message or the checked ones; the list follows (a
     * team view drops what no longer belongs, "done" may have archived the mail).
     */
    async teamChange(kind, value = null, uids = null) {
        uids = uids || this.targetUids();
        if (!uids.length || !this.page || !this.isGroupAccount) {
            return;
        }
        const place = pagePlace(this);
        try {
            const answer = await this.team.change(place, uids, kind, value);
            if (answer.moved?.length || this.teamView) {
                await this.refresh({ quiet: true });
            }
        } catch (error) {
            this.notifyError(error);
        } finally {
            this.team.loadCounts(place.accountId);
            this.loadAssignedToMe();
        }
    }

    // -- the message list -------------------------------------------------------------------

    _resetList() {
        this.tokens.page++;
        this.tokens.message++;
        this.page = null;
        this.offset = 0;
        this.listError = "";
        this.searchError = "";
        this.listLoading = false;
        this.selection.clear();
        this.allMatching = false;
        this.cursor = null;
        this.anchor = null;
        this.closeMessage();
        this.conversationKey = null;
        this.folderState = null;
    }

    /**
     * Loads the current page again. With `keep`, the selection, the cursor and the open
     * message stay where they are if their messages still exist (a refresh); without it
     * the list starts over (another page, order or search).
     *
     * With `withState`, the folder's state (what polling compares) is read first, so that
     * anything that changes after it shows up as a difference at the next poll; a state
     * the caller has just read can be given instead.
     */
    async reloadList({ keep = false, withState = false, state = null, quiet = false } = {}) {
        if (!this.folder || !this.accountId) {
            return;
        }
        const token = ++this.tokens.page;
        const { accountId, folder } = this;
        if (!keep) {
            this.selection.clear();
            this.allMatching = false;
            this.anchor = null;
        }
        this.listLoading = true;
        try {
            if (withState || state) {
                state = state || (await this._fetchFolderState());
                if (token === this.tokens.page) {
                    this.folderState = state;
                }
            }
            const page = await this._call(...pageCall(this, accountId, folder), { quiet });
            if (token !== this.tokens.page) {
                return;
            }
            if (keep && this.page && page.uidvalidity !== this.page.uidvalidity) {
                // The server renumbered the folder: the old UIDs mean nothing any more.
                this.offset = 0;
                this.selection.clear();
                this.cursor = null;
                this.closeMessage();
                return this.reloadList({ withState: true, quiet });
            }
            if (page.total && page.offset >= page.total && this.offset > 0) {
                // The last page emptied (deleted or moved away): show the one before.
                this.offset = Math.max(0, Math.floor((page.total - 1) / this.limit) * this.limit);
                return this.reloadList({ keep, quiet });
            }
            this.page = page;
            this.listError = "";
            this.searchError = "";
            this.conversationKey = followConversation(page, this.conversationKey);
            this.assignments.loadPage(
                { accountId, folder, uidvalidity: page.uidvalidity },
                page.messages.map((message) => message.uid)
            );
            if (this.isGroupAccount) {
                this.team.loadPage(
                    { accountId, folder, uidvalidity: page.uidvalidity },
                    page.messages.map((message) => message.uid)
                );
            } else {
                this.team.clear();
            }
            if (!page.conversations) {
                this.sort = page.sort;
            }
            const uids = new Set(page.messages.map((message) => message.uid));
            for (const uid of [...this.selection]) {
                if (!uids.has(uid)) {
                    this.selection.delete(uid);
                }
            }
            if (!uids.has(this.cursor)) {
                this.cursor = page.messages[0]?.uid ?? null;
            }
            if (!uids.has(this.anchor)) {
                this.anchor = null;
            }
            if (this.message && uids.has(this.message.uid)) {
                // Flags may have changed elsewhere; the row is the fresher truth.
                const row = this.messageByUid(this.message.uid);
                Object.assign(this.message, { seen: row.seen, flagged: row.flagged });
            }
        } catch (error) {
            if (token === this.tokens.page && isSearchQueryError(error)) {
                // A query the server cannot read: said under the box, the list stays.
                this.searchError = errorMessage(error);
                return;
            }
            // A background refresh that fails keeps the list the user has; the next poll
            // tries again.
            if (token === this.tokens.page && !(quiet && this.page)) {
                this.listError = errorMessage(error);
                this.notifyError(error);
            }
        } finally {
            if (token === this.tokens.page) {
                this.listLoading = false;
            }
        }
    }

    setSort(sort) {
        if (sort === this.sort) {
            this.reverse = !this.reverse;
        } else {
            this.sort = sort;
            // Newest, largest first; names from A to Z.
            this.reverse = ["date", "arrival", "size"].includes(sort);
        }
        this.offset = 0;
        return this.reloadList();
    }

    toggleDirection() {
        this.reverse = !this.reverse;
        this.offset = 0;
        return this.reloadList();
    }

    setSearch(values) {
        Object.assign(this.search, values);
        this.offset = 0;
        this.closeMessage();
        return this.reloadList();
    }

    clearSearch() {
        this.search = emptySearch();
        this.offset = 0;
        return this.reloadList();
    }

    goTo(offset, limit = this.limit) {
        this.offset = Math.max(0, offset);
        this.limit = Math.min(Math.max(1, limit), 200);
        this.cursor = null;
        return this.reloadList();
    }

    get hasPreviousPage() {
        return Boolean(this.page && this.page.offset > 0);
    }

    get hasNextPage() {
        const page = this.page;
        return Boolean(page && page.offset + page.messages.length < page.total);
    }

    previousPage() {
        return this.hasPreviousPage ? this.goTo(this.offset - this.limit) : Promise.resolve();
    }

    nextPage() {
        return this.hasNextPage ? this.goTo(this.offset + this.limit) : Promise.resolve();
    }

    // -- selection --------------------------------------------------------------------------

    /** Check or uncheck a row; with `range`, everything from the last checked row to it. */
    toggleSelected(uid, { range = false } = {}) {
        const uids = this.messages.map((message) => message.uid);
        if (range && this.anchor !== null && uids.includes(this.anchor)) {
            const [from, to] = [uids.indexOf(this.anchor), uids.indexOf(uid)].sort((a, b) => a - b);
            const check = !this.selection.has(uid) || this.selection.has(this.anchor);
            for (const each of uids.slice(from, to + 1)) {
                if (check) {
                    this.selection.add(each);
                } else {
                    this.selection.delete(each);
                }
            }
        } else if (this.selection.has(uid)) {
            this.selection.delete(uid);
        } else {
            this.selection.add(uid);
        }
        this.allMatching = false;
        this.anchor = uid;
        this.cursor = uid;
    }

    get allSelected() {
        return this.messages.length > 0 && this.selection.size === this.messages.length;
    }

    selectAll(checked) {
        this.selection.clear();
        this.allMatching = false;
        if (checked) {
            for (const message of this.messages) {
                this.selection.add(message.uid);
            }
        }
    }

    clearSelection() {
        this.selection.clear();
        this.allMatching = false;
        this.anchor = null;
    }

    /** The whole page is checked and the folder (or search) has more: "Select all N". */
    get offersAllMatching() {
        const page = this.page;
        return Boolean(
            page && !this.allMatching && this.allSelected && page.total > this.messages.length
        );
    }

    /** Actions on the checked messages act on every matching message of the folder. */
    get selectsAllMatching() {
        return Boolean(this.allMatching && this.allSelected && this.page);
    }

    /** How many messages the checked ones stand for. */
    get selectedCount() {
        return this.selectsAllMatching ? this.page.total : this.selection.size;
    }

    selectAllMatching() {
        if (this.offersAllMatching) {
            this.allMatching = true;
        }
    }

    /**
     * What the keyboard cursor moves over: the page's conversations (by their key, the
     * newest message) when the list shows conversations, else its messages (by UID).
     */
    cursorStops() {
        const conversations = this.page?.conversations;
        return conversations
            ? conversations.map((conversation) => conversation.key)
            : this.messages.map((message) => message.uid);
    }

    moveCursor(step) {
        const stops = this.cursorStops();
        if (!stops.length) {
            return null;
        }
        const index = stops.indexOf(this.cursor);
        const next = index === -1 ? 0 : Math.min(Math.max(index + step, 0), stops.length - 1);
        this.cursor = stops[next];
        return this.cursor;
    }

    /** The conversation the keyboard cursor is on, when the list shows conversations. */
    get cursorConversation() {
        return conversationByKey(this.page, this.cursor);
    }

    /** The messages the keyboard cursor stands for: its conversation's, or its message. */
    cursorUids() {
        if (this.cursor === null) {
            return [];
        }
        const conversation = this.cursorConversation;
        return conversation ? [...conversation.uids] : [this.cursor];
    }

    // -- reading ----------------------------------------------------------------------------

    async openMessage(uid) {
        if (!this.page) {
            return;
        }
        const token = ++this.tokens.message;
        const { accountId, folder } = this;
        const { uidvalidity } = this.page;
        this.cursor = uid;
        this.messageUid = uid;
        this.messageLoading = true;
        this.remoteAllowed = false;
        try {
            const message = await this._call("client_message", [
                [accountId],
                folder,
                uidvalidity,
                uid,
            ]);
            if (token !== this.tokens.message) {
                return;
            }
            this.message = message;
            const row = this.messageByUid(uid);
            if (row && !row.seen && message.seen) {
                // The server marked it read when it was opened.
                row.seen = true;
                this._adjustUnread(folder, -1);
            }
        } catch (error) {
            if (token === this.tokens.message) {
                this.closeMessage();
                this.notifyError(error);
                this._refreshAfterError(error);
            }
        } finally {
            if (token === this.tokens.message) {
                this.messageLoading = false;
            }
        }
    }

    /** The mail attached to the open message as `part` (forwarded as attachment, an .eml),
     * as `client_message` answers; the reading pane shows it over the open message. */
    attachedMessage(part) {
        const { accountId, folder } = this;
        return this._call("client_message_part", [
            [accountId],
            folder,
            this.page.uidvalidity,
            this.message.uid,
            part,
        ]);
    }

    closeMessage() {
        this.tokens.message++;
        this.message = null;
        this.messageUid = null;
        this.messageLoading = false;
        this.remoteAllowed = false;
    }

    // -- changes ----------------------------------------------------------------------------

    /** Read/unread, flagged/unflagged; the rows change at once and back if the server says no. */
    async setFlag(uids, flag, value) {
        if (!uids.length || !this.page) {
            return;
        }
        const { accountId, folder } = this;
        const { uidvalidity } = this.page;
        const rows = uids.map((uid) => this.messageByUid(uid)).filter(Boolean);
        const before = rows.map((row) => row[flag]);
        const open = this.message && uids.includes(this.message.uid) ? this.message : null;
        const openBefore = open?.[flag];
        const changedUnread = flag === "seen" ? rows.filter((row) => row.seen !== value).length : 0;
        for (const row of rows) {
            row[flag] = value;
        }
        if (open) {
            open[flag] = value;
        }
        this._adjustUnread(folder, value ? -changedUnread : changedUnread);
        this.pending++;
        try {
            // The folder's state changes with it: the next poll reloads the page once, which
            // also shows whatever else changed meanwhile.
            await this._call("client_set_flag", [
                [accountId],
                folder,
                uidvalidity,
                uids,
                flag,
                value,
            ]);
        } catch (error) {
            rows.forEach((row, index) => (row[flag] = before[index]));
            if (open) {
                open[flag] = openBefore;
            }
            this._adjustUnread(folder, value ? changedUnread : -changedUnread);
            this.notifyError(error);
            this._refreshAfterError(error);
        } finally {
            this.pending--;
        }
    }

    /** Turn a flag on for all of `uids`, or off if all of them have it already. */
    toggleFlag(uids, flag) {
        const rows = uids
            .map((uid) => this.messageByUid(uid) || this._openRow(uid))
            .filter(Boolean);
        const value = !rows.length || !rows.every((row) => row[flag]);
        return this.setFlag(uids, flag, value);
    }

    /** Moves messages of the open folder; a toast says so and offers "Undo". */
    async move(uids, target) {
        if (!uids.length || !this.page || target === this.folder) {
            return;
        }
        const folder = this.folder;
        return this._change(uids, "client_move", [target], {
            done: (refs) => this._offerUndo(refs, uids.length, folder, target),
        });
    }

    /**
     * Deletes as the account says. Into the Trash, a toast offers "Undo" (back from the
     * Trash); deleting for good (asked first, see MailClient) or only marking as deleted
     * offers none.
     */
    async deleteMessages(uids) {
        if (!uids.length || !this.page) {
            return;
        }
        const mode = this.account?.delete_mode || "trash";
        const toTrash = !this.deleteIsPermanent && mode === "trash";
        const folder = this.folder;
        return this._change(uids, "client_delete", [], {
            openNext: true,
            done: (refs) => toTrash && this._offerUndo(refs, uids.length, folder, null),
        });
    }

    /**
     * Snooze (snooze_menu.js): the messages leave the folder for "Snoozed" and come back,
     * unread, at `until` (a luxon DateTime).
     */
    async snooze(uids, until) {
        if (!uids.length || !this.page) {
            return;
        }
        const snoozed = await this._change(uids, "client_snooze", [serializeDateTime(until)], {
            done: () =>
                this.services.notification.add(
                    _t("Snoozed until %(until)s.", { until: formatDateTime(until) }),
                    { type: "success" }
                ),
        });
        if (snoozed) {
            await this.loadFolders({ quiet: true }); // "Snoozed" may be new, and counts changed
        }
        return snoozed;
    }

    /** "Unsnooze now" for the open message of "Snoozed" (its Message-ID names it). */
    async unsnooze(messageId) {
        const accountId = this.accountId;
        this.pending++;
        try {
            const snoozed = await this._call("client_snoozed", [[accountId]]);
            const entry = snoozed.find((item) => item.message_id === messageId);
            if (!entry) {
                this.services.notification.add(_t("This message is no longer snoozed."), {
                    type: "warning",
                });
                return;
            }
            const back = await this._call("client_unsnooze", [[accountId], entry.id]);
            if (back) {
                this.services.notification.add(
                    _t("Back in %(folder)s, unread.", { folder: this._folderName(back.folder) }),
                    { type: "success" }
                );
            } else {
                // Another mail program took it out of "Snoozed" first: it is wherever that
                // program put it, not back in its folder.
                this.services.notification.add(
                    _t(
                        "This message was no longer in Snoozed: another mail program moved or deleted it. It is no longer snoozed."
                    ),
                    { type: "warning" }
                );
            }
        } catch (error) {
            this.notifyError(error);
            return;
        } finally {
            this.pending--;
        }
        this.closeMessage();
        await this.refresh();
        await this.loadFolders({ quiet: true });
    }

    /** "Remind me if no reply by `day`" on message `uid` of the open page (follow_up_menu.js). */
    followUp(uid, day) {
        return this._call("client_follow_up", [
            [this.accountId],
            this.folder,
            this.page.uidvalidity,
            uid,
            serializeDate(day),
        ]);
    }

    /**
     * The toast after a move or a delete into the Trash: what was done, and "Undo" when the
     * server said where the messages went (`refs`; a server without UIDPLUS does not).
     * `target` null: deleted (into the Trash).
     */
    _offerUndo(refs, count, folder, target) {
        let message;
        if (target === null) {
            message =
                count === 1
                    ? _t("1 message was deleted.")
                    : _t("%(count)s messages were deleted.", { count: formatInteger(count) });
        } else {
            message = movedMessage(count, this._folderName(target));
        }
        const options = { type: "success" };
        if (refs?.length) {
            let close = () => {};
            let undoing = null;
            Object.assign(options, {
                autocloseDelay: UNDO_DELAY,
                buttons: [
                    {
                        name: _t("Undo"),
                        primary: true,
                        onClick: () => {
                            // A double click reaches the button twice before the toast is
                            // gone: the second would find the mail moved back already.
                            if (!undoing) {
                                close();
                                undoing = this.undoMove(refs, folder);
                            }
                            return undoing;
                        },
                    },
                ],
            });
            close = this.services.notification.add(message, options) || close;
            return;
        }
        this.services.notification.add(message, options);
    }

    /**
     * "Undo": the messages named by `refs` (where a move or delete put them, one folder)
     * moved back to `folder`, with the same call as any move (and its access check). They
     * come back under new UIDs, as anything that arrives in a folder.
     */
    async undoMove(refs, folder) {
        const [first] = refs;
        const accountId = first.account;
        const uids = refs.map((ref) => ref.uid);
        this.pending++;
        try {
            await this._call("client_move", [
                [accountId],
                first.folder,
                first.uidvalidity,
                uids,
                folder,
            ]);
        } catch (error) {
            this.notifyError(error);
            this._refreshAfterError(error);
            return false;
        } finally {
            this.pending--;
        }
        if (this.accountId === accountId) {
            await this.refresh();
        }
        return true;
    }

    _folderName(name) {
        const folder = this.folders.find((each) => each.name === name);
        return folder ? folderPathLabel(folder, this.folders) : name;
    }

    // -- actions on every matching message of the folder ------------------------------------

    /**
     * An action on every message of the open folder that matches the search ("Select all
     * N"): `kind` "seen" or "flagged" (with `value`), "move" (with `target`) or "delete".
     * The server names the UIDs (one call), then the action goes in batches of
     * BULK_BATCH_SIZE, `bulk` counting up; `cancelBulk()` stops after the batch under way.
     * One toast at the end says how many were done. No "Undo" here: thousands of messages
     * would go back in as many batches again, and a delete was into the Trash (from where
     * they can be moved back) or confirmed first.
     */
    async bulkChange(kind, { value = true, target = null } = {}) {
        if (this.bulk || !this.page || (kind === "move" && target === this.folder)) {
            return;
        }
        const { accountId, folder, teamView } = this;
        const search = { ...this.search };
        // Mail a colleague or another program moved or deleted meanwhile is skipped (the
        // server answers how much), not an error that would stop the other batches, nor
        // counted as done.
        const [method, args] = {
            seen: ["client_set_flag", [kind, value, true]],
            flagged: ["client_set_flag", [kind, value, true]],
            move: ["client_move", [target, true]],
            delete: ["client_delete", [true]],
        }[kind];
        const bulk = { kind, done: 0, gone: 0, total: this.page.total, cancelled: false };
        this.bulk = bulk;
        this.pending++;
        let failed = null;
        try {
            // A team view's messages only, not all of the Inbox it is a view of.
            const { uidvalidity, uids } = teamView
                ? await this._call("client_team_matching_uids", [[accountId], teamView, search])
                : await this._call("client_matching_uids", [[accountId], folder, search]);
            this.bulk.total = uids.length;
            for (let start = 0; start < uids.length; start += BULK_BATCH_SIZE) {
                if (this.bulk.cancelled) {
                    break;
                }
                const batch = uids.slice(start, start + BULK_BATCH_SIZE);
                const answer = await this._call(method, [
                    [accountId],
                    folder,
                    uidvalidity,
                    batch,
                    ...args,
                ]);
                const gone = answer?.gone || 0;
                this.bulk.done += batch.length - gone;
                this.bulk.gone += gone;
            }
        } catch (error) {
            failed = error;
            this.notifyError(error);
        } finally {
            this.pending--;
        }
        const { done, gone, total, cancelled } = this.bulk;
        this.bulk = null;
        if (done || gone || !failed) {
            let message = bulkMessage(kind, value, done, this._folderName(target));
            if (gone) {
                message = `${message} ${goneMessage(gone)}`;
            }
            this.services.notification.add(message, {
                type: cancelled || failed || gone ? "warning" : "success",
                title: cancelled && done < total ? _t("Stopped") : undefined,
            });
        }
        if (this.accountId === accountId && this.folder === folder) {
            this.clearSelection();
            await this.refresh();
        }
        return done;
    }

    /** Stops an action on all matching messages after the batch under way. */
    cancelBulk() {
        if (this.bulk) {
            this.bulk.cancelled = true;
        }
    }

    /** How far an action on all matching messages is, 0-100. */
    get bulkPercent() {
        const bulk = this.bulk;
        const through = bulk ? bulk.done + bulk.gone : 0;
        return bulk && bulk.total ? Math.min(100, Math.round((100 * through) / bulk.total)) : 0;
    }

    async emptyTrash() {
        try {
            const count = await this._call("client_empty_trash", [[this.accountId]]);
            this.services.notification.add(
                count === 1
                    ? _t("1 message was removed from the Trash.")
                    : _t("%(count)s messages were removed from the Trash.", { count }),
                { type: "success" }
            );
        } catch (error) {
            this.notifyError(error);
        }
        await this.refresh();
    }

    /**
     * Every unread message of `folderName` marked read on the server. Its count drops by as
     * many as were marked, and in the open list (and the open message) they show read at
     * once; then the counts and the list are read again, with whatever arrived meanwhile.
     */
    async markFolderRead(folderName) {
        const { accountId } = this;
        let count;
        this.pending++;
        try {
            count = await this._call("client_mark_folder_read", [[accountId], folderName]);
        } catch (error) {
            this.notifyError(error);
            this._refreshAfterError(error);
            return;
        } finally {
            this.pending--;
        }
        if (this.accountId !== accountId) {
            return;
        }
        this._adjustUnread(folderName, -count);
        if (this.folder === folderName) {
            for (const row of this.messages) {
                row.seen = true;
            }
            if (this.message) {
                this.message.seen = true;
            }
        }
        this.services.notification.add(
            count === 1
                ? _t("1 message was marked as read.")
                : _t("%(count)s messages were marked as read.", { count }),
            { type: "success" }
        );
        if (this.folder === folderName) {
            await this.refresh({ quiet: true });
        } else {
            await this.loadFolders({ quiet: true });
        }
    }

    /**
     * Moves and deletes: the list reloads and the cursor goes to the next message (the one
     * below, else the one above). With `openNext`, as after a delete, that message opens
     * when the open one went away, so the user reads on as in other mail programs.
     */
    async _change(uids, method, args, { openNext = false, done = null } = {}) {
        const { accountId, folder } = this;
        const { uidvalidity } = this.page;
        const remaining = this.messages.filter((message) => !uids.includes(message.uid));
        const position = this.messages.findIndex((message) => uids.includes(message.uid));
        const nextCursor = remaining[Math.min(Math.max(position, 0), remaining.length - 1)];
        const reopen = openNext && this.messageUid !== null && uids.includes(this.messageUid);
        let refs;
        this.pending++;
        try {
            refs = await this._call(method, [[accountId], folder, uidvalidity, uids, ...args]);
        } catch (error) {
            this.notifyError(error);
            this._refreshAfterError(error);
            return null;
        } finally {
            this.pending--;
        }
        done?.(Array.isArray(refs) ? refs : []);
        if (this.accountId !== accountId || this.folder !== folder) {
            return refs;
        }
        for (const uid of uids) {
            this.selection.delete(uid);
        }
        if (this.message && uids.includes(this.message.uid)) {
            this.closeMessage();
        }
        if (uids.includes(this.cursor)) {
            this.cursor = nextCursor?.uid ?? null;
        }
        await this.refresh();
        const next = nextCursor && this.messageByUid(nextCursor.uid);
        // Only if the user opened nothing else meanwhile and the list still shows it.
        const stayed = this.accountId === accountId && this.folder === folder;
        if (reopen && next && stayed && this.messageUid === null) {
            await this.openMessage(next.uid);
        }
        return refs;
    }

    // -- folders ----------------------------------------------------------------------------

    async createFolder(name) {
        await this._call("client_create_folder", [[this.accountId], name]);
        await this.loadFolders();
    }

    /**
     * `callback(accountId, folder, newName)` after each folder this client renames, or
     * deletes (`newName` null) (what keeps a folder by its name, such as the saved
     * searches, follows it; the rename or delete ends when the promise it returns does);
     * returns the function that stops it.
     */
    onFolderRenamed(callback) {
        const watchers = this.raw.renameWatchers;
        watchers.push(callback);
        return () => {
            const index = watchers.indexOf(callback);
            if (index >= 0) {
                watchers.splice(index, 1);
            }
        };
    }

    async renameFolder(folder, newName) {
        const { accountId } = this;
        await this._call("client_rename_folder", [[accountId], folder, newName]);
        const following = this.raw.renameWatchers.map((callback) =>
            callback(accountId, folder, newName)
        );
        const prefix = folder + (this.folders.find((f) => f.name === folder)?.delimiter || "/");
        if (this.folder === folder || this.folder?.startsWith(prefix)) {
            this.folder = newName + this.folder.slice(folder.length);
            await this.loadFolders();
            this._resetList();
            await this.reloadList({ withState: true });
        } else {
            await this.loadFolders();
        }
        await Promise.all(following);
    }

    async deleteFolder(folder) {
        const { accountId } = this;
        await this._call("client_delete_folder", [[accountId], folder]);
        const following = this.raw.renameWatchers.map((callback) =>
            callback(accountId, folder, null)
        );
        const delimiter = this.folders.find((f) => f.name === folder)?.delimiter || "/";
        const current = this.folder;
        await this.loadFolders();
        if (current === folder || current?.startsWith(folder + delimiter)) {
            const inbox = this.folders.find((f) => f.special_use === "\\Inbox");
            if (inbox) {
                await this.openFolder(inbox.name);
            }
        }
        await Promise.all(following);
    }

    // -- staying current --------------------------------------------------------------------

    /** Folder counts and the current page again, keeping what the user has open. */
    async refresh({ quiet = false, state = null } = {}) {
        await Promise.all([
            this.loadFolders({ quiet: true }),
            this.reloadList({ keep: true, withState: true, state, quiet }),
        ]);
    }

    /**
     * Asks the server whether the open folder changed (one STATUS); reloads if it did.
     */
    async poll() {
        if (!this.folder || !this.page || this.listLoading || this.pending) {
            return;
        }
        this.polls++;
        const before = this.folderState;
        const after = await this._fetchFolderState();
        if (!after || this.listLoading || this.pending) {
            return;
        }
        if (before && sameFolderState(before, after)) {
            if (this.polls % FOLDERS_EVERY_N_POLLS === 0) {
                await this.loadFolders({ quiet: true });
            }
            return;
        }
        await this.refresh({ quiet: true, state: after });
    }

    /** The open folder's state (one STATUS on the server), or null if it cannot be had. */
    async _fetchFolderState() {
        if (!this.folder || !this.accountId) {
            return null;
        }
        const { accountId, folder } = this;
        try {
            const state = await this._call("client_folder_state", [[accountId], folder], {
                quiet: true,
            });
            return accountId === this.accountId && folder === this.folder ? state : null;
        } catch {
            // Polling goes on quietly; the list's own calls say what is wrong.
            return null;
        }
    }

    _refreshAfterError(error) {
        if (isFolderRenumbered(error) && this.services.rpc.onFolderRenumbered) {
            return; // _onFolderRenumbered has started over already
        }
        // Whatever failed, the list may be out of date (renumbered folder, message gone).
        if (isFolderRenumbered(error) && this.page) {
            this.offset = 0;
        }
        this.refresh({ quiet: true });
    }

    /**
     * A call about this account's open folder (`args`: [[accountId], folder, ...]) met a
     * renumbered folder: its UIDs are void, the list starts over from the first page.
     */
    _onFolderRenumbered({ args }) {
        const [ids, place] = args || [];
        const folder = typeof place === "string" ? place : place?.folder;
        if (!Array.isArray(ids) || !ids.includes(this.accountId) || !this.folder) {
            return;
        }
        if (folder === this.folder && this.page) {
            this.offset = 0;
        }
        this.refresh({ quiet: true });
    }

    _adjustUnread(folderName, delta) {
        const folder = this.folders.find((f) => f.name === folderName);
        if (folder && typeof folder.unread === "number" && delta) {
            folder.unread = Math.max(0, folder.unread + delta);
        }
    }

    _openRow(uid) {
        return this.message && this.message.uid === uid ? this.message : null;
    }

    // -- server calls -----------------------------------------------------------------------

    _call(method, args, { quiet = false } = {}) {
        const rpc = quiet ? this.services.rpc.silent : this.services.rpc;
        return rpc.call(method, args);
    }

    /** The ref of a message of the open page. */
    refOf(uid) {
        return this.page ? messageRef(this.accountId, this.folder, this.page.uidvalidity, uid) : null;
    }

    notifyError(error) {
        this.services.notification.add(errorMessage(error), {
            title: _t("Mail"),
            type: "danger",
        });
    }
}

function movedMessage(count, folder) {
    return count === 1
        ? _t("1 message was moved to %(folder)s.", { folder })
        : _t("%(count)s messages were moved to %(folder)s.", {
              count: formatInteger(count),
              folder,
          });
}

/** How many of the messages an action on all of them found moved or deleted elsewhere. */
function goneMessage(gone) {
    return gone === 1
        ? _t("1 message was no longer in this folder (moved or deleted elsewhere).")
        : _t(
              "%(count)s messages were no longer in this folder (moved or deleted elsewhere).",
              { count: formatInteger(gone) }
          );
}

/** The summary of an action on all matching messages: how many were done. */
function bulkMessage(kind, value, done, folder) {
    const count = formatInteger(done);
    const one = done === 1;
    if (kind === "move") {
        return movedMessage(done, folder);
    }
    if (kind === "delete") {
        return one
            ? _t("1 message was deleted.")
            : _t("%(count)s messages were deleted.", { count });
    }
    if (kind === "seen") {
        if (value) {
            return one
                ? _t("1 message was marked as read.")
                : _t("%(count)s messages were marked as read.", { count });
        }
        return one
            ? _t("1 message was marked as unread.")
            : _t("%(count)s messages were marked as unread.", { count });
    }
    if (value) {
        return one
            ? _t("1 message was flagged.")
            : _t("%(count)s messages were flagged.", { count });
    }
    return one
        ? _t("The flag was removed from 1 message.")
        : _t("The flag was removed from %(count)s messages.", { count });
}

function sameFolderState(a, b) {
    return ["uidvalidity", "total", "unread", "uidnext", "highestmodseq"].every(
        (key) => a[key] === b[key]
    );
}
