"""A server that never listened exits with status 1: the Rasa server (bot/ops/rasa_cli.py) and the action
server (bot/ops/action_server.py).

When Sanic cannot bind (a port taken), it logs "Unable to start server" and returns from `run` as if the
server had stopped normally, so `rasa run` and `rasa run actions` exit 0: a launcher or an orchestrator
would take a server that never served for one that finished its work.
"""

from __future__ import annotations

import logging
from typing import Any, List

from sanic import Sanic


def exit_nonzero_unless_served(logger: str) -> None:
    """Make `Sanic.run` raise SystemExit(1) when the server it ran never listened.

    With one worker (Rasa's default) the `after_server_start` listeners run only once the server listens,
    so their not having run tells a failed start from a stop; with several workers Sanic binds in the main
    process, where a taken port raises anyway.
    """
    run = Sanic.run

    def checked_run(app: Sanic, *args: Any, **kwargs: Any) -> None:
        served: List[bool] = []

        async def listening(_app: Sanic, _loop: object) -> None:
            served.append(True)

        app.register_listener(listening, "after_server_start")
        run(app, *args, **kwargs)
        if not served and kwargs.get("workers", 1) == 1:
            host = kwargs.get("host", args[0] if args else "?")
            port = kwargs.get("port", args[1] if len(args) > 1 else "?")
            logging.getLogger(logger).critical(
                "The server never listened on %s:%s (see the error above); exiting with status 1", host, port)
            raise SystemExit(1)

    Sanic.run = checked_run  # type: ignore[method-assign]
