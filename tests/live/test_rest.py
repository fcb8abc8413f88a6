"""The REST webhook as a browser sees it: CORS only for the configured origins (the web chat page's by default)."""

import requests

from tests.support.servers import Settings

EVIL = "http://evil.example"


def preflight(servers: Settings, origin: str) -> requests.Response:
    return requests.options(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})


def test_the_web_chat_origin_may_call_the_webhook(servers):
    assert preflight(servers, servers.web_url).headers.get("Access-Control-Allow-Origin") == servers.web_url
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=30,
                          json={"sender": "cors-ok", "message": "hi"}, headers={"Origin": servers.web_url})
    assert reply.status_code == 200 and reply.headers.get("Access-Control-Allow-Origin") == servers.web_url


def test_other_origins_get_no_cors_grant(servers):
    assert "Access-Control-Allow-Origin" not in preflight(servers, EVIL).headers
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", timeout=30,
                          json={"sender": "cors-evil", "message": "hi"}, headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in reply.headers
