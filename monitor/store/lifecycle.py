"""The life of a rule: which watchlists a document concerned, the RINs and dockets they follow, what is on
the public inspection list and how documents left it, and the deadlines ahead."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from monitor.core.deadlines import DateMove
from monitor.models import Document, Sources
from monitor.store.base import Part, WriteFirstDatabase
from monitor.store.snapshots import Snapshots

if TYPE_CHECKING:  # annotations only: reading the history does not import the planner
    from monitor.core.plan import PollPlan


class Lifecycle(Part):
    def __init__(self, db: WriteFirstDatabase, snapshots: Snapshots) -> None:
        super().__init__(db)
        self.snapshots = snapshots  # filing times are read from the public inspection snapshots

    # -- the life of a rule --------------------------------------------------------------------------------

    def save_learned(self, plan: PollPlan, now: float) -> None:
        """What a poll learned beyond snapshots and alerts, in the poll's own transaction."""
        for number, (text, truncated) in plan.full_texts.items():
            self.db.execute(
                "INSERT INTO full_texts (number, text, truncated, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (number) DO NOTHING",
                [number, text, int(truncated), now],
            )
        for document, watchlist in plan.concerned:
            self.db.execute(
                "INSERT INTO matches (watchlist, source, number, matched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [watchlist, document.source, document.number, now],
            )
            for key in plan.follow_keys.get(document.number, ()):
                self.db.execute(
                    "INSERT INTO follows (key, watchlist, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [key, watchlist, now],
                )
        for number in plan.on_list or ():
            self.db.execute(
                "INSERT INTO pi_status (number, on_list, resolution, updated_at) VALUES (?, 1, NULL, ?)"
                " ON CONFLICT (number) DO UPDATE SET on_list = 1, updated_at = excluded.updated_at"
                " WHERE resolution IS NULL",
                [number, now],
            )
        for number, resolution in plan.resolved.items():
            self.db.execute(
                "UPDATE pi_status SET on_list = 0, resolution = ?, updated_at = ? WHERE number = ?",
                [resolution, now, number],
            )
        for number in plan.checked:  # asked about, still unresolved: the others' turn comes first next time
            self.db.execute(
                "UPDATE pi_status SET updated_at = ? WHERE number = ? AND resolution IS NULL", [now, number]
            )
        for move in plan.moves:
            self.db.execute(
                "INSERT INTO date_moves (source, number, field, before, after, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                [plan.source, move.number, move.field, _iso(move.before), _iso(move.after), now],
            )
        for number in plan.reread:
            self.db.execute(
                "INSERT INTO rereads (number, read_at) VALUES (?, ?)"
                " ON CONFLICT (number) DO UPDATE SET read_at = excluded.read_at",
                [number, now],
            )

    def _by_key(self, sql: str, values: Sequence[str]) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        wanted = list(dict.fromkeys(values))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for row in self._rows(sql.format(marks=",".join("?" * len(chunk))), chunk):
                found.setdefault(row[0], set()).add(row[1])
        return {k: frozenset(v) for k, v in found.items()}

    def load_followed(self, keys: Sequence[str]) -> dict[str, frozenset[str]]:
        return self._by_key("SELECT key, watchlist FROM follows WHERE key IN ({marks})", keys)

    def load_matched(self, numbers: Sequence[str]) -> dict[str, frozenset[str]]:
        return self._by_key("SELECT number, watchlist FROM matches WHERE number IN ({marks})", numbers)

    def load_filed_at(self, numbers: Sequence[str]) -> dict[str, str]:
        """When each of these documents was filed for public inspection, from its stored snapshot."""
        return {
            number: filed
            for number, doc in self.snapshots.load_snapshots(Sources.PUBLIC_INSPECTION, numbers).items()
            if (filed := doc.filed_at)
        }

    def load_on_list(self) -> set[str]:
        """Public inspection documents last seen on the list and not yet resolved."""
        return set(self.load_unresolved())

    def load_unresolved(self) -> list[str]:
        """Public inspection documents not yet resolved, the longest untouched first: a row's updated_at is
        when the document was last seen on the list or, once it left, last asked about."""
        rows = self._rows("SELECT number FROM pi_status WHERE resolution IS NULL ORDER BY updated_at, number")
        return [r["number"] for r in rows]

    def load_deadline_candidates(self, today: str) -> list[tuple[Document, str]]:
        """(document, watchlist) for every matched document with a deadline after `today` (ISO date)."""
        rows = self._rows(
            """
            SELECT m.watchlist, s.data FROM matches m
            JOIN snapshots s ON s.source = m.source AND s.number = m.number
            WHERE json_extract(s.data, '$.comments_close_on') > ? OR json_extract(s.data, '$.effective_on') > ?
            """,
            [today, today],
        )
        return [(Document.from_dict(json.loads(r["data"])), r["watchlist"]) for r in rows]

    def load_watched(self, source: str, today: str) -> dict[str, float | None]:
        """Documents of `source` a watchlist matched with a date from `today` (ISO) on -> when each was last read
        again by number (None: never)."""
        # From the matches (a few hundred) to their snapshots, never every snapshot's JSON: CROSS JOIN keeps that
        # order (SQLite would rather scan the snapshots of the source, a second at 90,000 of them).
        rows = self._rows(
            """
            SELECT DISTINCT s.number, r.read_at FROM matches m
            CROSS JOIN snapshots s ON s.source = m.source AND s.number = m.number
            LEFT JOIN rereads r ON r.number = s.number
            WHERE m.source = ? AND (json_extract(s.data, '$.comments_close_on') >= ?
                                    OR json_extract(s.data, '$.effective_on') >= ?)
            """,
            [source, today, today],
        )
        return {r["number"]: r["read_at"] for r in rows}

    def load_date_moves(self, numbers: Sequence[str]) -> dict[tuple[str, str], DateMove]:
        """The latest move of each date of these documents that ever moved: (number, field) -> the move."""
        moves: dict[tuple[str, str], DateMove] = {}
        wanted = list(dict.fromkeys(numbers))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self._rows(
                f"SELECT number, field, before, after FROM date_moves WHERE number IN ({','.join('?' * len(chunk))})"  # noqa: S608
                " ORDER BY id",
                chunk,
            )
            for r in rows:  # in the order they were seen: the latest stays
                number, name = r["number"], r["field"]
                moves[(number, name)] = DateMove(number, name, _day(r["before"]), _day(r["after"]))
        return moves

    def load_documents_sharing_keys(self, document: Document) -> list[Document]:
        """Other Federal Register documents that carry one of this one's RINs or dockets (up to 50 for each of
        its first 10)."""
        numbers: set[str] = set()
        for key in sorted({*document.regulation_id_numbers, *document.docket_ids})[:10]:
            rows = self._rows(
                "SELECT number FROM snapshots WHERE source = 'federal_register' AND number != ? AND data LIKE ?"
                " LIMIT 50",
                [document.number, f'%"{key}"%'],
            )
            numbers |= {r["number"] for r in rows}
        return list(self.snapshots.load_snapshots(Sources.FEDERAL_REGISTER, sorted(numbers)).values())

    def load_alert_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of these alert keys that are stored (their alert happened)."""
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            marks = ",".join("?" * len(chunk))
            found |= {r["key"] for r in self._rows(f"SELECT key FROM alerts WHERE key IN ({marks})", chunk)}  # noqa: S608
        return found

    def load_date_history(self, number: str) -> list[tuple[DateMove, float]]:
        """Every move of this document's dates, with when it was seen, oldest first."""
        rows = self._rows("SELECT * FROM date_moves WHERE number = ? ORDER BY id", [number])
        return [(DateMove(number, r["field"], _day(r["before"]), _day(r["after"])), r["seen_at"]) for r in rows]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
