"""Settings: one typed model, loaded once from a TOML file and MONITOR_ environment variables.

Precedence, strongest first: environment variables (`MONITOR_` prefix, `__` between nesting levels, e.g.
`MONITOR_FEDERAL_REGISTER__INTERVAL=5m`), then the TOML file (`--config PATH` or `MONITOR_CONFIG`), then the
built-in defaults below. Unknown keys are errors at every level, and every error names the key path and the
file, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor.core.routing import Routing, TargetRoute, parse_digest
from monitor.core.watchlist import FullTextMode, Watchlist, WatchlistError
from monitor.models import DOCUMENT_TYPES, EventKind

CONFIG_ENV = "MONITOR_CONFIG"

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> float:
    """'90s', '5m', '1h', '1d', '1h30m' or a plain number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '90s', '5m', '1h'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
        elif text and _DURATION_PART.sub("", text).strip() == "":
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
        else:
            raise ValueError(f"{value!r} is not a duration; write e.g. '90s', '5m', '1h' or seconds")
    else:
        raise ValueError("a duration is a number of seconds or a string like '90s', '5m', '1h'")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def _positive_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError("must be more than 0 (an interval or timeout of 0 cannot work)")
    return seconds


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(parse_duration)]
Interval = Annotated[float, BeforeValidator(_positive_duration)]  # intervals and timeouts: never 0
# Enumerated values are accepted in any case ("info", "Rule"), stored in their canonical one.
EventName = Annotated[EventKind, BeforeValidator(_lower)]  # the one list of events: monitor.models
TypeCode = Annotated[Literal["RULE", "PRORULE", "NOTICE", "PRESDOCU"], BeforeValidator(_upper)]


