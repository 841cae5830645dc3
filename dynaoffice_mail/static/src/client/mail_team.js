import { markRaw } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
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

/**
 * The team inbox of a group mailbox: assignee and status of the open page's messages (the
 * list's avatars, the reading pane's buttons), the members to assign to, the counts of the
 * team's views, and the calls that change them. The records in Odoo are the truth; the
 * server writes the keywords.
 */
export class MailTeam extends Reactive {
    constructor(services) {
        super();
        this.services = markRaw({ ...services });
        this.place = "";
        this.byUid = {};
        this.members = [];
        this.membersOf = null;
        this.counts = {};
        this.countsOf = null;
    }

    /** The team state of `uid` on the open page ({status, user_id, user_name, avatar_url}). */
    of(uid) {
        return this.byUid[uid] || null;
    }

    async loadPage(place, uids) {
        const key = placeKey(place);
        if (key !== this.place) {
            this.place = key;
            this.byUid = {};
        }
        if (!uids.length || !place.uidvalidity) {
            return;
        }
        let states;
        try {
            states = await this.services.rpc.silent.call("client_team_states", [
                [place.accountId],
                place.folder,
                place.uidvalidity,
                uids,
            ]);
        } catch {
            return; // the avatars are an extra: the list works without them
        }
        if (placeKey(place) !== this.place) {
            return;
        }
        for (const uid of uids) {
            if (states[uid]) {
                this.byUid[uid] = states[uid];
            } else {
                delete this.byUid[uid];
            }
        }
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
            answer = await this.services.rpc.call("client_team_take", args);
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
}
