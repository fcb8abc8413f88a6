"""Logs for operators: LOG_FORMAT=json writes one JSON object per line, and third-party deprecation
warnings are filtered at start-up. Set up once per process: bot/ops/rasa_cli.py (the Rasa server) and
bot/ops/action_server.py (the action server) call `configure` before the server starts.

A JSON line has `time` (UTC), `level`, `logger` and `message`; inside a turn also the conversation's
`sender` (a hash: the raw id never appears, not even inside the message), `channel`, and once known the
`intent`; the guard's line at the end of each turn adds `latency_ms`.

In both formats (LOG_FORMAT=text too) every log record is masked when it is made (`configure` installs
`masked_records`, a log record factory: handlers Rasa adds later, such as its --log-file, get masked
records too): its message and exception masked by `redact` (bot/privacy/redaction.py) as users' messages
are, and inside a turn the conversation's raw id replaced by its hash. So a card number, a secret or a raw
conversation id never reaches a log file, whoever logs it (Rasa's own lines included).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
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


def masked_text(text: str) -> str:
    """`text` masked (`redact`), with the current turn's raw conversation id replaced by its hash."""
    turn = current_turn.get()
    if turn is not None and turn.sender:
        # The id as a whole word only (not inside a longer one), and before the masking: an id may look like
        # a card number.
        text = re.sub(rf"(?<!\w){re.escape(turn.sender)}(?!\w)", sender_hash(turn.sender), text)
    return redact(text)[0]


def mask_record(record: logging.LogRecord) -> None:
    """Mask `record` in place: its message and its exception's traceback (`masked_text`)."""
    try:
        record.msg, record.args = masked_text(record.getMessage()), ()
    except Exception:  # noqa: BLE001 - a broken format string: logging reports it when it formats
        return
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = masked_text(logging.Formatter().formatException(record.exc_info))


def masked_records() -> None:
    """Every log record of this process masked as it is made (once; idempotent)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "amexcare_masked", False):
        return

    def masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        mask_record(record)
        return record

    masked.amexcare_masked = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, masked, with the current turn's context (bot/ops/metrics.Turn)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: Dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
        }
        turn = current_turn.get()
        if turn is not None:
            entry.update(sender=sender_hash(turn.sender), channel=turn.channel)
            if turn.intent:
                entry["intent"] = turn.intent
            if getattr(record, "turn_end", False) and turn.latency is not None:
                entry["latency_ms"] = round(turn.latency * 1000, 1)
        # Masked again: a record made before `masked_records` was installed, or by a test, is masked too.
        entry["message"] = masked_text(record.getMessage())
        if record.exc_info:
            entry["exception"] = masked_text(record.exc_text or self.formatException(record.exc_info))
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
    """At process start: masked log records in either format, filtered warnings; with LOG_FORMAT=json, JSON
    on every handler there is."""
    s = s or settings()
    masked_records()
    if s.log_format == "json":
        use_json()
    filter_third_party_warnings()
