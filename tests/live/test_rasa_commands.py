"""Rasa's own commands work in the project root with no environment variable set."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import requests

from tests.support.servers import BIN, ROOT, free_port, stop, wait_for

BARE_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
            "RASA_TELEMETRY_ENABLED": "false"}


def test_plain_rasa_run_answers_on_the_rest_webhook(tmp_path: Path):
    # endpoints.yml's defaults: the action server on 5055 and SQLite under var/.
    actions = subprocess.Popen([str(BIN / "rasa"), "run", "actions"], cwd=ROOT, env=BARE_ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    port = free_port()
    rasa = subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "--port", str(port)], cwd=ROOT,
                            env=BARE_ENV, stdout=(tmp_path / "rasa.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for("http://127.0.0.1:5055/health", actions)
        wait_for(f"http://127.0.0.1:{port}/version", rasa)
        reply = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                              json={"sender": "bare-rasa-run", "message": "I lost my card in India"}, timeout=30)
        text = "\n".join(m.get("text", "") for m in reply.json())
        assert reply.status_code == 200 and "1800-419-2122" in text
    finally:
        stop([rasa, actions])


def test_rasa_data_validate_in_the_root():
    result = subprocess.run([str(BIN / "rasa"), "data", "validate", "--fail-on-warnings"], cwd=ROOT, env=BARE_ENV,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
