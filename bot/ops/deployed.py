"""What a deployed Rasa server must be given: the checks `python -m bot.ops.rasa_cli run` makes before Rasa
starts (docs/security.md, "Safe deploy defaults").

- CORS_ORIGINS is the one setting of which pages may use the server from a browser: it replaces any
  `--cors` Rasa is given (Rasa's Helm chart passes `--cors "*"`), and the socket.io channel takes it as
  its allowed origins when the credentials name none (bot/channels/socketio.py).
- With the production endpoints (deploy/endpoints.production.yml: PostgreSQL, Redis, replicas behind a
  proxy) the server does not start without CORS_ORIGINS and SESSION_SECRET (the replicas must share it to
  recognise each other's socket.io session ids), nor with a `*` origin.
"""

from __future__ import annotations

from typing import List, Mapping, Optional

PRODUCTION_ENDPOINTS = "endpoints.production.yml"
REQUIRED_IN_PRODUCTION = ("CORS_ORIGINS", "SESSION_SECRET")


def _origins(env: Mapping[str, str]) -> List[str]:
    return env.get("CORS_ORIGINS", "").replace(",", " ").split()


def with_cors(argv: List[str], env: Mapping[str, str]) -> List[str]:
    """`argv` with its `--cors` values replaced by CORS_ORIGINS when that is set (added when absent)."""
    origins = _origins(env)
    if not origins or not argv or argv[0] != "run":
        return argv
    out: List[str] = []
    skipping = False
    for arg in argv:
        if arg == "--cors":
            skipping = True
            continue
        if skipping and not arg.startswith("-"):
            continue
        skipping = False
        out.append(arg)
    return [*out, "--cors", *origins]


def production_problem(argv: List[str], env: Mapping[str, str]) -> Optional[str]:
    """Why a server with these arguments must not start, or None."""
    if not argv or argv[0] != "run":
        return None
    endpoints = argv[argv.index("--endpoints") + 1] if "--endpoints" in argv[:-1] else env.get("ENDPOINTS", "")
    if not endpoints.endswith(PRODUCTION_ENDPOINTS):
        return None
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name, "").strip()]
    if missing:
        return f"{', '.join(missing)} must be set for {PRODUCTION_ENDPOINTS} (docs/security.md)"
    if "*" in _origins(env):
        return "CORS_ORIGINS must name the pages' origins, not '*'"
    return None
