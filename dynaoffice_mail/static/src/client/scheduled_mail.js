import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { errorMessage } from "./mail_rpc";
import { SendLaterDialog } from "./send_later_menu";

/** A moment the server gave (UTC text), as the user reads it. */
export function sendTimeLabel(sendAfter) {
    return sendAfter ? formatDateTime(deserializeDateTime(sendAfter)) : "";
}

/**
 * After "Send" with an undo window, or "Send later": says when the mail goes. In the
 * undo window, "Undo" takes it back (if the server has not started sending it) and
 * `reopen(draft)` opens it again in the composer.
 */
export function notifyScheduled({ rpc, notification }, accountId, result, reopen) {
    if (!result.undo_seconds) {
        notification.add(
            _t("The message will be sent on %(time)s. It waits in Drafts until then.", {
                time: sendTimeLabel(result.send_after),
            }),
            { title: _t("Scheduled"), type: "success" }
        );
        return;
    }
    let close = null;
    let undoing = false;
    const undo = async () => {
        // A double click reaches the button twice before the toast is gone: the second
        // would find the mail taken back already and say it is too late.
        if (undoing) {
            return;
        }
        undoing = true;
        close?.();
        try {
            const { draft } = await rpc.call("client_scheduled_cancel", [
                [accountId],
                result.entry_id,
            ]);
            notification.add(_t("Sending undone."), { type: "info" });
            await reopen(draft);
        } catch (error) {
            notification.add(errorMessage(error), {
                title: _t("Could not undo"),
                type: "danger",
            });
        }
    };
    close = notification.add(
        _t("Sending in %(seconds)s seconds…", { seconds: result.undo_seconds }),
        {
            type: "info",
            className: "o_dynaoffice_mail_undo_send",
            autocloseDelay: result.undo_seconds * 1000,
            buttons: [{ name: _t("Undo"), primary: true, onClick: undo }],
        }
    );
}

/** "Scheduled" in the folder pane, while the account has mail waiting to go. */
export class ScheduledFolder extends Component {
    static template = "dynaoffice_mail.ScheduledFolder";
    static props = {
        accountId: Number,
        // Changes when the scheduled mail may have changed (a send, an undo, the view).
        version: Number,
        active: Boolean,
        onOpen: Function,
    };

    setup() {
        this.rpc = useService("dynaoffice_mail.rpc");
        this.state = useState({ count: 0 });
        onWillStart(() => this.load(this.props));
        onWillUpdateProps((next) => {
            if (next.accountId !== this.props.accountId || next.version !== this.props.version) {
                return this.load(next);
            }
        });
    }

    async load({ accountId }) {
        try {
            const rows = await this.rpc.silent.call("client_scheduled", [[accountId]]);
            this.state.count = rows.length;
        } catch {
            this.state.count = 0; // the list itself says what went wrong, when opened
        }
    }
}

/** The account's scheduled mail: when each goes, "Send now", "Change time", "Cancel". */
export class ScheduledList extends Component {
    static template = "dynaoffice_mail.ScheduledList";
    static props = {
        accountId: Number,
        // Something changed here (the folder entry's count, Drafts).
        onChanged: Function,
        // Open a draft in the composer (after "Cancel").
        onOpenDraft: Function,
        onClose: Function,
    };

    setup() {
        this.rpc = useService("dynaoffice_mail.rpc");
        this.notification = useService("notification");
        this.dialog = useService("dialog");
        this.state = useState({ rows: [], loading: true, error: "", busy: null });
        onWillStart(() => this.load());
        onWillUpdateProps((next) => next.accountId !== this.props.accountId && this.load(next));
    }

    async load({ accountId } = this.props) {
        this.state.loading = true;
        try {
            this.state.rows = await this.rpc.call("client_scheduled", [[accountId]]);
            this.state.error = "";
        } catch (error) {
            this.state.error = errorMessage(error);
        } finally {
            this.state.loading = false;
        }
    }

    timeLabel(row) {
        return sendTimeLabel(row.send_after);
    }

    stateLabel(row) {
        return {
            queued: _t("Waiting"),
            sending: _t("Being sent"),
            failed: _t("Not sent"),
            uncertain: _t("May have been sent"),
        }[row.state];
    }

    async act(row, method, args = [], done = null) {
        this.state.busy = row.id;
        try {
            const result = await this.rpc.call(method, [[this.props.accountId], row.id, ...args]);
            if (result?.error) {
                this.notification.add(result.error, { type: "danger" });
            } else if (done) {
                this.notification.add(done, { type: "success" });
            }
            return result;
        } catch (error) {
            this.notification.add(errorMessage(error), { type: "danger" });
            return false;
        } finally {
            this.state.busy = null;
            await this.load();
            this.props.onChanged();
        }
    }

    async sendNow(row) {
        const result = await this.act(row, "client_scheduled_send_now", [], _t("Message sent"));
        // Sent, but not to everyone (or not filed in Sent yet): as the composer says it.
        for (const problem of (result?.sent && result.problems) || []) {
            this.notification.add(problem, {
                title: _t("The message was sent, but"),
                type: "warning",
                sticky: true,
            });
        }
        return result;
    }

    changeTime(row) {
        this.dialog.add(SendLaterDialog, {
            title: _t("Change time"),
            confirmLabel: _t("Change time"),
            value: deserializeDateTime(row.send_after),
            onConfirm: async (when) => Boolean(await this.act(row, "client_scheduled_reschedule", [when])),
        });
    }

    async cancel(row) {
        const result = await this.act(
            row,
            "client_scheduled_cancel",
            [],
            _t("Not sent: the message is back in Drafts.")
        );
        if (result?.draft) {
            await this.props.onOpenDraft(result.draft);
        }
    }
}
