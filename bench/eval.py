"""`make eval`: start the assistant on private ports and measure it on the shared dev sets.

    python -m bench.eval                  # conversations + both NLU dev sets
    python -m bench.eval --only conversations
    python -m bench.eval --url http://127.0.0.1:5005 --token t   # a server already running

Runs `../shared/eval/conversations.py` (the 44 dev conversations over the REST webhook) and
`../shared/eval/score.py` on `dev.jsonl` and `dev_banking.jsonl`, and prints their results as they come,
then one summary line per set. The dev sets are for measuring only: nothing here trains on them.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

from tests.support.servers import local_settings, start_action_server, start_rasa, stop

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
TOKEN = "eval-token"


def run(cmd: List[str]) -> str:
    """Run one of the shared scripts, echoing its output, and return it."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    print(proc.stdout, end="")
    print(proc.stderr, end="", file=sys.stderr)
    return proc.stdout


def measure(url: str, token: str, only: Optional[str]) -> Dict[str, str]:
    """Each set's headline: the conversations' pass count, the NLU sets' JSON summary line."""
    found: Dict[str, str] = {}
    if only in (None, "conversations"):
        out = run([sys.executable, str(EVAL / "conversations.py"), url, str(EVAL / "conversations_dev.json")])
        found["conversations"] = (re.findall(r"\d+/\d+ conversations pass", out) or ["no result"])[-1]
    if only in (None, "nlu"):
        for name in ("dev.jsonl", "dev_banking.jsonl"):
            out = run([sys.executable, str(EVAL / "score.py"), str(EVAL / name), "--url", url, "--token", token])
            found[name] = ([line for line in out.splitlines() if line.startswith("{")] or ["no result"])[-1]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("conversations", "nlu"))
    parser.add_argument("--url", help="a running Rasa server (started with --enable-api) instead of a new one")
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args()
    if args.url:
        found = measure(args.url, args.token, args.only)
    else:
        with tempfile.TemporaryDirectory(prefix="eval-") as state:
            # No rate limits: the sets send hundreds of messages a minute from one address.
            settings = local_settings(Path(state), api_token=TOKEN, rate_limit_per_sender=0,
                                      rate_limit_per_address=0)
            procs = []
            try:
                procs.append(start_action_server(settings))
                procs.append(start_rasa(settings))
                found = measure(settings.rasa_url, TOKEN, args.only)
            finally:
                stop(procs)
    print()
    for name, headline in found.items():
        print(f"{name}: {headline}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
