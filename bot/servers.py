"""Start the action server, the Rasa server and the web chat page together (`make run`, the tests).

    python -m bot.servers            # ports from the environment, Ctrl-C stops them all
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@dataclass
class Settings:
    """Where the servers listen and keep their state; every field has an environment variable."""

    host: str = os.environ.get("BOT_HOST", "127.0.0.1")
    rasa_port: int = int(os.environ.get("RASA_PORT", "5005"))
    action_port: int = int(os.environ.get("ACTION_PORT", "5055"))
    tracker_db: Path = Path(os.environ.get("TRACKER_DB", ROOT / "var" / "tracker.db"))
    log_dir: Path = Path(os.environ.get("LOG_DIR", ROOT / "var" / "log"))
    model: Path = Path(os.environ.get("MODEL", ROOT / "models"))
    endpoints: Path = Path(os.environ.get("ENDPOINTS", ROOT / "endpoints.yml"))
    credentials: Path = Path(os.environ.get("CREDENTIALS", ROOT / "credentials.yml"))
    api_token: Optional[str] = os.environ.get("RASA_API_TOKEN") or None
    web_port: int = int(os.environ.get("WEB_PORT", "8000"))
    # Origins allowed to call the Rasa server from a browser (space or comma separated).
    cors_origins: Optional[str] = os.environ.get("CORS_ORIGINS") or None
    state_dir: Path = Path(os.environ.get("STATE_DIR", ROOT / "var"))
    extra_env: Dict[str, str] = field(default_factory=dict)

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
    def origins(self) -> List[str]:
        """Where browsers may call the Rasa server from: the web chat page unless CORS_ORIGINS says."""
        return (self.cors_origins or self.web_url).replace(",", " ").split()

    def env(self) -> Dict[str, str]:
        env = dict(os.environ, ACTION_ENDPOINT_URL=self.action_url, TRACKER_DB=str(self.tracker_db),
                   CORS_ORIGINS=" ".join(self.origins))
        env.update(self.extra_env)
        return env


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


def write_credentials(s: Settings) -> Path:
    """The credentials file Rasa is started with: the enabled channels, secrets still as `${VAR}`."""
    path = s.state_dir / f"credentials.{s.rasa_port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = enabled_channels(s.credentials, s.env())
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(channels, sort_keys=False))
    os.replace(tmp, path)
    return path


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
    s.tracker_db.parent.mkdir(parents=True, exist_ok=True)
    # `rasa run` with the measured speed-ups of bot/speedups.py (bot/rasa_cli.py).
    cmd = [sys.executable, "-m", "bot.rasa_cli", "run", "--model", str(s.model), "--port", str(s.rasa_port),
           "--interface", s.host, "--endpoints", str(s.endpoints), "--credentials", str(write_credentials(s)),
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
    settings = Settings()
    procs: List[subprocess.Popen] = []
    try:
        procs.append(start_action_server(settings))
        procs.append(start_rasa(settings))
        procs.append(start_web(settings))
        channels = ", ".join(re.sub(r"^Guarded|Input$", "", c.rsplit(".", 1)[-1]).lower()
                             for c in enabled_channels(settings.credentials, settings.env()))
        print(f"\nThe assistant is up.\n  Web chat:     {settings.web_url}/\n"
              f"  REST webhook: {settings.rasa_url}/webhooks/rest/webhook\n  Channels:     {channels}\n"
              "Press Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
