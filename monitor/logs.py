"""Log set-up: one line per event, human-readable, with the house's fixed field names appended.

Field names are the same everywhere: source, document_number, watchlist, alert_id, target, attempt, error.
Apprise's own logger stays at WARNING: its DEBUG output can quote payloads and URLs.
"""

from __future__ import annotations

import logging
import sys

FIELDS = ("source", "document_number", "watchlist", "alert_id", "target", "attempt", "error")


class FieldsFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [f"{name}={getattr(record, name)}" for name in FIELDS if hasattr(record, name)]
        return f"{line} {' '.join(extras)}" if extras else line


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    formatter = FieldsFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apprise").setLevel(max(logging.WARNING, logging.getLevelName(level)))