def _clock_time(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        raise ValueError(f"{value!r} is not a time of day: write HH:MM on a 24-hour clock, US Eastern, like '08:00'")
    return value.strip()


def read_secret(env: str | None, file: Path | None, file_key: str) -> str:
    """A secret from an environment variable or a file (Docker secrets). Errors say where it should be, never
    what it is."""
    if env is not None:
        value = os.environ.get(env, "").strip()
        if not value:
            raise ValueError(f"environment variable {env} is not set or empty")
        return value
    assert file is not None
    try:
        value = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {file_key} {file}: {exc.strerror}") from None
    if not value:
        raise ValueError(f"{file_key} {file} is empty")
    return value


class Section(BaseModel):
    """A config table: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FederalRegisterSettings(Section):
    enabled: bool = True
    base_url: str = "https://www.federalregister.gov/api/v1/"
    interval: Interval = 900.0
    lookback_days: int = Field(3, ge=1, le=365, description="publication dates asked for on every poll")
    max_catch_up_days: int = Field(
        90, ge=1, le=3650, description="after downtime, how far back a poll may reach; older dates need backfill"
    )
    per_page: int = Field(1000, ge=2, le=2000)
    agencies: list[str] = Field(default_factory=list, description="server-side agency slug pre-filter")
    types: list[TypeCode] = Field(default_factory=list, description="server-side document type pre-filter")
    full_text_max_chars: int = Field(2_000_000, ge=1000, description="full text beyond this is not searched")
    requests_per_second: float = Field(5.0, gt=0, le=1000, description="the API asks for at most 5")
    full_text_requests_per_second: float = Field(1.0, gt=0, le=1000, description="full-text downloads; at most 1")

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not re.match(r"https?://", value):
            raise ValueError("base_url must start with http:// or https://")
        return value if value.endswith("/") else value + "/"

    @field_validator("requests_per_second", "full_text_requests_per_second")
    @classmethod
    def _polite(cls, value: float, info: ValidationInfo) -> float:
        # The Federal Register's maintainers ask for at most 5 API requests and 1 full-text download a second;
        # higher rates are for a local mirror or a test server only.
        limit = 5 if info.field_name == "requests_per_second" else 1
        host = urlsplit(str(info.data.get("base_url", ""))).hostname
        if value > limit and host in ("www.federalregister.gov", "federalregister.gov"):
            raise ValueError(f"{info.field_name} above {limit} is refused for federalregister.gov (its limit)")
        return value


class PublicInspectionSettings(Section):
    """Documents filed for public inspection: the earliest signal. Uses [federal_register] base_url."""

    enabled: bool = True
    interval: Interval = 300.0
    quiet_interval: Interval = Field(3600.0, description="nights, weekends and federal holidays (US Eastern)")


NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class PageSettings(Section):
    """A web page with no feed, watched through one region of it (a CSS selector)."""

    name: str = Field(pattern=NAME_PATTERN)
    url: str = Field(pattern=r"^https?://")
    selector: str = "main"
    ignore: list[str] = Field(default_factory=list, description="regexes removed from the text before comparing")
    interval: Interval = 3600.0
    follow_links: bool = Field(False, description="match new entries on the linked page's text too")

    @model_validator(mode="after")
    def _check_ignore(self) -> PageSettings:
        for pattern in self.ignore:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"page {self.name!r}: invalid ignore pattern {pattern!r}: {exc}") from None
        return self


class FeedSettings(Section):
    name: str = Field(pattern=NAME_PATTERN)
    url: str = Field(pattern=r"^https?://")
    interval: Interval = 900.0


EAR_AI_PARTS = ["15:734", "15:740", "15:742", "15:744", "15:748", "15:772", "15:774"]


def _default_pages() -> list[PageSettings]:
    """BIS has no feed: its press releases (where the AI Diffusion rescission was announced, and nowhere in
    the Federal Register) and its Federal Register notices page are read as pages."""
    return [
        PageSettings(
            name="bis-press-releases",
            url="https://www.bis.gov/news-updates/all-press-releases",
            selector="main",
            ignore=["Last updated:? .*"],
            follow_links=True,
        ),
        PageSettings(
            name="bis-federal-register-notices",
            url="https://www.bis.gov/news-updates/federal-register-notices",
            selector="main",
            ignore=["Last updated:? .*"],
        ),
    ]


class EcfrSettings(Section):
    """The text of the regulations (eCFR): which parts to watch, section by section."""

    enabled: bool = True
    base_url: str = Field("https://www.ecfr.gov/api/versioner/v1/", pattern=r"^https?://")
    parts: list[str] = Field(default_factory=lambda: list(EAR_AI_PARTS))
    interval: Interval = 21600.0

    @model_validator(mode="after")
    def _check_parts(self) -> EcfrSettings:
        for part in self.parts:
            if not re.fullmatch(r"\d+:\d+[A-Za-z]?", part):
                raise ValueError(f"part {part!r} is not TITLE:PART, like '15:744'")
        return self


class RegulationsGovSettings(Section):
    """Regulations.gov (optional): an agency's documents and comment periods. Needs an api.data.gov key."""

    enabled: bool = False
    base_url: str = Field("https://api.regulations.gov/v4/", pattern=r"^https?://")
    api_key_env: str | None = "REGULATIONS_GOV_API_KEY"
    api_key_file: Path | None = None
    agency: str = "BIS"
    lookback_days: int = Field(3, ge=1, le=30)
    interval: Interval = 3600.0

    def resolve_api_key(self) -> str:
        """The key itself (secret). Errors say where it should be, never what it is."""
        if self.api_key_file is not None:
            try:
                key = self.api_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"cannot read api_key_file {self.api_key_file}: {exc.strerror}") from None
            if key:
                return key
            raise ValueError(f"api_key_file {self.api_key_file} is empty")
        key = os.environ.get(self.api_key_env or "", "").strip()
        if not key:
            raise ValueError(f"set the API key in the environment variable {self.api_key_env} or in api_key_file")
        return key


