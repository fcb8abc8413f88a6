"""Shared fixtures: the knowledge base, and the real servers for live tests."""

from __future__ import annotations

import time
from typing import Iterator

import pytest
from fakes import FakeSlackAPI, FakeTelegramAPI

from bot.knowledge_base import KnowledgeBase, default
from bot.servers import ROOT, Settings, free_port, start_action_server, start_rasa, start_web, stop


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default()


@pytest.fixture(scope="session")
def slack_api() -> Iterator[FakeSlackAPI]:
    api = FakeSlackAPI().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegramAPI]:
    """Not listening until the Rasa server is up: Telegram is unreachable while it starts."""
    api = FakeTelegramAPI()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, slack_api: FakeSlackAPI,
            telegram_api: FakeTelegramAPI) -> Iterator[Settings]:
    """The real action server, Rasa server (every channel) and web chat page on free loopback ports,
    with a fresh SQLite store; Slack and Telegram talk to local fakes of their APIs."""
    state = tmp_path_factory.mktemp("servers")
    settings = Settings(
        rasa_port=free_port(), action_port=free_port(), tracker_db=state / "tracker.db",
        log_dir=state / "log", model=ROOT / "models", api_token="test-token",
        web_port=free_port(), state_dir=state, extra_env={**slack_api.env, **telegram_api.env},
    )
    procs = [start_action_server(settings)]
    try:
        procs.append(start_rasa(settings))
        # Telegram's API was unreachable while Rasa started (test_telegram checks it coped); now it answers.
        log, deadline = settings.log_dir / "rasa.log", time.monotonic() + 15
        while "Could not register the Telegram webhook" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        telegram_api.start()
        procs.append(start_web(settings))
        yield settings
    finally:
        stop(procs)
