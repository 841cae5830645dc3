"""`make screenshots`: the README's pictures of the client, taken from the demo in headless
Chromium, in English and in German, so that they are taken again whenever the UI changes.

The demo is started as `make demo` starts it (and stopped again afterwards when it was not
running before). Anna, the demo's German user, logs in; for each language her language is
set, each shot's steps run in the page (clicks, waiting for what must be visible), and the
viewport is written to `docs/screenshots/<lang>/<name>.png`. Her language is German again at
the end. What a shot shows is named by the selectors its steps wait for, the same ones the
browser tests use.
"""

import contextlib
import json
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from . import demo
from .browser import Page
from .system import REPO

OUTPUT = REPO / "docs" / "screenshots"
LANGUAGES = {"en": "en_US", "de": "de_DE"}
LOGIN, PASSWORD = "anna", demo.DEMO_MAILBOXES[f"anna@{demo.DOMAIN}"][0]
WIDTH, HEIGHT = 1600, 900
CLIENT = "/odoo/action-dynaoffice_mail.dynaoffice_mail_client_action"
ROW = ".o_dynaoffice_mail_row"
# A demo sender with a quotation, an invoice, an opportunity and a task (devtools/demo_business.py).
CUSTOMER = "Emily Carter"
# What is still moving on a page once its content is there (a list's fade, the body's frame
# growing to its content): the shot waits this long after its last step.
SETTLE = 1.5


@dataclass
class Shot:
    """One picture: where to go, the steps before it and those after it that put things
    back as they were (each ("click" | "wait", selector))."""

    name: str
    path: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    after: list[tuple[str, str]] = field(default_factory=list)


def shots(account_id: int, team_account_id: int) -> list[Shot]:
    # Each shot names its mailbox: the client opens the one used last otherwise.
    anna = f"{CLIENT}?account={account_id}&folder=INBOX"
    team = f"{CLIENT}?account={team_account_id}&folder=INBOX"
    return [
        Shot("list", anna, [("wait", ROW)]),
        Shot(
            "reading-pane",
            anna,
            [
                # A customer's mail: the pane beside it shows the business with him.
                ("click-text", f"{ROW}|{CUSTOMER}"),
                ("wait", ".o_dynaoffice_mail_reading .o_dynaoffice_mail_subject"),
                ("wait", ".o_dynaoffice_mail_context_section"),
            ],
        ),
        Shot(
            "conversation",
            anna,
            [
                ("wait", ROW),
                ("click", ".o_dynaoffice_mail_conversations_toggle"),
                (
                    "click",
                    ".o_dynaoffice_mail_conversation_row:has(.o_dynaoffice_mail_conversation_count)",
                ),
                ("wait", ".o_dynaoffice_mail_conversation_message.o_expanded"),
            ],
            # Back to single messages: the choice is kept for the user.
            after=[
                ("click", ".o_dynaoffice_mail_conversations_toggle"),
                ("wait", ".o_dynaoffice_mail_conversations_toggle:not(.active)"),
            ],
        ),
        Shot(
            "composer",
            anna,
            [
                ("click", ROW),
                ("wait", ".o_dynaoffice_mail_reading .o_dynaoffice_mail_subject"),
                ("click", ".o_dynaoffice_mail_reading .o_dynaoffice_mail_reply"),
                ("wait", ".o_dynaoffice_mail_composer_editable blockquote"),
            ],
        ),
        Shot(
            "team-inbox",
            team,
            [
                ("click", ".o_dynaoffice_mail_team_view[data-team-view='mine'] button"),
                ("wait", f"{ROW} .o_dynaoffice_mail_row_team_avatar"),
                ("click", ROW),
                ("wait", ".o_dynaoffice_mail_reading .o_dynaoffice_mail_subject"),
            ],
        ),
        Shot(
            "scheduled",
            anna,
            [
                ("click", ".o_dynaoffice_mail_scheduled_folder"),
                ("wait", ".o_dynaoffice_mail_scheduled .o_dynaoffice_mail_scheduled_row"),
            ],
        ),
        Shot(
            "account-form",
            f"/odoo/action-dynaoffice_mail.dynaoffice_mail_account_action/{account_id}",
            [("wait", ".o_form_view .o_notebook .nav-link")],
        ),
    ]


