"""Waiting in tests: on a condition, with a deadline, never a fixed time (a busy machine is slower)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def until(condition: Callable[[], T], timeout: float = 30.0, what: str = "the condition", every: float = 0.05) -> T:
    """`condition()`'s first truthy value, asked every `every` s; AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(every)
