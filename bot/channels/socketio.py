"""Rasa's socket.io channel (the web chat widget), guarded, and open only to the allowed origins."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.guard import GuardedChannel, Handler
from bot.channels.limits import SLOW_DOWN, client_address, limits

logger = logging.getLogger(__name__)


class GuardedSocketIOInput(GuardedChannel, SocketIOInput):
    """Rasa's socket.io channel, used by the web chat widget; browsers only from `allowed_origins`.

    Rasa's server leaves the Origin unchecked (CORS handling off), and the websocket transport has no
    CORS at all, so any page could open a chat; programs without an Origin header are let through.
    """

    def __init__(self, *args: Any, allowed_origins: Optional[List[Text]] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_origins = allowed_origins or []

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        origins = str((credentials or {}).get("allowed_origins") or "")
        channel.allowed_origins = origins.replace(",", " ").split()  # type: ignore[attr-defined]
        return channel

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio = self.sio
        rasa_connect = sio.handlers[self.namespace or "/"]["connect"]

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origin and self.allowed_origins and origin not in self.allowed_origins:
                logger.warning("Refused a socket.io connection from %s: not an allowed origin", origin)
                return False
            return await rasa_connect(sid, environ, auth)

        sio.on("connect", namespace=self.namespace)(connect)
        rasa_handle_message = sio.handlers[self.namespace or "/"][self.user_message_evt]

        async def handle_message(sid: Text, data: Dict) -> None:
            # The per-address limit; the per-sender one is the guard's, as on every channel.
            request = (sio.get_environ(sid, self.namespace) or {}).get("sanic.request")
            address = request and client_address(request.ip, request.headers.get("X-Forwarded-For"))
            if address and limits().check(None, address):
                logger.warning("Refused a socket.io message from %s: over RATE_LIMIT_PER_ADDRESS", address)
                if limits().warn(None, address):
                    await sio.emit(self.bot_message_evt, {"text": SLOW_DOWN}, room=sid)
                return
            await rasa_handle_message(sid, data)

        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return bp


