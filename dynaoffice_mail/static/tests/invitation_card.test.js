import { describe, expect, test } from "@odoo/hoot";
import { animationFrame } from "@odoo/hoot-mock";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { contains, mockService, mountWithCleanup } from "@web/../tests/web_test_helpers";
import { InvitationCard } from "@dynaoffice_mail/client/invitation_card";
import { makeMailServer, makeNotifications } from "./dynaoffice_mail_test_helpers";

describe.current.tags("headless");
defineMailModels();

const REF = { account: 1, folder: "INBOX", uidvalidity: 7, uid: 3 };

function message(attachments) {
    return { uid: 3, ref: REF, attachments };
}

const CARD = {
    method: "REQUEST",
    summary: "Angebot besprechen",
    when: "12.03.2026, 10:00 – 11:30",
    all_day: false,
    recurrence: "Repeats weekly",
    location: "Besprechungsraum 2",
    organizer: "Emily Carter <emily@example.org>",
    can_answer: true,
    calendar: true,
    answer: false,
    in_calendar: false,
    token: "0123456789abcdef0123456789abcdef",
};

async function mountCard(props, handlers = {}) {
    const server = makeMailServer({
        client_invitation: () => ({ ...CARD }),
        client_answer_invitation: (ids, folder, uidvalidity, uid, answer) => ({
            sent: true,
            error: false,
            problems: [],
            card: { ...CARD, answer, in_calendar: true, token: "f".repeat(32) },
        }),
        ...handlers,
    });
    const notifications = makeNotifications();
    mockService("dynaoffice_mail.rpc", () => server.rpc);
    mockService("notification", () => notifications);
    await mountWithCleanup(InvitationCard, { props });
    await animationFrame();
    return { server, notifications };
}

describe("dynaoffice_mail client: invitation card", () => {
    test("shows the event; Accept answers the organiser and shows the answer", async () => {
        const { server, notifications } = await mountCard({
            message: message([{ part: "1.3", mime_type: "text/calendar", filename: "invite.ics" }]),
        });
        expect(".o_dynaoffice_mail_invitation_title").toHaveText("Angebot besprechen");
        expect(".o_dynaoffice_mail_invitation_when").toHaveText("12.03.2026, 10:00 – 11:30");
        expect(".o_dynaoffice_mail_invitation_recurrence").toHaveText("Repeats weekly");
        expect(".o_dynaoffice_mail_invitation_answer").toHaveCount(0);
        expect(".o_dynaoffice_mail_invitation_accept").toHaveClass("btn-outline-success");

        await contains(".o_dynaoffice_mail_invitation_accept").click();
        expect(server.callsOf("client_answer_invitation")[0].args).toEqual([
            [1],
            "INBOX",
            7,
            3,
            "accepted",
            CARD.token,
        ]);
        expect(".o_dynaoffice_mail_invitation_answer").toHaveText("You accepted.");
        expect(".o_dynaoffice_mail_invitation_accept").toHaveClass("btn-success");
        expect(".o_dynaoffice_mail_invitation_accept").toHaveAttribute("aria-pressed", "true");
        expect(notifications.shown.map(({ message, type }) => [message, type])).toEqual([
            ["Your answer was sent to the organiser.", "success"],
        ]);

        // A second answer from the same card keeps its token: the server sends one mail for
        // one answer, however often it is clicked.
        await contains(".o_dynaoffice_mail_invitation_decline").click();
        expect(server.callsOf("client_answer_invitation")[1].args[5]).toBe(CARD.token);
        expect(".o_dynaoffice_mail_invitation_answer").toHaveText("You declined.");
    });

    test("a message without a calendar part asks for no card", async () => {
        const { server } = await mountCard({
            message: message([{ part: "2", mime_type: "application/pdf", filename: "a.pdf" }]),
        });
        expect(server.callsOf("client_invitation")).toHaveLength(0);
        expect(".o_dynaoffice_mail_invitation").toHaveCount(0);
    });

    test("a calendar the server cannot read is no card", async () => {
        await mountCard(
            { message: message([{ part: "2", mime_type: "text/calendar", filename: "" }]) },
            { client_invitation: () => false }
        );
        expect(".o_dynaoffice_mail_invitation").toHaveCount(0);
    });

    test("a cancelled event offers to remove it from the calendar, not to answer", async () => {
        const { server } = await mountCard(
            { message: message([{ part: "2", mime_type: "application/ics", filename: "x.ics" }]) },
            {
                client_invitation: () => ({
                    ...CARD,
                    method: "CANCEL",
                    can_answer: false,
                    in_calendar: true,
                    can_remove: true,
                }),
                client_answer_invitation: () => ({
                    sent: false,
                    error: false,
                    problems: [],
                    card: { ...CARD, method: "CANCEL", can_answer: false, in_calendar: false },
                }),
            }
        );
        expect(".o_dynaoffice_mail_invitation_cancelled").toHaveCount(1);
        expect(".o_dynaoffice_mail_invitation_accept").toHaveCount(0);
        await contains(".o_dynaoffice_mail_invitation_remove").click();
        expect(server.callsOf("client_answer_invitation")[0].args[4]).toBe("remove");
        expect(".o_dynaoffice_mail_invitation_remove").toHaveCount(0);
    });

    test("a cancellation not from the organiser says why and offers no removal", async () => {
        const notice =
            "This cancellation was not sent by the organiser (emily@example.org): it cannot " +
            "remove the event from your calendar.";
        await mountCard(
            { message: message([{ part: "2", mime_type: "text/calendar", filename: "" }]) },
            {
                client_invitation: () => ({
                    ...CARD,
                    method: "CANCEL",
                    notice,
                    can_answer: false,
                    in_calendar: true,
                    can_remove: false,
                }),
            }
        );
        expect(".o_dynaoffice_mail_invitation_notice").toHaveText(notice);
        expect(".o_dynaoffice_mail_invitation").not.toHaveText(/The organiser cancelled/);
        expect(".o_dynaoffice_mail_invitation_remove").toHaveCount(0);
    });
});

