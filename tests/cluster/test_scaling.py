"""Several Rasa replicas sharing one PostgreSQL and one Redis, as deploy/ runs them, with real servers.

One cluster for the module (bot/cluster.py): PostgreSQL, Redis, an action server, two Rasa replicas
configured only by deploy/endpoints.production.yml and the environment, and nginx with deploy/nginx.conf.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest
import requests

from tests.support.cluster import Cluster, running
from tests.support.waiting import until
from bot.channels.guard import STORE_DOWN
from bot.ops.logs import sender_hash

# Long enough for PostgreSQL to come back while a turn is being retried; below the guard's reply timeout.
RETRY_SECONDS = 6

# Each step: what the user sends, what the answer must say, what it must not say. Replies depend on
# what earlier steps told whichever replica served them.
US = [("/report_lost_card", "Which country", "What kind of card"),
      ('/inform{"region": "US"}', "What kind of card", "1800-419"),
      ('/inform{"card_type": "personal"}', "1-800-528-4800 (24/7)", "1-800-528-2122"),
      ('/inform{"card_type": "corporate"}', "1-800-528-2122 (24/7 for card members)", "1-800-528-4800")]
INDIA = [("/report_lost_card", "Which country", "What kind of card"),
         ('/inform{"region": "India"}', "1800-419-2122", "1-800-528"),
         ("/escalate_complaint", "Manager-Customerservicesindia@aexp.com", "Which country"),
         ("/report_fraud", "1800-419-3646", "1-800-528")]

Exchange = Tuple[str, List[Dict[str, Any]]]


def script(i: int) -> List[Tuple[str, str, str]]:
    return US if i % 2 == 0 else INDIA


def say(url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    reply = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def joined(reply: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in reply)


def step(url: str, sender: str, i: int, n: int) -> Exchange:
    """Send step n of conversation i's script and check the answer."""
    text, wanted, unwanted = script(i)[n]
    reply = say(url, sender, text)
    answer = joined(reply)
    assert wanted in answer and unwanted not in answer, f"{sender} step {n} via {url}: {answer!r}"
    return text, reply


def assert_stored_exactly(cluster: Cluster, sender: str, exchanges: Sequence[Exchange]) -> None:
    """PostgreSQL holds every message sent and every answer given, in order, each once."""
    events = cluster.events(sender)
    assert [e["text"] for kind, e in events if kind == "user"] == [text for text, _ in exchanges]
    # The REST channel sends a bot message's paragraphs as separate messages.
    stored = [part for kind, e in events if kind == "bot" for part in e["text"].strip().split("\n\n")]
    assert stored == [m["text"] for _, reply in exchanges for m in reply]


def parallel(fn: Any, items: Sequence[Any], workers: int = 10) -> List[Any]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    yield from running(2, env={"STORE_RETRY_SECONDS": str(RETRY_SECONDS)})


@pytest.fixture
def replicas(cluster: Cluster) -> Cluster:
    """The cluster with both replicas up (a test may have stopped one)."""
    cluster.ensure_replicas()
    return cluster


def test_twenty_conversations_alternate_between_the_replicas(replicas: Cluster) -> None:
    a, b = (replicas.url(name) for name in replicas.names)

    def converse(i: int) -> List[Exchange]:
        # Conversation i starts on replica A when i is even, else on B, and changes replica at every message:
        # the region is given to one replica and used by the other.
        return [step((a, b)[(i + n) % 2], f"alt-{i}", i, n) for n in range(4)]

    conversations = parallel(converse, range(20))
    for i, exchanges in enumerate(conversations):
        assert_stored_exactly(replicas, f"alt-{i}", exchanges)
    logs = replicas.log_text()
    for trouble in ("LockError", "Could not acquire lock", "Retrying a message", "StoreUnavailable"):
        assert trouble not in logs


