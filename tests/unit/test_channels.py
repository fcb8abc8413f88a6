"""Which channels the Rasa server is started with: the web ones always, Slack and Telegram when their
environment variables are set."""

from pathlib import Path

import pytest
from rasa.core.run import create_http_input_channels

from bot.channels.rest import GuardedRestInput
from bot.channels.slack import GuardedSlackInput
from bot.channels.socketio import GuardedSocketIOInput
from bot.channels.telegram import GuardedTelegramInput
from bot.ops.probes import OpsInput
from bot.ops.run import OPTIONAL_CHANNELS, enabled_channels, write_credentials
from bot.settings import Settings

SLACK = {"SLACK_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}
TELEGRAM = {"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_BOT_NAME": "amex_bot",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/webhooks/telegram/webhook",
            "TELEGRAM_SECRET_TOKEN": "s3cret-token"}


def channels_rasa_creates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict) -> list:
    """The input channels Rasa builds from the credentials file bot/ops/run.py writes for `env`."""
    for name in (*SLACK, "SLACK_CHANNEL", "SLACK_API_URL", *TELEGRAM, "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(state_dir=tmp_path, rasa_port=1234)
    path = write_credentials(settings)
    assert "s3cret" not in path.read_text()  # secrets stay in the environment
    return create_http_input_channels(None, str(path))


def test_without_slack_and_telegram_variables_only_web_channels_start(tmp_path, monkeypatch):
    channels = channels_rasa_creates(tmp_path, monkeypatch, {})
    assert [type(c) for c in channels] == [GuardedRestInput, GuardedSocketIOInput, OpsInput]
    assert channels[1].session_persistence is True
    assert channels[1].allowed_origins == Settings().origins == [Settings().web_url]


def test_with_their_variables_slack_and_telegram_start(tmp_path, monkeypatch):
    channels = channels_rasa_creates(tmp_path, monkeypatch, {**SLACK, **TELEGRAM, "SLACK_CHANNEL": "C42"})
    assert [type(c) for c in channels] == [GuardedRestInput, GuardedSocketIOInput, OpsInput, GuardedSlackInput,
                                           GuardedTelegramInput]
    slack, telegram = channels[3], channels[4]
    assert (slack.slack_token, slack.slack_signing_secret, slack.slack_channel) == ("xoxb-1", "s3cret", "C42")
    assert slack.api_url is None and telegram.api_url is None
    assert (telegram.verify, telegram.secret_token) == ("amex_bot", "s3cret-token")
    assert slack.name() == "slack" and telegram.name() == "telegram"  # /webhooks/slack/webhook, ...


def test_a_channel_missing_one_variable_is_left_out(tmp_path):
    env = {**SLACK, **TELEGRAM}
    del env["TELEGRAM_SECRET_TOKEN"]
    channels = enabled_channels(OPTIONAL_CHANNELS, env)
    assert "bot.channels.telegram.GuardedTelegramInput" not in channels
    assert "slack_channel" not in channels["bot.channels.slack.GuardedSlackInput"]


def test_telegram_refuses_to_start_without_a_valid_secret_token():
    from rasa.shared.exceptions import InvalidConfigException

    for secret in (None, "", "has spaces", "x" * 257):
        with pytest.raises(InvalidConfigException):
            GuardedTelegramInput("123:abc", "amex_bot", "https://bot.example.com/", secret_token=secret)
