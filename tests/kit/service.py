"""Running the service in tests: one `run --once` in this process, or one fr-monitor command in its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from monitor.app import App
from monitor.settings.loading import load_settings
from tests.kit.clock import Clock, at
from tests.kit.fakes import start_service


async def run_once(config: Path, clock: Callable[[], float] | None = None) -> App:
    """One `run --once` in this process, as a fresh process would (the store opened and closed again)."""
    app = App(load_settings(config), **({"clock": clock} if clock else {}))
    try:
        await app.run_once()
    finally:
        await app.close()
    return app


async def step(config: Path, when: str) -> list[Any]:
    """One `run --once` at a simulated US Eastern time ('2025-01-13 09:00'); the poll outcomes."""
    app = App(load_settings(config), clock=Clock(at(when)))
    try:
        return await app.run_once()
    finally:
        await app.close()


async def fr_monitor(*args: str, env: dict[str, str] | None = None, limit: float = 60) -> tuple[int, str, str]:
    """Run one fr-monitor command in its own process; its exit code, stdout and stderr."""
    proc = await start_service(*args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), limit)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
