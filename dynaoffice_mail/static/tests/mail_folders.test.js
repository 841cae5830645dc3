import { describe, expect, test } from "@odoo/hoot";
import { folderPathLabel } from "@dynaoffice_mail/client/mail_folders";
import { patchTranslations } from "@web/../tests/web_test_helpers";

describe.current.tags("headless");

function folder(name, specialUse = null) {
    return { name, delimiter: "/", special_use: specialUse, path: name.split("/") };
}

test("a folder outside the tree is named as the tree names it, in German", () => {
    patchTranslations({ Inbox: "Posteingang", Sent: "Gesendet" });
    const inbox = folder("INBOX", "\\Inbox");
    const projects = folder("INBOX/Projekte");
    const sent = folder("Sent Items", "\\Sent");
    const customers = folder("Kunden/Müller/2026");
    const listed = [inbox, projects, sent, customers];
    expect(folderPathLabel(projects, listed)).toBe("Posteingang / Projekte");
    expect(folderPathLabel(inbox, listed)).toBe("Posteingang");
    expect(folderPathLabel(sent, listed)).toBe("Gesendet");
    // Parents the server does not list keep their own names.
    expect(folderPathLabel(customers, listed)).toBe("Kunden / Müller / 2026");
});
