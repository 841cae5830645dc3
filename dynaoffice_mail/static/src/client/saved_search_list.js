import { Component } from "@odoo/owl";

/** The user's saved searches under the folders: a click runs one, the cross deletes it. */
export class SavedSearchList extends Component {
    static template = "dynaoffice_mail.SavedSearchList";
    static props = {
        searches: Array,
        onRun: Function,
        onDelete: Function,
    };
}
