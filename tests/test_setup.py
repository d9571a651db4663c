"""Set up right the first time: defaults that watch BIS, a container config that combines with a mounted file,
check-config that tells the whole truth, errors that say where and what to do, paths relative to the config
file, one service per data folder, and a CLI a person can read."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from monitor.settings.loading import ConfigError, load_settings, unknown_environment
from monitor.sources.ecfr.settings import EAR_AI_PARTS
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, start_service
from tests.kit.service import fr_monitor

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


# -- defaults that match the mission ----------------------------------------------------------------------


def test_built_in_defaults_watch_bis_public_inspection_and_the_ear() -> None:
    settings = load_settings()
    assert settings.federal_register.enabled and settings.public_inspection.enabled
    assert settings.ecfr.enabled and settings.ecfr.parts == EAR_AI_PARTS
    assert [p.name for p in settings.pages] == ["bis-press-releases", "bis-federal-register-notices"]
    assert all(p.url.startswith("https://www.bis.gov/") for p in settings.pages)


def test_a_config_that_leaves_sections_out_keeps_their_defaults_and_turns_them_off_explicitly(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[targets.team]\nurl = "console://"\n')
    settings = load_settings(config)
    assert settings.public_inspection.enabled and settings.ecfr.enabled and len(settings.pages) == 2
    config.write_text("pages = []\n[public_inspection]\nenabled = false\n[ecfr]\nenabled = false\n")
    settings = load_settings(config)
    assert not settings.pages and not settings.public_inspection.enabled and not settings.ecfr.enabled


def _image_environment() -> dict[str, str]:
    """The ENV the Dockerfile sets, as the running image has it."""
    blocks = re.findall(r"^ENV ((?:.*\\\n)*.*)$", DOCKERFILE, re.M)
    return dict(re.findall(r"(MONITOR_\w+)=(\S+)", "\n".join(blocks)))


@pytest.mark.parametrize("mounted", ["container.toml", "slack-minimal.toml"])
def test_a_mounted_config_combines_with_what_the_image_sets(mounted: str, monkeypatch: pytest.MonkeyPatch) -> None:
    image = _image_environment()
    assert image == {
        "MONITOR_CONFIG": "/config/monitor.toml",
        "MONITOR_DATA_DIR": "/data",
        "MONITOR_WEB__HOST": "0.0.0.0",
    }
    for name, value in image.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "slack://T000AAAA/B000BBBB/XXXXXXXX")
    settings = load_settings(ROOT / "config" / mounted)
    assert str(settings.data_dir) == "/data" and settings.web.host == "0.0.0.0" and settings.web.port == 8080
    assert len(settings.pages) == 2 and settings.ecfr.enabled and settings.public_inspection.enabled


def test_the_environment_beats_the_file_which_beats_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Key by key, even inside one table: the file's [web] reaches the nested section, the environment
    overrides one of its keys, and the key neither sets keeps its default."""
    config = tmp_path / "monitor.toml"
    config.write_text("log_level = 'debug'\nops_alert_after_failures = 5\n[web]\nhost = '10.0.0.9'\nport = 9000\n")
    settings = load_settings(config)
    assert (settings.log_level, settings.ops_alert_after_failures) == ("DEBUG", 5)
    assert (settings.web.host, settings.web.port, settings.web.enabled) == ("10.0.0.9", 9000, True)
    monkeypatch.setenv("MONITOR_WEB__PORT", "9100")
    monkeypatch.setenv("MONITOR_LOG_LEVEL", "error")
    settings = load_settings(config)
    assert (settings.log_level, settings.ops_alert_after_failures) == ("ERROR", 5)
    assert (settings.web.host, settings.web.port, settings.web.enabled) == ("10.0.0.9", 9100, True)
    assert settings.federal_register.interval == 900.0  # neither says: the default


# -- check-config tells the whole truth ------------------------------------------------------------------