class WebSettings(Section):
    """The web server: /healthz, /readyz, /metrics and the console, with optional HTTP Basic auth on everything
    but /healthz and /readyz."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    username: str | None = Field(None, min_length=1, description="turns on HTTP Basic auth")
    password_env: str | None = None
    password_file: Path | None = None

    @model_validator(mode="after")
    def _check_auth(self) -> WebSettings:
        given = [k for k in ("password_env", "password_file") if getattr(self, k) is not None]
        if self.username is not None and len(given) != 1:
            raise ValueError("with username, set exactly one of password_env or password_file")
        if self.username is None and given:
            raise ValueError("password_env and password_file go with username")
        return self

    def resolve_password(self) -> str:
        """The password itself (secret). Errors say where it should be, never what it is."""
        return read_secret(self.password_env, self.password_file, "password_file")


class RetentionSettings(Section):
    """How long to keep what is no longer needed; the database stays bounded."""

    snapshots: Duration = Field(180 * 86400.0, ge=40 * 86400.0, description="unchanged, unmatched documents")
    deliveries: Duration = Field(90 * 86400.0, ge=86400.0, description="sent deliveries")
    full_texts: Duration = Field(30 * 86400.0, ge=86400.0, description="cached full texts")


class HttpSettings(Section):
    contact: str = Field("", description="an e-mail or URL upstream operators can reach you at")
    timeout: Interval = 30.0
    max_response_bytes: int = Field(50 * 1024 * 1024, ge=1024)


class DeliverySettings(Section):
    max_attempts: int = Field(8, ge=1, le=100)
    backoff_base: Duration = 30.0
    backoff_max: Duration = 3600.0
    timeout: Interval = 30.0
    concurrency: int = Field(4, ge=1, le=64)

    @field_validator("backoff_max")
    @classmethod
    def _check_backoff(cls, value: float, info: ValidationInfo) -> float:
        # A field validator, not a model one: it is reported even when another delivery key is wrong too.
        base = info.data.get("backoff_base")
        if base is not None and value < base:
            raise ValueError(
                f"backoff_max ({value:g}s) is below backoff_base ({base:g}s): retries could never back off as far "
                "as they start"
            )
        return value


class TargetSettings(Section):
    """Where alerts go: any Apprise URL, given directly, through an environment variable or a file."""

    url: SecretStr | None = None
    url_env: str | None = None
    url_file: Path | None = None
    events: list[EventName] = Field(default_factory=list, description="only these events; all when empty")
    digest: str | None = Field(None, description="'hourly' or 'daily HH:MM' (US Eastern); immediate when unset")

    @model_validator(mode="after")
    def _check_digest(self) -> TargetSettings:
        if self.digest is not None:
            parse_digest(self.digest)
        return self

    @model_validator(mode="after")
    def _one_source(self) -> TargetSettings:
        given = [k for k in ("url", "url_env", "url_file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("set exactly one of url, url_env or url_file")
        return self

    def resolve_url(self) -> str:
        """The secret URL itself. Error messages name where it should be, never what it is."""
        if self.url is not None:
            return self.url.get_secret_value().strip()
        return read_secret(self.url_env, self.url_file, "url_file")


SourceName = Annotated[
    str, Field(pattern=r"^(federal_register|public_inspection|ecfr|regulations_gov|page:.+|feed:.+)$")
]
FieldName = Annotated[Literal["title", "abstract", "action", "agencies", "full_text"], BeforeValidator(_lower)]
_DEFAULT_FIELDS: tuple[FieldName, ...] = ("title", "abstract", "action", "agencies")


class WatchlistSettings(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    query: str | None = None
    regex: list[str] = Field(default_factory=list)
    fields: list[FieldName] = Field(default_factory=lambda: list(_DEFAULT_FIELDS))
    full_text: Annotated[FullTextMode, BeforeValidator(_lower)] = Field(
        "never", description="search the full text: never, without_abstract (documents with no abstract), always"
    )
    agencies: list[str] = Field(default_factory=list)
    types: list[TypeCode] = Field(default_factory=list)
    cfr: list[str] = Field(default_factory=list, description='"15:744" or "15:730-774"')
    rins: list[str] = Field(default_factory=list)
    dockets: list[str] = Field(default_factory=list)
    significant: bool | None = None
    sources: list[SourceName] = Field(default_factory=list)
    notify: list[str] | None = Field(None, description="target names; all targets when left out")
    events: list[EventName] = Field(default_factory=list, description="event kinds; all when empty")
    follow: bool = True
    reminders: list[str] = Field(default_factory=lambda: ["7d", "1d"])

    def reminder_days(self) -> list[int]:
        return [int(parse_duration(r) // 86400) for r in self.reminders]

    @model_validator(mode="after")
    def _check_reminders(self) -> WatchlistSettings:
        for value in self.reminders:
            seconds = parse_duration(value)
            if seconds <= 0 or seconds % 86400:
                raise ValueError(f"reminder {value!r} must be a whole number of days, like '7d'")
        return self

    def compile(self, notify: tuple[str, ...] = ()) -> Watchlist:
        """The matching form of this watchlist; WatchlistError names the watchlist and the position."""
        return Watchlist.build(
            self.name,
            self.query,
            regex=self.regex,
            fields=self.fields,
            full_text=self.full_text,
            agencies=self.agencies,
            types=self.types,
            cfr=self.cfr,
            rins=self.rins,
            dockets=self.dockets,
            significant=self.significant,
            sources=self.sources,
            notify=notify,
            events=self.events,
            follow=self.follow,
            reminders=self.reminder_days(),
        )

    @model_validator(mode="after")
    def _check_compiles(self) -> WatchlistSettings:
        try:
            self.compile()
        except WatchlistError as exc:
            shown = "".join(f"\n      {line}" for line in exc.pointer.splitlines())
            raise ValueError(f"{exc.detail}{shown}") from None
        return self


# The built-in watchlist, tuned on real labelled Federal Register documents (bench/relevance.py prints its recall
# and precision). Each line earns its place: AI named outright (the acronym only where the document does not
# define it as something else), AI named in other words, and the export-control context of AI chips.
DEFAULT_AI_QUERY = (
    '"artificial intelligence" | =AI[artificial intelligence] | "AI diffusion" '
    '| "machine learning" | "deep learning" | "neural network*" | "large language model*" | "foundation model*" '
    '| "frontier model*" | "generative model*" | "model weights" | "natural language processing" '
    '| "computer vision" | chatbot* | deepfake* '
    '| "automated decision*" | "algorithmic decision*" | "predictive analytics" | "predictive data analytics" '
    '| "decision support intervention*" | "algorithm transparency" | "algorithmic transparency" '
    '| "advanced computing" | supercomput* | "data center validated end user*" '
    '| ((semiconductor* | "integrated circuit*" | chip*) '
    '("export administration regulations" | "export control*" | "commerce control list" '
    '| "foreign direct product") -polysilicon)'
)


def _default_watchlists() -> list[WatchlistSettings]:
    # Presidential documents come with no abstract: only their text says whether they concern AI.
    return [WatchlistSettings(name="ai-export-controls", query=DEFAULT_AI_QUERY, full_text="without_abstract")]


def _default_targets() -> dict[str, TargetSettings]:
    return {"console": TargetSettings(url=SecretStr("console://"))}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONITOR_", env_nested_delimiter="__", extra="forbid", frozen=True)

    data_dir: Path = Path("./data")
    allow_private_targets: bool = False
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)] = "INFO"
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = "text"
    reminder_time: Annotated[str, BeforeValidator(_clock_time)] = Field("08:00", description="HH:MM, US Eastern")
    federal_register: FederalRegisterSettings = FederalRegisterSettings()
    public_inspection: PublicInspectionSettings = PublicInspectionSettings()
    ecfr: EcfrSettings = EcfrSettings()
    regulations_gov: RegulationsGovSettings = RegulationsGovSettings()
    pages: list[PageSettings] = Field(default_factory=_default_pages)
    feeds: list[FeedSettings] = Field(default_factory=list)
    ops_alert_after_failures: int = Field(3, ge=1, description="failed polls in a row before the ops target hears")
    http: HttpSettings = HttpSettings()
    web: WebSettings = WebSettings()
    retention: RetentionSettings = RetentionSettings()
    delivery: DeliverySettings = DeliverySettings()
    targets: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")], TargetSettings] = Field(
        default_factory=_default_targets
    )
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
        return (init_settings, env_settings, file_secret_settings, _FileSource(settings_cls))

    def target_urls(self) -> dict[str, str]:
        """Every target's resolved URL (secret: pass to Apprise, never print)."""
        return {name: target.resolve_url() for name, target in self.targets.items()}

    def watchlist_targets(self, notify: list[str] | None) -> tuple[str, ...]:
        """A watchlist's targets: those it names, else every target but `ops` (which hears about targets)."""
        return tuple(notify) if notify is not None else tuple(t for t in self.targets if t != "ops")

    def routing(self) -> Routing:
        return Routing({name: TargetRoute(frozenset(t.events), t.digest) for name, t in self.targets.items()})


