import { markRaw } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { Reactive } from "@web/core/utils/reactive";

/** The bus notification of who is replying (roles/team.py). */
export const REPLYING_NOTIFICATION = "dynaoffice_mail.replying";
const NOBODY = Object.freeze({ users: Object.freeze([]), drafts: 0 });

function placeKey({ accountId, folder, uidvalidity }) {
    return JSON.stringify([accountId, folder, uidvalidity]);
}

function replyKey(accountId, messageId) {
    return JSON.stringify([accountId, messageId]);
}

/** "Ben Becker is replying." / "Ben Becker and Anna Schäfer are replying." */
export function replyingLabel(users) {
    const names = users.map((each) => each.name);
    if (!names.length) {
        return "";
    }
    if (names.length === 1) {
        return _t("%(name)s is replying.", { name: names[0] });
    }
    return _t("%(names)s and %(last)s are replying.", {
        names: names.slice(0, -1).join(", "),
        last: names[names.length - 1],
    });
}

export function draftsLabel(drafts) {
    if (!drafts) {
        return "";
    }
    return drafts === 1
        ? _t("A reply to this mail is saved in Drafts.")
        : _t("%(count)s replies to this mail are saved in Drafts.", { count: drafts });
}

/**
 * The team of a group mailbox: how many internal notes the messages of the open page have
 * (the list's marker, one call per page), the chatter holding a message's notes, and who
 * is replying to a message (their composers say so on the bus; drafts in Drafts count).
 */
export class MailTeam extends Reactive {
    constructor(services) {
        super();
        this.services = markRaw({ ...services });
        this.place = "";
        this.notes = {};
        this.known = new Set();
        this.replying = {};
    }

    /** Internal notes on `uid` of the open page (0 when none or not known). */
    notesOf(uid) {
        return this.notes[uid] || 0;
    }

    /** After each page load of a group mailbox: the note counts of its messages. */
    async loadPage(place, uids) {
        const key = placeKey(place);
        if (key !== this.place) {
            this.place = key;
            this.notes = {};
            this.known.clear();
        }
        if (!uids.length || !place.uidvalidity) {
            return;
        }
        let counts;
        try {
            counts = await this.services.rpc.silent.call("client_note_counts", [
                [place.accountId],
                place.folder,
                place.uidvalidity,
                uids,
            ]);
        } catch {
            return; // the marker is an extra: the list works without it
        }
        if (placeKey(place) !== this.place) {
            return;
        }
        for (const uid of uids) {
            this.known.add(uid);
            if (counts[uid]) {
                this.notes[uid] = counts[uid];
            } else {
                delete this.notes[uid];
            }
        }
    }

    /** For a message opened that is not on the page (a link from a record's chatter). */
    ensure(place, uid) {
        if (placeKey(place) === this.place && !this.known.has(uid)) {
            return this.loadPage(place, [uid]);
        }
    }

    /** The page is of a personal mailbox: no notes. */
    clear() {
        this.place = "";
        this.notes = {};
        this.known.clear();
    }

    /** {thread_model, thread_id}: the chatter with the notes on `uid`. */
    notesThread(place, uid) {
        return this.services.rpc.call("client_notes", [
            [place.accountId],
            place.folder,
            place.uidvalidity,
            uid,
        ]);
    }

    /** A note was written on `uid` of the page `place`. */
    noted(place, uid) {
        if (placeKey(place) === this.place) {
            this.notes[uid] = this.notesOf(uid) + 1;
        }
    }

    // -- who is replying ------------------------------------------------------------------

    /** {users: [{id, name}], drafts}: the others replying to `messageId` of `accountId`. */
    replyingTo(accountId, messageId) {
        return this.replying[replyKey(accountId, messageId)] || NOBODY;
    }

    async askWhoIsReplying(accountId, messageId) {
        let answer;
        try {
            answer = await this.services.rpc.silent.call("client_who_is_replying", [
                [accountId],
                messageId,
            ]);
        } catch {
            return; // a warning the pane can do without
        }
        this._set(accountId, messageId, answer);
    }

    /** A bus notice: who is replying to a message now (the user among them or not). */
    onNotice({ account_id, message_id, users }) {
        const known = this.replyingTo(account_id, message_id);
        this._set(account_id, message_id, { users, drafts: known.drafts });
    }

    /**
     * The user's composer has a reply to `messageId` open: said now and every heartbeat
     * (with the composer's own saved draft, `draft()`, left out of the drafts counted).
     * Returns the function that says it closed.
     */
    startReplying(accountId, messageId, draft = () => null) {
        let timer = null;
        let stopped = false;
        const beat = async () => {
            let answer;
            try {
                answer = await this.services.rpc.silent.call("client_replying", [
                    [accountId],
                    messageId,
                    draft(),
                ]);
            } catch {
                answer = null;
            }
            if (stopped) {
                return;
            }
            if (answer) {
                this._set(accountId, messageId, answer);
            }
            timer = browser.setTimeout(beat, (answer?.heartbeat || 30) * 1000);
        };
        beat();
        return () => {
            stopped = true;
            browser.clearTimeout(timer);
            this.services.rpc.silent
                .call("client_replying_done", [[accountId], messageId])
                .catch(() => {});
        };
    }

    _set(accountId, messageId, { users, drafts }) {
        this.replying[replyKey(accountId, messageId)] = {
            users: (users || []).filter((each) => each.id !== user.userId),
            drafts: drafts || 0,
        };
    }
}
