import { markRaw } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Reactive } from "@web/core/utils/reactive";

const NO_RECORDS = Object.freeze([]);
// The dialog for several messages suggests what the first few of them suggest (each asks
// the mail server for its message).
const SUGGESTED_MESSAGES = 5;
export const HANDLE_MODEL = "dynaoffice.mail.message";

/** Where the messages of a call are: {accountId, folder, uidvalidity} of the open page. */
export function pagePlace(model) {
    return {
        accountId: model.accountId,
        folder: model.folder,
        uidvalidity: model.page?.uidvalidity ?? null,
    };
}

export function placeKey({ accountId, folder, uidvalidity }) {
    return JSON.stringify([accountId, folder, uidvalidity]);
}

/**
 * Mail assigned to records (a contact's, an opportunity's history): which messages of the
 * open page are assigned where (the list's markers and the reading pane's links), and the
 * calls that assign them or run the server actions bound to messages.
 *
 * The markers are kept for one folder at a time; loading a page of another folder (or the
 * same folder renumbered) starts over, so no row shows another folder's marker.
 */
export class MailAssignments extends Reactive {
    constructor(services) {
        super();
        this.services = markRaw({ ...services });
        this.place = "";
        this.byUid = {};
        this.known = new Set();
        this.messageActions = null; // [{id, name}] once loaded
        this.cache = markRaw({ models: null, creatable: null, actions: null });
    }

    /** The records `uid` of the open page is assigned to (empty if none or not known yet). */
    of(uid) {
        return this.byUid[uid] || NO_RECORDS;
    }

    /** After each page load: the markers of its messages, one call for the page. */
    loadPage(place, uids) {
        const key = placeKey(place);
        if (key !== this.place) {
            this.place = key;
            this.byUid = {};
            this.known.clear();
        }
        return this.load(place, uids);
    }

    /** For a message opened that is not on the page (opened from a chatter, a search). */
    ensure(place, uid) {
        if (placeKey(place) === this.place && !this.known.has(uid)) {
            return this.load(place, [uid]);
        }
    }

    async load(place, uids) {
        if (!uids.length || !place.uidvalidity) {
            return;
        }
        let found;
        try {
            found = await this.services.rpc.silent.call("client_assignments", [
                [place.accountId],
                place.folder,
                place.uidvalidity,
                uids,
            ]);
        } catch {
            // The markers are an extra: the list works without them, the next load retries.
            return;
        }
        // Assignments are only ever added, so an answer overtaken by a newer one is no
        // less true; one for a folder left meanwhile is dropped.
        if (placeKey(place) !== this.place) {
            return;
        }
        for (const uid of uids) {
            this.known.add(uid);
            if (found[uid]) {
                this.byUid[uid] = found[uid];
            } else {
                delete this.byUid[uid];
            }
        }
    }

    // -- the assign dialog --------------------------------------------------------------------

    /**
     * Records the messages probably belong to, best first. For several messages, the
     * suggestions of the first few, each once; "assigned" where all of them are there.
     */
    async suggestions(place, uids) {
        const asked = uids.slice(0, SUGGESTED_MESSAGES);
        const answers = await Promise.all(
            asked.map((uid) =>
                this.services.rpc.call("client_assign_suggestions", [
                    [place.accountId],
                    place.folder,
                    place.uidvalidity,
                    uid,
                ])
            )
        );
        const merged = new Map();
        for (const suggestions of answers) {
            for (const suggestion of suggestions) {
                const key = `${suggestion.res_model},${suggestion.res_id}`;
                const seen = merged.get(key);
                if (seen) {
                    seen.count++;
                    seen.assigned = seen.assigned && suggestion.assigned;
                } else {
                    merged.set(key, { ...suggestion, count: 1 });
                }
            }
        }
        const all = uids.length === asked.length;
        return [...merged.values()].map(({ count, ...suggestion }) => ({
            ...suggestion,
            assigned: all && count === asked.length && suggestion.assigned,
        }));
    }

