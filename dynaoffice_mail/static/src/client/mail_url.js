/**
 * The mail client's place in the address bar, so that a reload, the browser's back and
 * forward and a link sent to a colleague open the same mailbox, folder and message:
 *
 *     /odoo/mail?account=3&folder=INBOX%2FProjekte&uidvalidity=1700000000&uid=42
 *
 * The keys are those of a message's ref (message_ref.js): a UID names a message only
 * together with its folder's UIDVALIDITY. The server actions' older `account_id` is read too.
 * Nothing read here is trusted: numbers must be positive integers, and whether the account
 * may be used and the folder exists is decided by the client (open_message_at.js) against
 * the lists the server gave it.
 *
 * A place: {accountId, folder, uidvalidity, uid}, each null where nothing is open.
 */

// IMAP's UIDs and UIDVALIDITY are unsigned 32-bit numbers (RFC 3501 2.3.1.1).
const MAX_UID = 2 ** 32 - 1;
const MAX_ID = 2 ** 31 - 1;
// A longer name is no folder of any server we speak to (and no URL a browser keeps).
const MAX_FOLDER_LENGTH = 1000;

export const NOWHERE = Object.freeze({ accountId: null, folder: null, uidvalidity: null, uid: null });

function positiveInt(value, max) {
    let number = NaN;
    if (typeof value === "number") {
        number = value;
    } else if (typeof value === "string" && /^[0-9]{1,10}$/.test(value)) {
        number = Number(value);
    }
    return Number.isInteger(number) && number > 0 && number <= max ? number : null;
}

function folderName(value, search) {
    let name = value;
    if (typeof name === "number") {
        // Odoo's router turns values that look like numbers into numbers ("2024" -> 2024,
        // "007" -> 7): the name is read as the address spells it.
        const spelled = new URLSearchParams(search || "").get("folder");
        name = spelled !== null && Number(spelled) === name ? spelled : String(name);
    }
    if (typeof name !== "string" || !name || name.length > MAX_FOLDER_LENGTH) {
        return null;
    }
    // No control characters: they reach no IMAP command, and no real folder has them.
    return /[\u0000-\u001f\u007f]/.test(name) ? null : name;
}

/**
 * The place an action's params (the router's state on a reload or back/forward, or a server
 * action's params) ask for; what is malformed is left out, and what depends on it too (no
 * folder without an account, no message without its folder).
 *
 * @param {object} params
 * @param {string} [search] the address's query string (`location.search`)
 */
export function placeFromParams(params, search = "") {
    const accountId = positiveInt(params?.account ?? params?.account_id, MAX_ID);
    const folder = accountId ? folderName(params.folder, search) : null;
    const uidvalidity = folder ? positiveInt(params.uidvalidity, MAX_UID) : null;
    const uid = uidvalidity ? positiveInt(params.uid, MAX_UID) : null;
    return { accountId, folder, uidvalidity: uid ? uidvalidity : null, uid };
}

/**
 * The router's params for a place. Keys of what is not open are `undefined`: the router
 * drops them from the address.
 */
export function paramsOfPlace(place) {
    const { accountId, folder, uidvalidity, uid } = { ...NOWHERE, ...place };
    const message = Boolean(accountId && folder && uidvalidity && uid);
    return {
        account: accountId || undefined,
        folder: (accountId && folder) || undefined,
        uidvalidity: message ? uidvalidity : undefined,
        uid: message ? uid : undefined,
    };
}

/** Where the client is (`model`: the MailClientModel), as a place. */
export function placeOf(model) {
    const known = (uid) => uid !== null && uid !== undefined;
    // An open conversation is named by its newest message (its key), as the list names it.
    const conversation = model.conversationMode ? model.conversationKey : null;
    const uid = known(model.messageUid) ? model.messageUid : conversation;
    const open = known(uid) && model.page;
    return {
        accountId: model.accountId || null,
        folder: (model.accountId && model.folder) || null,
        uidvalidity: open ? Number(model.page.uidvalidity) : null,
        uid: open ? uid : null,
    };
}

export function samePlace(a, b) {
    return Boolean(a && b) && Object.keys(NOWHERE).every((key) => a[key] === b[key]);
}
