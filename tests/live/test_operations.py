"""Operations with real processes: the launcher (`python -m bot.ops.run`) stopped at several moments of its
start, a busy port, `/metrics` after a scripted conversation (exact counts), the health probes, JSON logs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Set, Tuple

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.processes import port_in_use
from bot.ops.run import write_endpoints
from tests.support.servers import ROOT, free_port, local_settings, start_action_server, start_stack, stop
from tests.support.waiting import until

LAUNCHER_ENV = {"RASA_TELEMETRY_ENABLED": "false"}


# --- the launcher -------------------------------------------------------------------------------------

def _children() -> Dict[int, int]:
    """pid -> parent pid of every process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pid: int) -> Set[int]:
    parents, found, frontier = _children(), set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Launcher:
    """`python -m bot.ops.run` on free ports with its own STATE_DIR and LOG_DIR; every descendant it had is
    remembered, so that the test can check none is left once it exited."""

    def __init__(self, home: Path, root: Path = ROOT, **env: str) -> None:
        self.home, self.root, self.fixed = home, root, env
        self.seen: Set[int] = set()
        self.launch()

    def launch(self) -> None:
        self.ports = {"ACTION_PORT": free_port(), "RASA_PORT": free_port(), "WEB_PORT": free_port()}
        self.env = {**os.environ, **LAUNCHER_ENV, **{k: str(v) for k, v in self.ports.items()},
                    "STATE_DIR": str(self.home), "LOG_DIR": str(self.home / "log"),
                    "TRACKER_DB": str(self.home / "t.db"), "STOP_GRACE_SECONDS": "10", **self.fixed}
        self.out = self.home / "launcher.out"
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.ops.run"], cwd=self.root, env=self.env,
                                     stdout=self.out.open("wb"), stderr=subprocess.STDOUT)

    def watch(self) -> None:
        self.seen |= descendants(self.proc.pid)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 240) -> None:
        deadline, relaunches = time.monotonic() + timeout, 0
        while not condition():
            self.watch()
            if self.proc.poll() is not None and "already in use" in self.out.read_text() and relaunches < 3:
                # Something else took one of the chosen ports before its server listened: other ports.
                relaunches += 1
                self.launch()
                continue
            assert self.proc.poll() is None, self.out.read_text()
            assert time.monotonic() < deadline, f"timed out; launcher output:\n{self.out.read_text()}"
            time.sleep(0.05)
        self.watch()

    def answers(self, port_var: str, path: str) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.ports[port_var]}{path}", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def signal_and_check(self, sig: int) -> None:
        self.watch()
        self.proc.send_signal(sig)
        self.proc.wait(timeout=60)
        left = sorted(p for p in self.seen if alive(p))
        assert left == [], f"left running: {left}\n{self.out.read_text()}"
        busy = {var: port for var, port in self.ports.items() if port_in_use("127.0.0.1", port)}
        assert busy == {}


MOMENTS: Dict[str, Callable[[Launcher], bool]] = {
    # Before anything was spawned: the launcher is still importing.
    "before any server": lambda launcher: True,
    # The action server spawned, its port not answering yet.
    "action server starting": lambda launcher: bool(descendants(launcher.proc.pid)),
    # The action server up, Rasa spawned and loading its model.
    "rasa loading": lambda launcher: launcher.answers("ACTION_PORT", "/health")
    and len(descendants(launcher.proc.pid)) >= 2,
    # Everything up.
    "all up": lambda launcher: "The assistant is up" in launcher.out.read_text(),
}


@pytest.mark.parametrize("moment,sig", [
    ("before any server", signal.SIGTERM),
    ("action server starting", signal.SIGTERM),
    ("rasa loading", signal.SIGINT),   # Ctrl-C
    ("rasa loading", signal.SIGTERM),
    ("all up", signal.SIGTERM),
])
def test_a_stop_at_any_moment_leaves_nothing_behind(tmp_path: Path, moment: str, sig: int) -> None:
    launcher = Launcher(tmp_path)
    try:
        launcher.wait_until(lambda: MOMENTS[moment](launcher))
        if moment == "rasa loading":
            assert not launcher.answers("RASA_PORT", "/"), "Rasa was already up: the moment was missed"
        launcher.signal_and_check(sig)
        if moment != "before any server":
            assert launcher.proc.returncode == 0, launcher.out.read_text()
    finally:
        if launcher.proc.poll() is None:
            launcher.proc.kill()
        for pid in launcher.seen:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_busy_port_is_reported_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        launcher = Launcher(tmp_path, RASA_PORT=str(port))
        launcher.proc.wait(timeout=30)
    output = launcher.out.read_text().strip()
    assert launcher.proc.returncode != 0
    assert len(output.splitlines()) == 1, output
    assert "RASA_PORT" in output and str(port) in output and "already in use" in output
    assert not launcher.seen and not (tmp_path / "log").exists()  # nothing was started


