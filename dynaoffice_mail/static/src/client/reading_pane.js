import { Component, onWillUnmount, useRef, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { useFileViewer } from "@web/core/file_viewer/file_viewer_hook";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { AssignButtons, openFileDialog } from "./assign_buttons";
import { AssignedTo } from "./assigned_to";
import { TeamButtons } from "./team_buttons";
import { InvitationCard } from "./invitation_card";
import {
    addressesFull,
    formatFullDate,
    formatSize,
    mimeIcon,
    parseMailDate,
    splitLinks,
} from "./mail_format";
import { FollowUpMenu } from "./follow_up_menu";
import { MoveToMenu } from "./move_to_menu";
import { SnoozeMenu } from "./snooze_menu";
import { ReplyingNotice } from "./replying_notice";
import { TeamNotes } from "./team_notes";
import { errorMessage } from "./mail_rpc";

export const TRUSTED_SENDER_MODEL = "dynaoffice.mail.trusted.sender";

/** Scripts never run in a message, not even with "Show remote content". */
export const BODY_SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox";

/**
 * The reading pane: the open message's headers, its body in a sandboxed frame (or as plain
 * text), its attachments, and what can be done with it: the frequent actions as buttons on
 * one row, the others in "More".
 *
 * A mail attached to it (forwarded as attachment, an .eml) opens in the pane like a message,
 * over the open one, with "Back" to it; several levels deep, one "Back" each.
 */
export class ReadingPane extends Component {
    static template = "dynaoffice_mail.ReadingPane";
    static components = {
        AssignButtons,
        AssignedTo,
        TeamButtons,
        Dropdown,
        DropdownItem,
        FollowUpMenu,
        InvitationCard,
        MoveToMenu,
        SnoozeMenu,
        ReplyingNotice,
        TeamNotes,
    };
    static props = {
        model: Object,
        onDelete: Function,
        // Reply, reply all, forward: the mode of the composer to open on this message.
        onCompose: Function,
        // Closing the message is a step in the browser's history (the client's address).
        onClose: Function,
    };

    setup() {
        this.frameRef = useRef("frame");
        this.fileViewer = useFileViewer();
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.orm = useService("orm");
        // The attached mails opened over the open message: [{ message, remoteAllowed }].
        this.attached = useState({ outer: null, stack: [], opening: false });
        this.resizeObserver = null;
        onWillUnmount(() => this.resizeObserver?.disconnect());
    }

    get model() {
        return this.props.model;
    }

    /** The attached mail shown over the open message, if one is (and still over it). */
    get top() {
        const { outer, stack } = this.attached;
        if (!stack.length || !this.model.message || outer !== this.outerKey) {
            return null;
        }
        return stack[stack.length - 1];
    }

    get outerKey() {
        const message = this.model.message;
        return message ? `${message.ref?.folder}/${message.uidvalidity}/${message.uid}` : null;
    }

    /** The message the pane shows: the open one, or the mail attached to it opened over it. */
    get message() {
        return this.top?.message || this.model.message;
    }

    /** A group mailbox's message (not one attached to it): the team's notes and replies. */
    get isTeamMessage() {
        return !this.top && this.model.isGroupAccount;
    }

    get remoteAllowed() {
        return this.top ? this.top.remoteAllowed : this.model.remoteAllowed;
    }

    get bodyUrl() {
        return this.withRemote(this.message?.body_url);
    }

    /**
     * The print view in a tab of its own, where the user prints with the browser: the page
     * runs no script, so it cannot print itself, and a hidden frame calling its print()
     * would need the page's sandbox to allow modals. Remote images as the pane shows them.
     */
    get printUrl() {
        return this.withRemote(this.message?.print_url);
    }

    withRemote(url) {
        if (!url) {
            return null;
        }
        if (!this.remoteAllowed) {
            return url;
        }
        return url + (url.includes("?") ? "&" : "?") + "remote=1";
    }

    get showRemoteBar() {
        return Boolean(
            this.message?.has_remote_content &&
                this.bodyUrl &&
                !this.remoteAllowed &&
                !this.message.remote_trusted
        );
    }

    get trustLabel() {
        return _t("Always for %(address)s", { address: this.message.sender_address });
    }

    get date() {
        // Without a Date header, when the server received it.
        const row = this.top ? null : this.model.messageByUid(this.message.uid);
        return formatFullDate(
            parseMailDate(this.message.date) || parseMailDate(row?.internal_date)
        );
    }

    get subject() {
        return this.message.subject || _t("(no subject)");
    }

    get textPieces() {
        return splitLinks(this.message.text || "");
    }

    get attachments() {
        // Inline parts of an HTML body show in the body; all others are listed.
        return (this.message.attachments || []).filter(
            (attachment) => !attachment.inline || !this.message.body_url
        );
    }

    get seenTitle() {
        return this.message.seen ? _t("Mark as unread (r)") : _t("Mark as read (r)");
    }

    get printTitle() {
        return _t("Print (opens the message in a tab of its own)");
    }

    get flagTitle() {
        return this.message.flagged ? _t("Remove flag (s)") : _t("Flag (s)");
    }

    get selectionLabel() {
        const count = this.model.selection.size;
        return count === 1
            ? _t("1 message selected")
            : _t("%(count)s messages selected", { count });
    }

    addresses(list) {
        return addressesFull(list);
    }

    sizeOf(attachment) {
        return formatSize(attachment.size);
    }

    iconOf(attachment) {
        return mimeIcon(attachment.mime_type);
    }

    isImage(attachment) {
        return Boolean(attachment.preview_url && attachment.mime_type.startsWith("image/"));
    }

    attachmentTitle(attachment) {
        return _t("%(name)s (%(type)s, %(size)s)", {
            name: attachment.filename || _t("Unnamed attachment"),
            type: attachment.mime_type,
            size: formatSize(attachment.size),
        });
    }

    previewImage(attachment) {
        const files = this.attachments
            .filter((each) => this.isImage(each))
            .map((each) => ({
                id: each.part,
                displayName: each.filename || each.part,
                name: each.filename || each.part,
                downloadUrl: each.download_url,
                defaultSource: each.preview_url,
                mimetype: each.mime_type,
                isImage: true,
                isViewable: true,
            }));
        const file = files.find((each) => each.id === attachment.part);
        this.fileViewer.open(file, files);
    }

    /**
     * The body frame is same-origin but runs no script: this side reads its height, so the
     * frame grows with its content, and opens its links in a new tab.
     */
    onFrameLoad(ev) {
        const frame = ev.target;
        const doc = frame.contentDocument;
        this.resizeObserver?.disconnect();
        if (!doc?.body) {
            return;
        }
        for (const link of doc.querySelectorAll("a[href]")) {
            link.setAttribute("target", "_blank");
            link.setAttribute("rel", "noopener noreferrer");
        }
        const fit = () => {
            frame.style.height = `${Math.ceil(doc.documentElement.scrollHeight) + 2}px`;
        };
        fit();
        this.resizeObserver = new ResizeObserver(fit);
        this.resizeObserver.observe(doc.body);
        frame.classList.add("o_loaded");
    }

    showRemoteContent() {
        if (this.top) {
            this.top.remoteAllowed = true;
        } else {
            this.model.remoteAllowed = true;
        }
    }

    /** "Always for <address>": the user's list of senders whose remote content shows at
     * once (revocable in the Preferences); the server decides by it for every message. */
    async trustSender() {
        const message = this.message;
        try {
            const address = await this.orm.call(TRUSTED_SENDER_MODEL, "trust_address", [
                message.sender_address,
            ]);
            message.remote_trusted = true;
            this.showRemoteContent();
            this.notification.add(
                _t(
                    "Remote content from %(address)s is now always shown. You can change this in your Preferences, tab E-Mail.",
                    { address }
                ),
                { type: "success" }
            );
        } catch (error) {
            this.notification.add(errorMessage(error), { title: _t("Mail"), type: "danger" });
        }
    }

    isMessage(attachment) {
        return Boolean(attachment.is_message);
    }

    /** An attached mail (message/rfc822 or an .eml file) opened in the pane. */
    async openAttached(attachment) {
        const outer = this.outerKey;
        this.attached.opening = true;
        try {
            const message = await this.model.attachedMessage(attachment.part);
            if (outer !== this.outerKey) {
                return; // another message was opened meanwhile
            }
            if (this.attached.outer !== outer) {
                this.attached.stack = [];
                this.attached.outer = outer;
            }
            this.attached.stack.push({ message, remoteAllowed: false });
        } catch (error) {
            this.notification.add(errorMessage(error), { title: _t("Mail"), type: "danger" });
        } finally {
            this.attached.opening = false;
        }
    }

    back() {
        this.attached.stack.pop();
    }

    /** The print view in a tab of its own (see printUrl). */
    print() {
        browser.open(this.printUrl, "_blank", "noopener,noreferrer");
    }

    downloadSource() {
        const link = document.createElement("a");
        link.href = this.message.source_url;
        link.download = "";
        link.click();
    }

    fileIntoDocuments() {
        openFileDialog(this.dialog, this.model, [this.message.uid], this.attachments);
    }

    toggleSeen() {
        this.model.setFlag([this.message.uid], "seen", !this.message.seen);
    }

    toggleFlagged() {
        this.model.setFlag([this.message.uid], "flagged", !this.message.flagged);
    }

    move(target) {
        this.model.move([this.message.uid], target);
    }

    delete() {
        this.props.onDelete([this.message.uid]);
    }
}
