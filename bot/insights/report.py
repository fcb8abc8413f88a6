"""The report of a tracker store: built from its events, written as index.html and report.json. `make report`
(bot/insights/__main__.py) writes it; an erasure rebuilds it (bot/stores/erasure.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Dict, Optional

import sqlalchemy as sa

from bot.insights.figures import Figures
from bot.insights.inbox import Inbox
from bot.insights.page import render
from bot.insights.source import since_timestamp, stream
from bot.knowledge import default as knowledge_base


def build(engine: sa.engine.Engine, since: Optional[date] = None) -> Dict[str, Any]:
    """The report of the store behind `engine`, from `since` (a UTC day) on."""
    figures = Figures(knowledge_base().needs, Inbox())
    for row in stream(engine, since_timestamp(since)):
        figures.feed(row)
    report = figures.report()
    report["period"]["since"] = since.isoformat() if since else None
    return report


def write(report: Dict[str, Any], out: Path) -> None:
    """index.html and report.json in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "index.html").write_text(render(report), encoding="utf-8")
