import { markRaw } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { Mutex } from "@web/core/utils/concurrency";
import { checkFileSize } from "@web/core/utils/files";
import { Reactive } from "@web/core/utils/reactive";
import { isValidRecipient, recipientKey } from "./mail_addresses";
import { errorMessage } from "./mail_rpc";

const { DateTime } = luxon;

export const AUTOSAVE_INTERVAL = 60000;
export const RECIPIENT_FIELDS = ["to", "cc", "bcc"];

let nextKey = 1;

/**
 * One message being written: its values as the server's `client_compose` made them, what
 * the user changed, the files on their way up, and the conversation with the server
 * (save as draft, send, discard).
 *
 * The server keeps nothing but the draft in the account's Drafts folder and the uploaded
 * files; `values.draft` names the draft saved last, which the next save replaces.
 *
 * Saves, sends and discards run one after the other (an autosave in flight finishes before
 * Send goes), so the server never sees two versions of the draft at once.
 */
export class ComposerModel extends Reactive {
    /**
     * @param {Object} services rpc (the "dynaoffice_mail.rpc" service), notification
     * @param {Object} params accountId; mode ("new", "reply", "reply_all", "forward",
     *      "forward_attachment", "draft"); ref ({folder, uidvalidity, uid} of the message
     *      answered, forwarded or the draft); to (recipients to start with)
     */
    constructor(services, { accountId, mode = "new", ref = null, to = [] }) {
        super();
        this.services = markRaw({ ...services });
        this.key = nextKey++;
        this.accountId = accountId;
        // The account `values.from_display` was made for.
        this.loadedAccountId = accountId;
        this.mode = mode;
        this.ref = ref;
        this.initialTo = to;
        this.values = null;
        this.loading = true;
        this.loadError = "";
        // Counters rather than a flag: a change made while a save is on its way keeps the
        // composer dirty once that save comes back.
        this.changes = 0;
        this.savedChanges = 0;
        this.saving = false;
        this.sending = false;
        this.discarding = false;
        this.savedAt = null;
        this.saveError = "";
        this.sendError = "";
        // The last send broke off after the server had the mail: it may have gone out.
        this.uncertain = false;
        this.uploads = [];
        this.showCc = false;
        this.showBcc = false;
        this.closed = false;
        // The saved draft and the answered original belong to the account they were made
        // in; after From changed they are not the new account's to replace or flag.
        this.draftAccountId = null;
        this.originalAccountId = null;
        this.staleDrafts = [];
        this.raw = markRaw({ mutex: new Mutex(), body: null, requests: new Map(), autosave: null });
    }

    // -- derived state ----------------------------------------------------------------------

    get dirty() {
        return this.changes !== this.savedChanges;
    }

    get busy() {
        return this.saving || this.sending || this.discarding;
    }

    get uploading() {
        return this.uploads.some((upload) => !upload.error);
    }

    get recipientCount() {
        const values = this.values;
        return values ? RECIPIENT_FIELDS.reduce((sum, key) => sum + values[key].length, 0) : 0;
    }

    get invalidRecipients() {
        const values = this.values;
        if (!values) {
            return [];
        }
        return RECIPIENT_FIELDS.flatMap((key) => values[key]).filter(
            (entry) => !isValidRecipient(entry)
        );
    }

    /** Something of the user's would be lost without a draft: a warning before discarding. */
    get hasUnsavedContent() {
        return this.dirty || this.uploading;
    }

    // -- loading ----------------------------------------------------------------------------

    async load() {
        const { folder = false, uidvalidity = false, uid = false } = this.ref || {};
        try {
            const values = await this._call("client_compose", [
                [this.accountId],
                this.mode,
                folder,
                uidvalidity,
                uid,
            ]);
            if (this.initialTo.length) {
                const taken = new Set(values.to.map(recipientKey));
                values.to = [
                    ...values.to,
                    ...this.initialTo.filter((entry) => !taken.has(recipientKey(entry))),
                ];
            }
            this.values = values;
            this.draftAccountId = values.draft ? this.accountId : null;
            this.originalAccountId = values.original ? this.accountId : null;
            this.showCc = values.cc.length > 0;
            this.showBcc = values.bcc.length > 0;
            // What could not be carried over (files too large to forward, for instance).
            for (const note of values.notes || []) {
                this.services.notification.add(note, { title: _t("Mail"), type: "warning" });
            }
        } catch (error) {
            this.loadError = errorMessage(error);
            this.notifyError(error);
        } finally {
            this.loading = false;
        }
    }

