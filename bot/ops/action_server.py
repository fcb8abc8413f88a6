"""The action server as `rasa run actions` runs it, plus `/metrics` and the project's log set-up:

    python -m bot.ops.action_server --actions actions --port 5055     # the same options as `rasa run actions`

It sets up rasa_sdk's logging as rasa_sdk does, then the project's (bot/ops/logs.py); rasa_sdk builds its Sanic
app and calls its plugins' `attach_sanic_app_extensions` hook; this module registers one that adds `/metrics` and counts each `/webhook` call by action and status, with its
duration (bot/ops/metrics.py). `rasa run actions` still works as before, without them.
"""

from __future__ import annotations

import json
import logging
import time

from bot.ops.logs import configure, filter_third_party_warnings

filter_third_party_warnings()

from pluggy import HookimplMarker  # noqa: E402
from sanic import Sanic  # noqa: E402
from sanic.request import Request  # noqa: E402
from sanic.response import HTTPResponse  # noqa: E402

from bot.ops import metrics  # noqa: E402
from bot.ops.served import exit_nonzero_unless_served  # noqa: E402


def _action_name(request: Request) -> str:
    try:
        name = json.loads(request.body or b"{}").get("next_action")
    except (ValueError, AttributeError):
        return "unknown"
    return name if isinstance(name, str) else "unknown"


class Extensions:
    """A rasa_sdk plugin."""

    @HookimplMarker("rasa_sdk")
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        app.add_route(metrics.metrics_endpoint, "/metrics", methods=["GET"])

        @app.on_request
        async def start_timer(request: Request) -> None:
            request.ctx.started = time.monotonic()

        @app.on_response
        async def count_call(request: Request, resp: HTTPResponse) -> None:
            if request.path == "/webhook":
                # An unknown action (404) is not a label of its own: callers could make up any number.
                name = _action_name(request) if resp.status != 404 else "unknown"
                metrics.record_action_call(name, resp.status, time.monotonic() - getattr(request.ctx, "started", time.monotonic()))


def main() -> None:
    """What rasa_sdk's own `main` does, with the logs set up before the server logs anything."""
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser, run
    from rasa_sdk.plugin import plugin_manager

    args = create_argument_parser().parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    configure()
    plugin_manager().register(Extensions())
    exit_nonzero_unless_served("bot.ops.action_server")
    run(args.actions, args.port, args.cors, args.ssl_certificate, args.ssl_keyfile, args.ssl_password,
        args.auto_reload)


if __name__ == "__main__":
    main()
