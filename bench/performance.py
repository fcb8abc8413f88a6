#!/usr/bin/env python
"""`make bench`: our assistant against a stock `rasa init` bot, same machine, same run, same load.

1. Ours: trains the project with `rasa train` (fresh cache, so a full training) and starts it as
   `make run` does (bot/servers.py: action server, SQLite tracker store, guarded channels).
2. Stock: `rasa init --no-prompt` into a temporary folder (same Rasa), which trains it, then
   `rasa run` with its defaults (in-memory tracker store, no action server).
3. Drives each over the REST webhook with bench/load.py: a warm-up pass, then 1 user x 200
   messages and 20 concurrent users x 50 messages, all from bench/conversations.yml.
4. Writes the table between the markers of docs/performance.md, the raw numbers to
   docs/performance.json and the latency distributions to docs/performance_latency.png.

Everything runs on loopback, with every phase bounded in time. Rasa's telemetry is off.

    .venv/bin/python bench/performance.py              # the full run (about 5 minutes on 2 cores)
    .venv/bin/python bench/performance.py --profile    # also sample our Rasa server with py-spy
    .venv/bin/python bench/performance.py --smoke --out DIR   # a few messages, a 1-epoch stock bot
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple


import yaml

from bench.load import LoadResult, load_conversations, run_load
from bot.ops.processes import Log, started
from tests.support.servers import BIN, Settings, free_port, retrying, start_stack, stop

ROOT = Path(__file__).resolve().parents[1]

DOCS = ROOT / "docs"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
# Phases: (name, users, messages per user); the smoke run keeps the code path with a few messages.
# "long-" phases play every message of a user in ONE conversation (one sender id), so its tracker grows.
PHASES = [("single", 1, 200), ("concurrent", 20, 50), ("long-single", 1, 200), ("long-concurrent", 20, 50)]
SMOKE_PHASES = [("single", 1, 6), ("concurrent", 3, 4), ("long-single", 1, 8), ("long-concurrent", 2, 6)]
BLOCK = 20  # messages per block for the per-block medians of the long phases
PHASE_TIME_LIMIT_S = 300.0

# What the issue asks for, checked against the numbers of the same run.
TARGETS = {
    "throughput_ratio_20": 4.0,   # ours / stock at 20 concurrent users
    "p50_1_ms": 20.0,
    "p99_1_ms": 60.0,
    "rasa_rss_mb": 600.0,
    "actions_rss_mb": 150.0,
    "train_s": 60.0,
    "long_growth": 1.5,  # median of the last block / of the first block, one user, one conversation
    "long_throughput_ratio_20": 4.0,
}


# ---------------------------------------------------------------------------------- processes
def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total / 1024


def timed(cmd: List[str], cwd: Path, env: Dict[str, str], log: Path, timeout: float) -> float:
    """Run `cmd` to completion, output to `log`; its wall time in seconds."""
    start = time.perf_counter()
    with open(log, "ab") as out:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({proc.returncode}):\n{tail}")
    return time.perf_counter() - start


@dataclass
class Bot:
    """One bot under test: how it was trained and its running processes."""

    name: str
    folder: Path
    train_s: float = 0.0
    model_bytes: int = 0
    url: str = ""
    procs: Dict[str, subprocess.Popen] = field(default_factory=dict)
    rss_mb: Dict[str, float] = field(default_factory=dict)
    phases: Dict[str, LoadResult] = field(default_factory=dict)
    profile: Optional[Path] = None
    tracker_db: Optional[Path] = None
    # Per long phase: every message sent was stored exactly once (user events per sender, our store).
    stored_once: Dict[str, bool] = field(default_factory=dict)

    def env(self) -> Dict[str, str]:
        return dict(os.environ, **QUIET_ENV, RASA_CACHE_DIRECTORY=str(self.folder / "cache"))

    def record_rss(self) -> None:
        self.rss_mb = {label: peak_rss_mb(p.pid) for label, p in self.procs.items()}

    def stop(self) -> None:
        stop(list(self.procs.values()))


def model_file(folder: Path) -> Path:
    models = sorted(folder.glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"no model in {folder}")
    return models[-1]


def start_ours(bot: Bot) -> None:
    """Train this project into a temporary folder and start it as `make run` does."""
    bot.folder.mkdir(parents=True)
    models = bot.folder / "models"
    # As `make train` does (Makefile).
    bot.train_s = timed([sys.executable, "-m", "bot.ops.rasa_cli", "train", "--num-threads", "2", "--out", str(models)],
                        ROOT, bot.env(), bot.folder / "train.log", timeout=900)
    bot.model_bytes = model_file(models).stat().st_size
    settings = Settings(rasa_port=free_port(), action_port=free_port(), tracker_db=bot.folder / "tracker.db",
                        log_dir=bot.folder / "log", model=models, api_token=None,
                        # The long phases send 200 messages in one conversation as fast as answered:
                        # more than the per-sender abuse limit (30 a minute) allows a person.
                        rate_limit_per_sender=0,
                        extra_env=dict(QUIET_ENV), state_dir=bot.folder / "state")
    procs: List[subprocess.Popen] = []
    try:
        settings = start_stack(settings, procs, ("actions", "rasa"))
    finally:
        # Tracked by label, so that Bot.stop stops whatever started (both, or the action server alone).
        bot.procs.update(zip(("action server", "Rasa server"), procs))
    bot.url = settings.rasa_url
    bot.tracker_db = settings.tracker_db


STOCK_EPOCH_KEYS = ("DIETClassifier", "ResponseSelector", "TEDPolicy", "UnexpecTEDIntentPolicy")


def start_stock(bot: Bot, quick: bool) -> None:
    """`rasa init --no-prompt` (which trains), then `rasa run` with the defaults it generates.

    `quick` (the smoke test): the same scaffold, made by the function behind `rasa init`, trained
    with one epoch per model instead of Rasa's defaults."""
    bot.folder.mkdir(parents=True)
    project = bot.folder / "project"
    project.mkdir()
    log = bot.folder / "train.log"
    if quick:
        subprocess.run([sys.executable, "-c", "from rasa.cli.scaffold import create_initial_project as c; c('.')"],
                       cwd=project, env=bot.env(), check=True, capture_output=True)
        config = yaml.safe_load((project / "config.yml").read_text())
        # The scaffold leaves both empty: Rasa then uses its default configuration, written out here.
        rasa_dir = Path(importlib.util.find_spec("rasa").origin).parent
        defaults = yaml.safe_load((rasa_dir / "engine/recipes/config_files/default_config.yml").read_text())
        for key in ("pipeline", "policies"):
            config[key] = config.get(key) or defaults[key]
        for item in config["pipeline"] + config["policies"]:
            if item["name"] in STOCK_EPOCH_KEYS:
                item["epochs"] = 1
        (project / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        bot.train_s = timed([str(BIN / "rasa"), "train"], project, bot.env(), log, timeout=900)
    else:
        bot.train_s = timed([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
                            project, bot.env(), log, timeout=900)
    bot.model_bytes = model_file(project / "models").stat().st_size

    def run_stock() -> subprocess.Popen:
        # Again on another port if its was taken before it listened (tests/support/servers.py).
        port, log = free_port(), Log(bot.folder / "rasa.log")
        bot.url = f"http://127.0.0.1:{port}"
        with log.path.open("ab") as out:
            proc = subprocess.Popen([str(BIN / "rasa"), "run", "--model", "models", "--port", str(port),
                                     "--interface", "127.0.0.1"], cwd=project, env=bot.env(),
                                    stdout=out, stderr=subprocess.STDOUT)
        return started(proc, None, bot.url, lambda body: True, server="stock rasa run", log=log,
                       address=f"port {port}")

    bot.procs["Rasa server"] = retrying(run_stock)


# ------------------------------------------------------------------------------------ driving
def drive(bot: Bot, phases: List[Tuple[str, int, int]], conversations: List[List[str]]) -> None:
    """A warm-up pass (every conversation once, not counted), then the measured phases."""
    warm_up = sum(len(c) for c in conversations)
    result = asyncio.run(run_load(bot.url, 1, warm_up, prefix=f"{bot.name}-warm", time_limit_s=120))
    if result.errors:
        raise RuntimeError(f"{bot.name}: the warm-up failed: {result.errors[:3]}")
    for name, users, messages in phases:
        result = asyncio.run(run_load(bot.url, users, messages, prefix=f"{bot.name}-{name}-{users}",
                                      time_limit_s=PHASE_TIME_LIMIT_S, one_conversation=name.startswith("long")))
        bot.phases[name] = result
        if bot.tracker_db and name.startswith("long"):
            bot.stored_once[name] = stored_once(bot.tracker_db, result)
        print(f"  {bot.name:5} {result.summary()}", flush=True)


def stored_once(db: Path, result: LoadResult) -> bool:
    """Each sender of a long phase has as many user events in the tracker store as messages answered."""
    import sqlite3

    sent = list(result.senders)
    with sqlite3.connect(db) as connection:
        stored = dict(connection.execute(
            "SELECT sender_id, count(*) FROM events WHERE type_name = 'user' AND sender_id IN (%s) GROUP BY sender_id"
            % ",".join("?" * len(sent)), list(sent)).fetchall())
    per_user = result.messages_per_user
    return (len(stored) == result.users and not result.errors
            and all(count == per_user for count in stored.values()))


def profile(bot: Bot, users: int, messages: int, conversations: List[List[str]]) -> Optional[Path]:
    """Sample the Rasa server with py-spy while it answers `users` x `messages` (not measured)."""
    py_spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if py_spy is None:
        print("  py-spy is not installed: no profile", flush=True)
        return None
    out = bot.folder / "profile.txt"
    sampler = subprocess.Popen([py_spy, "record", "--pid", str(bot.procs["Rasa server"].pid), "--rate", "250",
                                "--format", "raw", "--output", str(out), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    asyncio.run(run_load(bot.url, users, messages, prefix=f"{bot.name}-profile",
                         conversations=conversations, time_limit_s=PHASE_TIME_LIMIT_S))
    sampler.send_signal(signal.SIGINT)
    sampler.wait(timeout=60)
    return out if out.exists() else None


def profile_top(path: Path, count: int = 15) -> Tuple[int, List[Tuple[float, str]], List[Tuple[float, str]]]:
    """(samples, top functions by own time, top by time including callees) of a py-spy raw profile."""
    own: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = 0
    site = re.compile(r"^.*?site-packages/|^" + re.escape(str(ROOT)) + "/")
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        n = int(samples)
        total += n
        frames = [site.sub("", re.sub(r":\d+\)$", ")", f)) for f in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    # Frames (nearly) every sample of the server's thread passes through (its main loop) say nothing.
    busiest = max(inclusive.values(), default=0)
    inclusive_top = [(c, f) for f, c in inclusive.most_common() if c < 0.9 * busiest]
    return (total, [(100 * c / total, f) for f, c in own.most_common(count)],
            [(100 * c / total, f) for c, f in inclusive_top[:count]])


# ------------------------------------------------------------------------------------ report
def machine() -> Dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {"cpu": f"{cpu}, {os.cpu_count()} cores", "memory": f"{mem / 1024 ** 2:.0f} GB",
            "os": platform.platform(), "python": platform.python_version(), "rasa": importlib.metadata.version("rasa")}


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _row(label: str, ours: float, stock: float, fmt: str, target: str = "", met: Optional[bool] = None) -> str:
    ratio = f"{ours / stock:.2f}" if stock else "-"
    verdict = "" if met is None else ("met" if met else "**not met**")
    return f"| {label} | {ours:{fmt}} | {stock:{fmt}} | {ratio} | {target} | {verdict} |"


def targets_met(ours: Bot, stock: Bot) -> Dict[str, bool]:
    one, many = ours.phases["single"], ours.phases["concurrent"]
    return {
        "throughput_ratio_20": many.throughput >= TARGETS["throughput_ratio_20"] * stock.phases["concurrent"].throughput,
        "errors": not any(p.errors for p in ours.phases.values()),
        "p50_1_ms": one.percentile(50) <= TARGETS["p50_1_ms"],
        "p99_1_ms": one.percentile(99) <= TARGETS["p99_1_ms"],
        "rasa_rss_mb": ours.rss_mb["Rasa server"] <= TARGETS["rasa_rss_mb"],
        "actions_rss_mb": ours.rss_mb["action server"] <= TARGETS["actions_rss_mb"],
        "train_s": ours.train_s <= TARGETS["train_s"],
        "long_growth": growth(ours.phases["long-single"]) <= TARGETS["long_growth"],
        "long_throughput_ratio_20": ours.phases["long-concurrent"].throughput
        >= TARGETS["long_throughput_ratio_20"] * stock.phases["long-concurrent"].throughput,
        "stored_once": all(ours.stored_once.values()) and len(ours.stored_once) == 2,
    }


def growth(result: LoadResult) -> float:
    """Median latency of the last block of messages over that of the first."""
    blocks = result.block_medians(BLOCK)
    return blocks[-1] / blocks[0] if blocks and blocks[0] else float("nan")


def table(ours: Bot, stock: Bot, met: Dict[str, bool]) -> List[str]:
    lines = ["| | ours | stock | ours/stock | target | |", "|---|---:|---:|---:|---|---|"]
    for phase in ours.phases:
        o, s = ours.phases[phase], stock.phases[phase]
        head = f"{o.users} user{'s' if o.users > 1 else ''} x {o.messages_per_user} messages"
        if phase.startswith("long"):
            head = f"one conversation each, {head}"
        if phase in ("concurrent", "long-concurrent"):
            key = "throughput_ratio_20" if phase == "concurrent" else "long_throughput_ratio_20"
            lines.append(_row(f"{head}: throughput, msg/s", o.throughput, s.throughput, ".1f",
                              f">= {TARGETS[key]:.0f}x stock", met[key]))
        else:
            lines.append(_row(f"{head}: throughput, msg/s", o.throughput, s.throughput, ".1f"))
        for q in (50, 95, 99):
            key = f"p{q}_1_ms"
            if phase == "single" and key in TARGETS:
                lines.append(_row(f"{head}: latency p{q}, ms", o.percentile(q), s.percentile(q), ".1f",
                                  f"<= {TARGETS[key]:.0f} ms", met[key]))
            else:
                lines.append(_row(f"{head}: latency p{q}, ms", o.percentile(q), s.percentile(q), ".1f"))
        lines.append(f"| {head}: errors | {len(o.errors)} | {len(s.errors)} | | 0 | "
                     f"{'met' if not o.errors else '**not met**'} |")
        if phase.startswith("long"):
            ob, sb = o.block_medians(BLOCK), s.block_medians(BLOCK)
            for b, (x, y) in enumerate(zip(ob, sb)):
                lines.append(_row(f"{head}: median latency of messages {b * BLOCK + 1}-{(b + 1) * BLOCK}, ms",
                                  x, y, ".1f"))
            if phase == "long-single":
                lines.append(_row(f"{head}: last block / first block", growth(o), growth(s), ".2f",
                                  f"<= {TARGETS['long_growth']}", met["long_growth"]))
            ok = ours.stored_once.get(phase, False)
            lines.append(f"| {head}: every message stored once (user events per sender) | "
                         f"{'yes' if ok else 'no'} | | | yes | {'met' if ok else '**not met**'} |")
    lines.append(_row("Rasa server peak RSS, MB", ours.rss_mb["Rasa server"], stock.rss_mb["Rasa server"], ".0f",
                      f"<= {TARGETS['rasa_rss_mb']:.0f} MB", met["rasa_rss_mb"]))
    lines.append(f"| action server peak RSS, MB | {ours.rss_mb['action server']:.0f} | (none) | | "
                 f"<= {TARGETS['actions_rss_mb']:.0f} MB | {'met' if met['actions_rss_mb'] else '**not met**'} |")
    lines.append(_row("training time (`rasa train`, full), s", ours.train_s, stock.train_s, ".1f",
                      f"<= {TARGETS['train_s']:.0f} s", met["train_s"]))
    lines.append(_row("model size, MB", ours.model_bytes / 1e6, stock.model_bytes / 1e6, ".1f"))
    return lines


def plot(ours: Bot, stock: Bot, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(ours.phases), figsize=(6 * len(ours.phases), 4.2))
    for ax, phase in zip(list(axes), ours.phases):
        for bot, colour in ((ours, "tab:blue"), (stock, "tab:orange")):
            result = bot.phases[phase]
            values = sorted(result.latencies_ms)
            if not values:
                continue
            share = [100 * (i + 1) / len(values) for i in range(len(values))]
            ax.step(values, share, where="post", color=colour,
                    label=f"{bot.name}: p50 {result.percentile(50):.0f} ms, p99 {result.percentile(99):.0f} ms")
        result = ours.phases[phase]
        ax.set_xscale("log")
        ax.set_xlabel("latency of a full turn over the REST webhook, ms (log scale)")
        ax.set_ylabel("% of messages answered within")
        ax.set_title(f"{result.users} user{'s' if result.users > 1 else ''} x {result.messages_per_user} messages")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("Our assistant vs a stock `rasa init` bot, same machine, same run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    # Latency against the message's turn number in its conversation (the long phases).
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for ax, phase in zip(axes, ("long-single", "long-concurrent")):
        for bot, colour in ((ours, "tab:blue"), (stock, "tab:orange")):
            result = bot.phases.get(phase)
            if not result or not result.latencies_ms:
                continue
            by_turn: Dict[int, List[float]] = collections.defaultdict(list)
            for number, latency in zip(result.turn_numbers, result.latencies_ms):
                by_turn[number].append(latency)
            xs = sorted(by_turn)
            ax.plot(xs, [sorted(by_turn[x])[len(by_turn[x]) // 2] for x in xs], color=colour, lw=1,
                    label=f"{bot.name}")
        result = ours.phases.get(phase)
        if result:
            ax.set_title(f"one conversation each: {result.users} user{'s' if result.users > 1 else ''} x "
                         f"{result.messages_per_user} messages")
        ax.set_xlabel("message number in the conversation")
        ax.set_ylabel("latency, ms (median over users)")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path.with_name("performance_turns.png"), dpi=110)
    plt.close(fig)


def report(ours: Bot, stock: Bot, info: Dict[str, str], out: Path, command: str) -> str:
    met = targets_met(ours, stock)
    lines = [
        f"Measured {info['date']} by `{command}` (all in one run, loopback only).",
        "",
        f"- Machine: {info['cpu']}, {info['memory']} RAM; {info['os']}; Python {info['python']}, "
        f"Rasa {info['rasa']}.",
        f"- Load average (1/5/15 min) before: {info['load_before']}; after: {info['load_after']}.",
        "- Ours: this project as `make run` starts it (action server, SQLite tracker store, guarded "
        "channels). Stock: `rasa init --no-prompt` (DIET, TED, UnexpecTED; in-memory tracker store).",
        "- Load: bench/conversations.yml, the same texts for both bots; each user sends its next message "
        "when the last is answered, playing conversations one after another, each with a new sender id.",
        "",
        *table(ours, stock, met),
        "",
        "![latency distributions](performance_latency.png)",
        "",
        "![latency against the message's number in its conversation](performance_turns.png)",
    ]
    if ours.profile:
        total, own, inclusive = profile_top(ours.profile)
        lines += ["", f"Profile of our Rasa server under 20 users ({total} py-spy samples):", "",
                  "| % own time | function | | % with callees | function |", "|---:|---|---|---:|---|"]
        lines += [f"| {a:.1f} | `{fa}` | | {b:.1f} | `{fb}` |" for (a, fa), (b, fb) in zip(own, inclusive)]
    return "\n".join(lines)


def write_report(block: str, path: Path) -> None:
    """Put `block` between the markers of `path`, keeping the hand-written rest."""
    text = path.read_text() if path.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    path.write_text(f"{head}{BEGIN}\n{block}\n{END}{rest.split(END, 1)[1]}")


def results_json(ours: Bot, stock: Bot, info: Dict[str, str]) -> Dict:
    def bot(b: Bot) -> Dict:
        return {
            "train_s": b.train_s, "model_bytes": b.model_bytes, "peak_rss_mb": b.rss_mb,
            "phases": {name: {"users": r.users, "messages_per_user": r.messages_per_user, "sent": r.sent,
                              "throughput_msg_s": r.throughput, "wall_s": r.wall_s, "errors": r.errors[:20],
                              "error_count": len(r.errors), "empty_replies": r.empty_replies,
                              "block_medians_ms": r.block_medians(BLOCK) if name.startswith("long") else [],
                              "stored_once": b.stored_once.get(name),
                              **{f"p{q}_ms": r.percentile(q) for q in (50, 90, 95, 99)}}
                       for name, r in b.phases.items()},
        }

    return {"machine": info, "ours": bot(ours), "stock": bot(stock), "targets": TARGETS,
            "met": targets_met(ours, stock)}


# -------------------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few messages and a 1-epoch stock bot (CI)")
    parser.add_argument("--profile", action="store_true", help="sample our Rasa server with py-spy")
    parser.add_argument("--out", type=Path, default=DOCS, help="where performance.md/.json/_latency.png go")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (models, logs)")
    args = parser.parse_args()
    phases = SMOKE_PHASES if args.smoke else PHASES
    conversations = load_conversations()
    info = {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "load_before": load_average(), **machine()}
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    ours, stock = Bot("ours", tmp / "ours"), Bot("stock", tmp / "stock")
    try:
        for bot, start in ((ours, start_ours), (stock, lambda b: start_stock(b, quick=args.smoke))):
            print(f"{bot.name}: training and starting ...", flush=True)
            try:
                start(bot)
                print(f"  {bot.name:5} trained in {bot.train_s:.1f} s; model {bot.model_bytes / 1e6:.1f} MB",
                      flush=True)
                drive(bot, phases, conversations)
                if args.profile and bot is ours:
                    bot.profile = profile(bot, *phases[1][1:], conversations)
                bot.record_rss()
            finally:
                bot.stop()
        info["load_after"] = load_average()
        args.out.mkdir(parents=True, exist_ok=True)
        command = " ".join(["bench/performance.py", *sys.argv[1:]]) if sys.argv[1:] else "make bench"
        write_report(report(ours, stock, info, args.out, command), args.out / "performance.md")
        (args.out / "performance.json").write_text(json.dumps(results_json(ours, stock, info), indent=1))
        plot(ours, stock, args.out / "performance_latency.png")
        met = targets_met(ours, stock)
        print("\n".join(table(ours, stock, met)))
        print(f"\nwritten: {args.out / 'performance.md'}; load average before {info['load_before']}, "
              f"after {info['load_after']}")
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
