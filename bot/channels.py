"""Rasa's input channels, guarded: every message is masked, bounded and always answered.

Rasa has no hook between a channel and the message processor, so each channel used here is
Rasa's own class with `GuardedChannel` mixed in; it wraps the `on_new_message` callback that
Rasa hands to the channel's blueprint.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.core.channels.socketio import SocketIOInput
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sanic.response import text as text_response
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import unavailable
from bot.knowledge_base import default as knowledge_base
from bot.redaction import redact
from bot.resilience import fail_loudly, handle_reliably

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = int(os.environ.get("MAX_MESSAGE_CHARS", "4000"))
# Rasa waits up to 5 minutes for the action server; a user should not.
REPLY_TIMEOUT_SECONDS = float(os.environ.get("REPLY_TIMEOUT_SECONDS", "10"))
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
        # Not cancelled on timeout: the turn finishes in the background and is stored.
        turn = asyncio.ensure_future(handle_reliably(on_new_message, message))
        await asyncio.wait({turn}, timeout=REPLY_TIMEOUT_SECONDS)
        if turn.done() and turn.exception():
            logger.error("Handling a message from %s failed: %r", message.sender_id, turn.exception())
        if counting.sent == 0:
            # Rasa swallows action-server failures and answers nothing (rasa issue 7630).
            logger.warning("No answer for a message from %s; sending the fallback answer", message.sender_id)
            await output.send_text_message(message.sender_id, unavailable(knowledge_base()))

    return guarded


class GuardedChannel:
    """Mix in before a Rasa input channel class."""

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(guard(on_new_message))  # type: ignore[misc]
        bp.after_server_start(fail_loudly)
        return bp


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
        return bp


class RecentIds:
    """Ids seen in the last `ttl` seconds (at most `size` of them): a platform's re-deliveries are dropped."""

    def __init__(self, ttl: float = 3600.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self.size or next(iter(self._seen.values())) < now - self.ttl):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class GuardedSlackBot(SlackBot):
    """Rasa's Slack output; `api_url` replaces Slack's Web API address (a local fake in the tests)."""

    def __init__(self, token: Text, slack_channel: Optional[Text] = None, thread_id: Optional[Text] = None,
                 proxy: Optional[Text] = None, api_url: Optional[Text] = None) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        if api_url:
            self.client = AsyncWebClient(token, proxy=proxy, base_url=api_url.rstrip("/") + "/")


class GuardedSlackInput(GuardedChannel, SlackInput):
    """Rasa's Slack Events API channel: signed requests only, and each event answered once.

    Slack re-sends an event it thinks was not delivered (same `event_id`, an `X-Slack-Retry-Num`
    header); Rasa answers every copy, so the copies are dropped here.
    """

    def __init__(self, *args: Any, api_url: Optional[Text] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_url = api_url
        self._events = RecentIds()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.api_url = (credentials or {}).get("api_url") or None  # type: ignore[attr-defined]
        return channel

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.middleware("request")
        async def once(request: Request) -> Optional[HTTPResponse]:
            # Unsigned requests go on to Rasa's handler, which refuses them with 400.
            if request.method != "POST" or not request.path.endswith("/webhook") \
                    or not self.is_request_from_slack_authentic(request):
                return None
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return None
            if not isinstance(body, dict):
                return None
            if body.get("type") == "url_verification":
                # Slack's check of the Request URL; Rasa answers a bare JSON string.
                return json_response({"challenge": body.get("challenge")})
            event_id = body.get("event_id")
            if isinstance(event_id, str) and not self._events.first_time(event_id):
                logger.info("Dropped Slack's re-delivery of event %s", event_id)
                return text_response("", headers={"X-Slack-No-Retry": "1"})
            return None

        return bp

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return GuardedSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy,
                               self.api_url)


TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's rule for the secret_token of setWebhook.
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# What the bot reads: anything else Telegram could send is not subscribed to.
TELEGRAM_UPDATES = ["message", "edited_message", "callback_query"]


