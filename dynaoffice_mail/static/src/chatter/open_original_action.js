import { messageActionsRegistry } from "@mail/core/common/message_actions";
import { _t } from "@web/core/l10n/translation";

/**
 * "Open the original in the mail client" on chatter entries that were assigned from a
 * mailbox: the server finds the message (also where another mail program moved it) and
 * says so where it is gone or the user may not use its mailbox.
 */
messageActionsRegistry.add("dynaoffice-open-original", {
    condition: (component) =>
        Boolean(component.props.message.dynaoffice_mail_assigned) &&
        component.store.self.isInternalUser,
    icon: "fa fa-envelope-open-o",
    title: _t("Open the original in the mail client"),
    onClick: async (component) => {
        const { action, orm } = component.env.services;
        const clientAction = await orm.call(
            "mail.message",
            "dynaoffice_mail_action_open_original",
            [[component.props.message.id]]
        );
        await action.doAction(clientAction);
    },
    // Before "Mark as Todo": in a chatter only the first two actions show without a click.
    sequence: 25,
});