async def test_check_config_lists_everything_enabled(tmp_path: Path, cli) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[targets.hook]\nurl = "webhooks://alerts.example.com/fr"\nevents = ["published"]\ndigest = "daily 08:00"\n'
        '[[feeds]]\nname = "fr-bis"\nurl = "https://www.federalregister.gov/api/v1/documents.rss"\ninterval = "30m"\n'
        "[[watchlists]]\nname = 'chips'\nquery = 'chips'\nagencies = ['industry-and-security-bureau']\n"
        "types = ['rule']\ncfr = ['15:744']\nnotify = ['hook']\n"
    )
    code, out, err = await cli("check-config", "--config", str(config))
    assert code == 0, err
    for expected in (
        "federal_register: every 15m",
        "public_inspection: every 1m",
        "page:bis-press-releases: every 1h",
        "page:bis-federal-register-notices: every 1h",
        "feed:fr-bis: every 30m",
        "ecfr: every 6h, the regulation text of 15 CFR 734",
        "hook: webhooks://alerts.example.com/… (events: published; daily 08:00)",
        "chips: notify hook",
        "agencies: industry-and-security-bureau",
        "types: RULE",
        "cfr: 15:744",
    ):
        assert expected in out, expected
    code, out, err = await cli("check-config", "--config", str(config), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert [s["name"] for s in summary["sources"]] == [
        "federal_register",
        "public_inspection",
        "page:bis-press-releases",
        "page:bis-federal-register-notices",
        "feed:fr-bis",
        "ecfr",
    ]
    assert summary["targets"][0] == {
        "name": "hook",
        "url": "webhooks://alerts.example.com/…",
        "events": ["published"],
        "digest": "daily 08:00",
    }
    assert summary["watchlists"][0]["filters"]["cfr"] == ["15:744"]


# -- errors that say where and what to do ----------------------------------------------------------------


def problems(tmp_path: Path, toml: str) -> list[str]:
    config = tmp_path / "c.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    return caught.value.problems


def test_an_environment_override_is_named_not_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_FEDERAL_REGISTER__INTERVAL", "abc")
    (problem,) = problems(tmp_path, "[federal_register]\nlookback_days = 3\n")
    assert problem.startswith("environment variable MONITOR_FEDERAL_REGISTER__INTERVAL: 'abc' is not a duration")


def test_unknown_environment_variables_are_warned_with_the_closest_name() -> None:
    warnings = unknown_environment(
        {"MONITOR_FEDRAL_REGISTER__INTERVAL": "5m", "MONITOR_PORT": "tcp://10.0.0.1:80", "MONITOR_DATA_DIR": "/d"}
    )
    assert warnings == [
        "environment variable MONITOR_FEDRAL_REGISTER__INTERVAL is not a setting and is ignored; "
        "did you mean 'MONITOR_FEDERAL_REGISTER__INTERVAL'?",
        "environment variable MONITOR_PORT is not a setting and is ignored; did you mean 'MONITOR_WEB__PORT'?",
    ]


def test_a_misspelt_key_inside_a_table_is_an_error_and_not_also_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model reads every variable under a table it has, so a wrong key there is an error; a warning that it
    is ignored as well would say the opposite."""
    monkeypatch.setenv("MONITOR_ECFR__INTREVAL", "5m")
    (problem,) = problems(tmp_path, "")
    assert problem == "environment variable MONITOR_ECFR__INTREVAL: unknown key; did you mean 'interval'?"
    assert unknown_environment({"MONITOR_ECFR__INTREVAL": "5m"}) == []


def test_a_table_set_in_the_environment_is_blamed_only_for_what_the_file_does_not_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_ECFR", '{"enabled": true}')
    (problem,) = problems(tmp_path, '[ecfr]\nintreval = "5m"\n')
    assert problem.endswith("c.toml: ecfr.intreval: unknown key; did you mean 'interval'?"), problem
    monkeypatch.setenv("MONITOR_ECFR", '{"intreval": "5m"}')
    (problem,) = problems(tmp_path, "")
    assert problem == "environment variable MONITOR_ECFR: intreval: unknown key; did you mean 'interval'?"


async def test_an_unknown_variable_is_a_warning_not_an_error(tmp_path: Path, cli) -> None:
    code, out, err = await cli("check-config", env={"MONITOR_FEDRAL_REGISTER__INTERVAL": "5m"})
    assert code == 0 and "configuration is valid" in out
    assert "did you mean 'MONITOR_FEDERAL_REGISTER__INTERVAL'?" in err


def test_every_problem_in_one_pass_each_with_its_place(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        'log_level = "info"\nreminder_time = "8am"\n'
        "[federal_register]\ninterval = 0\nrequests_per_second = 10\n"
        '[http]\ntimeout = 0\n[delivery]\nbackoff_base = "1h"\nbackoff_max = "1m"\n'
        '[targets.slack]\nurl = "console://"\n'
        "[[watchlists]]\nname = 'ai'\nquery = 'chips (a | b'\nnotify = ['slak']\ntypes = ['rule']\n",
    )
    text = "\n".join(found)
    for expected in (
        "reminder_time: '8am' is not a time of day: write HH:MM on a 24-hour clock, US Eastern, like '08:00'",
        "federal_register.interval: must be more than 0",
        "federal_register.requests_per_second: requests_per_second above 5 is refused for federalregister.gov",
        "http.timeout: must be more than 0",
        "delivery.backoff_max: backoff_max (60s) is below backoff_base (3600s)",
        "watchlists[0] (ai): query: unbalanced parenthesis at position 7\n      chips (a | b\n            ^",
        "watchlists[0] (ai).notify: unknown target 'slak'; did you mean 'slack'? known targets: slack",
    ):
        assert expected in text, expected
    assert "log_level" not in text and "types" not in text  # "info" and "rule" are fine in any case


def test_enumerated_values_in_any_case(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'log_level = "info"\nlog_format = "JSON"\n[targets.t]\nurl = "console://"\nevents = ["Published"]\n'
        "[[watchlists]]\nname = 'w'\nquery = 'a'\ntypes = ['Rule']\nfull_text = 'Without_Abstract'\n"
    )
    settings = load_settings(config)
    assert settings.log_level == "INFO" and settings.log_format == "json"
    assert settings.targets["t"].events == ["published"]
    assert settings.watchlists[0].types == ["RULE"] and settings.watchlists[0].full_text == "without_abstract"


def test_a_file_key_means_exactly_what_it_says(tmp_path: Path) -> None:
    """The file's tables are the model's keyword arguments, yet a key in another case is no setting (as in
    TOML), and one starting with "_" is not taken as an option of the model itself (_env_file, _secrets_dir)."""
    found = problems(tmp_path, "Log_Level = 'debug'\n_env_file = 'x.env'\n[WEB]\nport = 9000\n")
    assert sorted(p.removeprefix(f"{tmp_path / 'c.toml'}: ") for p in found) == [
        "Log_Level: unknown key; did you mean 'log_level'?",
        "WEB: unknown key (check the spelling; see config/monitor.example.toml)",
        "_env_file: unknown key (check the spelling; see config/monitor.example.toml)",
    ]


# -- relative paths ----------------------------------------------------------------------------------------


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "hook-url").write_text("console://\n")
    config = folder / "monitor.toml"
    config.write_text('data_dir = "state"\n[targets.t]\nurl_file = "hook-url"\n')
    monkeypatch.chdir(tmp_path)  # anywhere else
    settings = load_settings(config)
    assert settings.data_dir == folder / "state"
    assert settings.targets["t"].url_file == folder / "hook-url"
    assert settings.target_urls() == {"t": "console://"}


# -- one owner per data folder ---------------------------------------------------------------------------


async def test_one_service_per_data_folder_and_read_commands_beside_it(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
) -> None:
    config = write_config(fake_fr, receiver)
    data = config.parent / "data"
    code, out, err = await fr_monitor("alerts", "--config", str(config))
    assert code == 2 and f"no database in {data}" in err and not data.exists()
    assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0
    fake_fr.add(ai_diffusion_rule())
    proc = await start_service("run", "--config", str(config), stderr=asyncio.subprocess.PIPE)
    try:
        await receiver.wait_for()
        code, _, err = await fr_monitor("run", "--once", "--config", str(config))
        assert code == 2 and f"is running on the data folder {data}" in err
        code, out, err = await fr_monitor("alerts", "--config", str(config))
        assert code == 0 and "2025-00636" in out, err
        code, out, err = await fr_monitor("retry", "--config", str(config))
        assert code == 0 and out.strip() == "no dead deliveries: nothing to queue again"
    finally:
        proc.terminate()
        await proc.wait()


# -- a CLI a person can read -----------------------------------------------------------------------------


async def test_alerts_and_deliveries_are_tables_in_eastern_time(fake_fr, receiver, write_config) -> None:
    config = write_config(fake_fr, receiver, max_attempts=1)
    assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0
    fake_fr.add(ai_diffusion_rule())
    receiver.fail_with, receiver.fail_times = 404, 1
    assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0
    code, out, err = await fr_monitor("alerts", "--config", str(config))
    assert code == 0, err
    header, first = out.splitlines()[:2]
    assert header.split() == ["ALERT", "TIME", "EVENT", "WATCHLIST", "DOCUMENT", "TITLE"]
    assert re.search(r"^1\s+\d{4}-\d\d-\d\d \d\d:\d\d ET\s+published\s+ai\s+2025-00636\s+Framework", first)
    assert "alert 1: delivery 1 to hook: dead, 1 attempt(s)" in out
    code, out, _ = await fr_monitor("alerts", "--config", str(config), "--event", "withdrawn")
    assert out.strip() == "no alerts match those filters"
    code, out, _ = await fr_monitor(
        "alerts", "--config", str(config), "--watchlist", "ai", "--since", "2000-01-01", "--json"
    )
    (alert,) = json.loads(out)
    assert alert["deliveries"][0]["delivery_id"] == 1 and alert["deliveries"][0]["state"] == "dead"
    code, out, _ = await fr_monitor("deliveries", "--config", str(config))
    assert out.splitlines()[0].split()[:5] == ["DELIVERY", "ALERT", "TARGET", "STATE", "ATTEMPTS"]
    code, out, _ = await fr_monitor("retry", "1", "--config", str(config))
    assert code == 0
    assert "queued again: delivery 1 to hook (was dead, 1 attempt(s)): published 2025-00636" in out
    assert "no service is running on" in out and "fr-monitor run --once" in out


async def test_backfill_query_and_send_say_what_they_did(fake_fr, receiver, write_config) -> None:
    fake_fr.documents = [ai_diffusion_rule()]
    fake_fr.filter_dates = True
    config = write_config(fake_fr, receiver)
    code, out, err = await fr_monitor(
        "backfill",
        "--config",
        str(config),
        "--since",
        "2025-01-01",
        "--until",
        "2025-01-31",
        "--query",
        '"model weights"',
    )
    assert code == 0, err
    assert "2025-00636 [query] Framework for Artificial Intelligence Diffusion" in out
    code, _, err = await fr_monitor("backfill", "--config", str(config), "--since", "2025-01-01", "--query", "(chips")
    assert code == 2 and "--query: query: unbalanced parenthesis at position 1\n    (chips\n    ^" in err
    args = ("backfill", "--config", str(config), "--since", "2025-01-01", "--until", "2025-01-31", "--send")
    code, out, err = await fr_monitor(*args)
    assert code == 0, err
    assert "sent: 1 new alert(s) queued (0 already alerted before, not repeated); deliveries: 1 accepted" in out
    code, out, err = await fr_monitor(*args)
    assert "sent: 0 new alert(s) queued (1 already alerted before, not repeated); deliveries: 0 accepted" in out
    assert len(receiver.received) == 1


async def test_a_poll_more_often_than_once_a_minute_at_a_site_is_warned(tmp_path: Path, cli) -> None:
    """`interval = 15` is 15 seconds: at federalregister.gov that is a warning naming the unit; at this machine
    (a mirror, a test server) it is not."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        "pages = []\n[federal_register]\ninterval = 15\n[public_inspection]\nenabled = false\n"
        '[ecfr]\nenabled = false\n[[feeds]]\nname = "local"\nurl = "http://127.0.0.1:9/feed"\ninterval = 5\n'
    )
    code, out, err = await cli("check-config", "--config", str(config))
    assert code == 0 and "configuration is valid" in out
    assert err.splitlines() == [
        "fr-monitor: warning: federal_register is checked every 15 seconds at www.federalregister.gov: a bare "
        'number is seconds (write "15m" for minutes); upstream sites ask for restraint'
    ]
