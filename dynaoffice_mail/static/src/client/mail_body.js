/**
 * The editor's HTML as mail: mail programs know no Odoo style sheet, so what the editor
 * expresses with classes (font sizes, bordered tables, check lists) is written into the
 * elements' style attributes, from the styles the browser computed for them.
 *
 * Only those few classes: the rest of the editor's formatting is inline already (colours,
 * alignment) or plain HTML (bold, lists, headings, links), and the quoted original keeps
 * its own markup untouched.
 */

const FONT_SIZE_CLASSES = '[class*="-fs"]';
const BORDERED_TABLES = "table.table-bordered";

/**
 * @param {HTMLElement} root a copy of the editable, placed in the document beside it (so
 *      that the editor's style sheets apply to it); changed in place
 */
export function inlineEditorFormatting(root) {
    const view = root.ownerDocument.defaultView;
    const writes = [];
    for (const element of root.querySelectorAll(FONT_SIZE_CLASSES)) {
        if (!element.style.fontSize) {
            const size = view.getComputedStyle(element).fontSize;
            writes.push(() => element.style.setProperty("font-size", size));
        }
    }
    for (const table of root.querySelectorAll(BORDERED_TABLES)) {
        writes.push(() => table.style.setProperty("border-collapse", "collapse"));
        for (const cell of table.querySelectorAll("td, th")) {
            const style = view.getComputedStyle(cell);
            const color = style.borderTopColor;
            const padding = style.padding;
            writes.push(() => {
                if (!cell.style.border) {
                    cell.style.setProperty("border", `1px solid ${color}`);
                }
                if (!cell.style.padding) {
                    cell.style.setProperty("padding", padding);
                }
            });
        }
    }
    for (const item of root.querySelectorAll("ul.o_checklist > li")) {
        // The boxes are drawn by the style sheet; in mail they become characters.
        const mark = item.classList.contains("o_checked") ? "\u2611\u00a0" : "\u2610\u00a0";
        writes.push(() => {
            item.prepend(root.ownerDocument.createTextNode(mark));
            item.parentElement.style.setProperty("list-style", "none");
        });
    }
    // Read everything first, then write: one layout, not one per element.
    for (const write of writes) {
        write();
    }
    for (const element of [root, ...root.querySelectorAll("[contenteditable]")]) {
        element.removeAttribute("contenteditable");
    }
}
