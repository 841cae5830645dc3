import { Component, onWillStart, useState } from "@odoo/owl";
import { parseHTML } from "@html_editor/utils/html";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { useDebounced } from "@web/core/utils/timing";
import { errorMessage, useMailRpc } from "./mail_rpc";

/**
 * Reply templates (Odoo mail templates, the user's own and the group's): a searchable list;
 * the chosen one, rendered for the first recipient's contact, goes into the text where the
 * cursor is (and becomes the subject where there is none yet).
 */
export class TemplateMenu extends Component {
    static template = "dynaoffice_mail.TemplateMenu";
    static components = { Dialog };
    static props = {
        accountId: Number,
        recipients: Array,
        onInsert: Function,
        close: Function,
    };

    setup() {
        this.rpc = useMailRpc();
        this.state = useState({ term: "", templates: [], error: "", busy: false });
        this.search = useDebounced(() => this.load(), 200);
        onWillStart(() => this.load());
    }

    get title() {
        return _t("Reply templates");
    }

    async load() {
        try {
            this.state.templates = await this.rpc.call("client_reply_templates", [
                [this.props.accountId],
                this.state.term,
            ]);
            this.state.error = "";
        } catch (error) {
            this.state.error = errorMessage(error);
        }
    }

    onInput(event) {
        this.state.term = event.target.value;
        this.search();
    }

    onKeydown(event) {
        if (event.key === "Enter" && this.state.templates.length) {
            event.preventDefault();
            this.choose(this.state.templates[0]);
        }
    }

    async choose(template) {
        this.state.busy = true;
        try {
            const rendered = await this.rpc.call("client_render_template", [
                [this.props.accountId],
                template.id,
                this.props.recipients,
            ]);
            this.props.onInsert(rendered);
            this.props.close();
        } catch (error) {
            this.state.error = errorMessage(error);
        } finally {
            this.state.busy = false;
        }
    }
}

/**
 * The rendered template's text into `editor` where its cursor is (at the start of the text
 * when the cursor is elsewhere, as after choosing from the toolbar).
 */
export function insertTemplate(editor, html) {
    if (!editor || editor.isDestroyed || !editor.editable) {
        return;
    }
    const selection = editor.shared.selection.getEditableSelection();
    if (!selection?.anchorNode || !editor.editable.contains(selection.anchorNode)) {
        editor.shared.selection.setCursorStart(editor.editable.firstElementChild);
    }
    editor.shared.dom.insert(parseHTML(editor.document, html));
    editor.shared.history.addStep();
}

/** The editor's "/" command "Reply template", which opens the list (`open()`). */
export function templateCommands(open) {
    return {
        user_commands: [
            {
                id: "dynaofficeMailReplyTemplate",
                title: _t("Reply template"),
                description: _t("Insert one of your reply templates"),
                icon: "fa-file-text-o",
                run: open,
            },
        ],
        powerbox_items: [{ categoryId: "basic_block", commandId: "dynaofficeMailReplyTemplate" }],
    };
}
