from __future__ import annotations

import ipaddress
import logging
import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.kit.fixtures import (  # noqa: F401 - the kit's fixtures, for every test module
    SERVING,
    cli,
    fake_fr,
    machine_tz,
    python,
    receiver,
    serve,
    smtp,
    write_config,
)


def uses_a_server(item: pytest.Item) -> bool:
    """Whether a test starts a server or a process, judged by what it uses: a fixture declared with the kit's
    `serving`, directly or through another fixture. (A test that starts one itself is caught by unit_guard.)"""
    return bool(SERVING.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fast subset (`pytest -m unit`): every test that uses no server and no process."""
    for item in items:
        if not uses_a_server(item):
            item.add_marker(pytest.mark.unit)


class NotAUnitTest(AssertionError):
    pass


@pytest.fixture(autouse=True)
def unit_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `unit` test that listens on a socket or starts a process fails: it belongs outside the fast subset
    (let it use the kit fixture that starts what it needs)."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(what: str) -> NotAUnitTest:
        return NotAUnitTest(f"a unit test may not {what}: use the kit fixture that does it (tests/kit/fixtures.py)")

    def bind(sock: socket.socket, *args: Any) -> None:
        sock.close()
        raise refuse("listen on a socket")

    def popen(*args: Any, **kwargs: Any) -> None:
        raise refuse("start a process")

    monkeypatch.setattr(socket.socket, "bind", bind)
    monkeypatch.setattr(subprocess.Popen, "__init__", popen)


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
