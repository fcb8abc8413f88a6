"""Whether a message may enter the pipeline at all: a safe conversation id, within the abuse limits, and
no payload the bot did not offer. Called by `guard` on the normalised text (bot/privacy/normalise.py); a
refused message is never processed or stored, and is logged by the kind of refusal and the conversation's
hash (bot/ops/logs.py), never by its text or raw id.
"""

from __future__ import annotations

import logging

from rasa.core.channels.channel import UserMessage

from bot.channels.identity import UNPREFIXED, Addressed, conversation_id
from bot.channels.limits import SLOW_DOWN, limits
from bot.channels.payloads import REFUSED, payload_problem
from bot.ops.logs import sender_hash

logger = logging.getLogger(__name__)


async def admit(message: UserMessage, channel: str) -> bool:
    """Give `message` its conversation id (`<channel>:<platform id>`, bot/channels/identity.py) and answer
    the platform id; False, after telling the user why when that helps, when it must go no further."""
    platform_id, output = message.sender_id, message.output_channel
    conversation = conversation_id(channel, platform_id)
    if conversation is None:
        logger.warning("Refused a %s message: its sender id is not 1-128 safe characters", channel)
        return False
    message.sender_id, message.input_channel = conversation, channel
    message.output_channel = Addressed(output, conversation, platform_id)
    # REST is counted by its HTTP middleware (bot/channels/rest.py), which can answer 429 with Retry-After.
    if channel != UNPREFIXED and limits().check(conversation, None):
        logger.warning("Refused a message from %s: over RATE_LIMIT_PER_SENDER", sender_hash(conversation))
        if limits().warn(conversation, None):
            await message.output_channel.send_response(conversation, {"text": SLOW_DOWN})
        return False
    problem = payload_problem(message.text)
    if problem:
        logger.warning("Refused a payload from %s: %s", sender_hash(conversation), problem)
        await message.output_channel.send_response(conversation, {"text": REFUSED})
        return False
    return True
