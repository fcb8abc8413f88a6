"""Shared fixtures: the knowledge base, and the real servers for live tests."""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.knowledge_base import KnowledgeBase, default
from bot.servers import ROOT, Settings, free_port, start_action_server, start_rasa, stop


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The real action server and Rasa server on free loopback ports, with a fresh SQLite store."""
    state = tmp_path_factory.mktemp("servers")
    settings = Settings(
        rasa_port=free_port(), action_port=free_port(), tracker_db=state / "tracker.db",
        log_dir=state / "log", model=ROOT / "models", api_token="test-token",
    )
    procs = [start_action_server(settings)]
    try:
        procs.append(start_rasa(settings))
        yield settings
    finally:
        stop(procs)
