"""The hostile corpus in the real client, in headless Chromium, watched through DevTools.

Every message of the corpus is delivered to a real Dovecot mailbox and shown as a user
would see it: its row in the list, the reading pane, the preview of its attachments, and
the composer as reply and as forward (discarded again). Meanwhile a second DevTools client
(cdp_recorder.CdpRecorder), attached to every page, frame and popup of the browser, records
every script compiled, dialog, navigation and request; the corpus' remote host is a counting
server on the loopback, which counts the requests that arrive.

What must hold: no script of a message runs, no dialog opens, nothing navigates away, and no
request leaves for another host, until the user asks to "Show remote content"; then only
images load. A self-test at the end shows that the recorder does see each of these things
when they happen, so that the zeros mean something.
"""

import contextlib
import datetime
import json
import re
import time
import urllib.parse

import imapclient

from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, ChromeBrowser

from .cdp_recorder import CdpRecorder, CountingServer
from .common import MailServerCase
from .hostile_corpus import corpus, hostile_folder_names
from .hostile_report import record

CLIENT_URL = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
DRIVER_URL = "dynaoffice_hostile_driver.js"
SELFTEST = "SELFTEST"

# The client, driven as a user would: real DOM events on the real elements, waiting for what
# the user would wait for. Installed once in the page; each step is one call.
DRIVER = r"""
window.dynaofficeHostile = (() => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const $ = (selector, root = document) => root.querySelector(selector);
    const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
    async function until(what, check, timeout = 20000) {
        const end = Date.now() + timeout;
        while (Date.now() < end) {
            const value = check();
            if (value) {
                return value;
            }
            await sleep(40);
        }
        throw new Error(`timed out waiting for ${what}`);
    }
    /** Until `check` holds, for at most `ms`: a pause that ends early when nothing is left
     * to wait for. */
    async function settle(check, ms) {
        const end = Date.now() + ms;
        while (Date.now() < end && !check()) {
            await sleep(10);
        }
    }
    const listIdle = () => $(".o_dynaoffice_mail_rows[aria-busy='false']");
    const reading = () => $(".o_dynaoffice_mail_reading_pane");
    const confirmButton = ".modal .modal-footer .btn-danger, .modal .modal-footer .btn-primary";

    /** After Discard: the composer closes at once, or asks first. */
    async function confirmIfAsked() {
        await until(
            "the composer to close or ask",
            () => !$(".o_dynaoffice_mail_composer") || $(confirmButton)
        );
        const confirm = $(confirmButton);
        if (confirm) {
            confirm.click();
            await until("the dialog to close", () => !$(".modal .modal-footer"));
        }
    }

    return {
        async ready() {
            const inbox = ".o_dynaoffice_mail_folder[data-folder='INBOX'].active";
            await until("the Inbox", () => $(inbox));
            await until("the list", listIdle);
            return true;
        },
        /** Every folder of the tree, its subfolders unfolded. */
        async folders() {
            for (let round = 0; round < 20; round++) {
                const closed = $$(".o_dynaoffice_mail_folder_toggle .fa-caret-right");
                if (!closed.length) {
                    break;
                }
                for (const caret of closed) {
                    caret.closest("button").click();
                }
                await sleep(100);
            }
            return $$(".o_dynaoffice_mail_folder").map((element) => element.dataset.folder);
        },
        /** The page of the list shown now: its rows' UIDs, and whether a next page exists. */
        async page() {
            await until("the list", listIdle);
            const next = $(".o_dynaoffice_mail_next");
            return {
                uids: $$(".o_dynaoffice_mail_row").map((row) => Number(row.dataset.uid)),
                range: $(".o_dynaoffice_mail_range")?.textContent || "",
                hasNext: Boolean(next && !next.disabled),
            };
        },
        async nextPage() {
            const before = $(".o_dynaoffice_mail_range").textContent;
            $(".o_dynaoffice_mail_next").click();
            await until(
                "the next page",
                () => listIdle() && $(".o_dynaoffice_mail_range").textContent !== before
            );
            return true;
        },
        /** Opens a message from its row; waits for its body to load in the frame. */
        async open(uid) {
            const selector = `.o_dynaoffice_mail_row[data-uid='${uid}']`;
            const row = await until("the row", () => $(selector));
            row.scrollIntoView({ block: "nearest" });
            row.click();
            await until(
                "the message",
                () =>
                    $(`.o_dynaoffice_mail_row[data-uid='${uid}'].o_open`) &&
                    $(".o_dynaoffice_mail_reading_toolbar", reading()) &&
                    !$(".o_dynaoffice_mail_reading_toolbar .fa-spin", reading())
            );
            const frame = $("iframe.o_dynaoffice_mail_body", reading());
            if (frame) {
                await until(
                    "the body frame",
                    () =>
                        frame.classList.contains("o_loaded") &&
                        frame.contentDocument?.readyState === "complete"
                );
            }
            return {
                frame: Boolean(frame),
                sandbox: frame ? frame.getAttribute("sandbox") : null,
                remoteBar: Boolean($(".o_dynaoffice_mail_show_remote", reading())),
                attachments: $$(".o_dynaoffice_mail_attachment", reading()).length,
                previews: $$(".o_dynaoffice_mail_attachment_preview", reading()).map(
                    (element) => element.tagName
                ),
            };
        },
        /** The attachment previews: images in Odoo's viewer, others in a new tab. */
        async preview(index) {
            const control = $$(".o_dynaoffice_mail_attachment_preview", reading())[index];
            control.click();
            if (control.tagName !== "BUTTON") {
                return "tab";
            }
            const viewer = await until("the viewer", () => $(".o-FileViewer"));
            await until("the previewed image", () => {
                const image = $("img.o-FileViewer-viewImage", viewer);
                return !image || image.complete;
            });
            $(".o-FileViewer-headerButton[title='Close (Esc)']").click();
            await until("the viewer to close", () => !$(".o-FileViewer"));
            return "viewer";
        },
        /** Reply or forward in the composer, loaded with the quoted original, then discarded. */
        async compose(mode) {
            const button = `.o_dynaoffice_mail_${mode === "forward" ? "forward" : "reply"}`;
            $(button, reading()).click();
            const composer = await until("the composer", () => $(".o_dynaoffice_mail_composer"));
            const loaded = await until(
                "the composer to load",
                () =>
                    $(".o_dynaoffice_mail_composer_failed", composer) ||
                    $(".o_dynaoffice_mail_composer_body .odoo-editor-editable", composer)
            );
            const failed = loaded.classList.contains("o_dynaoffice_mail_composer_failed");
            // Let the quoted original settle in the editor first: its images loaded or failed
            // (and their events dispatched), for at most the 100 ms this waited before.
            await settle(() => $$("img", composer).every((image) => image.complete), 100);
            await sleep(0);
            if (failed) {
                $(".btn-secondary", loaded).click();
            } else {
                await until("Discard", () => !$(".o_dynaoffice_mail_discard", composer).disabled);
                $(".o_dynaoffice_mail_discard", composer).click();
                await confirmIfAsked();
            }
            await until("the composer to close", () => !$(".o_dynaoffice_mail_composer"));
            return failed ? "failed" : "discarded";
        },
        /** Searches with the search box, as a user would; the rows found. */
        async search(text, expected) {
            const input = $(".o_dynaoffice_mail_search_text");
            input.value = text;
            input.dispatchEvent(new Event("input", { bubbles: true }));
            input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
            const rows = () => $$(".o_dynaoffice_mail_row").map((row) => Number(row.dataset.uid));
            try {
                await until("the search", () => listIdle() && rows().includes(expected), 10000);
            } catch {
                // What was found instead, for the test to tell.
            }
            return rows();
        },
        async showRemote() {
            const frame = $("iframe.o_dynaoffice_mail_body", reading());
            $(".o_dynaoffice_mail_show_remote", reading()).click();
            const reloaded = await until("the body with remote content", () => {
                const now = $("iframe.o_dynaoffice_mail_body", reading());
                return now && now !== frame && now.src.includes("remote=1") && now;
            });
            await until(
                "the body frame",
                () =>
                    reloaded.classList.contains("o_loaded") &&
                    reloaded.contentDocument?.readyState === "complete"
            );
            return true;
        },
        /** The self-test: what a hostile message would do if nothing stopped it. */
        async selftest(base) {
            const frame = document.createElement("iframe");
            frame.className = "o_dynaoffice_hostile_selftest";
            frame.srcdoc =
                "<script>fetch('" + base + "/SELFTEST/fetch', {mode: 'no-cors'}).catch(() => {});" +
                "alert('SELFTEST');" +
                "location.href = '" + base + "/SELFTEST/page';<\/script>";
            document.body.append(frame);
            await until("the self-test page", () => {
                try {
                    return frame.contentWindow.location.href.includes("/SELFTEST/page") || null;
                } catch {
                    return true; // cross-origin now: navigated away
                }
            });
            await sleep(500);
            document.body.insertAdjacentHTML(
                "beforeend",
                "<img class='o_dynaoffice_hostile_selftest' src='data:image/png;base64,AAAA' " +
                    "onerror=\"this.dataset.mark = 'SELFTEST'\">"
            );
            const marked = "img.o_dynaoffice_hostile_selftest[data-mark]";
            await until("the inline handler", () => $(marked));
            for (const element of $$(".o_dynaoffice_hostile_selftest")) {
                element.remove();
            }
            return true;
        },
    };
})();
true
"""

