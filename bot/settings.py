"""Every environment variable the project reads, read once and validated.

    from bot.settings import settings
    settings().reply_timeout_seconds

`settings()` reads the environment on first use and keeps the result for the process; a bad value stops
start-up with one line naming the variable (`SettingsError`). The launcher (bot/ops/run.py) builds a
`Settings` for the servers it starts and hands it to them as environment variables (`Settings.env()`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable has a value the project cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Where the servers listen and keep their state, and the limits of the message pipeline."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000
    tracker_db: Path = ROOT / "var" / "tracker.db"
    log_dir: Path = ROOT / "var" / "log"
    state_dir: Path = ROOT / "var"
    model: Path = ROOT / "models"
    endpoints: Path = ROOT / "endpoints.yml"
    credentials: Path = ROOT / "credentials.yml"
    api_token: Optional[str] = None
    # Signs the socket.io session ids the server issues (bot/channels/socketio.py); every replica needs the
    # same one. Unset: a random one per process (a session resumes only on the server that issued it).
    session_secret: Optional[str] = None
    # Origins allowed to call the Rasa server from a browser (space or comma separated).
    cors_origins: Optional[str] = None
    max_message_chars: int = 4000
    # Rasa waits up to 5 minutes for the action server; a user should not.
    reply_timeout_seconds: float = 10.0
    # How long a turn is retried while the tracker or lock store is unreachable.
    store_retry_seconds: float = 5.0
    rasa_patches: str = "all"
    # --- operations (docs/operations.md): stopping, metrics, logs ---
    # How long the launcher waits for a server to exit after SIGTERM before it kills it.
    stop_grace_seconds: float = 10.0
    # Prometheus text format at /metrics on the Rasa server and the action server.
    metrics_enabled: bool = True
    # "text" (Rasa's own format) or "json" (one object per line, for log shippers).
    log_format: str = "text"
    # prometheus-client's multi-process mode, for servers run with several Sanic workers.
    prometheus_multiproc_dir: Optional[Path] = None
    # --- end of operations ---
    # Trust (docs/security.md): abuse limits per sender and per client address (0 = off), the addresses
    # exempt from the address limit ("none" for none), how many proxies in front add X-Forwarded-For,
    # and how many days a conversation is kept after its last event.
    rate_limit_per_sender: int = 30
    rate_limit_per_address: int = 600
    rate_limit_exempt: str = "127.0.0.1 ::1"
    trusted_proxy_hops: int = 0
    retention_days: int = 90
    extra_env: Dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("rasa_port", "action_port", "web_port"):
            port = getattr(self, name)
            if not 0 < port < 65536:
                raise SettingsError(f"{ENV_NAMES[name]}: {port} is not a TCP port (1-65535)")
        ports = [(getattr(self, n), ENV_NAMES[n]) for n in ("rasa_port", "action_port", "web_port")]
        for i, (port, var) in enumerate(ports):
            for other_port, other in ports[i + 1:]:
                if port == other_port:
                    raise SettingsError(f"{var} and {other} are both {port}: each server needs its own port")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"LOG_FORMAT: '{self.log_format}' is not one of {', '.join(LOG_FORMATS)}")
        if self.stop_grace_seconds <= 0:
            raise SettingsError(f"STOP_GRACE_SECONDS: must be above 0, not {self.stop_grace_seconds}")
        if self.max_message_chars < 1:
            raise SettingsError(f"MAX_MESSAGE_CHARS: must be at least 1, not {self.max_message_chars}")
        if not 0 < self.store_retry_seconds < self.reply_timeout_seconds:
            # The guard's fallback answer must not overtake a turn that is still being retried.
            raise SettingsError(
                f"STORE_RETRY_SECONDS ({self.store_retry_seconds}) must be above 0 and below "
                f"REPLY_TIMEOUT_SECONDS ({self.reply_timeout_seconds})")
        for name in ("rate_limit_per_sender", "rate_limit_per_address", "trusted_proxy_hops"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{ENV_NAMES[name]}: must be 0 or more, not {getattr(self, name)}")
        if self.retention_days < 1:
            raise SettingsError(f"RETENTION_DAYS: must be at least 1, not {self.retention_days}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: object) -> "Settings":
        """Settings from environment variables (unset or empty ones keep their default)."""
        values: Dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(ENV_NAMES.get(f.name, ""), "")
            if f.name in ENV_NAMES and raw.strip():
                values[f.name] = _parse(ENV_NAMES[f.name], raw.strip(), _PARSERS.get(f.name, str))
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def exempt_addresses(self) -> List[str]:
        """Client addresses the per-address limit does not apply to."""
        return [a for a in self.rate_limit_exempt.replace(",", " ").split() if a.lower() != "none"]

    @property
    def origins(self) -> List[str]:
        """Where browsers may call the Rasa server from: the web chat page unless CORS_ORIGINS says."""
        return (self.cors_origins or self.web_url).replace(",", " ").split()

    def env(self) -> Dict[str, str]:
        """The environment a server started with these settings gets: every setting, as a variable."""
        env = dict(os.environ)
        for name, var in ENV_NAMES.items():
            value = getattr(self, name)
            if value is None:
                env.pop(var, None)
            else:
                env[var] = str(value)
        env.update(ACTION_ENDPOINT_URL=self.action_url, CORS_ORIGINS=" ".join(self.origins))
        env.update(self.extra_env)
        return env


def _boolean(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


ENV_NAMES: Dict[str, str] = {
    "host": "BOT_HOST", "rasa_port": "RASA_PORT", "action_port": "ACTION_PORT", "web_port": "WEB_PORT",
    "tracker_db": "TRACKER_DB", "log_dir": "LOG_DIR", "state_dir": "STATE_DIR", "model": "MODEL",
    "endpoints": "ENDPOINTS", "credentials": "CREDENTIALS", "api_token": "RASA_API_TOKEN",
    "session_secret": "SESSION_SECRET",
    "cors_origins": "CORS_ORIGINS", "max_message_chars": "MAX_MESSAGE_CHARS",
    "reply_timeout_seconds": "REPLY_TIMEOUT_SECONDS", "store_retry_seconds": "STORE_RETRY_SECONDS",
    "rasa_patches": "RASA_PATCHES",
    # operations
    "stop_grace_seconds": "STOP_GRACE_SECONDS", "metrics_enabled": "METRICS_ENABLED", "log_format": "LOG_FORMAT",
    "prometheus_multiproc_dir": "PROMETHEUS_MULTIPROC_DIR",
    # Trust
    "rate_limit_per_sender": "RATE_LIMIT_PER_SENDER", "rate_limit_per_address": "RATE_LIMIT_PER_ADDRESS",
    "rate_limit_exempt": "RATE_LIMIT_EXEMPT", "trusted_proxy_hops": "TRUSTED_PROXY_HOPS",
    "retention_days": "RETENTION_DAYS",
}
LOG_FORMATS = ("text", "json")
_PARSERS: Dict[str, Callable[[str], object]] = {
    "rasa_port": int, "action_port": int, "web_port": int, "max_message_chars": int,
    "reply_timeout_seconds": float, "store_retry_seconds": float,
    "tracker_db": Path, "log_dir": Path, "state_dir": Path, "model": Path, "endpoints": Path,
    "credentials": Path,
    # operations
    "stop_grace_seconds": float, "metrics_enabled": _boolean, "log_format": str.lower,
    "prometheus_multiproc_dir": Path,
    # Trust
    "rate_limit_per_sender": int, "rate_limit_per_address": int, "trusted_proxy_hops": int,
    "retention_days": int,
}


def _parse(var: str, raw: str, parse: Callable[[str], object]) -> object:
    try:
        return parse(raw)
    except ValueError:
        kind = {int: "a whole number", float: "a number"}.get(parse, "a valid value")  # type: ignore[call-overload]
        kind = "true or false" if parse is _boolean else kind
        raise SettingsError(f"{var}: '{raw}' is not {kind}") from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    """This process's settings, read from the environment once."""
    return Settings.from_env()
