"""The real command in a real process: exit codes, and no alert lost when the process is killed mid-way."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import pytest

from monitor.testhooks import ENV as CRASH_ENV
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, start_service
from tests.kit.service import fr_monitor


async def test_run_once_exit_codes(fake_fr: FakeFederalRegister, receiver: Receiver, write_config, tmp_path):
    config = write_config(fake_fr, receiver)
    code, _, err = await fr_monitor("run", "--once", "--config", str(config))
    assert code == 0, err
    bad = tmp_path / "bad.toml"
    bad.write_text("[federal_register]\nintervall = 5\n")
    code, _, err = await fr_monitor("run", "--once", "--config", str(bad))
    assert code == 2
    assert f"{bad}: federal_register.intervall: unknown key" in err
    code, _, err = await fr_monitor("run", "--once", "--config", str(tmp_path / "missing.toml"))
    assert code == 2 and "config file does not exist" in err


async def test_run_once_with_a_failing_receiver_still_exits_zero(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, backoff_base="1h", backoff_max="1h")
    assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0
    fake_fr.add(ai_diffusion_rule())
    receiver.fail_with, receiver.fail_times = 500, 1
    code, _, err = await fr_monitor("run", "--once", "--config", str(config))
    assert code == 0, err
    assert receiver.attempts == 1
    code, out, _ = await fr_monitor("alerts", "--config", str(config))
    assert code == 0
    assert "2025-00636" in out and "delivery 1 to hook: pending, 1 attempt(s): receiver answered HTTP 500" in out


async def test_check_config(tmp_path, cli):
    code, out, _ = await cli("check-config")
    assert code == 0 and "ai-export-controls" in out and "console://" in out
    config = tmp_path / "c.toml"
    config.write_text('[targets.slack]\nurl = "slack://T000AAAA/B000BBBB/SECRETTOKENXYZ"\n')
    code, out, err = await cli("check-config", "--config", str(config))
    assert code == 0, err
    assert "SECRETTOKENXYZ" not in out + err
    config.write_text('[targets.local]\nurl = "json://127.0.0.1:9/x"\n')
    code, _, err = await cli("check-config", "--config", str(config))
    assert code == 2 and "targets.local" in err and "internal address" in err


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.parametrize(
    ("point", "may_repeat"),
    [
        ("after_fetch", False),
        ("after_commit", False),
        ("before_send", False),
        ("after_send", True),  # sent, not yet marked: the only point where a repeat is allowed
        ("after_mark", False),
    ],
)
async def test_sigkill_at_each_step_loses_no_alert(fake_fr, receiver, write_config, point, may_repeat):
    config = write_config(fake_fr, receiver)
    assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0  # baseline
    fake_fr.add(ai_diffusion_rule())

    code, _, _ = await fr_monitor("run", "--once", "--config", str(config), env={CRASH_ENV: point})
    assert code == -signal.SIGKILL, f"the process should have been killed at {point}"

    for _ in range(2):  # restart, then once more: nothing further may arrive
        code, _, err = await fr_monitor("run", "--once", "--config", str(config))
        assert code == 0, err
    assert receiver.received, f"alert lost after a kill at {point}"
    assert len(receiver.received) == (2 if may_repeat else 1)
    assert {r["title"] for r in receiver.received} == {
        "[ai] Published: Framework for Artificial Intelligence Diffusion"
    }
    assert _integrity(config.parent / "data" / "fr-monitor.db") == "ok"


async def test_service_delivers_and_stops_cleanly_on_sigterm(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver)
    assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0
    fake_fr.add(ai_diffusion_rule())
    proc = await start_service("run", "--config", str(config), stderr=asyncio.subprocess.PIPE)
    try:
        await receiver.wait_for()
        assert len(receiver.received) == 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 10)
        assert proc.returncode == 0, err.decode()
        assert loop.time() - started < 5
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
