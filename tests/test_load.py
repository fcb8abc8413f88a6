"""A small load run against the real servers: no errors, no empty reply, nothing lost in the store.
The full run (50 conversations x 20 messages) is `python bench/reliability.py`."""

from bench.reliability import run_and_verify


def test_concurrent_conversations_all_answered_and_stored(servers):
    result = run_and_verify(servers, users=10, messages=8, prefix="loadtest")
    assert len(result.latencies_ms) == 80
    print(result.summary())
