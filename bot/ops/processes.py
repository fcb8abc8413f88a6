"""Starting and stopping the servers: each in a process group of its own, tracked from the moment it is
spawned, counted as up only when its own endpoint answers, stopped with SIGTERM and a bounded grace period.

A signal handler (`install_signal_handlers`) only notes the signal; the start-up polls and the launcher's
loop raise `Interrupted` at their next check, so a Popen half-way or a child not yet tracked is never cut
short, and nothing started is lost.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bot.settings import ENV_NAMES, ROOT, Settings, settings

BIN = Path(sys.executable).parent
_TROUBLE = re.compile(r"error|exception|critical|fatal|cannot|could not|failed|already in use", re.I)


class Interrupted(Exception):
    """SIGTERM, SIGINT (Ctrl-C) or SIGHUP reached the launcher."""


_signal_received: Optional[int] = None


def _on_signal(signum: int, frame: object) -> None:
    global _signal_received
    _signal_received = signum


def install_signal_handlers() -> None:
    """SIGTERM, SIGINT and SIGHUP stop the launcher (at its next check) instead of killing it outright."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def check_signal() -> None:
    if _signal_received is not None:
        raise Interrupted(signal.Signals(_signal_received).name)


def json_body(body: bytes) -> Dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 180.0,
             ready: Callable[[bytes], bool] = lambda body: True) -> None:
    """Wait until `url` answers 200 with a body `ready` accepts (the server's own answer, not just anything
    on that port); fail early if `proc` died or a signal came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_signal()
        if proc.poll() is not None:
            raise RuntimeError(f"{' '.join(map(str, proc.args[:3]))} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200 and ready(r.read()):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


class StartFailed(RuntimeError):
    """A server did not come up: which one and why. `port_taken`: something else held its port when it
    tried to listen (the tests then start it again on another port)."""

    def __init__(self, server: str, reason: str, port_taken: bool = False) -> None:
        super().__init__(f"{server}: {reason}")
        self.server, self.reason, self.port_taken = server, reason, port_taken


class Log:
    """A server's log file, and where this start's lines begin in it (the file is appended to)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    def text(self) -> str:
        try:
            with self.path.open("rb") as f:
                f.seek(self.start)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def failure(self, server: str, what: str, address: str) -> StartFailed:
        """Why the server did not start: `what` happened, with the log's last lines; a port taken when
        the server tried to listen is said first (Rasa, Sanic, PostgreSQL, Redis and nginx all log
        "address already in use")."""
        text = self.text()
        taken = "address already in use" in text.lower()
        reason = f"{address} is already in use (taken after the check); {what}" if taken else what
        lines = [line for line in text.splitlines() if line.strip()]
        # From the last line that says what went wrong (what follows it is its detail), else the last few.
        marks = [i for i, line in enumerate(lines) if _TROUBLE.search(line)]
        tail = lines[marks[-1] if marks else max(0, len(lines) - 6):][:12]
        if tail:
            reason += f"; {self.path} ends:\n    " + "\n    ".join(tail)
        return StartFailed(server, reason, taken)


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on `host:port` (bound as the servers bind: SO_REUSEADDR, so connections
    still closing do not count)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def busy_port(s: Settings) -> Optional[str]:
    """One line naming the first of the servers' ports that is already taken, and its variable; else None."""
    for name in ("action_port", "rasa_port", "web_port"):
        port, var = getattr(s, name), ENV_NAMES[name]
        if port_in_use(s.host, port):
            return (f"{var}: port {port} on {s.host} is already in use (another `make run`?); "
                    f"stop what holds it or set {var} to a free port")
    return None


def spawn(cmd: List[str], s: Settings, track: Optional[List[subprocess.Popen]], **kwargs: Any) -> subprocess.Popen:
    """Start a server in a process group of its own (so that `stop` reaches anything it starts), and add it
    to `track` at once: a signal that comes while it starts still finds it."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=s.env(), start_new_session=True, **kwargs)
    if track is not None:
        track.append(proc)
    return proc


def started(proc: subprocess.Popen, track: Optional[List[subprocess.Popen]], url: str,
             ready: Callable[[bytes], bool], timeout: float = 180.0, server: str = "server",
             log: Optional[Log] = None, address: str = "") -> subprocess.Popen:
    """`proc` once `url` says it is ready; stopped again if it never is and nobody else tracks it. A server
    that exits first, or is not ready within `timeout`, raises `StartFailed` naming `server` and why."""
    try:
        try:
            wait_for(url, proc, timeout, ready)
        except RuntimeError:
            proc.wait()
            what = f"exited with {proc.returncode} during start-up"
            raise (log.failure(server, what, address) if log else StartFailed(server, what)) from None
        except TimeoutError:
            what = f"not ready within {timeout:.0f} s ({url})"
            raise (log.failure(server, what, address) if log else StartFailed(server, what)) from None
    except BaseException:
        if track is None:
            stop([proc])
        raise
    return proc


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """`sig` to the process group `proc` leads, or to `proc` alone when it leads none (started without a
    session of its own, e.g. by the tests' cluster runner)."""
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(procs: List[subprocess.Popen], grace: Optional[float] = None) -> None:
    """Stop servers: SIGTERM to each one's process group, then SIGKILL to those still there after `grace`
    seconds (STOP_GRACE_SECONDS). SIGTERM, not SIGINT: a process started in the background ignores SIGINT."""
    if grace is None:
        grace = settings().stop_grace_seconds
    for p in procs:
        if p.returncode is None:  # not reaped yet: its process group id is still its own
            _signal_group(p, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(p, signal.SIGKILL)
            p.wait()
