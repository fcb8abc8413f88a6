"""Erase one person's conversation completely (GDPR art. 17, DPDP Act s. 12).

    python -m bot.privacy.erase SENDER [SENDER ...]   # the stored conversation id: REST `sender`, or
                                              # `socketio:<session>`, `slack:<user>`, `telegram:<chat>`

Prints what it deleted; erasing a conversation that is not there deletes nothing and says so.

A turn in progress must not save the conversation back after it is erased, so the erasure takes the
conversation's lock, the one the server's turns take (docs/security.md, "Erasure"):
- with Rasa's in-memory lock store (endpoints.yml, `make run`) that lock lives in the running server, so
  when a server answers at RASA_PORT the erasure goes through it: its admin endpoint
  DELETE /webhooks/rest/conversations/<SENDER> with RASA_API_TOKEN (refused without the token). Only when
  no server answers is the store erased directly: then no turn is running;
- with a shared lock store (Redis, deploy/endpoints.production.yml) this command takes the lock itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from bot.settings import Settings, SettingsError
from bot.stores.erasure import Deleted, erase_from_store, refresh_outputs


def _server_erase(s: Settings, sender: str) -> Optional[int]:
    """Erase through the running server; the events deleted, or None when no server answers."""
    url = f"{s.rasa_url}/webhooks/rest/conversations/{urllib.parse.quote(sender, safe='')}"
    request = urllib.request.Request(url, method="DELETE", headers={"Authorization": f"Bearer {s.api_token or ''}"})
    try:
        with urllib.request.urlopen(request, timeout=600) as reply:
            return int(json.loads(reply.read())["deleted_events"])
    except urllib.error.HTTPError as error:
        sys.exit(f"the Rasa server at {s.rasa_url} holds the conversations' locks, and refused the erasure "
                 f"({error.code}): set RASA_API_TOKEN to the server's token")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _shared_lock_store(s: Settings) -> Any:
    """The endpoints' lock store when it is shared between processes (Redis), else None (in-memory)."""
    from rasa.core.lock_store import InMemoryLockStore, LockStore
    from rasa.utils.endpoints import read_endpoint_config

    store = LockStore.create(read_endpoint_config(str(s.endpoints), "lock_store"))
    return None if isinstance(store, InMemoryLockStore) else store


def _locked_erase(store: Any, s: Settings, sender: str) -> Deleted:
    async def held() -> Deleted:
        async with store.lock(sender):
            return erase_from_store(s, sender)

    return asyncio.run(held())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("senders", nargs="+", metavar="SENDER", help="a stored conversation id")
    args = parser.parse_args()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"configuration error: {error}")
    shared = _shared_lock_store(settings)
    for sender in args.senders:
        if shared is not None:
            events: Optional[int] = _locked_erase(shared, settings, sender).events
            refresh_outputs(settings)
        else:
            events = _server_erase(settings, sender)  # the server rebuilds the report itself
            if events is None:  # no server answers: no turn is running, so the store is erased directly
                events = erase_from_store(settings, sender).events
                refresh_outputs(settings)
        print(f"deleted {sender}: {events} events" if events else f"nothing stored for {sender}")


if __name__ == "__main__":
    main()
