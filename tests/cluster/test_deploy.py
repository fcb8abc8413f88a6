"""deploy/ checked offline: the compose file against the Compose Specification's schema, the topology it
describes, the Dockerfiles, nginx's configuration with `nginx -t`, the endpoints as Rasa reads them, and
the Helm values. tests/test_scaling.py runs the same topology with real processes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.support.cluster import CREDENTIALS, DEPLOY, ENDPOINTS, NGINX_CONF, Nginx
from tests.support.servers import ROOT

SCHEMA = Path(__file__).parents[1] / "data" / "compose-spec" / "compose-spec.json"
RASA = ("rasa-a", "rasa-b")
ACTIONS = ("actions-a", "actions-b")
ENV_VARS = {"ACTION_ENDPOINT_URL": "http://actions:5055/webhook", "DB_HOST": "postgres", "DB_PORT": "5432",
            "DB_DATABASE": "rasa", "DB_USER": "rasa", "DB_PASSWORD": "secret", "REDIS_HOST": "redis",
            "REDIS_PORT": "6379", "REDIS_PASSWORD": "secret"}


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def variables(path: Path) -> Set[str]:
    return set(re.findall(r"\$\{(\w+)\}", path.read_text()))


def dockerfile(name: str) -> List[List[str]]:
    """The instructions of deploy/<name>, continuation lines joined, as [INSTRUCTION, rest]."""
    text = re.sub(r"\\\n", " ", (DEPLOY / name).read_text())
    return [line.split(None, 1) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_compose_file_follows_the_compose_specification(compose: Dict[str, Any]) -> None:
    errors = sorted(Draft202012Validator(json.loads(SCHEMA.read_text())).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_compose_runs_the_documented_topology(compose: Dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "nginx", *RASA, *ACTIONS}
    assert [name for name, s in services.items() if s.get("ports")] == ["nginx"]  # the only way in
    for name in RASA:
        rasa = services[name]
        assert rasa["build"] == {"context": "..", "dockerfile": "deploy/rasa.Dockerfile"}
        # Every variable of the production endpoints is set (Rasa refuses to start otherwise).
        assert variables(ENDPOINTS) <= set(rasa["environment"])
        assert rasa["environment"]["ACTION_ENDPOINT_URL"] == "http://nginx:5055/webhook"
        assert rasa["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                      "redis": {"condition": "service_healthy"}}
        assert "healthcheck" in rasa
    for name in ACTIONS:
        assert services[name]["build"]["dockerfile"] == "deploy/actions.Dockerfile"
    assert set(services["nginx"]["depends_on"]) == {*RASA, *ACTIONS}
    for name, service in services.items():
        assert "healthcheck" in service or name == "nginx"
        if "build" in service:
            assert (ROOT / "deploy" / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    # The passwords only come from deploy/.env, whose example lists them.
    example = (DEPLOY / ".env.example").read_text()
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert f"${{{secret}:?" in (DEPLOY / "docker-compose.yml").read_text() and f"{secret}=" in example


def test_nginx_balances_exactly_the_compose_services(compose: Dict[str, Any]) -> None:
    conf = NGINX_CONF.read_text()
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", conf, flags=re.S))
    servers = {name: re.findall(r"server ([\w.-]+:\d+)", body) for name, body in upstreams.items()}
    assert servers == {"rasa": [f"{n}:5005" for n in RASA], "rasa_socketio": [f"{n}:5005" for n in RASA],
                       "actions": [f"{n}:5055" for n in ACTIONS]}
    assert set(re.findall(r"listen (\d+);", conf)) == {"80", "5055"}
    for location, upstream in (("/webhooks/", "rasa"), ("/socket.io/", "rasa_socketio")):
        assert re.search(rf"location {re.escape(location)} \{{\s*proxy_pass http://{upstream};", conf)
    # Only the channels reach the replicas: /metrics and the probes are not served publicly.
    proxied = re.findall(r"location ([^{]+?) \{\s*proxy_pass http://(rasa\w*);", conf)
    assert sorted(loc for loc, _ in proxied) == ["/socket.io/", "/webhooks/"]
    assert re.search(r"location ~ \^/\(metrics\|health\)\(/\|\$\) \{\s*return 404;", conf)


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = Nginx(tmp_path, {f"{name}:{port}": 1 for name, port in
                             [*((n, 5005) for n in RASA), *((n, 5055) for n in ACTIONS)]})
    check = nginx.check()
    assert check.returncode == 0 and "test is successful" in check.stderr, check.stderr


def test_dockerfiles_build_on_the_projects_own_files() -> None:
    for name in ("rasa.Dockerfile", "actions.Dockerfile", "nginx.Dockerfile"):
        steps = dockerfile(name)
        assert steps[0][0] == "FROM"
        for instruction, rest in steps:
            if instruction == "COPY" and not rest.startswith("--from"):
                for source in rest.split()[:-1]:
                    assert (ROOT / source).exists(), f"{name}: COPY {source}: no such file in the repository"
    for name in ("rasa.Dockerfile", "actions.Dockerfile"):
        steps = dockerfile(name)
        assert steps[0] == ["FROM", "python:3.10-slim-bookworm"]  # Rasa 3.6 needs Python 3.10
        assert ["COPY", "requirements.txt constraints.txt ./"] in steps
        assert any(i == "RUN" and "pip install -r requirements.txt -c constraints.txt" in r for i, r in steps)
    for name in ("rasa.Dockerfile", "actions.Dockerfile"):
        entrypoint = json.loads(dict(dockerfile(name))["ENTRYPOINT"])
        if entrypoint[:2] == ["python", "-m"]:
            assert (ROOT / (entrypoint[2].replace(".", "/") + ".py")).is_file()
    command = json.loads(dict(dockerfile("rasa.Dockerfile"))["CMD"])
    assert command[command.index("--endpoints") + 1] == "deploy/endpoints.production.yml"
    assert command[command.index("--credentials") + 1] == "deploy/credentials.production.yml"


def test_production_endpoints_as_rasa_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.exceptions import RasaException

    for var, value in ENV_VARS.items():
        monkeypatch.setenv(var, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ENDPOINTS))
    tracker, lock = endpoints.tracker_store, endpoints.lock_store
    assert (tracker.type, tracker.url, tracker.kwargs["dialect"], tracker.kwargs["db"]) == \
        ("bot.stores.postgres.PostgresTrackerStore", "postgres", "postgresql", "rasa")
    assert (lock.type, lock.url, lock.kwargs["port"], lock.kwargs["password"]) == \
        ("bot.stores.redis_lock.AtomicRedisLockStore", "redis", "6379", "secret")
    from rasa.core.lock_store import LockStore

    from bot.stores.redis_lock import AtomicRedisLockStore

    store = LockStore.create(lock)  # as Rasa builds it (Redis is only reached on first use)
    assert isinstance(store, AtomicRedisLockStore) and store.key_prefix == "amexcare:lock:"
    assert endpoints.action.url == "http://actions:5055/webhook"
    monkeypatch.delenv("DB_PASSWORD")
    with pytest.raises(RasaException, match="DB_PASSWORD"):
        AvailableEndpoints.read_endpoints(str(ENDPOINTS))


def test_make_run_keeps_the_embedded_sqlite_store() -> None:
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["dialect"] == "sqlite" and "lock_store" not in endpoints


def test_helm_values_configure_the_same_stores_and_channels() -> None:
    values = yaml.safe_load((DEPLOY / "helm-values.yml").read_text())
    production = yaml.safe_load(ENDPOINTS.read_text())
    chart = values["applicationSettings"]["endpoints"]
    for ours, theirs in (("tracker_store", "trackerStore"), ("lock_store", "lockStore")):
        expected = {k: str(v) for k, v in production[ours].items() if k != "query"}
        assert {k: str(v) for k, v in chart[theirs].items() if k in expected} == expected
        assert chart[theirs]["enabled"] is True
    assert values["applicationSettings"]["credentials"]["additionalChannelCredentials"] == \
        yaml.safe_load(CREDENTIALS.read_text())
    assert values["replicaCount"] == 2 and values["rasa-action-server"]["replicaCount"] == 2


def test_helm_values_probe_and_scrape_the_ops_endpoints() -> None:
    values = yaml.safe_load((DEPLOY / "helm-values.yml").read_text())
    assert values["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": 5005}
    assert values["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": 5005}
    assert values["podAnnotations"]["prometheus.io/path"] == "/metrics"
    actions = values["rasa-action-server"]
    assert actions["readinessProbe"]["httpGet"] == {"path": "/health", "port": 5055}
    # The actions image's entry point (bot/ops/action_server.py) takes `rasa run actions`' options.
    assert json.loads(dict(dockerfile("actions.Dockerfile"))["ENTRYPOINT"]) == ["python", "-m", "bot.ops.action_server"]
    assert actions["args"] == json.loads(dict(dockerfile("actions.Dockerfile"))["CMD"])
    from bot.ops.probes import OpsInput

    assert f"{OpsInput.__module__}.{OpsInput.__name__}" in yaml.safe_load(CREDENTIALS.read_text())


# --- safe defaults (issue 20, part 6) ---------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(text: str, env: Dict[str, str]) -> str:
    """Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` (an error when
    unset or empty), `${VAR?error}`; `$$` is a literal `$`."""

    def one(match: "re.Match[str]") -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        value = env.get(name)
        empty = value is None or (value == "" and op and op.startswith(":"))
        if op in (":?", "?") and empty:
            raise ValueError(f"{name}: {arg}")
        if op in (":-", "-") and empty:
            return arg
        return value or ""

    return _VARIABLE.sub(one, text.replace("$$", "\0")).replace("\0", "$$")


SECRETS = {"POSTGRES_PASSWORD": "pg-secret", "REDIS_PASSWORD": "redis-secret", "SESSION_SECRET": "session-secret"}


def test_compose_has_no_default_secret_and_does_not_start_without_one() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    for name, op, _ in _VARIABLE.findall(text):
        if re.search(r"PASSWORD|SECRET|TOKEN", name):
            assert op == ":?", f"${{{name}}} must be required (${{{name}:?...}}), not defaulted"
    for missing in SECRETS:
        with pytest.raises(ValueError, match=missing):
            interpolate(text, {k: v for k, v in SECRETS.items() if k != missing})
        with pytest.raises(ValueError, match=missing):
            interpolate(text, {**SECRETS, missing: ""})
    # The example holds no password to copy.
    example = dict(line.split("=", 1) for line in (DEPLOY / ".env.example").read_text().splitlines()
                   if "=" in line and not line.startswith("#"))
    assert set(SECRETS) <= set(example) and all(example[k] == "" for k in SECRETS)


def test_compose_rendered_sets_origins_proxy_hops_and_retention(compose: Dict[str, Any]) -> None:
    rendered = yaml.safe_load(interpolate((DEPLOY / "docker-compose.yml").read_text(), SECRETS))
    errors = list(Draft202012Validator(json.loads(SCHEMA.read_text())).iter_errors(rendered))
    assert not errors, errors
    for name in RASA:
        env = rendered["services"][name]["environment"]
        assert env["DB_PASSWORD"] == "pg-secret" and env["REDIS_PASSWORD"] == "redis-secret"
        assert env["SESSION_SECRET"] == "session-secret"
        assert env["CORS_ORIGINS"] == "http://localhost:8080" and "*" not in env["CORS_ORIGINS"]
        assert env["TRUSTED_PROXY_HOPS"] == "1"  # nginx is in front
        assert int(env["RETENTION_DAYS"]) == 90
    custom = yaml.safe_load(interpolate((DEPLOY / "docker-compose.yml").read_text(),
                                        {**SECRETS, "CORS_ORIGINS": "https://chat.example.com"}))
    assert custom["services"]["rasa-a"]["environment"]["CORS_ORIGINS"] == "https://chat.example.com"
    # Only nginx is published, and it does not route /metrics, /health/* or the erasure endpoint.
    conf = NGINX_CONF.read_text()
    assert re.search(r"location /webhooks/rest/conversations/ \{\s*return 404;", conf)
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf


def _walk(node: Any, path: str = "") -> Iterator[Tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")
    else:
        yield path, node


def test_helm_values_have_no_default_password_and_take_every_secret_from_a_required_secret() -> None:
    values = yaml.safe_load((DEPLOY / "helm-values.yml").read_text())
    for path, value in _walk(values):
        if re.search(r"password|secret|token", path.rsplit(".", 1)[-1], re.I) and "existingSecret" not in path:
            assert value in ("", None) or str(value).startswith("${"), f"{path} = {value!r}: a default secret"
    assert values["global"]["postgresql"]["existingSecret"] == "amex-care-secrets"
    assert values["redis"]["auth"]["existingSecret"] == "amex-care-secrets"
    env = {e["name"]: e for e in values["extraEnv"]}
    for name in ("SESSION_SECRET", "CORS_ORIGINS"):  # required: no value, a key of the secret
        assert "value" not in env[name] and env[name]["valueFrom"]["secretKeyRef"]["name"] == "amex-care-secrets"
    assert env["TRUSTED_PROXY_HOPS"]["value"] == "1" and int(env["RETENTION_DAYS"]["value"]) == 90
    assert values["applicationSettings"]["cors"] != "*" and values["applicationSettings"]["enableAPI"] is False


def test_helm_ingress_routes_only_the_channels() -> None:
    ingress = yaml.safe_load((DEPLOY / "helm-values.yml").read_text())["ingress"]
    paths = [p for host in ingress["hosts"] for p in host["paths"]]
    assert sorted(paths) == ["/socket.io/", "/webhooks/"]
    snippet = ingress["annotations"]["nginx.ingress.kubernetes.io/server-snippet"]
    assert "location ~ ^/(metrics|health)(/|$) { return 404; }" in snippet
    assert "location /webhooks/rest/conversations/ { return 404; }" in snippet


def test_a_production_server_does_not_start_without_its_settings_and_cors_is_one_setting() -> None:
    from bot.ops.deployed import production_problem, with_cors

    command = ["run", *json.loads(dict(dockerfile("rasa.Dockerfile"))["CMD"])[1:]]
    good = {"CORS_ORIGINS": "https://chat.example.com", "SESSION_SECRET": "s"}
    assert production_problem(command, good) is None
    for name in good:
        assert name in (production_problem(command, {k: v for k, v in good.items() if k != name}) or "")
    assert "'*'" in (production_problem(command, {**good, "CORS_ORIGINS": "*"}) or "")
    assert production_problem(["run", "--endpoints", "endpoints.yml"], {}) is None  # make run
    # Rasa's chart passes `--cors "*"`: CORS_ORIGINS replaces it.
    chart = ["run", "--enable-api", "--cors", "*", "--port", "5005"]
    assert with_cors(chart, good) == ["run", "--enable-api", "--port", "5005", "--cors", "https://chat.example.com"]
    assert with_cors(command, good)[-2:] == ["--cors", "https://chat.example.com"]


def test_socketio_takes_its_allowed_origins_from_cors_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.channels.socketio import GuardedSocketIOInput
    from bot.settings import settings

    monkeypatch.setenv("CORS_ORIGINS", "https://chat.example.com https://www.example.com")
    settings.cache_clear()
    try:
        channel = GuardedSocketIOInput.from_credentials(yaml.safe_load(CREDENTIALS.read_text())[
            "bot.channels.socketio.GuardedSocketIOInput"])
        assert channel.allowed_origins == ["https://chat.example.com", "https://www.example.com"]
    finally:
        settings.cache_clear()
