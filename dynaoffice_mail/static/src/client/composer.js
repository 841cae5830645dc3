import { BannerPlugin } from "@html_editor/main/banner_plugin";
import { ColumnPlugin } from "@html_editor/main/column_plugin";
import { FilePlugin } from "@html_editor/main/media/file_plugin";
import { IconPlugin } from "@html_editor/main/media/icon_plugin";
import { ImageCropPlugin } from "@html_editor/main/media/image_crop_plugin";
import { ImagePlugin } from "@html_editor/main/media/image_plugin";
import { MediaPlugin } from "@html_editor/main/media/media_plugin";
import { YoutubePlugin } from "@html_editor/main/youtube_plugin";
import { MAIN_PLUGINS } from "@html_editor/plugin_sets";
import { Wysiwyg } from "@html_editor/wysiwyg";
import { Component, useChildSubEnv, useEffect, useRef, useState } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { localization } from "@web/core/l10n/localization";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { inlineEditorFormatting } from "./mail_body";
import { insertTemplate, TemplateMenu, templateCommands } from "./template_menu";
import { MAIL_ACCOUNT_MODEL, useMailRpc } from "./mail_rpc";
import { formatSize, mimeIcon } from "./mail_format";
import { RecipientInput } from "./recipient_input";
import { ReplyingNotice } from "./replying_notice";
import { SendLaterMenu } from "./send_later_menu";

const { DateTime } = luxon;

/**
 * What mail cannot carry: layouts of Odoo's pages (columns, banners), media that live in
 * Odoo (images from its library, icons, videos, file links). Attachments go in the
 * composer's attachment list. (The image tools go too: without a selection in the text,
 * the fixed toolbar would show them instead of the text tools.)
 */
const LEFT_OUT_PLUGINS = [
    BannerPlugin,
    ColumnPlugin,
    FilePlugin,
    IconPlugin,
    ImageCropPlugin,
    ImagePlugin,
    MediaPlugin,
    YoutubePlugin,
];

/**
 * The composer, in place of the reading pane: From, To/Cc/Bcc, Subject, the body in
 * Odoo's editor and the attachments, with Send (Ctrl+Enter), Save draft and Discard.
 *
 * Unsaved changes are saved as a draft every minute; files dropped anywhere on it are
 * attached. What the composer does with the server lives in ComposerModel; this component
 * only reads the editor and asks the user.
 */
export class Composer extends Component {
    static template = "dynaoffice_mail.Composer";
    static components = { RecipientInput, ReplyingNotice, SendLaterMenu, Wysiwyg };
    static props = {
        composer: Object,
        accounts: Array,
        // "sent", "scheduled" (with the server's answer), "discarded" or "closed": the
        // composer is done and can go.
        onDone: Function,
        // A draft was saved (the Drafts folder changed).
        onSaved: Function,
        // The team of a group mailbox (MailTeam): the others hear that the user replies.
        team: { type: Object, optional: true },
    };

    setup() {
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.rpc = useMailRpc();
        this.rootRef = useRef("root");
        this.fileInputRef = useRef("fileInput");
        this.subjectRef = useRef("subject");
        this.state = useState({ dropping: false });
        this.dragDepth = 0;
        this.editor = null;
        this.editorConfig = null;
        // Recipient fields register how to turn what is typed in them into addresses.
        this.flushers = new Set();
        useChildSubEnv({ dynaofficeMailFlushers: this.flushers });
        useEffect(
            (composer) => {
                // What is being typed in a recipient field stays there: only finished
                // addresses are saved.
                composer.startAutosave(() => this.props.onSaved());
                return () => composer.stopAutosave();
            },
            () => [this.composer]
        );
        useEffect(
            (team, accountId, inReplyTo, isTeam) => {
                if (team && inReplyTo && isTeam) {
                    // Closed, sent or discarded: the effect's cleanup says so.
                    const draft = () => this.values?.draft || null;
                    return team.startReplying(accountId, inReplyTo, draft);
                }
            },
            () => [
                this.props.team,
                this.composer.accountId,
                this.values?.in_reply_to,
                this.isTeamAccount,
            ]
        );
    }

    /** Writing from a group mailbox: the team sees who is replying to what. */
    get isTeamAccount() {
        const account = this.props.accounts.find((each) => each.id === this.composer.accountId);
        return account?.account_type === "group";
    }

    get composer() {
        return this.props.composer;
    }

    get values() {
        return this.composer.values;
    }

    get title() {
        if (this.values?.subject) {
            return this.values.subject;
        }
        const titles = {
            reply: _t("Reply"),
            reply_all: _t("Reply all"),
            forward: _t("Forward"),
            forward_attachment: _t("Forward"),
            draft: _t("Draft"),
        };
        return titles[this.composer.mode] || _t("New message");
    }

    get statusLabel() {
        const composer = this.composer;
        if (composer.sending) {
            return _t("Sending…");
        }
        if (composer.saving) {
            return _t("Saving draft…");
        }
        if (composer.saveError) {
            return _t("Draft not saved");
        }
        if (composer.savedAt) {
            return _t("Draft saved at %(time)s", {
                time: composer.savedAt.toLocaleString(DateTime.TIME_SIMPLE),
            });
        }
        return "";
    }

