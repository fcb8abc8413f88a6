"""The assistant's English, said in Hindi (Devanagari) or Hinglish: every sentence and fragment it can say has
its translation in `hindi.yml` (checked by tests/unit/core/test_hindi_phrases.py).

A composed answer is made of known pieces (a lead, contact labels, facts, fixed fragments) around numbers,
emails and addresses. `translate` replaces each known piece, longest first and in one pass (a translation is
never translated again), and leaves the rest as it is: the numbers, emails and addresses stay verbatim.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Pattern, Tuple

import yaml

from bot.knowledge import default
from bot.knowledge.language import HINDI, HINGLISH

PHRASES_PATH = Path(__file__).parent / "hindi.yml"
SCRIPTS = {HINDI: "devanagari", HINGLISH: "hinglish"}


@lru_cache(maxsize=1)
def _table(path: Path = PHRASES_PATH) -> Tuple[Dict[str, Dict[str, str]], Pattern[str]]:
    """The translations by lower-cased English, and one pattern of every English key (longest first; a key
    matches whole words only, so "or" is never a piece of "for")."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    # The needs' leads carry their own Hindi in the knowledge base (`lead_hindi`).
    raw.update({need.lead: need.lead_hindi.dict() for need in default().needs.values() if need.lead_hindi})
    table = {english.lower(): scripts for english, scripts in raw.items()}
    keys = sorted(raw, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(k)}(?!\w)" for k in keys), re.IGNORECASE)
    return table, pattern


def translate(text: str, language: str) -> str:
    """`text` in `language` (Hindi or Hinglish); English text for any other language, unchanged."""
    script = SCRIPTS.get(language)
    if script is None or not text:
        return text
    table, pattern = _table()
    # The contact details stay verbatim: an address holds words a phrase could match ("Manager", "Tower").
    kept = [c.value for c in default().contacts if c.value in text]
    for i, value in enumerate(kept):
        text = text.replace(value, f"\x00{i}\x00")
    text = pattern.sub(lambda m: table[m.group(0).lower()][script], text)
    for i, value in enumerate(kept):
        text = text.replace(f"\x00{i}\x00", value)
    return text


def known(text: str) -> bool:
    """Whether `text` as a whole has a translation."""
    return text.lower() in _table()[0]
