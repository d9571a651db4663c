"""A config file whose values have the wrong shape (a list where a table goes, a number where a list goes...)
is refused with a message naming the key, never a traceback: every key the model knows, at the top level, in
each table and in an entry of each list or map of tables (pages, feeds, watchlists, targets), is given each wrong
shape in turn."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from monitor.settings.loading import ConfigError, load_settings
from monitor.settings.model import Settings

# TOML values of every shape: a number, a string, a list of numbers, an empty list, a table with a stray key.
SHAPES = ["3", "'x'", "[1]", "[]", "{ stray = 1 }"]


# An entry of each list or map of tables that is valid on its own: each of its keys is then made wrong in turn.
ENTRIES = {
    "pages": ("[[pages]]", {"name": "'p'", "url": "'http://127.0.0.1:9/'"}),
    "feeds": ("[[feeds]]", {"name": "'f'", "url": "'http://127.0.0.1:9/feed'"}),
    "watchlists": ("[[watchlists]]", {"name": "'w'", "query": "'chips'"}),
    "targets": ("[targets.t]", {"url": "'json://127.0.0.1:9/'"}),
}


def _key_paths() -> list[str]:
    paths = []
    for name, field in Settings.model_fields.items():
        paths.append(name)
        table = field.annotation
        if isinstance(table, type) and issubclass(table, BaseModel):
            paths += [f"{name}.{key}" for key in table.model_fields]
        elif name in ENTRIES:
            entry = get_args(table)[-1]
            paths += [f"{name}.{key}" for key in entry.model_fields]
    return paths


def _toml(path: str, shape: str) -> str:
    if "." not in path:
        return f"{path} = {shape}\n"
    table, key = path.split(".")
    if table in ENTRIES:
        header, valid = ENTRIES[table]
        values = {**valid, key: shape}
        return header + "\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
    return f"[{table}]\n{key} = {shape}\n"


@pytest.mark.parametrize("path", _key_paths())
def test_a_value_of_the_wrong_shape_is_a_config_error_naming_its_key(
    path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x")
    config = tmp_path / "monitor.toml"
    refused = 0
    for shape in SHAPES:
        config.write_text(_toml(path, shape))
        tomllib.loads(config.read_text())  # the file itself is valid TOML: only the shape is wrong
        try:
            load_settings(config)
        except ConfigError as exc:
            refused += 1
            named: Any = path.split(".")[0]
            assert all(str(config) in p for p in exc.problems), exc.problems
            assert any(named in p for p in exc.problems), (shape, exc.problems)
    assert refused >= 2, f"{path}: most wrong shapes should be refused"


# A list or a table set in the environment is JSON to pydantic-settings; a value that is not must be named, with
# how to write it, and never echoed (it may be a secret).
NOT_JSON = [
    # (variable, its value, how the message says to write it)
    ("MONITOR_TARGETS", "slack=hooks", """'{"key": "value"}'"""),
    ("MONITOR_FEDERAL_REGISTER", "{enabled", """'{"key": "value"}'"""),
    ("MONITOR_FEDERAL_REGISTER__AGENCIES", "industry-and-security-bureau", """'["first", "second"]'"""),
    ("monitor_ecfr__parts", "15:744", """'["first", "second"]'"""),
    ("MONITOR_WATCHLISTS", "[{", """'["first", "second"]'"""),
]


@pytest.mark.parametrize(("name", "value", "written"), NOT_JSON)
def test_a_list_or_table_in_the_environment_that_is_not_json_is_named(
    name: str, value: str, written: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x")
    monkeypatch.setenv("MONITOR_ECFR__INTERVAL", "5m")  # a plain value beside it is fine as it is
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(None)
    assert raised.value.problems == [
        f"environment variable {name}: not valid JSON: a list or a table set in the environment is written as "
        f"JSON, like {name}={written}"
    ]
    assert value not in str(raised.value)


# A source's URL urllib cannot take apart was taken at load and failed at the first poll as an unexpected error,
# with a traceback in the log. Each carries a password the message must not echo.
UNUSABLE_URLS = [
    "http://reader:SECRETPW@[::1/news",  # an IPv6 host not closed
    "https://reader:SECRETPW@news.example:99999/",  # a port out of range
    "https://reader:SECRETPW@news.example:https/",  # a port that is not a number
    "https://reader:SECRETPW@/news",  # no host
]
URL_KEYS = [
    ("[[pages]]\nname = 'p'", "url", "pages[0] (p).url"),
    ("[[feeds]]\nname = 'f'", "url", "feeds[0] (f).url"),
    ("[federal_register]", "base_url", "federal_register.base_url"),
    ("[ecfr]", "base_url", "ecfr.base_url"),
    ("[regulations_gov]", "base_url", "regulations_gov.base_url"),
]


@pytest.mark.parametrize("url", UNUSABLE_URLS)
@pytest.mark.parametrize(("table", "key", "named"), URL_KEYS)
def test_a_source_url_that_cannot_be_used_is_a_config_error(
    table: str, key: str, named: str, url: str, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f"{table}\n{key} = '{url}'\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{config}: {named}: "), problem
    assert "usable URL" in problem, problem
    assert "SECRETPW" not in problem


@pytest.mark.parametrize("key", ["sources", "notify"])
@pytest.mark.parametrize("item", ["{}", "{ name = 'x' }", "[]", "1"])
def test_a_watchlist_list_item_of_the_wrong_shape_is_named_once(key: str, item: str, tmp_path: Path) -> None:
    """A table or a list among a watchlist's sources or targets was looked up as a name (TypeError: unhashable,
    an unexpected error); a number was named twice, as not a string and as an unknown name."""
    config = tmp_path / "monitor.toml"
    config.write_text(f"[[watchlists]]\nname = 'w'\nquery = 'chips'\n{key} = [{item}]\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{config}: watchlists[0] (w).{key}[0]"), problem
    assert problem.endswith(": Input should be a valid string"), problem


def test_a_bad_environment_value_does_not_hide_the_files_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every problem in one pass: the environment that cannot be read, and the file's own problems beside it."""
    monkeypatch.setenv("MONITOR_ECFR__PARTS", "15:744")
    config = tmp_path / "monitor.toml"
    config.write_text('[ecfr]\nintreval = "5m"\n[web]\nport = "x"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    problems = raised.value.problems
    assert problems[0].startswith("environment variable MONITOR_ECFR__PARTS: not valid JSON")
    assert problems[1:] == [
        f"{config}: ecfr.intreval: unknown key; did you mean 'interval'?",
        f"{config}: web.port: Input should be a valid integer, unable to parse string as an integer",
    ]


def test_a_top_level_key_written_below_a_table_is_explained(tmp_path: Path) -> None:
    """TOML reads `pages = []` below [ecfr] as ecfr.pages: say so, rather than suggest ecfr's 'parts'."""
    config = tmp_path / "monitor.toml"
    config.write_text('[ecfr]\nparts = ["15:744"]\npages = []\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert raised.value.problems == [
        f"{config}: ecfr.pages: unknown key: 'pages' is a top-level key; in TOML it must stand above the first "
        "[table], or it is read as part of the table it follows"
    ]


def test_a_data_dir_starting_with_a_tilde_is_in_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.config_file import data_dir

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MONITOR_DATA_DIR", raising=False)
    config = tmp_path / "conf" / "monitor.toml"
    config.parent.mkdir()
    config.write_text('data_dir = "~/fr-monitor"\n')
    assert load_settings(config, secrets=False).data_dir == tmp_path / "home" / "fr-monitor"
    assert data_dir(config) == tmp_path / "home" / "fr-monitor"  # what alerts and deliveries read: the same
