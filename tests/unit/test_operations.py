"""The operations pieces without servers: settings, JSON log lines, the warning filter, multi-process metrics."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bot.ops.logs import JsonFormatter, filter_third_party_warnings, sender_hash
from bot.ops.metrics import Turn, current_turn
from bot.settings import ROOT, Settings, SettingsError


@pytest.mark.parametrize("env,message", [
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"METRICS_ENABLED": "maybe"}, "METRICS_ENABLED"),
    ({"STOP_GRACE_SECONDS": "0"}, "STOP_GRACE_SECONDS"),
    ({"RASA_PORT": "5055"}, "RASA_PORT and ACTION_PORT"),
])
def test_bad_operations_settings_name_their_variable(env, message) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_operations_settings_round_trip_through_the_environment() -> None:
    s = Settings.from_env({"LOG_FORMAT": "JSON", "METRICS_ENABLED": "off", "STOP_GRACE_SECONDS": "3"})
    assert (s.log_format, s.metrics_enabled, s.stop_grace_seconds) == ("json", False, 3.0)
    again = Settings.from_env(s.env())
    assert (again.log_format, again.metrics_enabled, again.stop_grace_seconds) == ("json", False, 3.0)


def test_a_json_line_hashes_the_sender_and_masks_the_text() -> None:
    record = logging.LogRecord("bot.channels.guard", logging.WARNING, __file__, 1,
                               "Retrying a message from %s: %s", ("alice@example", "card 3782 822463 10005"), None)
    token = current_turn.set(Turn(channel="rest", sender="alice@example", intent="report_lost_card"))
    try:
        line = JsonFormatter().format(record)
    finally:
        current_turn.reset(token)
    entry = json.loads(line)
    assert entry["sender"] == sender_hash("alice@example") and entry["channel"] == "rest"
    assert entry["intent"] == "report_lost_card" and entry["level"] == "WARNING"
    assert "alice" not in line and "822463" not in line and "[****]" in entry["message"]


def test_only_third_party_deprecations_are_filtered(monkeypatch) -> None:
    shown = []
    monkeypatch.setattr(warnings, "showwarning", lambda message, category, *rest, **kw: shown.append(category))
    filter_third_party_warnings()
    warnings.showwarning("old", DeprecationWarning, "/site-packages/sqlalchemy/x.py", 1)
    warnings.showwarning("old", FutureWarning, "/site-packages/rasa/x.py", 1)
    warnings.showwarning("ours", DeprecationWarning, str(ROOT / "bot" / "ops" / "run.py"), 1)
    warnings.showwarning("other", UserWarning, "/site-packages/rasa/x.py", 1)
    assert shown == [DeprecationWarning, UserWarning]


def test_metrics_add_up_across_worker_processes(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from bot.ops.metrics import begin_turn; begin_turn('rest', 'x')"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True)
    show = "from bot.ops.metrics import exposition; print(exposition()[0].decode())"
    text = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout
    assert 'amexcare_messages_total{channel="rest"} 2.0' in text


def test_text_log_lines_are_masked_too(tmp_path: Path) -> None:
    """LOG_FORMAT=text: records are masked when they are made, so a handler added after `configure` (as
    Rasa's --log-file is) writes them masked with its own formatter."""
    from bot.ops.logs import configure

    code = (
        "import logging, sys\n"
        "from bot.ops.logs import configure\n"
        "from bot.ops.metrics import begin_turn\n"
        "from bot.settings import Settings\n"
        "configure(Settings(log_format='text'))\n"
        f"handler = logging.FileHandler({str(tmp_path / 'rasa.log')!r})\n"
        "handler.setFormatter(logging.Formatter('%(asctime)s %(name)s %(message)s'))\n"
        "logging.getLogger().addHandler(handler)\n"
        "begin_turn('rest', 'alice-42')\n"
        "log = logging.getLogger('rasa.core.processor')\n"
        "log.warning('Received %r from %s', 'card 4111.1111.1111.1111 cvv 123, password is hunter', 'alice-42')\n"
        "try:\n"
        "    raise ValueError('ssn 123-45-6789 of alice-42')\n"
        "except ValueError:\n"
        "    log.exception('failed')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    text = (tmp_path / "rasa.log").read_text()
    assert "[****]" in text and "cvv [***]" in text and "password is [***]" in text and "ssn [***]" in text
    for secret in ("1111", "cvv 123", "hunter", "6789", "alice-42"):
        assert secret not in text, secret
    assert sender_hash("alice-42") in text
    assert configure  # the same function the servers call


def test_the_loaded_objects_are_frozen_out_of_full_collections() -> None:
    """bot/ops/probes.py freezes what is alive once the model is loaded: a full collection then skips it
    (in the Rasa server: 540,000 objects, 380 ms, nothing served meanwhile; bench/masking.py)."""
    import gc

    from bot.ops.probes import freeze_loaded_objects

    try:
        assert freeze_loaded_objects() > 1000 and gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
