"""A small load run against the real servers: no errors, no empty reply, nothing lost in the store.
The full run (50 conversations x 20 messages) is `python -m bench.reliability`."""

from bench.reliability import run_and_check


def test_concurrent_conversations_all_answered_and_stored(servers):
    result, problems = run_and_check(servers, users=10, messages=8, prefix="loadtest")
    assert problems == []
    assert len(result.latencies_ms) == 80
