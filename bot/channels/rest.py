"""Rasa's REST webhook, guarded: malformed, empty and oversized bodies get a 4xx before NLU, a sender id
must be a safe id (bot/channels/identity.py), a client over its limit gets 429 with Retry-After
(bot/channels/limits.py); and the admin endpoint that erases one conversation (under its lock)."""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import Optional

from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.channels.guard import GuardedChannel, Handler
from bot.channels.http import json_error, routed_to
from bot.channels.identity import id_problem
from bot.channels.limits import TARPIT_SECONDS, client_address, limits, retry_after
from bot.privacy.normalise import normalise
from bot.settings import settings
from bot.stores.erasure import erase_held


def check_rest_request(request: Request) -> Optional[HTTPResponse]:
    """A 4xx response for a webhook body Rasa would mishandle, or a client over its limit; else None."""
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return json_error(400, "the body must be a JSON object")
    if not isinstance(body, dict):
        return json_error(400, "the body must be a JSON object")
    message, sender = body.get("message"), body.get("sender")
    if not isinstance(message, str):
        return json_error(400, "'message' must be a string")
    problem = id_problem(sender)
    if problem:
        return json_error(400, problem)
    if not normalise(message).strip():  # what the guard will read: "\u200b" is empty too
        return json_error(400, "'message' is empty")
    if len(message) > settings().max_message_chars:
        return json_error(413, f"'message' is longer than {settings().max_message_chars} characters")
    wait = limits().check(sender, client_address(request.ip, request.headers.get("X-Forwarded-For")))
    if wait:
        response = json_error(429, "too many messages: please slow down")
        response.headers["Retry-After"] = retry_after(wait)
        return response
    return None


def check_admin_token(request: Request) -> Optional[HTTPResponse]:
    """RASA_API_TOKEN as `?token=` or `Authorization: Bearer`, as Rasa's admin API takes it; the endpoint is
    off (404) when no token is set."""
    token = settings().api_token
    if not token:
        return json_error(404, "erasure over HTTP is off: RASA_API_TOKEN is not set")
    given = request.args.get("token") or request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not given:
        return json_error(401, "the token is missing")
    if not hmac.compare_digest(given.encode(), token.encode()):
        return json_error(403, "wrong token")
    return None


class GuardedRestInput(GuardedChannel, RestInput):
    """Rasa's REST webhook; malformed, empty and oversized messages get a 4xx before NLU."""

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.middleware("request")
        async def validate(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and routed_to(request, "webhook"):
                refused = check_rest_request(request)
                if refused is not None and refused.status == 429:
                    await asyncio.sleep(TARPIT_SECONDS)  # costs a sleeping coroutine, not CPU
                return refused
            return None

        @bp.route("/conversations/<sender_id>", methods=["DELETE"])
        async def erase(request: Request, sender_id: str) -> HTTPResponse:
            refused = check_admin_token(request)
            if refused:
                return refused
            # Under the conversation's lock: a turn still running is saved first, then erased with the rest.
            deleted = await erase_held(request.app.ctx.agent, sender_id)
            return json_response({"sender_id": sender_id, "deleted_events": deleted.events})

        return bp
