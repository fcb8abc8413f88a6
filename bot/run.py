"""`make run`: start the action server, the Rasa server and the web chat page together.

    python -m bot.run            # settings from the environment (bot/settings.py), Ctrl-C stops them all

Rasa is started with two files written under STATE_DIR from the project's own: the credentials of every
channel whose variables are set (`credentials.yml`, plus Slack and Telegram from
`bot/channels/optional.yml`), and the endpoints with this run's action-server address and tracker file.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Mapping

import yaml

from bot.settings import ROOT, Settings, SettingsError

BIN = Path(sys.executable).parent
OPTIONAL_CHANNELS = ROOT / "bot" / "channels" / "optional.yml"
# Channel settings that may stay unset; any other unset variable leaves its whole channel out.
OPTIONAL_VARS = frozenset({"CORS_ORIGINS", "SLACK_CHANNEL", "SLACK_API_URL", "TELEGRAM_API_URL"})
_VAR = re.compile(r"\$\{(\w+)\}")


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    """Wait until `url` answers 200, or fail early if `proc` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{' '.join(map(str, proc.args[:3]))} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


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


def start_action_server(s: Settings) -> subprocess.Popen:
    s.log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(s.action_port)]
    # The SDK has no --log-file option: its output goes to the log file instead.
    with open(s.log_dir / "actions.log", "ab") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=s.env(), stdout=log, stderr=subprocess.STDOUT)
    wait_for(f"http://{s.host}:{s.action_port}/health", proc)
    return proc


def start_rasa(s: Settings) -> subprocess.Popen:
    s.log_dir.mkdir(parents=True, exist_ok=True)
    # `rasa run` with the measured patches of bot/rasa_patches (bot/rasa_cli.py).
    cmd = [sys.executable, "-m", "bot.rasa_cli", "run", "--model", str(s.model), "--port", str(s.rasa_port),
           "--interface", s.host, "--endpoints", str(write_endpoints(s)),
           "--credentials", str(write_credentials(s)),
           "--log-file", str(s.log_dir / "rasa.log"), "--cors", *s.origins]
    if s.api_token:
        cmd += ["--enable-api", "--auth-token", s.api_token]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=s.env())
    # `/status` exists only with the API enabled; `/` answers once the model is loaded, either way.
    wait_for(s.rasa_url, proc)
    return proc


def start_web(s: Settings) -> subprocess.Popen:
    """The web chat page (bot/webchat.py) on `web_port`, talking to the Rasa server."""
    s.log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "bot.webchat", "--host", s.host, "--port", str(s.web_port),
           "--server-url", s.rasa_url]
    with open(s.log_dir / "web.log", "ab") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=s.env(), stdout=log, stderr=subprocess.STDOUT)
    wait_for(f"{s.web_url}/", proc, timeout=30)
    return proc


def stop(procs: List[subprocess.Popen]) -> None:
    """Stop processes politely, then firmly."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # `kill` stops the servers as Ctrl-C does, instead of orphaning them.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"configuration error: {error}")
    procs: List[subprocess.Popen] = []
    try:
        procs.append(start_action_server(settings))
        procs.append(start_rasa(settings))
        procs.append(start_web(settings))
        channels = yaml.safe_load((settings.state_dir / f"credentials.{settings.rasa_port}.yml").read_text())
        names = ", ".join(re.sub(r"^Guarded|Input$", "", c.rsplit(".", 1)[-1]).lower() for c in channels)
        print(f"\nThe assistant is up.\n  Web chat:     {settings.web_url}/\n"
              f"  REST webhook: {settings.rasa_url}/webhooks/rest/webhook\n  Channels:     {names}\n"
              "Press Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
