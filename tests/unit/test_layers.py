"""The layering of docs/architecture.md, held against the code's imports."""

from tests.support.imports import ROOT, graph, project_edges

# Lower layers first; a module may import only from its own layer or below.
LAYERS = [
    {"bot.settings", "bot.privacy", "bot.privacy.redaction", "bot.privacy.secrets", "bot.privacy.normalise",
     "bot.knowledge", "bot.knowledge.schema", "bot.knowledge.answers", "bot.knowledge.__main__",
     "bot.knowledge.language", "bot.knowledge.aspects", "bot.knowledge.translate", "bot.nlu.gazetteer",
     "bot.dialogue", "bot.dialogue.reading", "bot.dialogue.policy"},                  # domain core, no Rasa
    {"bot.nlu", "bot.nlu.components", "bot.stores", "bot.stores.sqlite", "bot.stores.redis_lock",
     "bot.stores.failsafe", "bot.stores.erasure", "bot.stores.postgres", "bot.rasa_patches", "bot.ops", "bot.ops.metrics", "bot.ops.served",
     "bot.ops.logs", "bot.insights", "bot.insights.source", "bot.insights.figures", "bot.insights.inbox",
     "bot.insights.page", "bot.insights.report"},                                                            # Rasa integration
    {"bot.channels", "bot.channels.guard", "bot.channels.http", "bot.channels.recent", "bot.channels.markup",
     "bot.channels.admission", "bot.channels.identity", "bot.channels.limits", "bot.channels.payloads"},
    {"bot.channels.rest", "bot.channels.socketio", "bot.channels.slack", "bot.channels.telegram",
     "bot.ops.probes"},
    {"bot.ops.rasa_cli", "bot.ops.run", "bot.ops.processes", "bot.ops.action_server", "bot.ops.webchat",
     "bot.privacy.retention", "bot.privacy.erase", "bot.ops.deployed", "bot.insights.__main__", "bot", "actions",
     "actions.actions"},                                                              # processes
]
CORE = LAYERS[0]


def _layer(module: str) -> int:
    if module.startswith("bot.rasa_patches"):
        return 1
    return next(i for i, layer in enumerate(LAYERS) if module in layer)


def test_every_module_has_a_layer():
    assert [m for m in graph() if not any(m in layer for layer in LAYERS) and not m.startswith("bot.rasa_patches")] == []


def test_imports_go_downwards_only():
    upward = [(m, d) for m, deps in project_edges(graph()).items() for d in deps if _layer(d) > _layer(m)]
    assert upward == []


def test_the_domain_core_imports_no_rasa():
    g = graph()
    assert {m: sorted(d for d in g[m] if d.split(".")[0] in {"rasa", "rasa_sdk", "sanic"}) for m in CORE} == \
        {m: [] for m in CORE}


def test_nothing_in_bot_imports_tests_or_benchmarks():
    g = graph()
    assert [(m, d) for m, deps in g.items() for d in deps if d.split(".")[0] in {"tests", "bench"}] == []


def test_no_module_in_bot_is_over_250_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "bot").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 250}
    assert long == {}
