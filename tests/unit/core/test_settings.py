"""Settings: every variable read once, validated, and a bad one named in one line."""

import pytest

from bot.settings import Settings, SettingsError


@pytest.mark.parametrize("env, message", [
    ({"RASA_PORT": "abc"}, "RASA_PORT: 'abc' is not a whole number"),
    ({"ACTION_PORT": "70000"}, "ACTION_PORT: 70000 is not a TCP port"),
    ({"REPLY_TIMEOUT_SECONDS": "ten"}, "REPLY_TIMEOUT_SECONDS: 'ten' is not a number"),
    ({"STORE_RETRY_SECONDS": "10", "REPLY_TIMEOUT_SECONDS": "5"}, "STORE_RETRY_SECONDS .* below REPLY_TIMEOUT_SECONDS"),
    ({"MAX_MESSAGE_CHARS": "0"}, "MAX_MESSAGE_CHARS: must be at least 1"),
])
def test_a_bad_value_names_its_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_values_come_from_the_environment_and_go_back_to_it():
    settings = Settings.from_env({"RASA_PORT": "6000", "BOT_HOST": "127.0.0.2", "CORS_ORIGINS": ""})
    assert (settings.rasa_port, settings.host, settings.cors_origins) == (6000, "127.0.0.2", None)
    assert settings.rasa_url == "http://127.0.0.2:6000" and settings.origins == ["http://127.0.0.2:8000"]
    env = settings.env()
    assert env["RASA_PORT"] == "6000" and env["ACTION_ENDPOINT_URL"] == "http://127.0.0.2:5055/webhook"
    assert Settings.from_env(env).rasa_port == 6000
