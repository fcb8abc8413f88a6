"""Start the action server and the Rasa server together (used by `make run` and the tests).

    python -m bot.servers            # ports from the environment, Ctrl-C stops both
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

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
    extra_env: Dict[str, str] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    def env(self) -> Dict[str, str]:
        env = dict(os.environ, ACTION_ENDPOINT_URL=self.action_url, TRACKER_DB=str(self.tracker_db))
        env.update(self.extra_env)
        return env


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
    cmd = [str(BIN / "rasa"), "run", "--model", str(s.model), "--port", str(s.rasa_port),
           "--interface", s.host, "--endpoints", str(s.endpoints), "--credentials", str(s.credentials),
           "--log-file", str(s.log_dir / "rasa.log"), "--cors", os.environ.get("CORS_ORIGINS", s.rasa_url)]
    if s.api_token:
        cmd += ["--enable-api", "--auth-token", s.api_token]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=s.env())
    wait_for(f"{s.rasa_url}/status" if s.api_token is None else s.rasa_url, proc)
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
        print(f"\nThe assistant is up.\n  REST webhook: {settings.rasa_url}/webhooks/rest/webhook\n"
              "Press Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
