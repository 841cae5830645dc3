import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";

/**
 * Desktop notifications for new mail, if the user wants them (the preference
 * `dynaoffice_mail_notify_desktop` of res.users) and the browser allows them.
 *
 * Told the Inbox unread counts each time the server gives them ({accountId: unread}), it
 * shows one notification per account whose count went up since the time before, while the
 * client cannot be seen (in a visible tab the list and the tab's title show new mail, and
 * a message the user marks unread again is no news). The first counts are where it starts:
 * mail that was there when the client opened is not new. A click on a notification brings
 * the window forward and calls `onOpen(accountId)`.
 */
export class NewMailNotifier {
    constructor({
        enabled = false,
        onOpen = () => {},
        isVisible = () => document.visibilityState !== "hidden",
    } = {}) {
        this.enabled = enabled;
        this.onOpen = onOpen;
        this.isVisible = isVisible;
        this.known = null;
    }

    static get supported() {
        return Boolean(browser.Notification);
    }

    get permitted() {
        return browser.Notification?.permission === "granted";
    }

    /**
     * @param {object} unread {accountId: unread mail in its Inbox}
     * @param {object[]} accounts the client's accounts
     * @returns {number} how many notifications were shown
     */
    observe(unread, accounts) {
        const known = this.known;
        this.known = { ...known, ...unread };
        if (!known || !this.enabled || !this.permitted || this.isVisible()) {
            return 0;
        }
        let shown = 0;
        for (const account of accounts) {
            const before = known[account.id];
            const now = unread[account.id];
            if (typeof before === "number" && typeof now === "number" && now > before) {
                this.show(account, now - before);
                shown++;
            }
        }
        return shown;
    }

    show(account, count) {
        const body =
            count === 1
                ? _t("1 new message in %(account)s", { account: account.name })
                : _t("%(count)s new messages in %(account)s", { count, account: account.name });
        const notification = new browser.Notification(_t("New mail"), {
            body,
            // One per account: a newer one replaces the one the user has not looked at.
            tag: `dynaoffice_mail.new_mail.${account.id}`,
        });
        notification.addEventListener("click", () => {
            notification.close();
            window.focus();
            this.onOpen(account.id);
        });
    }
}
