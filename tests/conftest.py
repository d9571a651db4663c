from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeFederalRegister, Receiver, offline

# The fast subset (`pytest -m unit`, well under 15 s): pure code, no servers, no subprocesses.
UNIT_MODULES = frozenset(
    {
        "test_architecture",
        "test_clock_and_reminders",
        "test_content_hash",
        "test_default_watchlist",
        "test_matcher_property",
        "test_outcomes",
        "test_page_entries",
        "test_plan",
        "test_public_inspection_parse",
        "test_query",
        "test_render",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in UNIT_MODULES:
            item.add_marker(pytest.mark.unit)


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    """Tests never reach past this machine: connecting anywhere but loopback (or a Unix socket) fails."""
    if isinstance(address, tuple):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"test network guard: refused connection to {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    for name in ("MONITOR_CONFIG", "FR_MONITOR_CRASH_AT"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("MONITOR_"):
            monkeypatch.delenv(name)
    yield
    # A test that set the service's logging up leaves no handler or level behind for the next one.
    from monitor.logs import _ServiceHandler

    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _ServiceHandler)]
    logging.getLogger("monitor").setLevel(logging.NOTSET)


@pytest.fixture(autouse=True)
def short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process tests retry a failed upstream request after 0.05 s, not the service's 1 s: the same paths,
    without the wait. (A Retry-After an upstream sends is still waited out in full.)"""
    import monitor.sources.http

    monkeypatch.setattr(monitor.sources.http, "RETRY_BASE", 0.05)


@pytest.fixture
async def fake_fr() -> AsyncIterator[FakeFederalRegister]:
    fake = await FakeFederalRegister().start()
    yield fake
    await fake.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = await Receiver().start()
    yield rec
    await rec.close()


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


@pytest.fixture
def python() -> str:
    return sys.executable
