import { describe, expect, test } from "@odoo/hoot";
import { snoozeChoices } from "@dynaoffice_mail/client/snooze_menu";
import { folderLabel } from "@dynaoffice_mail/client/mail_folders";
import { patchTranslations } from "@web/../tests/web_test_helpers";

describe.current.tags("headless");

const { DateTime } = luxon;

function at(iso) {
    return DateTime.fromISO(iso, { zone: "Europe/Berlin" });
}

function shown(choices) {
    return choices.map((choice) => [choice.key, choice.until.toISO({ includeOffset: false })]);
}

test("snooze choices on a Friday afternoon, in the user's zone", () => {
    expect(shown(snoozeChoices(at("2026-12-04T14:20:00")))).toEqual([
        ["later_today", "2026-12-04T17:00:00.000"],
        ["tomorrow", "2026-12-05T08:00:00.000"],
        ["next_week", "2026-12-07T08:00:00.000"],
    ]);
});

test("no 'later today' in the evening; next week is the Monday after a Sunday", () => {
    expect(shown(snoozeChoices(at("2026-12-06T19:05:00")))).toEqual([
        ["tomorrow", "2026-12-07T08:00:00.000"],
        ["next_week", "2026-12-07T08:00:00.000"],
    ]);
});

test("the Snoozed folder has a name in German", () => {
    patchTranslations({ Snoozed: "Zurückgestellt" });
    expect(folderLabel({ name: "Snoozed", special_use: null, path: ["Snoozed"] })).toBe(
        "Zurückgestellt"
    );
});