    /** [{model, name}]: what the dialog's search may look in (asked once per client). */
    assignableModels() {
        this.cache.models ||= this.services.rpc
            .call("client_assignable_models")
            .catch((error) => {
                this.cache.models = null;
                throw error;
            });
        return this.cache.models;
    }

    /**
     * "Create contact from sender": {name, email, parent_id and parent_name or company_name,
     * existing (the contact that has the address already, or false)}.
     */
    contactDefaults(place, uid) {
        return this.services.rpc.call("client_contact_defaults", [
            [place.accountId],
            place.folder,
            place.uidvalidity,
            uid,
        ]);
    }

    /** [{model, name, featured}]: what "Create ..." offers (asked once per client). */
    creatableModels() {
        this.cache.creatable ||= this.services.rpc.silent
            .call("client_creatable_models")
            .catch((error) => {
                this.cache.creatable = null;
                throw error;
            });
        return this.cache.creatable;
    }

    /**
     * "Create ...": {res_model, model_name, context (the new record's default_* values from
     * the message), partner (the sender's contact or false)}.
     */
    createDefaults(place, uid, resModel) {
        return this.services.rpc.call("client_create_defaults", [
            [place.accountId],
            place.folder,
            place.uidvalidity,
            uid,
            resModel,
        ]);
    }

    searchRecords(resModel, term) {
        return this.services.rpc.call("client_search_records", [
            resModel,
            term,
        ]);
    }

    /**
     * Posts the messages into the record's chatter (one call for all of them), says how it
     * went and shows the markers.
     */
    async assign(place, uids, record) {
        const results = await this.services.rpc.call("client_assign", [
            [place.accountId],
            place.folder,
            place.uidvalidity,
            uids,
            record.res_model,
            record.res_id,
        ]);
        this.notifyAssigned(Object.values(results), record);
        await this.load(place, uids);
        return results;
    }

    notifyAssigned(results, record) {
        const count = (status) => results.filter((result) => result.status === status).length;
        const assigned = count("assigned");
        const already = count("already");
        const gone = count("gone");
        const name = record.display_name;
        const lines = [];
        if (results.length === 1) {
            lines.push(
                assigned
                    ? _t("Assigned to %(record)s.", { record: name })
                    : already
                    ? _t("Already assigned to %(record)s.", { record: name })
                    : _t("The message is no longer on the mail server.")
            );
        } else {
            if (assigned) {
                lines.push(
                    assigned === 1
                        ? _t("1 message assigned to %(record)s.", { record: name })
                        : _t("%(count)s messages assigned to %(record)s.", {
                              count: assigned,
                              record: name,
                          })
                );
            }
            if (already) {
                lines.push(
                    already === 1
                        ? _t("1 message was already assigned to %(record)s.", { record: name })
                        : _t("%(count)s messages were already assigned to %(record)s.", {
                              count: already,
                              record: name,
                          })
                );
            }
            if (gone) {
                lines.push(
                    gone === 1
                        ? _t("1 message is no longer on the mail server.")
                        : _t("%(count)s messages are no longer on the mail server.", {
                              count: gone,
                          })
                );
            }
        }
        this.services.notification.add(lines.join(" "), {
            type: gone ? "warning" : assigned ? "success" : "info",
        });
    }

    // -- server actions on messages -------------------------------------------------------------

    /** The server actions bound to messages, loaded once; `messageActions` holds them. */
    async loadMessageActions() {
        this.cache.actions ||= this.services.rpc.silent
            .call("client_message_actions")
            .catch(() => []);
        this.messageActions = await this.cache.actions;
        return this.messageActions;
    }

    /** {uid: id} of the messages' handles: what server actions run on (active_ids). */
    messageHandles(place, uids) {
        return this.services.rpc.call("client_message_handles", [
            [place.accountId],
            place.folder,
            place.uidvalidity,
            uids,
        ]);
    }
}