# The parsed TOML file for the load under way; the file source reads it (pydantic-settings builds sources
# from the class, so the data travels beside it rather than through the constructor, which would outrank
# the environment).
_FILE_DATA: ContextVar[Mapping[str, Any]] = ContextVar("_FILE_DATA")


class _FileSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _FILE_DATA.get({}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_DATA.get({}))


class ConfigError(Exception):
    """Everything wrong with a configuration, one problem per line, each naming the key path and file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _key_path(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    path = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("name"), str):
                path += f" ({node['name']})"
        else:
            path += f".{part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return path or "(top level)"


def _env_name(loc: tuple[int | str, ...]) -> str | None:
    """The MONITOR_ variable that set the value at `loc`, if one did (the longest that is set)."""
    parts: list[str] = []
    found = None
    for part in loc:
        if isinstance(part, int):
            break
        parts.append(part.upper())
        name = "MONITOR_" + "__".join(parts)
        if name in os.environ:
            found = name
    return found


def _describe(error: Mapping[str, Any], where: str, data: Mapping[str, Any]) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see config/monitor.example.toml)"
    if (variable := _env_name(loc)) is not None:
        return f"environment variable {variable}: {message}"
    return f"{where}: {_key_path(loc, data)}: {message}"


def _closest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """ "unknown target 'slak'; did you mean 'slack'? known targets: ops, slack"."""
    known = sorted(known)
    return f"unknown {kind} {name!r}{_closest(name, known)} known {kind}s: {', '.join(known) or '(none)'}".replace(
        f"{name!r} known", f"{name!r}; known"
    )


def _cross_problems(data: Mapping[str, Any], settings: Settings | None, where: str) -> list[str]:
    """Problems between sections: duplicate names, watchlists naming unknown sources or targets. Read from the
    loaded settings, or from the file itself when other problems kept it from loading, so that every problem
    is listed in one pass."""
    if settings is not None:
        watchlists = [w.model_dump() for w in settings.watchlists]
        targets = set(settings.targets)
        pages = [p.name for p in settings.pages]
        feeds = [f.name for f in settings.feeds]
    else:
        watchlists = [w for w in data.get("watchlists", []) if isinstance(w, dict)]
        raw_targets = data.get("targets")
        targets = set(raw_targets) if isinstance(raw_targets, dict) else set(_default_targets())
        raw_pages = data.get("pages")
        pages = (
            [str(p.get("name")) for p in raw_pages if isinstance(p, dict)]
            if isinstance(raw_pages, list)
            else [p.name for p in _default_pages()]
        )
        feeds = [str(f.get("name")) for f in data.get("feeds", []) if isinstance(f, dict)]
    problems = []
    for kind, names in (("watchlists", [str(w.get("name")) for w in watchlists]), ("pages", pages), ("feeds", feeds)):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append(f"{where}: {kind}: names must be unique; repeated: {', '.join(repeated)}")
    known_sources = {"federal_register", "public_inspection", "ecfr", "regulations_gov"}
    known_sources |= {f"page:{n}" for n in pages} | {f"feed:{n}" for n in feeds}
    for index, watchlist in enumerate(watchlists):
        path = f"watchlists[{index}] ({watchlist.get('name')})"
        for source in watchlist.get("sources") or []:
            if source not in known_sources:
                problems.append(f"{where}: {path}.sources: {_unknown('source', str(source), known_sources)}")
        for target in watchlist.get("notify") or []:
            if target not in targets:
                problems.append(f"{where}: {path}.notify: {_unknown('target', str(target), targets)}")
    return problems


def _relative_to(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Relative paths in a config file mean relative to the file's folder, not to wherever the service was
    started from."""

    def resolve(value: Any) -> Any:
        return str(folder / value) if isinstance(value, str) and value and not Path(value).is_absolute() else value

    if "data_dir" in data:
        data["data_dir"] = resolve(data["data_dir"])
    for target in (data.get("targets") or {}).values():
        if isinstance(target, dict) and "url_file" in target:
            target["url_file"] = resolve(target["url_file"])
    for section, key in (("regulations_gov", "api_key_file"), ("web", "password_file")):
        table = data.get(section)
        if isinstance(table, dict) and key in table:
            table[key] = resolve(table[key])
    return data


