"""Every benchmark, one command: `python bench/run_all.py` (add --full for the long variants).

Prints: the poll-and-match cycle (1,000 documents, 20 watchlists) and memory; match throughput (28,000
documents x 100 watchlists) and a one-year backfill; the built-in watchlist's recall and precision on labelled
documents; a 90-day catch-up; the alerts that arrive after a full-text outage; the service's memory after start
and over many idle poll cycles, the CPU of an idle cycle, and detection-to-delivery latency against a local
fake; how long commands that send nothing take; resident memory over thousands of polls with a new date window
each (bench/long_run.py: it must stay flat).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def run(script: str, *args: str) -> None:
    print(f"\n== {script} {' '.join(args)}".rstrip(), flush=True)
    subprocess.run([sys.executable, str(BENCH / script), *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="10,000 idle cycles and long-run polls, 100 latency rounds")
    full = parser.parse_args().full
    run("poll_cycle.py")
    run("matching.py")
    run("relevance.py")
    run("catch_up.py")
    run("full_text_outage.py")
    run("earliest.py")
    run("budget_restarts.py")
    run("console.py", "--requests", "100")
    run("startup.py")
    run("service.py", "--cycles", "10000" if full else "2000", "--latency-rounds", "100" if full else "30")
    run("long_run.py", "--polls", "10000" if full else "2000")


if __name__ == "__main__":
    main()
