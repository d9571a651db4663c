"""Plain frozen data shared by every layer: documents, changes, matches, alerts, deliveries.

Nothing here does I/O. Every model that is stored converts to and from a JSON-safe dict so that the
store can keep it and the renderer can rebuild it after a restart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
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
    """The kinds of item, named once: what `Document.kind` says. Every layer that must tell the kinds apart asks
    an item's `kind` and compares with these names, never with a source's name or a string of its own.

    The kinds that are not documents of an agency carry their kind as their `type` too (the value is stored in
    snapshots and shown to people, so it never changes); the three kinds of document keep the upstream document
    type ("Rule", "Notice"...) as `type`, and their kind comes from where they were read."""

    FR_DOCUMENT = "Federal Register document"  # from the documents API, or a feed's item completed from it
    PUBLIC_INSPECTION = "Public inspection document"
    DOCKET_DOCUMENT = "Regulations.gov document"
    DOCUMENT = "Document"  # another kind of source's document, shown as documents are unless it says otherwise
    PAGE_REGION = "Web page"  # the text of a watched page's region (its number is PAGE_REGION_NUMBER)
    PAGE_ENTRY = "Page entry"  # a link in that region: a press release, a notice
    FEED_ITEM = "Feed item"
    CFR_SECTION = "CFR section"
    REMOVED_CFR_SECTION = "Removed CFR section"
    CFR_PART_STATE = "eCFR title"  # bookkeeping: the amendment date a CFR part was last read at; never alerted
    # The kinds a source names in `type`; and the regulations' sections, as the eCFR alerts on them.
    NAMED_BY_TYPE = frozenset({PAGE_REGION, PAGE_ENTRY, FEED_ITEM, CFR_SECTION, REMOVED_CFR_SECTION, CFR_PART_STATE})
    CFR_SECTIONS = frozenset({CFR_SECTION, REMOVED_CFR_SECTION})


class Sources:
    """The sources, named once: the name each one's items carry as `source` (stored in snapshots, alerts and
    status rows, and used in watchlists' `sources`, so a name never changes). Pages and feeds are named after
    the configured page or feed: "page:bis-press-releases". Every layer that must tell sources apart asks
    these, never compares a string of its own (the architecture test holds that). Each kind of source takes its
    name from here in its kind.py (monitor.registry lists the kinds); a new kind needs a name here only when
    the shared layers must tell its items apart."""

    FEDERAL_REGISTER = "federal_register"
    PUBLIC_INSPECTION = "public_inspection"
    ECFR = "ecfr"
    REGULATIONS_GOV = "regulations_gov"
    PAGE_PREFIX = "page:"
    FEED_PREFIX = "feed:"
    # Whose items are Federal Register documents, numbered as the Federal Register numbers them.
    FEDERAL_REGISTER_KINDS = frozenset({FEDERAL_REGISTER, PUBLIC_INSPECTION})

    @staticmethod
    def page(name: str) -> str:
        return f"{Sources.PAGE_PREFIX}{name}"

    @staticmethod
    def feed(name: str) -> str:
        return f"{Sources.FEED_PREFIX}{name}"

    @staticmethod
    def is_feed(source: str) -> bool:
        return source.startswith(Sources.FEED_PREFIX)

    @staticmethod
    def page_name(source: str) -> str:
        """ "page:bis-press-releases" -> "bis-press-releases"."""
        return source.removeprefix(Sources.PAGE_PREFIX)


PAGE_REGION_NUMBER = "#region"  # the one item per page that carries its region's text
# A Federal Register document number: "2025-00636", or "C1-2025-01234" for a correction.
FR_NUMBER = re.compile(r"(?:C\d-)?\d{4}-\d{4,6}")


@dataclass(frozen=True, slots=True)
class Agency:
    name: str
    slug: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """One item a source saw: a Federal Register document, a public inspection filing, a page entry...

    Every field holds one thing, whatever the kind of item. The common core every layer reads: `kind` (what the
    item is, an ItemKind name: ask it rather than the source's name), `source`, `number`, `title`, `type` (what
    the item is, in the words shown to people), `html_url` (its link, once `render.document_link` vouches for it) and
    `searched_text` (what watchlists search as `abstract`). Then each kind's own fields:

    - Federal Register documents (and feed items completed from the documents API): `abstract` and the rest of
      the documents API's fields; public inspection filings also `filed_at` ... `editorial_note`.
    - a feed item: `abstract` is the feed's summary, `publication_date` the entry's date.
    - a page entry: `abstract` is the text around the link, `publication_date` the date the page shows beside it,
      `linked_text` the linked page's text when the page follows its links (added for matching, never stored in
      the snapshot).
    - a page's region (`number` is PAGE_REGION_NUMBER): `text`, one line per line of the region.
    - a CFR section: `text` (its paragraphs), `citation` (the last Federal Register citation of its source
      note), `cfr_references` (its part); a CFR part's bookkeeping item: `amended_on`, the eCFR amendment date
      the part was last read at.
    - a Regulations.gov document: `comment_status` (the comment period's state), `publication_date` (posted).

    `number` is the item's identity within its source (snapshots and alert keys are keyed by it): a Federal
    Register document number, a Regulations.gov document id, "15 CFR 744.23", a page entry's URL,
    PAGE_REGION_NUMBER, a feed item's guid or link, "title-15-part-744". A reader that needs what a number is asks
    `fr_number` (a Federal Register document's number) or `entry_url` (a page entry's link), and tells a page's
    region by its `type`, never by the number's form.

    Only meaningful fields live here; volatile upstream fields (page views, check times) are dropped by
    the parser so that they can never cause a change.

    The stored form (`to_dict`, and the content hash made from it) keeps the previous release's keys, where that
    release kept a kind's field under another field's name: a page region's and a CFR section's `text` under
    "abstract", a CFR part's `amended_on` under "publication_date", a Regulations.gov `comment_status` under
    "editorial_note" (`_STORED_UNDER`). So stored snapshots, their hashes and alert keys made from them hold across
    the upgrade, and no migration rewrites them.
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
    # Fields of one kind each (see the class docstring); the stored form may keep them under older names.
    text: str = ""  # a page region's or a CFR section's own text
    linked_text: str = ""  # a page entry's linked page, for matching
    amended_on: date | None = None  # a CFR part's eCFR amendment date
    comment_status: str = ""  # a Regulations.gov document's comment period

    @property
    def agency_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.agencies)

    @property
    def agency_slugs(self) -> tuple[str, ...]:
        return tuple(a.slug for a in self.agencies if a.slug)

    @property
    def kind(self) -> str:
        """What the item is: one of ItemKind's names."""
        if self.type in ItemKind.NAMED_BY_TYPE:
            return self.type
        if self.source == Sources.PUBLIC_INSPECTION:
            return ItemKind.PUBLIC_INSPECTION
        if self.source == Sources.REGULATIONS_GOV:
            return ItemKind.DOCKET_DOCUMENT
        if self.source == Sources.FEDERAL_REGISTER or Sources.is_feed(self.source):
            return ItemKind.FR_DOCUMENT
        return ItemKind.DOCUMENT

    @property
    def fr_number(self) -> str:
        """The Federal Register document number when the item is a Federal Register document (a feed's item is
        one when its link named one); "" for every other kind."""
        if self.source in Sources.FEDERAL_REGISTER_KINDS or (
            Sources.is_feed(self.source) and FR_NUMBER.fullmatch(self.number)
        ):
            return self.number
        return ""

    @property
    def entry_url(self) -> str:
        """A page entry's link, as the page gives it (it is the entry's number too); "" for every other kind.
        Untrusted: `html_url` holds it only when it is on the watched site."""
        return self.number if self.type == ItemKind.PAGE_ENTRY else ""

    @property
    def searched_text(self) -> str:
        """The text watchlists search as `abstract` (and alerts and the webhook show as the abstract): the
        abstract or summary upstream gives, else the item's own text; a page entry's linked text after it."""
        if not (self.text or self.linked_text):
            return self.abstract
        return " ".join(p for p in (self.abstract, self.text, self.linked_text) if p)

    def to_dict(self) -> dict[str, Any]:
        """The stored form: JSON-safe, under the keys the previous release stored (see the class docstring)."""
        # Written out rather than dataclasses.asdict(): this runs for every document of every poll.
        layout = _layout(self)
        data = {key: _plain(key, getattr(self, name)) for key, name in layout.fields}
        if not self.linked_text:  # added after the previous release: stored only when there is one
            del data["linked_text"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        values = dict(data)
        kind = _stored_kind(str(values.get("type", "")), str(values.get("source", "")))
        for name, key in _STORED_UNDER.get(kind, {}).items():
            if key in values:
                values[name] = values.pop(key)
        for key in ("publication_date", "effective_on", "comments_close_on", "amended_on"):
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
            key: _plain(key, value) for key, name in _layout(self).sorted if (value := getattr(self, name))
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


# Fields the previous release kept under another field's name, by kind: {field: stored key}.
_STORED_UNDER: dict[str, dict[str, str]] = {
    "text": {"text": "abstract"},  # page regions and CFR sections
    "cfr_part": {"amended_on": "publication_date"},
    "regulations_gov": {"comment_status": "editorial_note"},
}
_TEXT_KINDS = frozenset({ItemKind.PAGE_REGION, ItemKind.CFR_SECTION})


def _stored_kind(type_: str, source: str) -> str:
    if type_ in _TEXT_KINDS:
        return "text"
    if type_ == ItemKind.CFR_PART_STATE:
        return "cfr_part"
    if source == Sources.REGULATIONS_GOV:
        return "regulations_gov"
    return ""


@dataclass(frozen=True, slots=True)
class _Layout:
    fields: tuple[tuple[str, str], ...]  # (stored key, field) in the model's field order
    sorted: tuple[tuple[str, str], ...]  # the same, by stored key
    unstored: tuple[str, ...]  # fields this kind does not have: they must be empty


_DOCUMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Document))
_KIND_FIELDS = ("text", "linked_text", "amended_on", "comment_status")


def _make_layout(kind: str) -> _Layout:
    under = _STORED_UNDER.get(kind, {})
    taken = set(under.values())
    fields = []
    for name in _DOCUMENT_FIELDS:
        if name in under:
            continue
        if name in taken:  # this kind keeps another field under this name
            fields.append((name, next(n for n, k in under.items() if k == name)))
        elif name == "linked_text":
            fields.append(("linked_text", name))
        elif name not in _KIND_FIELDS:
            fields.append((name, name))
    stored = {n for _, n in fields}
    return _Layout(tuple(fields), tuple(sorted(fields)), tuple(n for n in _DOCUMENT_FIELDS if n not in stored))


_LAYOUTS = {kind: _make_layout(kind) for kind in ("", *_STORED_UNDER)}


def _layout(document: Document) -> _Layout:
    layout = _LAYOUTS[_stored_kind(document.type, document.source)]
    for name in layout.unstored:
        if getattr(document, name):
            raise ValueError(f"a {document.type or document.source} item has no {name}")
    return layout


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