    // -- From -------------------------------------------------------------------------------

    accountLabel(account) {
        if (account.id === this.composer.loadedAccountId && this.values?.from_display) {
            return this.values.from_display;
        }
        return account.name && account.name !== account.email
            ? `${account.name} <${account.email}>`
            : account.email;
    }

    get fromLabel() {
        return this.values.from_display || this.accountLabel(this.currentAccount || {});
    }

    get currentAccount() {
        return this.props.accounts.find((account) => account.id === this.composer.accountId);
    }

    onFromChange(ev) {
        this.composer.setAccount(Number(ev.target.value));
    }

    // -- recipients and subject -------------------------------------------------------------

    suggest(term) {
        return this.rpc.silent.call("client_suggest_recipients", [term]);
    }

    setRecipients(field, recipients) {
        this.composer.update(field, recipients);
    }

    showField(field) {
        if (field === "cc") {
            this.composer.showCc = true;
        } else {
            this.composer.showBcc = true;
        }
    }

    onSubjectInput(ev) {
        this.composer.update("subject", ev.target.value);
    }

    /** Typed but not yet turned into a chip: it counts when saving and sending. */
    flush() {
        for (const flush of this.flushers) {
            flush();
        }
    }

    // -- the editor -------------------------------------------------------------------------

    get wysiwygConfig() {
        if (!this.editorConfig) {
            const composer = this.composer;
            this.editorConfig = {
                content: composer.values.body_html || "<p><br></p>",
                Plugins: MAIN_PLUGINS.filter((plugin) => !LEFT_OUT_PLUGINS.includes(plugin)),
                baseContainer: "P",
                onChange: () => composer.markDirty(),
                onEditorReady: () => this.onEditorReady(),
                dropImageAsAttachment: false,
                disableImage: true,
                disableVideo: true,
                disableFile: true,
                direction: localization.direction || "ltr",
                getRecordInfo: () => ({ resModel: MAIL_ACCOUNT_MODEL, resId: composer.accountId }),
                resources: templateCommands(() => this.openTemplates()),
            };
        }
        return this.editorConfig;
    }

    /** Reply templates (template_menu.js): from the toolbar or the editor's "/" command. */
    openTemplates() {
        const composer = this.composer;
        this.dialog.add(TemplateMenu, {
            accountId: composer.accountId,
            recipients: [...composer.values.to],
            onInsert: ({ subject, body }) => {
                if (subject && !composer.values.subject) {
                    composer.values.subject = subject;
                }
                insertTemplate(this.editor, body);
                composer.markDirty();
            },
        });
    }

    onEditorLoad(editor) {
        this.editor = editor;
        this.composer.setBodyReader((options) => this.readBody(options));
    }

    /** Addressed already (a reply, a draft): the cursor waits at the top of the text. */
    onEditorReady() {
        const editor = this.editor;
        const first = editor?.editable?.firstElementChild;
        if (first && this.values.to.length) {
            editor.shared.selection.setCursorStart(first);
        }
    }

    /** The body as HTML; `inline` (for sending) writes class-made formatting into styles. */
    async readBody({ inline = false } = {}) {
        const editor = this.editor;
        if (!editor || editor.isDestroyed || !editor.editable) {
            return this.values.body_html;
        }
        const root = editor.getElContent();
        if (!inline) {
            return root.innerHTML;
        }
        // Beside the editable, the editor's style sheets apply to the copy as to the original.
        root.style.setProperty("position", "absolute");
        root.style.setProperty("visibility", "hidden");
        editor.editable.after(root);
        try {
            inlineEditorFormatting(root);
        } finally {
            root.remove();
        }
        return root.innerHTML;
    }

    // -- attachments ------------------------------------------------------------------------

    sizeOf(attachment) {
        return formatSize(attachment.size);
    }

    iconOf(attachment) {
        return mimeIcon(attachment.mimetype);
    }

    progressOf(upload) {
        return upload.size ? Math.min(100, Math.round((upload.loaded / upload.size) * 100)) : 0;
    }

    chooseFiles() {
        this.fileInputRef.el?.click();
    }

    onFilesChosen(ev) {
        const files = [...ev.target.files];
        ev.target.value = "";
        if (files.length) {
            this.composer.upload(files);
        }
    }

    hasFiles(ev) {
        return Boolean(ev.dataTransfer && [...ev.dataTransfer.types].includes("Files"));
    }

    onDragEnter(ev) {
        if (this.hasFiles(ev)) {
            this.dragDepth++;
            this.state.dropping = true;
        }
    }

    onDragOver(ev) {
        if (this.hasFiles(ev)) {
            ev.preventDefault();
            ev.dataTransfer.dropEffect = "copy";
        }
    }

