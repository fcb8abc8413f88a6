"""The knowledge base: every fact the assistant gives, from shared/seed/, and how answers are made of it.

    knowledge_base.yml   the facts, each naming its seed section
    schema.py            what an entry holds (pydantic), checked at load
    answers.py           how an answer is put together (the only place that writes answer text)

Validation happens once, at start-up: a malformed or incomplete file raises `KnowledgeBaseError` naming
the bad entry, so the server refuses to start instead of answering with missing facts later. No Rasa here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.knowledge.schema import Contact, KnowledgeBase, KnowledgeBaseError, Need

__all__ = ["DEFAULT_PATH", "Contact", "KnowledgeBase", "KnowledgeBaseError", "Need", "default", "load"]

DEFAULT_PATH = Path(__file__).parent / "knowledge_base.yml"


def load(path: Path = DEFAULT_PATH) -> KnowledgeBase:
    """Read and validate the knowledge base, or raise `KnowledgeBaseError`."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise KnowledgeBaseError(f"{path}: cannot read the knowledge base: {e}") from None
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping at the top level")
    try:
        return KnowledgeBase.parse_obj(raw)
    except ValidationError as e:
        lines = [f"{' -> '.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()]
        raise KnowledgeBaseError(f"{path}: invalid entries:\n  " + "\n  ".join(lines)) from None


@lru_cache(maxsize=1)
def default() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    return load(DEFAULT_PATH)
