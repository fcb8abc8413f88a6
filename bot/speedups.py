"""Work Rasa repeats for every message that can be done once: measured fixes for Rasa 3.6.21.

Each fix replaces one Rasa function with one that gives the same results, and was chosen from a
profile of the server under load (docs/performance.md says what each one saves). `bot/rasa_cli.py`
applies them before Rasa starts; `RASA_SPEEDUPS=none` (or a comma-separated list of names) turns
them off or picks some, to measure each one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from typing import Any, Callable, Dict, List, Optional, Text, Tuple, Type
from weakref import WeakKeyDictionary

import aiohttp
import jsonschema
import numpy as np
import scipy.sparse
import ujson
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------ action-server response check
@functools.lru_cache(maxsize=None)
def _validator(part: str) -> Any:
    """Rasa's schema for action-server responses ("response") or for one event ("event"), checked
    against the meta-schema and compiled once."""
    schema = RemoteAction.action_response_format_spec()
    if part == "event":
        schema = schema["properties"]["events"]["items"]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


_valid_events: Dict[str, bool] = {}


def _event_is_valid(event: Any) -> bool:
    """An event's verdict depends only on its content, and an action server sends the same few
    events again and again: each distinct one is checked once (at most 10,000 remembered)."""
    key = json.dumps(event, sort_keys=True)
    verdict = _valid_events.get(key)
    if verdict is None:
        verdict = _validator("event").is_valid(event)
        if len(_valid_events) < 10_000:
            _valid_events[key] = verdict
    return verdict


def _response_is_valid(result: Any) -> bool:
    """The schema's verdict: `events` is an array of valid events, and the rest of the response is
    valid (checked with an empty `events`)."""
    events = result.get("events") if isinstance(result, dict) else None
    if not isinstance(events, list):
        return _validator("response").is_valid(result)
    return _validator("response").is_valid({**result, "events": []}) and all(map(_event_is_valid, events))


_rasa_validate_action_result = RemoteAction._validate_action_result


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa checks every action-server response with `jsonschema.validate`, which first checks the
    schema itself against the JSON-Schema meta-schema (about 35 ms, twice per turn here), then walks
    the 23 alternatives of its event schema for every event. A valid response passes the compiled
    schema, event by event; an invalid one goes on to Rasa's own check, so it fails with Rasa's
    exact error."""
    if _response_is_valid(result):
        return True
    return _rasa_validate_action_result(self, result)


def _install_action_response_check() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


