"""Upgrades are invisible: a database the previous release wrote opens with today's code, migrates, and runs on
with no new alert, no repeated delivery and nothing lost; later changes still alert.

The database (tests/fixtures/upgrade/release-0.1.db) was made by that release's own code running
tests/fixtures/upgrade/make_db.py, whose fakes and history are used here unchanged: today's code is served
exactly what the release last saw. Every migration added after the release is exercised here.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

from monitor.app import App
from monitor.settings.loading import load_settings
from monitor.store.schema import migrations
from tests.kit.fixtures import serving

FIXTURE = Path(__file__).parent / "fixtures" / "upgrade"


def _history() -> ModuleType:
    spec = importlib.util.spec_from_file_location("upgrade_history", FIXTURE / "make_db.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


history = _history()


@serving
async def upstream() -> AsyncIterator[Any]:
    """The fakes as the release last saw them, with the `archive` target back up."""
    fake = await history.Upstream().start()
    for when in history.STEPS:
        fake.step(when)
    fake.down = set()
    yield fake
    await fake.close()


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute(sql).fetchall())
    finally:
        conn.close()


WHAT_MUST_SURVIVE = {
    "alerts": "SELECT key, event, source, document_number, watchlist FROM alerts",
    "snapshots": "SELECT source, number FROM snapshots",
    "matches": "SELECT watchlist, source, number FROM matches",
    "follows": "SELECT key, watchlist FROM follows",
    "pi_status": "SELECT number, on_list, resolution FROM pi_status",
    "full_texts": "SELECT number, text FROM full_texts",
    "sent": "SELECT a.key, d.target FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.state = 'sent'",
}


def dated_reminder_keys(db: Path) -> dict[str, str]:
    """Migration m008_dated_reminders: each reminder key the release wrote ("...:comments_close_on-7d") -> the key
    it has after, with the date its stored alert counted down to ("...:comments_close_on-2025-03-17-7d")."""
    renamed = {}
    for key, data in rows(db, "SELECT key, data FROM alerts WHERE event = 'deadline'"):
        head, _, version = key.rpartition(":")
        field, _, days = version.rpartition("-")
        renamed[key] = f"{head}:{field}-{json.loads(data)['document'][field]}-{days}"
    return renamed


async def run(config: Path, when: str) -> list[Any]:
    app = App(load_settings(config), clock=lambda: history.at(when))
    try:
        return await app.run_once()
    finally:
        await app.close()


async def test_a_previous_release_database_runs_on_with_no_alert_no_repeat_and_no_loss(upstream, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "fr-monitor.db"
    shutil.copyfile(FIXTURE / history.DB_NAME, db)
    before = {name: rows(db, sql) for name, sql in WHAT_MUST_SURVIVE.items()}
    pending = rows(
        db, "SELECT a.key, d.target FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE state = 'pending'"
    )
    assert len(before["alerts"]) == 11 and pending == [(pending[0][0], "archive")]  # the fixture is what it says
    assert {t for _, t in before["sent"]} == {"team", "archive"}
    # Reminders are keyed by their date now: the migration adds it to the keys stored before, so they keep
    # meaning the reminders already sent (none of them is sent again below).
    renamed = dated_reminder_keys(db)
    assert len(renamed) == 2

    def migrated(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return sorted((renamed.get(row[0], row[0]), *row[1:]) for row in found)

    before["alerts"], before["sent"], pending = migrated(before["alerts"]), migrated(before["sent"]), migrated(pending)
    config = history.write_config(upstream, tmp_path, data)

    # The same upstream, later that day (the pending delivery's back-off has passed): nothing new to say.
    outcomes = await run(config, "2025-03-10 15:00")
    assert [o.source for o in outcomes if not o.ok] == []
    applied = [name for (name,) in rows(db, "SELECT name FROM _sqlite_migrations")]
    assert sorted(applied) == sorted(m.name for m in migrations._migrations)
    assert upstream.received["team"] == []  # nothing sent before is sent again, nothing new alerts
    assert len(upstream.received["archive"]) == 1  # only the delivery left pending, once
    assert "Deadline" in upstream.received["archive"][0]["title"]
    after = {name: rows(db, sql) for name, sql in WHAT_MUST_SURVIVE.items()}
    for name in WHAT_MUST_SURVIVE:
        if name != "sent":
            assert after[name] == before[name], name
    assert after["sent"] == sorted([*before["sent"], *pending])
    await run(config, "2025-03-10 16:00")
    assert upstream.received["team"] == [] and len(upstream.received["archive"]) == 1

    # Later changes still alert, each once: a new rule and an amended section.
    upstream.documents.append(
        history.fr_document(
            "2025-04001", "Export Controls on Artificial Intelligence Model Weights", "2025-03-11", abstract="Rules."
        )
    )
    upstream.ecfr_amended = "2025-03-11"
    upstream.ecfr_versions["2025-03-11"] = history.ecfr_part(
        {**history.ECFR_V2, "744.1": ("General provisions.", "(a) Scope. This part is revised.", "90 FR 9000")}
    )
    await run(config, "2025-03-11 09:00")
    titles = sorted(body["title"] for body in upstream.received["team"])
    assert titles == [
        "[ai] Published: Export Controls on Artificial Intelligence Model Weights",
        "[ear-744] Regulation text changed: § 744.1 General provisions.",
        "[fulltext] Published: Export Controls on Artificial Intelligence Model Weights",
    ]
    assert len(upstream.received["archive"]) == 1 + 3
