"""Measured fixes to Rasa internals, one per module, applied only on the versions they were measured on.

Each patch replaces one Rasa (or SciPy) function with one that gives the same results, chosen from a
profile of the server under load (docs/performance.md). They reach into private code, so `install()`
applies them only when the installed Rasa and SciPy are the versions the patches were written and
tested against (tests/unit/test_rasa_patches.py checks each against Rasa's own result); on any other
version it applies nothing and logs one warning. `bot/ops/rasa_cli.py` calls it before Rasa starts;
`RASA_PATCHES` (see bot/settings.py) picks "all", "none" or a comma-separated list.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import version
from typing import Dict, Iterable, Optional

logger = logging.getLogger(__name__)

# The versions every patch was measured and tested on; a different one may have changed the internals.
MEASURED_ON: Dict[str, str] = {"rasa": "3.6.21", "scipy": "1.10.1"}
PATCHES = ("action_response_check", "event_lookup", "keep_alive", "sequential_graph",
           "logistic_regression", "domain_check", "rule_window", "tracker_copy", "action_turn",
           "applied_events", "long_parse")
_installed: set = set()


def versions_match() -> bool:
    """True when the installed packages are those the patches were measured on."""
    found = {name: version(name) for name in MEASURED_ON}
    if found == MEASURED_ON:
        return True
    logger.warning("Rasa patches not applied: measured on %s, found %s", MEASURED_ON, found)
    return False


def chosen(spec: str) -> Iterable[str]:
    """The patch names a RASA_PATCHES value selects ("all", "none" or a comma-separated list)."""
    names = PATCHES if spec.strip() == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in PATCHES and n != "none"]
    if unknown:
        raise ValueError(f"unknown Rasa patches {unknown}; known: {', '.join(PATCHES)}")
    return [n for n in names if n in PATCHES]


def install(spec: Optional[str] = None) -> None:
    """Apply the patches `spec` names (default: the RASA_PATCHES setting); idempotent."""
    if spec is None:
        from bot.settings import settings

        spec = settings().rasa_patches
    names = list(chosen(spec))
    if names and not versions_match():
        return
    for name in names:
        if name not in _installed:
            importlib.import_module(f"{__name__}.{name}").install()
            _installed.add(name)
    logger.info("Rasa patches: %s", ", ".join(sorted(_installed)) or "none")
