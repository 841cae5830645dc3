import { describe, expect, test } from "@odoo/hoot";
import { queryOne } from "@odoo/hoot-dom";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { mountWithCleanup } from "@web/../tests/web_test_helpers";
import { MessageRow } from "@dynaoffice_mail/client/message_row";

describe.current.tags("headless");
defineMailModels();

function rowProps(message) {
    const noop = () => {};
    return {
        message: {
            uid: 7,
            seen: true,
            flagged: false,
            subject: "AW: Angebot",
            from_: [{ name: "Kunde", address: "kunde@example.com" }],
            size: 2048,
            ...message,
        },
        selected: false,
        cursor: false,
        open: false,
        outgoing: false,
        onClick: noop,
        onToggleSelect: noop,
        onToggleFlag: noop,
        onDragStart: noop,
        onDragEnd: noop,
    };
}

describe("dynaoffice_mail message row", () => {
    test("the first words of the text show on one line under the subject", async () => {
        const preview = "Hallo Anna, anbei das Angebot für nächste Woche. ".repeat(5).trim();
        await mountWithCleanup(MessageRow, { props: rowProps({ preview }) });
        expect(".o_dynaoffice_mail_row_preview").toHaveText(preview);
        const subject = queryOne(".o_dynaoffice_mail_row_subject");
        const line = queryOne(".o_dynaoffice_mail_row_preview");
        // Below the subject, one line cut with an ellipsis, quieter than the subject.
        expect(line.getBoundingClientRect().top).toBeGreaterThan(
            subject.getBoundingClientRect().top
        );
        expect(line).toHaveClass("text-truncate");
        expect(line).toHaveStyle({ "white-space": "nowrap", "text-overflow": "ellipsis" });
        expect(parseFloat(getComputedStyle(line).fontSize)).toBeLessThan(
            parseFloat(getComputedStyle(subject).fontSize)
        );
    });

    test("a message without text keeps a row as tall as the others", async () => {
        await mountWithCleanup(MessageRow, { props: rowProps({ preview: "Text" }) });
        const withText = queryOne(".o_dynaoffice_mail_row").getBoundingClientRect().height;
        await mountWithCleanup(MessageRow, { props: rowProps({ preview: "" }) });
        const rows = [...document.querySelectorAll(".o_dynaoffice_mail_row")];
        expect(rows).toHaveLength(2);
        expect(rows[1].getBoundingClientRect().height).toBe(withText);
        expect(rows[1].querySelector(".o_dynaoffice_mail_row_preview")).toHaveText("");
    });
});
