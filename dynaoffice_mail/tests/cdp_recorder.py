"""What a browser does while it shows mail, seen through the DevTools protocol.

`CdpRecorder` is a second DevTools client of the headless Chromium that Odoo's HttpCase
drives: it connects to the browser itself (not to one page) and attaches, flattened, to
every page, frame and popup there is or will be, each waiting for the recorder before it
runs anything. In each it records script compilations, dialogs (dismissing them, so that a
page is never stuck behind one), navigations and network requests, each labelled with what
the test was doing at the time (`mark()`).

`CountingServer` is a plain HTTP server on the loopback that counts what reaches it: the
remote host of the hostile corpus, so that a request that leaves the browser is counted
twice, by the browser and by its target.
"""

import base64
import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import Future
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import websocket

# A 1x1 PNG: the answer to every request for a remote image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
AUTO_ATTACH = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}


@dataclass
class Event:
    """One thing the browser did, in the session (page, frame) it did it in."""

    kind: str  # script, dialog, navigation, requested_navigation, request, popup
    label: str  # what the test was doing (mark())
    session: str
    url: str = ""
    frame: str = ""
    details: dict = field(default_factory=dict)


class CdpRecorder:
    def __init__(self, devtools_port, host="127.0.0.1"):
        with urllib.request.urlopen(f"http://{host}:{devtools_port}/json/version", timeout=10) as r:
            endpoint = json.load(r)["webSocketDebuggerUrl"]
        self.ws = websocket.create_connection(
            endpoint, enable_multithread=True, suppress_origin=True, timeout=10
        )
        self.ws.settimeout(0.05)
        self.label = "start"
        self.events = []
        self.sessions = {}  # sessionId -> targetInfo
        self.contexts = {}  # (sessionId, executionContextId) -> auxData
        self.main_frames = {}  # sessionId of a page -> its main frame id
        self.frame_urls = {}  # frameId -> last URL
        self.requests = {}  # (sessionId, requestId) -> Event
        self.in_flight = {}  # (sessionId, requestId) -> when it started
        self.last_activity = time.monotonic()
        self._ids = itertools.count(1)
        self._responses = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._receiver = threading.Thread(target=self._receive, name="CDP recorder", daemon=True)
        self._receiver.start()
        self.request("Target.setAutoAttach", AUTO_ATTACH)

    # -- what the test uses -----------------------------------------------------------

    def mark(self, label):
        """Labels everything recorded from now on."""
        self.label = label

    def of_kind(self, kind, since=0):
        with self._lock:
            return [event for event in self.events[since:] if event.kind == kind]

    def position(self):
        with self._lock:
            return len(self.events)

    def request(self, method, params=None, session=None, timeout=10):
        """A command, and its result (raises on a protocol error)."""
        future = self._send(method, params, session, with_future=True)
        answer = future.result(timeout=timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def wait_idle(self, quiet=0.3, timeout=10, long_lived=5):
        """Until no request has been in flight and nothing happened for `quiet` seconds.

        A request open for `long_lived` seconds is one that stays open (a worker's script,
        a connection of the bus) and is not waited for.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = time.monotonic()
            with self._lock:
                pending = [key for key, since in self.in_flight.items() if now - since < long_lived]
                calm = not pending and now - self.last_activity >= quiet
            if calm:
                return True
            time.sleep(0.05)
        return False

    def script_source(self, event):
        return self.request(
            "Debugger.getScriptSource",
            {"scriptId": event.details["scriptId"]},
            session=event.session,
        ).get("scriptSource", "")

    def wait_attached(self, timeout=10):
        """Until the recorder watches a page, its domains enabled (commands of a session
        are handled in order: one answered means the ones before it were)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pages = [key for key, info in self.sessions.items() if info["type"] == "page"]
            if pages:
                self.request("Runtime.evaluate", {"expression": "1"}, session=pages[0])
                return pages[0]
            time.sleep(0.05)
        raise TimeoutError("the recorder was never attached to a page")

    def close(self):
        self._closed.set()
        try:
            self.ws.close()
        finally:
            self._receiver.join(timeout=5)

    # -- the protocol -----------------------------------------------------------------

    def _send(self, method, params=None, session=None, with_future=False):
        message_id = next(self._ids)
        payload = {"id": message_id, "method": method, "params": params or {}}
        if session:
            payload["sessionId"] = session
        future = None
        if with_future:
            future = self._responses[message_id] = Future()
        self.ws.send(json.dumps(payload))
        return future

    def _receive(self):
        while not self._closed.is_set():
            try:
                raw = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, OSError):
                return
            if not raw:
                continue
            message = json.loads(raw)
            if "id" in message:
                future = self._responses.pop(message["id"], None)
                if future:
                    future.set_result(message)
                continue
            handler = getattr(self, "_on_" + message["method"].replace(".", "_"), None)
            if handler:
                with self._lock:
                    self.last_activity = time.monotonic()
                handler(message.get("sessionId", ""), **message.get("params", {}))

    def _record(self, kind, session, **values):
        event = Event(kind=kind, label=self.label, session=session, **values)
        with self._lock:
            self.events.append(event)
        return event

    def _on_Target_attachedToTarget(self, parent, sessionId, targetInfo, waitingForDebugger, **_kw):
        self.sessions[sessionId] = dict(targetInfo, parent=parent)
        if targetInfo["type"] == "page" and parent:
            # A page opened from another (a popup, a link to a new tab).
            self._record("popup", sessionId, url=targetInfo.get("url", ""))
        for method in ("Runtime.enable", "Debugger.enable", "Network.enable", "Page.enable"):
            self._send(method, session=sessionId)
        # A `debugger;` statement must not stop a page: scripts are counted, not debugged.
        self._send("Debugger.setSkipAllPauses", {"skip": True}, session=sessionId)
        # Frames out of process, workers: attached the same way, before they run anything.
        self._send("Target.setAutoAttach", AUTO_ATTACH, session=sessionId)
        if waitingForDebugger:
            self._send("Runtime.runIfWaitingForDebugger", session=sessionId)

    def _on_Target_detachedFromTarget(self, _parent, sessionId, **_kw):
        self.sessions.get(sessionId, {})["detached"] = True

    def _on_Runtime_executionContextCreated(self, session, context):
        self.contexts[(session, context["id"])] = dict(
            context.get("auxData", {}), origin=context.get("origin", ""), name=context["name"]
        )

    def _on_Debugger_scriptParsed(self, session, scriptId, url, executionContextId, **kw):
        aux = kw.get("executionContextAuxData") or self.contexts.get(
            (session, executionContextId), {}
        )
        frame = aux.get("frameId", "")
        self._record(
            "script",
            session,
            url=url,
            frame=frame,
            details={
                "scriptId": scriptId,
                "frame_url": self.frame_urls.get(frame, ""),
                "length": kw.get("length", 0),
                "main_world": aux.get("isDefault", True),
            },
        )

    def _on_Page_javascriptDialogOpening(self, session, url, message, type, **_kw):
        self._record("dialog", session, url=url, details={"message": message, "type": type})
        self._send("Page.handleJavaScriptDialog", {"accept": False}, session=session)

    def _on_Page_frameNavigated(self, session, frame, **_kw):
        url = frame.get("url", "") + frame.get("urlFragment", "")
        self.frame_urls[frame["id"]] = url
        if not frame.get("parentId") and self.sessions.get(session, {}).get("type") == "page":
            self.main_frames.setdefault(session, frame["id"])
        self._record(
            "navigation",
            session,
            url=url,
            frame=frame["id"],
            details={"parent": frame.get("parentId", ""), "main": not frame.get("parentId")},
        )

    def _on_Page_navigatedWithinDocument(self, session, frameId, url, **_kw):
        self.frame_urls[frameId] = url
        self._record("navigation", session, url=url, frame=frameId, details={"within": True})

    def _on_Page_frameRequestedNavigation(self, session, frameId, url, reason, **kw):
        self._record(
            "requested_navigation",
            session,
            url=url,
            frame=frameId,
            details={"reason": reason, "disposition": kw.get("disposition")},
        )

    def _on_Network_requestWillBeSent(self, session, requestId, request, **kw):
        key = (session, requestId)
        with self._lock:
            self.in_flight.setdefault(key, time.monotonic())
        if key in self.requests:
            return  # a redirect of a request already recorded
        self.requests[key] = self._record(
            "request",
            session,
            url=request["url"],
            frame=kw.get("frameId", ""),
            details={"type": kw.get("type", ""), "document": kw.get("documentURL", "")},
        )

    def _on_Network_loadingFinished(self, session, requestId, **_kw):
        with self._lock:
            self.in_flight.pop((session, requestId), None)

    def _on_Network_loadingFailed(self, session, requestId, errorText, **kw):
        key = (session, requestId)
        with self._lock:
            self.in_flight.pop(key, None)
        event = self.requests.get(key)
        if event:
            event.details["failed"] = errorText
            if kw.get("blockedReason"):
                event.details["blocked"] = kw["blockedReason"]


class CountingServer:
    """Counts every request that reaches it; answers with a PNG, or with the deliberately
    unsanitised page of the recorder's self-test."""

    def __init__(self, unsafe_pages=None):
        self.hits = []
        self.unsafe_pages = dict(unsafe_pages or {})
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits.append(
                    {
                        "path": urllib.parse.unquote(self.path),
                        "accept": self.headers.get("Accept", ""),
                        "referer": self.headers.get("Referer", ""),
                    }
                )
                body, kind = server.unsafe_pages.get(self.path, (PNG, "image/png"))
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *_args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
