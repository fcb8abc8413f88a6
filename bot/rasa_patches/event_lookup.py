"""Remember which Event class a type name resolves to.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.
"""

from __future__ import annotations


from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event


_rasa_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Rasa finds an event's class by walking every subclass of `Event` (with `inspect.isabstract`
    on each) for every event it reads from the tracker store or the action server; the answer
    for a type name never changes once the classes are imported, so it is remembered."""
    cls = _event_classes.get(type_name)
    if cls is None:
        cls = _rasa_resolve_by_type(type_name, default)
        if cls is not None and cls is not default:
            _event_classes[type_name] = cls
    return cls


def install() -> None:
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[assignment]
