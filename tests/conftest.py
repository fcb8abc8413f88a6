"""Shared fixtures: the knowledge base, and the real servers for the live, browser and cluster tiers."""

from __future__ import annotations

import os
import time
from typing import Iterator

import pytest
from hypothesis import settings as hypothesis_settings

from bot.knowledge import KnowledgeBase, default
from bot.settings import ROOT

# No deadline: on a loaded 2-core machine a slow example is not a wrong one.
hypothesis_settings.register_profile("loaded", deadline=None)
hypothesis_settings.load_profile("loaded")

SEED = ROOT.parent / "shared" / "seed" / "how-to-contact-amex-customer-care.txt"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default()


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed document (shared/ beside the checkout). In CI its absence is a failure, not a skip."""
    if not SEED.exists():
        message = f"{SEED} is missing: the knowledge base cannot be checked against the seed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def slack_api() -> Iterator["FakeSlackAPI"]:  # noqa: F821 - imported lazily: the core tier has no Rasa
    from tests.support.fakes import FakeSlackAPI

    api = FakeSlackAPI().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def telegram_api() -> Iterator["FakeTelegramAPI"]:  # noqa: F821
    """Not listening until the Rasa server is up: Telegram is unreachable while it starts."""
    from tests.support.fakes import FakeTelegramAPI

    api = FakeTelegramAPI()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, slack_api, telegram_api) -> Iterator["Settings"]:  # noqa: F821
    """The real action server, Rasa server (every channel) and web chat page on free loopback ports,
    with a fresh SQLite store; Slack and Telegram talk to local fakes of their APIs."""
    from tests.support.servers import local_settings, start_stack, stop

    settings = local_settings(tmp_path_factory.mktemp("servers"), api_token="test-token",
                              extra_env={**slack_api.env, **telegram_api.env})
    procs: list = []
    try:
        settings = start_stack(settings, procs, ("actions", "rasa"))
        # Telegram's API was unreachable while Rasa started (test_telegram checks it coped); now it answers.
        log, deadline = settings.log_dir / "rasa.log", time.monotonic() + 15
        while "Could not register the Telegram webhook" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        telegram_api.start()
        settings = start_stack(settings, procs, ("web",))
        yield settings
    finally:
        stop(procs)
