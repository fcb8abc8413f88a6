"""The review inbox: user messages worth a person's look, grouped by the intent NLU predicted, and their
export as Rasa NLU YAML for that person to label. Nothing is ever added to the training data by itself.

Kinds: `fallback` (NLU was not sure enough: nlu_fallback, grouped by its likeliest other intent),
`low_confidence` (an intent, with a confidence under LOW_CONFIDENCE), `voted_no` (the message whose answer
got a "No"), `missing` (the optional answer to "what was missing?"). Texts are masked (bot/privacy/redaction.py).
Memory is bounded: at most PER_INTENT distinct texts are kept for each intent; the counts are of all.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

LOW_CONFIDENCE = 0.6  # config.yml's FallbackClassifier answers nlu_fallback under 0.4
PER_INTENT = 50
UNKNOWN = "unknown"  # nlu_fallback with no other intent in its ranking
# Rasa reads `[text](entity)`, `[text]{...}` and `[text][...]` in an example as an entity annotation.
_ANNOTATION = re.compile(r"\](?=[({\[])")


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks (`examples: |`), as Rasa's own data files write them."""


_Dumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


class Inbox:
    """The review inbox of one report."""

    def __init__(self, low_confidence: float = LOW_CONFIDENCE, per_intent: int = PER_INTENT) -> None:
        self.low_confidence, self.per_intent = low_confidence, per_intent
        self.counts: Counter = Counter()
        self.kinds: Counter = Counter()
        self.items: Dict[str, Dict[str, Dict[str, Any]]] = {}  # intent -> text -> item

    def add(self, intent: Optional[str], text: str, kind: str, confidence: Optional[float]) -> None:
        """One message for review (payloads, e.g. a button's `/inform{...}`, are choices, not phrasing)."""
        text = " ".join(text.split())
        if not text or text.startswith("/"):
            return
        intent = intent or UNKNOWN
        self.counts[intent] += 1
        self.kinds[kind] += 1
        kept = self.items.setdefault(intent, {})
        if text in kept:
            kept[text]["times"] += 1
        elif len(kept) < self.per_intent:
            kept[text] = {"text": text, "kind": kind, "confidence": None if confidence is None
                          else round(confidence, 3), "times": 1}

    def report(self) -> Dict[str, Any]:
        groups = [{"intent": i, "count": n, "items": list(self.items.get(i, {}).values())}
                  for i, n in sorted(self.counts.items(), key=lambda g: (-g[1], g[0]))]
        return {"total": sum(self.counts.values()), "by_kind": dict(sorted(self.kinds.items())), "groups": groups}


def nlu_yaml(inbox: Dict[str, Any]) -> str:
    """The inbox as Rasa NLU training data (version 3.1), one block per predicted intent, each text once:
    a starting point to label, not data to train on as it is."""
    seen: set = set()
    blocks: List[Dict[str, Any]] = []
    for group in inbox["groups"]:
        if group["intent"] == UNKNOWN:
            continue  # no intent to suggest: read these in the report
        texts = [t for t in (_example(i["text"]) for i in group["items"]) if t and t not in seen]
        seen.update(texts)
        if texts:
            blocks.append({"intent": group["intent"], "examples": "".join(f"- {t}\n" for t in texts)})
    header = ("# The review inbox of bot.insights, grouped by the intent NLU predicted: NOT checked by anyone.\n"
              "# Move each example to the intent it really is (or delete it) before adding it to data/.\n")
    body = yaml.dump({"version": "3.1", "nlu": blocks}, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=10_000)
    return header + body


def _example(text: str) -> str:
    """One line that Rasa reads as plain text."""
    return _ANNOTATION.sub("] ", " ".join(text.split()))


def write_nlu(inbox: Dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nlu_yaml(inbox), encoding="utf-8")
