"""One history from the quick start to production, and a newcomer's path without traps: the data folder does
not move when a config file is added (or the service says where the earlier history is), the README's container
examples work as written with the files they mount, the example config sends nothing until edited and shows
every kind of source, the start-up line names the console, and a reload says "reloading"."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor import config_file
from monitor.settings.loading import load_settings
from monitor.store.store import Store
from tests.kit.fakes import FakeFederalRegister, Receiver, start_service

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
EXAMPLE = ROOT / "config" / "monitor.example.toml"


# -- one history -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", ["slack-minimal.toml", "monitor.example.toml"])
def test_adding_a_config_file_keeps_the_data_folder(
    config: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick start (`fr-monitor run`, no file) and the next step (`--config config/...`) from the same
    folder use the same history, both in the settings and in what the history commands read."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "slack://T000AAAA/B000BBBB/XXXXXXXXXXXX")
    quick_start = load_settings().data_dir.resolve()
    assert quick_start == tmp_path / "data"
    file = ROOT / "config" / config
    assert load_settings(file).data_dir.resolve() == quick_start
    assert config_file.data_dir(file).resolve() == quick_start


async def test_a_new_history_beside_an_earlier_one_says_where_that_one_is(
    fake_fr: FakeFederalRegister,
    receiver: Receiver,
    write_config: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from monitor.service import run_service

    monkeypatch.chdir(tmp_path)
    Store.open(tmp_path / "data").close()  # the quick start's history, in ./data
    config = write_config(fake_fr, receiver)
    folder = tmp_path / "config"
    folder.mkdir()
    moved = folder / "monitor.toml"  # a file that keeps its history beside itself: a new, empty one
    moved.write_text(re.sub(r'data_dir = ".*"', 'data_dir = "./data"', config.read_text()))
    with caplog.at_level(logging.WARNING, logger="monitor"):
        assert await run_service(load_settings(moved), once=True, config_path=str(moved)) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"starting a new, empty history in {folder / 'data'} (its first polls are a silent baseline), but an "
        f'earlier history is in {tmp_path / "data"}: to go on with it, stop and set data_dir = "{tmp_path / "data"}" '
        f"(or MONITOR_DATA_DIR={tmp_path / 'data'})"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="monitor"):  # the second start goes on with its own: no warning
        assert await run_service(load_settings(moved), once=True, config_path=str(moved)) == 0
    assert not [r for r in caplog.records if "earlier history" in r.getMessage()]


# -- README examples that work as written -------------------------------------------------------------------


def _env_read_by(config: Path) -> tuple[set[str], set[str]]:
    """The environment variables and the files a config's targets read their URLs from."""
    text = config.read_text()
    return set(re.findall(r'^url_env = "(\w+)"', text, re.M)), set(re.findall(r'^url_file = "([^"]+)"', text, re.M))


def test_the_readmes_docker_run_example_passes_what_the_mounted_file_reads() -> None:
    block = re.search(r"```sh\ndocker build.*?\n```", README, re.S)
    assert block is not None
    command = block.group(0).replace("\\\n", " ")
    mounts = re.findall(r'-v "\$PWD/([^:]+):/config/monitor.toml:ro"', command)
    assert mounts == ["config/slack-minimal.toml"]
    variables, files = _env_read_by(ROOT / mounts[0])
    passed = set(re.findall(r"-e (\w+)", command))
    assert variables and variables <= passed, (variables, passed)
    assert not files


def test_the_readmes_compose_example_passes_what_the_mounted_file_reads() -> None:
    block = re.search(r"```yaml\n(services:.*?)\n```", README, re.S)
    assert block is not None
    compose = yaml.safe_load(block.group(1))
    service = compose["services"]["fr-monitor"]
    (mounted,) = [v.split(":")[0] for v in service["volumes"] if ":/config/monitor.toml" in v]
    config = ROOT / mounted
    assert config.is_file(), mounted
    variables, files = _env_read_by(config)
    assert variables <= set(service.get("environment", {})), variables
    secrets = {f"/run/secrets/{name}" for name in service.get("secrets", [])}
    assert files == secrets  # a secret passed is a secret read, and the other way round
    for name in compose.get("secrets", {}):
        assert f"/run/secrets/{name}" in files


# -- an example config that sends nothing until edited --------------------------------------------------------


def test_the_example_config_sends_nowhere_until_edited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even in a shell that holds real secrets, running the example as it stands prints alerts and sends none."""
    for name in ("SLACK_WEBHOOK_URL", "SMTP_URL", "WEBHOOK_URL"):
        monkeypatch.setenv(name, "slack://T000AAAA/B000BBBB/XXXXXXXXXXXX")
    settings = load_settings(EXAMPLE)
    assert settings.target_urls() and all(url == "console://" for url in settings.target_urls().values())
    active = "\n".join(line for line in EXAMPLE.read_text().splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"(slack|mailtos?|json|webhooks?|https?)://", active.split("[targets.", 1)[1])


def test_the_example_config_shows_every_kind_of_source() -> None:
    text = EXAMPLE.read_text()
    for section in (
        "[federal_register]",
        "[public_inspection]",
        "[ecfr]",
        "[regulations_gov]",
        "[[pages]]",
        "[[feeds]]",
    ):
        assert f"\n{section}\n" in text, section
    documented = re.search(r"^# sources: (.*?)\n# \w+:", text, re.M | re.S)
    assert documented is not None
    for kind in ("federal_register", "public_inspection", "ecfr", "regulations_gov", "page:NAME", "feed:NAME"):
        assert kind in documented.group(1), kind
    settings = load_settings(EXAMPLE)
    used = {s.split(":")[0] for w in settings.watchlists for s in w.sources}
    assert used == {"federal_register", "public_inspection", "ecfr", "regulations_gov", "page", "feed"}


def test_the_quick_start_names_the_console() -> None:
    quick_start = README[README.index("## Quick start") : README.index("## Commands")]
    assert "http://127.0.0.1:8080/" in quick_start and "console" in quick_start
    assert "--config config/slack-minimal.toml" in quick_start


# -- the start-up line names the console; a reload says "reloading" ---------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(predicate: Callable[[], Any], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_startup_names_the_console_and_a_reload_says_reloading(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    port = free_port()
    config = write_config(fake_fr, receiver)
    config.write_text(config.read_text().replace("port = 0", f"port = {port}"))
    log_file = tmp_path / "service.log"
    with log_file.open("wb") as sink:
        proc = await start_service("run", "--config", str(config), stdout=sink, stderr=sink)
        try:
            await wait_for(lambda: "fr-monitor running" in log_file.read_text())
            proc.send_signal(signal.SIGHUP)
            await wait_for(lambda: log_file.read_text().count("fr-monitor running") == 2)
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 10) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = log_file.read_text()
    running = [line for line in log.splitlines() if "fr-monitor running" in line]
    assert all(f"console http://127.0.0.1:{port}/ (and /healthz, /readyz, /metrics)" in line for line in running)
    assert all(f"data in {tmp_path / 'data'}" in line for line in running)
    reload_part, stop_part = log.split("fr-monitor running")[1:3]
    assert "reloading: configuration reloaded from" in reload_part
    assert "reloading: polls pause; waiting up to 7s for deliveries in flight" in reload_part
    assert "stopping" not in reload_part
    assert "stopping: no new polls" in stop_part and "reloading" not in stop_part
