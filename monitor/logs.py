"""Log set-up: one line per event, human-readable, with the house's fixed field names appended.

Field names are the same everywhere: source, document_number, watchlist, alert_id, target, attempt, error.
Every line, a traceback included, has its secrets masked (monitor.core.redaction): credentials before a host and
query values, which an error quoting a URL can carry.
`log_level` applies to fr-monitor's own loggers. Every other library (Apprise, urllib3, aiohttp...) stays at
WARNING whatever it says: their debug output quotes request paths, payloads and URLs, which can hold secrets.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from monitor.core.redaction import redact_secrets

FIELDS = ("source", "document_number", "watchlist", "alert_id", "target", "attempt", "error")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the fixed fields that are present."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact_secrets(json.dumps(entry, default=str))


class FieldsFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [f"{name}={getattr(record, name)}" for name in FIELDS if hasattr(record, name)]
        return redact_secrets(f"{line} {' '.join(extras)}" if extras else line)


# Libraries whose debug output can quote URLs, paths or payloads: held at WARNING even if the root is lower.
QUIET_LIBRARIES = ("apprise", "urllib3", "requests", "aiohttp", "asyncio", "aiosmtpd", "mail.log")


class _ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Our stderr handler, told apart from handlers others attached (a test's log capture)."""


def setup_logging(level: str = "INFO", log_format: str = "text") -> None:
    handler = _ServiceHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(FieldsFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _ServiceHandler)] + [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("monitor").setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
