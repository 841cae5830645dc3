import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * The context pane's sections: the registry "dynaoffice_mail.context_sections" maps the key
 * of a section the server sends (models/dynaoffice_mail_context.py) to the Owl component that
 * shows it. A section without a component of its own is shown as a list of records
 * (ContextRecords). Another addon registers its own the same way:
 *
 *     registry.category("dynaoffice_mail.context_sections").add("repairs", MyRepairs);
 *
 * Each component gets `section` (the server's JSON) and `openRecord(line)`, `openMessage(ref)`.
 */
export const contextSections = registry.category("dynaoffice_mail.context_sections");

const sectionProps = {
    section: Object,
    openRecord: Function,
    openMessage: Function,
};

/** A section's records, each a line that opens it, and "All (N)" when there are more. */
export class ContextRecords extends Component {
    static template = "dynaoffice_mail.ContextRecords";
    static props = sectionProps;

    setup() {
        this.action = useService("action");
    }

    get more() {
        const { count, lines } = this.props.section;
        return count > lines.length;
    }

    get moreLabel() {
        return _t("All %(count)s", { count: this.props.section.count });
    }

    /** The section's records in a list of their own (a new breadcrumb). */
    openAll() {
        const { section } = this.props;
        const model = section.lines[0]?.res_model;
        this.action.doAction({
            type: "ir.actions.act_window",
            name: section.title,
            res_model: model,
            domain: section.domain,
            views: [
                [false, "list"],
                [false, "form"],
            ],
        });
    }
}

/** The contact and its company: avatar, position, phone, salesperson, tags. */
export class ContextContact extends Component {
    static template = "dynaoffice_mail.ContextContact";
    static props = sectionProps;

    get people() {
        const { contact, company } = this.props.section;
        return company ? [contact, company] : [contact];
    }
}

/** The newest mails assigned to the contact; each opens in the mail client. */
export class ContextMails extends ContextRecords {
    static template = "dynaoffice_mail.ContextMails";

    dateOf(line) {
        return line.date ? formatDateTime(deserializeDateTime(line.date)) : "";
    }
}

contextSections
    .add("contact", ContextContact, { sequence: 10 })
    .add("opportunities", ContextRecords, { sequence: 20 })
    .add("sales", ContextRecords, { sequence: 30 })
    .add("invoices", ContextRecords, { sequence: 40 })
    .add("tasks", ContextRecords, { sequence: 50 })
    .add("tickets", ContextRecords, { sequence: 60 })
    .add("mails", ContextMails, { sequence: 70 });
