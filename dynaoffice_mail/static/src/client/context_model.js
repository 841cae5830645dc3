import { markRaw } from "@odoo/owl";
import { Reactive } from "@web/core/utils/reactive";

/** Panes kept: the open message's, and a few before it (going back is instant). */
export const CONTEXT_CACHE_SIZE = 20;

/** The key of a message's place ({accountId, folder, uidvalidity, uid}). */
export function contextKey({ accountId, folder, uidvalidity, uid }) {
    return JSON.stringify([accountId, folder, uidvalidity, uid]);
}

/**
 * The context pane's data: one `client_context` call per message, kept while the message
 * stays open (and for the last few), and the sections of the other people of a message,
 * asked for when the user opens one (`client_context_sections`). `forget()` drops all of
 * it, after a contact was created or linked.
 */
export class MailContext extends Reactive {
    constructor(services) {
        super();
        this.services = markRaw({ ...services });
        this.panes = markRaw(new Map());
        this.people = markRaw(new Map());
    }

    /** The pane of the message at `place`, from the cache or the server. */
    pane(place) {
        const key = contextKey(place);
        if (!this.panes.has(key)) {
            const call = this.services.rpc.silent
                .call("client_context", [
                    [place.accountId],
                    place.folder,
                    place.uidvalidity,
                    place.uid,
                ])
                .catch((error) => {
                    this.panes.delete(key); // asked again next time
                    throw error;
                });
            this.panes.set(key, call);
            while (this.panes.size > CONTEXT_CACHE_SIZE) {
                this.panes.delete(this.panes.keys().next().value);
            }
        }
        return this.panes.get(key);
    }

    /** The sections of a person listed collapsed (by contact id), asked for once. */
    sections(partnerId) {
        if (!this.people.has(partnerId)) {
            const call = this.services.rpc.silent
                .call("client_context_sections", [partnerId])
                .catch((error) => {
                    this.people.delete(partnerId);
                    throw error;
                });
            this.people.set(partnerId, call);
        }
        return this.people.get(partnerId);
    }

    /** "Link to existing contact": {partner, created}. */
    linkSender(place, partnerId) {
        return this.services.rpc.call("client_link_sender", [
            [place.accountId],
            place.folder,
            place.uidvalidity,
            place.uid,
            partnerId,
        ]);
    }

    forget() {
        this.panes.clear();
        this.people.clear();
    }
}
