import { Component, markRaw, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { errorMessage } from "./mail_rpc";

/**
 * Where "File into documents" may put mail, one entry per kind of place, keyed by the
 * `kind` the server's destination class names (roles/filer.py; a bridge addon adds its
 * class through the account's `_filing_destinations()` hook and its entry here):
 *
 *     registry.category("dynaoffice_mail.filing_destinations").add("my_kind", {
 *         label: _t("..."),          // the choice, when there is more than one
 *         component: MyDestination,  // picks the place (see below)
 *         // Optional: why nothing can be chosen there (the choice is then disabled
 *         // and the text shown), or a falsy value.
 *         unavailable: (description) => ...,
 *     }, { sequence: 10 });           // the first one that can be chosen is chosen
 *
 * The component gets the props {description, target, assignments, place, uids,
 * errorTitle, onChoose}: `description` is what the server's destination `describe`d
 * ({kind, ...}), `target` what it chose before (or null); it calls `onChoose(target,
 * name)` with what the server's `resolve` takes ({kind} is added) and the name the
 * notification shows, or `onChoose(null)` when nothing is chosen.
 */
export const filingDestinations = registry.category("dynaoffice_mail.filing_destinations");

/**
 * "File into documents": the whole mail as an .eml file and/or its attachments (for one
 * open message: the ones ticked), into a place of a destination the server offers the
 * user. A file the place holds already is not filed again (the server compares contents).
 */
export class FileDialog extends Component {
    static template = "dynaoffice_mail.FileDialog";
    static components = { Dialog };
    static props = {
        close: Function,
        assignments: Object,
        place: Object,
        uids: Array,
        // The open message's attachments [{part, filename, mime_type, size}], to choose from.
        attachments: { type: Array, optional: true },
    };

    setup() {
        this.rpc = useService("dynaoffice_mail.rpc");
        this.notification = useService("notification");
        const attachments = this.props.attachments || [];
        this.state = useState({
            what: "eml",
            parts: new Set(attachments.map((attachment) => attachment.part)),
            // [{kind, description, entry}] in the registry's order; undefined while loading.
            destinations: undefined,
            kind: null,
            // {kind: {target, name}}: what was chosen for each destination.
            chosen: {},
            busy: false,
        });
        onWillStart(async () => {
            let offered;
            try {
                ({ destinations: offered } = await this.rpc.call("client_filing_targets"));
            } catch (error) {
                // Records, the base addon's own destination, need nothing from the server.
                offered = [{ kind: "record" }];
                this.notifyError(error);
            }
            const byKind = new Map(offered.map((description) => [description.kind, description]));
            // A destination without its part in the browser (an addon's assets missing) is
            // left out rather than offered without a way to choose in it.
            this.state.destinations = filingDestinations
                .getEntries()
                .filter(([kind]) => byKind.has(kind))
                .map(([kind, entry]) => ({
                    kind,
                    entry: markRaw(entry),
                    description: byKind.get(kind),
                }));
            this.state.kind =
                this.state.destinations.find((destination) => !this.unavailable(destination))
                    ?.kind || null;
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

    get destination() {
        return this.state.destinations?.find(({ kind }) => kind === this.state.kind) || null;
    }

    /** Why nothing can be chosen in `destination`, or a falsy value. */
    unavailable(destination) {
        return destination.entry.unavailable?.(destination.description) || false;
    }

    get unavailableNotes() {
        return (this.state.destinations || []).map(this.unavailable.bind(this)).filter(Boolean);
    }

    /** The props of the chosen destination's component. */
    get destinationProps() {
        const { kind, description } = this.destination;
        return {
            description,
            target: this.state.chosen[kind]?.target || null,
            assignments: this.props.assignments,
            place: this.props.place,
            uids: this.props.uids,
            errorTitle: this.errorTitle,
            onChoose: (target, name) => this.choose(kind, target, name),
        };
    }

    get canFile() {
        const { busy, kind, chosen, what, parts } = this.state;
        if (busy) {
            return false;
        }
        if (what === "attachments" && this.choosableAttachments.length && !parts.size) {
            return false;
        }
        return Boolean(kind && chosen[kind]);
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
        this.state.kind = ev.target.value;
    }

    choose(kind, target, name) {
        if (target) {
            this.state.chosen[kind] = { target, name };
        } else {
            delete this.state.chosen[kind];
        }
    }

    async file() {
        if (!this.canFile) {
            return;
        }
        const { kind, chosen, what } = this.state;
        const { target, name } = chosen[kind];
        const withParts = this.choosableAttachments.length && this.withAttachments;
        const { folder, uidvalidity, accountId } = this.props.place;
        this.state.busy = true;
        let results;
        try {
            results = await this.rpc.call("client_file", [
                [accountId],
                folder,
                uidvalidity,
                this.props.uids,
                { ...target, kind },
                what,
                withParts ? [...this.state.parts] : null,
            ]);
        } catch (error) {
            this.notifyError(error);
            return;
        } finally {
            this.state.busy = false;
        }
        this.notifyFiled(Object.values(results), name);
        this.props.close();
    }

    notifyFiled(results, targetName) {
        const names = (key) => results.flatMap((result) => result[key]);
        const filed = names("filed");
        const skipped = names("skipped");
        const leftOut = names("left_out");
        // Files the place does not accept (a forbidden extension, too large for it),
        // with the place's reason; the others were filed.
        const refused = results.flatMap((result) => result.refused || []);
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
        if (refused.length) {
            lines.push(
                _t("Not accepted by %(target)s: %(files)s", {
                    target: targetName,
                    files: refused.map(({ name, reason }) => `${name} (${reason})`).join(", "),
                })
            );
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
        const incomplete = gone || leftOut.length || refused.length;
        this.notification.add(lines.join(" "), {
            title: this.errorTitle,
            type: incomplete ? "warning" : filed.length ? "success" : "info",
        });
    }

    notifyError(error) {
        this.notification.add(errorMessage(error), { title: this.errorTitle, type: "danger" });
    }
}
