"""A store outage never loses a conversation: the turn is retried, or the user is told to send it again.

Rasa wraps every tracker store in a `FailSafeTrackerStore` which, when the database fails, carries on with
an empty in-memory tracker: the user gets an answer that has forgotten the conversation, and the turn is
never written to the database. Here a tracker store failure is an error instead (`fail_loudly`), and the
channel guard runs each message through `handle_reliably`: while the tracker store or the lock store is
unreachable the whole turn is retried, for at most STORE_RETRY_SECONDS (keep it below the guard's
REPLY_TIMEOUT_SECONDS), then the user is asked to send the message again and given the phone lines. The
bot messages of a failed attempt are held back, so the user sees only answers that were recorded, and a
retried turn is answered once. Other errors go on to the guard.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Awaitable, Callable, Dict, List, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.exceptions import RasaException
from sanic import Sanic

from bot.answers import unavailable
from bot.knowledge_base import default as knowledge_base

logger = logging.getLogger(__name__)

STORE_RETRY_SECONDS = float(os.environ.get("STORE_RETRY_SECONDS", "5"))
STORE_DOWN = ("Sorry, I can't reach my conversation records right now, so I couldn't take in your last "
              "message. Please send it again in a minute.")


class StoreUnavailable(RasaException):
    """The tracker store could not read or write a conversation."""


def _raise_unavailable(error: Exception) -> None:
    raise StoreUnavailable(f"the tracker store failed: {error}") from error


async def fail_loudly(app: Sanic, _loop: Any) -> None:
    """Sanic listener: the agent's tracker store raises on errors instead of falling back to memory."""
    store = getattr(getattr(app.ctx, "agent", None), "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        # Rasa's FailSafeTrackerStore takes this callback as a constructor argument; the agent builds
        # the store itself, so it is set here once the agent is loaded.
        store._on_tracker_store_error = _raise_unavailable


class HeldOutput(OutputChannel):
    """Holds bot messages back until the turn is recorded, then passes them on."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.held: List[Tuple[Text, Dict[Text, Any]]] = []
        self.released = False
        # Channel-specific responses are chosen by the output channel's name: keep the real one.
        self.name = inner.name  # type: ignore[method-assign]

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if self.released:
            await self.inner.send_response(recipient_id, message)
        else:
            self.held.append((recipient_id, message))

    async def release(self) -> None:
        self.released = True
        for recipient_id, message in self.held:
            await self.inner.send_response(recipient_id, message)
        self.held.clear()


async def handle_reliably(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                          retry_seconds: float = STORE_RETRY_SECONDS) -> None:
    """Run one turn; while the stores are unreachable, retry it, then ask the user to send it again."""
    output = message.output_channel
    deadline = time.monotonic() + retry_seconds
    delay = 0.25
    while True:
        held = HeldOutput(output)
        message.output_channel = held
        try:
            await on_new_message(message)
        except (StoreUnavailable, LockError) as error:
            # Nothing of the turn was saved (the failure came before or at the save): safe to run it again.
            if time.monotonic() + delay > deadline:
                logger.error("Giving up on a message from %s: %s", message.sender_id, error)
                # send_response, not send_text_message: the one method every output channel implements.
                await output.send_response(message.sender_id, {"text": STORE_DOWN})
                await output.send_response(message.sender_id, {"text": unavailable(knowledge_base())})
                return
            logger.warning("Retrying a message from %s in %.2f s: %s", message.sender_id, delay, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
            continue
        finally:
            message.output_channel = output
        await held.release()
        return
