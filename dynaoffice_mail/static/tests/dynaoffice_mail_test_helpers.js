import { Deferred } from "@odoo/hoot-mock";
import { start } from "@mail/../tests/mail_test_helpers";
import { getService, mockService } from "@web/../tests/web_test_helpers";
import { RPCError } from "@web/core/network/rpc";
import { MailRpc } from "@dynaoffice_mail/client/mail_rpc";

/**
 * A stand-in for the mail account's `client_*` methods: `handlers[method](...args, kwargs)`
 * answers (a value, a promise, or throws). Every call is recorded in `calls`. The models get
 * the real MailRpc over it, so what they do with the server's errors is the client's.
 */
export function makeMailServer(handlers) {
    const calls = [];
    const orm = {
        call(model, method, args = [], kwargs = {}) {
            calls.push({ model, method, args, kwargs });
            const handler = handlers[method];
            if (!handler) {
                return Promise.reject(new Error(`unexpected call: ${method}`));
            }
            try {
                return Promise.resolve(handler(...args, kwargs));
            } catch (error) {
                return Promise.reject(error);
            }
        },
        get silent() {
            return orm;
        },
    };
    return {
        calls,
        handlers,
        rpc: new MailRpc(orm),
        callsOf: (method) => calls.filter((call) => call.method === method),
    };
}

/** Answers that arrive when the test says so: `hold()` is a handler, `release` answers. */
export function makeHeldAnswers() {
    const pending = [];
    return {
        pending,
        hold(...args) {
            const deferred = new Deferred();
            pending.push({ args, deferred });
            return deferred;
        },
    };
}

/** An error as Odoo's RPC layer raises it for a server exception of class `name`. */
export function serverError(message, name = "odoo.exceptions.UserError") {
    const error = new RPCError(message);
    error.data = { name, message, arguments: [message] };
    error.exceptionName = name;
    return error;
}

/** What the user saw in notifications: `{message, type, title}`. */
export function makeNotifications() {
    const shown = [];
    return {
        shown,
        add(message, options = {}) {
            shown.push({ message: String(message), type: options.type, title: options.title });
            return () => {};
        },
    };
}

/**
 * The web client with the mail client opened (`params`: its action's), its calls answered
 * by `server` (makeMailServer). Returns what the user saw in notifications.
 */
export async function startMailClient(server, params = {}) {
    const notifications = makeNotifications();
    mockService("dynaoffice_mail.rpc", () => server.rpc);
    mockService("notification", () => notifications);
    await start();
    await getService("action").doAction({
        type: "ir.actions.client",
        tag: "dynaoffice_mail.client",
        name: "Mailbox",
        params,
    });
    return notifications;
}
