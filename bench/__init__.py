"""Benchmarks: each prints figures; none is a timed test."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import offline


def bench_config(folder: str | Path, toml: str) -> Path:
    """A config for a benchmark's service: its database in `folder`, only the sources `toml` names."""
    config = Path(folder) / "monitor.toml"
    config.write_text(offline(f'data_dir = "{Path(folder) / "data"}"\n{toml}'))
    return config
