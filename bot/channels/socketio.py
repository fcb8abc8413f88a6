"""Rasa's socket.io channel (the web chat widget), guarded, open only to the allowed origins, and with
session ids the server issues.

Rasa's channel takes the session id the client names, in `session_request` and in every message: anyone
who knows or guesses an id joins its room, reads its replies and writes into its conversation. Here:

- the server issues every session id: 144 random bits and an HMAC of them under SESSION_SECRET
  (`<random>.<mac>`, `issue`). A `session_request` naming an id this server (or a replica with the same
  secret) did not issue gets a new id instead, so a client resumes only with an id it was given;
- a message goes to the session its socket.io connection was confirmed in, whatever id it names;
- `session_request` counts against the per-address limit, as messages do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.guard import GuardedChannel, Handler
from bot.channels.limits import SLOW_DOWN, client_address, limits
from bot.settings import settings

logger = logging.getLogger(__name__)
RANDOM_BYTES = 18  # 144 bits: 24 characters of token_urlsafe
MAC_BYTES = 16


@lru_cache(maxsize=1)
def _secret() -> bytes:
    configured = settings().session_secret
    return configured.encode() if configured else secrets.token_bytes(32)


def _mac(random_part: str) -> str:
    digest = hmac.new(_secret(), random_part.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue() -> str:
    """A new session id: unguessable, and recognisable by this server as one it issued."""
    random_part = secrets.token_urlsafe(RANDOM_BYTES)
    return f"{random_part}.{_mac(random_part)}"


def issued(session_id: object) -> bool:
    """Whether `session_id` is one this server (or one with the same SESSION_SECRET) issued."""
    if not isinstance(session_id, str) or session_id.count(".") != 1 or len(session_id) > 64:
        return False
    random_part, mac = session_id.split(".")
    return len(random_part) == 24 and hmac.compare_digest(mac.encode(), _mac(random_part).encode())


class GuardedSocketIOInput(GuardedChannel, SocketIOInput):
    """Rasa's socket.io channel, used by the web chat widget; browsers only from `allowed_origins`.

    Rasa's server leaves the Origin unchecked (CORS handling off), and the websocket transport has no
    CORS at all, so any page could open a chat; programs without an Origin header are let through.
    """

    def __init__(self, *args: Any, allowed_origins: Optional[List[Text]] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_origins = allowed_origins or []
        self.sessions: Dict[Text, Text] = {}  # socket.io connection id -> the session it was confirmed in

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        # CORS_ORIGINS, the one setting of allowed pages, unless the credentials name them (bot/ops/deployed.py).
        origins = str((credentials or {}).get("allowed_origins") or settings().cors_origins or "")
        channel.allowed_origins = origins.replace(",", " ").split()  # type: ignore[attr-defined]
        return channel

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio, namespace = self.sio, self.namespace or "/"
        rasa_handlers = dict(sio.handlers[namespace])

        def over_limit(sid: Text) -> Optional[str]:
            request = (sio.get_environ(sid, namespace) or {}).get("sanic.request")
            address = request and client_address(request.ip, request.headers.get("X-Forwarded-For"))
            return address if address and limits().check(None, address) else None

        async def refuse(sid: Text, address: str, what: str) -> None:
            logger.warning("Refused a socket.io %s from %s: over RATE_LIMIT_PER_ADDRESS", what, address)
            if limits().warn(None, address):
                await sio.emit(self.bot_message_evt, {"text": SLOW_DOWN}, room=sid)

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origin and self.allowed_origins and origin not in self.allowed_origins:
                logger.warning("Refused a socket.io connection from %s: not an allowed origin", origin)
                return False
            return await rasa_handlers["connect"](sid, environ, auth)

        async def disconnect(sid: Text) -> None:
            self.sessions.pop(sid, None)
            await rasa_handlers["disconnect"](sid)

        async def session_request(sid: Text, data: Optional[Dict] = None) -> None:
            address = over_limit(sid)
            if address:
                return await refuse(sid, address, "session request")
            asked = data.get("session_id") if isinstance(data, dict) else None
            if asked is not None and not issued(asked):
                logger.warning("A socket.io client named a session id it was not issued: a new one is issued")
            session = asked if issued(asked) else issue()
            previous = self.sessions.get(sid)
            if previous and previous != session:
                sio.leave_room(sid, previous, namespace=namespace)
            self.sessions[sid] = session
            if self.session_persistence:
                sio.enter_room(sid, session, namespace=namespace)
            await sio.emit("session_confirm", session, room=sid, namespace=namespace)

        async def handle_message(sid: Text, data: Any) -> None:
            # The per-address limit; the per-sender one is the guard's, as on every channel.
            address = over_limit(sid)
            if address:
                return await refuse(sid, address, "message")
            if not isinstance(data, dict):
                return None
            if self.session_persistence:
                session = self.sessions.get(sid)
                if session is None:
                    logger.warning("Refused a socket.io message: its connection has no confirmed session")
                    return None
                data = {**data, "session_id": session}  # whatever id the message names
            await rasa_handlers[self.user_message_evt](sid, data)

        sio.on("connect", namespace=self.namespace)(connect)
        sio.on("disconnect", namespace=self.namespace)(disconnect)
        sio.on("session_request", namespace=self.namespace)(session_request)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return bp
