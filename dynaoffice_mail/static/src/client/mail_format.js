import { formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";

const { DateTime } = luxon;

/** A message date (ISO 8601 from the server) in the user's time zone, or null. */
export function parseMailDate(value) {
    if (!value) {
        return null;
    }
    const date = DateTime.fromISO(value);
    return date.isValid ? date : null;
}

/**
 * The date column as other mail clients show it: the time for today's mail, "Yesterday",
 * the weekday within the last week, the date before that.
 */
export function formatListDate(date, now = DateTime.now()) {
    if (!date) {
        return "";
    }
    if (date.hasSame(now, "day")) {
        return date.toLocaleString(DateTime.TIME_SIMPLE);
    }
    if (date.hasSame(now.minus({ days: 1 }), "day")) {
        return _t("Yesterday");
    }
    if (date > now.minus({ days: 6 }).startOf("day") && date < now) {
        return date.toFormat("cccc");
    }
    return formatDate(date);
}

/** The full date and time, for tooltips and the reading pane. */
export function formatFullDate(date) {
    return date ? date.toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY) : "";
}

/** 512 B, 14 KB, 2.4 MB: sizes as mail clients show them. */
export function formatSize(bytes) {
    if (bytes === null || bytes === undefined) {
        return "";
    }
    const units = [_t("B"), _t("KB"), _t("MB"), _t("GB")];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    const decimals = unit === 0 || value >= 10 ? 0 : 1;
    return `${formatFloat(value, { digits: [false, decimals] })} ${units[unit]}`;
}

/** "Name" if the sender has one, else the address. */
export function addressLabel(address) {
    return (address && (address.name || address.address)) || "";
}

/** "Name <address>", or just the address. */
export function addressFull(address) {
    if (!address) {
        return "";
    }
    if (address.name && address.address) {
        return `${address.name} <${address.address}>`;
    }
    return address.name || address.address || "";
}

export function addressesLabel(addresses) {
    return (addresses || []).map(addressLabel).filter(Boolean).join(", ");
}

export function addressesFull(addresses) {
    return (addresses || []).map(addressFull).filter(Boolean).join(", ");
}

const URL_PATTERN = /\b(?:https?:\/\/|mailto:)[^\s<>"']+[^\s<>"'.,;:!?)\]}]/gi;

/**
 * Plain text cut into text and link pieces, for a template that renders each piece with
 * t-esc: links become <a> elements with only http(s) or mailto targets, nothing else of
 * the mail ever becomes markup.
 */
export function splitLinks(text) {
    const pieces = [];
    let last = 0;
    for (const match of (text || "").matchAll(URL_PATTERN)) {
        if (match.index > last) {
            pieces.push({ text: text.slice(last, match.index) });
        }
        pieces.push({ text: match[0], href: match[0] });
        last = match.index + match[0].length;
    }
    if (last < (text || "").length) {
        pieces.push({ text: text.slice(last) });
    }
    return pieces;
}

/** A Font Awesome icon for an attachment's MIME type. */
export function mimeIcon(mimeType) {
    const type = (mimeType || "").toLowerCase();
    if (type.startsWith("image/")) {
        return "fa-file-image-o";
    }
    if (type === "application/pdf") {
        return "fa-file-pdf-o";
    }
    if (type.startsWith("text/")) {
        return "fa-file-text-o";
    }
    if (type.startsWith("audio/")) {
        return "fa-file-audio-o";
    }
    if (type.startsWith("video/")) {
        return "fa-file-video-o";
    }
    if (/zip|compressed|tar|rar|7z/.test(type)) {
        return "fa-file-archive-o";
    }
    if (/word|opendocument\.text|rtf/.test(type)) {
        return "fa-file-word-o";
    }
    if (/excel|spreadsheet|csv/.test(type)) {
        return "fa-file-excel-o";
    }
    if (/powerpoint|presentation/.test(type)) {
        return "fa-file-powerpoint-o";
    }
    if (type === "message/rfc822") {
        return "fa-envelope-o";
    }
    return "fa-file-o";
}
