"""Run Rasa's NLU and policy graphs in a fixed order instead of through dask for every message.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.
"""

from __future__ import annotations


from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner


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


def install() -> None:
    DaskGraphRunner.run = _run_graph  # type: ignore[method-assign]
