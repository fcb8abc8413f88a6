"""The same answer in each platform's own markup: contact details in bold on Slack (mrkdwn) and Telegram
(HTML). The web chat widget renders text as text and links numbers and addresses itself."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Callable, Pattern

from bot.knowledge import default as knowledge_base


@lru_cache(maxsize=1)
def _contacts() -> Pattern[str]:
    """Every contact detail of the knowledge base, longest first, as one pattern."""
    values = sorted({c.value for c in knowledge_base().contacts}, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in values))


def _emphasise(text: str, escape: Callable[[str], str], bold: Callable[[str], str]) -> str:
    out, last = [], 0
    for match in _contacts().finditer(text):
        out += [escape(text[last:match.start()]), bold(escape(match.group(0)))]
        last = match.end()
    return "".join(out + [escape(text[last:])])


def slack_mrkdwn(text: str) -> str:
    """Slack's mrkdwn: &, < and > escaped (Slack's rule), contact details as *bold*."""
    return _emphasise(text, lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
                      lambda s: f"*{s}*")


def telegram_html(text: str) -> str:
    """Telegram's HTML parse mode: everything escaped, contact details in <b>."""
    return _emphasise(text, lambda s: html.escape(s, quote=False), lambda s: f"<b>{s}</b>")
