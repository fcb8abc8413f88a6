"""Rasa's Telegram channel, guarded: only updates carrying the webhook's secret token, each answered once."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from typing import Any, Awaitable, Dict, List, Optional, Set, Text

from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import text as text_response

from bot.channels.guard import GuardedChannel, Handler
from bot.channels.http import json_error, routed_to
from bot.channels.markup import telegram_html
from bot.channels.recent import RecentIds

logger = logging.getLogger(__name__)


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
        super().__init__(access_token)
        # aiogram's Bot keeps the API address it was built with; Rasa's output passes none.
        self.server = server
        # Every text goes out as Telegram HTML (bot/channels/markup.py): escaped, contact details in bold.
        self.parse_mode = "HTML"
        self.secret_token = secret_token
        self._me: Any = None

    async def set_webhook(self, url: Text, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        """Register `url` with the secret token (aiogram 2 predates the Bot API's `secret_token`)."""
        return await self.request("setWebhook", {
            "url": url, "secret_token": self.secret_token, "allowed_updates": json.dumps(TELEGRAM_UPDATES)})

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, telegram_html(text), **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     button_type: Optional[Text] = "inline", **kwargs: Any) -> None:
        await super().send_text_with_buttons(recipient_id, telegram_html(text), buttons, button_type, **kwargs)

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
        if not routed_to(request, "webhook", "set_webhook"):
            return None
        given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
            return json_error(403, f"missing or wrong {TELEGRAM_SECRET_HEADER} header")
        if routed_to(request, "set_webhook"):
            return None
        if request.method != "POST":
            return json_error(405, "Telegram posts updates")
        try:
            update = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError):
            return json_error(400, "the body must be a Telegram Update object")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return json_error(400, "the body must be a Telegram Update object")
        if not self._updates.first_time(str(update["update_id"])):
            logger.info("Dropped Telegram's re-delivery of update %s", update["update_id"])
            return text_response("success")
        callback = update.get("callback_query")
        if isinstance(callback, dict) and isinstance(callback.get("id"), str):
            self._in_background(self._answer_callback(callback["id"]))
        return None

    def before_guard(self, handler: Handler) -> Handler:
        async def start_is_greet(message: UserMessage) -> None:
            # Telegram's Start button sends "/start", which Rasa (and the guard) would refuse as an unknown intent.
            if (message.text or "").strip().split("@")[0] == "/start":
                message.text = "/greet"
            await handler(message)

        return start_is_greet

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(on_new_message)

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
