"""Local stand-ins for Slack's Web API and Telegram's Bot API (the real ones cannot be reached from here).

Each listens on loopback, records every call (method, parameters, headers) and answers as the real API
does for the calls the bot makes. Its port is bound (port 0: the kernel's choice) when it is made, and
held from then on, so its URL can be handed to a server before it listens and nothing else can take it;
until `start`, a connection to it is refused, as to a server that is down.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl


class _HeldServer(ThreadingHTTPServer):
    # No SO_REUSEADDR: while bound and not yet listening, a server binding with it could still share the port.
    allow_reuse_address = False
    daemon_threads = True


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    headers: Dict[str, str]


class FakeAPI:
    """A recording HTTP API on 127.0.0.1; `answer` gives the status and JSON body of each call."""

    def __init__(self, port: int = 0) -> None:
        self.calls: List[Call] = []
        self._lock = threading.Lock()
        self._server = _HeldServer(("127.0.0.1", port), self._handler(), bind_and_activate=False)
        self._server.server_bind()  # bound, not listening yet
        self.port: int = self._server.server_address[1]
        self._serving = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def method_of(self, path: str) -> Optional[str]:
        raise NotImplementedError

    def answer(self, call: Call) -> Tuple[int, Dict[str, Any]]:
        raise NotImplementedError

    def start(self) -> "FakeAPI":
        self._server.server_activate()
        self._serving = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _handler(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = dict(parse_qsl(body, keep_blank_values=True))
                method = fake.method_of(self.path)
                call = Call(method or self.path, params, {k.lower(): v for k, v in self.headers.items()})
                status, reply = fake.answer(call) if method else (404, {"ok": False, "error": "unknown_method"})
                with fake._lock:
                    fake.calls.append(call)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler

    def stop(self) -> None:
        if self._serving:
            self._server.shutdown()
            self._serving = False
        self._server.server_close()

    def calls_to(self, method: str, where: Callable[[Call], bool] = lambda c: True) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and where(c)]

    def settled(self, method: str, where: Callable[[Call], bool], quiet: float = 1.5,
                timeout: float = 30.0) -> List[Call]:
        """The calls to `method` matching `where`, once at least one came and none came for `quiet` s."""
        deadline = time.monotonic() + timeout
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            calls = self.calls_to(method, where)
            if len(calls) != seen:
                seen, since = len(calls), time.monotonic()
            elif calls and time.monotonic() - since >= quiet:
                return calls
            time.sleep(0.1)
        raise TimeoutError(f"no settled {method} calls within {timeout:.0f} s; got {seen}")


class FakeSlackAPI(FakeAPI):
    """Slack's Web API (`/api/<method>`): `chat.postMessage` with the bot token."""

    token = "xoxb-test-token"
    signing_secret = "test-signing-secret"

    @property
    def env(self) -> Dict[str, str]:
        return {"SLACK_TOKEN": self.token, "SLACK_SIGNING_SECRET": self.signing_secret,
                "SLACK_API_URL": f"{self.url}/api/"}

    def method_of(self, path: str) -> Optional[str]:
        return path[len("/api/"):] if path.startswith("/api/") else None

    def answer(self, call: Call) -> Tuple[int, Dict[str, Any]]:
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        if call.method == "chat.postMessage":
            return 200, {"ok": True, "channel": call.params.get("channel"), "ts": f"{time.time():.6f}",
                         "message": {"text": call.params.get("text", "")}}
        return 200, {"ok": False, "error": "unknown_method"}


class FakeTelegramAPI(FakeAPI):
    """Telegram's Bot API (`/bot<token>/<method>`): getMe, setWebhook, sendMessage, answerCallbackQuery."""

    token = "123456789:AAFakeTokenForTheTests-abcdefghijkl"
    bot_name = "amex_care_test_bot"
    webhook_url = "https://bot.example.com/webhooks/telegram/webhook"
    secret_token = "test-secret_token-123"

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self._message_ids = count(1)

    @property
    def env(self) -> Dict[str, str]:
        return {"TELEGRAM_TOKEN": self.token, "TELEGRAM_BOT_NAME": self.bot_name,
                "TELEGRAM_WEBHOOK_URL": self.webhook_url, "TELEGRAM_SECRET_TOKEN": self.secret_token,
                "TELEGRAM_API_URL": self.url}

    def method_of(self, path: str) -> Optional[str]:
        prefix = f"/bot{self.token}/"
        return path[len(prefix):] if path.startswith(prefix) else None

    def answer(self, call: Call) -> Tuple[int, Dict[str, Any]]:
        if call.method == "getMe":
            return 200, {"ok": True, "result": {"id": 123456789, "is_bot": True, "first_name": "Amex care",
                                                "username": self.bot_name}}
        if call.method in ("setWebhook", "answerCallbackQuery"):
            return 200, {"ok": True, "result": True}
        if call.method == "sendMessage":
            chat_id = int(call.params["chat_id"])
            return 200, {"ok": True, "result": {
                "message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"}, "text": call.params.get("text", "")}}
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: no method {call.method}"}
