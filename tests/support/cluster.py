"""The deploy/ topology as real processes on this machine, for the tests and the benchmark.

PostgreSQL and Redis on free loopback ports in a temporary folder, an action server, several Rasa
replicas configured only by `deploy/endpoints.production.yml` and environment variables, and nginx with
`deploy/nginx.conf` in front (its container host names replaced by loopback addresses).

    python -m tests.support.cluster --replicas 2      # run it by hand; Ctrl-C stops everything
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from bot.ops.processes import Log, StartFailed
from tests.support.servers import (ROOT, Settings, free_port, retrying, start_action_server, start_rasa,
                                   stop)

DEPLOY = ROOT / "deploy"
ENDPOINTS = DEPLOY / "endpoints.production.yml"
CREDENTIALS = DEPLOY / "credentials.production.yml"
NGINX_CONF = DEPLOY / "nginx.conf"
REPLICA_NAMES = "abcdefgh"
# As in docker-compose.yml: each replica keeps few PostgreSQL connections (Rasa's default is 50 + 100).
POOL = {"SQL_POOL_SIZE": "10", "SQL_MAX_OVERFLOW": "10"}
# What a replica must be given besides its stores (bot/ops/deployed.py): the one secret all replicas share.
REPLICA = {"SESSION_SECRET": "cluster-session-secret"}


class MissingServer(RuntimeError):
    """A server program the topology needs is not installed."""


def _program(name: str, package: str, candidates: Tuple[str, ...] = ()) -> str:
    for path in (shutil.which(name), *candidates):
        if path and os.access(path, os.X_OK):
            return path
    raise MissingServer(f"{name} not found: install Debian's {package} (apt-get install {package}; .ci/run does)")


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    return Path(_program("pg_ctl", "postgresql")).parent


def wait_for_port(port: int, proc: Optional[subprocess.Popen] = None, timeout: float = 30.0,
                  answers: Callable[[], bool] = lambda: True) -> None:
    """Until something listens on `port` and `answers()` says it is `proc` (not whatever else took the
    port); fail early if `proc` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            if answers():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{proc.args[0] if proc else 'the server'} did not answer on 127.0.0.1:{port} "
                       f"after {timeout:.0f} s")


def on_free_ports(server: str, owner: Any, ports: Sequence[str], start: Callable[[], None], log: Path) -> None:
    """`start()`; while it fails and the server's `log` says its port was taken (between `free_port` and
    its bind), again with fresh ports in the attributes `ports` of `owner`."""
    def attempt() -> None:
        mark = Log(log)
        try:
            start()
        except (RuntimeError, TimeoutError) as error:
            address = ", ".join(f"port {getattr(owner, name)}" for name in ports)
            failure = mark.failure(server, str(error), address)
            if failure.port_taken:
                for name in ports:
                    setattr(owner, name, free_port())
            raise failure from error

    retrying(attempt)


def children(pid: int) -> Set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


