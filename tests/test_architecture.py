"""The floors of the house, held by a test: imports point down, never up, and never in a circle.

    models (and the package's version)                    floor 0
    core: pure decisions                                  floor 1
    store, sources, settings' tables and types (and config_file), notify, logs, metrics   floor 2 (side by side)
    registry: the kinds of source; the settings model made from it, and its loading;
    runner: one poll                                      floor 3
    app (wiring), operations (health, ops notices, upkeep), service (loops), web, cli, tuning, summary   floor 4

Every import counts: module level, inside functions, and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "monitor"

FLOORS = [
    ("monitor", 0),  # the package itself: its version
    ("monitor.models", 0),
    ("monitor.testhooks", 0),
    ("monitor.core", 1),
    ("monitor.store", 2),
    ("monitor.sources", 2),
    ("monitor.settings", 2),
    ("monitor.settings.model", 3),
    ("monitor.settings.loading", 3),
    ("monitor.config_file", 2),
    ("monitor.notify", 2),
    ("monitor.logs", 2),
    ("monitor.metrics", 2),
    ("monitor.runner", 3),
    ("monitor.registry", 3),
    ("monitor.app", 4),
    ("monitor.operations", 4),
    ("monitor.service", 4),
    ("monitor.web", 4),
    ("monitor.cli", 4),
    ("monitor.tuning", 4),
    ("monitor.summary", 4),
    ("monitor.__main__", 4),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def floor(module: str) -> int:
    matches = [(prefix, level) for prefix, level in FLOORS if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} has no floor: add it to FLOORS"
    return max(matches, key=lambda m: len(m[0]))[1]


def imports_of(module: str) -> set[str]:
    """Every monitor module `module` imports, wherever the import statement stands."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in MODULES:
                name = name.rsplit(".", 1)[0] if "." in name else ""
            if name and name != module:
                found.add(name)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    upward = sorted(m for m in GRAPH[module] if floor(m) > floor(module))
    assert not upward, f"{module} (floor {floor(module)}) imports from above: {upward}"


def test_no_import_cycles() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(GRAPH[module]):
            if target == "monitor":
                continue  # the package's __init__ (its version) imports nothing of ours
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def third_party_imports(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo += [m for m in GRAPH[current] if m not in seen]
    return seen


def test_settings_import_no_apprise() -> None:
    """Loading settings (every command does) must not load Apprise and its ~150 plugins."""
    offenders = sorted(m for m in reachable("monitor.settings.loading") if "apprise" in third_party_imports(m))
    assert not offenders, offenders


def test_commands_that_send_nothing_import_no_apprise() -> None:
    for module in ("monitor.cli.history", "monitor.cli.status", "monitor.store.history"):
        offenders = sorted(
            m
            for m in reachable(module) - {"monitor.summary"}  # status imports Apprise to show targets' privacy form
            if "apprise" in third_party_imports(m) and m != "monitor.notify.targets"
        )
        assert not offenders, (module, offenders)


def test_one_vocabulary_of_events() -> None:
    """The events are listed once (monitor.models); settings, rendering and the CLI derive from that list."""
    from typing import get_args

    from monitor.cli import build_parser
    from monitor.models import EVENTS, EventKind
    from monitor.notify.render import EVENT_HEADINGS

    assert set(get_args(EventKind)) == set(EVENTS)
    assert set(EVENT_HEADINGS) == set(EVENTS)
    alerts = next(
        a
        for a in build_parser()._subparsers._group_actions[0].choices["alerts"]._actions  # type: ignore[union-attr]
        if a.dest == "event"
    )
    assert tuple(alerts.choices) == EVENTS  # type: ignore[arg-type]
    assert (
        "FR_NUMBER = " not in (PACKAGE / "sources" / "feeds" / "source.py").read_text()
    )  # numbers: core/identity.py only


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("monitor.sources")))
def test_sources_never_import_the_store(module: str) -> None:
    """Sources fetch and parse; what they need of what is known comes in through monitor.sources.known, and
    what they fetched is saved by the runner with the poll it belongs to."""
    assert not [m for m in GRAPH[module] if m.startswith("monitor.store")], module


