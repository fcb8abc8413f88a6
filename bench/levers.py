#!/usr/bin/env python
"""Which lever moved which number: our assistant with the speed-ups turned on one at a time.

Starts our assistant (bot/servers.py, as `make run` does) once per step, each step adding one lever
to the previous one, and drives it as bench/performance.py does (bench/load.py). Reports per step:
throughput at 20 concurrent users, the single-user latency, and the Rasa server's CPU time per
message (from /proc, so less sensitive than wall-clock numbers to a busy machine). Writes the table
between the `levers` markers of docs/performance.md.

    .venv/bin/python bench/levers.py            # about 10 minutes on 2 cores
    .venv/bin/python bench/levers.py --quick    # fewer messages per step
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List


import yaml

from bench.load import load_conversations, run_load
from bench.performance import QUIET_ENV, model_file, timed
from tests.support.servers import Settings, free_port, start_stack, stop

ROOT = Path(__file__).resolve().parents[1]

DOCS = ROOT / "docs"
BEGIN, END = "<!-- levers:begin -->", "<!-- levers:end -->"
RASA_STORE = {"type": "SQL", "dialect": "sqlite", "db": "${TRACKER_DB}"}


@dataclass
class Step:
    name: str
    speedups: str             # RASA_PATCHES
    our_store: bool = True    # bot.tracker_store.SQLiteTrackerStore, else Rasa's SQLTrackerStore
    memoization: bool = False  # the model with RulePolicy + MemoizationPolicy


def _steps() -> List[Step]:
    """Rasa as the project was configured, then one lever more per step."""
    steps = [Step("Rasa 3.6 as configured before (Rasa's SQL store, RulePolicy + MemoizationPolicy)", "none",
                  our_store=False, memoization=True)]
    on: List[str] = []
    store = False
    for label, speedup in [
        ("+ action-server responses checked by a compiled schema", "action_response_check"),
        ("+ SQLite tracker store: pooled connections, WAL, prepared queries", None),
        ("+ event classes looked up once", "event_lookup"),
        ("+ action-server calls: keep-alive connections, ujson request bodies", "keep_alive"),
        ("+ graphs run in order, without dask", "sequential_graph"),
        ("+ intent classifier: column-major coefficients, sentence features stacked directly",
         "logistic_regression"),
        ("+ empty-domain check done once", "domain_check"),
    ]:
        on += [speedup] if speedup else []
        store = store or speedup is None
        steps.append(Step(label, ",".join(on), our_store=store, memoization=True))
    steps.append(Step("+ RulePolicy alone (no MemoizationPolicy) = this project now", "all",
                      our_store=True, memoization=False))
    return steps


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def train(folder: Path, memoization: bool) -> Path:
    """The project's model, with or without MemoizationPolicy, trained as `make train` does."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    config["policies"] = [p for p in config["policies"] if p["name"] != "MemoizationPolicy"]
    if memoization:
        config["policies"].append({"name": "MemoizationPolicy"})
    folder.mkdir(parents=True)
    (folder / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = dict(os.environ, **QUIET_ENV)
    timed([sys.executable, "-m", "bot.ops.rasa_cli", "train", "--num-threads", "2", "--config", str(folder / "config.yml"),
           "--out", str(folder / "models")], ROOT, env, folder / "train.log", timeout=900)
    return model_file(folder / "models")


def measure(step: Step, model: Path, folder: Path, users: int, messages: int, single: int) -> Dict[str, float]:
    folder.mkdir(parents=True)
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    if not step.our_store:
        endpoints["tracker_store"] = RASA_STORE
    (folder / "endpoints.yml").write_text(yaml.safe_dump(endpoints, sort_keys=False))
    settings = Settings(rasa_port=free_port(), action_port=free_port(), tracker_db=folder / "tracker.db",
                        log_dir=folder / "log", model=model, endpoints=folder / "endpoints.yml", api_token=None,
                        extra_env=dict(QUIET_ENV, RASA_PATCHES=step.speedups), state_dir=folder / "state")
    procs: list = []
    try:
        settings = start_stack(settings, procs, ("actions", "rasa"))
        conversations = load_conversations()
        asyncio.run(run_load(settings.rasa_url, 1, sum(map(len, conversations)), prefix="warm"))
        before = cpu_seconds(procs[1].pid)
        many = asyncio.run(run_load(settings.rasa_url, users, messages, prefix="many", time_limit_s=300))
        cpu_ms = 1000 * (cpu_seconds(procs[1].pid) - before) / max(1, len(many.latencies_ms))
        one = asyncio.run(run_load(settings.rasa_url, 1, single, prefix="one", time_limit_s=300))
    finally:
        stop(procs)
    errors = len(many.errors) + len(one.errors)
    return {"throughput": many.throughput, "p50_many": many.percentile(50), "cpu_ms": cpu_ms,
            "p50_one": one.percentile(50), "p99_one": one.percentile(99), "errors": errors}


def write_table(lines: List[str], path: Path) -> None:
    text = path.read_text() if path.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    path.write_text(f"{head}{BEGIN}\n" + "\n".join(lines) + f"\n{END}{rest.split(END, 1)[1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 x 15 and 1 x 40 messages per step")
    parser.add_argument("--out", type=Path, default=DOCS / "performance.md")
    args = parser.parse_args()
    users, messages, single = (20, 15, 40) if args.quick else (20, 50, 200)
    tmp = Path(tempfile.mkdtemp(prefix="levers-"))
    load_before = os.getloadavg()
    try:
        models = {memo: train(tmp / f"model-{memo}", memo) for memo in (True, False)}
        rows = []
        for i, step in enumerate(_steps()):
            result = measure(step, models[step.memoization], tmp / f"step{i}", users, messages, single)
            rows.append((step, result))
            print(f"{step.name}: {result}", flush=True)
        base = rows[0][1]
        lines = [
            f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `bench/levers.py"
            f"{' --quick' if args.quick else ''}`; load average before "
            f"{' / '.join(f'{x:.2f}' for x in load_before)}, after "
            f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}. Each step adds one lever to the one above.",
            "",
            f"| step | {users} users: msg/s | {users} users: p50 ms | Rasa server CPU per message, ms | "
            f"1 user: p50 ms | 1 user: p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for step, r in rows:
            lines.append(f"| {step.name} | {r['throughput']:.1f} | {r['p50_many']:.0f} | {r['cpu_ms']:.1f} | "
                         f"{r['p50_one']:.1f} | {r['p99_one']:.1f} | {r['errors']:.0f} |")
        last = rows[-1][1]
        lines += ["", f"All levers together: {last['throughput'] / base['throughput']:.1f}x the throughput, "
                      f"{base['cpu_ms'] / last['cpu_ms']:.1f}x less Rasa server CPU per message."]
        write_table(lines, args.out)
        print("\n".join(lines))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
