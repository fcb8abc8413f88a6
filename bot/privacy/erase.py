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
from typing import Optional

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


def _locked_erase(s: Settings, sender: str) -> Deleted:
    """Erase from the store directly, under the lock of the endpoints' lock store when it is a shared one."""
    from rasa.core.lock_store import InMemoryLockStore, LockStore
    from rasa.utils.endpoints import read_endpoint_config

    store = LockStore.create(read_endpoint_config(str(s.endpoints), "lock_store"))
    if isinstance(store, InMemoryLockStore):
        return erase_from_store(s, sender)  # no server runs (it would have answered): no turn either

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
    for sender in args.senders:
        events = _server_erase(settings, sender)
        if events is None:
            events = _locked_erase(settings, sender).events
            refresh_outputs(settings)
        print(f"deleted {sender}: {events} events" if events else f"nothing stored for {sender}")


if __name__ == "__main__":
    main()
