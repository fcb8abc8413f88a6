"""Rasa's Slack Events API channel, guarded: signed requests only, each event answered once."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sanic.response import text as text_response
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.guard import GuardedChannel, Handler
from bot.channels.http import routed_to
from bot.channels.markup import slack_mrkdwn
from bot.channels.recent import RecentIds

logger = logging.getLogger(__name__)


class GuardedSlackBot(SlackBot):
    """Rasa's Slack output; `api_url` replaces Slack's Web API address (a local fake in the tests)."""

    def __init__(self, token: Text, slack_channel: Optional[Text] = None, thread_id: Optional[Text] = None,
                 proxy: Optional[Text] = None, api_url: Optional[Text] = None) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        if api_url:
            self.client = AsyncWebClient(token, proxy=proxy, base_url=api_url.rstrip("/") + "/")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, slack_mrkdwn(text), **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await super().send_text_with_buttons(recipient_id, slack_mrkdwn(text), buttons, **kwargs)


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
            if request.method != "POST" or not routed_to(request, "webhook") \
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


