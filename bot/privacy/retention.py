"""`make purge`: delete the conversations whose last event is older than RETENTION_DAYS (default 90).

    python -m bot.privacy.retention      # the tracker store of ENDPOINTS / TRACKER_DB (bot/settings.py)

Prints each conversation it deleted and a total; running it again deletes nothing more. Each Rasa server
also does this every hour by itself (bot/stores/erasure.py).
"""

from __future__ import annotations

import sys

from bot.settings import Settings, SettingsError
from bot.stores.erasure import purge_store


def main() -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"configuration error: {error}")
    deleted = purge_store(settings)
    for conversation in deleted:
        print(f"deleted {conversation}")
    print(f"Deleted {len(deleted)} conversations ({sum(d.events for d in deleted)} events) whose last event "
          f"is older than {settings.retention_days} days.")


if __name__ == "__main__":
    main()
