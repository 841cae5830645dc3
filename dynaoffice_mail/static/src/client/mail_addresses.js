/**
 * Recipients as the composer holds them: strings a user could type, "Anna Berg
 * <anna@example.com>" or "bob@example.com". The server parses them again (and refuses what
 * it cannot send); this side only splits what was typed or pasted and flags what is
 * obviously wrong, so that a typo shows in red before sending.
 */

/** "a@x.de, Anna <b@y.de>; "Berg, Anna" <c@z.de>" -> one entry per address. */
export function splitRecipients(text) {
    const pieces = [];
    let current = "";
    let quoted = false;
    let angle = false;
    let escaped = false;
    for (const char of text || "") {
        if (escaped) {
            escaped = false;
        } else if (quoted && char === "\\") {
            escaped = true;
        } else if (char === '"' && !angle) {
            quoted = !quoted;
        } else if (char === "<" && !quoted) {
            angle = true;
        } else if (char === ">" && !quoted) {
            angle = false;
        } else if ((char === "," || char === ";" || char === "\n") && !quoted && !angle) {
            pieces.push(current);
            current = "";
            continue;
        }
        current += char;
    }
    pieces.push(current);
    return pieces.map((piece) => piece.replace(/\s+/g, " ").trim()).filter(Boolean);
}

/** {name, email} of one entry; `email` is what stands between < and >, else the entry. */
export function parseRecipient(entry) {
    const text = (entry || "").trim();
    const match = /^(.*?)\s*<([^<>]*)>$/s.exec(text);
    if (!match) {
        return { name: "", email: text };
    }
    let name = match[1].trim();
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
        name = name.slice(1, -1).replace(/\\(.)/g, "$1");
    }
    return { name, email: match[2].trim() };
}

/**
 * False for what cannot be an address: no "@", nothing before or after it, a space or a
 * second "@" in it, or a domain without a dot.
 */
export function isValidRecipient(entry) {
    const text = (entry || "").trim();
    if (!text || (text.includes("<") && !/<[^<>]*>$/.test(text))) {
        return false;
    }
    const { email } = parseRecipient(text);
    const at = email.lastIndexOf("@");
    if (at < 1 || at === email.length - 1 || /\s/.test(email)) {
        return false;
    }
    const local = email.slice(0, at);
    const domain = email.slice(at + 1);
    return !local.includes("@") && /^[^.].*\.[^.]+$/.test(domain) && !domain.includes("..");
}

/** What a recipient chip shows: the name if there is one, else the address. */
export function recipientLabel(entry) {
    const { name, email } = parseRecipient(entry);
    return name || email;
}

/** The address part of an entry, lower-cased: to find the same person twice. */
export function recipientKey(entry) {
    return parseRecipient(entry).email.toLowerCase();
}
