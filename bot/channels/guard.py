"""The one message pipeline every channel shares: mask, bound, run the turn, always answer once.

Rasa has no hook between a channel and the message processor, so each channel used here is Rasa's own
class with `GuardedChannel` mixed in; it wraps the `on_new_message` callback that Rasa hands to the
channel's blueprint with `guard`. For each message, `guard`:

1. normalises the text once (bot/privacy/normalise.py: control and zero-width characters out, NFKC), so that
   the payload allowlist, the limits, the masking and NLU all read the text Rasa will; then admits it
   (bot/channels/admission.py), refuses an over-long text and masks card numbers and secrets
   (bot/privacy/redaction.py) before Rasa sees it;
2. runs the turn through one `GuardedOutput`, which holds the bot's messages until the turn is recorded;
   while the tracker or lock store is unreachable the turn is retried for STORE_RETRY_SECONDS (nothing of a
   failed attempt was saved), then the user is asked to send it again and given the phone lines;
3. answers with the fallback (the phone lines) when nothing was sent within REPLY_TIMEOUT_SECONDS (Rasa
   swallows action-server failures and waits up to 5 minutes on a hung one, rasa issue 7630). The turn
   still finishes and is stored, but whatever it says after the fallback is dropped: a push channel
   (socket.io, Slack, Telegram) would otherwise deliver a second, late answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.lock_store import LockError
from sanic import Blueprint

import bot.ops.metrics as metrics
from bot.channels.admission import admit
from bot.knowledge import default as knowledge_base
from bot.knowledge.answers import unavailable
from bot.privacy.normalise import normalise
from bot.privacy.redaction import redact
from bot.settings import settings
from bot.stores.erasure import purge_on_schedule
from bot.stores.failsafe import StoreUnavailable, fail_loudly

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]
REDACTED_NOTICE = ("I removed what looked like a card number or security code from your message. "
                   "Never share card numbers, security codes or passwords in a chat.")
STORE_DOWN = ("Sorry, I can't reach my conversation records right now, so I couldn't take in your last "
              "message. Please send it again in a minute.")


def too_long_notice() -> str:
    return f"Your message is too long; please keep it under {settings().max_message_chars} characters."


class GuardedOutput(OutputChannel):
    """The real channel's output for one turn: holds, counts, and closes.

    Messages are held until `release()` (the turn is recorded), counted as they reach the user, and
    dropped once `close()` was called (the fallback answered instead). It keeps the real channel's
    `name()`, so channel-specific responses still apply.
    """

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.held: List[Tuple[Text, Dict[Text, Any]]] = []
        self.sent = 0
        self.released = False
        self.closed = False
        self.gave_up = False

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if self.closed:
            logger.warning("Dropped a late answer to %s: the fallback was already sent", recipient_id)
        elif self.released:
            self.sent += 1
            await self.inner.send_response(recipient_id, message)
        else:
            self.held.append((recipient_id, message))

    def retry(self) -> None:
        """Forget what a failed attempt said: its turn was not recorded."""
        self.held.clear()

    async def release(self) -> None:
        self.released = True
        held, self.held = self.held, []
        for recipient_id, message in held:
            await self.send_response(recipient_id, message)

    def close(self) -> None:
        self.closed = True
        self.held.clear()


async def run_turn(on_new_message: Handler, message: UserMessage, output: GuardedOutput) -> None:
    """Run one turn; while the stores are unreachable, retry it, then ask the user to send it again."""
    deadline = time.monotonic() + settings().store_retry_seconds
    delay = 0.25
    while True:
        try:
            await on_new_message(message)
        except (StoreUnavailable, LockError) as error:
            # Nothing of the turn was saved (the failure came before or at the save): safe to run it again.
            output.retry()
            if time.monotonic() + delay > deadline:
                logger.error("Giving up on a message from %s: %s", message.sender_id, error)
                output.gave_up = True
                output.held = [(message.sender_id, {"text": STORE_DOWN}),
                               (message.sender_id, {"text": unavailable(knowledge_base())})]
                await output.release()
                return
            logger.warning("Retrying a message from %s in %.2f s: %s", message.sender_id, delay, error)
            metrics.record_store_retry()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
            continue
        await output.release()
        return


def guard(on_new_message: Handler, channel: str = "rest") -> Handler:
    """Mask secrets before Rasa sees the text; answer exactly once, even when the pipeline stays silent."""

    async def guarded(message: UserMessage) -> None:
        # First, before any check: "\u0001/inform{...}" passed the allowlist as text, then became a payload.
        message.text = normalise(message.text) if message.text else message.text
        if not await admit(message, channel):  # id, abuse limits, payloads (bot/channels/admission.py)
            return
        output = message.output_channel
        counted = metrics.begin_turn(message.input_channel, message.sender_id)
        if len(message.text or "") > settings().max_message_chars:
            await output.send_response(message.sender_id, {"text": too_long_notice()})
            return
        original = message.text or ""
        message.text, masked = redact(original)
        if masked:
            metrics.record_masked(message.text, original)
            await output.send_response(message.sender_id, {"text": REDACTED_NOTICE})
        wrapped = GuardedOutput(output)
        message.output_channel = wrapped
        # Not cancelled on timeout: the turn finishes in the background and is stored.
        turn = asyncio.ensure_future(run_turn(on_new_message, message, wrapped))
        await asyncio.wait({turn}, timeout=settings().reply_timeout_seconds)
        if turn.done() and turn.exception():
            logger.error("Handling a message from %s failed: %r", message.sender_id, turn.exception())
        reason = "store_down" if wrapped.gave_up else None
        if wrapped.sent == 0:
            logger.warning("No answer for a message from %s; sending the fallback answer", message.sender_id)
            wrapped.close()
            await output.send_response(message.sender_id, {"text": unavailable(knowledge_base())})
            reason = "no_answer" if turn.done() else "timeout"
        metrics.end_turn(counted, reason)

    return guarded


def normalised(handler: Handler) -> Handler:
    """`handler` on the normalised text: what a channel does before the guard reads what the guard will."""

    async def normalise_first(message: UserMessage) -> None:
        message.text = normalise(message.text) if message.text else message.text
        await handler(message)

    return normalise_first


class GuardedChannel:
    """Mix in before a Rasa input channel class."""

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        handler = self.before_guard(guard(on_new_message, self.name()))  # type: ignore[attr-defined]
        bp = super().blueprint(normalised(handler))  # type: ignore[misc]
        bp.after_server_start(fail_loudly)
        bp.after_server_start(purge_on_schedule)
        return bp

    def before_guard(self, handler: Handler) -> Handler:
        """What a channel does to a message before the guard sees it (Telegram: /start is /greet)."""
        return handler
