"""Check action-server responses against Rasa's schema compiled once, not on every call.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.
"""

from __future__ import annotations


import functools
import json
from typing import Any, Dict, Text

import jsonschema
from rasa.core.actions.action import RemoteAction


@functools.lru_cache(maxsize=None)
def _validator(part: str) -> Any:
    """Rasa's schema for action-server responses ("response") or for one event ("event"), checked
    against the meta-schema and compiled once."""
    schema = RemoteAction.action_response_format_spec()
    if part == "event":
        schema = schema["properties"]["events"]["items"]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


_valid_events: Dict[str, bool] = {}


def _event_is_valid(event: Any) -> bool:
    """An event's verdict depends only on its content, and an action server sends the same few
    events again and again: each distinct one is checked once (at most 10,000 remembered)."""
    key = json.dumps(event, sort_keys=True)
    verdict = _valid_events.get(key)
    if verdict is None:
        verdict = _validator("event").is_valid(event)
        if len(_valid_events) < 10_000:
            _valid_events[key] = verdict
    return verdict


def _response_is_valid(result: Any) -> bool:
    """The schema's verdict: `events` is an array of valid events, and the rest of the response is
    valid (checked with an empty `events`)."""
    events = result.get("events") if isinstance(result, dict) else None
    if not isinstance(events, list):
        return _validator("response").is_valid(result)
    return _validator("response").is_valid({**result, "events": []}) and all(map(_event_is_valid, events))


_rasa_validate_action_result = RemoteAction._validate_action_result


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa checks every action-server response with `jsonschema.validate`, which first checks the
    schema itself against the JSON-Schema meta-schema (about 35 ms, twice per turn here), then walks
    the 23 alternatives of its event schema for every event. A valid response passes the compiled
    schema, event by event; an invalid one goes on to Rasa's own check, so it fails with Rasa's
    exact error."""
    if _response_is_valid(result):
        return True
    return _rasa_validate_action_result(self, result)


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    # Compiled now, before the server listens: in the first turn it held the event loop about 100 ms
    # (a health probe waited for it; bench/masking.py).
    _validator("response")
    _validator("event")