def listening_on(port: int) -> socket.socket:
    """A socket holding `port` on loopback, as a server that took it would."""
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", port))
    holder.listen()
    return holder


def failed_start(launcher: Launcher, timeout: float = 240) -> str:
    """The launcher's output once it exited non-zero, with none of the servers it started left running."""
    deadline = time.monotonic() + timeout
    while launcher.proc.poll() is None:
        launcher.watch()
        assert time.monotonic() < deadline, f"still running:\n{launcher.out.read_text()}"
        time.sleep(0.05)
    output = launcher.out.read_text()
    assert launcher.proc.returncode != 0, output
    left = sorted(p for p in launcher.seen if alive(p))
    assert left == [], f"left running: {left}\n{output}"
    assert "The assistant is up" not in output
    return output


@pytest.mark.parametrize("module", ["bot.ops.rasa_cli", "bot.ops.action_server"])
def test_a_server_whose_port_is_taken_exits_non_zero(tmp_path: Path, module: str) -> None:
    """Sanic logs "Unable to start server" and returns; without bot/ops/served.py the process exits 0."""
    port = free_port()
    if module == "bot.ops.rasa_cli":
        endpoints = write_endpoints(local_settings(tmp_path))  # its own SQLite file, not var/'s
        args = ["run", "--interface", "127.0.0.1", "--model", "models", "--endpoints", str(endpoints)]
    else:
        args = ["--actions", "actions"]
    with listening_on(port):
        done = subprocess.run([sys.executable, "-m", module, *args, "--port", str(port)], cwd=ROOT,
                              env={**os.environ, **LAUNCHER_ENV}, capture_output=True, text=True, timeout=240)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert "address already in use" in output and "never listened on" in output


def test_a_port_taken_after_the_check_stops_the_launcher_naming_the_server(tmp_path: Path) -> None:
    """RASA_PORT is free when the launcher checks it, and taken while Rasa loads its model."""
    launcher = Launcher(tmp_path)
    holder = None
    try:
        launcher.wait_until(lambda: MOMENTS["rasa loading"](launcher))
        holder = listening_on(launcher.ports["RASA_PORT"])
        output = failed_start(launcher)
    finally:
        if holder is not None:
            holder.close()
        if launcher.proc.poll() is None:
            launcher.proc.kill()
    port = launcher.ports["RASA_PORT"]
    assert f"start-up failed: Rasa server: RASA_PORT {port} on 127.0.0.1 is already in use" in output, output
    assert "stopping the others" in output


def test_a_missing_model_stops_the_launcher_naming_the_server(tmp_path: Path) -> None:
    (tmp_path / "no-model").mkdir()
    output = failed_start(Launcher(tmp_path, MODEL=str(tmp_path / "no-model")))
    assert f"Rasa server: no trained model at {tmp_path / 'no-model'}" in output, output


def project_copy(dest: Path) -> Path:
    """The project's code and configuration in `dest` (the trained models linked), to break one file of."""
    for name in ("bot", "actions"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    for path in ROOT.glob("*.yml"):
        shutil.copy(path, dest / path.name)
    (dest / "models").symlink_to(ROOT / "models")
    return dest


def test_an_action_server_crashing_at_start_stops_the_launcher_naming_it(tmp_path: Path) -> None:
    root = project_copy(tmp_path / "project")
    (root / "bot" / "knowledge" / "knowledge_base.yml").write_text("needs: 42\n")  # fails its schema
    output = failed_start(Launcher(tmp_path, root=root))
    assert "start-up failed: action server: exited with 1 during start-up" in output, output
    assert "knowledge base error" in output
    assert not (tmp_path / "log" / "rasa.log").exists()  # Rasa was never started


# --- /metrics, probes and logs of one stack ---------------------------------------------------------------

@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple]:
    """An action server and a Rasa server of this module's own (the tests stop the action server), with
    JSON logs and a short reply timeout."""
    settings = local_settings(tmp_path_factory.mktemp("ops"), log_format="json", reply_timeout_seconds=3,
                              store_retry_seconds=1, extra_env=LAUNCHER_ENV)
    procs: List[subprocess.Popen] = []
    try:
        settings = start_stack(settings, procs, ("actions", "rasa"))
        yield settings, procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
        stop(procs)


