"""No silent deaths: a loop that meets an unexpected error logs it, counts it, goes on, and /readyz says so when it
keeps happening; one alert that cannot be rendered does not hold up the others; `run --once` exit codes."""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import datetime

import pytest

import monitor.notify.dispatcher as dispatcher_module
import monitor.service as service_module
from monitor.app import App
from monitor.models import Document
from monitor.notify.render import render_alert
from monitor.settings.loading import load_settings
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, synthetic_document
from tests.kit.service import fr_monitor, run_once


class BrokenSource:
    """A source whose parser has a bug: every fetch raises KeyError."""

    name = "broken"
    interval = 0.02

    def __init__(self) -> None:
        self.calls = 0

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        self.calls += 1
        raise KeyError("document_number")

    def next_interval(self, now: datetime) -> float:
        return self.interval


def loop_errors(app: App, loop: str) -> float:
    return app.metrics.registry.get_sample_value("frmonitor_loop_errors_total", {"loop": loop}) or 0.0


async def test_a_source_that_raises_is_polled_again_and_reported(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(load_settings(write_config(fake_fr, receiver)))
    broken = BrokenSource()
    app.sources = [broken]
    stop = asyncio.Event()
    caplog.set_level(logging.ERROR, logger="monitor.app")
    try:
        service = asyncio.create_task(service_module.run_forever(app, stop))
        # The loop backs off after repeated failures (doubling from 0.02 s), so four polls take well under 2 s.
        for _ in range(200):
            if broken.calls >= 4:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await service
        status = app.store.load_source_status("broken")
    finally:
        await app.close()
    assert broken.calls >= 4, "the source's loop died after an unexpected error"
    assert loop_errors(app, "poll:broken") == broken.calls
    failure = app.metrics.registry.get_sample_value(
        "frmonitor_poll_failures_total", {"source": "broken", "reason": "internal_error"}
    )
    assert failure == broken.calls
    logged = [r for r in caplog.records if "unexpected error in poll:broken" in r.getMessage()]
    assert logged and logged[0].exc_info is not None and getattr(logged[0], "source", None) == "broken"
    (problem,) = app.loops.failing()
    assert problem.startswith("poll:broken:") and "KeyError" in problem
    assert status is not None and "unexpected error: KeyError" in status.last_error


async def test_readyz_reports_a_loop_that_keeps_failing(fake_fr, receiver, write_config) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from monitor.web import build_web_app

    app = App(load_settings(write_config(fake_fr, receiver)))
    try:
        client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1"))
        await client.start_server()
        try:
            app.sources = []
            assert (await client.get("/readyz")).status == 200
            for _ in range(3):
                app.loops.failed("reminders", ValueError("bad reminder row"))
            response = await client.get("/readyz")
            body = await response.json()
            assert response.status == 503
            assert body["problems"] == [
                "reminders: 3 unexpected errors in a row, the latest ValueError: bad reminder row"
            ]
            app.loops.ok("reminders")
            assert (await client.get("/readyz")).status == 200
        finally:
            await client.close()
    finally:
        await app.close()


async def test_a_dispatcher_that_dies_is_started_again(
    fake_fr, receiver, write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(fake_fr, receiver)
    await run_once(config)  # baseline
    fake_fr.add(ai_diffusion_rule())
    monkeypatch.setattr(service_module, "LOOP_RESTART_BASE", 0.01)
    app = App(load_settings(config))
    real = app.store.outbox.next_delivery_due_at
    calls = {"n": 0}

    def flaky() -> float | None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return real()

    monkeypatch.setattr(app.store.outbox, "next_delivery_due_at", flaky)
    stop = asyncio.Event()
    try:
        service = asyncio.create_task(service_module.run_forever(app, stop))
        await receiver.wait_for()
        stop.set()
        await service
    finally:
        await app.close()
    assert len(receiver.received) == 1
    assert loop_errors(app, "dispatcher") == 1


async def test_an_alert_that_cannot_be_rendered_does_not_stop_the_others(
    fake_fr, receiver, write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(fake_fr, receiver)
    await run_once(config)
    fake_fr.add(ai_diffusion_rule())
    fake_fr.add(synthetic_document("2026-30001", "Artificial intelligence rule that breaks the renderer"))

    def render(alert, channel, alert_id):  # type: ignore[no-untyped-def]
        if "breaks the renderer" in alert.document.title:
            raise ValueError("unexpected field")
        return render_alert(alert, channel, alert_id)

    monkeypatch.setattr(dispatcher_module, "render_alert", render)
    await run_once(config)
    (delivered,) = receiver.received
    assert "Framework for Artificial Intelligence Diffusion" in delivered["title"]
    reopened = App(load_settings(config))
    try:
        dead = reopened.store.outbox.load_deliveries("dead", 10)
    finally:
        await reopened.close()
    assert [a.document.number for _, a in dead] == ["2026-30001"]
    assert dead[0][0].last_error.startswith("cannot render the alert: ValueError")


async def test_run_once_exits_1_naming_the_failed_source(fake_fr, receiver, write_config) -> None:
    config = write_config(fake_fr, receiver)
    code, _, err = await fr_monitor("run", "--once", "--config", str(config))
    assert code == 0, err
    fake_fr.mode = "status:400"
    code, _, err = await fr_monitor("run", "--once", "--config", str(config))
    assert code == 1
    assert "fr-monitor: source federal_register failed: federal_register: unexpected status 400" in err


def test_help_states_the_exit_codes() -> None:
    from monitor.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    run_help = " ".join(commands.choices["run"].format_help().split())
    assert "0 when every enabled source polled" in run_help
    assert "1 when a source failed" in run_help and "2 on a configuration error" in run_help
