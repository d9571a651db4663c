"""Reading what the service did, for the console and `status`: sources, the outbox, alerts (filtered and paged),
one alert with its deliveries, one document's life, watchlists' counts. Read-only; every query is bounded and
indexed so pages stay fast on a history of 100,000 alerts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.core.deadlines import DateMove, LaterDate, dates_set_later
from monitor.models import Alert, Delivery, Document, Sources
from monitor.store.store import Store, _delivery

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class SourceRow:
    name: str
    last_attempt_at: float | None
    last_success_at: float | None
    last_error: str
    last_error_at: float | None
    consecutive_failures: int
    next_check_at: float | None = None  # planned by the running service
    next_check_reason: str = ""  # why then: filing hours, quiet, issue window, back-off, byte budget
    changed_at: float | None = None  # when upstream last changed, as far as the service saw


@dataclass(frozen=True, slots=True)
class AlertFilter:
    watchlist: str | None = None
    event: str | None = None
    source: str | None = None
    state: str | None = None  # a delivery state: pending, failed, dead, sent
    since: float | None = None
    until: float | None = None
    text: str | None = None
    silenced: bool | None = None  # True: only silenced alerts; False: only the others (the Atom feed)
    silence: int | None = None  # only the alerts this silence silenced


@dataclass(frozen=True, slots=True)
class AlertSummary:
    id: int
    key: str
    created_at: float
    event: str
    source: str
    document_number: str
    watchlist: str
    title: str
    states: tuple[str, ...]  # its deliveries' states
    silence_id: int | None = None  # the silence that kept it from every target


@dataclass(frozen=True)
class AlertPage:
    alerts: list[AlertSummary]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class AlertDetail:
    id: int
    created_at: float
    alert: Alert
    deliveries: tuple[Delivery, ...]
    sent_at: dict[int, float | None]  # delivery id -> when it was accepted
    silence_id: int | None = None  # the silence that kept it from every target


@dataclass(frozen=True)
class Snapshot:
    source: str
    document: Document
    content_hash: str
    first_seen_at: float
    changed_at: float


@dataclass(frozen=True)
class DocumentLife:
    number: str
    snapshots: list[Snapshot]
    alerts: list[AlertSummary]
    inspection: str | None  # how it left public inspection: published, withdrawn, gone; None while on it
    corrections: list[str] = field(default_factory=list)  # numbers of documents correcting it
    followed: list[AlertSummary] = field(default_factory=list)  # alerts of documents sharing its RINs/dockets
    date_moves: list[tuple[DateMove, float]] = field(default_factory=list)  # its dates that moved, and when seen
    dated_later: list[LaterDate] = field(default_factory=list)  # later documents on its RINs/dockets setting dates


def _summary(row: Any) -> AlertSummary:
    states = tuple(row["states"].split(",")) if row["states"] else ()
    return AlertSummary(
        row["id"],
        row["key"],
        row["created_at"],
        row["event"],
        row["source"],
        row["document_number"],
        row["watchlist"],
        row["title"],
        states,
        row["silence_id"],
    )


def _snapshot(row: Any) -> Snapshot:
    document = Document.from_dict(json.loads(row["data"]))
    return Snapshot(row["source"], document, row["content_hash"], row["first_seen_at"], row["changed_at"])


_SUMMARY_COLUMNS = (
    "a.id, a.key, a.created_at, a.event, a.source, a.document_number, a.watchlist, a.title, a.silence_id, "
    "(SELECT group_concat(d.state) FROM deliveries d WHERE d.alert_id = a.id) AS states"
)


class History:
    def __init__(self, store: Store) -> None:
        self.store = store  # its public methods only
        self._rows = store.read

    def sources(self) -> dict[str, SourceRow]:
        rows = self._rows("SELECT * FROM sources")
        return {
            r["name"]: SourceRow(
                r["name"],
                r["last_attempt_at"],
                r["last_success_at"],
                r["last_error"] or "",
                r["last_error_at"],
                r["consecutive_failures"],
                r["next_check_at"],
                r["next_check_reason"] or "",
                r["changed_at"],
            )
            for r in rows
        }

    def outbox(self) -> dict[str, int]:
        """Deliveries by state, with `failed` (pending after a failed attempt) counted on its own too. One
        indexed count per state: a GROUP BY would read every delivery ever made."""

        def count(sql: str, params: Sequence[Any] = ()) -> int:
            return int(self._rows(sql, params)[0][0])

        by_state = {
            s: count("SELECT COUNT(*) FROM deliveries WHERE state = ?", [s]) for s in ("pending", "dead", "sent")
        }
        by_state["failed"] = count("SELECT COUNT(*) FROM deliveries WHERE state = 'pending' AND attempts > 0")
        return by_state

    def target_health(self) -> dict[str, tuple[float | None, str]]:
        """Targets that failed at some point: when they started failing (None: recovered) and the last error."""
        return {r["target"]: (r["failing_since"], r["last_error"]) for r in self._rows("SELECT * FROM target_health")}

    def target_last_sent(self, targets: Sequence[str]) -> dict[str, float]:
        """When each target last accepted a delivery: one indexed look-up per target, not a scan."""
        found = {}
        for target in targets:
            rows = self._rows("SELECT MAX(sent_at) AS at FROM deliveries WHERE target = ? AND state = 'sent'", [target])
            if rows and rows[0]["at"] is not None:
                found[target] = rows[0]["at"]
        return found

    def alerts(self, where: AlertFilter, page: int = 1, size: int = PAGE_SIZE) -> AlertPage:
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (("a.watchlist", where.watchlist), ("a.event", where.event), ("a.source", where.source)):
            if value:
                conditions.append(f"{column} = ?")
                params.append(value)
        if where.since is not None:
            conditions.append("a.created_at >= ?")
            params.append(where.since)
        if where.until is not None:
            conditions.append("a.created_at < ?")
            params.append(where.until)
        if where.text:
            conditions.append("(a.title LIKE ? ESCAPE '\\' OR a.document_number LIKE ? ESCAPE '\\')")
            pattern = "%" + where.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [pattern, pattern]
        if where.silence is not None:
            conditions.append("a.silence_id = ?")
            params.append(where.silence)
        if where.silenced is not None:
            conditions.append("a.silence_id IS NOT NULL" if where.silenced else "a.silence_id IS NULL")
        if where.state == "failed":
            conditions.append(
                "EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND d.state = 'pending' AND d.attempts > 0)"
            )
        elif where.state:
            conditions.append("EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND d.state = ?)")
            params.append(where.state)
        clause = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        total = self._rows(f"SELECT COUNT(*) AS n FROM alerts a {clause}", params)[0]["n"]  # noqa: S608
        pages = max(1, -(-total // size))
        page = min(max(1, page), pages)
        rows = self._rows(
            f"SELECT {_SUMMARY_COLUMNS} FROM alerts a {clause} ORDER BY a.id DESC LIMIT ? OFFSET ?",  # noqa: S608
            [*params, size, (page - 1) * size],
        )
        return AlertPage([_summary(r) for r in rows], total, page, pages)

    def alert(self, alert_id: int) -> AlertDetail | None:
        rows = self._rows("SELECT id, data, created_at, silence_id FROM alerts WHERE id = ?", [alert_id])
        if not rows:
            return None
        deliveries = self._rows("SELECT * FROM deliveries WHERE alert_id = ? ORDER BY id", [alert_id])
        return AlertDetail(
            rows[0]["id"],
            rows[0]["created_at"],
            Alert.from_dict(json.loads(rows[0]["data"])),
            tuple(_delivery(d) for d in deliveries),
            {d["id"]: d["sent_at"] for d in deliveries},
            rows[0]["silence_id"],
        )

    def snapshot_hash(self, source: str, number: str) -> str | None:
        rows = self._rows("SELECT content_hash FROM snapshots WHERE source = ? AND number = ?", [source, number])
        return str(rows[0]["content_hash"]) if rows else None

    def _alerts_for(self, numbers: Sequence[str], limit: int = 200) -> list[AlertSummary]:
        if not numbers:
            return []
        marks = ",".join("?" * len(numbers))
        rows = self._rows(
            f"SELECT {_SUMMARY_COLUMNS} FROM alerts a WHERE a.document_number IN ({marks}) ORDER BY a.id LIMIT ?",  # noqa: S608
            [*numbers, limit],
        )
        return [_summary(r) for r in rows]

    def document(self, number: str) -> DocumentLife | None:
        rows = self._rows("SELECT * FROM snapshots WHERE number = ? ORDER BY first_seen_at", [number])
        snapshots = [_snapshot(r) for r in rows]
        alerts = self._alerts_for([number])
        if not snapshots and not alerts:
            return None
        status = self._rows("SELECT on_list, resolution FROM pi_status WHERE number = ?", [number])
        inspection = None
        if status and not status[0]["on_list"]:
            inspection = status[0]["resolution"] or "left the list"
        corrections = [s.document.number for s in self._snapshots_correcting(number) if s.document.number != number]
        followed = self._followed(snapshots, number)
        rule = next((s.document for s in snapshots if s.source == Sources.FEDERAL_REGISTER), None)
        dated_later = dates_set_later(rule, self.store.lifecycle.load_documents_sharing_keys(rule)) if rule else []
        moves = self.store.lifecycle.load_date_history(number)
        return DocumentLife(number, snapshots, alerts, inspection, corrections, followed, moves, dated_later)

    def _snapshots_correcting(self, number: str) -> list[Snapshot]:
        rows = self._rows(
            "SELECT * FROM snapshots WHERE source = 'federal_register' AND data LIKE ? LIMIT 20",
            [f'%"correction_of": "%/{number}%'],
        )
        return [
            Snapshot(
                r["source"],
                Document.from_dict(json.loads(r["data"])),
                r["content_hash"],
                r["first_seen_at"],
                r["changed_at"],
            )
            for r in rows
        ]

    def _followed(self, snapshots: list[Snapshot], number: str) -> list[AlertSummary]:
        """Alerts of other documents that share this one's RINs or dockets (what following it caught)."""
        keys = {r for s in snapshots for r in s.document.regulation_id_numbers} | {
            d for s in snapshots for d in s.document.docket_ids
        }
        if not keys:
            return []
        found: set[str] = set()
        for key in sorted(keys)[:10]:
            rows = self._rows(
                "SELECT DISTINCT number FROM snapshots WHERE source IN ('federal_register', 'public_inspection') "
                "AND number != ? AND data LIKE ? LIMIT 50",
                [number, f'%"{key}"%'],
            )
            found |= {r["number"] for r in rows}
        return self._alerts_for(sorted(found))

    def watchlist_counts(self, since: float) -> dict[str, int]:
        rows = self._rows(
            "SELECT watchlist, COUNT(*) AS n FROM alerts WHERE created_at >= ? GROUP BY watchlist", [since]
        )
        return {r["watchlist"]: r["n"] for r in rows}

    def recent_documents(self, since: float, limit: int = 5000) -> list[Document]:
        """Stored Federal Register documents first seen since `since`, for trying a query against them."""
        rows = self._rows(
            "SELECT data FROM snapshots WHERE source = 'federal_register' AND first_seen_at >= ? "
            "ORDER BY first_seen_at DESC LIMIT ?",
            [since, limit],
        )
        return [Document.from_dict(json.loads(r["data"])) for r in rows]
