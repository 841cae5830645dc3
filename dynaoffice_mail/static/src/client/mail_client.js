import {
    Component,
    onMounted,
    onWillDestroy,
    onWillStart,
    onWillUnmount,
    useEffect,
    useExternalListener,
    useRef,
    useState,
} from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { router, routerBus } from "@web/core/browser/router";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { useHotkey } from "@web/core/hotkeys/hotkey_hook";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useBus, useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { session } from "@web/session";
import { formatInteger } from "@web/views/fields/formatters";
import { AccountSwitcher } from "./account_switcher";
import { Composer } from "./composer";
import { notifyScheduled, ScheduledFolder, ScheduledList } from "./scheduled_mail";
import { ComposerModel } from "./composer_model";
import { ConversationPane } from "./conversation_pane";
import { toggleConversationSelected } from "./conversation_model";
import { FolderNameDialog } from "./folder_name_dialog";
import { FolderTree } from "./folder_tree";
import { MailClientModel } from "./mail_client_model";
import { NewMailNotifier } from "./mail_notifier";
import { MailPush } from "./mail_push";
import { REPLYING_NOTIFICATION } from "./mail_team";
import { paramsOfPlace, placeFromParams, placeOf, samePlace } from "./mail_url";
import { useMailRpc } from "./mail_rpc";
import {
    accountDelimiter,
    childFolderName,
    folderLabel,
    isOutgoingFolder,
    renamedFolderName,
} from "./mail_folders";
import { MessageList } from "./message_list";
import { sameRef } from "./message_ref";
import { openMessageAt } from "./open_message_at";
import { PaneSplitter } from "./pane_splitter";
import { PartnerMailSearch } from "./partner_mail_search";
import { ReadingPane } from "./reading_pane";
import { ContextPane } from "./context_pane";
import { EverywhereSearch } from "./everywhere_search";
import { SavedSearchList } from "./saved_search_list";
import { useMailSearch } from "./search_box";
import { ShortcutsDialog } from "./shortcuts_dialog";
import { openTeamAssignDialog } from "./team_buttons";
import { TeamViews } from "./team_views";

export const POLL_INTERVAL = 20000;
const WIDTHS_KEY = "dynaoffice_mail.pane_widths";
const DEFAULT_WIDTHS = { folders: 250, list: 440 };
const WIDTH_LIMITS = { folders: [160, 480], list: [280, 1000] };
// Keys that work anywhere in the client except in text fields, menus, dialogs and the
// composer.
const EDITABLE =
    "input:not([type='checkbox']), textarea, select, [contenteditable], .dropdown-menu, .modal, .o-FileViewer, .o_dynaoffice_mail_composer";

/**
 * The mail client (client action "dynaoffice_mail.client"): folders | message list |
 * reading pane (or the composer in its place), side by side and resizable, usable from the
 * keyboard.
 *
 * It opens the place its params name (mail_url.js: `account`, `folder`, `uidvalidity`,
 * `uid`, as the address bar has them; or `account_id`), or the context's `active_id`, else
 * the account used last in this browser, else the first one. With `action.params.compose`
 * ({to, account_id}) it starts writing a message to those recipients. Where it is goes into
 * the address bar, so that reload, back and forward and shared links come back to it.
 */
export class MailClient extends Component {
    static template = "dynaoffice_mail.MailClient";
    static components = {
        AccountSwitcher,
        Composer,
        ContextPane,
        ConversationPane,
        FolderTree,
        MessageList,
        PaneSplitter,
        PartnerMailSearch,
        ReadingPane,
        EverywhereSearch,
        SavedSearchList,
        ScheduledFolder,
        ScheduledList,
        TeamViews,
    };
    static props = ["*"];
    // The address of the client: /odoo/mail (also the action record's `path`).
    static path = "mail";
    static displayName = _t("E-Mail");

