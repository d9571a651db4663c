"""A watchlist: what to look for (query, regexes, fields) and which documents may match at all (filters).

Filters come first and all must pass; an empty filter passes everything:
    sources      which sources' items it applies to (federal_register, public_inspection, ...)
    agencies     agency slugs, any of them
    types        document types, any of them (RULE, PRORULE, NOTICE, PRESDOCU)
    cfr          "15:744" or a range "15:730-774": any CFR reference of the document inside one of them
    rins         regulation identifier numbers, any of them
    dockets      docket ids, any of them
    significant  true: only significant documents; false: only the others
Then the text: the query is true, or one of the regexes finds something, in the watchlist's `fields`, and in
the document's full text when `full_text` says so:
    never             the full text is not searched (unless `fields` names `full_text`: then always)
    without_abstract  searched only for documents that come with no abstract (presidential documents above all:
                      the API summarises none of them, so their text is all there is to go on)
    always            searched for every document
What makes its alerts urgent (`urgent`, any of them; deadline reminders never are):
    significant       the API's significant flag
    presidential      a presidential document
    special_filing    a special public inspection filing
    interim_final     an interim final rule (the document's action says so)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from monitor.core.query import Node, parse_query
from monitor.models import DOCUMENT_TYPES, Document, ItemKind

DEFAULT_FIELDS = ("title", "abstract", "action", "agencies")
ALL_FIELDS = (*DEFAULT_FIELDS, "full_text")
FullTextMode = Literal["never", "without_abstract", "always"]
FULL_TEXT_MODES: tuple[FullTextMode, ...] = ("never", "without_abstract", "always")
UrgentCondition = Literal["significant", "presidential", "special_filing", "interim_final"]
URGENT_CONDITIONS: tuple[UrgentCondition, ...] = ("significant", "presidential", "special_filing", "interim_final")


def urgent_conditions_met(document: Document) -> frozenset[str]:
    """Which of URGENT_CONDITIONS `document` meets."""
    met = set()
    if document.significant:
        met.add("significant")
    if document.type == DOCUMENT_TYPES["PRESDOCU"]:
        met.add("presidential")
    if document.kind == ItemKind.PUBLIC_INSPECTION and document.filing_type.lower() == "special":
        met.add("special_filing")
    if "interim final rule" in document.action.lower():
        met.add("interim_final")
    return frozenset(met)


_CFR_SPEC = re.compile(r"^\s*(\d+)\s*:\s*(\d+)(?:\s*-\s*(\d+))?\s*$")
_CFR_REF = re.compile(r"^(\d+) CFR (\d+)")


class WatchlistError(ValueError):
    """A watchlist that cannot be compiled; the message names the watchlist and the position.

    `detail` is the problem without the watchlist's name, and `pointer` (for a query or a regex) the text with a
    caret under the position, for a person to find it."""

    def __init__(self, message: str, detail: str = "", pointer: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message
        self.pointer = pointer


def caret(text: str, position: int) -> str:
    """Two lines: the text (on one line) and a caret under the 1-based `position`."""
    flat = " ".join(text.splitlines()) if "\n" in text else text
    return f"{flat}\n{' ' * max(0, position - 1)}^"


@dataclass(frozen=True, slots=True)
class CfrRange:
    title: int
    first_part: int
    last_part: int

    @classmethod
    def parse(cls, spec: str) -> CfrRange:
        found = _CFR_SPEC.match(spec)
        if found is None:
            raise ValueError(f"cfr {spec!r} is not TITLE:PART or TITLE:FIRST-LAST, like '15:744' or '15:730-774'")
        title, first, last = int(found[1]), int(found[2]), int(found[3] or found[2])
        if last < first:
            raise ValueError(f"cfr {spec!r}: the range ends before it starts")
        return cls(title, first, last)

    def contains(self, reference: str) -> bool:
        found = _CFR_REF.match(reference)
        if found is None:
            return False
        return int(found[1]) == self.title and self.first_part <= int(found[2]) <= self.last_part

    def __str__(self) -> str:
        parts = str(self.first_part) if self.first_part == self.last_part else f"{self.first_part}-{self.last_part}"
        return f"{self.title}:{parts}"


@dataclass(frozen=True)
class Watchlist:
    name: str
    query: Node | None
    regexes: tuple[re.Pattern[str], ...] = ()
    fields: tuple[str, ...] = DEFAULT_FIELDS
    full_text: FullTextMode = "never"
    agencies: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    cfr: tuple[CfrRange, ...] = ()
    rins: frozenset[str] = frozenset()
    dockets: frozenset[str] = frozenset()
    significant: bool | None = None
    sources: frozenset[str] = frozenset()
    notify: tuple[str, ...] = ()
    events: frozenset[str] = frozenset()
    follow: bool = True
    reminders: tuple[int, ...] = (7, 1)  # days before a deadline
    urgent: frozenset[str] = frozenset()  # among URGENT_CONDITIONS

    @classmethod
    def build(
        cls,
        name: str,
        query: str | None,
        *,
        regex: Iterable[str] = (),
        fields: Iterable[str] = DEFAULT_FIELDS,
        full_text: FullTextMode = "never",
        agencies: Iterable[str] = (),
        types: Iterable[str] = (),
        cfr: Iterable[str] = (),
        rins: Iterable[str] = (),
        dockets: Iterable[str] = (),
        significant: bool | None = None,
        sources: Iterable[str] = (),
        notify: Iterable[str] = (),
        events: Iterable[str] = (),
        follow: bool = True,
        reminders: Iterable[int] = (7, 1),
        urgent: Iterable[str] = (),
    ) -> Watchlist:
        """Compile a watchlist; WatchlistError names the watchlist and what is wrong where."""
        from monitor.core.query import QueryError

        try:
            node = parse_query(query) if query is not None else None
        except QueryError as exc:
            raise WatchlistError(
                f"watchlist {name!r}: invalid query: {exc}", f"query: {exc}", caret(query or "", exc.position)
            ) from None
        patterns = []
        for pattern in regex:
            try:
                patterns.append(re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                position = f" at position {exc.pos + 1}" if exc.pos is not None else ""
                raise WatchlistError(
                    f"watchlist {name!r}: invalid regex {pattern!r}: {exc.msg}{position}",
                    f"regex: {exc.msg}{position}",
                    caret(pattern, exc.pos + 1) if exc.pos is not None else pattern,
                ) from None
        if node is None and not patterns:
            raise WatchlistError(f"watchlist {name!r}: give a query, a regex, or both")
        fields = tuple(dict.fromkeys(fields))
        unknown = [f for f in fields if f not in ALL_FIELDS]
        if unknown or not fields:
            raise WatchlistError(f"watchlist {name!r}: fields must be among {', '.join(ALL_FIELDS)}")
        if full_text not in FULL_TEXT_MODES:
            raise WatchlistError(f"watchlist {name!r}: full_text must be one of {', '.join(FULL_TEXT_MODES)}")
        if "full_text" in fields:  # the older way of saying "always"
            full_text = "always"
            fields = tuple(f for f in fields if f != "full_text")
        urgent = frozenset(u.lower() for u in urgent)
        if unknown_urgent := sorted(urgent.difference(URGENT_CONDITIONS)):
            raise WatchlistError(
                f"watchlist {name!r}: urgent {', '.join(unknown_urgent)} is not among {', '.join(URGENT_CONDITIONS)}"
            )
        try:
            ranges = tuple(CfrRange.parse(spec) for spec in cfr)
        except ValueError as exc:
            raise WatchlistError(f"watchlist {name!r}: {exc}") from None
        return cls(
            name=name,
            query=node,
            regexes=tuple(patterns),
            fields=fields,
            full_text=full_text,
            agencies=frozenset(a.lower() for a in agencies),
            types=frozenset(DOCUMENT_TYPES.get(t.upper(), t) for t in types),
            cfr=ranges,
            rins=frozenset(r.upper() for r in rins),
            dockets=frozenset(d.upper() for d in dockets),
            significant=significant,
            sources=frozenset(sources),
            notify=tuple(notify),
            events=frozenset(events),
            follow=follow,
            reminders=tuple(sorted(set(reminders), reverse=True)),
            urgent=urgent,
        )

    def filter_failure(self, document: Document) -> str | None:
        """Why the filters reject `document`, or None when they all pass."""
        if self.sources and document.source not in self.sources:
            return f"source {document.source} is not among {', '.join(sorted(self.sources))}"
        if self.agencies and not self.agencies.intersection(document.agency_slugs):
            return (
                f"agencies {', '.join(document.agency_slugs) or '(none)'} not among {', '.join(sorted(self.agencies))}"
            )
        if self.types and document.type not in self.types:
            return f"type {document.type or '(none)'} is not among {', '.join(sorted(self.types))}"
        if self.cfr and not any(r.contains(ref) for r in self.cfr for ref in document.cfr_references):
            wanted = ", ".join(str(r) for r in self.cfr)
            return f"CFR references {', '.join(document.cfr_references) or '(none)'} are outside {wanted}"
        if self.rins and not self.rins.intersection(r.upper() for r in document.regulation_id_numbers):
            return (
                f"RINs {', '.join(document.regulation_id_numbers) or '(none)'} not among {', '.join(sorted(self.rins))}"
            )
        if self.dockets and not self.dockets.intersection(d.upper() for d in document.docket_ids):
            return f"dockets {', '.join(document.docket_ids) or '(none)'} not among {', '.join(sorted(self.dockets))}"
        if self.significant is not None and document.significant != self.significant:
            return "significant" if document.significant else "not significant"
        return None

    def searches_full_text(self, document: Document) -> bool:
        """Whether this watchlist reads the document's full text (filters aside)."""
        if self.full_text == "without_abstract":
            return not document.searched_text.strip()
        return self.full_text == "always"

    def passes_filters(self, document: Document) -> bool:
        return self.filter_failure(document) is None

    def is_urgent(self, document: Document) -> bool:
        """Whether this watchlist's alerts about `document` are urgent."""
        return bool(self.urgent and self.urgent.intersection(urgent_conditions_met(document)))

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events
