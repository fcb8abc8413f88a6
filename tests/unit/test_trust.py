"""The pure parts of issue 15 ("Trust"): ids, payloads, rate limits, client addresses, settings, and the
retention and erasure queries on a real SQLite tracker store. The servers are in tests/live/test_trust.py,
PostgreSQL and nginx in tests/cluster/test_trust.py."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import sqlalchemy as sa
import yaml

from bot.channels.identity import RESERVED_PREFIXES, conversation_id, id_problem
from bot.channels.limits import RateLimiter, client_address, retry_after
from bot.channels.payloads import ENTITY_VALUES, domain_intents, payload_problem
from bot.settings import ROOT, Settings, SettingsError
from bot.stores.erasure import erase, purge
from tests.support.stores import rows, seed

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def button_payloads():
    for response in DOMAIN.get("responses", {}).values():
        for variant in response:
            for button in variant.get("buttons") or []:
                yield button["payload"].replace("{{", "{").replace("}}", "}")


# --- payloads -------------------------------------------------------------------------------------------

def test_every_button_the_domain_offers_is_allowed():
    payloads = list(button_payloads())
    assert payloads and [p for p in payloads if payload_problem(p)] == []


def test_the_allowed_values_are_the_domains_categorical_slot_values():
    for entity, values in ENTITY_VALUES.items():
        assert tuple(DOMAIN["slots"][entity]["values"]) == values


@pytest.mark.parametrize("text", [
    '/inform{"region": "Mars"}', '/inform{"card_type": "platinum_hack"}', '/inform{"need": "x"}',
    '/inform{"region": ["US"]}', '/inform{"region": 1}', '/inform["US"]', '/inform{"region": "US"} and more',
    '/report_fraud@0.01', '/no_such_intent', '/inform{not json}', '  /inform{"region": "Mars"}',
    '/inform{"region": "US", "card_type": "black"}', "/", '/affirm{"helpful": "maybe"}',
    '/affirm{"helpful": true}'])
def test_payloads_not_offered_are_refused(text):
    assert payload_problem(text)


@pytest.mark.parametrize("text", [
    "hi", "I lost my card in India", "where is 1/2 of my payment?", '/inform{"region": "India"}',
    ' /inform{"card_type": "corporate", "region": "US"} ', "/report_fraud", "/greet", '/affirm{"helpful": "yes"}',
    '/deny{"helpful": "no"}'])
def test_text_and_offered_payloads_go_through(text):
    assert payload_problem(text) is None


@pytest.mark.parametrize("text", [
    "/4111111111111111", '/inform{"region": "4111 1111 1111 1111"}', '/inform{"4111111111111111": "US"}',
    '/inform{4111111111111111}', "/4111111111111111@0.9"])
def test_a_refusal_names_the_kind_never_the_text(text):
    # It is logged (bot/channels/admission.py): "unknown intent '4111...'" put a card number in the logs.
    problem = payload_problem(text)
    assert problem and "4111" not in problem and "1111" not in problem


def test_intents_come_from_the_domain():
    assert domain_intents() == {i if isinstance(i, str) else next(iter(i)) for i in DOMAIN["intents"]}


# --- ids ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sender", [None, "", "   ", 5, ["x"], "a" * 129, "has space", "tab\t", "ünïcode",
                                    "semi;colon", "slash/x", "slack:U1", "Telegram:42", "socketio:abc"])
def test_bad_rest_senders(sender):
    assert id_problem(sender)


@pytest.mark.parametrize("sender", ["a", "a" * 128, "user-1.2_3", "urn:amex:42", "rest:x", "0"])
def test_good_rest_senders(sender):
    assert id_problem(sender) is None and conversation_id("rest", sender) == sender


def test_push_channel_ids_are_prefixed_and_cannot_collide():
    ids = {conversation_id(channel, "42") for channel in ("socketio", "slack", "telegram")}
    assert ids == {"socketio:42", "slack:42", "telegram:42"}
    assert conversation_id("telegram", -1001234) == "telegram:-1001234"
    # No REST id can be any of them.
    assert all(id_problem(i) for i in ids)
    assert {"socketio", "slack", "telegram"} <= RESERVED_PREFIXES and "rest" not in RESERVED_PREFIXES
    assert conversation_id("socketio", "a b") is None and conversation_id("slack", "x" * 129) is None


def test_every_guarded_channel_other_than_rest_has_a_reserved_prefix():
    from bot.channels.guard import GuardedChannel
    import bot.channels.rest, bot.channels.slack, bot.channels.socketio, bot.channels.telegram  # noqa: E401,F401

    names = {cls.name() for cls in GuardedChannel.__subclasses__()}
    assert names == {"rest", "socketio", "slack", "telegram"}
    assert names - {"rest"} <= RESERVED_PREFIXES


# --- limits ---------------------------------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_limit_then_waiting():
    clock = Clock()
    limiter = RateLimiter(30, clock)
    assert [limiter.hit("a") for _ in range(30)] == [0.0] * 30
    wait = limiter.hit("a")
    assert wait == pytest.approx(2.0) and retry_after(wait) == "2"
    assert limiter.hit("b") == 0.0  # other keys are not affected
    clock.now += 2.0
    assert limiter.hit("a") == 0.0 and limiter.hit("a") > 0
    clock.now += 60
    assert [limiter.hit("a") for _ in range(30)] == [0.0] * 30


def test_a_limit_of_zero_is_off_and_keys_are_bounded():
    assert all(RateLimiter(0).hit("a") == 0.0 for _ in range(1000))
    limiter = RateLimiter(1, Clock(), max_keys=10)
    for i in range(100):
        limiter.hit(str(i))
    assert len(limiter._buckets) == 10


def test_client_address_trusts_only_the_configured_proxies():
    assert client_address("10.0.0.9", "1.2.3.4", hops=0) == "10.0.0.9"  # the header is ignored
    assert client_address("10.0.0.9", "6.6.6.6, 1.2.3.4", hops=1) == "1.2.3.4"  # spoofed entry ignored
    assert client_address("10.0.0.9", "6.6.6.6, 1.2.3.4, 10.0.0.2", hops=2) == "1.2.3.4"
    assert client_address("10.0.0.9", None, hops=1) == "10.0.0.9"


def test_settings_of_the_trust_block():
    s = Settings.from_env({"RATE_LIMIT_PER_SENDER": "5", "RATE_LIMIT_PER_ADDRESS": "0",
                           "RATE_LIMIT_EXEMPT": "none", "TRUSTED_PROXY_HOPS": "1", "RETENTION_DAYS": "30"})
    assert (s.rate_limit_per_sender, s.rate_limit_per_address, s.exempt_addresses, s.trusted_proxy_hops,
            s.retention_days) == (5, 0, [], 1, 30)
    assert Settings().exempt_addresses == ["127.0.0.1", "::1"] and Settings().retention_days == 90
    for env in ({"RETENTION_DAYS": "0"}, {"RATE_LIMIT_PER_SENDER": "-1"}, {"TRUSTED_PROXY_HOPS": "x"}):
        with pytest.raises(SettingsError, match=next(iter(env))):
            Settings.from_env(env)


# --- retention and erasure on a real SQLite store -------------------------------------------------------

NOW = 2_000_000_000.0
AGES = {"old": [200, 120], "edge-old": [90.01], "edge-new": [89.99], "mixed": [300, 10], "new": [0.5, 0.1]}


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    seed(engine, AGES, now=NOW)
    yield engine
    engine.dispose()


def test_purge_deletes_exactly_the_conversations_whose_last_event_is_too_old(engine):
    deleted = purge(engine, 90, now=NOW)
    assert [(d.sender_id, d.events) for d in deleted] == [("edge-old", 1), ("old", 2)]
    assert rows(engine) == [("edge-new", 1), ("mixed", 2), ("new", 2)]
    assert purge(engine, 90, now=NOW) == []  # idempotent
    assert [d.sender_id for d in purge(engine, 1, now=NOW)] == ["edge-new", "mixed"]
    assert rows(engine) == [("new", 2)]


def test_erase_deletes_one_conversation_completely(engine):
    assert erase(engine, "mixed").events == 2
    assert rows(engine) == [("edge-new", 1), ("edge-old", 1), ("new", 2), ("old", 2)]
    assert erase(engine, "mixed").events == 0  # idempotent
    assert erase(engine, "never-there").events == 0


def test_an_empty_store_has_nothing_to_purge(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'none.db'}")
    assert purge(engine, 90) == [] and erase(engine, "x").events == 0


@pytest.mark.slow
def test_the_commands_use_the_servers_store_and_print_what_they_deleted(tmp_path):
    db = tmp_path / "tracker.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    seed(engine, {"gone": [100], "kept": [1], "erased": [1]})
    env = {"TRACKER_DB": str(db), "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    out = run("bot.privacy.retention")
    assert re.search(r"deleted gone: 1 events", out) and "Deleted 1 conversations (1 events)" in out
    assert "Deleted 0 conversations" in run("bot.privacy.retention")
    assert "deleted erased: 1 events" in run("bot.privacy.erase", "erased")
    assert "nothing stored for erased" in run("bot.privacy.erase", "erased")
    assert rows(engine) == [("kept", 1)]


def test_the_erasure_endpoint_is_off_without_a_token_and_needs_it_otherwise(monkeypatch):
    from types import SimpleNamespace

    import bot.channels.rest as rest

    def request(token=None, bearer=None):
        return SimpleNamespace(args={"token": token} if token else {},
                               headers={"Authorization": f"Bearer {bearer}"} if bearer else {})

    monkeypatch.setattr(rest, "settings", lambda: Settings(api_token=None))
    assert rest.check_admin_token(request(token="anything")).status == 404
    monkeypatch.setattr(rest, "settings", lambda: Settings(api_token="s3cret"))
    assert rest.check_admin_token(request()).status == 401
    assert rest.check_admin_token(request(token="wrong")).status == 403
    assert rest.check_admin_token(request(token="s3cret")) is None
    assert rest.check_admin_token(request(bearer="s3cret")) is None