    /** How the composer reads the editor: `async ({inline}) => html`. */
    setBodyReader(reader) {
        this.raw.body = reader;
    }

    // -- changes ----------------------------------------------------------------------------

    markDirty() {
        this.changes++;
        this.saveError = "";
    }

    update(field, value) {
        this.values[field] = value;
        this.markDirty();
    }

    /**
     * Another sender: the calls go to that account from now on. Its Drafts folder gets the
     * next save; the draft saved in the old account is deleted once that save succeeds.
     */
    setAccount(accountId) {
        if (accountId === this.accountId || !this.values) {
            return;
        }
        if (this.values.draft && this.draftAccountId === this.accountId) {
            this.staleDrafts.push({ accountId: this.accountId, draft: this.values.draft });
        }
        this.values.draft = null;
        this.draftAccountId = null;
        this.accountId = accountId;
        this.values.account_id = accountId;
        this.markDirty();
    }

    // -- attachments ------------------------------------------------------------------------

    /**
     * Uploads each file on its own request (its own progress bar, its own error); the
     * server's answer joins `values.attachments`.
     */
    upload(files) {
        for (const file of files) {
            this._uploadFile(file);
        }
    }

    _uploadFile(file) {
        // Larger than the server takes (web.max_file_upload_size): said at once, as Odoo's
        // own uploads say it, not after the whole file went up to be refused.
        if (!checkFileSize(file.size, this.services.notification)) {
            return;
        }
        this.uploads.push({ key: nextKey++, name: file.name, size: file.size, loaded: 0, error: "" });
        const upload = this.uploads[this.uploads.length - 1];
        const accountId = this.accountId;
        const xhr = new XMLHttpRequest();
        this.raw.requests.set(upload.key, xhr);
        const data = new FormData();
        data.append("ufile", file, file.name);
        data.append("csrf_token", odoo.csrf_token);
        xhr.open("POST", `/dynaoffice_mail/upload/${accountId}`);
        xhr.responseType = "text";
        xhr.upload.onprogress = (ev) => {
            if (ev.lengthComputable) {
                upload.loaded = ev.loaded;
                upload.size = ev.total;
            }
        };
        const fail = (reason) => {
            this.raw.requests.delete(upload.key);
            upload.error = reason;
            this.services.notification.add(
                _t("“%(name)s” could not be attached: %(reason)s", { name: file.name, reason }),
                { title: _t("Mail"), type: "danger" }
            );
        };
        xhr.onload = () => {
            if (xhr.status !== 200) {
                fail(uploadError(xhr));
                return;
            }
            let attachments;
            try {
                attachments = JSON.parse(xhr.responseText);
            } catch {
                fail(_t("the server's answer could not be read"));
                return;
            }
            if (!Array.isArray(attachments)) {
                fail(uploadError(xhr));
                return;
            }
            this.raw.requests.delete(upload.key);
            this._forgetUpload(upload.key);
            if (this.closed) {
                return;
            }
            this.values.attachments.push(...attachments);
            this.markDirty();
        };
        xhr.onerror = () => fail(_t("the connection was lost"));
        xhr.send(data);
    }

    /** An upload in progress is cancelled, a failed one forgotten. */
    cancelUpload(key) {
        this.raw.requests.get(key)?.abort();
        this.raw.requests.delete(key);
        this._forgetUpload(key);
    }

    _forgetUpload(key) {
        const index = this.uploads.findIndex((upload) => upload.key === key);
        if (index !== -1) {
            this.uploads.splice(index, 1);
        }
    }

