"""Small HTTP helpers the channels share."""

from __future__ import annotations

from sanic.response import HTTPResponse
from sanic.response import json as json_response


def json_error(status: int, error: str) -> HTTPResponse:
    """A JSON error body `{"error": ...}` with `status`."""
    return json_response({"error": error}, status=status)
