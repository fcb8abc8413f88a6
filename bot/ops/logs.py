"""Logs for operators: LOG_FORMAT=json writes one JSON object per line, and third-party deprecation
warnings are filtered at start-up. Set up once per process: bot/ops/rasa_cli.py (the Rasa server) and
bot/ops/action_server.py (the action server) call `configure` before the server starts.

A JSON line has `time` (UTC), `level`, `logger` and `message`; inside a turn also the conversation's
`sender` (a hash: the raw id never appears, not even inside the message), `channel`, and once known the
`intent`; the guard's line at the end of each turn adds `latency_ms`. Messages and exceptions are masked
(bot/privacy/redaction.py) as users' messages are, so a card number never reaches a log file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
import warnings
from typing import Any, Dict, Optional

from bot.ops.metrics import current_turn
from bot.privacy.redaction import redact
from bot.settings import ROOT, Settings, settings

# Deprecation warnings raised outside the project's own code tell an operator nothing (Rasa's, SQLAlchemy's,
# TensorFlow's ... about their own internals). The project's own still show.
DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
PROJECT_DIRS = tuple(str(ROOT / d) + os.sep for d in ("bot", "actions", "tests", "bench"))


def sender_hash(sender_id: str) -> str:
    """A stable pseudonym for a conversation: the same sender always gets the same 16 hex digits."""
    return hashlib.sha256(f"amexcare:{sender_id}".encode()).hexdigest()[:16]


class JsonFormatter(logging.Formatter):
    """One JSON object per line, masked, with the current turn's context (bot/ops/metrics.Turn)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: Dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
        }
        turn = current_turn.get()
        if turn is not None:
            hashed = sender_hash(turn.sender)
            if turn.sender:
                message = message.replace(turn.sender, hashed)
            entry.update(sender=hashed, channel=turn.channel)
            if turn.intent:
                entry["intent"] = turn.intent
            if getattr(record, "turn_end", False) and turn.latency is not None:
                entry["latency_ms"] = round(turn.latency * 1000, 1)
        entry["message"] = redact(message)[0]
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))[0]
        return json.dumps(entry, ensure_ascii=False)


def filter_third_party_warnings() -> None:
    """Drop third-party deprecation warnings where they are shown (`warnings.showwarning`, the documented
    hook): libraries put their own filters in front of any set here ("once" for DeprecationWarning)."""
    show = warnings.showwarning
    if getattr(show, "third_party_filtered", False):
        return

    def showwarning(message: Any, category: type, filename: str, lineno: int, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, DEPRECATIONS) and not str(filename).startswith(PROJECT_DIRS):
            return
        show(message, category, filename, lineno, *args, **kwargs)

    showwarning.third_party_filtered = True  # type: ignore[attr-defined]
    warnings.showwarning = showwarning


def use_json(logger: Optional[logging.Logger] = None) -> None:
    """Every handler of `logger` (default: all loggers) writes JSON; the root logger gets a stderr handler
    if it has none, and Python's warnings go through logging too."""
    formatter = JsonFormatter()
    loggers = [logger] if logger else [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    for lg in loggers:
        for handler in lg.handlers:
            handler.setFormatter(formatter)
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter)
        root.addHandler(handler)
    logging.captureWarnings(True)  # replaces warnings.showwarning: `configure` filters again after this


def configure(s: Optional[Settings] = None) -> None:
    """At process start: filter the warnings; with LOG_FORMAT=json, JSON on every handler there is."""
    s = s or settings()
    if s.log_format == "json":
        use_json()
    filter_third_party_warnings()
