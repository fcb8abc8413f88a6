"""Erasure that holds (issue 20, part 4) against real servers: a turn still running when its conversation is
erased (the action server paused mid-turn) never brings the old session back; the store, the server's
kept copy, SQLite's write-ahead log, the report and its NLU export hold nothing of it afterwards; the
command goes through the running server (which holds the locks of Rasa's in-memory lock store)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from tests.support.servers import ROOT, local_settings, start_stack, stop

TOKEN = "erase-token"
TIMEOUT_S = 2
MARKER = "zorblax"  # a word the bot does not know


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings = local_settings(tmp_path_factory.mktemp("erasure"), api_token=TOKEN,
                              reply_timeout_seconds=TIMEOUT_S, store_retry_seconds=1)
    procs: list = []
    try:
        settings = start_stack(settings, procs, ("actions", "rasa"))
        yield settings, procs[0]
    finally:
        if procs:
            procs[0].send_signal(signal.SIGCONT)
        stop(procs)


def rest(settings: Any, sender: str, text: str) -> requests.Response:
    return requests.post(f"{settings.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                         timeout=120)


def stored(settings: Any, sender: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(settings.tracker_db) as db:
        return [json.loads(d) for (d,) in db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id",
                                                     (sender,))]


def tracker(settings: Any, sender: str) -> Dict[str, Any]:
    return requests.get(f"{settings.rasa_url}/conversations/{sender}/tracker", params={"token": TOKEN},
                        timeout=10).json()


def report(settings: Any) -> None:
    """`make report` into the stack's state folder, with the NLU export."""
    out = settings.state_dir / "report"
    subprocess.run([sys.executable, "-m", "bot.insights", "--out", str(out), "--export-nlu",
                    str(out / "review.yml")], cwd=ROOT, env=settings.env(), check=True, capture_output=True)


def raw_files(settings: Any) -> bytes:
    db = Path(settings.tracker_db)
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def test_a_turn_running_during_erasure_never_brings_the_old_session_back(stack: Any) -> None:
    settings, action_server = stack
    sender = "erase-mid-turn"
    rest(settings, sender, "I lost my card in India")
    assert rest(settings, sender, f"{MARKER} {MARKER}").status_code == 200
    assert any(e.get("value") == "India" for e in stored(settings, sender))
    report(settings)
    before = json.loads((settings.state_dir / "report" / "report.json").read_text())["conversations"]

    action_server.send_signal(signal.SIGSTOP)  # the next turn hangs in its action call, holding the lock
    erased: Dict[str, Any] = {}
    try:
        talking = threading.Thread(target=rest, args=(settings, sender, "my card was stolen"))
        talking.start()
        time.sleep(1.0)  # the turn has started and waits for the action server
        erasing = threading.Thread(target=lambda: erased.update(reply=requests.delete(
            f"{settings.rasa_url}/webhooks/rest/conversations/{sender}", params={"token": TOKEN}, timeout=120)))
        erasing.start()
        talking.join(TIMEOUT_S + 30)  # the user got the fallback answer; the turn goes on in the background
        erasing.join(2.0)
        assert erasing.is_alive(), "the erasure did not wait for the running turn's lock"
    finally:
        action_server.send_signal(signal.SIGCONT)
    erasing.join(90)
    assert erased["reply"].status_code == 200 and erased["reply"].json()["deleted_events"] > 5
    time.sleep(1.0)  # anything the turn would still save, it has saved by now
    assert stored(settings, sender) == []
    assert [e for e in tracker(settings, sender)["events"] if e["event"] in ("user", "slot")] == []
    files = raw_files(settings)
    assert MARKER.encode() not in files and b"my card was stolen" not in files  # the WAL was emptied too
    out = settings.state_dir / "report"
    assert MARKER not in "".join(p.read_text() for p in out.iterdir())
    assert json.loads((out / "report.json").read_text())["conversations"] == before - 1  # rebuilt by the erasure

    # The next message starts a new conversation: nothing of the old one comes back.
    rest(settings, sender, "hello")
    texts = [e["text"] for e in stored(settings, sender) if e["event"] == "user"]
    assert texts == ["hello"] and not any(e.get("value") == "India" for e in stored(settings, sender))


def test_the_command_erases_through_the_running_server(stack: Any) -> None:
    settings, _ = stack
    rest(settings, "erase-by-command", "I lost my card in India")
    assert tracker(settings, "erase-by-command")["slots"]["region"] == "India"  # the server keeps a copy
    command = [sys.executable, "-m", "bot.privacy.erase", "erase-by-command"]
    without = {k: v for k, v in settings.env().items() if k != "RASA_API_TOKEN"}
    refused = subprocess.run(command, cwd=ROOT, env=without, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "RASA_API_TOKEN" in refused.stderr
    assert stored(settings, "erase-by-command")  # nothing erased behind the server's back
    done = subprocess.run(command, cwd=ROOT, env=settings.env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "deleted erase-by-command" in done.stdout, done.stderr
    assert stored(settings, "erase-by-command") == []
    assert tracker(settings, "erase-by-command")["slots"].get("region") is None
