"""One replica's tracker-store start-up, as Rasa's server does it, once per database name on stdin:

    python -m tests.support.store_start deploy/endpoints.production.yml    # DB_*, REDIS_*, ... set

Rasa's imports are paid once, before it prints `ready`; then for each line (a database name) it reads the
endpoints file with DB_DATABASE set to it and builds the tracker store with `TrackerStore.create`, as
`rasa.core.agent.load_agent` does, and prints one JSON line: the database, and every warning or error
logged meanwhile (Rasa logs a failed `CREATE TABLE` and retries). tests/cluster/test_schema_race.py
starts several side by side and hands them the same fresh database at the same moment.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import List


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def main() -> None:
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints

    collect = _Collect()
    logging.getLogger().addHandler(collect)
    print("ready", flush=True)
    for line in sys.stdin:
        os.environ["DB_DATABASE"] = line.strip()
        collect.records.clear()
        started = time.monotonic()
        try:
            store = TrackerStore.create(AvailableEndpoints.read_endpoints(sys.argv[1]).tracker_store)
            kind = type(store).__name__
            store.engine.dispose()
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
            kind = "none"
            collect.records.append(f"{type(error).__name__}: {error}")
        print(json.dumps({"db": line.strip(), "store": kind, "problems": collect.records,
                          "seconds": round(time.monotonic() - started, 3)}), flush=True)


if __name__ == "__main__":
    main()
