"""`rasa` with this project's measured patches (bot/rasa_patches, docs/performance.md); `make train`,
`make run` and the tests start Rasa through it, with Rasa's own arguments (plain `rasa` works too):

    python -m bot.rasa_cli train --num-threads 2
    python -m bot.rasa_cli run --model models ...
"""

import sys

# TensorFlow, which Rasa imports even when no component uses it, also imports JAX when it is
# installed, for an optional TF-Lite converter that Rasa never calls; TensorFlow treats that import
# as optional. Without it a Rasa server holds about 65 MB less.
sys.modules.setdefault("jax", None)  # type: ignore[arg-type]

# skops (which saves and loads the intent classifier) finds, on import, the module of every NumPy
# and SciPy ufunc by scanning every loaded module: about 1 s now, 5-10 s once TensorFlow's
# thousands of modules are loaded. The result is the same either way.
import skops.io  # noqa: E402,F401

from bot.rasa_patches import install  # noqa: E402

if __name__ == "__main__":
    install()
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    main()
