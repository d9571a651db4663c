"""Loading settings: the TOML file and the environment, relative paths, and every problem in one pass, each
naming where it is (the key path and file, or the environment variable) and what to do."""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsError

from monitor.config_file import CONFIG_ENV, ConfigError, config_path, read_config
from monitor.registry import KINDS
from monitor.settings.model import Settings
from monitor.settings.sections import WebSettings
from monitor.settings.targets import TargetSettings, _default_targets
from monitor.sources.kind import SourceKind

__all__ = ["CONFIG_ENV", "ConfigError", "load_settings", "load_web_settings", "unknown_environment"]


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


def _env_name(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> tuple[str, str] | None:
    """The MONITOR_ variable that set the value at `loc`, if one did, and the rest of the key path inside its
    value ("" when it names the key itself). A variable that sets a whole table is blamed only for what the file
    does not hold: a misspelt key in the file is the file's, whatever the environment sets beside it."""
    parts: list[str] = []
    found = None
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            break
        parts.append(part.upper())
        name = "MONITOR_" + "__".join(parts)
        if name in os.environ:
            found = (name, ".".join(str(p) for p in loc[depth + 1 :]))
    if found is not None and found[1] and _in_file(loc, data):
        return None
    return found


def _in_file(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> bool:
    node: Any = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if not (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            return False
        node = node[part]
    return True


def _unwrap(annotation: Any) -> Any:
    """The type inside Annotated[...] and X | None."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
            continue
        args = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation


def _type_at(loc: tuple[int | str, ...]) -> Any:
    """The type of the value at `loc` (walking the model: lists by index, targets by name), None if unknown."""
    node: Any = Settings
    for part in loc:
        node = _unwrap(node)
        origin = get_origin(node)
        if origin is list:
            node = get_args(node)[0]
        elif origin is dict:
            node = get_args(node)[1]
        elif isinstance(node, type) and issubclass(node, BaseModel) and isinstance(part, str):
            field = node.model_fields.get(part)
            if field is None:
                return None
            node = field.annotation
        else:
            return None
    return _unwrap(node)


def _is_table(node: Any) -> bool:
    return isinstance(node, type) and issubclass(node, BaseModel)


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at `loc` knows, [] if unknown."""
    node = _type_at(loc)
    return list(node.model_fields) if _is_table(node) else []


def _in_file_order(errors: list[Any], data: Mapping[str, Any]) -> list[Any]:
    """The model's errors in the order their tables stand in the file (the model's own order after that), so
    that problems read top to bottom as the file does."""
    position = {key: index for index, key in enumerate(data)}
    return sorted(errors, key=lambda error: position.get(error["loc"][0], len(position)) if error["loc"] else -1)


def _unparsable_environment(exc: SettingsError) -> list[str]:
    """pydantic-settings reads a list or a table from the environment as JSON, and stops at the first value
    that is not: name each variable that holds one."""
    found = []
    for name, value in sorted(os.environ.items()):
        if not name.upper().startswith("MONITOR_"):
            continue
        loc = tuple(part.lower() for part in name[len("MONITOR_") :].split("__"))
        node = _type_at(loc)
        if not (_is_table(node) or get_origin(node) in (list, dict)):
            continue
        try:
            json.loads(value)
        except ValueError:
            example = '\'["first", "second"]\'' if get_origin(node) is list else '\'{"key": "value"}\''
            found.append(
                f"environment variable {name}: not valid JSON: a list or a table set in the environment is written "
                f"as JSON, like {name}={example}"
            )
    return found or [f"the environment: {exc}"]


def _describe(error: Mapping[str, Any], where: str, data: Mapping[str, Any]) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "literal_error" and isinstance(error.get("input"), str):  # a misspelt choice
        message += _closest(error["input"], re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", ""))))
    if error["type"] == "extra_forbidden":
        hint = _closest(str(loc[-1]), _keys_at(loc[:-1])) if loc else ""
        message = f"unknown key{hint or ' (check the spelling; see config/monitor.example.toml)'}"
        if len(loc) > 1 and loc[-1] in Settings.model_fields and _in_file(loc, data):
            # TOML reads every key below a [table] header as part of that table, up to the next header.
            message = (
                f"unknown key: {loc[-1]!r} is a top-level key; in TOML it must stand above the first [table], "
                f"or it is read as part of the table it follows"
            )
    if (variable := _env_name(loc, data)) is not None:
        name, inside = variable
        return f"environment variable {name}: {inside + ': ' if inside else ''}{message}"
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
    else:
        raw_watchlists = data.get("watchlists")  # not a list of tables: the model says so
        watchlists = [w for w in raw_watchlists if isinstance(w, dict)] if isinstance(raw_watchlists, list) else []
        raw_targets = data.get("targets")
        targets = set(raw_targets) if isinstance(raw_targets, dict) else set(_default_targets())
    entries = {kind.section: _entry_names(kind, settings, data) for kind in KINDS if kind.entries is not None}
    problems = []
    for section, names in (("watchlists", [str(w.get("name")) for w in watchlists]), *entries.items()):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append(f"{where}: {section}: names must be unique; repeated: {', '.join(repeated)}")
    known_sources = {kind.name for kind in KINDS if kind.entries is None}
    known_sources |= {kind.name + name for kind in KINDS if kind.entries is not None for name in entries[kind.section]}
    for index, watchlist in enumerate(watchlists):
        path = f"watchlists[{index}] ({watchlist.get('name')})"
        for source in _listed(watchlist.get("sources")):
            if source not in known_sources:
                problems.append(f"{where}: {path}.sources: {_unknown('source', str(source), known_sources)}")
        for target in _listed(watchlist.get("notify")):
            if target not in targets:
                problems.append(f"{where}: {path}.notify: {_unknown('target', str(target), targets)}")
    return problems


def _listed(value: Any) -> list[str]:
    """The names in a list from the file: nothing for what is not a list, and no item that is not a string (the
    model names those problems; a table among them could not even be looked up)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _entry_names(kind: SourceKind[Any], settings: Settings | None, data: Mapping[str, Any]) -> list[str]:
    """The names of a kind's configured entries (pages, feeds), from the settings or else the file itself."""
    assert kind.entries is not None
    if settings is not None:
        return kind.entries(settings.section(kind))
    raw = data.get(kind.section)
    if isinstance(raw, list):
        return [str(entry.get("name")) for entry in raw if isinstance(entry, dict)]
    return kind.entries(kind.default())


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
    tables = {f"MONITOR_{name.upper()}__" for name in Settings.model_fields}
    for name in sorted(environ):
        if not name.startswith("MONITOR_") or name in known or name.startswith(tuple(tables)):
            continue  # a key inside a table is the model's to check: a wrong one is an error, not ignored
        warnings.append(f"environment variable {name} is not a setting and is ignored{_closest(name, known)}")
    return warnings


# Polls closer than this to a host of the internet are probably a unit slip: a bare number is seconds.
HASTY_POLL_SECONDS = 60.0


def hasty_polls(settings: Settings) -> list[str]:
    """Warnings for sources polled more often than once a minute at a host that is not this machine: `interval =
    15` reads as 15 seconds, which upstream sites would take for abuse. Warnings, not errors: a local mirror or a
    test server may be polled as often as one likes."""
    from datetime import UTC, datetime
    from urllib.parse import urlsplit

    from monitor.notify.hosts import is_internal_host
    from monitor.registry import describe_sources

    described, _ = describe_sources(settings, datetime.now(UTC))
    return [
        f"{d.name} is checked every {d.interval:g} seconds at {urlsplit(d.url).hostname}: a bare number is seconds "
        f'(write "{d.interval:g}m" for minutes); upstream sites ask for restraint'
        for d in described
        if d.interval < HASTY_POLL_SECONDS and not is_internal_host(urlsplit(d.url).hostname or "")
    ]


class _FileOnly(Settings):
    """The model read from the file's tables alone, for their problems when the environment cannot be read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def load_settings(path: Path | str | None = None, secrets: bool = True) -> Settings:
    """Load settings from `path` (or $MONITOR_CONFIG), the environment and the defaults.

    A file that was asked for explicitly must exist: a typo in a path never silently means "defaults".
    Raises ConfigError naming every problem, all in one pass. With `secrets=False` (commands that send nothing
    and log in nowhere) secrets that cannot be read are not problems: they are read only when used.
    """
    file = config_path(path)
    data = read_config(file) if file is not None else {}
    where = str(file) if file is not None else "built-in defaults and MONITOR_ environment"
    problems: list[str] = []
    settings: Settings | None = None
    # No setting starts with "_", and such a key would reach Settings() as one of its own options (_env_file,
    # _secrets_dir...) rather than as a table: it is named as the model names every other unknown key.
    options = [key for key in data if key.startswith("_")]
    tables = {key: value for key, value in data.items() if key not in options}
    try:
        settings = Settings(**tables)
    except ValidationError as exc:
        problems += [_describe(e, where, data) for e in _in_file_order(exc.errors(), data)]
    except SettingsError as exc:
        problems += _unparsable_environment(exc)
        try:  # the environment could not be read at all: the file's own problems are still listed
            _FileOnly(**tables)
        except ValidationError as file_exc:
            problems += [_describe(e, where, data) for e in _in_file_order(file_exc.errors(), data)]
    problems += [_describe({"loc": (key,), "msg": "", "type": "extra_forbidden"}, where, data) for key in options]
    problems += _cross_problems(data, settings, where)
    if settings is None:  # what the model could not reach past the first problems, checked part by part
        problems += _query_problems(data, where)
        if secrets:
            problems += [
                f"{where}: targets.{name}: {exc}"
                for name, target in loadable_targets(data).items()
                for exc in _unreadable(target)
            ]
    elif secrets:
        problems += _target_problems(settings, where)
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))
    assert settings is not None
    return settings


def load_web_settings(path: Path | str | None) -> WebSettings | None:
    """Just the [web] table of a config file that may be invalid elsewhere; None when even that fails."""
    file = config_path(path)
    try:
        data = read_config(file) if file is not None else {}
        web = dict(data.get("web", {}))
        for key in ("host", "port"):
            if value := os.environ.get(f"MONITOR_WEB__{key.upper()}"):
                web[key] = value
        return WebSettings(**web)
    except (ConfigError, ValueError, TypeError):
        return None


def _target_problems(settings: Settings, where: str) -> list[str]:
    """Secrets that cannot be read (an unset variable, an unreadable file). Whether a target URL is one
    Apprise can use is checked by monitor.notify.targets.check_targets, where Apprise lives."""
    problems = []
    for kind in KINDS:
        problems += [
            f"{where}: {kind.section}: {message}" for message in kind.unreadable_secrets(settings.section(kind))
        ]
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


def _unreadable(target: TargetSettings) -> list[ValueError]:
    try:
        target.resolve_url()
    except ValueError as exc:
        return [exc]
    return []


def loadable_targets(data: Mapping[str, Any]) -> dict[str, TargetSettings]:
    """The file's targets that are valid on their own, for listing their problems when other parts of the file
    keep the whole from loading."""
    raw = data.get("targets")
    targets = {}
    for name, table in raw.items() if isinstance(raw, dict) else ():
        try:
            targets[str(name)] = TargetSettings.model_validate(table)
        except ValidationError:
            continue  # its own problems are listed already
    return targets


def _query_problems(data: Mapping[str, Any], where: str) -> list[str]:
    """Each watchlist's query and regex, compiled on their own: worded as the model words them, so a problem
    found both ways is listed once."""
    from monitor.core.watchlist import Watchlist, WatchlistError

    problems = []
    raw = data.get("watchlists")
    for index, table in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(table, dict):
            continue
        name, query, regex = table.get("name"), table.get("query"), table.get("regex", [])
        if (
            not isinstance(query, str | None)
            or not isinstance(regex, list)
            or not all(isinstance(r, str) for r in regex)
        ):
            continue
        try:
            Watchlist.build(str(name), query, regex=regex)
        except WatchlistError as exc:
            shown = "".join(f"\n      {line}" for line in exc.pointer.splitlines())
            label = f" ({name})" if isinstance(name, str) else ""
            problems.append(f"{where}: watchlists[{index}]{label}: {exc.detail}{shown}")
    return problems
