"""Rasa's input channels, guarded: every message is masked, bounded and always answered.

Rasa has no hook between a channel and the message processor, so each channel used here is
Rasa's own class with `GuardedChannel` mixed in; it wraps the `on_new_message` callback that
Rasa hands to the channel's blueprint.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.answers import unavailable
from bot.knowledge_base import default as knowledge_base
from bot.redaction import redact

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = int(os.environ.get("MAX_MESSAGE_CHARS", "4000"))
REDACTED_NOTICE = ("I removed what looked like a card number or security code from your message. "
                   "Never share card numbers, security codes or passwords in a chat.")
TOO_LONG = f"Your message is too long; please keep it under {MAX_MESSAGE_CHARS} characters."

Handler = Callable[[UserMessage], Awaitable[Any]]


class CountingOutput(OutputChannel):
    """Passes bot messages on to the real output channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    @classmethod
    def name(cls) -> Text:
        return "counting"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


def guard(on_new_message: Handler) -> Handler:
    """Mask secrets before Rasa sees the text; answer even when the pipeline stays silent."""

    async def guarded(message: UserMessage) -> None:
        output = message.output_channel
        if len(message.text or "") > MAX_MESSAGE_CHARS:
            await output.send_text_message(message.sender_id, TOO_LONG)
            return
        message.text, masked = redact(message.text or "")
        if masked:
            await output.send_text_message(message.sender_id, REDACTED_NOTICE)
        counting = CountingOutput(output)
        message.output_channel = counting
        await on_new_message(message)
        if counting.sent == 0:
            # Rasa swallows action-server failures and answers nothing (rasa issue 7630).
            logger.warning("No answer for a message from %s; sending the fallback answer", message.sender_id)
            await output.send_text_message(message.sender_id, unavailable(knowledge_base()))

    return guarded


class GuardedChannel:
    """Mix in before a Rasa input channel class."""

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return super().blueprint(guard(on_new_message))  # type: ignore[misc]


def _json_error(status: int, error: str) -> HTTPResponse:
    return json_response({"error": error}, status=status)


def check_rest_request(request: Request) -> Optional[HTTPResponse]:
    """A 4xx response for a webhook body Rasa would mishandle, else None."""
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _json_error(400, "the body must be a JSON object")
    if not isinstance(body, dict):
        return _json_error(400, "the body must be a JSON object")
    message, sender = body.get("message"), body.get("sender")
    if not isinstance(message, str):
        return _json_error(400, "'message' must be a string")
    if sender is not None and not isinstance(sender, str) or isinstance(sender, str) and not sender.strip():
        return _json_error(400, "'sender' must be a non-empty string")
    if not message.strip():
        return _json_error(400, "'message' is empty")
    if len(message) > MAX_MESSAGE_CHARS:
        return _json_error(413, f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
    return None


class GuardedRestInput(GuardedChannel, RestInput):
    """Rasa's REST webhook; malformed, empty and oversized messages get a 4xx before NLU."""

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.middleware("request")
        async def validate(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and request.path.endswith("/webhook"):
                return check_rest_request(request)
            return None

        return bp


class GuardedSocketIOInput(GuardedChannel, SocketIOInput):
    """Rasa's socket.io channel, used by the web chat widget."""
