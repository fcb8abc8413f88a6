"""Compare with one empty domain built once, not a new one per message.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.
"""

from __future__ import annotations


import functools
from typing import Any, Dict, Text

from rasa.shared.core.domain import Domain


@functools.lru_cache(maxsize=1)
def _empty_domain() -> Dict[Text, Any]:
    return Domain.empty().as_dict()


def _domain_is_empty(self: Domain) -> bool:
    """Rasa asks whether the domain is empty for every message (before warning about unknown
    intents), by building a new empty domain each time to compare with."""
    return self.as_dict() == _empty_domain()


def install() -> None:
    Domain.is_empty = _domain_is_empty  # type: ignore[method-assign]