class Session:
    """JSON-RPC as the demo user, keeping Odoo's session cookie."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, path: str, params: dict):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        request = urllib.request.Request(
            self.base + path, body, {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=60) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(f"{path}: {answer['error']['data']['message']}")
        return answer["result"]

    def call_kw(self, model: str, method: str, args: list, kwargs: dict | None = None):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    @property
    def session_id(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "session_id")


def _steps(page: Page, shot: Shot, steps: list[tuple[str, str]]):
    for action, selector in steps:
        if action == "click-text":  # "selector|text": the first match holding the text
            selector, text = selector.split("|")
            if page.wait_for_text(selector, text, timeout=60):
                page.click_text(selector, text)
                continue
        elif page.wait_for_selector(selector, timeout=60):
            if action == "click":
                # A list that loads in steps draws its rows again: a click on the first
                # drawing is lost.
                time.sleep(0.5)
                page.click(selector)
            continue
        failed = demo._state() / f"screenshot-{shot.name}-failed.png"
        page.screenshot(failed)
        raise RuntimeError(f"{shot.name}: {selector!r} did not appear (the page: {failed})")


def _take(page: Page, base: str, shot: Shot, target: Path):
    page.call("Page.navigate", url=base + shot.path)
    _steps(page, shot, shot.steps)
    time.sleep(SETTLE)
    page.screenshot(target)
    _steps(page, shot, shot.after)
    if shot.after:
        time.sleep(SETTLE)  # what the steps after it changed reaches the server
    print(f"  {target.relative_to(REPO)}", flush=True)


def _schedule_a_mail(session: Session, account_id: int):
    """A mail of Anna's to send next Monday, for the Scheduled view (once: kept by the
    demo until then, or until cancelled there)."""
    account = "dynaoffice.mail.account"
    if session.call_kw(account, "client_scheduled", [[account_id]]):
        return
    values = session.call_kw(account, "client_compose", [[account_id], "new"])
    values.update(
        to=[f"Jürgen Weiß <extern@{demo.DOMAIN}>"],
        subject="Wochenbericht Vertrieb",
        body_html="<p>Hallo Jürgen,</p><p>anbei der Wochenbericht.</p>",
    )
    session.call_kw(account, "client_send_later", [[account_id], values, "monday"])


def run() -> int:
    was_running = demo._odoo_pid() is not None
    demo.start()
    base = f"http://localhost:{demo.HTTP_PORT}"
    session = Session(base)
    uid = session.call(
        "/web/session/authenticate",
        {"db": demo.DATABASE, "login": LOGIN, "password": PASSWORD},
    )["uid"]
    account_id, team_account_id = (
        session.call_kw(
            "dynaoffice.mail.account", "search", [[("email", "=", f"{name}@{demo.DOMAIN}")]]
        )[0]
        for name in ("anna", "vertrieb")
    )
    _schedule_a_mail(session, account_id)
    page = Page(Path(tempfile.mkdtemp(prefix="chromium-screenshots-")))
    try:
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        page.call("Network.enable")
        page.call("Network.setCookie", name="session_id", value=session.session_id, url=base)
        for folder, lang in LANGUAGES.items():
            print(f"Screenshots in {lang}:", flush=True)
            session.call_kw("res.users", "write", [[uid], {"lang": lang}])
            for shot in shots(account_id, team_account_id):
                _take(page, base, shot, OUTPUT / folder / f"{shot.name}.png")
    finally:
        with contextlib.suppress(Exception):
            session.call_kw("res.users", "write", [[uid], {"lang": "de_DE"}])
        page.close()
        if not was_running:
            demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(run())
