"""Whose conversation a message belongs to.

The rule (docs/security.md): a conversation id is at most 128 characters of letters, digits and `_ . : -`.
REST ids are stored as the client sends them. The push channels carry the platform's own ids and their
conversations are stored as `<channel>:<platform id>` (`socketio:<session id>`, `slack:<user id>`,
`telegram:<chat id>`); REST refuses an id that starts with any Rasa channel's name and a colon, so no
REST client can reach a push channel's conversation, and no two channels can share one. The bot's answers
still go to the platform id (`Addressed`), the Slack channel, Telegram chat or socket.io room.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Text

from rasa.core.channels import BUILTIN_CHANNELS
from rasa.core.channels.channel import OutputChannel

MAX_ID_CHARS = 128
_SAFE_ID = re.compile(r"[A-Za-z0-9_.:\-]+")
UNPREFIXED = "rest"
# `slack:...`, `telegram:...`, ... belong to the push channels, whichever of them are enabled.
RESERVED_PREFIXES = frozenset(name for name in BUILTIN_CHANNELS if name != UNPREFIXED)


def id_problem(sender: object) -> Optional[str]:
    """Why `sender` cannot name a REST conversation, or None."""
    if sender is None or isinstance(sender, str) and not sender.strip():
        return "'sender' is required: a non-empty id naming the conversation"
    if not isinstance(sender, str):
        return "'sender' must be a string"
    if len(sender) > MAX_ID_CHARS or not _SAFE_ID.fullmatch(sender):
        return f"'sender' must be 1-{MAX_ID_CHARS} letters, digits, '_', '.', ':' or '-'"
    if sender.split(":", 1)[0].lower() in RESERVED_PREFIXES and ":" in sender:
        return f"'sender' must not start with a channel's name and ':' ({sender.split(':', 1)[0]}:)"
    return None


def conversation_id(channel: str, platform_id: object) -> Optional[str]:
    """The id Rasa stores the conversation under, or None when the platform id is not a safe id."""
    text = str(platform_id) if isinstance(platform_id, (str, int)) else ""
    if not text or len(text) > MAX_ID_CHARS or not _SAFE_ID.fullmatch(text):
        return None
    if channel == UNPREFIXED:
        return None if id_problem(text) else text
    return f"{channel}:{text}"


class Addressed(OutputChannel):
    """The channel's output, with answers to the conversation id sent to the platform's id instead."""

    def __init__(self, inner: OutputChannel, conversation: Text, platform_id: Any) -> None:
        self.inner, self.conversation, self.platform_id = inner, conversation, platform_id

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self.inner.send_response(self.platform_id if recipient_id == self.conversation else recipient_id,
                                       message)

    def __getattr__(self, name: str) -> Any:
        # CollectingOutputChannel.messages and the like, for whoever reads them.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
