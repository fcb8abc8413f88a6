"""The Telegram channel against the real Rasa server: webhook updates in, answers out through a local fake
of the Bot API (`sendMessage`). The fake only starts listening once the Rasa server is up."""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any, Dict, List

import requests
from tests.support.fakes import Call, FakeTelegramAPI
from tests.support.waiting import until

from bot.channels.telegram import TELEGRAM_SECRET_HEADER
from tests.support.servers import Settings

_update_ids = count(1000)


def webhook(servers: Settings) -> str:
    return f"{servers.rasa_url}/webhooks/telegram/webhook"


def message_update(chat_id: int, text: str) -> Dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test"}
    return {"update_id": next(_update_ids), "message": {
        "message_id": next(_update_ids), "date": int(time.time()), "text": text, "from": user,
        "chat": {"id": chat_id, "type": "private", "first_name": "Test"}}}


def post(servers: Settings, telegram_api: FakeTelegramAPI, update: Dict[str, Any]) -> requests.Response:
    return requests.post(webhook(servers), json=update, timeout=30,
                         headers={TELEGRAM_SECRET_HEADER: telegram_api.secret_token})


def answers(telegram_api: FakeTelegramAPI, chat_id: int) -> List[Call]:
    return telegram_api.settled("sendMessage", lambda c: c.params.get("chat_id") == str(chat_id))


def test_server_started_and_serves_the_other_channels_while_telegram_was_unreachable(servers):
    log = (servers.log_dir / "rasa.log").read_text()
    assert "Could not register the Telegram webhook" in log
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                          json={"sender": "tg-down", "message": "I lost my card in India"}, timeout=30)
    assert reply.status_code == 200 and "1800-419-2122" in json.dumps(reply.json())
    assert requests.get(f"{servers.rasa_url}/webhooks/telegram/", timeout=10).json() == {"status": "ok"}


def test_updates_without_the_secret_token_are_refused(servers, telegram_api):
    update = message_update(501, "I lost my card in India")
    missing = requests.post(webhook(servers), json=update, timeout=10)
    wrong = requests.post(webhook(servers), json=update, timeout=10,
                          headers={TELEGRAM_SECRET_HEADER: telegram_api.secret_token + "x"})
    set_webhook = requests.post(f"{servers.rasa_url}/webhooks/telegram/set_webhook", timeout=10)
    assert missing.status_code == wrong.status_code == set_webhook.status_code == 403
    # Then a genuine one in the same chat: its turn comes after any the refused ones had started, so once it
    # is answered, nothing else is coming.
    assert post(servers, telegram_api, message_update(501, "hi")).status_code == 200
    text = "\n".join(c.params["text"] for c in answers(telegram_api, 501))
    assert "Hello" in text and "1800-419" not in text


def test_a_genuine_update_is_answered_through_the_bot_api(servers, telegram_api):
    reply = post(servers, telegram_api, message_update(502, "I lost my card in India"))
    assert reply.status_code == 200, reply.text
    calls = answers(telegram_api, 502)
    text = "\n".join(c.params["text"] for c in calls)
    assert "1800-419-2122" in text and "1800-419-3646" in text and "1-800-528" not in text
    assert "• India, common numbers: <b>1800-419-2122</b> or <b>1800-419-3646</b>" in text  # Telegram HTML: numbers in bold
    assert {c.params.get("parse_mode") for c in calls} == {"html"}  # aiogram sends it in lower case


def test_buttons_are_an_inline_keyboard_and_a_tap_answers(servers, telegram_api):
    assert post(servers, telegram_api, message_update(503, "someone stole my amex")).status_code == 200
    question = answers(telegram_api, 503)[-1]
    keyboard = json.loads(question.params["reply_markup"])["inline_keyboard"]
    assert [b["callback_data"] for row in keyboard for b in row] == [
        '/inform{"region": "US"}', '/inform{"region": "India"}', '/inform{"region": "other"}']

    seen = len(telegram_api.calls_to("sendMessage"))
    tap = {"update_id": next(_update_ids), "callback_query": {
        "id": "cb-503", "from": {"id": 503, "is_bot": False, "first_name": "Test"}, "chat_instance": "1",
        "data": keyboard[0][0]["callback_data"],
        "message": {"message_id": 1, "date": int(time.time()), "text": question.params["text"],
                    "chat": {"id": 503, "type": "private"}}}}
    assert post(servers, telegram_api, tap).status_code == 200
    after = [c for c in answers(telegram_api, 503) if c in telegram_api.calls_to("sendMessage")[seen:]]
    assert "What kind of card" in "\n".join(c.params["text"] for c in after)
    assert telegram_api.calls_to("answerCallbackQuery", lambda c: c.params.get("callback_query_id") == "cb-503")


def test_a_redelivered_update_is_answered_once(servers, telegram_api):
    update = message_update(504, "how do I pay my bill?")
    assert post(servers, telegram_api, update).status_code == 200
    first = answers(telegram_api, 504)
    assert post(servers, telegram_api, update).status_code == 200
    # A new message after the re-delivery: answered after anything the re-delivery would have started.
    assert post(servers, telegram_api, message_update(504, "hi")).status_code == 200
    chat = lambda: telegram_api.calls_to("sendMessage", lambda c: c.params.get("chat_id") == "504")  # noqa: E731
    until(lambda: any("Hello" in c.params["text"] for c in chat()), what="the answer after the re-delivery")
    assert [c.params["text"] for c in chat()[len(first):] if "Hello" not in c.params["text"]] == []


def test_set_webhook_registers_the_secret_token(servers, telegram_api):
    reply = requests.post(f"{servers.rasa_url}/webhooks/telegram/set_webhook", timeout=30,
                          headers={TELEGRAM_SECRET_HEADER: telegram_api.secret_token})
    assert reply.status_code == 200, reply.text
    call = telegram_api.calls_to("setWebhook")[-1]
    assert call.params["url"] == telegram_api.webhook_url
    assert call.params["secret_token"] == telegram_api.secret_token
    assert "callback_query" in json.loads(call.params["allowed_updates"])


def test_the_start_button_greets(servers, telegram_api):
    assert post(servers, telegram_api, message_update(505, "/start")).status_code == 200
    assert "What can I help with?" in "\n".join(c.params["text"] for c in answers(telegram_api, 505))
