import { _t } from "@web/core/l10n/translation";
import { conversationOfUid } from "./conversation_model";

/**
 * Opens one message given by where it is ({accountId, folder, uidvalidity, uid}): from a
 * chatter's "open the original", from a contact's mail found across mailboxes, from the
 * address bar (mail_url.js). Its account and folder open first (the list shows the folder),
 * then the message in the reading pane, or, where the list shows conversations, the
 * conversation the message belongs to (if it is on the list's page; else the message).
 * Without a uid only the folder opens, without a folder the account at its Inbox.
 *
 * @returns {Promise<boolean>} whether the message (or folder) could be looked for
 */
export async function openMessageAt(model, place) {
    const accountId = Number(place.accountId);
    const { folder } = place;
    const uid = Number(place.uid);
    const notify = (message) =>
        model.services.notification.add(message, { title: _t("Mail"), type: "warning" });
    if (!model.accounts.some((account) => account.id === accountId)) {
        notify(_t("This mailbox is not available to you."));
        if (!model.accountId) {
            await model.openInitialAccount(null);
        }
        return false;
    }
    if (model.accountId !== accountId) {
        await model.openAccount(accountId, { folder });
    } else if (model.folder !== folder) {
        if (model.folders.some((each) => each.name === folder && each.selectable)) {
            await model.openFolder(folder);
        }
    }
    if (model.accountId !== accountId) {
        return false; // the user went elsewhere meanwhile
    }
    if (!folder) {
        return true;
    }
    if (model.folder !== folder) {
        notify(_t("The folder “%(folder)s” no longer exists.", { folder }));
        return false;
    }
    if (!uid) {
        if (model.messageUid !== null) {
            model.closeMessage();
        }
        model.conversationKey = null;
        return true;
    }
    if (!model.page) {
        await model.reloadList();
    }
    if (model.page && Number(model.page.uidvalidity) !== Number(place.uidvalidity)) {
        notify(
            _t(
                "The mail server renumbered the folder “%(folder)s”: find the message in the list.",
                { folder }
            )
        );
        return false;
    }
    const conversation = model.conversationMode ? conversationOfUid(model.page, uid) : null;
    if (conversation) {
        model.closeMessage();
        model.conversationKey = conversation.key;
        return true;
    }
    await model.openMessage(uid);
    return true;
}