class GuardedTelegramOutput(TelegramOutput):
    """Rasa's Telegram output; `api_url` replaces the Bot API address (a local fake in the tests)."""

    def __init__(self, access_token: Optional[Text], api_url: Optional[Text] = None,
                 secret_token: Optional[Text] = None) -> None:
        server = TelegramAPIServer.from_base(api_url) if api_url else TELEGRAM_PRODUCTION
        super(TelegramOutput, self).__init__(access_token, server=server)
        self.secret_token = secret_token
        self._me: Any = None

    async def set_webhook(self, url: Text, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        """Register `url` with the secret token (aiogram 2 predates the Bot API's `secret_token`)."""
        return await self.request("setWebhook", {
            "url": url, "secret_token": self.secret_token, "allowed_updates": json.dumps(TELEGRAM_UPDATES)})

    async def get_me(self) -> Any:  # type: ignore[override]
        # Rasa asks for the bot's name on every update; it does not change.
        if self._me is None:
            self._me = await super().get_me()
        return self._me


class GuardedTelegramInput(GuardedChannel, TelegramInput):
    """Rasa's Telegram channel: only updates carrying the webhook's secret token, each answered once.

    Rasa registers the webhook at start-up and stops when Telegram cannot be reached; here the
    registration runs once the server is up, and a failure is only logged.
    """

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(credentials.get("access_token"), credentials.get("verify"), credentials.get("webhook_url"),
                   secret_token=credentials.get("secret_token"), api_url=credentials.get("api_url"))

    def __init__(self, access_token: Optional[Text], verify: Optional[Text], webhook_url: Optional[Text],
                 debug_mode: bool = True, secret_token: Optional[Text] = None,
                 api_url: Optional[Text] = None) -> None:
        super().__init__(access_token, (verify or "").lstrip("@"), webhook_url, debug_mode)
        if not secret_token or not _TELEGRAM_SECRET.fullmatch(secret_token):
            raise InvalidConfigException(
                "The Telegram channel needs a secret_token of 1-256 letters, digits, '_' or '-' "
                "(TELEGRAM_SECRET_TOKEN): without it anyone could post updates to the webhook.")
        self.secret_token = secret_token
        self.api_url = api_url or None
        self._output: Optional[GuardedTelegramOutput] = None
        self._updates = RecentIds()
        self._tasks: Set[asyncio.Task] = set()

    def get_output_channel(self) -> GuardedTelegramOutput:
        if self._output is None:
            self._output = GuardedTelegramOutput(self.access_token, self.api_url, self.secret_token)
        return self._output

    def _in_background(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def register_webhook(self) -> None:
        """Tell Telegram where to post updates, with the secret token; log a failure."""
        if not self.webhook_url:
            return
        try:
            await asyncio.wait_for(self.get_output_channel().set_webhook(self.webhook_url), timeout=30)
            logger.info("Registered the Telegram webhook %s", self.webhook_url)
        except Exception as error:  # noqa: BLE001 - Telegram being unreachable must not stop the other channels
            logger.warning("Could not register the Telegram webhook %s (%s); POST "
                           "/webhooks/telegram/set_webhook with the secret token header to retry",
                           self.webhook_url, error or type(error).__name__)

    async def _answer_callback(self, callback_id: Text) -> None:
        # Stops the spinner on the button the user tapped.
        try:
            await self.get_output_channel().answer_callback_query(callback_id)
        except Exception as error:  # noqa: BLE001 - cosmetic only
            logger.debug("answerCallbackQuery failed: %s", error)

    def _check(self, request: Request) -> Optional[HTTPResponse]:
        """A 4xx response for a request Telegram did not send, or a re-delivered update; else None."""
        if not request.path.endswith(("/webhook", "/set_webhook")):
            return None
        given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
            return _json_error(403, f"missing or wrong {TELEGRAM_SECRET_HEADER} header")
        if request.path.endswith("/set_webhook"):
            return None
        if request.method != "POST":
            return _json_error(405, "Telegram posts updates")
        try:
            update = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError):
            return _json_error(400, "the body must be a Telegram Update object")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return _json_error(400, "the body must be a Telegram Update object")
        if not self._updates.first_time(str(update["update_id"])):
            logger.info("Dropped Telegram's re-delivery of update %s", update["update_id"])
            return text_response("success")
        callback = update.get("callback_query")
        if isinstance(callback, dict) and isinstance(callback.get("id"), str):
            self._in_background(self._answer_callback(callback["id"]))
        return None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        async def start_is_greet(message: UserMessage) -> None:
            # Telegram's Start button sends "/start", which Rasa would read as an unknown intent.
            if (message.text or "").strip().split("@")[0] == "/start":
                message.text = "/greet"
            await on_new_message(message)

        bp = super().blueprint(start_is_greet)

        @bp.middleware("request")
        async def authenticate(request: Request) -> Optional[HTTPResponse]:
            return self._check(request)

        @bp.listener("after_server_start")
        async def register(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            self._in_background(self.register_webhook())

        @bp.listener("before_server_stop")
        async def close(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            await self.get_output_channel().close()

        return bp
