"""Benchmarks: each prints figures; none is a timed test."""

from __future__ import annotations

from pathlib import Path

from tests.kit.fakes import offline

# The targets a team typically has, besides a webhook: Slack and e-mail. Benchmarks that measure start-up (memory,
# command start) configure them so that their Apprise plugins are loaded and checked as in real use; nothing is
# sent to them.
TEAM_TARGETS = {
    "slack": "slack://T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "mail": "mailtos://alerts:secret@smtp.example.com/?to=team@example.com",
}


def targets_toml(targets: dict[str, str]) -> str:
    return "".join(f'[targets.{name}]\nurl = "{url}"\n' for name, url in targets.items())


def bench_config(folder: str | Path, toml: str) -> Path:
    """A config for a benchmark's service: its database in `folder`, only the sources `toml` names."""
    config = Path(folder) / "monitor.toml"
    config.write_text(offline(f'data_dir = "{Path(folder) / "data"}"\n{toml}'))
    return config