def scrape(url: str) -> Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, parsed as Prometheus parses it."""
    reply = requests.get(f"{url}/metrics", timeout=10)
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(reply.text) for s in family.samples}


def value(samples: Dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def say(url: str, sender: str, text: str) -> requests.Response:
    return requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)


CONVERSATION = [
    ("hi", "greet"),
    ("I lost my card in India", "report_lost_card"),
    ("my card 3782 822463 10005 was stolen, and so was 4111 1111 1111 1111", "report_lost_card"),
    ("what is the weather like on mars today", "out_of_scope"),
    ("I want to talk to a real person", "human_handoff"),
]


def test_metrics_count_a_scripted_conversation(stack) -> None:
    settings, _ = stack
    url, actions_url = settings.rasa_url, f"http://{settings.host}:{settings.action_port}"
    before, actions_before = scrape(url), scrape(actions_url)
    for text, _intent in CONVERSATION:
        assert say(url, "metrics", text).status_code == 200
    assert say(url, "metrics", "x" * (settings.max_message_chars + 1)).status_code == 413
    assert requests.post(f"{url}/webhooks/rest/webhook", data=b"not json", timeout=10).status_code == 400
    after, actions_after = scrape(url), scrape(actions_url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("amexcare_messages_total", channel="rest") == len(CONVERSATION)
    assert delta("amexcare_reply_seconds_count", channel="rest") == len(CONVERSATION)
    assert delta("amexcare_reply_seconds_bucket", channel="rest", le="+Inf") == len(CONVERSATION)
    intents: Dict[str, int] = {}
    for _text, intent in CONVERSATION:
        intents[intent] = intents.get(intent, 0) + 1
    for intent, count in intents.items():
        assert delta("amexcare_intents_total", intent=intent) == count, intent
    assert delta("amexcare_out_of_scope_total") == 1
    assert delta("amexcare_handoffs_total") == 1
    assert delta("amexcare_masked_card_numbers_total") == 2
    assert delta("amexcare_fallbacks_total") == 0
    assert delta("amexcare_http_errors_total", status="413") == 1
    assert delta("amexcare_http_errors_total", status="400") == 1
    assert delta("amexcare_fallback_answers_total", reason="no_answer") == 0
    # The action server: one action_answer call per turn, small talk included (it may name a need:
    # bot/dialogue/reading.py), and none for the refused ones.
    calls = {k: v - actions_before.get(k, 0.0) for k, v in actions_after.items()
             if k[0] == "amexcare_action_calls_total" and v != actions_before.get(k, 0.0)}
    assert calls[("amexcare_action_calls_total", (("action", "action_answer"), ("status", "200")))] == 5
    assert all(dict(labels)["status"] == "200" for _, labels in calls)


def test_readiness_follows_the_action_server_and_failures_are_counted(stack) -> None:
    settings, procs = stack
    url = settings.rasa_url
    assert requests.get(f"{url}/health/live", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{url}/health/ready", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"] == \
        {"model": "ok", "tracker_store": "ok", "action_server": "ok"}
    before = scrape(url)
    procs[0].send_signal(signal.SIGSTOP)  # hung: the guard answers after REPLY_TIMEOUT_SECONDS
    try:
        assert "back of your American Express card" in say(url, "hung", "how do I pay my bill?").text
        ready = requests.get(f"{url}/health/ready", timeout=10)
        assert ready.status_code == 503 and ready.json()["checks"]["action_server"].startswith("failed")
    finally:
        procs[0].send_signal(signal.SIGCONT)
    until(lambda: _health_ok(f"http://127.0.0.1:{settings.action_port}/health"), what="the woken action server")
    stop([procs[0]])  # down: Rasa fails the action and says nothing; the guard answers at once
    assert "back of your American Express card" in say(url, "down", "how do I pay my bill?").text
    after = scrape(url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("amexcare_fallback_answers_total", reason="timeout") == 1
    assert delta("amexcare_fallback_answers_total", reason="no_answer") == 1
    assert delta("amexcare_action_failures_total") >= 1  # the down one; the hung one fails later, or not yet
    assert requests.get(f"{url}/health/ready", timeout=10).status_code == 503
    procs[0] = start_action_server(settings)
    assert requests.get(f"{url}/health/ready", timeout=10).status_code == 200


def _turn_lines(log: Path) -> int:
    """How many end-of-turn lines (the guard's, with the latency) the JSON log holds."""
    return sum('"bot.turns"' in line and '"latency_ms"' in line for line in log.read_text().splitlines())


def _health_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_logs_are_json_lines_without_raw_senders_or_card_numbers(stack) -> None:
    settings, _ = stack
    log = settings.log_dir / "rasa.log"
    before = _turn_lines(log)
    assert say(settings.rasa_url, "log-reader-42", "my amex 3782 822463 10005 is lost").status_code == 200
    # The guard's line at the end of the turn (with its latency) may be written after the answer went out.
    until(lambda: _turn_lines(log) > before, what="the turn's log line")
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    turns = [e for e in entries if e["logger"] == "bot.turns" and e.get("channel") == "rest"]
    assert turns and {"sender", "intent", "latency_ms"} <= set(turns[-1])
    text = "\n".join(lines)
    assert "log-reader-42" not in text and "3782 822463 10005" not in text and "822463" not in text
    assert "MovedIn20Warning" not in text and "DeprecationWarning" not in text
    for line in (settings.log_dir / "actions.log").read_text().splitlines():
        json.loads(line)