def test_one_conversation_at_the_same_moment_on_both_replicas_is_processed_in_turn(replicas: Cluster) -> None:
    a, b = (replicas.url(name) for name in replicas.names)

    def race(i: int) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
        sender = f"race-{i}"
        assert "Which country" in joined(say(a, sender, "/report_lost_card"))
        start = threading.Barrier(2)

        def send(url: str, text: str) -> List[Dict[str, Any]]:
            start.wait()
            return say(url, sender, text)

        with ThreadPoolExecutor(2) as pool:
            region = pool.submit(send, a, '/inform{"region": "US"}')
            card = pool.submit(send, b, '/inform{"card_type": "corporate"}')
            return region.result(), card.result()

    # One race at a time: with other traffic the two messages would less often meet.
    for i, (region, card) in enumerate(map(race, range(5))):
        # Whichever went second saw the first: its answer names only the corporate line for the U.S. Two
        # turns run side by side would each have answered without the other's detail (more lines).
        answers = joined(region) + joined(card)
        assert any("U.S. Corporate Cards: 1-800-528-2122" in joined(x) and "1-800-528-4800" not in joined(x)
                   for x in (region, card)) and "Sorry" not in answers, answers
        events = replicas.events(f"race-{i}")
        users = [n for n, (kind, _) in enumerate(events) if kind == "user"]
        assert len(users) == 3, (joined(region), joined(card), [(k, e.get("text") or e.get("name")) for k, e in events])
        # The second message was taken in only after the first turn had finished (action_listen).
        second, third = users[1], users[2]
        first_turn = events[second:third]
        assert first_turn[-1][1].get("name") == "action_listen"
        assert max(e["timestamp"] for _, e in first_turn) <= events[third][1]["timestamp"]
    assert "LockError" not in replicas.log_text()


def test_replicas_asking_for_lock_tickets_at_once_get_different_ones(cluster: Cluster) -> None:
    """The lock store's own guarantee, under more contention than messages make: four "servers" (store
    instances, each with its own connections) take tickets for one conversation at the same moment."""
    from rasa.utils.endpoints import EndpointConfig

    from bot.stores.redis_lock import AtomicRedisLockStore

    config = EndpointConfig("127.0.0.1", port=cluster.redis.port, password=cluster.redis.password, db=1,
                            key_prefix="ticketrace")
    stores = [AtomicRedisLockStore(config) for _ in range(4)]
    start = threading.Barrier(8)

    def take(i: int) -> List[int]:
        start.wait()
        return [stores[i % 4].issue_ticket("one-conversation") for _ in range(25)]

    tickets = [n for batch in parallel(take, range(8), workers=8) for n in batch]
    assert sorted(tickets) == list(range(200))  # Rasa's RedisLockStore hands out some numbers twice
    assert len(stores[0].get_lock("one-conversation").tickets) == 200
    parallel(lambda n: stores[n % 4].cleanup("one-conversation", n), tickets, workers=8)
    assert stores[0].get_lock("one-conversation") is None


def test_postgres_restart_loses_no_conversation(replicas: Cluster) -> None:
    a, b = (replicas.url(name) for name in replicas.names)
    urls = (a, b)
    senders = [f"pg-{i}" for i in range(20)]
    history: Dict[str, List[Exchange]] = {
        s: exchanges for s, exchanges in zip(senders, parallel(
            lambda i: [step(urls[(i + n) % 2], senders[i], i, n) for n in range(2)], range(20)))}

    replicas.postgres.stop()
    try:
        # Down for longer than the retry window: a clear answer, and nothing of the turn is recorded.
        started = time.monotonic()
        failed = parallel(lambda i: say(urls[i % 2], senders[i], script(i)[2][0]), range(10))
        assert time.monotonic() - started >= RETRY_SECONDS - 1
        for reply in failed:
            assert reply[0]["text"] == STORE_DOWN and "1-800-528-4800" in joined(reply)
        # Back while the turn is being retried: answered once, recorded once.
        pool = ThreadPoolExecutor(10)
        retried = [pool.submit(step, urls[i % 2], senders[i], i, 2) for i in range(10, 20)]
        # The logs name a conversation by its hash (bot/ops/logs.py), never its raw id.
        until(lambda: all(f"Retrying a message from {sender_hash(senders[i])} " in replicas.log_text()
                          for i in range(10, 20)),
              RETRY_SECONDS - 1, "every message of the second batch being retried")
    finally:
        replicas.postgres.start()
    for i, future in zip(range(10, 20), retried):
        history[senders[i]].append(future.result())
    pool.shutdown()

    # Every conversation goes on from its history before the restart (the region given then).
    for i in range(10):
        history[senders[i]].append(step(urls[(i + 1) % 2], senders[i], i, 2))
    for i, exchange in zip(range(20), parallel(lambda i: step(urls[(i + 1) % 2], senders[i], i, 3), range(20))):
        history[senders[i]].append(exchange)
    for sender in senders:
        assert_stored_exactly(replicas, sender, history[sender])