    setup() {
        this.action = useService("action");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.notificationPermission = useService("mail.notification.permission");
        this.orm = useService("orm");
        this.uiService = useService("ui");
        this.ui = useState(this.uiService);
        this.rpc = useMailRpc();
        const model = new MailClientModel({ rpc: this.rpc, notification: this.notification });
        model.conversationMode = Boolean(session.dynaoffice_mail_conversations);
        this.model = useState(model);
        onWillDestroy(() => model.destroy());
        this.push = new MailPush({
            bus: this.env.services.bus_service,
            rpc: this.rpc,
            onChange: () => this.pushed(),
            onOtherFolder: () => this.model.loadFolders({ quiet: true }),
        });
        onWillDestroy(() => this.push.destroy());
        // Colleagues' composers of a group mailbox say on the bus who is replying to what.
        const bus = this.env.services.bus_service;
        if (bus) {
            const onReplying = (payload) => model.team.onNotice(payload);
            bus.subscribe(REPLYING_NOTIFICATION, onReplying);
            onWillDestroy(() => bus.unsubscribe(REPLYING_NOTIFICATION, onReplying));
        }
        this.pushState = useState(this.push.state);
        useEffect(
            (accountId, folder) => this.push.watch(accountId, folder),
            () => [this.model.accountId, this.model.folder]
        );
        this.rootRef = useRef("root");
        this.widths = useState(this.loadWidths());
        this.state = useState({
            showFolders: false,
            composer: null,
            notifyDesktop: Boolean(session.dynaoffice_mail_notify_desktop),
            // The "Scheduled" view (scheduled_mail.js) in the reading pane, and a number
            // that changes whenever scheduled mail may have changed.
            scheduledOpen: false,
            scheduledVersion: 0,
        });
        this.notifier = new NewMailNotifier({
            enabled: this.state.notifyDesktop,
            onOpen: (accountId) => this.openInbox(accountId),
        });
        this.lastPoll = 0;
        // "Search mailboxes" on a contact: its mail found across the mailboxes, shown where
        // no message is open (the answer is kept while a message found is read).
        this.partnerSearch = useState({
            partnerId: Number(this.props.action?.params?.search_partner_id) || null,
            answer: null,
        });

        // Saved searches under the folders, the search in all folders in the reading pane.
        this.mailSearch = useMailSearch(this.model);

        this.setupRoute();
        onWillStart(async () => {
            await this.model.loadAccounts();
            // Folders and mail load after the first render, which shows their progress.
            this.goTo(this.requestedPlace);
            const compose = this.props.action?.params?.compose;
            if (compose && this.model.accountId) {
                this.openComposer("new", {
                    accountId: this.accountIdOrCurrent(compose.account_id),
                    to: Array.isArray(compose.to) ? compose.to : [],
                });
            }
        });
        // Leaving the client (another menu, another action) saves what is being written.
        useSetupAction({
            beforeLeave: () => this.leaveComposer(),
            // Back to the client through the breadcrumbs: where it was.
            getLocalState: () => ({ place: placeOf(this.model) }),
            beforeUnload: (ev) => {
                if (this.state.composer?.hasUnsavedContent) {
                    ev.preventDefault();
                    ev.returnValue = "";
                }
            },
        });
        useEffect(
            () => {
                const interval = browser.setInterval(() => this.poll(), POLL_INTERVAL);
                return () => browser.clearInterval(interval);
            },
            () => []
        );
        useExternalListener(window, "focus", () => this.poll());
        useExternalListener(document, "visibilitychange", () => this.poll());
        onMounted(() => {
            this.takeKeyboard();
            // The switcher's counts come after the first paint: one STATUS per account.
            this.noticeNewMail({ now: true });
        });
        this.setupHotkeys();
        this.setupTitle();
    }

    get requestedAccountId() {
        const { action } = this.props;
        const params = action?.params || {};
        // With `compose`, the context's active_id is the contact written to, not an account.
        const id =
            params.account_id ??
            params.compose?.account_id ??
            (params.compose ? null : action?.context?.active_id);
        return id ? Number(id) : null;
    }

    /**
     * The place the client was opened at: back through the breadcrumbs, where it was; else
     * what its params name (the address on a reload or a shared link, whose state the
     * router gives as `params` or, for an action loaded by its path, as the context's).
     */
    get requestedPlace() {
        if (this.props.state?.place) {
            return this.props.state.place;
        }
        const { action } = this.props;
        const params = { ...action?.context?.params, ...action?.params };
        return placeFromParams(params, browser.location.search);
    }

    /** A message of the contact's mail found across the mailboxes. */
    async openFoundMessage(place) {
        if (await this.leaveComposer()) {
            const opened = openMessageAt(this.model, place);
            this.writeRoute({ push: true });
            await opened;
        }
    }

    accountIdOrCurrent(accountId) {
        const id = Number(accountId);
        return this.model.accounts.some((account) => account.id === id)
            ? id
            : this.model.accountId;
    }

    // -- the address bar -------------------------------------------------------------------

