"""Benchmark: how long commands that send nothing take to start and answer, as a user runs them.

    python bench/startup.py [--runs 20]

Runs `fr-monitor alerts`, `deliveries` and `check-config` as separate processes (the installed entry point of
this interpreter, bytecode compiled first) against a config with a Slack, an e-mail and a webhook target and a
store holding 1,000 alerts, and prints the median and the fastest of `--runs` runs of each; `python -c pass` is
printed as the floor no command can go under. Goal (issue 11): 0.3 s or less for each.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import TEAM_TARGETS, bench_config, targets_toml  # noqa: E402
from bench.console import fill  # noqa: E402

TARGETS = targets_toml({**TEAM_TARGETS, "hook": "webhook://hooks.example.com/alerts"})


def timed(command: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


async def filled_store(config: Path) -> None:
    from monitor.app import App
    from monitor.settings.loading import load_settings

    app = App(load_settings(config))
    try:
        fill(app, 1000)
    finally:
        await app.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    compileall.compile_dir(ROOT / "monitor", quiet=1)
    entry = Path(sys.executable).parent / "fr-monitor"
    with tempfile.TemporaryDirectory() as folder:
        config = bench_config(folder, f"pages = []\n{TARGETS}")
        asyncio.run(filled_store(config))
        floor_median, floor_min = timed([sys.executable, "-c", "pass"], runs)
        print(f"python -c pass (the floor): median {floor_median:.3f} s, fastest {floor_min:.3f} s")
        for command in (["alerts"], ["deliveries"], ["check-config"]):
            median, fastest = timed([str(entry), *command, "--config", str(config)], runs)
            print(
                f"fr-monitor {command[0]}: median {median:.3f} s, fastest {fastest:.3f} s over {runs} runs "
                "(goal <= 0.3 s)"
            )


if __name__ == "__main__":
    main()
