"""Benchmark: the long-lived service's memory, idle-poll cost and detection-to-delivery latency.

    python bench/service.py [--cycles 10000] [--latency-rounds 30]

The fake upstream and receiver run in their own process (bench/fake_upstream.py), so CPU figures are the
service's alone. Goals (issues 7 and 11): resident memory at most 60 MB after start with a Slack, an e-mail and
a webhook target and the console on, and no growth over 10,000 poll cycles; at most 10 ms of CPU per idle poll
cycle; at most 5 ms median from a poll's response arriving to the alert reaching a local receiver (measured
through our own webhook:// notifier and through Apprise's json:// plugin).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import TEAM_TARGETS, targets_toml  # noqa: E402
from tests.kit.fakes import offline  # noqa: E402


def rss_mib(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kib / 1024


def start_fake(tmp: Path, documents: int) -> tuple[subprocess.Popen[bytes], int]:
    port_file = tmp / "port.json"
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_upstream.py"), str(port_file), str(documents)])
    for _ in range(200):
        if port_file.exists() and port_file.read_text():
            return proc, int(json.loads(port_file.read_text())["port"])
        time.sleep(0.05)
    raise RuntimeError("fake upstream did not start")


def write_config(tmp: Path, port: int, name: str, scheme: str = "webhook", team: bool = False) -> Path:
    targets = {**(TEAM_TARGETS if team else {}), "hook": f"{scheme}://127.0.0.1:{port}/hook/x"}
    config = tmp / f"{name}.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp / name}"\nallow_private_targets = true\n'
            f'[federal_register]\nbase_url = "http://127.0.0.1:{port}/api/v1/"\ninterval = "1s"\n'
            "requests_per_second = 1000\n[web]\nport = 0\n"
            + targets_toml(targets)
            + '[[watchlists]]\nname = "ai"\nquery = \'"artificial intelligence"\'\n'
            + f"notify = {list(targets)!r}\n".replace("'", '"')
        )
    )
    return config


async def service_rss_after_start(config: Path) -> float:
    from tests.kit.fakes import start_service

    proc = await start_service("run", "--config", str(config))
    await asyncio.sleep(3.0)  # started, first poll done, idle
    rss = rss_mib(proc.pid)
    proc.terminate()
    await proc.wait()
    return rss


async def poll_cycles(config: Path, cycles: int) -> dict[str, Any]:
    from monitor.app import App
    from monitor.settings.loading import load_settings

    app = App(load_settings(config))
    source = app.sources[0]
    await app.poll(source)  # baseline
    marks: dict[int, float] = {}
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    for i in range(1, cycles + 1):
        await app.poll(source)
        await app.dispatcher.dispatch_due()
        if i in (100, cycles // 2, cycles):
            marks[i] = rss_mib()
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - wall_start
    await app.close()
    return {"cpu_ms_per_cycle": cpu / cycles * 1000, "wall_ms_per_cycle": wall / cycles * 1000, "rss": marks}


async def latency(config: Path, port: int, rounds: int, series: int) -> list[float]:
    """From the moment a poll's response arrives to the moment the alert reaches the receiver."""
    from monitor.app import App
    from monitor.settings.loading import load_settings

    app = App(load_settings(config))
    source = app.sources[0]
    arrived: list[float] = []
    original = app.http.get_json

    async def timed_get_json(*args: Any, **kwargs: Any) -> Any:
        data = await original(*args, **kwargs)
        arrived.append(time.time())
        return data

    app.http.get_json = timed_get_json  # type: ignore[method-assign]
    await app.poll(source)
    results = []
    async with aiohttp.ClientSession() as session:
        for i in range(rounds):
            number = f"2026-{series}{i:04d}"  # a new number series per run: the fake keeps them all
            await session.post(f"http://127.0.0.1:{port}/control/add", json={"number": number})
            arrived.clear()
            await app.poll(source)
            await app.dispatcher.dispatch_due()
            received = await (await session.get(f"http://127.0.0.1:{port}/control/received")).json()
            at = next(r["at"] for r in received if number in r["title"])
            results.append((at - arrived[0]) * 1000)
    await app.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--latency-rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fake, port = start_fake(tmp, 20)
        try:
            rss = await service_rss_after_start(write_config(tmp, port, "rss", team=True))
            print(f"service resident memory after start (Slack, e-mail, webhook, console): {rss:.1f} MiB (goal <= 60)")
            cycles = await poll_cycles(write_config(tmp, port, "cycles"), args.cycles)
            marks = ", ".join(f"{mib:.1f} MiB after {n}" for n, mib in cycles["rss"].items())
            print(
                f"idle poll cycle (20 documents, nothing new): {cycles['cpu_ms_per_cycle']:.2f} ms CPU, "
                f"{cycles['wall_ms_per_cycle']:.2f} ms wall (goal <= 10 ms CPU)"
            )
            print(f"resident memory over {args.cycles} cycles: {marks}")
            runs = (("webhook", "our webhook:// notifier"), ("json", "Apprise's json:// plugin"))
            for series, (scheme, through) in enumerate(runs, start=8):
                config = write_config(tmp, port, f"latency-{scheme}", scheme)
                times = sorted(await latency(config, port, args.latency_rounds, series))
                p95 = times[int(len(times) * 0.95) - 1]
                print(
                    f"poll response to alert at a local receiver, {through}, {len(times)} alerts: "
                    f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms (goal: median <= 5 ms)"
                )
        finally:
            fake.terminate()
            fake.wait()


if __name__ == "__main__":
    asyncio.run(main())