    removeAttachment(id) {
        this.values.attachments = this.values.attachments.filter((each) => each.id !== id);
        this.markDirty();
    }

    // -- the server -------------------------------------------------------------------------

    /** What the server gets: the values with the editor's HTML and this account's refs. */
    async payload({ inline = false } = {}) {
        const values = this.values;
        const body = this.raw.body ? await this.raw.body({ inline }) : values.body_html;
        return {
            ...values,
            account_id: this.accountId,
            body_html: body,
            draft: this.draftAccountId === this.accountId ? values.draft : null,
            original: this.originalAccountId === this.accountId ? values.original : null,
        };
    }

    /**
     * Every AUTOSAVE_INTERVAL, unsaved changes are saved as a draft; `onSaved` after each
     * save that happened. Until `stopAutosave()`.
     */
    startAutosave(onSaved = () => {}) {
        this.stopAutosave();
        this.raw.autosave = browser.setInterval(async () => {
            if (await this.autosave()) {
                onSaved();
            }
        }, AUTOSAVE_INTERVAL);
    }

    stopAutosave() {
        if (this.raw.autosave !== null) {
            browser.clearInterval(this.raw.autosave);
            this.raw.autosave = null;
        }
    }

    /**
     * One autosave: only when something changed since the last save and nothing else
     * (a save, a send) is on its way.
     * @returns {Promise<boolean>} whether a draft was saved
     */
    async autosave() {
        if (!this.values || !this.dirty || this.busy || this.closed) {
            return false;
        }
        return this.saveDraft({ quiet: true });
    }

    /** Resolved once no save, send or discard is on its way. */
    whenIdle() {
        return this.raw.mutex.getUnlockedDef();
    }

    /**
     * Saves as draft, replacing the one saved before. `quiet` (the autosave) shows no
     * loading indicator and a failure only in the composer's status line.
     * @returns {Promise<boolean>} whether it is saved
     */
    saveDraft({ quiet = false } = {}) {
        return this.raw.mutex.exec(() => this._save(quiet));
    }

    async _save(quiet) {
        if (this.closed || !this.values) {
            return true;
        }
        const accountId = this.accountId;
        const changes = this.changes;
        this.saving = true;
        try {
            const values = await this.payload();
            const result = await this._call("client_save_draft", [[accountId], values], {
                quiet,
            });
            this.values.draft = result.draft;
            this.draftAccountId = accountId;
            this.savedChanges = changes;
            this.savedAt = DateTime.now();
            this.saveError = "";
            await this._dropStaleDrafts();
            return true;
        } catch (error) {
            this.saveError = errorMessage(error);
            if (!quiet) {
                this.notifyError(error, _t("The draft was not saved"));
            }
            return false;
        } finally {
            this.saving = false;
        }
    }

    /**
     * Sends. The answer is the server's: `{sent: true, problems}` or `{scheduled: true,
     * entry_id, send_after, undo_seconds}` (the server sends it later: at `when`, or after
     * the undo window) (then this composer is done), or `{sent: false, error, draft}` (kept
     * open, the draft is what the server saved). Invalid input raises on the server before
     * anything is sent: that comes back as `{sent: false, error}` too.
     */
    send({ force = false, when = null } = {}) {
        return this.raw.mutex.exec(async () => {
            if (this.closed) {
                return { sent: false, error: "" };
            }
            const accountId = this.accountId;
            const changes = this.changes;
            this.sending = true;
            this.sendError = "";
            try {
                const values = await this.payload({ inline: true });
                // "Send later" at `when`; "Send" waits out the user's undo window on the
                // server (`hold`), "Send again anyway" does not. The browser's time zone
                // places "tomorrow" and "monday" for a user without one in Odoo (the web
                // client shows times in it).
                const result = when
                    ? await this._call("client_send_later", [[accountId], values, when], {
                          kwargs: { tz: DateTime.local().zoneName || false },
                      })
                    : await this._call("client_send", [[accountId], values], {
                          kwargs: { force, hold: !force },
                      });
                this.uncertain = Boolean(result.uncertain);
                if (result.sent || result.scheduled) {
                    this.closed = true;
                    this.savedChanges = this.changes;
                    await this._dropStaleDrafts();
                } else {
                    this.sendError = result.error || "";
                    if (result.draft) {
                        this.values.draft = result.draft;
                        this.draftAccountId = accountId;
                        this.savedChanges = changes;
                        this.savedAt = DateTime.now();
                    }
                }
                return result;
            } catch (error) {
                this.sendError = errorMessage(error);
                return { sent: false, error: this.sendError };
            } finally {
                this.sending = false;
            }
        });
    }

