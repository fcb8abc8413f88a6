"""Process helpers for tests and benchmarks: free ports, and the real servers on them."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from bot.ops.processes import BIN, stop, wait_for  # noqa: F401 - re-exported
from bot.ops.run import start_action_server, start_rasa, start_web  # noqa: F401 - re-exported
from bot.settings import ROOT, Settings


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
