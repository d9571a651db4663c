"""Settings: one typed model, loaded once from a TOML file and MONITOR_ environment variables.

Precedence, strongest first: environment variables (`MONITOR_` prefix, `__` between nesting levels, e.g.
`MONITOR_FEDERAL_REGISTER__INTERVAL=5m`), then the TOML file (`--config PATH` or `MONITOR_CONFIG`), then the
built-in defaults. Unknown keys are errors at every level, and every error names the key path and the file, so
a typo never silently falls back to a default.

    types.py       durations, intervals, enumerations, secrets, the strict base of every table
    sections.py    the sources' tables and the service's (web, retention, http, delivery)
    targets.py     where alerts go
    watchlists.py  what to alert on, and the built-in AI watchlist
    model.py       the whole configuration
    loading.py     file + environment -> Settings, or every problem at once
"""

from monitor.models import DOCUMENT_TYPES
from monitor.settings.loading import (
    CONFIG_ENV,
    ConfigError,
    load_settings,
    load_web_settings,
    unknown_environment,
)
from monitor.settings.model import Settings
from monitor.settings.sections import (
    EAR_AI_PARTS,
    DeliverySettings,
    EcfrSettings,
    FederalRegisterSettings,
    FeedSettings,
    HttpSettings,
    PageSettings,
    PublicInspectionSettings,
    RegulationsGovSettings,
    RetentionSettings,
    WebSettings,
)
from monitor.settings.targets import TargetSettings
from monitor.settings.types import parse_duration, read_secret
from monitor.settings.watchlists import DEFAULT_AI_QUERY, WatchlistSettings

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_AI_QUERY",
    "DOCUMENT_TYPES",
    "EAR_AI_PARTS",
    "ConfigError",
    "DeliverySettings",
    "EcfrSettings",
    "FederalRegisterSettings",
    "FeedSettings",
    "HttpSettings",
    "PageSettings",
    "PublicInspectionSettings",
    "RegulationsGovSettings",
    "RetentionSettings",
    "Settings",
    "TargetSettings",
    "WatchlistSettings",
    "WebSettings",
    "load_settings",
    "load_web_settings",
    "parse_duration",
    "read_secret",
    "unknown_environment",
]