def _known_variables() -> set[str]:
    known = {CONFIG_ENV, "MONITOR_TARGETS"}
    for name, field in Settings.model_fields.items():
        known.add(f"MONITOR_{name.upper()}")
        for sub in getattr(field.annotation, "model_fields", {}):
            known.add(f"MONITOR_{name.upper()}__{sub.upper()}")
    return known


def unknown_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """Warnings for MONITOR_ variables that set nothing, with the closest known name. Warnings, not errors:
    orchestrators inject variables of their own (Kubernetes sets MONITOR_PORT for a service named monitor)."""
    environ = os.environ if environ is None else environ
    known = _known_variables()
    warnings = []
    for name in sorted(environ):
        if not name.startswith("MONITOR_") or name in known or name.startswith("MONITOR_TARGETS__"):
            continue
        warnings.append(f"environment variable {name} is not a setting and is ignored{_closest(name, known)}")
    return warnings


def load_settings(path: Path | str | None = None) -> Settings:
    """Load settings from `path` (or $MONITOR_CONFIG), the environment and the defaults.

    A file that was asked for explicitly must exist: a typo in a path never silently means "defaults".
    Raises ConfigError naming every problem, all in one pass.
    """
    if path is None and os.environ.get(CONFIG_ENV):
        path = os.environ[CONFIG_ENV]
    data: dict[str, Any] = {}
    where = "built-in defaults and MONITOR_ environment"
    if path is not None:
        file = Path(path)
        where = str(file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{file}: config file does not exist"]) from None
        except OSError as exc:
            raise ConfigError([f"{file}: cannot read config file: {exc.strerror}"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{file}: not valid TOML: {exc}"]) from None
        except UnicodeDecodeError:
            raise ConfigError([f"{file}: not valid TOML: the file is not UTF-8 text"]) from None
        data = _relative_to(data, file.resolve().parent)
    problems: list[str] = []
    settings: Settings | None = None
    token = _FILE_DATA.set(data)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems += [_describe(e, where, data) for e in exc.errors()]
    finally:
        _FILE_DATA.reset(token)
    problems += _cross_problems(data, settings, where)
    if settings is not None:
        problems += _target_problems(settings, where)
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))
    assert settings is not None
    return settings


def load_web_settings(path: Path | str | None) -> WebSettings | None:
    """Just the [web] table of a config file that may be invalid elsewhere; None when even that fails."""
    path = path or os.environ.get(CONFIG_ENV)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8")) if path else {}
        web = dict(data.get("web", {}))
        for key in ("host", "port"):
            if value := os.environ.get(f"MONITOR_WEB__{key.upper()}"):
                web[key] = value
        return WebSettings(**web)
    except (OSError, ValueError, TypeError):
        return None


def _target_problems(settings: Settings, where: str) -> list[str]:
    """Secrets that cannot be read (an unset variable, an unreadable file). Whether a target URL is one
    Apprise can use is checked by monitor.notify.targets.check_targets, where Apprise lives."""
    problems = []
    if settings.regulations_gov.enabled:
        try:
            settings.regulations_gov.resolve_api_key()
        except ValueError as exc:
            problems.append(f"{where}: regulations_gov: {exc}")
    if settings.web.enabled and settings.web.username:
        try:
            settings.web.resolve_password()
        except ValueError as exc:
            problems.append(f"{where}: web: {exc}")
    for name, target in settings.targets.items():
        try:
            target.resolve_url()
        except ValueError as exc:
            problems.append(f"{where}: targets.{name}: {exc}")
    return problems


__all__ = ["DOCUMENT_TYPES", "ConfigError", "Settings", "load_settings", "parse_duration", "unknown_environment"]
