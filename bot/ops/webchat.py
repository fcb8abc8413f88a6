"""The web chat page: a demo page with the chat widget, and the widget's files for other sites to embed.

    python -m bot.ops.webchat --port 8000 --server-url http://127.0.0.1:5005

Serves a fixed set of files (bot/web/ and the socket.io client installed by npm), nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Tuple
from urllib.parse import urlsplit

from bot.knowledge import default

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "bot" / "web"  # the widget's files, beside the packages
SOCKET_IO = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

# URL path -> (file, content type)
FILES: Dict[str, Tuple[Path, str]] = {
    "/": (WEB / "index.html", "text/html; charset=utf-8"),
    "/widget.js": (WEB / "widget.js", "text/javascript; charset=utf-8"),
    "/widget.css": (WEB / "widget.css", "text/css; charset=utf-8"),
    "/demo.css": (WEB / "demo.css", "text/css; charset=utf-8"),
    "/socket.io.min.js": (SOCKET_IO, "text/javascript; charset=utf-8"),
}

_NOTE = default().phrases["case_note"]
WIDGET_CONFIG = {
    "title": "American Express care",
    "initialMessage": "Hi! Tell me what you need help with (a lost card, a charge you don't recognise, "
                      "a payment...) and I'll tell you the best way to reach American Express.",
    # The case note's first line in every script, so that the widget offers Copy and Download under it.
    "caseNoteTitles": [_NOTE.text, *([_NOTE.hindi.devanagari, _NOTE.hindi.hinglish] if _NOTE.hindi else [])],
}


def page_config(server_url: str) -> bytes:
    """/config.js: the demo page's call to the widget, as a site owner would write it."""
    config = json.dumps({"serverUrl": server_url, **WIDGET_CONFIG}).replace("<", "\\u003c")
    return f"AmexCareChat.init({config});\n".encode()


def content_security_policy(server_url: str) -> str:
    # Defence in depth: the widget renders text as text; even so no injected script or image could run.
    origin = urlsplit(server_url)
    ws = f"{'wss' if origin.scheme == 'https' else 'ws'}://{origin.netloc}"
    return (f"default-src 'self'; connect-src 'self' {origin.scheme}://{origin.netloc} {ws}; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def handler(server_url: str) -> type:
    config_js = page_config(server_url)
    csp = content_security_policy(server_url)

    class Handler(BaseHTTPRequestHandler):
        server_version = "webchat"
        sys_version = ""

        def _send(self, body: bytes, content_type: str, head: bool) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            if content_type.startswith("text/html"):
                self.send_header("Content-Security-Policy", csp)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def do_GET(self, head: bool = False) -> None:  # noqa: N802 - http.server's naming
            path = urlsplit(self.path).path
            if path == "/config.js":
                self._send(config_js, "text/javascript; charset=utf-8", head)
            elif path in FILES:
                file, content_type = FILES[path]
                self._send(file.read_bytes(), content_type, head)
            else:
                self.send_error(HTTPStatus.NOT_FOUND)

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET(head=True)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--server-url", required=True, help="the Rasa server, as the browser reaches it")
    args = parser.parse_args()
    if not SOCKET_IO.is_file():
        sys.exit(f"{SOCKET_IO} is missing: run `make setup` (npm ci installs the socket.io client)")
    with ThreadingHTTPServer((args.host, args.port), handler(args.server_url)) as httpd:
        httpd.daemon_threads = True
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
