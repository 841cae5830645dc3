import { Component, useEffect, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";
import { SelectCreateDialog } from "@web/views/view_dialogs/select_create_dialog";
import { ContextRecords, contextSections } from "./context_sections";
import { errorMessage } from "./mail_rpc";
import { openMessageAt } from "./open_message_at";

/** Whether the user folded the pane away (kept in the browser, for every message). */
const COLLAPSED_KEY = "dynaoffice_mail.context_collapsed";
/** Until the user chooses, the pane starts folded on windows narrower than this (laptops):
 * the reading pane and its toolbar keep their width there. */
const UNFOLDED_FROM_WIDTH = 1600;

function startsCollapsed() {
    const chosen = browser.localStorage.getItem(COLLAPSED_KEY);
    return chosen === null ? browser.innerWidth < UNFOLDED_FROM_WIDTH : chosen === "1";
}

/**
 * The customer beside the mail: the open message's sender with the contact, company and
 * business Odoo knows of (the sections of the registry "dynaoffice_mail.context_sections"),
 * the other people of the message folded (their sections asked for on opening), and for an
 * unknown sender "Create contact" and "Link to existing contact". One call per message, kept
 * while it stays open (MailContext, context_model.js).
 */
export class ContextPane extends Component {
    static template = "dynaoffice_mail.ContextPane";
    static props = { model: Object, message: Object };

    setup() {
        this.action = useService("action");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.state = useState({
            collapsed: startsCollapsed(),
            key: null,
            pane: null,
            loading: false,
            error: null,
            open: {}, // partner id -> {loading, sections, error} of people opened
        });
        this.context = this.props.model.context;
        useEffect(
            () => {
                if (!this.state.collapsed) {
                    this.load();
                }
            },
            () => [this.placeKey, this.state.collapsed]
        );
    }

    /** Where the open message is: {accountId, folder, uidvalidity, uid}, or null. */
    get place() {
        const { model, message } = this.props;
        if (!message) {
            return null;
        }
        return {
            accountId: message.ref?.account || model.accountId,
            folder: message.ref?.folder || model.folder,
            uidvalidity: message.uidvalidity,
            uid: message.uid,
        };
    }

    get placeKey() {
        const place = this.place;
        return place ? JSON.stringify(place) : null;
    }

    async load() {
        const place = this.place;
        const key = this.placeKey;
        if (key !== this.state.key) {
            Object.assign(this.state, { key, pane: null, error: null, open: {} });
        }
        if (!place) {
            return;
        }
        Object.assign(this.state, { loading: true, error: null });
        try {
            const pane = await this.context.pane(place);
            if (key === this.placeKey) {
                this.state.pane = pane;
            }
        } catch (error) {
            if (key === this.placeKey) {
                Object.assign(this.state, { pane: null, error: errorMessage(error) });
            }
        } finally {
            if (key === this.placeKey) {
                this.state.loading = false;
            }
        }
    }

    /** After a contact was created or linked: every pane may name it now. */
    reload() {
        this.context.forget();
        this.load();
    }

    toggle() {
        this.state.collapsed = !this.state.collapsed;
        browser.localStorage.setItem(COLLAPSED_KEY, this.state.collapsed ? "1" : "0");
    }

    /** The component showing a section: the registry's, or the list of its records. */
    componentOf(section) {
        return contextSections.get(section.key, ContextRecords);
    }

    get sender() {
        return this.state.pane?.sender || null;
    }

    get others() {
        return this.state.pane?.others || [];
    }

    get toggleTitle() {
        return this.state.collapsed
            ? _t("Show the contact and business of the sender")
            : _t("Hide the contact and business of the sender");
    }

    personTitle(person) {
        return this.state.open[person.partner.res_id]
            ? _t("Hide the business of this contact")
            : _t("Show the business of this contact");
    }

    get othersLabel() {
        return _t("Other people (%(count)s)", { count: this.others.length });
    }

    /** A record in a dialog over the mail, which stays open behind it. */
    openRecord(line) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: line.res_model,
            res_id: line.res_id,
            views: [[false, "form"]],
            target: "new",
        });
    }

    openMessage(ref) {
        openMessageAt(this.props.model, {
            accountId: ref.account,
            folder: ref.folder,
            uidvalidity: ref.uidvalidity,
            uid: ref.uid,
        });
    }

    /** Folds a person of the message out (loading their sections once) or in. */
    async togglePerson(person) {
        const id = person.partner.res_id;
        if (this.state.open[id]) {
            delete this.state.open[id];
            return;
        }
        this.state.open[id] = { loading: true, sections: [], error: null };
        try {
            this.state.open[id].sections = await this.context.sections(id);
        } catch (error) {
            this.state.open[id].error = errorMessage(error);
        } finally {
            if (this.state.open[id]) {
                this.state.open[id].loading = false;
            }
        }
    }

    /** Odoo's contact form with what the header and the signature suggest, to edit. */
    createContact() {
        const suggested = this.sender.new_contact;
        const context = { default_name: suggested.name, default_email: suggested.email };
        if (suggested.phone) {
            context.default_phone = suggested.phone;
        }
        if (suggested.parent_id) {
            context.default_parent_id = suggested.parent_id;
        } else if (suggested.company_name) {
            context.default_company_name = suggested.company_name;
        }
        this.dialog.add(FormViewDialog, {
            resModel: "res.partner",
            title: _t("Create contact"),
            context,
            onRecordSaved: () => this.reload(),
        });
    }

    /** A contact picked from the list gets the sender's address (see roles/context.py). */
    linkContact() {
        const place = this.place;
        this.dialog.add(SelectCreateDialog, {
            resModel: "res.partner",
            title: _t("Link to existing contact"),
            multiSelect: false,
            noCreate: true,
            onSelected: async ([partnerId]) => {
                try {
                    const { partner, created } = await this.context.linkSender(place, partnerId);
                    this.notification.add(
                        created
                            ? _t(
                                  "The contact already has an e-mail address: %(name)s was added as a new contact of its company.",
                                  { name: partner.display_name }
                              )
                            : _t("The address was added to %(name)s.", {
                                  name: partner.display_name,
                              }),
                        { type: "success" }
                    );
                    this.reload();
                } catch (error) {
                    this.notification.add(errorMessage(error), {
                        title: _t("Mail"),
                        type: "danger",
                    });
                }
            },
        });
    }
}
