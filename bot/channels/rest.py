"""Rasa's REST webhook, guarded: malformed, empty and oversized bodies get a 4xx before NLU."""

from __future__ import annotations

import json
from typing import Optional

from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import GuardedChannel, Handler
from bot.channels.http import json_error
from bot.settings import settings


def check_rest_request(request: Request) -> Optional[HTTPResponse]:
    """A 4xx response for a webhook body Rasa would mishandle, else None."""
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return json_error(400, "the body must be a JSON object")
    if not isinstance(body, dict):
        return json_error(400, "the body must be a JSON object")
    message, sender = body.get("message"), body.get("sender")
    if not isinstance(message, str):
        return json_error(400, "'message' must be a string")
    if sender is not None and not isinstance(sender, str) or isinstance(sender, str) and not sender.strip():
        return json_error(400, "'sender' must be a non-empty string")
    if not message.strip():
        return json_error(400, "'message' is empty")
    if len(message) > settings().max_message_chars:
        return json_error(413, f"'message' is longer than {settings().max_message_chars} characters")
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


