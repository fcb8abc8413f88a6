"""`make bench` in miniature: the same script, both bots end to end, a few messages (CI smoke test)."""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import LoadResult, run_load, turns

ROOT = Path(__file__).resolve().parent.parent


def test_percentiles_are_nearest_rank():
    result = LoadResult(1, 10, latencies_ms=[float(x) for x in range(1, 101)])
    assert (result.percentile(50), result.percentile(95), result.percentile(99), result.percentile(100)) == \
        (50.0, 95.0, 99.0, 100.0)


def test_each_conversation_gets_a_new_sender():
    conversations = [["a", "b"], ["c"]]
    played = [t for _, t in zip(range(5), turns(conversations, user=1, prefix="x"))]
    assert played == [("x-u1-c0", "c"), ("x-u1-c1", "a"), ("x-u1-c1", "b"), ("x-u1-c2", "c"), ("x-u1-c3", "a")]


def test_load_only_targets_loopback():
    with pytest.raises(ValueError, match="loopback"):
        asyncio.run(run_load("http://10.0.0.1:5005", 1, 1))


def test_bench_smoke(tmp_path):
    result = subprocess.run([sys.executable, "bench/performance.py", "--smoke", "--out", str(tmp_path)],
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
    assert (tmp_path / "performance_latency.png").read_bytes().startswith(b"\x89PNG")
