#!/usr/bin/env python
"""Compare NLU set-ups (pipeline x training data) on the dev set; write a table into docs/nlu.md + docs/nlu_confusion.png.

For every set-up this trains an NLU-only model with `rasa train nlu` (temp config, temp output dir),
loads it in a fresh child process (so memory is measured per set-up) with `rasa.core.agent.Agent`,
parses every dev utterance one at a time and records the intent ranking, the parse latency and the
process's peak RSS. Fallback thresholds are then applied offline with the same rule as Rasa's
FallbackClassifier (top confidence < threshold, or top-2 gap < ambiguity threshold -> nlu_fallback),
so one training run gives the whole threshold sweep. Scores use the definitions of
shared/eval/score.py: in-scope accuracy over rows that do not accept out_of_scope/nlu_fallback, and
out-of-scope recall = share of out-of-scope rows predicted as out_of_scope or nlu_fallback.

The dev set is only *scored*; it is never used for training.

usage:
    .venv/bin/python bench/nlu_compare.py            # every set-up (about 20-25 min on 2 cores)
    .venv/bin/python bench/nlu_compare.py --quick    # only the pipeline in config.yml, as-is (prints only)
    options: --dev PATH  --heldout PATH  --data DIR  --only NAME[,NAME]  --no-write  --write  --show-misses N
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
RASA = Path(sys.executable).parent / "rasa"
DOCS = ROOT / "docs"
OOS = {"out_of_scope", "nlu_fallback"}
# The NLU data as first committed (before the "NLU that generalises" work), for the data comparison.
V0_COMMIT = "84a3e94"
THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7]
AMBIGUITY = 0.1  # Rasa's default ambiguity_threshold, kept in config.yml
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"}

# ---------------------------------------------------------------------------------------- set-ups
TOKENS = [{"name": "WhitespaceTokenizer"}, {"name": "bot.nlu.components.GazetteerEntityExtractor"}]
WORD = {"name": "CountVectorsFeaturizer"}
WORD12 = {"name": "CountVectorsFeaturizer", "min_ngram": 1, "max_ngram": 2}
CHAR14 = {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}
CHAR25 = {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5}
CHAR24 = {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4}
CHAR14_DF2 = {**CHAR14, "min_df": 2}
LR = {"name": "LogisticRegressionClassifier"}  # max_iter 100 (default)
LR50 = {**LR, "max_iter": 50}


def diet(epochs: int, layers: int, **extra) -> dict:
    cfg = {
        "name": "DIETClassifier",
        "epochs": epochs,
        "number_of_transformer_layers": layers,
        "entity_recognition": False,
        "constrain_similarities": True,
        "batch_size": [64, 256],
        "random_seed": 1,
        "run_eagerly": False,
    }
    if layers:
        cfg.update(transformer_size=128, hidden_layers_sizes={"text": []})
    cfg.update(extra)
    return cfg


# name -> (pipeline without FallbackClassifier, data variant, note)
SETUPS = {
    "lr_w_c14_v0data": (TOKENS + [WORD, CHAR14, LR], "v0", "baseline pipeline, original data"),
    "lr_w_c14_noOOS": (
        TOKENS + [WORD, CHAR14, LR],
        "new_no_oos",
        "baseline pipeline, new data minus OOS intent",
    ),
    "lr_w_c14": (TOKENS + [WORD, CHAR14, LR], "new", "baseline pipeline, new data"),
    "lr_w12_c25": (TOKENS + [WORD12, CHAR25, LR], "new", "LR, word 1-2 + char_wb 2-5"),
    "lr_w_c14_it50": (TOKENS + [WORD, CHAR14, LR50], "new", "LR stopped after 50 iterations"),
    "lr_c14": (TOKENS + [CHAR14, LR], "new", "LR, char_wb 1-4 only (no word featurizer)"),
    "lr_w_c24": (TOKENS + [WORD, CHAR24, LR], "new", "LR, word + char_wb 2-4"),
    "lr_w_c14_df2": (TOKENS + [WORD, CHAR14_DF2, LR], "new", "LR, word + char_wb 1-4 seen in >= 2 examples"),
    "diet0_w_c14": (TOKENS + [WORD, CHAR14, diet(60, 0)], "new", "DIET, no transformer, 60 epochs"),
    "diet1_w_c14": (
        TOKENS + [WORD, CHAR14, diet(40, 1)],
        "new",
        "DIET, 1 transformer layer (128), 40 epochs",
    ),
}


# ------------------------------------------------------------------------------------------- data
DATA = ROOT / "data"


def data_files(variant: str, workdir: Path) -> Path:
    """Write the NLU files of a data variant into workdir/data and return that folder."""
    out = workdir / "data"
    out.mkdir(parents=True, exist_ok=True)
    if variant == "v0":
        for name in ("nlu.yml", "nlu_out_of_scope.yml"):
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{V0_COMMIT}:data/{name}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (out / name).write_text(text, encoding="utf-8")
    else:
        if variant not in ("new", "new_no_oos"):
            raise ValueError(variant)
        for path in sorted(DATA.glob("nlu*.yml")):  # nlu.yml, nlu_banking.yml, nlu_out_of_scope.yml
            if variant == "new" or path.name != "nlu_out_of_scope.yml":
                shutil.copy(path, out / path.name)
    return out


def current_pipeline() -> list:
    return yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]


def strip_fallback(pipeline: list) -> tuple[list, dict]:
    fb = [c for c in pipeline if c["name"] == "FallbackClassifier"]
    return [c for c in pipeline if c["name"] != "FallbackClassifier"], (fb[0] if fb else {})


# ------------------------------------------------------------------------------------ train / eval
def train(pipeline: list, data_dir: Path, workdir: Path) -> tuple[Path, float]:
    config = {"recipe": "default.v1", "language": "en", "assistant_id": "bench", "pipeline": pipeline}
    cfg_path = workdir / "config.yml"
    cfg_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    out = workdir / "models"
    cmd = [
        str(RASA),
        "train",
        "nlu",
        "--config",
        str(cfg_path),
        "--nlu",
        str(data_dir),
        "--out",
        str(out),
        "--fixed-model-name",
        "bench",
        "--num-threads",
        "2",
        "--quiet",
    ]
    t0 = time.perf_counter()
    env = {**ENV, "RASA_CACHE_DIRECTORY": str(workdir / "cache")}  # no cache hits: honest train times
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"training failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return out / "bench.tar.gz", seconds


def evaluate_in_child(model: Path, dev: Path) -> dict:
    """Load the model in a fresh interpreter (clean RSS) and parse every dev row one by one."""
    out = model.with_suffix(".eval.json")
    proc = subprocess.run(
        [sys.executable, __file__, "--eval-model", str(model), "--dev", str(dev), "--eval-out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ENV,
    )
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"evaluation failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def eval_model_main(model: str, dev: str, out_path: str) -> None:
    """Child process: write rankings, latencies and peak RSS as JSON to out_path."""
    import asyncio
    import logging

    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(ROOT))  # the custom component lives in bot/
    from rasa.core.agent import Agent

    rows = [json.loads(line) for line in open(dev, encoding="utf-8") if line.strip()]

    async def run() -> dict:
        t0 = time.perf_counter()
        agent = Agent.load(model)
        load_s = time.perf_counter() - t0
        await agent.parse_message("hello")  # warm-up (graph, TF functions)
        rankings, latencies = [], []
        for row in rows:
            t = time.perf_counter()
            result = await agent.parse_message(row["text"])
            latencies.append((time.perf_counter() - t) * 1000)
            ranking = [
                (r["name"], float(r["confidence"]))
                for r in result.get("intent_ranking") or []
                if r["name"] != "nlu_fallback"
            ]
            if not ranking:
                intent = result.get("intent") or {}
                ranking = [(intent.get("name"), float(intent.get("confidence") or 0.0))]
            rankings.append({"intent": (result.get("intent") or {}).get("name"), "ranking": ranking[:3]})
        return {"load_s": load_s, "rankings": rankings, "latency_ms": latencies}

    out = asyncio.run(run())
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak
    try:  # resident now, after load + parsing (Linux)
        status = Path("/proc/self/status").read_text()
        out["rss_now_mb"] = int(status.split("VmRSS:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        out["rss_now_mb"] = out["rss_mb"]
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


# ---------------------------------------------------------------------------------------- scoring
def predict(entry: dict, threshold: float | None, ambiguity: float = AMBIGUITY) -> str:
    if threshold is None:  # the model's own answer (FallbackClassifier as configured, if any)
        return entry["intent"]
    ranking = entry["ranking"]
    top, conf = ranking[0]
    if conf < threshold:
        return "nlu_fallback"
    if len(ranking) > 1 and conf - ranking[1][1] < ambiguity:
        return "nlu_fallback"
    return top


def score(rows: list, preds: list) -> dict:
    ins = [(r, p) for r, p in zip(rows, preds) if not OOS & set(r["accept"])]
    oos = [(r, p) for r, p in zip(rows, preds) if OOS & set(r["accept"])]
    return {
        "in_acc": sum(p in r["accept"] for r, p in ins) / max(1, len(ins)),
        "oos_rec": sum(p in OOS for _, p in oos) / max(1, len(oos)),
    }


def per_intent(rows: list, preds: list) -> dict:
    per = collections.defaultdict(lambda: [0, 0])
    for r, p in zip(rows, preds):
        key = "out_of_scope" if OOS & set(r["accept"]) else r["accept"][0]
        per[key][0] += p in r["accept"]
        per[key][1] += 1
    return dict(sorted(per.items()))


def best_threshold(rows: list, rankings: list) -> tuple[float, dict]:
    """Threshold with the best worst-case ratio to the targets (in-scope 0.95, OOS 0.90)."""
    scored = []
    for t in THRESHOLDS:
        s = score(rows, [predict(e, t) for e in rankings])
        scored.append((min(s["in_acc"] / 0.95, s["oos_rec"] / 0.90), s["in_acc"] + s["oos_rec"], t, s))
    _, _, t, s = max(scored)
    return t, s


def confusion_png(rows: list, preds: list, path: Path, title: str) -> list:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    def norm(label: str) -> str:
        return "out_of_scope/fallback" if label in OOS else label

    truth = [norm(r["accept"][0]) for r in rows]
    guess = [norm(p) for p in preds]
    labels = sorted(set(truth) | set(guess), key=lambda x: (x == "out_of_scope/fallback", x))
    index = {label: i for i, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=int)
    for t, g in zip(truth, guess):
        m[index[t], index[g]] += 1
    shown = m / np.maximum(1, m.sum(axis=1, keepdims=True))
    fig, ax = plt.subplots(figsize=(13, 11))
    ax.imshow(shown, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=75, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if m[i, j]:
                ax.text(
                    j,
                    i,
                    str(m[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if shown[i, j] > 0.5 else "black",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected (dev set)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    pairs = collections.Counter((t, g) for t, g in zip(truth, guess) if t != g)
    return pairs.most_common(10)


START, END = "<!-- bench:start (written by bench/nlu_compare.py) -->", "<!-- bench:end -->"


def write_section(path: Path, report: str) -> None:
    """Replace the generated section of docs/nlu.md (or append one), leaving the prose around it alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# NLU\n\n"
    block = f"{START}\n{report}\n{END}"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------------- main
