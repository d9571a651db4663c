"""Readiness means "doing its job", and /readyz, the console's health line and `fr-monitor healthcheck` agree.

A source that has never polled successfully and whose polls fail is not ready at once (no waiting out a first
interval with every poll failing); one that fails `ops_alert_after_failures` polls in a row is not ready either,
whatever its last success; each problem names the source (or part) and its last error.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monitor.app import App
from monitor.cli.setup import healthcheck
from monitor.settings.loading import load_settings
from monitor.web import build_web_app
from tests.kit.fakes import FakeFederalRegister, Receiver

Served = tuple[App, TestClient, Path]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def served(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config: Callable[..., Path]
) -> AsyncIterator[Served]:
    """The service's web app on a known port, and a config naming that port (for `healthcheck`)."""
    port = free_port()
    config = write_config(fake_fr, receiver)
    config.write_text(config.read_text().replace("port = 0", f"port = {port}"))
    app = App(load_settings(config))
    client = TestClient(TestServer(build_web_app(app, app.loops.last_beat), host="127.0.0.1", port=port))
    await client.start_server()
    yield app, client, config
    await client.close()
    await app.close()


async def ready(client: TestClient) -> tuple[int, list[str]]:
    response = await client.get("/readyz")
    body: dict[str, Any] = await response.json()
    return response.status, body["problems"]


async def health_line(client: TestClient) -> str:
    html = await (await client.get("/")).text()
    start = html.index('<section class="health')
    return html[start : html.index("</section>", start)]


async def test_a_source_that_never_succeeded_and_fails_is_not_ready_at_once(
    served: Served, fake_fr: FakeFederalRegister
) -> None:
    app, client, _ = served
    assert await ready(client) == (200, [])  # just started, nothing failed yet
    fake_fr.mode = "status:404"
    await app.run_once()  # one failed poll, seconds after the start
    status, problems = await ready(client)
    assert status == 503
    assert len(problems) == 1
    assert problems[0].startswith("federal_register: no successful poll yet, 1 poll failed; last error: ")
    assert "404" in problems[0]
    assert (await client.get("/healthz")).status == 200  # alive, just not doing its job
    line = await health_line(client)
    assert "Not ready" in line and "no successful poll yet, 1 poll failed" in line and "Healthy" not in line


async def test_failures_in_a_row_make_it_not_ready_and_a_success_makes_it_ready(
    served: Served, fake_fr: FakeFederalRegister
) -> None:
    app, client, _ = served
    await app.run_once()
    assert await ready(client) == (200, [])
    assert "Healthy" in await health_line(client)
    fake_fr.mode = "status:404"
    for _ in range(app.settings.ops_alert_after_failures - 1):
        await app.run_once()
    assert (await ready(client))[0] == 200  # a recent success and fewer failures than the ops threshold
    await app.run_once()
    status, problems = await ready(client)
    assert status == 503
    assert len(problems) == 1
    assert problems[0].startswith("federal_register: the last 3 polls failed; last error:")
    assert "the last 3 polls failed" in await health_line(client)
    fake_fr.mode = "ok"
    await app.run_once()
    assert await ready(client) == (200, [])
    assert "Healthy" in await health_line(client)


async def test_a_part_that_keeps_failing_is_named(served: Served) -> None:
    app, client, _ = served
    await app.run_once()
    last_error = "ecfr: part 744: unexpected status 404"
    for _ in range(3):
        app.store.save_source_failure("federal_register 15:744", last_error, app.clock())
    status, problems = await ready(client)
    assert status == 503
    assert problems == [f"federal_register 15:744: the last 3 polls failed; last error: {last_error}"]


async def test_a_failing_loop_is_named_too(served: Served) -> None:
    app, client, _ = served
    for _ in range(3):
        app.loops.failed("reminders", RuntimeError("boom"))
    status, problems = await ready(client)
    assert status == 503 and problems == ["reminders: 3 unexpected errors in a row, the latest RuntimeError: boom"]
    assert "reminders: 3 unexpected errors in a row" in await health_line(client)


async def test_healthcheck_agrees_with_readyz(
    served: Served, fake_fr: FakeFederalRegister, capsys: pytest.CaptureFixture[str]
) -> None:
    app, _, config = served
    assert await asyncio.to_thread(healthcheck, str(config)) == 0
    assert capsys.readouterr().out.strip() == f"healthy: http://127.0.0.1:{app.settings.web.port}"  # the address asked
    fake_fr.mode = "status:404"
    await app.run_once()
    assert await asyncio.to_thread(healthcheck, str(config)) == 1
    err = capsys.readouterr().err
    assert err.startswith("fr-monitor: unhealthy: not ready (http://127.0.0.1:")
    assert "/readyz): federal_register: no successful poll yet, 1 poll failed; last error: " in err
    assert err.count("\n") == 1


async def test_a_stale_source_says_how_stale_and_what_failed_since(served: Served) -> None:
    app, client, _ = served
    await app.run_once()
    app.store.save_source_failure("federal_register", "federal_register: unexpected status 503", app.clock())
    started = app.clock()
    app.clock = lambda: started + 3600  # an hour without a success; interval 1 s, so the limit is 10 minutes
    status, problems = await ready(client)
    assert status == 503
    assert problems == [
        "federal_register: last success 1h ago (limit 10m); 1 poll failed since, last error: "
        "federal_register: unexpected status 503"
    ]


async def test_a_database_that_takes_no_write_is_not_ready(served: Served) -> None:
    """A read-only database file passes a write lock in WAL mode; only a write it takes back tells the truth."""
    from monitor.store.store import Store

    app, client, _ = served
    writable = app.store
    app.store = Store.open_existing(app.settings.data_dir, read_only=True)  # as if the file turned read-only
    try:
        status, problems = await ready(client)
    finally:
        app.store.close()
        app.store = writable
    assert status == 503
    assert any(p.startswith("database not writable:") and "readonly" in p for p in problems), problems


async def test_another_writer_holding_the_lock_is_no_problem_and_does_not_stall_the_loop(served: Served) -> None:
    """`silence add` or `retry` in another process may hold the write lock: the file takes writes, and /readyz
    answers within a second or so instead of waiting out SQLite's 30 s on the event loop."""
    import sqlite3
    import time

    app, client, _ = served
    other = sqlite3.connect(app.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        _, problems = await ready(client)
        took = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not [p for p in problems if p.startswith("database")], problems
    assert took < 10, took


async def test_status_gives_the_running_services_verdict(
    served: Served, fake_fr: FakeFederalRegister, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` says what /readyz says (and the console's overview opens with) while the service runs."""
    from monitor.cli.status import show_status
    from monitor.store.lock import DataFolderLock

    app, _, _ = served
    lock = DataFolderLock(app.settings.data_dir).acquire()  # as the service holds it
    try:
        assert await asyncio.to_thread(show_status, app.settings) == 0
        assert capsys.readouterr().out.splitlines()[0].endswith("; ready")
        fake_fr.mode = "status:404"
        await app.run_once()
        assert await asyncio.to_thread(show_status, app.settings, True) == 0
        report = json.loads(capsys.readouterr().out)
    finally:
        lock.release()
    assert report["ready"] is False
    assert report["readiness_problems"][0].startswith("federal_register: ")
