"""Meta-tests that keep the docs, CI and layering honest."""

from __future__ import annotations

import ast
import re
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


def test_readme_documents_every_setting() -> None:
    from monitor.settings import Settings

    for name, field in Settings.model_fields.items():
        assert f"`{name}`" in README or f"[{name}]" in README or f"{name}`" in README, name
        for sub in getattr(field.annotation, "model_fields", {}):
            assert sub in README, f"{name}.{sub}"


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
