"""Faults with real processes: the action server down or hung, the Rasa server restarted."""

import signal
import socket
import subprocess
from typing import Iterator, List

import pytest
import requests

from tests.support.servers import ROOT, Settings, free_port, start_action_server, start_rasa, start_stack, stop


@pytest.fixture()
def stack(tmp_path) -> Iterator[tuple]:
    """Own servers (these tests stop them), answering within 3 s whatever happens."""
    settings = Settings(
        rasa_port=free_port(), action_port=free_port(), tracker_db=tmp_path / "tracker.db",
        log_dir=tmp_path / "log", model=ROOT / "models", api_token="fault-token",
        reply_timeout_seconds=3, store_retry_seconds=2,
    )
    procs: List[subprocess.Popen] = []
    try:
        # A test restarts a server on the port it had: start_action_server and start_rasa, not start_stack.
        settings = start_stack(settings, procs, ("actions", "rasa"))
        yield settings, procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
        stop(procs)


def say(settings: Settings, sender: str, text: str) -> str:
    reply = requests.post(f"{settings.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=30)
    assert reply.status_code == 200, reply.text
    return "\n".join(m.get("text", "") for m in reply.json())


def _assert_fallback(text: str) -> None:
    assert "back of your American Express card" in text
    assert "1-800-528-4800" in text and "1800-419-2122" in text


def test_action_server_down_still_answers(stack):
    settings, procs = stack
    assert "1800-419-2122" in say(settings, "down", "I lost my card in India")
    stop([procs[0]])
    _assert_fallback(say(settings, "down", "how do I pay my bill?"))
    # Every message is read by action_answer (small talk may name a need): with it down, the phone lines.
    _assert_fallback(say(settings, "down", "hi"))
    procs[0] = start_action_server(settings)
    assert "Pay online" in say(settings, "down", "how do I pay my bill?")


def test_action_server_hung_still_answers(stack):
    settings, procs = stack
    procs[0].send_signal(signal.SIGSTOP)
    try:
        _assert_fallback(say(settings, "hung", "someone used my card without permission"))
    finally:
        procs[0].send_signal(signal.SIGCONT)


def test_restart_keeps_slots_and_history(stack):
    settings, procs = stack
    assert "Which country" in say(settings, "restart", "my card was stolen")
    assert "1800-419-2122" in say(settings, "restart", "India")
    stop([procs[1]])
    procs[1] = start_rasa(settings)
    text = say(settings, "restart", "what number do I call?")
    assert "Which country" not in text and "1800-419-3646" in text
    tracker = requests.get(f"{settings.rasa_url}/conversations/restart/tracker",
                           params={"token": settings.api_token}, timeout=10).json()
    users = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert users == ["my card was stolen", "India", "what number do I call?"]
    assert tracker["slots"]["region"] == "India"


def test_a_server_whose_port_was_taken_starts_on_another(tmp_path):
    """start_stack (tests/support/servers.py): the action server's port is taken before it binds."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", free_port()))
        holder.listen()
        settings = Settings(action_port=holder.getsockname()[1], log_dir=tmp_path / "log")
        procs: List[subprocess.Popen] = []
        try:
            moved = start_stack(settings, procs, ("actions",))
            assert moved.action_port != settings.action_port
            assert requests.get(f"http://127.0.0.1:{moved.action_port}/health", timeout=10).json()["status"] == "ok"
            assert len(procs) == 2 and procs[0].returncode == 1  # the first one exited: its port was taken
        finally:
            stop(procs)
