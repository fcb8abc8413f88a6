"""Process helpers for tests and benchmarks: free ports, and the real servers on them.

A port the tests choose cannot be held from the moment it is chosen until the server binds it (Rasa binds
only after loading its model), so two things keep it from being taken in between:

- `free_port` chooses below the kernel's ephemeral range, where neither a `bind(0)` nor an outgoing
  connection (of this run's servers, or of anything else on the machine) ever lands, and never hands out
  the same port twice in one process;
- `start_stack` and `retrying` start a server again on a fresh port if, all the same, something else
  held its port when it tried to listen (`StartFailed.port_taken`).

Servers running in this process (tests/support/fakes.py) bind port 0 themselves and hold it.
"""

from __future__ import annotations

import dataclasses
import errno
import random
import socket
import subprocess
from pathlib import Path
from typing import Any, Callable, List, Sequence, Set, TypeVar

import requests
from requests.adapters import HTTPAdapter

from bot.ops.processes import BIN, StartFailed, stop, wait_for  # noqa: F401 - re-exported
from bot.ops.run import start_action_server, start_rasa, start_web  # noqa: F401 - re-exported
from bot.settings import ROOT, Settings

T = TypeVar("T")
ATTEMPTS = 5
_handed_out: Set[int] = set()


def _ephemeral_range() -> range:
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def _bindable(port: int) -> bool:
    """Nothing holds `port` on loopback (bound as servers bind: SO_REUSEADDR, so a closing one is no matter)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def free_port() -> int:
    """A TCP port on loopback that nothing holds right now, outside the ephemeral range, new to this process."""
    ephemeral = _ephemeral_range()
    low, high = (10000, ephemeral.start) if ephemeral.start > 20000 else (ephemeral.stop, 65536)
    for _ in range(1000):
        port = random.randrange(low, high)
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port found between {low} and {high}")


def retrying(start: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """`start()`, called again while it raises `StartFailed` with `port_taken` (`start` picks a new port
    each time)."""
    for attempt in range(attempts):
        try:
            return start()
        except StartFailed as error:
            if not error.port_taken or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


# Which port each server listens on, and how it is started, in the order servers depend on each other:
# Rasa calls the action server, the page calls Rasa.
SERVERS = {"actions": ("action_port", start_action_server), "rasa": ("rasa_port", start_rasa),
           "web": ("web_port", start_web)}


def start_stack(s: Settings, procs: List[subprocess.Popen],
                servers: Sequence[str] = ("actions", "rasa", "web")) -> Settings:
    """Start `servers` in order, each tracked in `procs` at once; a server whose port was taken before it
    listened starts again on a fresh one. Returns the settings they run with (use those, not `s`)."""
    for name in servers:
        port_field, start = SERVERS[name]
        for attempt in range(ATTEMPTS):
            try:
                start(s, procs)
                break
            except StartFailed as error:
                if not error.port_taken or attempt == ATTEMPTS - 1:
                    raise
                s = dataclasses.replace(s, **{port_field: free_port()})
    return s


def local_settings(state: Path, **overrides: Any) -> Settings:
    """Settings for a private stack: free loopback ports, its own SQLite store and logs under `state`."""
    values: dict = dict(rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
                        tracker_db=state / "tracker.db", log_dir=state / "log", state_dir=state,
                        model=ROOT / "models")
    values.update(overrides)
    return Settings(**values)


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    """HTTP requests from another loopback address (127.0.0.2, ...): a second "client machine" on this one."""
    session = requests.Session()
    session.mount("http://", _SourceAddress(address))
    return session