# The page the self-test's frame navigates to: scripts in a foreign frame, a request more.
SELFTEST_PAGE = (
    b"<!DOCTYPE html><script>fetch('/SELFTEST/from-page').catch(() => {});</script>",
    "text/html",
)


@tagged("post_install", "-at_install")
class TestUiHostileMail(HttpCase, MailServerCase):
    browser_size = "1600x900"

    def setUp(self):
        super().setUp()
        self.create_owned_accounts()
        self.password = self.personal._decrypted_password("imap_password")
        self.remote = CountingServer({"/SELFTEST/page": SELFTEST_PAGE})
        self.addCleanup(self.remote.close)
        self.mails = corpus(remote_base=self.remote.base)
        self.folder_names = hostile_folder_names()
        self.odoo_origin = self.base_url()

    # -- the mailbox --------------------------------------------------------------------

    def deliver(self):
        """The corpus into the Inbox, the hostile folder names beside it: UID -> mail."""
        date = datetime.datetime.now(datetime.timezone.utc)
        self.servers.dovecot.write_messages(
            self.personal_address, [("INBOX", mail.raw, set(), date) for mail in self.mails]
        )
        by_uid = {}
        self.created_folders = []
        with self.imap(self.personal_address, self.password) as client:
            for name in self.folder_names:
                # The test Dovecot refuses some names (a "." in its Maildir++ layout); the
                # tree must show every name the server took.
                with contextlib.suppress(imapclient.exceptions.IMAPClientError):
                    client.create_folder(name)
                    self.created_folders.append(name)
            self.assertTrue(self.created_folders, "the server took hostile folder names")
            client.select_folder("INBOX", readonly=True)
            for mail in self.mails:
                found = client.search(["SUBJECT", mail.token])
                self.assertEqual(len(found), 1, f"{mail.token} finds exactly its message")
                by_uid[found[0]] = mail
        self.assertEqual(len(by_uid), len(self.mails))
        return by_uid

    # -- the browser ----------------------------------------------------------------------

    @contextlib.contextmanager
    def watched_browser(self, login):
        """Odoo's headless Chromium, logged in on the client, with the recorder attached
        before the client's first request (as HttpCase.browser_js sets it up)."""
        browser = ChromeBrowser(self)
        recorder = None
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate(login, login, browser=browser)
            self.http_request_strict_check = True
            self.cr.flush()
            self.cr.clear()
            recorder = CdpRecorder(browser.devtools_port)
            recorder.wait_attached()
            recorder.mark("load")
            browser.navigate_to(self.odoo_origin + CLIENT_URL, wait_stop=True)
            ready = "Boolean(document.querySelector('.o_dynaoffice_mail_client'))"
            self.assertTrue(browser._wait_ready(ready), "the client loaded")
            self.evaluate(browser, DRIVER)
            self.evaluate(browser, "dynaofficeHostile.ready()")
            recorder.mark("ready")
            yield browser, recorder
        finally:
            if recorder:
                recorder.close()
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag
            self.opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.http_request_key

    def evaluate(self, browser, expression, timeout=60):
        """One step in the page; fails the test on the client's own errors too."""
        answer = browser._websocket_request(
            "Runtime.evaluate",
            params={
                "expression": f"{expression}\n//# sourceURL={DRIVER_URL}",
                "awaitPromise": True,
                "returnByValue": True,
                "userGesture": True,
            },
            timeout=timeout,
        )
        if browser._result.done() and browser._result.exception():
            self.fail(f"the client failed: {browser._result.exception()}")
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.fail(f"{expression} failed in the browser: {text}")
        return answer["result"].get("value")

    def step(self, browser, recorder, label, call):
        recorder.mark(label)
        return self.evaluate(browser, f"dynaofficeHostile.{call}")

    # -- what the recorder saw --------------------------------------------------------------

    def is_foreign(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https", "ws", "wss", "ftp"):
            return False
        return f"{parsed.scheme}://{parsed.netloc}" != self.odoo_origin

    def markers(self):
        tokens = [mail.token for mail in self.mails]
        marks = [re.escape(each) for each in [self.remote.base, SELFTEST, *tokens]]
        # What the hostile folder names would run.
        return re.compile("|".join([*marks, r"alert\(", r"\bF0[0-9]\b"]))

    def mail_scripts(self, recorder, since):
        """Scripts that are not the client's: any in a frame or page other than the
        client's own, and those in the client's page that carry the corpus' marks."""
        markers = self.markers()
        found = []
        for event in recorder.of_kind("script", since):
            if event.url == DRIVER_URL:
                continue
            info = recorder.sessions.get(event.session, {})
            client_page = info.get("type") == "page" and not info.get("parent")
            if not client_page or event.frame != recorder.main_frames.get(event.session):
                found.append(event)
            elif not event.url.startswith(self.odoo_origin + "/web/") and markers.search(
                recorder.script_source(event)
            ):
                # The client's page: its bundles, inline scripts and compiled templates are
                # its own, unless they carry what only the corpus has.
                found.append(event)
        return found

    def navigations_away(self, recorder, since):
        """Anything that left the client or a body frame for another document, and pages
        opened other than by the user's click on an attachment's preview (a new tab)."""
        away = []
        for event in recorder.events[since:]:
            info = recorder.sessions.get(event.session, {})
            client_page = info.get("type") == "page" and not info.get("parent")
            if event.kind == "popup" and not event.label.endswith(":preview"):
                away.append(event)
            elif event.kind == "navigation" and client_page and event.details.get("main"):
                away.append(event)  # the client's page reloaded or left
            elif event.kind in ("navigation", "requested_navigation"):
                # The body and part frames of this server, and the client's own URLs.
                own = event.url.startswith(self.odoo_origin + "/dynaoffice_mail/") or (
                    event.kind == "navigation"
                    and client_page
                    and event.url.startswith(self.odoo_origin + "/odoo")
                )
                if not own and event.url not in ("about:blank", "about:srcdoc", ""):
                    away.append(event)
        return away

    def foreign_requests(self, recorder, since):
        return [event for event in recorder.of_kind("request", since) if self.is_foreign(event.url)]

    def body_document(self, url):
        """(the label of its message, its remote parameter) of a body frame's URL."""
        parsed = urllib.parse.urlsplit(url)
        if not url.startswith(self.odoo_origin + "/dynaoffice_mail/body/"):
            return None
        query = urllib.parse.parse_qs(parsed.query)
        uid = int(query.get("uid", ["0"])[0])
        token = self.by_uid[uid].token if uid in self.by_uid else ""
        return f"{token}:remote", query.get("remote", [""])[0]

    def same_message_part(self, url, document):
        """Whether `url` is an inline part of the message whose body is `document`."""
        if not url.startswith(self.odoo_origin + "/dynaoffice_mail/part/"):
            return False
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        body = urllib.parse.parse_qs(urllib.parse.urlsplit(document).query)
        return query.get("uid") == body.get("uid")

    @staticmethod
    def describe(events):
        return "\n".join(
            f"  [{event.label}] {event.kind} {event.url[:160]} {json.dumps(event.details)[:200]}"
            for event in events
        )

    # -- the test ---------------------------------------------------------------------------

    def test_hostile_corpus_runs_nothing_and_loads_nothing(self):
        by_uid = self.by_uid = self.deliver()
        started = time.monotonic()
        with self.watched_browser(self.owner.login) as (browser, recorder):
            shown = self.evaluate(browser, "dynaofficeHostile.folders()")
            missing = set(self.created_folders) - set(shown)
            self.assertFalse(missing, "hostile folder names the tree does not show")

            # Every message: row, reading pane, attachment previews, reply, forward.
            since = recorder.position()
            opened, remote_uids, unsandboxed, previews = [], [], [], 0
            page = self.evaluate(browser, "dynaofficeHostile.page()")
            while True:
                for uid in page["uids"]:
                    token = by_uid[uid].token if uid in by_uid else f"uid{uid}"
                    state = self.step(browser, recorder, f"{token}:open", f"open({uid})")
                    opened.append(uid)
                    if state["frame"] and "allow-scripts" in (state["sandbox"] or ""):
                        unsandboxed.append(token)
                    if state["remoteBar"]:
                        remote_uids.append(uid)
                    for index, _kind in enumerate(state["previews"]):
                        label = f"{token}:preview"
                        self.step(browser, recorder, label, f"preview({index})")
                        previews += 1
                    self.step(browser, recorder, f"{token}:reply", "compose('reply')")
                    self.step(browser, recorder, f"{token}:reopen", f"open({uid})")
                    self.step(browser, recorder, f"{token}:forward", "compose('forward')")
                    recorder.wait_idle(quiet=0.15)
                if not page["hasNext"]:
                    break
                recorder.mark("paging")
                self.evaluate(browser, "dynaofficeHostile.nextPage()")
                page = self.evaluate(browser, "dynaofficeHostile.page()")
            recorder.mark("corpus done")
            recorder.wait_idle(quiet=0.5)
            browsing = time.monotonic() - started

            self.assertEqual(sorted(opened), sorted(by_uid), "every message was opened")
            self.assertFalse(unsandboxed, "body frames that may run scripts")
            scripts = self.mail_scripts(recorder, since)
            dialogs = recorder.of_kind("dialog", since)
            away = self.navigations_away(recorder, since)
            outbound = self.foreign_requests(recorder, since)
            left = [event for event in outbound if "blocked" not in event.details]
            hits_before = list(self.remote.hits)
            record("scripts_executed", len(scripts))
            # Counted twice, by the browser and at the remote host: the larger count.
            record("outbound_requests", max(len(left), len(hits_before)))
            self.assertEqual(scripts, [], "scripts of the mail ran:\n" + self.describe(scripts))
            self.assertEqual(dialogs, [], "dialogs opened:\n" + self.describe(dialogs))
            self.assertEqual(away, [], "navigations away:\n" + self.describe(away))
            self.assertEqual(left, [], "requests left the browser:\n" + self.describe(outbound))
            self.assertEqual(hits_before, [], "the remote host was reached")
            # The recorder watched the body frames: each opened message's body loaded in one.
            bodies = [
                event
                for event in recorder.of_kind("navigation", since)
                if "/dynaoffice_mail/body/" in event.url
            ]
            self.assertTrue(bodies, "the recorder saw the body frames load")
            # And nothing of this server that the mail asks for, but its own inline parts.
            from_bodies = [
                event
                for event in recorder.of_kind("request", since)
                if self.body_document(event.details["document"])
                and event.url != event.details["document"]
                and not self.is_foreign(event.url)
                and not self.same_message_part(event.url, event.details["document"])
            ]
            self.assertEqual(
                from_bodies, [], "the mail asked this server for:\n" + self.describe(from_bodies)
            )

            # "Show remote content": images, and nothing but images, load then.
            self.assertTrue(remote_uids, "the corpus has messages with remote images")
            since = recorder.position()
            for uid in remote_uids:
                token = by_uid[uid].token
                found = self.step(browser, recorder, f"{token}:search", f"search('{token}', {uid})")
                self.assertEqual(found, [uid], f"a search for {token} finds its message")
                self.step(browser, recorder, f"{token}:open", f"open({uid})")
                self.step(browser, recorder, f"{token}:remote", "showRemote()")
                recorder.wait_idle(quiet=0.15)
            recorder.wait_idle(quiet=0.5)
            remote_requests = self.foreign_requests(recorder, since)
            # Each an image, asked for by the body (with remote content) of the message that
            # was open: protocol-relative URLs become https: there, and reach no server here.
            not_images = [
                event
                for event in remote_requests
                if event.details["type"] != "Image"
                or self.body_document(event.details["document"]) != (event.label, "1")
            ]
            hits_after = self.remote.hits[len(hits_before) :]
            self.assertTrue(remote_requests, "Show remote content loaded the remote images")
            self.assertEqual(
                not_images, [], "not images, or not the message's:\n" + self.describe(not_images)
            )
            self.assertTrue(hits_after, "the remote images reached the counting server")
            self.assertTrue(
                all(hit["accept"].startswith("image/") for hit in hits_after),
                f"the counting server got requests for more than images: {hits_after}",
            )
            self.assertEqual(self.mail_scripts(recorder, since), [])
            self.assertEqual(recorder.of_kind("dialog", since), [])
            self.assertEqual(self.navigations_away(recorder, since), [])

            # The self-test: a frame that runs a script, opens a dialog, fetches from the
            # remote host and navigates to it, and an inline handler in the client's page.
            since = recorder.position()
            hits = len(self.remote.hits)
            self.step(browser, recorder, "selftest", f"selftest({json.dumps(self.remote.base)})")
            recorder.wait_idle(quiet=0.3)
            seen_scripts = self.mail_scripts(recorder, since)
            seen_dialogs = recorder.of_kind("dialog", since)
            seen_away = self.navigations_away(recorder, since)
            seen_requests = self.foreign_requests(recorder, since)
            seen_hits = self.remote.hits[hits:]
            self.assertGreaterEqual(len(seen_scripts), 3, "frame, foreign page, inline handler")
            in_client_page = [
                event
                for event in seen_scripts
                if event.frame == recorder.main_frames.get(event.session)
            ]
            self.assertTrue(in_client_page, "a script in the client's own page is seen")
            self.assertEqual([event.details["message"] for event in seen_dialogs], [SELFTEST])
            self.assertTrue(seen_away, "the navigation to the remote host is seen")
            self.assertGreaterEqual(len(seen_requests), 3, "fetch, page, fetch from the page")
            self.assertGreaterEqual(len(seen_hits), 3)
        self._logger.info(
            "hostile corpus: %s messages, %s previews, %s with remote content, %.0f s browsing",
            len(opened),
            previews,
            len(remote_uids),
            browsing,
        )
