"""Which language a message is written in: English, Hindi in Devanagari, or Hinglish (Hindi in Latin letters).

Devanagari is told by its letters (U+0900-U+097F). Hinglish is told by a short list of Hindi words that
English does not use (`hinglish.yml`, checked against the training data by tests/unit/core/test_language.py):
one of them in a message in Latin letters makes it Hinglish.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet

import yaml

MARKERS_PATH = Path(__file__).parent / "hinglish.yml"
ENGLISH, HINDI, HINGLISH = "en", "hi", "hinglish"
LANGUAGES = (ENGLISH, HINDI, HINGLISH)
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def markers(path: Path = MARKERS_PATH) -> FrozenSet[str]:
    return frozenset(str(w).lower() for w in yaml.safe_load(path.read_text(encoding="utf-8"))["markers"])


def detect(text: str) -> str:
    """ENGLISH, HINDI (any Devanagari letter) or HINGLISH (a marker word in Latin letters)."""
    if _DEVANAGARI.search(text or ""):
        return HINDI
    words = set(_WORD.findall((text or "").lower()))
    return HINGLISH if words & markers() else ENGLISH
