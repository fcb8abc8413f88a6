"""Parse long messages in a thread, so that one long message does not stop the server (issue 20).

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md, docs/security.md); applied by
`install()` in bot/rasa_patches/__init__.py only on the versions it was measured on.

Rasa's `MessageProcessor.parse_message` runs the NLU graph on the event loop. For a message at the
4,000-character limit in one-character words (2,000 tokens) that is about 170 ms of CPU here (the
character n-grams of the count vectors, the gazetteer's entity ruler), and nothing else is served
meanwhile: a stream of such messages kept health probes waiting over 600 ms (bench/masking.py). A message
of at least LONG_MESSAGE_CHARS characters is parsed in one worker thread instead, the event loop going on
between the thread's turns at the interpreter lock (every 5 ms); a short message (nearly every message) is
parsed on the loop as before, at no extra cost. One asyncio lock per loop keeps the graph to one parse at
a time, as before, so its components are never run from two threads at once. Same inputs, same graph,
same result (tests/unit/test_rasa_patches.py).
"""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional, Text
from weakref import WeakKeyDictionary

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

# Below this a parse takes a few milliseconds (about 2.5 ms for a sentence); a thread hop would cost more
# than it saves.
LONG_MESSAGE_CHARS = 400
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="long-parse")
_locks: "WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = WeakKeyDictionary()
_rasa_parse_message = MessageProcessor.parse_message


def _lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


async def _parse_message(self: MessageProcessor, message: UserMessage,
                         tracker: Optional[DialogueStateTracker] = None,
                         only_output_properties: bool = True) -> Dict[Text, Any]:
    """Rasa's `parse_message`, with the graph run in the worker thread for a long message."""
    if self.http_interpreter or len(message.text or "") < LONG_MESSAGE_CHARS:
        async with _lock():
            return await _rasa_parse_message(self, message, tracker, only_output_properties)
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    parse = self._parse_message_with_graph
    async with _lock():
        # The caller's context goes along: the log lines of the parse keep the turn's hashed id.
        context = contextvars.copy_context()
        parse_data = await asyncio.get_running_loop().run_in_executor(
            _worker, context.run, parse, message, tracker, only_output_properties)
    # What Rasa's own parse_message does after the graph, on the loop (cheap).
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


def install() -> None:
    MessageProcessor.parse_message = _parse_message  # type: ignore[method-assign]