    /**
     * The address names where the client is (mail_url.js). What the user opens (an account,
     * a folder, a message; closing it with Esc) is a new entry in the browser's history;
     * what follows from it (the Inbox an account opens at, the next message after a
     * delete, the folder a message that is gone leaves open) replaces the entry.
     *
     * Back and forward between the client's own entries move the client there, without
     * the web client loading the action again (which would show an empty client first):
     * see `followHistory`.
     */
    setupRoute() {
        this.route = { shown: null, applying: 0 };
        // Until the client is shown the action service writes the address from the action's
        // state: the place asked for, so that a reload or a link does not lose it.
        this.props.updateActionState?.(paramsOfPlace(this.requestedPlace));
        useEffect(
            () => this.writeRoute(),
            () => Object.values(placeOf(this.model))
        );
        // Once shown, the entry the action service writes for the client (a moment later)
        // becomes the client's own, even when the place was reached before.
        useBus(this.env.bus, "ACTION_MANAGER:UI-UPDATED", () =>
            browser.setTimeout(() => this.writeRoute())
        );
        onMounted(() => (liveClient = this));
        onWillUnmount(() => {
            if (liveClient === this) {
                liveClient = null;
            }
        });
    }

    /** Opens `place` (an account, a folder, a message; nothing: the initial account). */
    async goTo(place) {
        this.route.applying++;
        try {
            if (place.accountId) {
                await openMessageAt(this.model, place);
            } else {
                await this.model.openInitialAccount(this.requestedAccountId);
            }
        } finally {
            this.route.applying--;
            // A place that could not be reached leaves where the client went instead.
            this.writeRoute();
        }
    }

    /** The address follows the client: a new history entry with `push`, else in place. */
    writeRoute({ push = false } = {}) {
        const place = placeOf(this.model);
        if (this.route.applying || !place.accountId || samePlace(place, this.route.shown)) {
            return;
        }
        const params = paramsOfPlace(place);
        const controller = this.action.currentController;
        if (controller?.props?.action !== this.props.action) {
            // Not shown yet (or being left): the action's state is what gets written.
            this.props.updateActionState?.(params);
            return;
        }
        this.route.shown = place;
        // The action's state as well: the action service writes the address from it when it
        // opens another action over the client (the breadcrumbs' way back).
        Object.assign(controller.currentState, params);
        const write = push ? router.pushState : router.replaceState;
        write(params, { sync: true });
        // The entry is the client's own: back and forward to it are for the client to follow
        // (the router leaves entries marked so to their page, see HISTORY_MARK).
        browser.history.replaceState(
            { ...browser.history.state, skipRouteChange: true, [HISTORY_MARK]: true },
            "",
            browser.location.href
        );
    }

    /**
     * Back or forward to one of the client's entries (the router's state `next`): if the
     * client shows the same actions, it goes there itself.
     *
     * @returns {boolean} whether it did (else the web client loads the entry)
     */
    followHistory(next) {
        const controller = this.action.currentController;
        if (
            !next ||
            controller?.props?.action !== this.props.action ||
            !isSameActionStack(next, controller.state)
        ) {
            return false;
        }
        const place = placeFromParams(next, browser.location.search);
        this.route.shown = place;
        this.leaveComposer().then((left) => {
            if (left) {
                return this.goTo(place);
            }
            // The composer stays (its draft could not be saved): so does the client, and
            // the address says so.
            this.route.shown = null;
            this.writeRoute();
        });
        return true;
    }

    // -- layout -----------------------------------------------------------------------------

    loadWidths() {
        try {
            const stored = JSON.parse(browser.localStorage.getItem(WIDTHS_KEY) || "{}");
            return { ...DEFAULT_WIDTHS, ...stored };
        } catch {
            return { ...DEFAULT_WIDTHS };
        }
    }

    setWidth(pane, width) {
        this.widths[pane] = width;
        browser.localStorage.setItem(WIDTHS_KEY, JSON.stringify({ ...this.widths }));
    }

    resetWidth(pane) {
        this.setWidth(pane, DEFAULT_WIDTHS[pane]);
    }

    paneStyle(pane) {
        return this.isSmall ? "" : `width: ${this.widths[pane]}px`;
    }

    get limits() {
        return WIDTH_LIMITS;
    }

    get isSmall() {
        return this.ui.isSmall;
    }

    // -- staying current --------------------------------------------------------------------

    poll() {
        if (document.visibilityState === "hidden") {
            // Nobody looks: only the Inbox counts, for a desktop notification of new mail.
            if (this.notifier.enabled) {
                this.noticeNewMail();
            }
            return;
        }
        if (Date.now() - this.lastPoll < 2000) {
            return;
        }
        this.lastPoll = Date.now();
        if (this.push.shouldPoll()) {
            this.model.poll();
        }
        this.noticeNewMail();
    }

