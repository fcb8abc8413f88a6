"""A tracker-store failure is an error, not a silent fresh start.

Rasa wraps every tracker store in a `FailSafeTrackerStore` which, when the database fails, carries on with
an empty in-memory tracker: the user gets an answer that has forgotten the conversation, and the turn is
never written to the database. `fail_loudly` makes the failure raise `StoreUnavailable` instead, so the
channel guard (bot/channels/guard.py) can retry the turn.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.exceptions import RasaException
from sanic import Sanic


class StoreUnavailable(RasaException):
    """The tracker store could not read or write a conversation."""


def _raise_unavailable(error: Exception) -> None:
    raise StoreUnavailable(f"the tracker store failed: {error}") from error


async def fail_loudly(app: Sanic, _loop: Any) -> None:
    """Sanic listener: the agent's tracker store raises on errors instead of falling back to memory."""
    store = getattr(getattr(app.ctx, "agent", None), "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        # Rasa's FailSafeTrackerStore takes this callback as a constructor argument (`on_tracker_store_error`)
        # but the agent builds the store itself, so it is set here once the agent is loaded.
        store._on_tracker_store_error = _raise_unavailable
