import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { errorMessage } from "./mail_rpc";

const CALENDAR_TYPES = ["text/calendar", "application/ics"];

/** Whether the message carries a calendar part (text/calendar or an .ics file). */
export function hasCalendarPart(message) {
    return (message?.attachments || []).some(
        (attachment) =>
            CALENDAR_TYPES.includes((attachment.mime_type || "").toLowerCase()) ||
            (attachment.filename || "").toLowerCase().endsWith(".ics")
    );
}

/**
 * The calendar invitation of the open message: the event, and Accept / Tentative / Decline,
 * which answer the organiser (an iTIP REPLY the server sends as the account sends mail) and,
 * with Odoo's Calendar, put the event into the user's calendar. A cancelled event can be
 * removed from that calendar. Asked for only when the message has a calendar part; a
 * calendar the server cannot read is no card, and the message shows as any other.
 */
export class InvitationCard extends Component {
    static template = "dynaoffice_mail.InvitationCard";
    static props = { message: Object };

    setup() {
        this.rpc = useService("dynaoffice_mail.rpc");
        this.notification = useService("notification");
        this.state = useState({ card: null, busy: false });
        this.shown = null;
        // Not awaited: the message shows at once, the card when it is there.
        onWillStart(() => {
            this.load(this.props.message);
        });
        onWillUpdateProps((nextProps) => {
            this.load(nextProps.message);
        });
    }

    async load(message) {
        const ref = message?.ref;
        const key = ref
            ? [ref.account, ref.folder, ref.uidvalidity, ref.uid, message.part || ""].join("\0")
            : null;
        if (key === this.shown) {
            return;
        }
        this.shown = key;
        this.state.card = null;
        // An attached mail's invitation is not the user's to answer from here: the server
        // answers the message itself, so only its own calendar part gets a card.
        if (!ref || message.part || !hasCalendarPart(message)) {
            return;
        }
        let card = false;
        try {
            card = await this.rpc.silent.call("client_invitation", [
                [ref.account],
                ref.folder,
                ref.uidvalidity,
                ref.uid,
            ]);
        } catch {
            // No card: the message is there all the same, with the calendar file attached.
            return;
        }
        if (this.shown === key) {
            this.state.card = card || null;
        }
    }

    get card() {
        return this.state.card;
    }

    get cancelled() {
        return this.card?.method === "CANCEL";
    }

    get title() {
        return this.card.summary || _t("(no title)");
    }

    get answerLabel() {
        return (
            {
                accepted: _t("You accepted."),
                tentative: _t("You accepted tentatively."),
                declined: _t("You declined."),
            }[this.card?.answer] || ""
        );
    }

    buttonClass(answer, color) {
        return this.card.answer === answer ? `btn-${color}` : `btn-outline-${color}`;
    }

    async answer(answer) {
        const ref = this.props.message.ref;
        const key = this.shown;
        const token = this.card.token;
        this.state.busy = true;
        try {
            const result = await this.rpc.call("client_answer_invitation", [
                [ref.account],
                ref.folder,
                ref.uidvalidity,
                ref.uid,
                answer,
                token,
            ]);
            if (this.shown === key && result.card) {
                // The same showing keeps its token: the same answer twice is one mail.
                this.state.card = { ...result.card, token };
            }
            if (answer === "remove") {
                this.notification.add(_t("The event was removed from your calendar."), {
                    type: "success",
                });
            } else if (answer === "update") {
                this.notification.add(_t("The answer is now in your calendar."), {
                    type: "success",
                });
            } else if (result.sent) {
                this.notification.add(_t("Your answer was sent to the organiser."), {
                    type: "success",
                });
            } else if (result.error) {
                this.notification.add(result.error, { type: "danger" });
            }
            for (const problem of result.problems || []) {
                this.notification.add(problem, { type: "warning" });
            }
        } catch (error) {
            this.notification.add(errorMessage(error), { type: "danger" });
        } finally {
            this.state.busy = false;
        }
    }
}
