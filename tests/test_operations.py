"""Running for months: schedule maths, endpoints, reload, health check, JSON logs, retention, the image."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monitor.app import App
from monitor.core.schedule import federal_holidays, is_business_day, public_inspection_interval, staleness_limit
from monitor.service import poll_forever
from monitor.settings.loading import load_settings
from monitor.web import build_web_app
from tests.kit.clock import Clock, at
from tests.kit.fakes import ROOT, ai_diffusion_rule, start_service
from tests.kit.service import fr_monitor


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2025, {date(2025, 1, 1), date(2025, 1, 20), date(2025, 7, 4), date(2025, 11, 27), date(2025, 12, 25)}),
        (2026, {date(2026, 7, 3), date(2026, 11, 11), date(2026, 11, 26), date(2026, 9, 7)}),  # Jul 4 is a Saturday
        (2021, {date(2021, 12, 31), date(2021, 6, 18)}),  # 2022-01-01 and 2021-06-19 fall on Saturdays
        (2023, {date(2023, 1, 2), date(2023, 5, 29), date(2023, 10, 9)}),  # 2023-01-01 is a Sunday
    ],
)
def test_federal_holidays(year: int, expected: set[date]) -> None:
    assert expected <= federal_holidays(year)
    assert len(federal_holidays(year)) in (11, 12)


def test_business_days() -> None:
    assert is_business_day(date(2026, 11, 25))
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving: today
    assert not is_business_day(date(2026, 11, 28))  # Saturday


@pytest.mark.usefixtures("machine_tz")
@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-11-25 09:00", 300),  # a Wednesday in the filing day: busy
        ("2026-11-25 18:29", 300),
        ("2026-11-25 22:00", 3600),  # night: quiet
        ("2026-11-27 07:30", 1800),  # Friday after Thanksgiving, 30 minutes before the filing day opens
        ("2026-11-26 12:00", 3600),  # Thanksgiving noon: quiet
        ("2026-11-28 12:00", 3600),  # Saturday
        ("2026-03-09 07:55", 300),  # the Monday after DST starts: never less than the busy interval
    ],
)
def test_public_inspection_interval(when: str, expected: float) -> None:
    now = datetime.fromtimestamp(at(when), UTC)
    assert public_inspection_interval(now, 300, 3600) == expected


def test_staleness_limit_allows_quiet_periods() -> None:
    weekend = datetime.fromtimestamp(at("2026-11-28 12:00"), UTC)
    weekday = datetime.fromtimestamp(at("2026-11-25 10:00"), UTC)
    assert staleness_limit(weekend, 300, 3600) == 3 * 3600
    assert staleness_limit(weekday, 300, 3600) == 900
    assert staleness_limit(weekday, 60) == 600


class SlowSource:
    """A source whose every poll takes half its interval, on the app's clock."""

    name = "slow"
    interval = 60.0

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Any]:
        self.calls.append(self.clock.now)
        self.clock.now += self.interval / 2
        return []

    def next_interval(self, now: datetime) -> float:
        return self.interval


async def test_polls_keep_time_without_drift(fake_fr, receiver, write_config):
    clock = Clock(at("2026-11-25 10:00"))
    app = App(load_settings(write_config(fake_fr, receiver)), clock=clock)
    source = SlowSource(clock)
    stop = asyncio.Event()

    async def wait(stop: asyncio.Event, seconds: float) -> None:  # the service's wait, on the fake clock
        clock.now += seconds
        if len(source.calls) == 10:
            stop.set()

    await poll_forever(app, source, stop, wait=wait)
    await app.close()
    # One poll every interval from the first, however long each takes (give or take its jitter, at most 5%):
    # drift would plan each from the end of the last, 1.5 intervals apart.
    offsets = [(t - source.calls[0]) / source.interval for t in source.calls]
    assert all(k <= offset <= k + 0.05 for k, offset in enumerate(offsets)), offsets


@pytest.fixture
async def web_client(fake_fr, receiver, write_config):  # type: ignore[no-untyped-def]
    config = write_config(fake_fr, receiver)
    config.write_text(config.read_text().replace('url = "json://', 'url = "json://user:CANARY5150@'))
    app = App(load_settings(config))
    client = TestClient(TestServer(build_web_app(app, app.loops.last_beat)))
    await client.start_server()
    yield app, client
    await client.close()
    await app.close()


