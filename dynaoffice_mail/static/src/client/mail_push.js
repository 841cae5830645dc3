import { reactive } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";

/** The bus notification of a folder's watcher (models/dynaoffice_mail_watch.py). */
export const PUSH_NOTIFICATION = "dynaoffice_mail.push";
// While changes are pushed, the folder's STATUS is still asked this seldom: a watcher whose
// process died without a word stays unnoticed until another process takes over.
export const SAFETY_POLL_INTERVAL = 120000;
// Notices that come in a burst (a flag set on 50 messages) reload the list once.
export const PUSH_DEBOUNCE = 150;

/**
 * New mail, flag changes and expunges of the open folder, pushed by the server.
 *
 * While a folder is open and the tab visible, it tells the server so every minute
 * (`client_watch`): a watcher in IMAP IDLE on that folder then publishes on Odoo's bus what
 * changes, and `onChange()` reloads the list. `live` says whether that works now (the
 * watcher is in IDLE and the bus is connected); while it does not, the client's STATUS poll
 * goes on as before (`shouldPoll()`). A notice about another folder of the same account
 * (open in another tab) calls `onOtherFolder()`: its counts in the folder list.
 */
export class MailPush {
    constructor({ bus, rpc, onChange, onOtherFolder = () => {} }) {
        this.bus = bus;
        this.rpc = rpc;
        this.onChange = onChange;
        this.onOtherFolder = onOtherFolder;
        this.accountId = null;
        this.folder = null;
        // Reactive, so that the client can show whether changes are pushed.
        this.state = reactive({ live: false });
        this.heartbeat = 60;
        this.lastPoll = 0;
        this._timer = null;
        this._debounce = null;
        this._onNotice = (payload) => this._notice(payload);
        this._onDisconnect = () => (this.live = false);
        this._onReconnect = () => this.beat();
        this._onVisible = () => {
            if (document.visibilityState !== "hidden") {
                this.beat();
            }
        };
        if (bus) {
            bus.subscribe(PUSH_NOTIFICATION, this._onNotice);
            bus.addEventListener("disconnect", this._onDisconnect);
            bus.addEventListener("reconnect", this._onReconnect);
            bus.start?.();
        }
        document.addEventListener("visibilitychange", this._onVisible);
    }

    get live() {
        return this.state.live;
    }

    set live(value) {
        if (value && !this.state.live) {
            // Changes are pushed from now on: the safety poll's two minutes start here.
            this.lastPoll = Date.now();
        }
        this.state.live = value;
    }

    /** The client shows `folder` of `accountId` now (either may be empty). */
    watch(accountId, folder) {
        if (accountId === this.accountId && folder === this.folder) {
            return;
        }
        this.accountId = accountId;
        this.folder = folder;
        this.live = false;
        this._schedule();
        this.beat();
    }

    /** Whether the STATUS poll should ask now: always unless changes are pushed. */
    shouldPoll() {
        if (this.live && Date.now() - this.lastPoll < SAFETY_POLL_INTERVAL) {
            return false;
        }
        this.lastPoll = Date.now();
        return true;
    }

    /** Tell the server the folder is open; `live` from its answer. */
    async beat() {
        const { accountId, folder } = this;
        if (!accountId || !folder || !this.bus || document.visibilityState === "hidden") {
            return;
        }
        let answer = null;
        try {
            answer = await this.rpc.silent.call("client_watch", [[accountId], folder]);
        } catch {
            // The poll goes on and says what is wrong; the next heartbeat tries again.
        }
        if (accountId !== this.accountId || folder !== this.folder) {
            return;
        }
        this.live = Boolean(answer?.live);
        if (answer?.heartbeat && answer.heartbeat !== this.heartbeat) {
            this.heartbeat = answer.heartbeat;
            this._schedule();
        }
    }

    destroy() {
        browser.clearInterval(this._timer);
        browser.clearTimeout(this._debounce);
        if (this.bus) {
            this.bus.unsubscribe(PUSH_NOTIFICATION, this._onNotice);
            this.bus.removeEventListener("disconnect", this._onDisconnect);
            this.bus.removeEventListener("reconnect", this._onReconnect);
        }
        document.removeEventListener("visibilitychange", this._onVisible);
    }

    _schedule() {
        browser.clearInterval(this._timer);
        this._timer = browser.setInterval(() => this.beat(), this.heartbeat * 1000);
    }

    _notice(payload) {
        if (!payload || payload.account_id !== this.accountId) {
            return;
        }
        if (payload.folder !== this.folder) {
            if (payload.changes?.length) {
                this.onOtherFolder(payload);
            }
            return;
        }
        this.live = Boolean(payload.live);
        if (payload.changes?.length) {
            browser.clearTimeout(this._debounce);
            this._debounce = browser.setTimeout(() => this.onChange(payload), PUSH_DEBOUNCE);
        }
    }
}
