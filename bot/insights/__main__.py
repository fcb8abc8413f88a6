"""`make report`: the insights report of the tracker store, as var/report/index.html and report.json.

    python -m bot.insights                                  # the store the server uses (ENDPOINTS, TRACKER_DB)
    python -m bot.insights --tracker-db var/tracker.db      # an SQLite file
    python -m bot.insights --tracker-db postgresql://rasa:PASSWORD@127.0.0.1:5432/rasa --since 2026-11-01
    python -m bot.insights --json --export-nlu var/report/review.yml

Read-only; nothing is served over HTTP (open the file). Definitions of every figure: docs/insights.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import List, Optional

import sqlalchemy as sa

from bot.insights.inbox import write_nlu
from bot.insights.report import build, write
from bot.insights.source import engine_for
from bot.settings import ROOT, Settings, SettingsError


def _engine(tracker_db: Optional[str]) -> sa.engine.Engine:
    if tracker_db:
        return engine_for(tracker_db)
    from bot.stores.erasure import store_engine  # imports Rasa (seconds): only when it is needed

    engine = store_engine(Settings.from_env())  # the same store as the server: ENDPOINTS, TRACKER_DB
    if engine.url.get_backend_name() == "sqlite" and not Path(engine.url.database or "").exists():
        raise FileNotFoundError(f"no tracker store at {engine.url.database} yet: `make run` writes it, or give "
                                "--tracker-db a file or a database URL")
    return engine


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.insights", description=__doc__.split("\n")[0])
    parser.add_argument("--tracker-db", help="SQLite file or database URL (default: the server's store)")
    parser.add_argument("--since", type=date.fromisoformat, help="first day (UTC), YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="print report.json to standard output too")
    parser.add_argument("--export-nlu", type=Path, metavar="FILE", help="the review inbox as Rasa NLU YAML")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "report", help="folder (default var/report)")
    args = parser.parse_args(argv)
    try:
        engine = _engine(args.tracker_db)
        report = build(engine, args.since)
    except (SettingsError, FileNotFoundError, sa.exc.SQLAlchemyError) as error:
        sys.exit(f"bot.insights: {error}")
    write(report, args.out)
    if args.export_nlu:
        write_nlu(report["review_inbox"], args.export_nlu)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(f"{report['conversations']} conversations, {report['user_messages']} user messages: "
              f"open {args.out / 'index.html'}")


if __name__ == "__main__":
    main()