    /** The server pushed a change of the open folder: the list and counts again, once the
     * client is not busy loading or changing it. */
    pushed() {
        if (this.model.listLoading || this.model.pending) {
            browser.setTimeout(() => this.pushed(), 500);
            return;
        }
        this.model.poll();
    }

    /**
     * The accounts' Inbox counts again (once a minute at most, or `now`): for the account
     * switcher, and for the desktop notification of new mail if the user wants one.
     */
    async noticeNewMail({ now = false } = {}) {
        const always = this.notifier.enabled;
        const unread = now
            ? await this.model.loadAccountUnread({ always })
            : await this.model.refreshAccountUnread({ always });
        if (unread) {
            this.notifier.observe(unread, this.model.accounts);
        }
    }

    /**
     * The user's preference "desktop notification for new mail", from the account switcher:
     * turned on, the browser asks for its permission first (once; it keeps the answer).
     */
    async toggleNotifyDesktop() {
        const enabled = !this.state.notifyDesktop;
        if (enabled && this.notificationPermission.permission !== "granted") {
            await this.notificationPermission.requestPermission();
            if (this.notificationPermission.permission !== "granted") {
                this.notification.add(
                    _t(
                        "The browser does not allow notifications from Odoo. Allow them in the site settings of your browser, then turn them on again."
                    ),
                    { title: _t("Mail"), type: "warning" }
                );
                return;
            }
        }
        await this.orm.write("res.users", [user.userId], {
            dynaoffice_mail_notify_desktop: enabled,
        });
        session.dynaoffice_mail_notify_desktop = enabled;
        this.state.notifyDesktop = enabled;
        this.notifier.enabled = enabled;
    }

    /** A notification of new mail was clicked: that account's Inbox. */
    async openInbox(accountId) {
        if (accountId !== this.model.accountId) {
            await this.selectAccount(accountId);
        } else if (this.model.inboxFolder) {
            await this.openFolder(this.model.inboxFolder.name);
        }
    }

    // -- the browser tab --------------------------------------------------------------------

    /**
     * The tab is named after the open folder and account, with the unread mail of the
     * Inbox ("(3) Inbox – Anna Müller"), through the title service as Odoo's apps do; the
     * action's own name comes back when the client is left.
     */
    setupTitle() {
        const title = useService("title");
        const actionName = () => this.env.config?.getDisplayName?.() || "";
        const show = () => title.setParts({ action: this.model.tabTitle || actionName() });
        useEffect(show, () => [this.model.tabTitle]);
        // The action service names the tab after the action once its controller is mounted,
        // which is after this component.
        useBus(this.env.bus, "ACTION_MANAGER:UI-UPDATED", show);
        onWillUnmount(() => title.setParts({ action: actionName() }));
    }

    // -- accounts ---------------------------------------------------------------------------

    openSetup() {
        this.action.doAction("dynaoffice_mail.dynaoffice_mail_account_action");
    }

    async selectAccount(accountId) {
        if (accountId !== this.model.accountId && (await this.leaveComposer())) {
            const opened = this.model.openAccount(accountId);
            this.writeRoute({ push: true });
            await opened;
        }
    }

    // -- folders ----------------------------------------------------------------------------

    async openFolder(name) {
        this.state.showFolders = false;
        if (name !== this.model.folder && (await this.leaveComposer())) {
            const opened = this.model.openFolder(name);
            this.writeRoute({ push: true });
            await opened;
        }
    }

    siblingNames(parentPath) {
        const depth = parentPath.length;
        return this.model.folders
            .filter(
                (folder) =>
                    folder.path.length === depth + 1 &&
                    parentPath.every((part, index) => folder.path[index] === part)
            )
            .map((folder) => folder.path[depth].toLowerCase());
    }

    createFolder(parent) {
        const folders = this.model.folders;
        const parentFolder = parent && folders.find((folder) => folder.name === parent.name);
        const parentPath = parentFolder ? parentFolder.path : [];
        this.dialog.add(FolderNameDialog, {
            title: parent ? _t("New subfolder") : _t("New folder"),
            confirmLabel: _t("Create"),
            parentLabel: parentFolder ? folderLabel(parentFolder) : parent?.name || "",
            delimiter: parentFolder?.delimiter || accountDelimiter(folders),
            taken: this.siblingNames(parentPath),
            onConfirm: async (name) => {
                const fullName = childFolderName(folders, parentFolder || parent, name);
                try {
                    await this.model.createFolder(fullName);
                } catch (error) {
                    this.model.notifyError(error);
                    return false;
                }
                this.notification.add(_t("Folder “%(name)s” created.", { name }), {
                    type: "success",
                });
            },
        });
    }

