"""The registry of source kinds (monitor.registry): every kind built, described and listed as off from its one
entry, in one order, under the names models.Sources gives."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.app import App
from monitor.registry import KINDS, build_sources, describe_sources
from monitor.settings.loading import load_settings
from monitor.settings.model import Settings, settings_model
from monitor.settings.types import Interval, Section
from monitor.sources.http import HttpClient
from monitor.sources.kind import Described, Sections, SourceKind, every
from monitor.store.store import Store

EVERY_KIND = """
data_dir = "{data}"
[federal_register]
base_url = "http://127.0.0.1:9/api/v1/"
[ecfr]
base_url = "http://127.0.0.1:9/ecfr/"
parts = ["15:744"]
[regulations_gov]
enabled = true
base_url = "http://127.0.0.1:9/rg/"
[[pages]]
name = "press"
url = "http://127.0.0.1:9/press"
[[feeds]]
name = "news"
url = "http://127.0.0.1:9/feed.xml"
"""

NONE_ON = """
data_dir = "{data}"
pages = []
[federal_register]
enabled = false
[public_inspection]
enabled = false
[ecfr]
enabled = false
"""

IN_ORDER = ["federal_register", "public_inspection", "page:press", "feed:news", "ecfr", "regulations_gov"]


def _settings(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("REGULATIONS_GOV_API_KEY", "test-key")
    path = tmp_path / "monitor.toml"
    path.write_text(text.format(data=tmp_path / "data"))
    return load_settings(path)


async def test_every_kind_is_built_and_described_in_the_registry_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, EVERY_KIND, monkeypatch)
    http = HttpClient(contact="test", timeout=5, max_response_bytes=1_000_000)
    store = Store.open(settings.data_dir)
    try:
        assert [source.name for source in build_sources(settings, http, store.snapshots)] == IN_ORDER
    finally:
        await http.close()
        store.close()
    described, off = describe_sources(settings, datetime(2026, 1, 6, 15, tzinfo=UTC))
    assert [d.name for d in described] == IN_ORDER
    assert off == []
    assert described[-2].what == "the regulation text of 15 CFR 744"


async def test_kinds_turned_off_are_neither_built_nor_described_and_are_named_as_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, NONE_ON, monkeypatch)
    http = HttpClient(contact="test", timeout=5, max_response_bytes=1_000_000)
    store = Store.open(settings.data_dir)
    try:
        assert build_sources(settings, http, store.snapshots) == []
    finally:
        await http.close()
        store.close()
    described, off = describe_sources(settings, datetime(2026, 1, 6, 15, tzinfo=UTC))
    assert described == []
    # every kind that can be off is named by its settings section; feeds, none configured, are not listed
    assert off == [kind.section for kind in KINDS if kind.listed_when_off]
    assert off == ["federal_register", "public_inspection", "pages", "ecfr", "regulations_gov"]


async def test_a_read_only_app_builds_no_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`explain` reads the history only: no source of any kind is built, public inspection included."""
    app = App(_settings(tmp_path, EVERY_KIND, monkeypatch), read_only=True)
    try:
        assert app.sources == []
    finally:
        await app.close()


# A kind of source defined the way a new one would be: its table, its kind, and nothing written anywhere else.
class _ToyTable(Section):
    enabled: bool = False
    interval: Interval = 3600.0


def _describe_toy(settings: Sections, now: datetime) -> list[Described]:
    toy = settings.section(TOY)
    return [Described("toy", toy.interval, "a toy", "http://127.0.0.1:9/", every(toy.interval))]


TOY: SourceKind[_ToyTable] = SourceKind(
    name="toy",
    section="toy",
    table=_ToyTable,
    default=_ToyTable,
    enabled=lambda table: table.enabled,
    build=lambda settings, http, known: [],
    describe=_describe_toy,
)


def test_a_new_kind_gets_its_settings_table_from_its_entry_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings model is made from the kinds: a new kind's table is read from the file and the environment,
    checked strictly and reached by kind, with no field written for it anywhere."""
    model = settings_model([*KINDS, TOY])
    assert model().section(TOY) == _ToyTable()
    assert model(toy={"enabled": True}).section(TOY).enabled
    monkeypatch.setenv("MONITOR_TOY__INTERVAL", "5m")
    assert model().section(TOY).interval == 300
    with pytest.raises(ValidationError, match=r"toy\.intreval"):
        model(toy={"intreval": "5m"})
    # ... and the kinds that were there keep theirs.
    assert model().section(KINDS[0]) == Settings().section(KINDS[0])
    assert "toy" not in Settings.model_fields
