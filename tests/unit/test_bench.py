"""The load generator of `make bench`: percentiles, senders, loopback only."""

import asyncio
from pathlib import Path

import pytest

from bench.load import LoadResult, run_load, turns

ROOT = Path(__file__).resolve().parents[2]


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


def test_the_masking_benchmark_cases_are_at_the_limit_and_time():
    from bench.masking import CASES, LIMIT, time_masking

    assert all(len(text) == LIMIT for text in CASES.values())
    assert [row[0] for row in time_masking(1)] == list(CASES)
