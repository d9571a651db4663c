"""What the monitor has seen: snapshots of every item, the full texts it downloaded, and new feed items held
back until they can be completed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from monitor.models import Document
from monitor.store.base import Part


class Snapshots(Part):
    # -- snapshots ---------------------------------------------------------------------------------------

    def _snapshot_rows(self, columns: str, source: str, numbers: Iterable[str]) -> list[sqlite3.Row]:
        wanted = list(numbers)
        rows: list[sqlite3.Row] = []
        # SQLite limits bound parameters; ask in chunks.
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT number, {columns} FROM snapshots WHERE source = ? AND number IN ({marks})"  # noqa: S608
            rows += self._rows(sql, [source, *chunk])
        return rows

    def load_snapshot_hashes(self, source: str, numbers: Iterable[str]) -> dict[str, str]:
        """Content hashes only: enough to tell that nothing changed without decoding any snapshot."""
        return {r["number"]: r["content_hash"] for r in self._snapshot_rows("content_hash", source, numbers)}

    def load_snapshots(self, source: str, numbers: Iterable[str]) -> dict[str, Document]:
        return {
            r["number"]: Document.from_dict(json.loads(r["data"])) for r in self._snapshot_rows("data", source, numbers)
        }

    def load_snapshots_with_prefix(self, source: str, prefix: str) -> dict[str, Document]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._rows(
            "SELECT number, data FROM snapshots WHERE source = ? AND number LIKE ? ESCAPE '\\'",
            [source, escaped + "%"],
        )
        return {r["number"]: Document.from_dict(json.loads(r["data"])) for r in rows}

    def load_snapshot(self, source: str, number: str) -> Document | None:
        return self.load_snapshots(source, [number]).get(number)

    def load_snapshot_changed_at(self, source: str, number: str) -> float | None:
        """When the stored snapshot last changed (it is the latest fetch's content since then)."""
        rows = self._snapshot_rows("changed_at", source, [number])
        return float(rows[0]["changed_at"]) if rows else None

    # -- items held back until they can be completed ------------------------------------------------------

    def load_held_waits(self, source: str, numbers: Sequence[str]) -> dict[str, int]:
        """How many polls each of these items has waited to be completed (absent: none)."""
        if not numbers:
            return {}
        marks = ",".join("?" * len(numbers))
        rows = self._rows(
            f"SELECT number, waits FROM held_items WHERE source = ? AND number IN ({marks})",  # noqa: S608
            [source, *numbers],
        )
        return {r["number"]: int(r["waits"]) for r in rows}

    def save_held(self, source: str, held: Mapping[str, int], released: Sequence[str]) -> None:
        """Inside a poll's transaction: the items still waiting, with their new counts, and the ones that went
        through (completed, or alerting as they are) forgotten."""
        for number, waits in held.items():
            self.db.execute(
                "INSERT INTO held_items (source, number, waits) VALUES (?, ?, ?)"
                " ON CONFLICT (source, number) DO UPDATE SET waits = excluded.waits",
                [source, number, waits],
            )
        if released:
            marks = ",".join("?" * len(released))
            self.db.execute(
                f"DELETE FROM held_items WHERE source = ? AND number IN ({marks})",  # noqa: S608
                [source, *released],
            )

    # -- full text cache ---------------------------------------------------------------------------------

    def load_full_text(self, number: str) -> str | None:
        rows = self._rows("SELECT text FROM full_texts WHERE number = ?", [number])
        return str(rows[0]["text"]) if rows else None

    def save_full_text(self, number: str, text: str, truncated: bool, now: float) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO full_texts (number, text, truncated, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (number) DO NOTHING",
                [number, text, int(truncated), now],
            )
