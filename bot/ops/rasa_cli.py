"""`rasa` with this project's measured patches (bot/rasa_patches, docs/performance.md); `make train`,
`make run` and the tests start Rasa through it, with Rasa's own arguments (plain `rasa` works too):

    python -m bot.ops.rasa_cli train --num-threads 2
    python -m bot.ops.rasa_cli run --model models ...

It also sets up the logs (bot/ops/logs.py): third-party deprecation warnings filtered before Rasa imports its
dependencies, and with LOG_FORMAT=json, JSON lines once Rasa has set up its log handlers (Rasa's
`configure_commandline` plugin hook runs right after that, before the command). A deployed server does not
start without the settings bot/ops/deployed.py names, and CORS_ORIGINS replaces any `--cors`.
"""

import os
import sys

from bot.ops.logs import filter_third_party_warnings

filter_third_party_warnings()
# TensorFlow's C++ start-up notes (no GPU, CPU instructions, no TensorRT) say nothing to an operator, and
# they are not JSON. Set, not defaulted: a parent that imported Rasa has Rasa's "1" in its environment.
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

# TensorFlow, which Rasa imports even when no component uses it, also imports JAX when it is
# installed, for an optional TF-Lite converter that Rasa never calls; TensorFlow treats that import
# as optional. Without it a Rasa server holds about 65 MB less.
sys.modules.setdefault("jax", None)  # type: ignore[arg-type]

# skops (which saves and loads the intent classifier) finds, on import, the module of every NumPy
# and SciPy ufunc by scanning every loaded module: about 1 s now, 5-10 s once TensorFlow's
# thousands of modules are loaded. The result is the same either way.
import skops.io  # noqa: E402,F401
from pluggy import HookimplMarker  # noqa: E402

from bot.ops.served import exit_nonzero_unless_served  # noqa: E402
from bot.rasa_patches import install  # noqa: E402


class LogSetup:
    """A Rasa plugin: its hook runs after Rasa configured logging, before the command runs."""

    @HookimplMarker("rasa")
    def configure_commandline(self, cmdline_arguments: object) -> None:
        from bot.ops.logs import configure

        configure()


if __name__ == "__main__":
    from bot.ops.deployed import production_problem, with_cors

    problem = production_problem(sys.argv[1:], os.environ)
    if problem:
        sys.exit(f"configuration error: {problem}")
    sys.argv[1:] = with_cors(sys.argv[1:], os.environ)
    install()
    exit_nonzero_unless_served("bot.ops.rasa_cli")
    from rasa.__main__ import main
    from rasa.plugin import plugin_manager

    plugin_manager().register(LogSetup())
    sys.argv[0] = "rasa"
    main()
