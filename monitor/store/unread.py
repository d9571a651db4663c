"""Documents held because a text their watchlists need could not be read (monitor.core.unread)."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.core.unread import TextKind, Unread, change_from_json, change_to_json
from monitor.store.base import Part


def _kind(value: str) -> TextKind:
    return "linked_text" if value == "linked_text" else "full_text"


class UnreadTexts(Part):
    def load_unread(self, sources: Sequence[str] | None = None) -> list[Unread]:
        """Every held document (of these sources), oldest failure first."""
        rows = self._rows("SELECT * FROM unread_texts ORDER BY first_failed_at, source, number")
        return [
            Unread(
                source=r["source"],
                change=change_from_json(r["change"]),
                kind=_kind(r["kind"]),
                reason=r["reason"],
                tries=r["tries"],
                first_failed_at=r["first_failed_at"],
                last_tried_at=r["last_tried_at"],
                given_up_at=r["given_up_at"],
            )
            for r in rows
            if sources is None or r["source"] in sources
        ]

    def save_unread(self, source: str, unread: Sequence[Unread], released: Sequence[str]) -> None:
        """In the poll's transaction: the documents whose text failed again (or for the first time), and those
        read at last or dropped."""
        for record in unread:
            self.db.execute(
                """
                INSERT INTO unread_texts (source, number, kind, change, reason, tries, first_failed_at,
                                          last_tried_at, given_up_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, number) DO UPDATE SET kind = excluded.kind, change = excluded.change,
                    reason = excluded.reason, tries = excluded.tries, last_tried_at = excluded.last_tried_at,
                    given_up_at = excluded.given_up_at
                """,
                [
                    source,
                    record.number,
                    record.kind,
                    change_to_json(record.change),
                    record.reason,
                    record.tries,
                    record.first_failed_at,
                    record.last_tried_at,
                    record.given_up_at,
                ],
            )
        for number in released:
            self.db.execute("DELETE FROM unread_texts WHERE source = ? AND number = ?", [source, number])