async def test_endpoints(web_client, fake_fr):
    app, client = web_client
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 200  # just started: within its first interval
    await app.run_once()
    fake_fr.add(ai_diffusion_rule())
    await app.run_once()
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["problems"] == []
    metrics = await (await client.get("/metrics")).text()
    for name in (
        'frmonitor_polls_total{outcome="ok",source="federal_register"} 2.0',
        'frmonitor_alerts_total{event="published"} 1.0',
        'frmonitor_deliveries{state="sent"} 1.0',
        "frmonitor_outbox_pending 0.0",
        "frmonitor_outbox_oldest_age_seconds",
        "frmonitor_delivery_latency_seconds_count 1.0",
        'frmonitor_last_success_timestamp_seconds{source="federal_register"}',
        'frmonitor_documents_seen_total{source="federal_register"}',
    ):
        assert name in metrics, name
    assert "CANARY5150" not in metrics and "json://" not in metrics


async def test_readiness_fails_when_a_source_is_stale(web_client):
    app, client = web_client
    await app.run_once()
    app.clock = lambda: app.started_at + 3600  # an hour without a successful poll, interval 1 s
    response = await client.get("/readyz")
    assert response.status == 503
    assert "federal_register: last success" in (await response.json())["problems"][0]


async def test_health_fails_when_the_loop_stalls(web_client):
    app, client = web_client
    app.loops.heartbeat -= 120
    assert (await client.get("/healthz")).status == 503


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD", "PATCH"])
async def test_endpoints_refuse_everything_but_get(web_client, method):
    _, client = web_client
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await client.request(method, path)).status == 405


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(predicate: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_reload_health_check_and_stop(fake_fr, receiver, write_config, tmp_path):
    port = free_port()
    config = write_config(fake_fr, receiver)
    good = config.read_text().replace("port = 0", f"port = {port}")
    config.write_text(good)
    log_file = tmp_path / "service.log"
    with log_file.open("wb") as sink:
        proc = await start_service("run", "--config", str(config), "--log-format", "json", stdout=sink, stderr=sink)
        try:
            await wait_for(lambda: "fr-monitor running" in log_file.read_text())
            code, out, _ = await fr_monitor("healthcheck", "--config", str(config))
            assert code == 0 and "healthy" in out

            config.write_text(good + "\n[[watchlists]]\nname = 'broken'\nquery = '(unclosed'\n")
            proc.send_signal(signal.SIGHUP)
            await wait_for(lambda: "reload rejected" in log_file.read_text())
            assert (await fr_monitor("healthcheck", "--config", str(config)))[0] == 0  # the old one still runs

            config.write_text(good.replace('"model weights"', '"model weights" | chips'))
            proc.send_signal(signal.SIGHUP)
            await wait_for(lambda: "configuration reloaded" in log_file.read_text())
            await wait_for(lambda: log_file.read_text().count("fr-monitor running") == 2)

            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 10) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    rejected = next(line for line in lines if "reload rejected" in line["message"])
    assert rejected["level"] == "ERROR" and "watchlists[" in rejected["message"] and "(broken)" in rejected["message"]
    assert any(line.get("source") == "federal_register" for line in lines)
    code, _, err = await fr_monitor("healthcheck", "--config", str(config))
    assert code == 1 and "unhealthy" in err


async def test_retention_prunes_old_rows_but_keeps_what_matters(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver)
    app = App(load_settings(config))
    try:
        await app.run_once()
        fake_fr.add(ai_diffusion_rule())
        await app.run_once()
        store = app.store
        assert store.outbox.count_deliveries() == {"sent": 1}
        day = 86400.0
        removed = store.prune(app.clock() + 200 * day, snapshots=180 * day, deliveries=90 * day, full_texts=30 * day)
        assert removed["deliveries"] == 1
        assert removed["snapshots"] == 5  # the fixture documents; the matched one stays
        assert store.snapshots.load_snapshot("federal_register", "2025-00636") is not None
        assert [r.alert.key for r in store.outbox.load_recent_alerts(5)] == ["published:federal_register:2025-00636:ai"]
    finally:
        await app.close()


DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_dockerfile_policy() -> None:
    assert re.search(r"^ARG BASE_IMAGE=python:3\.\d+-slim$", DOCKERFILE, re.M)
    user = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert user and all(re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", u) for u in user), user  # numeric, not root
    assert re.search(r'^HEALTHCHECK .*CMD \["fr-monitor", "healthcheck"\]$', DOCKERFILE, re.M)
    assert re.search(r'^ENTRYPOINT \["fr-monitor"\]$', DOCKERFILE, re.M)  # exec form
    assert re.search(r'^CMD \["run"\]$', DOCKERFILE, re.M)
    assert 'VOLUME ["/data"]' in DOCKERFILE and "EXPOSE 8080" in DOCKERFILE
    assert "/config/monitor.toml" in DOCKERFILE


# The image's config and a mounted one, combined with the image's environment: tests/test_setup.py.
