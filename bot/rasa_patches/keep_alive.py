"""Keep connections to the action server open between calls.

Part of bot.rasa_patches: measured on Rasa 3.6.21 (docs/performance.md); applied by `install()`
in bot/rasa_patches/__init__.py only on the versions it was measured on.
"""

from __future__ import annotations


import asyncio
import json
from typing import Any
from weakref import WeakKeyDictionary

import aiohttp
import ujson
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig


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


def install() -> None:
    EndpointConfig.session = _session  # type: ignore[method-assign]
