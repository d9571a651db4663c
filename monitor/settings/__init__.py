"""Settings: one typed model, loaded once from a TOML file and MONITOR_ environment variables.

Precedence, strongest first: environment variables (`MONITOR_` prefix, `__` between nesting levels, e.g.
`MONITOR_FEDERAL_REGISTER__INTERVAL=5m`), then the TOML file (`--config PATH` or `MONITOR_CONFIG`), then the
built-in defaults. Unknown keys are errors at every level, and every error names the key path and the file, so
a typo never silently falls back to a default.

    types.py       durations, intervals, enumerations, secrets, the strict base of every table
    sections.py    the service's tables (web, retention, http, delivery); each source's table lives beside it,
                   in monitor/sources/<kind>/settings.py
    targets.py     where alerts go
    watchlists.py  what to alert on, and the built-in AI watchlist
    model.py       the whole configuration: the service's keys and each kind of source's table (monitor.registry)
    loading.py     file + environment -> Settings, or every problem at once

This package offers the tables that sources and senders are built from; the whole model and its loading are
imported from model.py and loading.py, which stand above the registry of sources (the sources' tables are
built on the types here, so this package must not import them back).
"""

from monitor.models import DOCUMENT_TYPES
from monitor.settings.sections import DeliverySettings, HttpSettings, RetentionSettings, WebSettings
from monitor.settings.targets import TargetSettings
from monitor.settings.types import parse_duration, read_secret
from monitor.settings.watchlists import DEFAULT_AI_QUERY, WatchlistSettings

__all__ = [
    "DEFAULT_AI_QUERY",
    "DOCUMENT_TYPES",
    "DeliverySettings",
    "HttpSettings",
    "RetentionSettings",
    "TargetSettings",
    "WatchlistSettings",
    "WebSettings",
    "parse_duration",
    "read_secret",
]
