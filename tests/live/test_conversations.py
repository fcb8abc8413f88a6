"""Conversation tests (tests/live/test_stories.yml) and data validation, with Rasa's own tools."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA = str(Path(sys.executable).parent / "rasa")


def test_rasa_data_validate():
    result = subprocess.run([RASA, "data", "validate", "--fail-on-warnings"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


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
