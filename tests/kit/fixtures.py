"""The shared pytest fixtures (installed by tests/conftest.py).

`serving` declares a fixture that starts a server, a thread that listens or a process: every test that uses one,
directly or through another fixture, is left out of the fast `unit` subset (tests/conftest.py decides that from
what each test uses; no list of modules to keep)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.kit.fakes import FakeFederalRegister, Receiver, offline
from tests.kit.service import fr_monitor
from tests.kit.smtp import SmtpSink, free_port

SERVING: set[str] = set()
F = TypeVar("F", bound=Callable[..., Any])


def serving(func: F) -> F:
    """A fixture that starts a server or a process (see the module docstring)."""
    SERVING.add(func.__name__)
    return pytest.fixture(func)  # type: ignore[return-value]


@serving
async def fake_fr() -> AsyncIterator[FakeFederalRegister]:
    fake = await FakeFederalRegister().start()
    yield fake
    await fake.close()


@serving
async def receiver() -> AsyncIterator[Receiver]:
    rec = await Receiver().start()
    yield rec
    await rec.close()


@serving
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@serving
def python() -> str:
    """The interpreter, for tests that run a command in its own process."""
    return sys.executable


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a TOML config for the fakes; extra TOML text is appended as given."""

    def write(fr: FakeFederalRegister, receiver: Receiver | None = None, extra: str = "", **delivery: Any) -> Path:
        lines = [
            f'data_dir = "{tmp_path / "data"}"',
            "allow_private_targets = true",
            "[federal_register]",
            f'base_url = "{fr.base_url}"',
            'interval = "1s"',
            "requests_per_second = 100",  # a local fake: no need for the real API's 5 a second
            "lookback_days = 3",
            "per_page = 2",
            "[web]",
            "port = 0",
            "[delivery]",
        ]
        settings = {"backoff_base": "0s", "backoff_max": "0s", "timeout": 10, **delivery}
        lines += [f"{k} = {v!r}" for k, v in settings.items()]
        if receiver is not None:
            lines += ["[targets.hook]", f'url = "{receiver.url()}"']
        lines += [
            "[[watchlists]]",
            'name = "ai"',
            'query = \'"artificial intelligence" | "model weights" | "advanced computing"\'',
        ]
        path = tmp_path / "monitor.toml"
        path.write_text(offline("\n".join(lines) + "\n" + extra))
        return path

    return write


@pytest.fixture(params=["UTC", "America/Los_Angeles", "Asia/Tokyo"])
def machine_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run under several machine time zones: the service must think in US Eastern whatever TZ says."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@serving
async def serve() -> AsyncIterator[Callable[[web.Application], Awaitable[TestServer]]]:
    """Start an aiohttp application of the test's own on 127.0.0.1; stopped after the test."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> TestServer:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@serving
def cli() -> Callable[..., Awaitable[tuple[int, str, str]]]:
    """fr-monitor in its own process: `code, out, err = await cli("check-config", "--config", path)`."""
    return fr_monitor