    renameFolder(folder) {
        const current = folder.path[folder.path.length - 1];
        // Its own name takes no other folder's: "projekte" may become "Projekte".
        const taken = this.siblingNames(folder.path.slice(0, -1));
        const own = taken.indexOf(current.toLowerCase());
        if (own >= 0) {
            taken.splice(own, 1);
        }
        this.dialog.add(FolderNameDialog, {
            title: _t("Rename folder"),
            confirmLabel: _t("Rename"),
            name: current,
            delimiter: folder.delimiter || accountDelimiter(this.model.folders),
            taken,
            onConfirm: async (name) => {
                try {
                    await this.model.renameFolder(folder.name, renamedFolderName(folder, name));
                } catch (error) {
                    this.model.notifyError(error);
                    return false;
                }
            },
        });
    }

    deleteFolder(folder) {
        const depth = folder.path.length;
        const hasSubfolders = this.model.folders.some(
            (other) =>
                other.path.length > depth &&
                folder.path.every((part, index) => other.path[index] === part)
        );
        if (hasSubfolders) {
            // The server side deletes no folder with subfolders: no question whose answer
            // could not be done.
            this.notification.add(
                _t("The folder “%(folder)s” has subfolders. Delete or move them first.", {
                    folder: folder.name,
                }),
                { type: "warning" }
            );
            return;
        }
        this.dialog.add(ConfirmationDialog, {
            title: _t("Delete folder"),
            body: _t(
                "Delete the folder “%(folder)s” with all its messages on the mail server? This cannot be undone.",
                { folder: folder.name }
            ),
            confirmLabel: _t("Delete"),
            confirmClass: "btn-danger",
            confirm: async () => {
                try {
                    await this.model.deleteFolder(folder.name);
                } catch (error) {
                    this.model.notifyError(error);
                }
            },
            cancel: () => {},
        });
    }

    emptyTrash() {
        const count = this.model.trashFolder?.total;
        let body = _t("Remove every message in the Trash for good? This cannot be undone.");
        if (count === 1) {
            body = _t("Remove the one message in the Trash for good? This cannot be undone.");
        } else if (count) {
            body = _t(
                "Remove the %(count)s messages in the Trash for good? This cannot be undone.",
                { count }
            );
        }
        this.dialog.add(ConfirmationDialog, {
            title: _t("Empty Trash"),
            body,
            confirmLabel: _t("Empty Trash"),
            confirmClass: "btn-danger",
            confirm: () => this.model.emptyTrash(),
            cancel: () => {},
        });
    }

    dragPayload() {
        return this.model.drag;
    }

    /** Messages dragged from the list onto a folder of the tree. */
    dropMessages(target, payload) {
        const model = this.model;
        model.drag = null;
        if (
            payload.accountId === model.accountId &&
            payload.folder === model.folder &&
            payload.uidvalidity === model.page?.uidvalidity &&
            Array.isArray(payload.uids)
        ) {
            if (payload.all && model.selectsAllMatching) {
                model.bulkChange("move", { target });
            } else {
                model.move(payload.uids, target);
            }
        }
    }

    // -- messages ---------------------------------------------------------------------------

    /** A message opens in the reading pane; a draft (in Drafts) in the composer. */
    async openMessage(uid) {
        const model = this.model;
        this.state.scheduledOpen = false;
        if (model.currentFolder?.special_use === "\\Drafts" && model.page) {
            const ref = model.refOf(uid);
            if (!this.isComposing(ref)) {
                model.cursor = uid;
                this.openComposer("draft", { ref });
            }
            return;
        }
        if (await this.leaveComposer()) {
            const opened = model.openMessage(uid);
            this.writeRoute({ push: true });
            await opened;
        }
    }

    closeMessage() {
        this.model.closeMessage();
        this.writeRoute({ push: true });
    }

    // -- conversations (#16) ------------------------------------------------------------------

    /** The list as conversations or as messages: the user's choice, kept on their user. */
    async toggleConversations() {
        const enabled = !this.model.conversationMode;
        await this.orm.write("res.users", [user.userId], {
            dynaoffice_mail_conversations: enabled,
        });
        session.dynaoffice_mail_conversations = enabled;
        this.model.conversationMode = enabled;
        this.model.offset = 0;
        this.model.conversationKey = null;
        this.model.closeMessage();
        await this.model.reloadList();
    }

    async openConversation(conversation) {
        if (await this.leaveComposer()) {
            this.model.closeMessage();
            this.model.conversationKey = conversation.key;
            this.writeRoute({ push: true });
        }
    }