def test_item_kinds_are_named_once() -> None:
    """The kinds of item are compared by name (monitor.models.ItemKind), never as strings of a module's own."""
    literals = ('"#region"', '"Page entry"', '"Web page"', '"CFR section"', '"Removed CFR section"', '"eCFR title"')
    offenders = [
        (module, literal)
        for module, path in MODULES.items()
        if module != "monitor.models"
        for literal in literals
        if literal in path.read_text()
    ]
    assert not offenders, offenders


def _time_formats(path: Path) -> list[str]:
    """String constants in a module that format a time for people (strftime patterns with a zone)."""
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and "%H:%M" in node.value
        and ("%Z" in node.value or node.value.rstrip().endswith(" ET"))
    ]


def test_us_eastern_time_is_shown_in_one_place() -> None:
    """Alerts, the console and the CLI show times through monitor.core.clock alone, so they say the same."""
    clock = PACKAGE / "core" / "clock.py"
    assert _time_formats(clock)  # the check sees a format where there is one
    elsewhere = {str(p.relative_to(ROOT)): f for p in PACKAGE.rglob("*.py") if p != clock if (f := _time_formats(p))}
    assert elsewhere == {}


def _registered_source_names() -> frozenset[str]:
    from monitor.registry import KINDS

    return frozenset(kind.name for kind in KINDS)


# Every kind's name (a prefix for pages and feeds), taken from the registry: a kind added there is covered by the
# check below without this test being edited.
SOURCE_NAMES = _registered_source_names()


def _source_name_comparisons(tree: ast.AST) -> list[str]:
    """Where code compares a source (an expression that mentions `source`) with a source name written out:
    `document.source == "ecfr"`, `source in ("federal_register", ...)`, `source.startswith("page:")`."""

    def written_out(node: ast.expr) -> bool:
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(written_out(e) for e in node.elts)
        return isinstance(node, ast.Constant) and node.value in SOURCE_NAMES

    def written_out_within(node: ast.expr) -> bool:
        return any(isinstance(n, ast.expr) and written_out(n) for n in ast.walk(node))

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(written_out(s) for s in sides) and any("source" in ast.unparse(s) for s in sides):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            prefix_test = node.func.attr in ("startswith", "removeprefix", "endswith")
            if prefix_test and node.args and written_out(node.args[0]) and "source" in ast.unparse(node.func.value):
                found.append(ast.unparse(node))
            # a source named by hand to look its items up: store.snapshots.load_snapshot("ecfr", n),
            # by_source.get("federal_register")
            looks_up = "snapshot" in node.func.attr or (node.func.attr == "get" and "source" in ast.unparse(node))
            if looks_up and any(written_out(a) for a in node.args):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Subscript) and "source" in ast.unparse(node.value) and written_out(node.slice):
            found.append(ast.unparse(node))
        elif isinstance(node, ast.For) and "source" in ast.unparse(node.target) and written_out_within(node.iter):
            found.append(ast.unparse(node.iter))
    return found


def test_sources_are_told_apart_by_their_names_in_models_only() -> None:
    """No module but monitor.models (Sources) compares a source with a name of its own: a source kind's name
    is written once."""
    offenders = {
        module: found
        for module, path in MODULES.items()
        if module != "monitor.models" and (found := _source_name_comparisons(ast.parse(path.read_text())))
    }
    assert offenders == {}
    # ... and the check sees one where there is one.
    assert _source_name_comparisons(ast.parse('if document.source in ("ecfr", "x"): pass'))
    assert _source_name_comparisons(ast.parse('ok = change.source.startswith("page:")'))
    assert not _source_name_comparisons(ast.parse('if alert.event == "public_inspection": pass'))
    assert _source_name_comparisons(ast.parse('store.snapshots.load_snapshots("public_inspection", numbers)'))
    assert _source_name_comparisons(ast.parse('filed = by_source.get("public_inspection")'))
    assert _source_name_comparisons(ast.parse('filed = by_source["public_inspection"]'))
    assert _source_name_comparisons(ast.parse('for source, label in (("ecfr", "the eCFR"),): pass'))
    assert not _source_name_comparisons(ast.parse('heading = HEADINGS.get("public_inspection")'))
    assert {"federal_register", "public_inspection", "ecfr", "regulations_gov", "page:", "feed:"} <= SOURCE_NAMES
    for name in SOURCE_NAMES:  # each registered kind's name, a new one's too
        assert _source_name_comparisons(ast.parse(f"ok = document.source == {name!r}")), name


