"""The config file itself: which one, its TOML read with errors that name it, and its relative paths made
relative to its folder. Standard library only.

`data_dir` is here too, read without building the settings model: `alerts` and `deliveries` need only the data
folder, and importing pydantic-settings and building the model is most of a command's start. It follows the
model's precedence exactly (a test compares the two): the MONITOR_DATA_DIR environment variable (any case, as
pydantic-settings matches), else the file's `data_dir`, else ./data.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CONFIG_ENV = "MONITOR_CONFIG"
DATA_DIR_ENV = "MONITOR_DATA_DIR"
DEFAULT_DATA_DIR = Path("./data")
EMPTY_DATA_DIR = "is empty: give the folder for the database (an empty path would be the current folder)"


class ConfigError(Exception):
    """Everything wrong with a configuration, one problem per line, each naming the key path and file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def config_path(explicit: Path | str | None = None) -> Path | None:
    """The file asked for (`--config`), else $MONITOR_CONFIG, else None (built-in defaults)."""
    chosen = explicit if explicit is not None else os.environ.get(CONFIG_ENV) or None
    return Path(chosen) if chosen is not None else None


def read_config(file: Path) -> dict[str, Any]:
    """The file's tables, with relative paths resolved against its folder. A file that was asked for must exist:
    a typo in a path never silently means "defaults"."""
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
    return _relative_to(data, file.resolve().parent)


def _relative_to(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Relative paths in a config file mean relative to the file's folder, not to wherever the service was
    started from; a path starting with ~ is in the home folder."""

    def resolve(value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        path = Path(value).expanduser()  # "~/fr-monitor" is the user's home, as a shell would read it
        return str(path if path.is_absolute() else folder / path)

    if "data_dir" in data:
        data["data_dir"] = resolve(data["data_dir"])
    targets = data.get("targets")
    for target in targets.values() if isinstance(targets, dict) else ():  # not a table: the model says so
        if isinstance(target, dict) and "url_file" in target:
            target["url_file"] = resolve(target["url_file"])
    for section, key in (("regulations_gov", "api_key_file"), ("web", "password_file")):
        table = data.get(section)
        if isinstance(table, dict) and key in table:
            table[key] = resolve(table[key])
    return data


def data_dir(explicit: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The data folder the settings would name, without building them (see the top)."""
    environ = os.environ if environ is None else environ
    from_env = [value for name, value in environ.items() if name.upper() == DATA_DIR_ENV]
    if from_env:
        if not from_env[-1].strip():
            raise ConfigError([f"environment variable {DATA_DIR_ENV}: {EMPTY_DATA_DIR}"])
        return Path(from_env[-1])
    file = config_path(explicit)
    value = read_config(file).get("data_dir") if file is not None else None
    if value is None:
        return DEFAULT_DATA_DIR
    if not isinstance(value, str) or not value:
        raise ConfigError([f"{file}: data_dir: should be a path (a string), not {value!r}"])
    return Path(value)