    closeConversation() {
        this.model.conversationKey = null;
        this.writeRoute({ push: true });
    }

    /** Reply, reply all, forward to a message of the open conversation (any folder). */
    composeOnRef(mode, ref) {
        this.openComposer(mode, { ref });
    }

    // -- writing ----------------------------------------------------------------------------

    /** Whether the composer has this draft open already. */
    isComposing(ref) {
        const composer = this.state.composer;
        if (!composer || composer.accountId !== this.model.accountId) {
            return false;
        }
        const open = composer.values?.draft || (composer.mode === "draft" && composer.ref);
        return sameRef(open, ref);
    }

    newMessage() {
        this.openComposer("new", { accountId: this.model.accountId });
    }

    /** Reply, reply all, forward (inline or as attachment) to the open message. */
    composeFromMessage(mode) {
        const model = this.model;
        const message = model.message;
        if (!message || !model.page) {
            return;
        }
        this.openComposer(mode, { ref: model.refOf(message.uid) });
    }

    /**
     * The composer in place of the reading pane. A composer already open is closed first
     * (its changes saved as a draft); if that fails, it stays.
     */
    async openComposer(mode, { ref = null, to = [], accountId = null } = {}) {
        if (!(await this.leaveComposer())) {
            return;
        }
        const composer = new ComposerModel(
            { rpc: this.rpc, notification: this.notification },
            { accountId: accountId || this.model.accountId, mode, ref, to }
        );
        this.state.showFolders = false;
        this.state.composer = composer;
        this.model.closeMessage();
        await this.state.composer.load();
    }

    /**
     * Before anything replaces the composer: unsaved changes become a draft.
     * @returns {Promise<boolean>} false if they could not be saved (the composer stays)
     */
    async leaveComposer() {
        const composer = this.state.composer;
        if (!composer) {
            return true;
        }
        const dirty = composer.dirty;
        if (!(await composer.close())) {
            return false;
        }
        if (this.state.composer === composer) {
            this.state.composer = null;
        }
        if (dirty) {
            this.refreshAfterWriting(composer);
        }
        return true;
    }

    /**
     * The composer is done: "sent", "scheduled" (`result`: the server's answer), "saved"
     * (closed, draft kept), "discarded", "closed".
     */
    onComposerDone(kind, result = null) {
        const composer = this.state.composer;
        this.state.composer = null;
        if (composer && kind !== "closed") {
            this.refreshAfterWriting(composer, { sent: kind === "sent" });
        }
        if (kind === "scheduled" && composer) {
            this.state.scheduledVersion++;
            const accountId = composer.accountId;
            notifyScheduled(this, accountId, result, (draft) => this.reopenDraft(accountId, draft));
        }
    }

    /** The "Scheduled" view in the reading pane (again: closed). */
    async openScheduled() {
        if (this.state.scheduledOpen) {
            this.state.scheduledOpen = false;
        } else if (await this.leaveComposer()) {
            this.model.closeMessage();
            this.state.showFolders = false;
            this.state.scheduledOpen = true;
        }
    }

    /** Scheduled mail changed: Drafts (where it waits) changed too. */
    refreshDrafts() {
        const model = this.model;
        model.loadFolders({ quiet: true });
        if (isOutgoingFolder(model.currentFolder)) {
            model.reloadList({ keep: true, withState: true, quiet: true });
        }
    }

    /** A mail taken back from the server ("Undo", "Cancel sending") opens again. */
    async reopenDraft(accountId, draft) {
        this.state.scheduledVersion++;
        this.state.scheduledOpen = false;
        if (draft) {
            await this.openComposer("draft", { ref: draft, accountId });
        }
    }

    onDraftSaved() {
        const composer = this.state.composer;
        if (composer) {
            this.refreshAfterWriting(composer);
        }
    }

    /**
     * The folder counts again, and the list if it shows what changed: the Sent or Drafts
     * folder, or the folder of the message just answered (its Answered mark).
     */
    refreshAfterWriting(composer, { sent = false } = {}) {
        const model = this.model;
        if (composer.accountId !== model.accountId) {
            return;
        }
        model.loadFolders({ quiet: true });
        const answered =
            sent && composer.ref && composer.mode !== "draft" && composer.ref.folder === model.folder;
        if (isOutgoingFolder(model.currentFolder) || answered) {
            model.reloadList({ keep: true, withState: true, quiet: true });
        }
    }