# The ways a module can name a kind of source, for every kind in the registry: its name (or its prefix) written
# out, its settings section read as an attribute (`settings.ecfr`), its kind's constant (`ECFR`), its constant or
# helper in models.Sources (`Sources.ECFR`, `Sources.page`).
def _kind_names() -> dict[str, tuple[str, set[str]]]:
    from monitor.models import Sources
    from monitor.registry import KINDS

    names = {}
    for kind in KINDS:
        in_models = {key for key, value in vars(Sources).items() if value == kind.name}
        helper = {kind.name.removesuffix(":")} if kind.name.endswith(":") else set()
        names[kind.section] = (kind.name, {kind.section, kind.section.upper(), *in_models, *helper})
    return names


_KIND_NAMES = _kind_names()


def _source_kinds_named(tree: ast.AST) -> set[str]:
    named = set()
    for node in ast.walk(tree):
        for kind, (written, attributes) in _KIND_NAMES.items():
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
            if name in attributes:
                named.add(kind)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(written):
                named.add(kind if written.endswith(":") or node.value == written else "")
    return named - {""}


# Modules allowed to name most kinds of source: the registry and the vocabulary it draws on. notify/samples
# holds example items for `test-alert`, one per way an item renders.
_MAY_LIST_SOURCES = {"monitor.registry", "monitor.models", "monitor.notify.samples"}


def test_the_sources_are_listed_in_the_registry_only() -> None:
    """A module that names four or more kinds of source is a list of sources written out again: building,
    describing or checking them belongs in monitor.registry (one entry per kind)."""
    listing = {
        module: sorted(named)
        for module, path in MODULES.items()
        if module not in _MAY_LIST_SOURCES and len(named := _source_kinds_named(ast.parse(path.read_text()))) >= 4
    }
    assert listing == {}
    # ... and the check sees a list where there is one.
    written_out = 'if s.federal_register.enabled: a()\nif s.ecfr.enabled: b()\nfor p in s.pages: c()\nx = "feed:" + n'
    assert _source_kinds_named(ast.parse(written_out)) == {"federal_register", "ecfr", "pages", "feeds"}
    by_kind = "a = s.section(FEDERAL_REGISTER)\nb = s.section(PUBLIC_INSPECTION)\nc = s.section(REGULATIONS_GOV)"
    assert _source_kinds_named(ast.parse(by_kind)) == {"federal_register", "public_inspection", "regulations_gov"}
    assert set(_KIND_NAMES) >= {"federal_register", "public_inspection", "pages", "feeds", "ecfr", "regulations_gov"}


def test_every_source_name_has_its_kind_in_the_registry() -> None:
    from monitor.models import Sources
    from monitor.registry import KINDS

    named_in_models = {value for key, value in vars(Sources).items() if key.isupper() and isinstance(value, str)}
    assert named_in_models <= {kind.name for kind in KINDS}
    assert len({kind.name for kind in KINDS}) == len({kind.section for kind in KINDS}) == len(KINDS)


def _private_reaches(tree: ast.AST) -> list[str]:
    """`other._name`: an object's private attribute used from outside it (self and cls are its own)."""
    return [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]


# Libraries' internals we must use (argparse's subparser type, Apprise's plugin map), and a lock comparing
# itself with another lock of its own class.
_PRIVATE_REACHES_ALLOWED = {"argparse._SubParsersAction", "N_MGR._module_map", "other._fd"}


def test_no_module_reaches_into_another_objects_privates() -> None:
    """What a module offers others is public (the service asks app.loops.failed(), not app._loop_failed())."""
    offenders = {
        module: found
        for module, path in MODULES.items()
        if (found := sorted(set(_private_reaches(ast.parse(path.read_text()))) - _PRIVATE_REACHES_ALLOWED))
    }
    assert offenders == {}
    assert _private_reaches(ast.parse("app._loop_failed('x', exc)")) == ["app._loop_failed"]
    assert _private_reaches(ast.parse("self._loop_ok('x')")) == []
