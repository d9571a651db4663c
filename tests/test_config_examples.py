"""Every file in config/ loads; the defaults are what the README promises; errors name key and file."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from monitor.settings.loading import ConfigError, load_settings
from monitor.settings.types import parse_duration

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "config").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_loads(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "slack://T000AAAA/B000BBBB/XXXXXXXXXXXX")
    settings = load_settings(path)
    assert settings.watchlists
    assert set(settings.target_urls())


def test_examples_exist() -> None:
    assert {p.name for p in EXAMPLES} >= {"monitor.example.toml", "slack-minimal.toml"}


def test_example_documents_every_option() -> None:
    from monitor.settings.model import Settings

    text = (ROOT / "config" / "monitor.example.toml").read_text()
    for name, field in Settings.model_fields.items():
        assert name in text, name
        # A section's model, or the model of each item of a list or a table ([[watchlists]], [targets.NAME]).
        models = [field.annotation, *typing.get_args(field.annotation)]
        for sub_name in (n for model in models for n in getattr(model, "model_fields", {})):
            assert f"{sub_name} =" in text, f"{name}.{sub_name}"


def test_built_in_defaults() -> None:
    settings = load_settings()
    assert settings.federal_register.enabled
    assert settings.federal_register.base_url == "https://www.federalregister.gov/api/v1/"
    assert [w.name for w in settings.watchlists] == ["ai-export-controls"]
    assert settings.target_urls() == {"console": "console://"}


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[federal_register]\ninterval = "1h"\nlookback_days = 5\n')
    monkeypatch.setenv("MONITOR_FEDERAL_REGISTER__INTERVAL", "5m")
    settings = load_settings(config)
    assert settings.federal_register.interval == 300
    assert settings.federal_register.lookback_days == 5


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[federal_register]\nlookback_days = 7\n")
    monkeypatch.setenv("MONITOR_CONFIG", str(config))
    assert load_settings().federal_register.lookback_days == 7


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("colour = 1", "c.toml: colour: unknown key"),
        ("[federal_register]\nbase = 'x'", "c.toml: federal_register.base: unknown key"),
        ("[delivery]\nmax_attempts = 0", "c.toml: delivery.max_attempts: Input should be greater than or equal to 1"),
        ("[federal_register]\ninterval = 'soon'", "federal_register.interval: 'soon' is not a duration"),
        ("[targets.a]\nurl = 'console://'\nurl_env = 'X'", "targets.a: set exactly one of url, url_env or url_file"),
        ("[targets.a]\nurl_env = 'NOPE_NOT_SET'", "targets.a: environment variable NOPE_NOT_SET is not set"),
        ("[targets.a]\nurl = 'nonsense'", "targets.a: not a usable Apprise URL"),
        ("[targets.a]\nurl = 'json://192.168.1.10/hook'", "targets.a: json://192.168.1.10/"),
        (
            "[[watchlists]]\nname = 'w'\nquery = '(a | b'",
            "watchlists[0] (w): query: unbalanced parenthesis at position 1\n      (a | b\n      ^",
        ),
        ("[[watchlists]]\nname = 'w'\nquery = 'a'\nsurprise = 1", "watchlists[0] (w).surprise: unknown key"),
        (
            "[[watchlists]]\nname = 'w'\nquery = 'a'\nnotify = ['nobody']",
            "watchlists[0] (w).notify: unknown target 'nobody'; known targets: console",
        ),
        ("[[watchlists]]\nname = 'w'\nquery = 'a'\ntypes = ['MEMO']", "watchlists[0] (w).types[0]: Input should be"),
        ("[[watchlists]]\nname='w'\nquery='a'\n[[watchlists]]\nname='w'\nquery='b'", "repeated: w"),
        ("data_dir = ", "not valid TOML"),
        (
            "[[watchlists]]\nname = 'w'\nregex = ['ai(']",
            "watchlists[0] (w): regex: missing ), unterminated subpattern at position 3\n      ai(\n        ^",
        ),
        ("[[watchlists]]\nname = 'w'", "watchlist 'w': give a query, a regex, or both"),
        ("[[watchlists]]\nname = 'w'\nquery = 'a'\ncfr = ['15']", "cfr '15' is not TITLE:PART"),
        ("[[watchlists]]\nname = 'w'\nquery = 'a'\ncfr = ['15:774-730']", "the range ends before it starts"),
        ("[[watchlists]]\nname = 'w'\nquery = 'a'\nfields = ['body']", "watchlists[0] (w).fields[0]: Input should be"),
        ("[[watchlists]]\nname = 'w'\nquery = 'a'\nreminders = ['36h']", "must be a whole number of days"),
    ],
)
def test_errors_name_the_key_and_the_file(tmp_path: Path, toml: str, expected: str) -> None:
    from monitor.notify.targets import check_targets

    config = tmp_path / "c.toml"
    config.write_text(toml + "\n")
    with pytest.raises(ConfigError) as caught:
        settings = load_settings(config)  # then the targets, as check-config does
        check_targets(settings.targets, settings.allow_private_targets, str(config))
    assert expected in str(caught.value)
    assert str(config) in str(caught.value)


def test_secret_never_in_errors(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[targets.a]\nurl = 'json://user:CANARY-SECRET@10.1.2.3/hook'\n")
    from monitor.notify.targets import check_targets

    with pytest.raises(ConfigError) as caught:
        settings = load_settings(config)
        check_targets(settings.targets, settings.allow_private_targets, str(config))
    assert "CANARY-SECRET" not in str(caught.value)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file does not exist"):
        load_settings(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("value", "seconds"), [("90s", 90), ("5m", 300), ("1h", 3600), ("1h30m", 5400), (45, 45), ("2d", 172800)]
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "5x", "-1", True, "m5", float("nan"), float("inf"), "9" * 400, "36525d1s"])
def test_bad_durations(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


@pytest.mark.parametrize("value", ["nan", "inf", "1e300", "'36600d'"])
def test_an_interval_no_clock_can_plan_is_a_config_error(value: str, tmp_path: Path) -> None:
    """TOML's nan and inf (and an interval past the calendar) were taken, and check-config, status or the
    schedule ended in an unexpected error (cannot convert float NaN to integer)."""
    config = tmp_path / "monitor.toml"
    config.write_text(f"[ecfr]\ninterval = {value}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert raised.value.problems == [
        f"{config}: ecfr.interval: a duration is a number of seconds up to 100 years, or a string like '90s', '5m', "
        "'1h'"
    ]


def test_problems_are_listed_in_the_order_of_the_file(tmp_path: Path) -> None:
    """Read top to bottom, as the file is: a source's table written before the service's keys comes first."""
    config = tmp_path / "c.toml"
    config.write_text('[ecfr]\nparts = ["nope"]\n[web]\nport = "x"\n[federal_register]\nintreval = "5m"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    keys = [problem.split(": ")[1] for problem in caught.value.problems]
    assert keys == ["ecfr", "web.port", "federal_register.intreval"]
