"""`make run`: start the action server, the Rasa server and the web chat page together.

    python -m bot.ops.run            # settings from the environment (bot/settings.py), Ctrl-C stops them all

Every server runs in a process group of its own and is tracked from the moment it is spawned; SIGTERM,
SIGINT (Ctrl-C) or SIGHUP at any moment, during start-up too, stops all of them (SIGTERM, then SIGKILL
after STOP_GRACE_SECONDS). A port already taken is reported before anything starts, and each server counts
as up only when its own endpoint answers (the action server's /health, Rasa's greeting, the page's config).
A server that exits during start-up, finds its port taken after all, or is not ready in time, and a MODEL
with no trained model, stop the launcher: it names the server and why, stops the others and exits 1.

Rasa is started with two files written under STATE_DIR from the project's own: the credentials of every
channel whose variables are set (`credentials.yml`, plus Slack and Telegram from
`bot/channels/optional.yml`), and the endpoints with this run's action-server address and tracker file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from bot.ops.processes import (Interrupted, Log, StartFailed, busy_port, check_signal, install_signal_handlers,
                               json_body, spawn, started, stop)
from bot.settings import ROOT, Settings, SettingsError

OPTIONAL_CHANNELS = ROOT / "bot" / "channels" / "optional.yml"
# Channel settings that may stay unset; any other unset variable leaves its whole channel out.
OPTIONAL_VARS = frozenset({"CORS_ORIGINS", "SLACK_CHANNEL", "SLACK_API_URL", "TELEGRAM_API_URL"})
_VAR = re.compile(r"\$\{(\w+)\}")


def enabled_channels(template: Path, env: Mapping[str, str]) -> Dict[str, Dict[str, Any]]:
    """The channels of a credentials file whose `${VAR}`s are set in `env`, less unset optional settings.

    Rasa fails to start on an unset variable, so a channel without its secrets must not be listed.
    """
    enabled: Dict[str, Dict[str, Any]] = {}
    for channel, config in (yaml.safe_load(template.read_text()) or {}).items():
        config = dict(config or {})
        for key, value in list(config.items()):
            unset = [v for v in _VAR.findall(value) if not env.get(v)] if isinstance(value, str) else []
            if unset and OPTIONAL_VARS.issuperset(unset):
                del config[key]
            elif unset:
                break
        else:
            enabled[channel] = config
    return enabled


def _write_yaml(path: Path, data: Dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False))
    os.replace(tmp, path)
    return path


def write_credentials(s: Settings) -> Path:
    """The credentials file Rasa is started with: the enabled channels, secrets still as `${VAR}`."""
    env = s.env()
    channels = enabled_channels(s.credentials, env)
    if s.credentials == ROOT / "credentials.yml":
        channels.update(enabled_channels(OPTIONAL_CHANNELS, env))
    socketio = next((c for name, c in channels.items() if name.endswith("SocketIOInput")), None)
    if socketio is not None and "allowed_origins" in socketio:
        socketio["allowed_origins"] = " ".join(s.origins)
    return _write_yaml(s.state_dir / f"credentials.{s.rasa_port}.yml", channels)


def write_endpoints(s: Settings) -> Path:
    """The endpoints file Rasa is started with: for the project's endpoints.yml, this run's action server
    and SQLite file; any other file (deploy/) takes its values from `${VAR}`s and is used as it is."""
    if s.endpoints != ROOT / "endpoints.yml":
        return s.endpoints
    endpoints = yaml.safe_load(s.endpoints.read_text()) or {}
    endpoints["action_endpoint"] = {"url": s.action_url}
    store = endpoints.get("tracker_store") or {}
    if store.get("dialect") == "sqlite":
        store["db"] = str(s.tracker_db)
    return _write_yaml(s.state_dir / f"endpoints.{s.rasa_port}.yml", endpoints)


def start_action_server(s: Settings, track: Optional[List[subprocess.Popen]] = None) -> subprocess.Popen:
    """The action server (`rasa run actions` with /metrics and JSON logs: bot/ops/action_server.py)."""
    s.log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "bot.ops.action_server", "--actions", "actions", "--port", str(s.action_port)]
    log = Log(s.log_dir / "actions.log")
    # The SDK has no --log-file option: its output goes to the log file instead.
    with log.path.open("ab") as out:
        proc = spawn(cmd, s, track, stdout=out, stderr=subprocess.STDOUT)
    return started(proc, track, f"http://{s.host}:{s.action_port}/health",
                   lambda body: json_body(body).get("status") == "ok", server="action server", log=log,
                   address=f"ACTION_PORT {s.action_port} on {s.host}")


def has_model(path: Path) -> bool:
    """Whether `path` is a trained model or a folder holding one. Rasa given no model at all still starts
    (and answers "Hello") with nothing loaded, and given a path that does not exist loads models/."""
    return path.is_file() or (path.is_dir() and any(path.glob("*.tar.gz")))


def start_rasa(s: Settings, track: Optional[List[subprocess.Popen]] = None) -> subprocess.Popen:
    """The Rasa server, once it has loaded the model and listens (Rasa loads the model before it binds)."""
    if not has_model(s.model):
        raise StartFailed("Rasa server", f"no trained model at {s.model}: run `make train`, or set MODEL")
    s.log_dir.mkdir(parents=True, exist_ok=True)
    log = Log(s.log_dir / "rasa.log")
    # `rasa run` with the measured patches of bot/rasa_patches (bot/ops/rasa_cli.py).
    cmd = [sys.executable, "-m", "bot.ops.rasa_cli", "run", "--model", str(s.model), "--port", str(s.rasa_port),
           "--interface", s.host, "--endpoints", str(write_endpoints(s)),
           "--credentials", str(write_credentials(s)), "--cors", *s.origins]
    if s.api_token:
        cmd += ["--enable-api", "--auth-token", s.api_token]
    if s.log_format == "json":
        # Rasa's --log-file writes its own text format: the JSON lines go to stderr, kept in the same file.
        with log.path.open("ab") as out:
            proc = spawn(cmd, s, track, stderr=out)
    else:
        proc = spawn(cmd + ["--log-file", str(log.path)], s, track)
    # Rasa answers only once the model is loaded; "/" is its own answer with or without the API (/version and
    # /status exist only with it).
    return started(proc, track, f"{s.rasa_url}/", lambda body: body.startswith(b"Hello from Rasa: "),
                   server="Rasa server", log=log, address=f"RASA_PORT {s.rasa_port} on {s.host}")


def start_web(s: Settings, track: Optional[List[subprocess.Popen]] = None) -> subprocess.Popen:
    """The web chat page (bot/ops/webchat.py) on `web_port`, talking to the Rasa server."""
    s.log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "bot.ops.webchat", "--host", s.host, "--port", str(s.web_port),
           "--server-url", s.rasa_url]
    log = Log(s.log_dir / "web.log")
    with log.path.open("ab") as out:
        proc = spawn(cmd, s, track, stdout=out, stderr=subprocess.STDOUT)
    return started(proc, track, f"{s.web_url}/config.js", lambda body: s.rasa_url.encode() in body, timeout=30,
                   server="web chat page", log=log, address=f"WEB_PORT {s.web_port} on {s.host}")


def main() -> None:
    # A stop request at any moment stops every server started so far: they are tracked from the moment
    # each is spawned, and none is left behind (docs/operations.md).
    install_signal_handlers()
    try:
        s = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"configuration error: {error}")
    busy = busy_port(s)
    if busy:
        sys.exit(f"cannot start: {busy}")
    procs: List[subprocess.Popen] = []
    names = ["action server", "Rasa server", "web chat page"]  # in the order they start
    try:
        start_action_server(s, procs)
        start_rasa(s, procs)
        start_web(s, procs)
        channels = yaml.safe_load((s.state_dir / f"credentials.{s.rasa_port}.yml").read_text())
        channel_names = ", ".join(re.sub(r"^Guarded|Input$", "", c.rsplit(".", 1)[-1]).lower()
                                  for c in channels if not c.endswith("OpsInput"))
        print(f"\nThe assistant is up.\n  Web chat:     {s.web_url}/\n"
              f"  REST webhook: {s.rasa_url}/webhooks/rest/webhook\n  Channels:     {channel_names}\n"
              "Press Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in procs):
            check_signal()
            time.sleep(0.2)
        name, failed = next((n, p) for n, p in zip(names, procs) if p.returncode is not None)
        print(f"{name} exited with {failed.returncode}; stopping the others", file=sys.stderr, flush=True)
        code = 1
    except Interrupted as sig:
        print(f"{sig}: stopping", file=sys.stderr, flush=True)
        code = 0
    except StartFailed as error:
        print(f"start-up failed: {error}\nstopping the others", file=sys.stderr, flush=True)
        code = 1
    finally:
        stop(procs, s.stop_grace_seconds)
    sys.exit(code)


if __name__ == "__main__":
    main()