@dataclass
class Postgres:
    """A PostgreSQL server of its own, as the `postgres` user when we are root (it refuses to run as root)."""

    home: Path
    port: int = field(default_factory=free_port)
    db: str = "rasa"
    user: str = "rasa"
    password: str = "rasa-local-password"

    def __post_init__(self) -> None:
        self.bin = postgres_bin()
        self.as_owner: List[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.home, owner.pw_uid, owner.pw_gid)
            self.as_owner = [_program("runuser", "util-linux"), "-u", "postgres", "--"]

    def _run(self, *cmd: str) -> str:
        done = subprocess.run([*self.as_owner, *cmd], cwd=self.home, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd[:2])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done.stdout

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.home / "data"), "-U", "postgres", "-E", "UTF8",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        # The first start may move to another port; a later `start` (a restart) keeps the one it had.
        on_free_ports("PostgreSQL", self, ["port"], self.start, self.home / "postgres.log")
        self.psql(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'")
        self.psql(f"CREATE DATABASE {self.db} OWNER {self.user}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -h 127.0.0.1"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.home / "data"), "-l", str(self.home / "postgres.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.home / "data"), "-m", mode, "-w", "stop")

    def psql(self, sql: str, db: str = "postgres") -> str:
        return self._run(str(self.bin / "psql"), "-h", str(self.home), "-p", str(self.port), "-U", "postgres",
                         "-d", db, "-v", "ON_ERROR_STOP=1", "-Atc", sql)

    def env(self) -> Dict[str, str]:
        return {"DB_HOST": "127.0.0.1", "DB_PORT": str(self.port), "DB_DATABASE": self.db,
                "DB_USER": self.user, "DB_PASSWORD": self.password}

    def query(self, sql: str, *params: Any) -> List[Tuple[Any, ...]]:
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=self.port, dbname=self.db, user=self.user,
                              password=self.password, connect_timeout=5) as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        conn.close()
        return rows


@contextlib.contextmanager
def temporary_postgres(prefix: str) -> Iterator[Postgres]:
    """A PostgreSQL server of its own in a temporary folder, stopped and removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(home, 0o755)  # PostgreSQL runs as its own user when we are root
    (home / "postgres").mkdir()
    server = Postgres(home / "postgres")
    try:
        server.init()
        yield server
    finally:
        try:
            server.stop("immediate")
        finally:
            shutil.rmtree(home, ignore_errors=True)


@dataclass
class Redis:
    """A Redis server of its own, nothing persisted."""

    home: Path
    port: int = field(default_factory=free_port)
    password: str = "redis-local-password"
    proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        on_free_ports("Redis", self, ["port"], self._start, self.home / "redis.log")

    def _start(self) -> None:
        cmd = [_program("redis-server", "redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--requirepass", self.password, "--dir", str(self.home),
               "--logfile", str(self.home / "redis.log")]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, self.proc, answers=self._answers)
        except BaseException:
            stop([self.proc])
            raise

    def _answers(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=1,
                             socket_connect_timeout=1)  # what holds the port may never answer
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc:
            stop([self.proc])

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, db=1)

    def env(self) -> Dict[str, str]:
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.port), "REDIS_PASSWORD": self.password}


def assemble_web_root(dest: Path) -> Path:
    """The files nginx serves as the web chat page, as deploy/nginx.Dockerfile assembles them: bot/web/,
    the socket.io client, and config.js calling the server the page came from."""
    from bot.ops.webchat import FILES, page_config

    dest.mkdir(parents=True, exist_ok=True)
    for url, (file, _) in FILES.items():
        if url != "/" and file.is_file():
            shutil.copyfile(file, dest / url.lstrip("/"))
    shutil.copyfile(FILES["/"][0], dest / "index.html")
    (dest / "config.js").write_bytes(page_config(""))
    return dest


def render_nginx_conf(text: str, upstreams: Dict[str, int], listen: Dict[int, int], web_root: Path,
                      temp_dir: Path) -> str:
    """deploy/nginx.conf for loopback: `host:port` servers become 127.0.0.1 ports (or go when not
    running), listened-on ports move to free ones, and the web root and temporary files move here."""

    def server(m: re.Match) -> str:
        port = upstreams.get(m.group(2))
        return f"{m.group(1)}127.0.0.1:{port}{m.group(3)}\n" if port else ""

    text = re.sub(r"^([ \t]*server[ \t]+)([a-z][\w.-]*:\d+)([^;\n]*;)[ \t]*\n", server, text, flags=re.M)
    text = re.sub(r"\blisten\s+(\d+)\s*;", lambda m: f"listen 127.0.0.1:{listen[int(m.group(1))]};", text)
    text = re.sub(r"\broot\s+\S+;", f"root {web_root};", text)
    text = re.sub(r"\binclude\s+(mime\.types);", r"include /etc/nginx/\1;", text)
    temp = "".join(f"    {kind}_temp_path {temp_dir / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return re.sub(r"^http\s*{\n", lambda m: m.group(0) + temp, text, count=1, flags=re.M)


@dataclass
class Nginx:
    """nginx running deploy/nginx.conf, rendered for loopback."""

    home: Path
    upstreams: Dict[str, int]
    port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_conf(self) -> Path:
        (self.home / "temp").mkdir(exist_ok=True)
        conf = self.home / "nginx.conf"
        conf.write_text(render_nginx_conf(NGINX_CONF.read_text(), self.upstreams,
                                          {80: self.port, 5055: self.actions_port},
                                          assemble_web_root(self.home / "web"), self.home / "temp"))
        return conf

    def command(self, *extra: str) -> List[str]:
        directives = f"pid {self.home}/nginx.pid; error_log {self.home}/error.log info;"
        if os.geteuid() == 0:
            directives += " user root;"  # workers read the web root and write the temporary files here
        return [_program("nginx", "nginx", ("/usr/sbin/nginx",)), "-e", str(self.home / "error.log"),
                "-c", str(self.write_conf()), "-g", directives, *extra]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t`: the configuration parses and every path and upstream in it resolves."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True)

    def start(self) -> None:
        on_free_ports("nginx", self, ["port", "actions_port"], self._start, self.home / "error.log")

    def _start(self) -> None:
        log = open(self.home / "access.log", "ab")
        self.proc = subprocess.Popen(self.command("-g", "daemon off;"), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            for port in (self.port, self.actions_port):
                wait_for_port(port, self.proc, answers=lambda port=port: self._answers(port))
        except BaseException:
            stop([self.proc])
            raise

    def _answers(self, port: int) -> bool:
        """nginx itself answers on `port` (its Server header), whatever its upstream says."""
        import requests

        try:
            return requests.get(f"http://127.0.0.1:{port}/", timeout=2).headers.get("Server", "").startswith("nginx")
        except requests.RequestException:
            return False

    def reload(self, timeout: float = 30.0) -> None:
        """Take a new configuration (`upstreams` changed): SIGHUP, then until the workers that had the old
        one are gone and new ones run (nginx starts new workers and lets the old ones finish)."""
        assert self.proc is not None
        self.write_conf()
        old = children(self.proc.pid)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while True:
            now = children(self.proc.pid)
            if now and not now & old:
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not reload within {timeout:.0f} s; see {self.home / 'error.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            self.proc.wait(timeout=15)

    def access_log(self) -> List[Tuple[str, str]]:
        """(request line, upstream) of every request; the upstream is `host:port`, several separated by
        ", " when nginx tried more than one, or "-" when nginx answered itself."""
        pattern = re.compile(r'"([^"]*)" \d+ \d+ upstream="([^"]*)"')
        lines = (self.home / "access.log").read_text().splitlines()
        return [m.groups() for m in map(pattern.search, lines) if m]

    def logged(self, wanted: Callable[[str], bool], timeout: float = 10.0) -> bool:
        """Whether a request line `wanted` accepts reaches the access log within `timeout` seconds: nginx logs
        a proxied websocket only once the connection has closed on both sides, a moment after the client
        disconnects."""
        deadline = time.monotonic() + timeout
        while True:
            if any(wanted(request) for request, _ in self.access_log()):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


class Cluster:
    """PostgreSQL, Redis, one action server, N Rasa replicas and nginx, all on loopback."""

    def __init__(self, replicas: int = 2, env: Optional[Dict[str, str]] = None, api_token: str = "cluster-token"):
        self.home = Path(tempfile.mkdtemp(prefix="amex-cluster-"))
        os.chmod(self.home, 0o755)
        for part in ("postgres", "redis", "nginx", "log"):
            (self.home / part).mkdir()
        self.postgres = Postgres(self.home / "postgres")
        self.redis = Redis(self.home / "redis")
        self.action_port = free_port()
        self.names = [f"rasa-{REPLICA_NAMES[i]}" for i in range(replicas)]
        self.rasa_ports = {name: free_port() for name in self.names}
        self.nginx = Nginx(self.home / "nginx", self.upstreams())
        self.extra_env, self.api_token = env or {}, api_token
        # Known once PostgreSQL, Redis and nginx listen (each may have moved to another port).
        self.env: Dict[str, str] = {}
        self.settings: Dict[str, Settings] = {}
        self.actions: Optional[subprocess.Popen] = None
        self.replicas: Dict[str, subprocess.Popen] = {}
        self._moving = threading.Lock()

    def upstreams(self) -> Dict[str, int]:
        """deploy/nginx.conf's upstream servers (`host:port`) -> the loopback port each runs on here."""
        return {f"{n}:5005": port for n, port in self.rasa_ports.items()} | {"actions-a:5055": self.action_port}

    def url(self, name: str) -> str:
        return self.settings[name].rasa_url

    def replica_settings(self, name: str) -> Settings:
        return Settings(rasa_port=self.rasa_ports[name], action_port=self.action_port,
                        log_dir=self.home / "log" / name, model=ROOT / "models", endpoints=ENDPOINTS,
                        credentials=CREDENTIALS, api_token=self.api_token, state_dir=self.home / name,
                        extra_env=self.env)

    def start(self) -> "Cluster":
        try:
            self.postgres.init()
            self.redis.start()
            self.env = {**self.postgres.env(), **self.redis.env(), **POOL, **REPLICA, **self.extra_env}
            self.actions = retrying(self._start_actions)
            self.nginx.upstreams = self.upstreams()
            self.nginx.start()
            self.env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{self.nginx.actions_port}/webhook"
            self.env.update(self.extra_env)
            self.settings = {name: self.replica_settings(name) for name in self.names}
            self.start_replicas(*self.names)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_actions(self) -> subprocess.Popen:
        try:
            return start_action_server(Settings(action_port=self.action_port, log_dir=self.home / "log",
                                                extra_env=self.env))
        except StartFailed as error:
            if error.port_taken:
                self.action_port = free_port()
            raise

    def _start_replica(self, name: str) -> subprocess.Popen:
        """A replica on its port, or on a fresh one (nginx reloaded to match) if its was taken."""
        try:
            return start_rasa(self.settings[name])
        except StartFailed as error:
            if error.port_taken:
                with self._moving:
                    self.rasa_ports[name] = free_port()
                    self.settings[name] = dataclasses.replace(self.settings[name], rasa_port=self.rasa_ports[name])
                    self.nginx.upstreams = self.upstreams()
                    self.nginx.reload()
            raise

    def start_replicas(self, *names: str) -> None:
        """Start replicas side by side (each loads the model, the slow part)."""
        with ThreadPoolExecutor(len(names) or 1) as pool:
            futures = {name: pool.submit(retrying, lambda name=name: self._start_replica(name)) for name in names}
        failures = [f.exception() for f in futures.values() if f.exception()]
        # Keep every replica that did start, so that stop() ends it even when another failed.
        self.replicas.update({name: f.result() for name, f in futures.items() if not f.exception()})
        if failures:
            raise failures[0]

    def stop_replica(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.replicas.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def ensure_replicas(self) -> None:
        """Start again the replicas that were stopped."""
        self.start_replicas(*[n for n in self.names if n not in self.replicas or self.replicas[n].poll() is not None])

    def events(self, sender_id: str) -> List[Tuple[str, Dict[str, Any]]]:
        """The conversation's events as PostgreSQL holds them, in order."""
        import json

        rows = self.postgres.query("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", sender_id)
        return [(type_name, json.loads(data)) for type_name, data in rows]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted((self.home / "log").rglob("*.log")))

    def stop(self) -> None:
        stop(list(self.replicas.values()) + ([self.actions] if self.actions else []))
        self.replicas.clear()
        for part in (self.nginx, self.redis):
            try:
                part.stop()
            except Exception:  # noqa: BLE001 - stopping the rest matters more
                pass
        try:
            self.postgres.stop("immediate")
        except RuntimeError:
            pass  # never started, or already stopped

    def remove(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def running(replicas: int = 2, env: Optional[Dict[str, str]] = None) -> Iterator[Cluster]:
    """A started cluster, stopped and removed afterwards (a generator for fixtures and `with`)."""
    cluster = Cluster(replicas, env)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        cluster.remove()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    cluster = Cluster(args.replicas)
    try:
        cluster.start()
        print(f"\nUp: {args.replicas} Rasa replicas behind nginx at {cluster.nginx.url} "
              f"(REST webhook {cluster.nginx.url}/webhooks/rest/webhook); state in {cluster.home}\n"
              "Press Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in cluster.replicas.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
        cluster.remove()


if __name__ == "__main__":
    main()
