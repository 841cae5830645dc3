/**
 * Where a message is: the server's `MessageRef` in its JSON form
 * `{account, folder, uidvalidity, uid}` (services/refs.py). A UID names the same message
 * only as long as the folder keeps its UIDVALIDITY, so the four always travel together.
 */

export function messageRef(account, folder, uidvalidity, uid) {
    return {
        account: Number(account),
        folder,
        uidvalidity: Number(uidvalidity),
        uid: Number(uid),
    };
}

/** Both name the same message (refs without an account match on the other three). */
export function sameRef(a, b) {
    if (!a || !b) {
        return false;
    }
    const sameAccount = !a.account || !b.account || Number(a.account) === Number(b.account);
    return (
        sameAccount &&
        a.folder === b.folder &&
        Number(a.uidvalidity) === Number(b.uidvalidity) &&
        Number(a.uid) === Number(b.uid)
    );
}

/** The download routes' query string (the account is in their path). */
export function refQuery(ref) {
    return new URLSearchParams({
        folder: ref.folder,
        uidvalidity: String(ref.uidvalidity),
        uid: String(ref.uid),
    }).toString();
}