    /**
     * Deletes at once where it can be undone (to Trash, with "Undo" in a toast), asks first
     * where it cannot. With `all` ("select all N" is on), every matching message of the
     * folder, in batches.
     */
    deleteMessages(uids, { all = false } = {}) {
        const model = this.model;
        if (!uids.length) {
            return;
        }
        const everything = all && model.selectsAllMatching;
        const count = everything ? model.selectedCount : uids.length;
        const run = () => (everything ? model.bulkChange("delete") : model.deleteMessages(uids));
        if (!model.deleteIsPermanent) {
            run();
            return;
        }
        this.dialog.add(ConfirmationDialog, {
            title: _t("Delete for good"),
            body:
                count === 1
                    ? _t("This message will be deleted on the mail server. This cannot be undone.")
                    : _t(
                          "%(count)s messages will be deleted on the mail server. This cannot be undone.",
                          { count: formatInteger(count) }
                      ),
            confirmLabel: _t("Delete"),
            confirmClass: "btn-danger",
            // All of them go on in the list's progress bar: the dialog closes at once.
            confirm: () => (everything ? void run() : run()),
            cancel: () => {},
        });
    }

    // -- keyboard ---------------------------------------------------------------------------

    /**
     * Up/Down or j/k move in the list (Shift+Up/Down checks along), Home/End go to the
     * ends, Enter opens, Space checks, Delete deletes, r toggles read, s or f toggles the
     * flag, Esc clears the selection or closes the message; in a group mailbox t takes the
     * mail, a assigns it to a colleague, w sets it waiting and e done; "?" lists them all
     * (shortcuts_dialog.js: a key added here is added there too).
     *
     * Through Odoo's hotkey service, which leaves text fields alone and stops at dialogs
     * (a hotkey belongs to the UI layer it was registered in). A key is only taken where
     * it means nothing else: not in the menus, the composer or a viewer, not on a button
     * for Enter, not in the folder tree for the arrows. A key that is not taken keeps its
     * browser meaning.
     */
    setupHotkeys() {
        const model = this.model;
        const inList = (target) => !closest(target, ".o_dynaoffice_mail_reading_scroll");
        const notInFolders = (target) => !closest(target, ".o_dynaoffice_mail_folders_pane");
        const onMessage = () => model.cursor !== null;
        const key = (hotkey, callback, { when = () => true, allowRepeat = false } = {}) =>
            useHotkey(hotkey, ({ target }) => callback(target), {
                allowRepeat,
                isAvailable: () => {
                    const target = document.activeElement || document.body;
                    return this.keyboardInClient(target) && when(target);
                },
            });
        const arrows = (target) => inList(target) && notInFolders(target);
        const repeat = { allowRepeat: true };
        key("arrowdown", () => this.moveCursor(1, false), { ...repeat, when: arrows });
        key("arrowup", () => this.moveCursor(-1, false), { ...repeat, when: arrows });
        key("shift+arrowdown", () => this.moveCursor(1, true), { ...repeat, when: arrows });
        key("shift+arrowup", () => this.moveCursor(-1, true), { ...repeat, when: arrows });
        key("j", () => this.moveCursor(1, false), repeat);
        key("k", () => this.moveCursor(-1, false), repeat);
        key("home", () => this.moveCursor(-Infinity, false), { when: inList });
        key("end", () => this.moveCursor(Infinity, false), { when: inList });
        key("enter", () => this.openAtCursor(), {
            when: (target) =>
                onMessage() &&
                notInFolders(target) &&
                !closest(target, "button, a, [role='separator']"),
        });
        // A check box toggles itself.
        key("space", () => this.toggleAtCursor(), {
            when: (target) =>
                onMessage() &&
                !target.matches("input") &&
                Boolean(closest(target, ".o_dynaoffice_mail_row")),
        });
        for (const hotkey of ["delete", "backspace"]) {
            key(hotkey, (target) =>
                this.deleteMessages(this.keyboardTargets(target), {
                    all: model.selection.size > 0,
                })
            );
        }
        key("r", (target) => model.toggleFlag(this.keyboardTargets(target), "seen"));
        // The team inbox of a group mailbox (#17): take, assign, waiting, done.
        const team = { when: () => model.isGroupAccount };
        key("t", (target) => model.teamChange("take", null, this.keyboardTargets(target)), team);
        key(
            "a",
            (target) => openTeamAssignDialog(this.dialog, model, this.keyboardTargets(target)),
            team
        );
        key(
            "w",
            (target) => model.teamChange("status", "waiting", this.keyboardTargets(target)),
            team
        );
        key(
            "e",
            (target) => model.teamChange("status", "done", this.keyboardTargets(target)),
            team
        );
        for (const hotkey of ["s", "f"]) {
            key(hotkey, (target) => model.toggleFlag(this.keyboardTargets(target), "flagged"));
        }
        key(
            "escape",
            () => (model.selection.size ? model.clearSelection() : this.closeMessage()),
            { when: () => Boolean(model.selection.size || model.message) }
        );
        useExternalListener(window, "keydown", (ev) => this.onKeydown(ev));
    }

