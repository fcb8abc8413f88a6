"""bench/insights.py on a small store: its generated conversations are what the report counts, and it
measures the report's own process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.insights import fill_sqlite, run_report


def test_the_generated_store_is_counted_back_by_the_report(tmp_path: Path):
    events = fill_sqlite(tmp_path / "tracker.db", 300)
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events
        users = db.execute("SELECT count(*) FROM events WHERE type_name = 'user'").fetchone()[0]
        votes = db.execute("SELECT count(*) FROM events WHERE type_name = 'user' AND data LIKE '%helpful%'"
                           ).fetchone()[0]
        fallbacks = db.execute("SELECT count(*) FROM events WHERE intent_name = 'nlu_fallback'").fetchone()[0]
    seconds, peak_mb, report = run_report(str(tmp_path / "tracker.db"), tmp_path / "report")
    assert (report["conversations"], report["user_messages"], report["votes"]) == (300, users, votes)
    assert report["counts"]["fallback_messages"] == fallbacks > 0
    assert report["helpful"]["yes"] + report["helpful"]["no"] == votes > 0
    assert 0 < seconds < 120 and 20 < peak_mb < 1000
