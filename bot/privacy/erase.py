"""Erase one person's conversation completely (GDPR art. 17, DPDP Act s. 12).

    python -m bot.privacy.erase SENDER [SENDER ...]   # the stored conversation id: REST `sender`, or
                                              # `socketio:<session>`, `slack:<user>`, `telegram:<chat>`

Prints what it deleted; erasing a conversation that is not there deletes nothing and says so. The REST
channel's admin endpoint does the same: DELETE /webhooks/rest/conversations/<SENDER>?token=RASA_API_TOKEN.
"""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings, SettingsError
from bot.stores.erasure import erase_from_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("senders", nargs="+", metavar="SENDER", help="a stored conversation id")
    args = parser.parse_args()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"configuration error: {error}")
    for sender in args.senders:
        deleted = erase_from_store(settings, sender)
        print(f"deleted {deleted}" if deleted.events else f"nothing stored for {sender}")


if __name__ == "__main__":
    main()
