"""Meta-tests that keep the docs, CI and layering honest."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(c for c in commands if "[test]" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in test_command and "scripts/test" in ci
    assert "pip install --quiet -e '.[test]'" in ci


def documented_settings(readme: str) -> set[str]:
    """The keys the README's configuration table has a row for: `key` at the top level, `section.key` in a
    section (`[federal_register] agencies`, `types` -> federal_register.agencies, federal_register.types)."""
    table = readme.split("| key | default | meaning |", 1)[1].split("\n\n", 1)[0]
    documented: set[str] = set()
    for row in table.splitlines()[2:]:
        first = row.split(" | ", 1)[0]
        section = re.match(r"\| `\[\[?([a-z_]+)(?:\.NAME)?\]\]?", first)
        keys = re.findall(r"`(?:\[[^\]]*\]+ )?([a-z_]+)`", first)
        documented |= {f"{section[1]}.{k}" if section else k for k in keys}
    return documented


def setting_names() -> set[str]:
    """Every key a configuration file can set: top-level ones, and each key of a section, a list of tables
    ([[pages]]) or a table of tables ([targets.NAME])."""
    from pydantic import BaseModel

    from monitor.settings import Settings

    names = set()
    for name, field in Settings.model_fields.items():
        models = [t for t in (field.annotation, *typing.get_args(field.annotation)) if isinstance(t, type)]
        section = next((t for t in models if issubclass(t, BaseModel)), None)
        names |= {f"{name}.{sub}" for sub in section.model_fields} if section else {name}
    return names


def test_readme_documents_every_setting() -> None:
    """Each key has its own row in the configuration table (a key's name appearing somewhere in the README is
    not enough: `enabled` or `url` always do)."""
    assert setting_names() - documented_settings(README) == set()
    # ... and the check can fail: a table without the [ecfr] row misses its keys.
    without_ecfr = "\n".join(line for line in README.splitlines() if not line.startswith("| `[ecfr]"))
    assert "ecfr.parts" in setting_names() - documented_settings(without_ecfr)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


CORE = sorted((ROOT / "monitor" / "core").glob("*.py"))


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_core_does_no_io(path: Path) -> None:
    forbidden = ("aiohttp", "sqlite3", "sqlite_utils", "apprise", "monitor.store", "monitor.sources", "socket")
    bad = [name for name in _imports(path) if name.startswith(forbidden)]
    assert not bad, f"{path.name} imports {bad}"


def test_models_import_nothing_of_ours() -> None:
    assert not [n for n in _imports(ROOT / "monitor" / "models.py") if n.startswith("monitor")]
