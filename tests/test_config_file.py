"""`alerts`, `deliveries` and `retry` find the data folder without building the settings model. They must find
the very folder the service uses, or they would read another history: each case compares
`config_file.data_dir` with `load_settings(...).data_dir`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from monitor.config_file import ConfigError, data_dir
from monitor.settings.loading import load_settings

CASES = [
    # (name, file text or None for no file, environment)
    ("built-in default", None, {}),
    ("file without data_dir", "log_level = 'INFO'\n", {}),
    ("relative in the file: beside the file", "data_dir = 'state'\n", {}),
    ("absolute in the file", "data_dir = '/srv/fr-monitor'\n", {}),
    ("environment wins over the file", "data_dir = 'state'\n", {"MONITOR_DATA_DIR": "/data"}),
    ("environment, relative: from the working folder", None, {"MONITOR_DATA_DIR": "here"}),
    ("environment in lower case, as pydantic-settings matches", None, {"monitor_data_dir": "/lower"}),
    ("file named by MONITOR_CONFIG", "data_dir = 'via-env'\n", {"USE_MONITOR_CONFIG": "1"}),
]


@pytest.mark.parametrize(("name", "text", "env"), CASES, ids=[c[0] for c in CASES])
def test_same_folder_as_the_settings(
    name: str, text: str | None, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.upper().startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    config = None
    if text is not None:
        config = tmp_path / "conf" / "monitor.toml"
        config.parent.mkdir()
        config.write_text(text)
    for key, value in env.items():
        if key == "USE_MONITOR_CONFIG":
            monkeypatch.setenv("MONITOR_CONFIG", str(config))
        else:
            monkeypatch.setenv(key, value)
    explicit = None if "USE_MONITOR_CONFIG" in env else config
    assert data_dir(explicit) == load_settings(explicit).data_dir


@pytest.mark.parametrize(
    ("text", "message"),
    [("data_dir = [1\n", "not valid TOML"), ("data_dir = 3\n", "data_dir: should be a path")],
)
def test_a_broken_file_is_a_config_error_naming_it(text: str, message: str, tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as error:
        data_dir(config, environ={})
    assert str(config) in str(error.value) and message in str(error.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        data_dir(tmp_path / "nope.toml", environ={})


def test_history_commands_do_not_build_the_settings_model(tmp_path: Path, python: str) -> None:
    """What makes them start fast; and a config that is broken elsewhere does not keep anyone from their history."""
    config = tmp_path / "monitor.toml"
    config.write_text("data_dir = 'data'\n[federal_register]\ninterval = 'often'\n")
    probe = (
        "import sys; from monitor.cli import main; code = main(sys.argv[1:]); "
        "print(code, 'pydantic_settings' in sys.modules, 'apprise' in sys.modules)"
    )
    for command in ("alerts", "deliveries"):
        done = subprocess.run(
            [python, "-c", probe, command, "--config", str(config)], capture_output=True, text=True, check=True
        )
        # No database there yet: exit 1 and say so; neither pydantic-settings nor Apprise was imported.
        assert done.stdout.split() == ["2", "False", "False"], (done.stdout, done.stderr)
        assert "no database" in done.stderr


def test_an_empty_data_dir_is_an_error_not_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`MONITOR_DATA_DIR=` (a compose file's `${DATA_DIR}` left unset) or `data_dir = ""` read as the current
    folder: the database went wherever the service was started, not to the volume meant for it."""
    empty = "is empty: give the folder for the database (an empty path would be the current folder)"
    config = tmp_path / "monitor.toml"
    config.write_text('data_dir = ""\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert raised.value.problems == [f"{config}: data_dir: {empty}"]
    monkeypatch.setenv("MONITOR_DATA_DIR", "")
    with pytest.raises(ConfigError) as raised:
        load_settings(None)
    assert raised.value.problems == [f"environment variable MONITOR_DATA_DIR: {empty}"]
    with pytest.raises(ConfigError) as raised:
        data_dir(None)  # what the history commands read, without the model
    assert raised.value.problems == [f"environment variable MONITOR_DATA_DIR: {empty}"]
