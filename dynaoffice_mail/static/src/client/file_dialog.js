import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { errorMessage } from "./mail_client_model";
import { RecordPicker, recordKey } from "./record_picker";

// As in mail_client_model.js.
const MAIL_ACCOUNT_MODEL = "dynaoffice.mail.account";

/**
 * "File into documents": the whole mail as an .eml file and/or its attachments (for one
 * open message: the ones ticked), into a directory of the document storage when one is
 * installed, or as attachments of a record. A file the place holds already is not filed
 * again (the server compares contents).
 */
export class FileDialog extends Component {
    static template = "dynaoffice_mail.FileDialog";
    static components = { Dialog, RecordPicker };
    static props = {
        close: Function,
        assignments: Object,
        place: Object,
        uids: Array,
        // The open message's attachments [{part, filename, mime_type, size}], to choose from.
        attachments: { type: Array, optional: true },
    };

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        const attachments = this.props.attachments || [];
        this.state = useState({
            what: "eml",
            parts: new Set(attachments.map((attachment) => attachment.part)),
            directories: undefined, // null: no document storage installed
            destination: "record",
            directoryId: null,
            record: null,
            busy: false,
        });
        onWillStart(async () => {
            try {
                const { directories } = await this.orm.call(
                    MAIL_ACCOUNT_MODEL,
                    "client_filing_targets",
                    []
                );
                this.state.directories = directories;
                if (directories?.length) {
                    this.state.destination = "directory";
                    this.state.directoryId = directories[0].id;
                }
            } catch (error) {
                this.state.directories = null;
                this.notifyError(error);
            }
        });
    }

    get title() {
        const count = this.props.uids.length;
        return count === 1
            ? _t("File into documents")
            : _t("File %(count)s messages into documents", { count });
    }

    get errorTitle() {
        return _t("File into documents");
    }

    get choosableAttachments() {
        return this.props.uids.length === 1 ? this.props.attachments || [] : [];
    }

    get withAttachments() {
        return this.state.what !== "eml";
    }

    get pickedKey() {
        return this.state.record ? recordKey(this.state.record) : null;
    }

    get canFile() {
        const { busy, destination, directoryId, record, what, parts } = this.state;
        if (busy) {
            return false;
        }
        if (what === "attachments" && this.choosableAttachments.length && !parts.size) {
            return false;
        }
        return destination === "directory" ? Boolean(directoryId) : Boolean(record);
    }

    isTicked(attachment) {
        return this.state.parts.has(attachment.part);
    }

    toggleAttachment(attachment) {
        const parts = this.state.parts;
        if (parts.has(attachment.part)) {
            parts.delete(attachment.part);
        } else {
            parts.add(attachment.part);
        }
    }

    onWhatChange(ev) {
        this.state.what = ev.target.value;
    }

    onDestinationChange(ev) {
        this.state.destination = ev.target.value;
    }

    onDirectoryChange(ev) {
        this.state.directoryId = Number(ev.target.value) || null;
    }

    pickRecord(record) {
        this.state.record = record;
    }

    async file() {
        if (!this.canFile) {
            return;
        }
        const { destination, directoryId, record, what } = this.state;
        const target =
            destination === "directory"
                ? { directory_id: directoryId }
                : { res_model: record.res_model, res_id: record.res_id };
        const targetName =
            destination === "directory"
                ? this.state.directories.find((directory) => directory.id === directoryId)?.name
                : record.display_name;
        const chosen = this.choosableAttachments.length && this.withAttachments;
        const { folder, uidvalidity, accountId } = this.props.place;
        this.state.busy = true;
        let results;
        try {
            results = await this.orm.call(MAIL_ACCOUNT_MODEL, "client_file", [
                [accountId],
                folder,
                uidvalidity,
                this.props.uids,
                target,
                what,
                chosen ? [...this.state.parts] : null,
            ]);
        } catch (error) {
            this.notifyError(error);
            return;
        } finally {
            this.state.busy = false;
        }
        this.notifyFiled(Object.values(results), targetName);
        this.props.close();
    }

    notifyFiled(results, targetName) {
        const names = (key) => results.flatMap((result) => result[key]);
        const filed = names("filed");
        const skipped = names("skipped");
        const leftOut = names("left_out");
        const gone = results.filter((result) => result.gone).length;
        const lines = [];
        if (filed.length) {
            lines.push(
                _t("Filed into %(target)s: %(files)s.", {
                    target: targetName,
                    files: filed.join(", "),
                })
            );
        }
        if (skipped.length) {
            lines.push(
                _t("Already there (the same content): %(files)s.", { files: skipped.join(", ") })
            );
        }
        if (leftOut.length) {
            lines.push(_t("Left out (too large): %(files)s.", { files: leftOut.join(", ") }));
        }
        if (gone) {
            lines.push(
                gone === 1
                    ? _t("1 message is no longer on the mail server.")
                    : _t("%(count)s messages are no longer on the mail server.", { count: gone })
            );
        }
        if (!lines.length) {
            lines.push(_t("Nothing to file: the mail has no attachments."));
        }
        this.notification.add(lines.join(" "), {
            title: this.errorTitle,
            type: gone || leftOut.length ? "warning" : filed.length ? "success" : "info",
        });
    }

    notifyError(error) {
        this.notification.add(errorMessage(error), { title: this.errorTitle, type: "danger" });
    }
}
