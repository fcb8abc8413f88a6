"""`make bench` in miniature: the same script, both bots end to end, a few messages (CI smoke test)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bench.performance", "--smoke", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = (tmp_path / "performance.md").read_text()
    assert "| | ours | stock | ours/stock | target |" in report and "throughput, msg/s" in report
    data = json.loads((tmp_path / "performance.json").read_text())
    for bot in ("ours", "stock"):
        for phase in data[bot]["phases"].values():
            assert phase["error_count"] == 0
            assert phase["sent"] == phase["users"] * phase["messages_per_user"]
            assert 0 < phase["p50_ms"] <= phase["p99_ms"]
        assert data[bot]["peak_rss_mb"]["Rasa server"] > 100
        assert data[bot]["train_s"] > 0 and data[bot]["model_bytes"] > 0
    assert data["ours"]["peak_rss_mb"]["action server"] > 20
    assert set(data["ours"]["phases"]) == {"single", "concurrent", "long-single", "long-concurrent"}
    for phase in ("long-single", "long-concurrent"):
        assert data["ours"]["phases"][phase]["stored_once"] is True
        assert data["ours"]["phases"][phase]["block_medians_ms"]
    assert "median latency of messages 1-20" in report and "stored once" in report
    assert (tmp_path / "performance_turns.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "performance_latency.png").read_bytes().startswith(b"\x89PNG")
