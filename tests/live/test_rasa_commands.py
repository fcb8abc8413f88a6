"""Rasa's own commands work in the project root with no environment variable set."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Tuple

import requests

from bot.ops.processes import Log, port_in_use, started
from tests.support.servers import BIN, ROOT, free_port, retrying, stop

BARE_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
            "RASA_TELEMETRY_ENABLED": "false"}


def _plain_rasa_run(log: Path) -> Tuple[subprocess.Popen, int]:
    """`rasa run --enable-api` on a free port, once it answers; again on another port if its was taken."""
    port = free_port()
    out = Log(log)
    with out.path.open("ab") as sink:
        proc = subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "--port", str(port)], cwd=ROOT,
                                env=BARE_ENV, stdout=sink, stderr=subprocess.STDOUT)
    return started(proc, None, f"http://127.0.0.1:{port}/version", lambda body: True, server="rasa run",
                   log=out, address=f"port {port}"), port


def _plain_rasa_run_actions(log: Path, timeout: float = 120) -> subprocess.Popen:
    """`rasa run actions` on endpoints.yml's port 5055, once it answers. Another checkout's test or `make run`
    on this machine may hold 5055 for a while: wait until it is free (and again if it was taken first)."""
    deadline = time.monotonic() + timeout
    while port_in_use("0.0.0.0", 5055):
        assert time.monotonic() < deadline, "port 5055 stayed taken"
        time.sleep(0.5)
    out = Log(log)
    with out.path.open("ab") as sink:
        proc = subprocess.Popen([str(BIN / "rasa"), "run", "actions"], cwd=ROOT, env=BARE_ENV, stdout=sink,
                                stderr=subprocess.STDOUT)
    return started(proc, None, "http://127.0.0.1:5055/health", lambda body: True, server="rasa run actions",
                   log=out, address="port 5055")


def test_plain_rasa_run_answers_on_the_rest_webhook(tmp_path: Path):
    # endpoints.yml's defaults: the action server on 5055 and SQLite under var/.
    actions = rasa = None
    try:
        actions = retrying(lambda: _plain_rasa_run_actions(tmp_path / "actions.log"))
        rasa, port = retrying(lambda: _plain_rasa_run(tmp_path / "rasa.log"))
        reply = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                              json={"sender": "bare-rasa-run", "message": "I lost my card in India"}, timeout=30)
        text = "\n".join(m.get("text", "") for m in reply.json())
        assert reply.status_code == 200 and "1800-419-2122" in text
    finally:
        stop([p for p in (rasa, actions) if p is not None])


def test_rasa_data_validate_in_the_root():
    result = subprocess.run([str(BIN / "rasa"), "data", "validate", "--fail-on-warnings"], cwd=ROOT, env=BARE_ENV,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
