"""The whole configuration as one typed model. Precedence, strongest first: MONITOR_ environment variables,
then the TOML file, then the built-in defaults. The file's tables come in as keyword arguments
(`Settings(**tables)`, see loading.load_settings), which pydantic-settings' own init source reads.

The service's own keys are declared here (ServiceSettings); each kind of source brings its table from its own
folder, and `Settings` is ServiceSettings with one field per kind in monitor.registry. Code reads a source's
table by its kind, `settings.section(ECFR)`, typed as the kind declares it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, cast

from pydantic import BeforeValidator, Field, create_model
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from monitor.config_file import DEFAULT_DATA_DIR, EMPTY_DATA_DIR
from monitor.core.routing import Routing, TargetRoute
from monitor.registry import KINDS
from monitor.settings.sections import DeliverySettings, HttpSettings, RetentionSettings, WebSettings
from monitor.settings.targets import TargetSettings, _default_targets
from monitor.settings.types import NAME_PATTERN, _clock_time, _lower, _upper
from monitor.settings.watchlists import WatchlistSettings, _default_watchlists
from monitor.sources.kind import SourceKind

T = TypeVar("T")


def _a_folder(value: Any) -> Any:
    """An empty data_dir (`MONITOR_DATA_DIR=` from a variable a compose file left unset) read as the current
    folder: the database went wherever the service was started, not to the volume meant for it."""
    if isinstance(value, str) and not value.strip():
        raise ValueError(EMPTY_DATA_DIR)
    return value


class ServiceSettings(BaseSettings):
    """The keys of the service itself; `Settings` adds each kind of source's table."""

    # case_sensitive: the file's keys mean exactly what they say, as TOML's do ("Log_Level" is an unknown key, not
    # log_level); environment names match in any case all the same (settings_customise_sources).
    model_config = SettingsConfigDict(
        env_prefix="MONITOR_", env_nested_delimiter="__", extra="forbid", frozen=True, case_sensitive=True
    )

    data_dir: Annotated[Path, BeforeValidator(_a_folder)] = DEFAULT_DATA_DIR
    allow_private_targets: bool = False
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)] = "INFO"
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = "text"
    reminder_time: Annotated[str, BeforeValidator(_clock_time)] = Field("08:00", description="HH:MM, US Eastern")
    ops_alert_after_failures: int = Field(3, ge=1, description="failed polls in a row before the ops target hears")
    http: HttpSettings = HttpSettings()
    web: WebSettings = WebSettings()
    retention: RetentionSettings = RetentionSettings()
    delivery: DeliverySettings = DeliverySettings()
    targets: dict[Annotated[str, Field(pattern=NAME_PATTERN)], TargetSettings] = Field(default_factory=_default_targets)
    watchlists: list[WatchlistSettings] = Field(default_factory=_default_watchlists)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment, then the file's tables (the keyword arguments), then the defaults (always last)."""
        return (EnvSettingsSource(settings_cls, case_sensitive=False), init_settings)

    def section(self, kind: SourceKind[T]) -> T:
        """A kind of source's table."""
        return cast(T, getattr(self, kind.section))

    def target_urls(self) -> dict[str, str]:
        """Every target's resolved URL (secret: pass to Apprise, never print)."""
        return {name: target.resolve_url() for name, target in self.targets.items()}

    def watchlist_targets(self, notify: list[str] | None) -> tuple[str, ...]:
        """A watchlist's targets: those it names, else every target but `ops` (which hears about targets)."""
        return tuple(notify) if notify is not None else tuple(t for t in self.targets if t != "ops")

    def routing(self) -> Routing:
        return Routing({name: TargetRoute(frozenset(t.events), t.digest) for name, t in self.targets.items()})


def settings_model(kinds: Sequence[SourceKind[Any]]) -> type[ServiceSettings]:
    """ServiceSettings with a field for each kind of source's table, in the kinds' order."""
    tables: dict[str, Any] = {kind.section: (kind.table, Field(default_factory=kind.default)) for kind in kinds}
    return create_model("Settings", __base__=ServiceSettings, __module__=__name__, **tables)


if TYPE_CHECKING:
    # To the type checker the sources' tables are reached through `section(kind)`, typed by the kind.
    Settings = ServiceSettings
else:
    Settings = settings_model(KINDS)
