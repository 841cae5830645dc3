import { markRaw } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { Reactive } from "@web/core/utils/reactive";
import { placeKey } from "./mail_assignments";

/** The team's views of a group mailbox's Inbox, in the folder tree's order. */
export const TEAM_VIEWS = ["mine", "unassigned", "waiting"];
export const TEAM_STATUSES = ["open", "waiting", "done"];

export function teamViewLabel(view) {
    return {
        mine: _t("Assigned to me"),
        unassigned: _t("Unassigned"),
        waiting: _t("Waiting"),
    }[view];
}

export function teamStatusLabel(status) {
    return { open: _t("Open"), waiting: _t("Waiting"), done: _t("Done") }[status] || "";
}

/** The bus notification of who is replying (roles/team.py). */
export const REPLYING_NOTIFICATION = "dynaoffice_mail.replying";
const NOBODY = Object.freeze({ users: Object.freeze([]), drafts: 0 });

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
 * The team inbox of a group mailbox: assignee, status and internal notes of the open page's
 * messages (the list's avatars and note markers, the reading pane's buttons), the members to
 * assign to, the counts of the team's views, the calls that change them, the chatter
 * holding a message's notes, and who is replying to a message (their composers say so on
 * the bus; drafts in Drafts count). The records in Odoo are the truth; the server writes
 * the keywords.
 */
export class MailTeam extends Reactive {
    constructor(services) {
        super();
        this.services = markRaw({ ...services });
        this.place = "";
        this.byUid = {};
        this.notes = {};
        this.known = new Set();
        this.members = [];
        this.membersOf = null;
        this.counts = {};
        this.countsOf = null;
        this.replying = {};
    }

    /** The team state of `uid` on the open page ({status, user_id, user_name, avatar_url}). */
    of(uid) {
        return this.byUid[uid] || null;
    }

    /** Internal notes on `uid` of the open page (0 when none or not known). */
    notesOf(uid) {
        return this.notes[uid] || 0;
    }

    /**
     * After each page load of a group mailbox: the team states and the note counts of its
     * messages (a call for each, side by side).
     */
    async loadPage(place, uids) {
        const key = placeKey(place);
        if (key !== this.place) {
            this.clear();
            this.place = key;
        }
        if (!uids.length || !place.uidvalidity) {
            return;
        }
        const [, counted] = await Promise.all([
            this._loadByUid("byUid", "client_team_states", place, uids),
            this._loadByUid("notes", "client_note_counts", place, uids),
        ]);
        if (counted) {
            for (const uid of uids) {
                this.known.add(uid);
            }
        }
    }

    /** For a message opened that is not on the page (a link from a record's chatter). */
    ensure(place, uid) {
        if (placeKey(place) === this.place && !this.known.has(uid)) {
            return this.loadPage(place, [uid]);
        }
    }

    /** The page is of a personal mailbox: no team. */
    clear() {
        this.place = "";
        this.byUid = {};
        this.notes = {};
        this.known.clear();
    }

    async loadMembers(accountId) {
        if (this.membersOf === accountId) {
            return this.members;
        }
        const members = await this.services.rpc.call("client_team_members", [[accountId]]);
        this.members = members;
        this.membersOf = accountId;
        return members;
    }

    async loadCounts(accountId) {
        try {
            const counts = await this.services.rpc.silent.call("client_team_counts", [
                [accountId],
            ]);
            this.counts = counts;
            this.countsOf = accountId;
        } catch {
            // Counts are an extra; the views open all the same.
        }
    }

    countOf(accountId, view) {
        return this.countsOf === accountId ? this.counts[view] : undefined;
    }

    /** Assign (`userId`, false for nobody), "take" or set a status; answers the server's. */
    async change(place, uids, kind, value) {
        const args = [[place.accountId], place.folder, place.uidvalidity, uids];
        let answer;
        if (kind === "assign") {
            answer = await this.services.rpc.call("client_team_assign", [...args, value]);
        } else if (kind === "take") {
            // Who the list showed each message with: the server refuses to take one that a
            // colleague took since, rather than take it from them.
            const shown = placeKey(place) === this.place;
            const seen = Object.fromEntries(
                uids.map((uid) => [uid, (shown && this.of(uid)?.user_id) || false])
            );
            answer = await this.services.rpc.call("client_team_take", [...args, seen]);
        } else {
            answer = await this.services.rpc.call("client_team_set_status", [...args, value]);
        }
        if (placeKey(place) === this.place) {
            for (const uid of uids) {
                if (answer.states[uid]) {
                    this.byUid[uid] = answer.states[uid];
                }
            }
        }
        if (answer.keywords === false) {
            this.services.notification?.add(
                _t(
                    "This mail server keeps no keywords: the team's state is kept in Odoo only, other mail programs do not see it."
                ),
                { type: "warning" }
            );
        }
        return answer;
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

    /**
     * The answer of `method` ({uid: value} of `uids`, the others have none) into
     * `this[field]`, unless the page changed meanwhile; false when it did not come (the
     * avatars and note markers are extras: the list works without them).
     */
    async _loadByUid(field, method, place, uids) {
        let found;
        try {
            found = await this.services.rpc.silent.call(method, [
                [place.accountId],
                place.folder,
                place.uidvalidity,
                uids,
            ]);
        } catch {
            return false;
        }
        if (placeKey(place) !== this.place) {
            return false;
        }
        for (const uid of uids) {
            if (found[uid]) {
                this[field][uid] = found[uid];
            } else {
                delete this[field][uid];
            }
        }
        return true;
    }

    _set(accountId, messageId, { users, drafts }) {
        this.replying[replyKey(accountId, messageId)] = {
            users: (users || []).filter((each) => each.id !== user.userId),
            drafts: drafts || 0,
        };
    }
}
