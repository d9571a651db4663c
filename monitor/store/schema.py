"""The database schema, as an ordered list of migrations. Never edit an applied one: add the next."""

from __future__ import annotations

import json
import re

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("fr-monitor")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            baseline_at REAL,            -- first successful poll: recorded silently
            last_success_at REAL,
            last_attempt_at REAL,
            last_error TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute(
        """
        CREATE TABLE snapshots (
            source TEXT NOT NULL,
            number TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            data TEXT NOT NULL,          -- the Document as JSON
            first_seen_at REAL NOT NULL,
            changed_at REAL NOT NULL,
            PRIMARY KEY (source, number)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,    -- one alert per event, document and watchlist, ever
            event TEXT NOT NULL,
            source TEXT NOT NULL,
            document_number TEXT NOT NULL,
            watchlist TEXT NOT NULL,
            title TEXT NOT NULL,
            data TEXT NOT NULL,          -- the Alert as JSON, enough to render it after a restart
            created_at REAL NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            target TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            sent_at REAL,
            UNIQUE (alert_id, target)
        )
        """
    )
    db.execute("CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at)")
    db.execute("CREATE INDEX alerts_created ON alerts (created_at)")


@migrations()
def m002_lifecycle(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE matches (          -- which watchlist was concerned by which document: for follow,
            watchlist TEXT NOT NULL,    -- corrections, withdrawals and deadline reminders
            source TEXT NOT NULL,
            number TEXT NOT NULL,
            matched_at REAL NOT NULL,
            PRIMARY KEY (watchlist, source, number)
        )
        """
    )
    db.execute("CREATE INDEX matches_number ON matches (number)")
    db.execute(
        """
        CREATE TABLE follows (          -- "RIN 0694-AJ90" / "docket BIS-2025-0001" -> watchlists following it
            key TEXT NOT NULL,
            watchlist TEXT NOT NULL,
            since REAL NOT NULL,
            PRIMARY KEY (key, watchlist)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE pi_status (        -- public inspection documents: on the list, or how they left it
            number TEXT PRIMARY KEY,
            on_list INTEGER NOT NULL,
            resolution TEXT,            -- published | withdrawn | gone (left, neither confirmed)
            updated_at REAL NOT NULL
        )
        """
    )


@migrations()
def m003_full_texts(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE full_texts (       -- raw text of documents a watchlist searches in full, fetched once
            number TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            truncated INTEGER NOT NULL,
            fetched_at REAL NOT NULL
        )
        """
    )


@migrations()
def m004_target_health(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE target_health (    -- so the ops target hears once when a target fails, once when it recovers
            target TEXT PRIMARY KEY,
            failing_since REAL,
            last_error TEXT NOT NULL DEFAULT ''
        )
        """
    )


@migrations()
def m005_held_items(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE held_items (       -- new feed items waiting to be completed from the documents API
            source TEXT NOT NULL,
            number TEXT NOT NULL,
            waits INTEGER NOT NULL,     -- polls it has waited
            PRIMARY KEY (source, number)
        )
        """
    )


@migrations()
def m006_console(db: Database) -> None:
    """What the console asks of a large history: alerts by watchlist, event, source and document, and when a
    source last failed."""
    db.execute("CREATE INDEX alerts_watchlist ON alerts (watchlist, id)")
    db.execute("CREATE INDEX alerts_event ON alerts (event, id)")
    db.execute("CREATE INDEX alerts_source ON alerts (source, id)")
    db.execute("CREATE INDEX alerts_document ON alerts (document_number)")
    db.execute("CREATE INDEX deliveries_alert_state ON deliveries (alert_id, state)")
    db.execute("CREATE INDEX deliveries_target_sent ON deliveries (target, state, sent_at)")
    db.execute("CREATE INDEX alerts_watchlist_event ON alerts (watchlist, event, id)")
    db.execute("ALTER TABLE sources ADD COLUMN last_error_at REAL")


@migrations()
def m007_silences(db: Database) -> None:
    """Silences an operator sets from a shell (`fr-monitor silence add`), kept with who, why and until when; and
    on each alert, the silence that kept it from every target."""
    db.execute(
        """
        CREATE TABLE silences (
            id INTEGER PRIMARY KEY,
            watchlist TEXT,             -- its matchers: all those given must match (at least one is)
            document TEXT,
            rin TEXT,
            docket TEXT,
            query TEXT,
            comment TEXT NOT NULL,      -- why
            author TEXT NOT NULL,       -- who
            created_at REAL NOT NULL,   -- active from here
            ends_at REAL NOT NULL,      -- until here
            expired_at REAL,            -- or until expired by hand (`silence expire ID`), and by whom
            expired_by TEXT
        )
        """
    )
    db.execute("ALTER TABLE alerts ADD COLUMN silence_id INTEGER REFERENCES silences(id)")
    db.execute("CREATE INDEX alerts_silence ON alerts (silence_id) WHERE silence_id IS NOT NULL")


@migrations()
def m008_dated_reminders(db: Database) -> None:
    """Reminders keyed by the date they remind of, the dates that moved, and when each watched document was
    last read again by number (monitor.core.deadlines).

    A reminder stored before this had a key without its date ("deadline:federal_register:2025-00636:ai:
    comments_close_on-7d"); it gets the date its stored alert counted down to ("...comments_close_on-2025-05-15-7d"),
    so the reminders already sent for a date that has not moved are not sent again. The format is written out
    here, not imported: a migration keeps meaning what it meant when it was written."""
    db.execute(
        """
        CREATE TABLE date_moves (       -- a comments-close or effective date of a stored document that changed
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            number TEXT NOT NULL,
            field TEXT NOT NULL,        -- comments_close_on | effective_on
            before TEXT,                -- ISO dates; NULL: none
            after TEXT,
            seen_at REAL NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX date_moves_number ON date_moves (number, field, id)")
    db.execute(
        """
        CREATE TABLE rereads (          -- watched documents outside the search window: when last read by number
            number TEXT PRIMARY KEY,
            read_at REAL NOT NULL
        )
        """
    )
    rows = db.execute("SELECT id, key, data FROM alerts WHERE event = 'deadline'").fetchall()
    for alert_id, key, data in rows:
        head, _, version = key.rpartition(":")
        field, _, days = version.rpartition("-")
        alert = json.loads(data)
        day = alert.get("document", {}).get(field)
        if field not in ("comments_close_on", "effective_on") or not days.endswith("d") or not day:
            continue  # already dated, or not a reminder this code wrote
        new_key = f"{head}:{field}-{day}-{days}"
        alert["key"] = new_key
        db.execute("UPDATE alerts SET key = ?, data = ? WHERE id = ?", [new_key, json.dumps(alert), alert_id])


@migrations()
def m009_unread_texts(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE unread_texts (     -- documents whose text a watchlist needs could not be read: evaluated
            source TEXT NOT NULL,       -- again on the next polls (monitor.core.unread)
            number TEXT NOT NULL,
            kind TEXT NOT NULL,         -- full_text | linked_text
            change TEXT NOT NULL,       -- the change as evaluated (JSON)
            reason TEXT NOT NULL,       -- the latest failure
            tries INTEGER NOT NULL,
            first_failed_at REAL NOT NULL,
            last_tried_at REAL NOT NULL,
            given_up_at REAL,           -- when the ops target was told
            PRIMARY KEY (source, number)
        )
        """
    )


@migrations()
def m010_schedule(db: Database) -> None:
    """When each source checks next and why, and when it last saw a change upstream: status reads them beside a
    running service."""
    db.execute("ALTER TABLE sources ADD COLUMN next_check_at REAL")
    db.execute("ALTER TABLE sources ADD COLUMN next_check_reason TEXT")
    db.execute("ALTER TABLE sources ADD COLUMN changed_at REAL")


@migrations()
def m011_byte_budget(db: Database) -> None:
    """Public inspection's byte budget (monitor.core.schedule.ByteBudget): the US Eastern day it counts and the
    full lists downloaded that day, so a restart goes on from what the day already spent instead of from zero."""
    db.execute("ALTER TABLE sources ADD COLUMN budget_day TEXT")
    db.execute("ALTER TABLE sources ADD COLUMN budget_spent REAL")


@migrations()  # before m012, not at the end: it is what lets m012 run on such a database
def m011b_page_entries_named_twice(db: Database) -> None:
    """Rows m012 would name the same: it names a page's entries without the user and password their links were
    resolved with, so an entry stored under two of them (the page's password changed; a relative and an absolute
    link to the same place) would be one row twice, and m012 failed on the unique key, leaving the database
    unusable at every start. One row of each is kept (the latest snapshot and reading), the others go; an
    alert, history that deliveries point to, is kept under its key with its id appended."""
    with_credentials = re.compile(r"(https?://)[^/@\s\"]+@")  # m012's own: names rows as m012 will

    def named(value: str) -> str:
        return with_credentials.sub(r"\1", value)

    # table -> its unique key, and the order that puts the row to keep first
    unique = {
        "snapshots": (("source", "number"), "changed_at DESC"),
        "matches": (("watchlist", "source", "number"), "matched_at"),
        "held_items": (("source", "number"), "waits DESC"),
        "unread_texts": (("source", "number"), "last_tried_at DESC"),
    }
    for table, (key, order) in unique.items():
        if not db[table].exists():
            continue
        kept: set[tuple[str, ...]] = set()
        rows = db.execute(
            f"SELECT rowid, {', '.join(key)} FROM {table} WHERE source LIKE 'page:%' ORDER BY {order}, rowid"  # noqa: S608
        ).fetchall()
        for rowid, *values in rows:
            name = tuple(named(v) for v in values)
            if name in kept:
                db.execute(f"DELETE FROM {table} WHERE rowid = ?", [rowid])  # noqa: S608
            kept.add(name)
    alerts = db.execute("SELECT id, key, data FROM alerts WHERE source LIKE 'page:%' ORDER BY id").fetchall()
    keys = {key for _, key, _ in alerts if named(key) == key}
    for alert_id, key, data in alerts:
        if named(key) == key:
            continue
        if named(key) in keys:
            alert = json.loads(data)
            alert["key"] = f"{named(key)}~{alert_id}"
            db.execute("UPDATE alerts SET key = ?, data = ? WHERE id = ?", [alert["key"], json.dumps(alert), alert_id])
        keys.add(named(key))


@migrations()
def m012_page_entries_without_credentials(db: Database) -> None:
    """Page entries were named by links resolved against the page's URL, so a page read with a user and password
    (https://reader:secret@host/news) stored them in every entry's number and link, and in the alerts about
    them. They are named without them now; the rows written before are rewritten the same way (the snapshots'
    hashes with them, so nothing reads as changed), and the credentials are gone from the database."""
    from monitor.models import Document

    with_credentials = re.compile(r"(https?://)[^/@\s\"]+@")
    tables = {
        "snapshots": ("source", ["number", "data"]),
        "matches": ("source", ["number"]),
        "held_items": ("source", ["number"]),
        "unread_texts": ("source", ["number", "change"]),
        "date_moves": ("source", ["number"]),
        "alerts": ("source", ["key", "document_number", "data"]),
    }
    for table, (source_column, columns) in tables.items():
        if not db[table].exists():
            continue
        rows = db.execute(
            f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE {source_column} LIKE 'page:%'"  # noqa: S608
        ).fetchall()
        for rowid, *values in rows:
            cleaned = [with_credentials.sub(r"\1", v) if isinstance(v, str) else v for v in values]
            if cleaned == values:
                continue
            assignments = ", ".join(f"{column} = ?" for column in columns)
            if table == "snapshots":
                assignments += ", content_hash = ?"
                cleaned.append(Document.from_dict(json.loads(cleaned[1])).content_hash())
            db.execute(f"UPDATE {table} SET {assignments} WHERE rowid = ?", [*cleaned, rowid])  # noqa: S608


@migrations()
def m013_recorded_errors_without_secrets(db: Database) -> None:
    """Error text recorded before it was masked (monitor.core.redaction) quoted a page's or feed's URL with its
    user and password (`request to reader:secret@host failed`) or its query values: a source's last error stays
    after the source recovers, and status, the console and /readyz (open without auth) show it, as the unread
    texts' reasons are shown. They are masked the same way now."""
    from monitor.core.redaction import redact_secrets  # masking only ever takes more out: safe to use as it is

    for table, key, column in (("sources", "name", "last_error"), ("unread_texts", "rowid", "reason")):
        for row_key, text in db.execute(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall():  # noqa: S608
            if isinstance(text, str) and (masked := redact_secrets(text)) != text:
                db.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", [masked, row_key])  # noqa: S608


@migrations()
def m014_texts_without_credentials(db: Database) -> None:
    """What m012 left out: the texts read for matching are kept by number (full_texts), and a page entry's
    linked page is kept by the entry's number, which held the page's user and password. Renamed as m012 named
    the entries (so the text is found by the entry's name now); where that name already has a text, the older
    copy goes. `rereads`, kept by number too, the same way."""
    with_credentials = re.compile(r"^(https?://)[^/@\s]+@")
    for table in ("full_texts", "rereads"):
        for rowid, number in db.execute(f"SELECT rowid, number FROM {table} WHERE number LIKE '%@%'").fetchall():  # noqa: S608
            named = with_credentials.sub(r"\1", number)
            if named == number:
                continue
            if db.execute(f"SELECT 1 FROM {table} WHERE number = ?", [named]).fetchone():  # noqa: S608
                db.execute(f"DELETE FROM {table} WHERE rowid = ?", [rowid])  # noqa: S608
            else:
                db.execute(f"UPDATE {table} SET number = ? WHERE rowid = ?", [named, rowid])  # noqa: S608