    onDragLeave(ev) {
        if (this.hasFiles(ev)) {
            this.dragDepth = Math.max(0, this.dragDepth - 1);
            if (!this.dragDepth) {
                this.state.dropping = false;
            }
        }
    }

    /** Files dropped anywhere, the body included, become attachments. */
    onDrop(ev) {
        if (!this.hasFiles(ev)) {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
        this.dragDepth = 0;
        this.state.dropping = false;
        const files = [...ev.dataTransfer.files];
        if (files.length && this.values && !this.composer.closed) {
            this.composer.upload(files);
        }
    }

    // -- keyboard ---------------------------------------------------------------------------

    onKeydown(ev) {
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey) {
            ev.preventDefault();
            ev.stopPropagation();
            this.send();
        }
    }

    // -- saving, sending, discarding --------------------------------------------------------

    async saveDraft() {
        const composer = this.composer;
        if (!composer.values || composer.busy) {
            return;
        }
        this.flush();
        if (await composer.saveDraft()) {
            this.notification.add(_t("Draft saved."), { type: "success" });
            this.props.onSaved();
        }
    }

    async send() {
        if (!this.readyToSend()) {
            return;
        }
        if (!this.composer.values.subject.trim()) {
            this.dialog.add(ConfirmationDialog, {
                title: _t("No subject"),
                body: _t("This message has no subject. Send it anyway?"),
                confirmLabel: _t("Send"),
                confirm: () => this.doSend(),
                cancel: () => this.subjectRef.el?.focus(),
            });
            return;
        }
        await this.doSend();
    }

    /** "Send later": `when` is "tomorrow", "monday" or a moment (send_later_menu.js). */
    async sendLater(when) {
        if (!this.readyToSend()) {
            return false;
        }
        return this.doSend({ when });
    }

    /** Whether the mail can go as it is; if not, the user is told why. */
    readyToSend() {
        const composer = this.composer;
        if (!composer.values || composer.busy || composer.closed) {
            return false;
        }
        this.flush();
        const warn = (message) =>
            this.notification.add(message, { title: _t("Not sent yet"), type: "warning" });
        if (!composer.recipientCount) {
            warn(_t("Add at least one recipient."));
            this.rootRef.el?.querySelector(".o_dynaoffice_mail_recipients[data-field='to'] input")?.focus();
            return false;
        }
        const invalid = composer.invalidRecipients;
        if (invalid.length) {
            warn(
                _t("Correct the addresses marked in red: %(addresses)s", {
                    addresses: invalid.join(", "),
                })
            );
            return false;
        }
        if (composer.uploading) {
            warn(_t("Wait until the files are uploaded."));
            return false;
        }
        return true;
    }

    /** "Send again anyway": the mail that may have gone out, once more, same Message-ID. */
    async sendAgain() {
        this.flush();
        await this.doSend({ force: true });
    }

    /** "Mark as sent": the mail that may have gone out did; it is filed in Sent. */
    async markSent() {
        this.flush();
        const result = await this.composer.markSent();
        if (result.sent) {
            this.notification.add(_t("Marked as sent and filed in Sent."), { type: "success" });
            this.props.onDone("sent");
        }
    }

    async doSend({ force = false, when = null } = {}) {
        const result = await this.composer.send({ force, when });
        if (result.scheduled) {
            // The mail client tells when it goes and offers "Undo" (scheduled_mail.js).
            this.props.onDone("scheduled", result);
            return true;
        }
        if (result.sent) {
            this.notification.add(
                result.already ? _t("This message had been sent already.") : _t("Message sent"),
                { type: "success" }
            );
            for (const problem of result.problems || []) {
                this.notification.add(problem, {
                    title: _t("The message was sent, but"),
                    type: "warning",
                    sticky: true,
                });
            }
            this.props.onDone("sent");
            return;
        }
        if (result.error) {
            this.notification.add(result.error, {
                title: result.uncertain
                    ? _t("The message may have been sent")
                    : _t("The message was not sent"),
                type: result.uncertain ? "warning" : "danger",
            });
        }
        if (result.draft) {
            this.props.onSaved();
        }
        return false;
    }

    discard() {
        const composer = this.composer;
        if (composer.busy) {
            return;
        }
        const hasDraft = Boolean(composer.values?.draft) || composer.staleDrafts.length > 0;
        const done = async () => {
            if (await composer.discard()) {
                this.props.onDone("discarded");
            }
        };
        if (!composer.hasUnsavedContent && !hasDraft) {
            return done();
        }
        this.dialog.add(ConfirmationDialog, {
            title: _t("Discard message"),
            body: hasDraft
                ? _t("Discard this message? Its draft will be deleted.")
                : _t("Discard this message? What you wrote will be lost."),
            confirmLabel: _t("Discard"),
            confirmClass: "btn-danger",
            confirm: done,
            cancel: () => {},
        });
    }

    /** Closes, keeping what was written as a draft. */
    async close() {
        const composer = this.composer;
        this.flush();
        const dirty = composer.dirty;
        if (await composer.close()) {
            this.props.onDone(dirty ? "saved" : "closed");
        }
    }
}
