"""Meta-tests that keep the docs, CI and layering honest."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(c for c in commands if "[test]" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in test_command and "scripts/test" in ci
    assert "pip install --quiet -c constraints.txt -e '.[test]'" in ci
    assert "pip install -c constraints.txt -e '.[test]'" in test_command


# -- dependencies: the ranges the code works with, and the versions we install -----------------------------

CONSTRAINTS = ROOT / "constraints.txt"


def _pins() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _declared() -> list[Requirement]:
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def _needed() -> set[str]:
    """Every distribution `pip install '.[test]'` installs here: fr-monitor's requirements with the test extra,
    and theirs, all the way down (markers evaluated for this Python)."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in _declared()]
    while todo:
        name, extras = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            wanted = requires(name) or []
        except PackageNotFoundError:
            continue  # not installed: _pins() is checked against the declared ranges instead
        for text in wanted:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in (extras or {""})):
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return seen


def test_constraints_pin_every_library_installed_transitive_ones_too() -> None:
    pins = _pins()
    missing = sorted(_needed() - set(pins))
    assert not missing, f"constraints.txt pins no version of {missing}: run scripts/refresh-constraints"


def test_pinned_versions_are_within_the_declared_ranges() -> None:
    from packaging.utils import canonicalize_name

    pins = _pins()
    for requirement in _declared():
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned is not None and requirement.specifier.contains(pinned), (requirement, pinned)


def test_apprise_range_starts_where_the_sender_s_api_does() -> None:
    """monitor/notify/sender.py reads what async_notify returns as an AppriseResult (apprise.result,
    AppriseResultStatus, per-service logs) and passes it a timeout: Apprise 2.0 added those; 1.x returned a
    bool and every delivery would die on the import."""
    from packaging.utils import canonicalize_name

    (apprise,) = [r for r in _declared() if canonicalize_name(r.name) == "apprise"]
    assert not apprise.specifier.contains("1.13.1") and apprise.specifier.contains("2.0.0")
    sender = (ROOT / "monitor" / "notify" / "sender.py").read_text()
    assert "from apprise.result import AppriseResultStatus" in sender  # if this goes, revisit the range


def test_the_image_installs_the_pinned_versions() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY [^\n]*constraints\.txt", dockerfile, re.M)
    assert "pip install --no-compile -c constraints.txt ." in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "constraints.txt" not in ignored and "*.txt" not in ignored


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

    from monitor.settings.model import Settings

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


TEST_MODULES = sorted((ROOT / "tests").glob("test_*.py")) + sorted((ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("path", TEST_MODULES, ids=[str(p.relative_to(ROOT)) for p in TEST_MODULES])
def test_test_modules_share_through_the_kit_not_each_other(path: Path) -> None:
    """What more than one test needs lives in tests/kit/; a test module never imports another one."""
    assert not [name for name in _imports(path) if name.startswith("tests.test_")]


def test_the_kit_check_sees_a_test_module_import() -> None:
    assert "tests.test_backbone" in _imports_of("from tests.test_backbone import run_once\n")


def _imports_of(text: str) -> set[str]:
    tree = ast.parse(text)
    return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}


def test_the_readme_lists_every_metric(tmp_path: Path) -> None:
    """The README's /metrics list names every metric the service exports, as a scrape shows it (a counter with
    its `_total`)."""
    from monitor.metrics import Metrics
    from monitor.store.store import Store

    store = Store.open(tmp_path)
    try:
        families = list(Metrics(store).registry.collect())
    finally:
        store.close()
    names = {f.name + "_total" if f.type == "counter" else f.name for f in families}
    assert "frmonitor_departures_resolved_total" in names
    assert {name for name in names if f"`{name}`" not in README} == set()