# ------------------------------------------------------------------------- event type lookup
_rasa_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Rasa finds an event's class by walking every subclass of `Event` (with `inspect.isabstract`
    on each) for every event it reads from the tracker store or the action server; the answer
    for a type name never changes once the classes are imported, so it is remembered."""
    cls = _event_classes.get(type_name)
    if cls is None:
        cls = _rasa_resolve_by_type(type_name, default)
        if cls is not None and cls is not default:
            _event_classes[type_name] = cls
    return cls


def _install_event_lookup() -> None:
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[assignment]


# ------------------------------------------------------------- keep-alive to the action server
# One connection pool per event loop (the server has one), shared by the short-lived sessions
# Rasa creates for every request: connections to the action server stay open between calls. An idle
# connection is dropped after 3 s, before the action server (Sanic: 5 s) would close it under us.
KEEP_ALIVE_S = 3.0
_connectors: "WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.TCPConnector]" = WeakKeyDictionary()


def _shared_connector() -> aiohttp.TCPConnector:
    loop = asyncio.get_running_loop()
    connector = _connectors.get(loop)
    if connector is None or connector.closed:
        connector = _connectors[loop] = aiohttp.TCPConnector(limit=100, keepalive_timeout=KEEP_ALIVE_S)
    return connector


_rasa_session = EndpointConfig.session


def _session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa opens a new `ClientSession`, so a new TCP connection, for every call to the action
    server and closes it afterwards. This is Rasa's session on a connection pool that stays open,
    serialising the request (the whole tracker) with ujson."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # not in a coroutine: no loop to keep a pool on
        return _rasa_session(self)
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    return aiohttp.ClientSession(
        headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=_shared_connector(), connector_owner=False, json_serialize=_dumps,
    )


def _dumps(body: Any) -> str:
    """The request body as JSON: ujson, 2-3x faster than `json.dumps` for a tracker; the same JSON
    value (compact, "/" escaped). Whatever ujson refuses (NaN, huge integers) goes to `json.dumps`."""
    try:
        return ujson.dumps(body)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(body)


def _install_keep_alive() -> None:
    EndpointConfig.session = _session  # type: ignore[method-assign]


# ------------------------------------------------------------------------- graph runner
def _plan(schema: GraphSchema, targets: Tuple[Text, ...]) -> List[Tuple[Text, Tuple[Text, ...]]]:
    """The nodes `targets` need, each after the nodes it needs, with the names of those."""
    order: List[Tuple[Text, Tuple[Text, ...]]] = []
    seen: set = set()

    def visit(name: Text) -> None:
        if name in seen or name not in schema.nodes:
            return
        seen.add(name)
        needs = tuple(schema.nodes[name].needs.values())
        for need in needs:
            visit(need)
        order.append((name, needs))

    for target in targets:
        visit(target)
    return order


def _run_graph(
    self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
) -> Dict[Text, Any]:
    """Rasa runs its NLU and policy graphs (chains of about ten nodes) with dask's scheduler,
    which for every message rebuilds the task graph, orders it and manages state for it. This runs
    the same nodes, with the same inputs and outputs, one after another in an order computed once
    per set of targets."""
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    plans = self.__dict__.setdefault("_sequential_plans", {})
    plan = plans.get(run_targets)
    if plan is None:
        plan = plans[run_targets] = _plan(self._graph_schema, run_targets)
    results: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and any(value == node for node, _ in plan):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                f"names passed to the `run` method are the same as node names in the graph schema."
            )
        results[name] = (name, value)
    try:
        for name, needs in plan:
            if name not in results:  # an input of the same name replaces a node, as with dask
                results[name] = self._instantiated_nodes[name](*(results.get(n, n) for n in needs))
        return dict(results[target] for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


_rasa_run_graph = DaskGraphRunner.run


def _install_sequential_graph() -> None:
    DaskGraphRunner.run = _run_graph  # type: ignore[method-assign]


# ------------------------------------------------------------- logistic-regression intents
def _sentence_features(message: Message, dense: bool) -> Any:
    """The message's sentence-level text features (a matrix, or None), combined as
    `Message.get_*_features` combines them, without also combining its token-level features."""
    features = (message._filter_dense_features if dense else message._filter_sparse_features)(TEXT, [])[1]
    if not dense and len(features) > 1 and all(f.features.shape[0] == 1 for f in features):
        return _hstack_row([f.features.tocoo() for f in features])
    combined = message._combine_features(features, [])
    return combined.features if combined is not None else None


def _hstack_row(blocks: List[Any]) -> Any:
    """`scipy.sparse.hstack` of one-row COO matrices, as `bmat` builds it (the blocks' entries one
    after another, columns shifted), without its general-case checks: a tenth of the time."""
    offsets = np.cumsum([0] + [b.shape[1] for b in blocks[:-1]])
    index = scipy.sparse._sputils.get_index_dtype(maxval=max(1, int(offsets[-1]) + blocks[-1].shape[1]))
    data = np.concatenate([b.data for b in blocks]).astype(scipy.sparse._sputils.upcast(*(b.dtype for b in blocks)))
    row = np.concatenate([b.row for b in blocks]).astype(index)
    col = np.concatenate([b.col.astype(index) + index(o) for b, o in zip(blocks, offsets)])
    return scipy.sparse.coo_matrix((data, (row, col)), shape=(1, int(offsets[-1]) + blocks[-1].shape[1]))


_rasa_create_X = LogisticRegressionClassifier._create_X


def _create_X(self: LogisticRegressionClassifier, messages: List[Message]) -> Any:
    """Rasa's feature matrix for the classifier: per message, its sentence features (stacked with
    dense ones when there are any), then one row per message."""
    rows = []
    for message in messages:
        sparse, dense = _sentence_features(message, dense=False), _sentence_features(message, dense=True)
        if dense is None:
            # Rasa stacks an empty (float) dense block, which makes the row float.
            row = scipy.sparse.csr_matrix(sparse if sparse is not None else [])
            rows.append(row.astype(np.result_type(row.dtype, np.float64)))
        else:
            rows.append(scipy.sparse.hstack([scipy.sparse.csr_matrix(sparse if sparse is not None else []),
                                             scipy.sparse.csr_matrix(dense)]))
    return rows[0] if len(rows) == 1 else scipy.sparse.vstack(rows)


_rasa_lr_process = LogisticRegressionClassifier.process


@functools.wraps(_rasa_lr_process)  # Rasa validates a graph component's `process` by its signature.
def _lr_process(self, messages):  # type: ignore[no-untyped-def]
    """scikit-learn multiplies the sparse features by `coef_.T`; with `coef_` in row-major order
    that transpose is copied for every message (the whole model, 3 MB here). Stored column-major
    once, the product reads it in place: the same numbers, a quarter of the time."""
    coef = getattr(getattr(self, "clf", None), "coef_", None)
    if coef is not None and not coef.flags["F_CONTIGUOUS"]:
        self.clf.coef_ = np.asfortranarray(coef)
    return _rasa_lr_process(self, messages)


def _install_logistic_regression() -> None:
    LogisticRegressionClassifier._create_X = _create_X  # type: ignore[method-assign]
    LogisticRegressionClassifier.process = _lr_process  # type: ignore[method-assign]


# ------------------------------------------------------------------------- empty-domain check
@functools.lru_cache(maxsize=1)
def _empty_domain() -> Dict[Text, Any]:
    return Domain.empty().as_dict()


def _domain_is_empty(self: Domain) -> bool:
    """Rasa asks whether the domain is empty for every message (before warning about unknown
    intents), by building a new empty domain each time to compare with."""
    return self.as_dict() == _empty_domain()


def _install_domain_check() -> None:
    Domain.is_empty = _domain_is_empty  # type: ignore[method-assign]


SPEEDUPS: Dict[str, Callable[[], None]] = {
    "action_response_check": _install_action_response_check,
    "event_lookup": _install_event_lookup,
    "keep_alive": _install_keep_alive,
    "sequential_graph": _install_sequential_graph,
    "logistic_regression": _install_logistic_regression,
    "domain_check": _install_domain_check,
}
_installed: set = set()


def install(names: Optional[str] = None) -> None:
    """Apply the speed-ups named in `names` or `$RASA_SPEEDUPS` ("all", "none" or a list); idempotent."""
    names = names if names is not None else os.environ.get("RASA_SPEEDUPS", "all")
    chosen = SPEEDUPS if names.strip() == "all" else [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in SPEEDUPS and n != "none"]
    if unknown:
        raise ValueError(f"unknown speed-ups {unknown}; known: {', '.join(SPEEDUPS)}")
    for name in chosen:
        if name in SPEEDUPS and name not in _installed:
            SPEEDUPS[name]()
            _installed.add(name)
    logger.info("Rasa speed-ups: %s", ", ".join(sorted(_installed)) or "none")
