import { EventBus, markRaw } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

export const MAIL_ACCOUNT_MODEL = "dynaoffice.mail.account";

/** The text to show for a failed call: the server's (translated) message if it sent one. */
export function errorMessage(error) {
    return error?.data?.message || error?.message || String(error);
}

/**
 * The folder was renumbered on the server (its UIDVALIDITY changed): the UIDs the client
 * holds mean nothing any more. The server raises `FolderRenumberedError`; its message is
 * translated, its class name is not, and only the name is matched so that the exception
 * may live in any Python module.
 */
export function isFolderRenumbered(error) {
    if (error?.folderRenumbered) {
        return true;
    }
    const name = error?.data?.name || "";
    return name === "FolderRenumberedError" || name.endsWith(".FolderRenumberedError");
}

/**
 * The account logs in by token (OAuth2) and its grant expired or was revoked: the server
 * raises `ReconnectRequiredError`, and the client offers to connect the account again.
 */
export function isReconnectRequired(error) {
    const name = error?.data?.name || "";
    return name === "ReconnectRequiredError" || name.endsWith(".ReconnectRequiredError");
}

/**
 * The mail client's one way to the server: every `client_*` method of the mail account.
 *
 * `call(method, args, kwargs)` is `orm.call("dynaoffice.mail.account", method, args,
 * kwargs)`: for record methods `args[0]` is the list of account ids. `silent.call(...)` does
 * the same without Odoo's loading indicator (polling, autosave, suggestions).
 *
 * A call the server refuses because the folder was renumbered is rejected with its error
 * marked `folderRenumbered`, and `onFolderRenumbered` listeners hear of it first, so any
 * list showing that folder can start over from the top.
 */
export class MailRpc {
    constructor(orm, { bus = new EventBus(), silent = false } = {}) {
        this.orm = silent ? orm.silent : orm;
        this.raw = markRaw({ plainOrm: orm, bus, silent });
    }

    /** The same calls without the loading indicator. */
    get silent() {
        return this.raw.silent
            ? this
            : new MailRpc(this.raw.plainOrm, { bus: this.raw.bus, silent: true });
    }

    async call(method, args = [], kwargs = {}) {
        try {
            return await this.orm.call(MAIL_ACCOUNT_MODEL, method, args, kwargs);
        } catch (error) {
            if (isFolderRenumbered(error)) {
                error.folderRenumbered = true;
                this.raw.bus.trigger("FOLDER_RENUMBERED", { method, args, error });
            }
            throw error;
        }
    }

    /**
     * `callback({method, args, error})` after any call failed on a renumbered folder.
     * @returns {Function} stops listening
     */
    onFolderRenumbered(callback) {
        const listener = (ev) => callback(ev.detail);
        this.raw.bus.addEventListener("FOLDER_RENUMBERED", listener);
        return () => this.raw.bus.removeEventListener("FOLDER_RENUMBERED", listener);
    }

    isFolderRenumbered(error) {
        return isFolderRenumbered(error);
    }

    errorMessage(error) {
        return errorMessage(error);
    }
}

export const mailRpcService = {
    dependencies: ["orm"],
    start(env, { orm }) {
        return new MailRpc(orm);
    },
};

registry.category("services").add("dynaoffice_mail.rpc", mailRpcService);

export function useMailRpc() {
    return useService("dynaoffice_mail.rpc");
}
