"""Conversation tests (tests/live/test_stories.yml) with Rasa's own tool (data validation: test_rasa_commands.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA = str(Path(sys.executable).parent / "rasa")


def test_conversation_stories(tmp_path):
    result = subprocess.run(
        [RASA, "test", "core", "--stories", "tests/live/test_stories.yml", "--model", "models",
         "--fail-on-prediction-errors", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details
    assert "stories:" not in (failed.read_text() if failed.exists() else "")