    /**
     * The keyboard belongs to the client as soon as it opens: the menu link that opened it
     * keeps the focus otherwise, and the keys would not reach the client until a click.
     * What has the focus in a field, a menu or a dialog keeps it.
     */
    takeKeyboard() {
        const focused = document.activeElement;
        const root = this.rootRef.el;
        if (
            focused &&
            focused !== document.body &&
            root &&
            !root.contains(focused) &&
            !closest(focused, EDITABLE) &&
            this.uiService.activeElement === document
        ) {
            focused.blur();
        }
    }

    /** "?" (a key the hotkey service does not take): the list of shortcuts. */
    onKeydown(ev) {
        if (
            ev.key !== "?" ||
            ev.ctrlKey ||
            ev.altKey ||
            ev.metaKey ||
            ev.repeat ||
            ev.defaultPrevented ||
            this.uiService.activeElement !== document ||
            !this.keyboardInClient(document.activeElement || document.body)
        ) {
            return;
        }
        ev.preventDefault();
        this.showShortcuts();
    }

    showShortcuts() {
        this.dialog.add(ShortcutsDialog, {});
    }

    /** The key was pressed in the client (or nowhere in particular), not in a text field. */
    keyboardInClient(target) {
        const root = this.rootRef.el;
        return Boolean(
            root &&
                (target === document.body || root.contains(target)) &&
                !closest(target, EDITABLE)
        );
    }

    /**
     * What a key acts on: the checked messages, else the open one, else the row the
     * keyboard is on, but only when that row has the focus (a stray key on the page must
     * not delete the first message of the list).
     */
    keyboardTargets(target) {
        const model = this.model;
        if (model.selection.size || model.messageUid !== null) {
            return model.targetUids();
        }
        const row = closest(target, ".o_dynaoffice_mail_row");
        return row ? model.cursorUids() : [];
    }

    /** Enter: the message at the cursor, or its conversation when the list shows them. */
    openAtCursor() {
        const conversation = this.model.cursorConversation;
        return conversation
            ? this.openConversation(conversation)
            : this.openMessage(this.model.cursor);
    }

    /** Space: checks or unchecks the message at the cursor, or its whole conversation. */
    toggleAtCursor() {
        const model = this.model;
        const conversation = model.cursorConversation;
        if (conversation) {
            toggleConversationSelected(model, conversation);
        } else {
            model.toggleSelected(model.cursor);
        }
    }

    moveCursor(step, extend) {
        const model = this.model;
        const before = model.cursorUids();
        const stops = model.cursorStops().length;
        const key = model.moveCursor(Number.isFinite(step) ? step : Math.sign(step) * stops);
        if (extend && key !== null) {
            for (const uid of [...before, ...model.cursorUids()]) {
                model.selection.add(uid);
            }
            model.anchor = model.cursorConversation ? null : key;
        }
        // Keep the keyboard in the list, where the cursor is.
        const row = this.rootRef.el?.querySelector(
            `.o_dynaoffice_mail_row[data-uid="${key}"], .o_dynaoffice_mail_row[data-key="${key}"]`
        );
        row?.focus({ preventScroll: true });
    }
}

// The client's own history entries carry this mark and the router's `skipRouteChange`: the
// router does not load them, the client follows them (or, when it is not shown, has the web
// client load them as the router would).
const HISTORY_MARK = "dynaofficeMail";
let liveClient = null;

browser.addEventListener("popstate", (ev) => {
    if (!ev.state?.[HISTORY_MARK] || liveClient?.followHistory(ev.state.nextState)) {
        return;
    }
    routerBus.trigger("ROUTE_CHANGE");
});

/** Both router states show the same actions, the last one perhaps at another place. */
function isSameActionStack(a, b) {
    const stackA = a?.actionStack || [];
    const stackB = b?.actionStack || [];
    const keys = ["action", "model", "resId", "active_id"];
    return (
        stackA.length > 0 &&
        stackA.length === stackB.length &&
        stackA.every((entry, index) => keys.every((key) => entry[key] === stackB[index][key]))
    );
}

function closest(target, selector) {
    return target?.closest?.(selector) || null;
}

registry.category("actions").add("dynaoffice_mail.client", MailClient);
