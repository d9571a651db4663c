"""One sender per data folder: no two processes send the same delivery, a reload that moves data_dir moves the
lock, and a read-then-write transaction never fails because another process wrote meanwhile."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

from monitor.store.base import DB_FILENAME
from monitor.store.lock import service_running
from monitor.store.store import Store
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, start_service
from tests.kit.service import fr_monitor


async def wait_until(predicate: object, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def test_backfill_send_beside_a_running_service_never_sends_its_delivery_again(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config, tmp_path: Path
):
    # The receiver takes its time, so the service's delivery is still in flight (pending in the outbox) while
    # `backfill --send` runs in a second process and finds it due.
    config = write_config(fake_fr, receiver, timeout=60)
    config.write_text(config.read_text().replace(receiver.url(), receiver.url() + "?rto=30"))  # Apprise waits 30 s
    assert (await fr_monitor("run", "--once", "--config", str(config)))[0] == 0  # baseline
    fake_fr.add(ai_diffusion_rule())
    receiver.delay = 8.0
    service = await start_service("run", "--config", str(config))
    try:
        await wait_until(lambda: receiver.attempts == 1)
        code, out, err = await fr_monitor(
            "backfill", "--config", str(config), "--since", "2025-01-01", "--until", "2025-01-31", "--send"
        )
        assert code == 0, err
        assert receiver.attempts == 1, "backfill --send sent the running service's delivery a second time"
        assert f"left to the running service (pid {service.pid})" in out
        await receiver.wait_for(1, seconds=30)
    finally:
        await stop(service)
    assert len(receiver.received) == 1 and receiver.attempts == 1


async def test_reload_that_moves_data_dir_moves_the_lock_or_is_refused(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config, tmp_path: Path
):
    config = write_config(fake_fr, receiver)
    first, second, taken = tmp_path / "data", tmp_path / "moved", tmp_path / "taken"
    text = config.read_text()
    log_file = tmp_path / "service.log"
    with log_file.open("wb") as sink:
        service = await start_service("run", "--config", str(config), stdout=sink, stderr=sink)
        other_config = tmp_path / "other.toml"
        other_config.write_text(text.replace(str(first), str(taken)))
        other = await start_service("run", "--config", str(other_config))
        try:
            await wait_until(lambda: "fr-monitor running" in log_file.read_text())
            await wait_until(lambda: service_running(taken))
            assert service_running(first)

            config.write_text(text.replace(str(first), str(second)))
            service.send_signal(signal.SIGHUP)
            await wait_until(lambda: log_file.read_text().count("fr-monitor running") == 2)
            assert service_running(second), "the reloaded service runs on the new folder without its lock"
            assert not service_running(first), "the old folder stays locked after the service left it"
            code, _, err = await fr_monitor("run", "--once", "--config", str(config))
            assert code == 2 and str(second) in err  # a second sender on the new folder is refused

            config.write_text(text.replace(str(first), str(taken)))  # a folder another service holds
            service.send_signal(signal.SIGHUP)
            await wait_until(lambda: "reload rejected" in log_file.read_text())
            assert f"data_dir: another fr-monitor service (pid {other.pid})" in log_file.read_text()
            assert service_running(second)  # the running configuration stays, lock and all
            assert log_file.read_text().count("fr-monitor running") == 2
        finally:
            await stop(service)
            await stop(other)
    assert service.returncode == 0
    assert not service_running(second) and not service_running(first)


def test_a_read_then_write_transaction_takes_the_write_lock_before_it_reads(tmp_path: Path):
    store = Store.open(tmp_path)
    other = sqlite3.connect(tmp_path / DB_FILENAME, timeout=0.2, isolation_level=None)
    try:
        with store.db.atomic():
            failing = store.db.execute("SELECT COUNT(*) FROM target_health").fetchone()[0]
            try:  # another process writes between this transaction's read and its write
                other.execute("INSERT INTO target_health (target, failing_since, last_error) VALUES ('b', 1, 'x')")
                other_wrote = True
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
                other_wrote = False
            # Begun deferred, this write would now fail with SQLITE_BUSY (its snapshot is stale), whatever the
            # busy timeout; begun IMMEDIATE, the other writer had to wait instead.
            store.db.execute(
                "INSERT INTO target_health (target, failing_since, last_error) VALUES ('a', ?, '')", [failing]
            )
        assert not other_wrote
        other.execute("INSERT INTO target_health (target, failing_since, last_error) VALUES ('b', 1, 'x')")
        assert store.db.execute("SELECT COUNT(*) FROM target_health").fetchone()[0] == 2
    finally:
        other.close()
        store.close()


def _add(store: Store, target: str) -> None:
    store.db.execute("INSERT INTO target_health (target, failing_since, last_error) VALUES (?, 1, '')", [target])


def _targets(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT target FROM target_health ORDER BY target").fetchall()]


def test_nested_transactions_still_roll_back_alone(tmp_path: Path):
    store = Store.open(tmp_path)
    try:
        with store.db.atomic():
            _add(store, "a")
            try:
                with store.db.atomic():
                    _add(store, "b")
                    raise RuntimeError("inner")
            except RuntimeError:
                pass
        assert _targets(store) == ["a"]
        try:
            with store.db.atomic():
                _add(store, "c")
                raise RuntimeError("outer")
        except RuntimeError:
            pass
        assert not store.db.conn.in_transaction
        assert _targets(store) == ["a"]
    finally:
        store.close()
