"""Payloads are choices, not commands: which `/intent{...}` texts from a user Rasa may take as given.

Rasa reads a text starting with `/` as an intent with entities, skipping NLU: `/inform{"region": "Mars"}`
would set the region slot to "Mars". A user's payload is honoured only when it is exactly
`/<intent>` or `/<intent>{json object}` (no `@confidence`, nothing after it), the intent is one of
domain.yml's, and each entity is one the buttons offer, with one of its values (bot/knowledge/schema.py:
REGIONS, CARD_TYPES, CHANNELS, the same lists as the domain's categorical slots and buttons; `helpful`: the
"Was this helpful?" buttons' votes). Anything
else is refused with `REFUSED` before Rasa sees it: nothing is processed or stored.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Tuple

import yaml

from bot.knowledge.schema import CARD_TYPES, CHANNELS, REGIONS
from bot.settings import ROOT

VOTES = ("yes", "no")  # domain.yml's utter_helpful buttons
ENTITY_VALUES: Dict[str, Tuple[str, ...]] = {"region": REGIONS, "card_type": CARD_TYPES, "channel": CHANNELS,
                                             "helpful": VOTES}
REFUSED = ("I can only take the choices I offer as buttons. Please pick one of them, or tell me in your own "
           "words what you need.")
_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?", re.S)


@lru_cache(maxsize=1)
def domain_intents() -> FrozenSet[str]:
    """The intents domain.yml lists (the trained model's domain)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    return frozenset(next(iter(i)) if isinstance(i, dict) else str(i) for i in domain.get("intents") or [])


def payload_problem(text: Optional[str]) -> Optional[str]:
    """Why Rasa must not take `text` as a payload, or None (plain text, or an allowed payload). The reason
    is a kind ("unknown intent", ...), never the text: a refused payload is logged by it, and the text
    may hold a card number ("/4111111111111111")."""
    stripped = (text or "").strip()  # Rasa strips before it looks for the `/`
    if not stripped.startswith("/"):
        return None
    match = _PAYLOAD.fullmatch(stripped)
    if not match:
        return "not /intent or /intent{...}"
    if match.group("intent") not in domain_intents():
        return "unknown intent"
    if match.group("entities") is None:
        return None
    try:
        entities = json.loads(match.group("entities"))
    except ValueError:
        return "entities are not JSON"
    if not isinstance(entities, dict):
        return "entities are not a JSON object"
    for name, value in entities.items():
        if name not in ENTITY_VALUES:
            return "an entity not offered"
        if not isinstance(value, str) or value not in ENTITY_VALUES[name]:
            return f"a {name} value not offered"  # the name is one of ENTITY_VALUES', never the user's
    return None
