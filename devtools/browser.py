"""Headless Chromium driven over the DevTools protocol, for the figures and screenshots that
need a real browser (devtools/push_screen.py, devtools/screenshots.py)."""

import base64
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import websocket
from dynaoffice_mail_testing.system import free_port


class Page:
    """One tab of a headless Chromium, over the DevTools protocol."""

    def __init__(self, profile: Path):
        port = free_port()
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows",
                "--disable-renderer-backgrounding",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-address=127.0.0.1",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={profile}",
                "--window-size=1366,900",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        endpoint = self._page_endpoint(port)
        self.ws = websocket.create_connection(endpoint, suppress_origin=True, timeout=30)
        self._ids = itertools.count(1)
        self.events = []

    def _page_endpoint(self, port, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("Chromium did not start")

    def call(self, method, **params):
        message_id = next(self._ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression, expected, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression) == expected:
                return True
            time.sleep(0.1)
        return False

    def binding_calls(self, name, timeout):
        """Payloads of `name` called in the page, waiting up to `timeout` for the first."""
        found = self._take(name)
        deadline = time.monotonic() + timeout
        while not found and time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
            finally:
                self.ws.settimeout(30)
            found = self._take(name)
        return found

    def _take(self, name):
        calls = [
            e
            for e in self.events
            if e.get("method") == "Runtime.bindingCalled" and e["params"]["name"] == name
        ]
        self.events = [e for e in self.events if e not in calls]
        return [json.loads(e["params"]["payload"]) for e in calls]

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait_for_selector(self, selector, timeout=30):
        """Whether `selector` matches a visible element within `timeout` seconds."""
        probe = (
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" return !!(e && e.getClientRects().length > 0); }})()"
        )
        return self.wait_for(probe, True, timeout)

    def click(self, selector, timeout=30):
        if not self.wait_for_selector(selector, timeout):
            raise RuntimeError(f"nothing to click at {selector!r}")
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def _with_text(self, selector, text):
        return (
            f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
            f".find((e) => e.textContent.includes({json.dumps(text)}))"
        )

    def wait_for_text(self, selector, text, timeout=30):
        """Whether an element matching `selector` holds `text` within `timeout` seconds."""
        return self.wait_for(f"!!{self._with_text(selector, text)}", True, timeout)

    def click_text(self, selector, text):
        self.evaluate(f"{self._with_text(selector, text)}.click()")

    def screenshot(self, path: Path):
        """The viewport as a PNG at `path`."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