async def upgraded(client: Any) -> None:
    """Until the socket.io client's transport is websocket (bounded by the caller's `wait_for`)."""
    while client.transport() != "websocket":
        await asyncio.sleep(0.05)


def test_web_chat_through_the_load_balancer(replicas: Cluster) -> None:
    """nginx serves the page and carries the widget's socket.io (polling, then websocket) to a replica."""
    import socketio

    lb = replicas.nginx.url
    page = requests.get(f"{lb}/", timeout=10)
    assert page.status_code == 200 and "/widget.js" in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert requests.get(f"{lb}/config.js", timeout=10).text.startswith("AmexCareChat.init(")
    assert "io" in requests.get(f"{lb}/socket.io.min.js", timeout=10).text

    async def chat() -> str:
        client = socketio.AsyncClient()
        answers: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", answers.put_nowait)
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda *_: confirmed.set())
        await client.connect(lb, socketio_path="/socket.io", transports=["polling", "websocket"])
        try:
            await client.emit("session_request", {"session_id": "web-lb"})
            await asyncio.wait_for(confirmed.wait(), 10)
            # The client moves to websocket in the background after connecting: slower on a busy machine.
            await asyncio.wait_for(upgraded(client), 30)
            await client.emit("user_uttered", {"message": "/report_lost_card", "session_id": "web-lb"})
            first = await asyncio.wait_for(answers.get(), 20)
            return f"{client.transport()} {first.get('text', '')}"
        finally:
            await client.disconnect()

    assert asyncio.run(chat()).startswith("websocket A lost or stolen card is urgent")
    assert replicas.nginx.logged(lambda request: "/socket.io/" in request and "transport=websocket" in request)


def test_when_a_replica_stops_the_other_serves_every_remaining_message(replicas: Cluster) -> None:
    """Through nginx, as users reach the replicas; replica A crashes (SIGKILL) mid-run."""
    lb = replicas.nginx.url
    senders = [f"stop-{i}" for i in range(20)]
    before = len(replicas.nginx.access_log())
    history = dict(zip(senders, parallel(lambda i: [step(lb, senders[i], i, n) for n in range(2)], range(20))))
    a, b = (f"127.0.0.1:{replicas.settings[name].rasa_port}" for name in replicas.names)
    served = [upstream for request, upstream in replicas.nginx.access_log()[before:]
              if request.startswith("POST /webhooks/rest/")]
    assert len(served) == 40 and {a, b} == set(served)  # round robin over both

    replicas.stop_replica(replicas.names[0])
    before = len(replicas.nginx.access_log())
    for i, exchanges in enumerate(parallel(lambda i: [step(lb, senders[i], i, n) for n in (2, 3)], range(20))):
        history[senders[i]].extend(exchanges)
    served = [upstream for request, upstream in replicas.nginx.access_log()[before:]
              if request.startswith("POST /webhooks/rest/")]
    assert len(served) == 40 and all(upstream.split(", ")[-1] == b for upstream in served)
    for sender in senders:
        assert_stored_exactly(replicas, sender, history[sender])