def load_heldout(path: Path) -> list:
    """Rasa NLU YAML -> rows like dev.jsonl (entity annotations stripped). Only scored, never trained on."""
    import re

    rows = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        if "intent" not in block:
            continue
        accept = ["out_of_scope", "nlu_fallback"] if block["intent"] == "out_of_scope" else [block["intent"]]
        for line in block["examples"].splitlines():
            text = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", line.strip()[2:].strip())
            if text:
                rows.append({"text": text, "accept": accept, "set": "heldout"})
    return rows


def run_setup(name: str, pipeline: list, variant: str, eval_file: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="nlu_bench_") as tmp:
        work = Path(tmp)
        model, train_s = train(pipeline, data_files(variant, work), work)
        result = evaluate_in_child(model, eval_file)
    lat = sorted(result["latency_ms"])
    result.update(
        name=name,
        variant=variant,
        train_s=train_s,
        p50_ms=statistics.median(lat),
        p95_ms=lat[int(0.95 * (len(lat) - 1))],
    )
    return result


def fmt(x: float) -> str:
    return f"{x:.3f}"


def main() -> int:
    global DATA
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=str(DEFAULT_DEV))
    ap.add_argument(
        "--heldout",
        default=str(ROOT / "tests" / "data" / "nlu_heldout.yml"),
        help="Rasa NLU YAML scored as a second test set (skipped if missing)",
    )
    ap.add_argument("--quick", action="store_true", help="only the pipeline in config.yml")
    ap.add_argument("--only", default="", help="comma-separated set-up names")
    ap.add_argument("--no-write", action="store_true", help="print only, write nothing to docs/")
    ap.add_argument(
        "--write", action="store_true", help="with --quick: still rewrite docs/ (default: print only)"
    )
    ap.add_argument(
        "--show-misses", type=int, default=0, help="print N dev misses of the chosen set-up (stderr)"
    )
    ap.add_argument("--data", default=str(ROOT / "data"), help="folder with nlu.yml and nlu_out_of_scope.yml")
    ap.add_argument("--eval-model", help=argparse.SUPPRESS)
    ap.add_argument("--eval-out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.eval_model:
        eval_model_main(a.eval_model, a.dev, a.eval_out)
        return 0

    DATA = Path(a.data)
    dev_rows = [{**json.loads(line), "set": "dev"} for line in open(a.dev, encoding="utf-8") if line.strip()]
    held_rows = load_heldout(Path(a.heldout)) if Path(a.heldout).exists() else []
    all_rows = dev_rows + held_rows
    chosen_pipeline = current_pipeline()
    chosen_core, chosen_fb = strip_fallback(chosen_pipeline)
    setups = {}
    if not a.quick:
        wanted = set(filter(None, a.only.split(",")))
        # a set-up identical to config.yml's is measured once, as the chosen one
        setups = {
            k: v
            for k, v in SETUPS.items()
            if (not wanted or k in wanted) and not (v[0] == chosen_core and v[1] == "new")
        }
    setups["chosen"] = (
        chosen_pipeline,
        "new",
        "config.yml as committed, incl. FallbackClassifier "
        f"(threshold {chosen_fb.get('threshold')}, ambiguity {chosen_fb.get('ambiguity_threshold', AMBIGUITY)})",
    )

    results = []
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("".join(json.dumps(r) + "\n" for r in all_rows))
        eval_file = Path(f.name)
    try:
        for name, (pipeline, variant, note) in setups.items():
            print(f"[{time.perf_counter() - started:6.0f}s] {name} ...", file=sys.stderr, flush=True)
            r = run_setup(name, copy.deepcopy(pipeline), variant, eval_file)
            ranks = r.pop("rankings")
            r["dev_rankings"], r["held_rankings"] = ranks[: len(dev_rows)], ranks[len(dev_rows) :]
            r["note"] = note
            r["sweep"] = {t: score(dev_rows, [predict(e, t) for e in r["dev_rankings"]]) for t in THRESHOLDS}
            r["held"] = {t: score(held_rows, [predict(e, t) for e in r["held_rankings"]]) for t in THRESHOLDS}
            r["best_t"], r["best"] = best_threshold(dev_rows, r["dev_rankings"])
            results.append(r)
            print(
                f"    train {r['train_s']:.0f}s  p50 {r['p50_ms']:.1f}ms  rss {r['rss_mb']:.0f}MB  "
                f"dev@0.4 {fmt(r['sweep'][0.4]['in_acc'])}/{fmt(r['sweep'][0.4]['oos_rec'])}  "
                f"best@{r['best_t']} {fmt(r['best']['in_acc'])}/{fmt(r['best']['oos_rec'])}",
                file=sys.stderr,
            )
    finally:
        eval_file.unlink()

    def held_acc(r: dict, t: float) -> str:
        if not held_rows:
            return "-"
        preds = [predict(e, t) for e in r["held_rankings"]]
        return fmt(sum(p in row["accept"] for row, p in zip(held_rows, preds)) / len(held_rows))

    lines = [
        "| set-up | data | dev in-scope acc @0.4 | dev OOS recall @0.4 | best thr | dev in-scope @best "
        "| dev OOS @best | held-out acc @0.4 | train s | parse p50 ms | p95 ms | peak RSS MB |",
        "|" + "---|" * 12,
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['variant']} | {fmt(r['sweep'][0.4]['in_acc'])} | {fmt(r['sweep'][0.4]['oos_rec'])} "
            f"| {r['best_t']} | {fmt(r['best']['in_acc'])} | {fmt(r['best']['oos_rec'])} | {held_acc(r, 0.4)} "
            f"| {r['train_s']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['rss_mb']:.0f} |"
        )
    sweep = [
        "",
        "Fallback-threshold sweep on dev (in-scope acc / OOS recall; ambiguity threshold 0.1):",
        "",
        "| set-up | " + " | ".join(str(t) for t in THRESHOLDS) + " |",
        "|" + "---|" * (len(THRESHOLDS) + 1),
    ]
    for r in results:
        sweep.append(
            f"| {r['name']} | "
            + " | ".join(
                f"{fmt(r['sweep'][t]['in_acc'])} / {fmt(r['sweep'][t]['oos_rec'])}" for t in THRESHOLDS
            )
            + " |"
        )
    if held_rows:
        sweep += [
            "",
            f"Same sweep on the held-out file ({len(held_rows)} rows; intent accuracy):",
            "",
            "| set-up | " + " | ".join(str(t) for t in THRESHOLDS) + " |",
            "|" + "---|" * (len(THRESHOLDS) + 1),
        ]
        sweep += [
            f"| {r['name']} | " + " | ".join(held_acc(r, t) for t in THRESHOLDS) + " |" for r in results
        ]
    chosen_r = results[-1]
    sweep += [
        "",
        "Chosen set-up: threshold x ambiguity threshold (dev in-scope / dev OOS / held-out acc):",
        "",
        "| ambiguity | " + " | ".join(str(t) for t in THRESHOLDS) + " |",
        "|" + "---|" * (len(THRESHOLDS) + 1),
    ]
    for amb in (0.0, 0.05, 0.1):
        cells = []
        for t in THRESHOLDS:
            d = score(dev_rows, [predict(e, t, amb) for e in chosen_r["dev_rankings"]])
            hp = [predict(e, t, amb) for e in chosen_r["held_rankings"]]
            h = sum(p in row["accept"] for row, p in zip(held_rows, hp)) / max(1, len(held_rows))
            cells.append(f"{fmt(d['in_acc'])} / {fmt(d['oos_rec'])} / {fmt(h)}")
        sweep.append(f"| {amb} | " + " | ".join(cells) + " |")
    notes = ["", "Set-ups:", ""] + [f"- `{r['name']}`: {r['note']}" for r in results]

    chosen = results[-1]
    preds = [predict(e, None) for e in chosen["dev_rankings"]]
    own = score(dev_rows, preds)
    held_preds = [predict(e, None) for e in chosen["held_rankings"]]
    held_own = (
        (sum(p in row["accept"] for row, p in zip(held_rows, held_preds)) / len(held_rows))
        if held_rows
        else None
    )
    per = per_intent(dev_rows, preds)
    chosen_lines = [
        "",
        f"Chosen set-up as configured: dev in-scope accuracy **{fmt(own['in_acc'])}**, dev OOS recall "
        f"**{fmt(own['oos_rec'])}**"
        + (f", held-out intent accuracy **{fmt(held_own)}**" if held_rows else "")
        + f"; NLU training {chosen['train_s']:.0f} s, parse p50 {chosen['p50_ms']:.1f} ms, "
        f"p95 {chosen['p95_ms']:.1f} ms, peak RSS {chosen['rss_mb']:.0f} MB.",
        "",
        "| intent (dev) | right / rows | recall |",
        "|---|---|---|",
    ]
    chosen_lines += [f"| {k} | {ok}/{n} | {ok / n:.2f} |" for k, (ok, n) in per.items()]
    report = "\n".join(lines + sweep + notes + chosen_lines)
    misses = [(r, p) for r, p in zip(dev_rows, preds) if p not in r["accept"]]
    misses += [(r, p) for r, p in zip(held_rows, held_preds) if p not in r["accept"]]
    for r, p in misses[: a.show_misses]:
        print(f"  {r['set']} miss: {r['text'][:80]!r} -> {p} (want {r['accept'][0]})", file=sys.stderr)
    if not a.no_write and (a.write or not a.quick):  # --quick alone must not replace the full comparison
        DOCS.mkdir(exist_ok=True)
        worst = confusion_png(
            dev_rows,
            preds,
            DOCS / "nlu_confusion.png",
            f"dev set, chosen set-up: in-scope acc {own['in_acc']:.3f}, OOS recall {own['oos_rec']:.3f}",
        )
        report += (
            "\n\nMost frequent dev confusions of the chosen set-up (expected -> predicted, count):\n\n"
            "| expected | predicted | n |\n|---|---|---|\n"
        )
        report += "\n".join(f"| {t} | {g} | {n} |" for (t, g), n in worst)
        write_section(DOCS / "nlu.md", report)
    print(report)
    print(
        json.dumps(
            {
                "chosen": {
                    "in_scope_accuracy": round(own["in_acc"], 4),
                    "oos_recall": round(own["oos_rec"], 4),
                    "heldout_accuracy": None if held_own is None else round(held_own, 4),
                    "train_s": round(chosen["train_s"], 1),
                    "p50_ms": round(chosen["p50_ms"], 2),
                    "rss_mb": round(chosen["rss_mb"]),
                }
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