describe("an attendee's answer", () => {
    test("offers to update the calendar, then says the calendar has it", async () => {
        const reply = {
            ...CARD,
            method: "REPLY",
            notice: "Max Weber <max@example.org> has accepted the invitation.",
            can_answer: false,
            can_update: true,
            updated: false,
        };
        const { server } = await mountCard(
            { message: message([{ part: "2", mime_type: "text/calendar", filename: "" }]) },
            {
                client_invitation: () => reply,
                client_answer_invitation: () => ({
                    sent: false,
                    error: false,
                    problems: [],
                    card: { ...reply, updated: true },
                }),
            }
        );
        expect(".o_dynaoffice_mail_invitation_accept").toHaveCount(0);
        expect(".o_dynaoffice_mail_invitation_updated").toHaveCount(0);
        await contains(".o_dynaoffice_mail_invitation_update").click();
        expect(server.callsOf("client_answer_invitation")[0].args[4]).toBe("update");
        expect(".o_dynaoffice_mail_invitation_update").toHaveCount(0);
        expect(".o_dynaoffice_mail_invitation_updated").toHaveText(
            "Your calendar has this answer."
        );
    });

    test("one that may not update the calendar offers nothing", async () => {
        await mountCard(
            { message: message([{ part: "2", mime_type: "text/calendar", filename: "" }]) },
            {
                client_invitation: () => ({
                    ...CARD,
                    method: "REPLY",
                    can_answer: false,
                    can_update: false,
                    updated: false,
                }),
            }
        );
        expect(".o_dynaoffice_mail_invitation").toHaveCount(1);
        expect(".o_dynaoffice_mail_invitation_update").toHaveCount(0);
        expect(".o_dynaoffice_mail_invitation_updated").toHaveCount(0);
    });
});