    /**
     * The user says a mail that may have been sent did go out ("Mark as sent"): it is
     * filed in Sent and this composer is done.
     */
    markSent() {
        return this.raw.mutex.exec(async () => {
            const accountId = this.accountId;
            this.sending = true;
            try {
                const values = await this.payload({ inline: true });
                const result = await this._call("client_outbox_mark_sent", [[accountId], values]);
                this.uncertain = false;
                this.sendError = "";
                this.closed = true;
                this.savedChanges = this.changes;
                return result;
            } catch (error) {
                this.sendError = errorMessage(error);
                return { sent: false, error: this.sendError };
            } finally {
                this.sending = false;
            }
        });
    }

    /** Throws the message away: the saved draft and the uploaded files go too. */
    discard() {
        return this.raw.mutex.exec(async () => {
            this.discarding = true;
            for (const key of [...this.raw.requests.keys()]) {
                this.cancelUpload(key);
            }
            try {
                if (this.values) {
                    await this._call("client_discard", [
                        [this.accountId],
                        {
                            ...this.values,
                            account_id: this.accountId,
                            draft: this.draftAccountId === this.accountId ? this.values.draft : null,
                            original: null,
                        },
                    ]);
                    await this._dropStaleDrafts();
                }
                this.closed = true;
                return true;
            } catch (error) {
                this.notifyError(error);
                return false;
            } finally {
                this.discarding = false;
            }
        });
    }

    /**
     * Closing without discarding: unsaved changes are saved as draft first. A message that
     * was never saved leaves no uploaded files behind.
     * @returns {Promise<boolean>} false if the draft could not be saved (stay open)
     */
    async close() {
        if (this.closed) {
            return true;
        }
        if (this.loading || !this.values) {
            this.closed = true;
            return true;
        }
        if (this.dirty || this.uploading) {
            await this._waitForUploads();
            if (!(await this.saveDraft())) {
                return false;
            }
        } else if (!this.values.draft && this.values.attachments.length) {
            await this.discard();
        }
        this.closed = true;
        return true;
    }

    async _waitForUploads() {
        while (this.raw.requests.size) {
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }

    /** Drafts left in an account the user switched away from (From). */
    async _dropStaleDrafts() {
        while (this.staleDrafts.length) {
            const { accountId, draft } = this.staleDrafts[0];
            try {
                await this._call(
                    "client_discard",
                    [[accountId], { ...this.values, attachments: [], draft, original: null }],
                    { quiet: true }
                );
            } catch {
                return; // tried again after the next save
            }
            this.staleDrafts.shift();
        }
    }

    _call(method, args, { quiet = false, kwargs = {} } = {}) {
        const rpc = quiet ? this.services.rpc.silent : this.services.rpc;
        return rpc.call(method, args, kwargs);
    }

    notifyError(error, title = _t("Mail")) {
        this.services.notification.add(errorMessage(error), { title, type: "danger" });
    }
}

function uploadError(xhr) {
    try {
        const answer = JSON.parse(xhr.responseText);
        const message = answer?.error?.data?.message || answer?.error?.message || answer?.error;
        if (typeof message === "string" && message) {
            return message;
        }
    } catch {
        // An HTML error page: its status says enough.
    }
    if (xhr.status === 413) {
        return _t("the file is too large");
    }
    return xhr.statusText || _t("error %(status)s", { status: xhr.status });
}
