"""Small HTTP helpers the channels share."""

from __future__ import annotations

from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response


def json_error(status: int, error: str) -> HTTPResponse:
    """A JSON error body `{"error": ...}` with `status`."""
    return json_response({"error": error}, status=status)


def routed_to(request: Request, *names: str) -> bool:
    """Whether Sanic routed `request` to a route of the blueprint whose last path segment is one of
    `names` ("webhook"), however the client spelled the path.

    A channel's checks ask this, not how the path is spelled: Sanic also routes `/webhook/` and
    `/webhook//` to `/webhook`, so `request.path.endswith("/webhook")` let a trailing slash skip the REST
    checks (no sender: Rasa's shared `default` conversation) and Telegram's secret token (issue 20). Any
    other spelling (case, double slashes, percent-encoding) has no route, and Sanic answers 404.
    """
    route = request.route
    return route is not None and route.path.rstrip("/").rsplit("/", 1)[-1] in names
