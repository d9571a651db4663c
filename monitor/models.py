"""Plain frozen data shared by every layer: documents, changes, matches, alerts, deliveries.

Nothing here does I/O. Every model that is stored converts to and from a JSON-safe dict so that the
store can keep it and the renderer can rebuild it after a restart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

# The Federal Register's document types: the API's display names, keyed by the short codes its search
# conditions (and our watchlists' `types`) use.
DOCUMENT_TYPES: dict[str, str] = {
    "RULE": "Rule",
    "PRORULE": "Proposed Rule",
    "NOTICE": "Notice",
    "PRESDOCU": "Presidential Document",
}


class ItemKind:
    """The kinds of item that are not Federal Register documents, named once. A source sets one as the item's
    `type` (the value is stored in snapshots and shown to people, so it never changes); every layer that must
    tell the kinds apart compares with these names, never with a string of its own."""

    PAGE_REGION = "Web page"  # the text of a watched page's region (its number is PAGE_REGION_NUMBER)
    PAGE_ENTRY = "Page entry"  # a link in that region: a press release, a notice
    FEED_ITEM = "Feed item"
    CFR_SECTION = "CFR section"
    REMOVED_CFR_SECTION = "Removed CFR section"
    CFR_PART_STATE = "eCFR title"  # bookkeeping: the amendment date a CFR part was last read at; never alerted


class Sources:
    """The sources, named once: the name each one's items carry as `source` (stored in snapshots, alerts and
    status rows, and used in watchlists' `sources`, so a name never changes). Pages and feeds are named after
    the configured page or feed: "page:bis-press-releases". Every layer that must tell sources apart asks
    these, never compares a string of its own (the architecture test holds that)."""

    FEDERAL_REGISTER = "federal_register"
    PUBLIC_INSPECTION = "public_inspection"
    ECFR = "ecfr"
    REGULATIONS_GOV = "regulations_gov"
    PAGE_PREFIX = "page:"
    FEED_PREFIX = "feed:"
    # Whose items are Federal Register documents, numbered as the Federal Register numbers them.
    FEDERAL_REGISTER_KINDS = frozenset({FEDERAL_REGISTER, PUBLIC_INSPECTION})
    # The sources that are one each, and the prefixes of those named after a configured page or feed: what a
    # watchlist's `sources` may name. How each kind is built and summarised: monitor.registry.
    SINGLE = (FEDERAL_REGISTER, PUBLIC_INSPECTION, ECFR, REGULATIONS_GOV)
    PREFIXES = (PAGE_PREFIX, FEED_PREFIX)

    @staticmethod
    def page(name: str) -> str:
        return f"{Sources.PAGE_PREFIX}{name}"

    @staticmethod
    def feed(name: str) -> str:
        return f"{Sources.FEED_PREFIX}{name}"

    @staticmethod
    def is_page(source: str) -> bool:
        return source.startswith(Sources.PAGE_PREFIX)

    @staticmethod
    def is_feed(source: str) -> bool:
        return source.startswith(Sources.FEED_PREFIX)

    @staticmethod
    def page_name(source: str) -> str:
        """ "page:bis-press-releases" -> "bis-press-releases"."""
        return source.removeprefix(Sources.PAGE_PREFIX)


PAGE_REGION_NUMBER = "#region"  # the one item per page that carries its region's text


@dataclass(frozen=True, slots=True)
class Agency:
    name: str
    slug: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """One item a source saw: a Federal Register document, a public inspection filing, a page entry...

    Only meaningful fields live here; volatile upstream fields (page views, check times) are dropped by
    the parser so that they can never cause a change.
    """

    source: str
    number: str
    title: str
    type: str = ""
    action: str = ""
    abstract: str = ""
    agencies: tuple[Agency, ...] = ()
    publication_date: date | None = None
    effective_on: date | None = None
    comments_close_on: date | None = None
    dates: str = ""
    cfr_references: tuple[str, ...] = ()
    regulation_id_numbers: tuple[str, ...] = ()
    docket_ids: tuple[str, ...] = ()
    citation: str = ""
    significant: bool = False
    correction_of: str | None = None
    corrections: tuple[str, ...] = ()
    html_url: str = ""
    pdf_url: str = ""
    raw_text_url: str = ""
    # Public inspection only: when and how it was filed, and the state of its PDF.
    filed_at: str | None = None  # ISO 8601 in UTC
    filing_type: str = ""
    num_pages: int | None = None
    pdf_updated_at: str | None = None
    editorial_note: str = ""

    @property
    def agency_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.agencies)

    @property
    def agency_slugs(self) -> tuple[str, ...]:
        return tuple(a.slug for a in self.agencies if a.slug)

    def to_dict(self) -> dict[str, Any]:
        # Written out rather than dataclasses.asdict(): this runs for every document of every poll.
        return {name: _plain(name, getattr(self, name)) for name in _DOCUMENT_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        values = dict(data)
        for key in ("publication_date", "effective_on", "comments_close_on"):
            raw = values.get(key)
            values[key] = date.fromisoformat(raw) if raw else None
        values["agencies"] = tuple(Agency(**a) for a in values.get("agencies", ()))
        for key in ("cfr_references", "regulation_id_numbers", "docket_ids", "corrections"):
            values[key] = tuple(values.get(key, ()))
        return cls(**values)

    def content_hash(self) -> str:
        """A stable hash of everything meaningful; equal hashes mean "nothing to report".

        The hash of the canonical JSON (keys sorted, no spaces) of `to_dict()` without its empty values (None,
        "", [], False, 0), so a field added to the model later does not change every stored hash. Built here
        without going through `to_dict()`: this runs for every item of every poll."""
        meaningful = {  # in sorted order already, as are each agency's keys: no sort_keys pass
            name: _plain(name, value) for name in _FIELDS_SORTED if (value := getattr(self, name))
        }
        return hashlib.sha256(_CANONICAL_JSON.encode(meaningful).encode()).hexdigest()


def _plain(name: str, value: Any) -> Any:
    """A Document field's value as JSON holds it (the stored snapshot, the content hash)."""
    if isinstance(value, date):
        return value.isoformat()
    if name == "agencies":
        return [{"name": a.name, "slug": a.slug} for a in value]
    if isinstance(value, tuple):
        return list(value)
    return value


_DOCUMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Document))
_FIELDS_SORTED = tuple(sorted(_DOCUMENT_FIELDS))
_CANONICAL_JSON = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: str
    after: str


# "refreshed": the stored form changed but no field a user sees did; stored silently, never alerted.
ChangeKind = Literal["new", "updated", "refreshed"]


@dataclass(frozen=True, slots=True)
class Change:
    """What one poll says happened to one document, compared with the stored snapshot."""

    kind: ChangeKind
    document: Document
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """One query term found in one field of a document."""

    term: str
    field: str


@dataclass(frozen=True, slots=True)
class Match:
    watchlist: str
    hits: tuple[Hit, ...] = ()
    snippet: str = ""


EventKind = Literal[
    "public_inspection", "published", "updated", "corrected", "withdrawn", "deadline", "page_changed", "cfr_changed"
]
EVENTS: tuple[EventKind, ...] = (
    "public_inspection",
    "published",
    "updated",
    "corrected",
    "withdrawn",
    "deadline",
    "page_changed",
    "cfr_changed",
)


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled line an alert carries beyond the document itself: lead time, what a correction corrects..."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing worth telling one watchlist's audience. `key` makes it happen at most once, ever."""

    key: str
    event: EventKind
    watchlist: str
    document: Document
    match: Match
    changes: tuple[FieldChange, ...] = ()
    notify: tuple[str, ...] = field(default=())
    facts: tuple[Fact, ...] = ()
    urgent: bool = False  # sent to every target at once, digest targets included (the watchlist's `urgent`)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "event": self.event,
            "watchlist": self.watchlist,
            "document": self.document.to_dict(),
            "match": {
                "watchlist": self.match.watchlist,
                "hits": [dataclasses.asdict(h) for h in self.match.hits],
                "snippet": self.match.snippet,
            },
            "changes": [dataclasses.asdict(c) for c in self.changes],
            "notify": list(self.notify),
            "facts": [dataclasses.asdict(f) for f in self.facts],
            "urgent": self.urgent,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        match = data["match"]
        return cls(
            key=data["key"],
            event=data["event"],
            watchlist=data["watchlist"],
            document=Document.from_dict(data["document"]),
            match=Match(
                watchlist=match["watchlist"],
                hits=tuple(Hit(**h) for h in match["hits"]),
                snippet=match["snippet"],
            ),
            changes=tuple(FieldChange(**c) for c in data.get("changes", ())),
            notify=tuple(data.get("notify", ())),
            facts=tuple(Fact(**f) for f in data.get("facts", ())),
            urgent=bool(data.get("urgent", False)),
        )


DeliveryState = Literal["pending", "sent", "dead"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert on its way to one target; the outbox row the dispatcher drains."""

    id: int
    alert_id: int
    target: str
    state: DeliveryState
    attempts: int
    next_attempt_at: float
    last_error: str = ""
    created_at: float = 0.0
    sent_at: float | None = None  # pending with a sent_at: an urgent alert sent at once, waiting for its digest
