"""Matching documents against every watchlist at once.

Order of the rules, for one document and one watchlist:
1. the watchlist's filters (`agencies`, `types`) must all pass; an empty filter passes everything;
2. its query must be true over the searched fields (title, abstract, action and agency names);
3. the hits reported are the query's terms that were found and count for the match (not those under a NOT),
   in field order, with a snippet around the first one.

All watchlists are compiled together: a document's words are indexed once, every distinct term in every query
is looked up once, and only watchlists that can be true given the terms found are evaluated. A query that is
false when none of its terms is present can only become true when one of them is, so the rest are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from monitor.core.query import Node, Term, evaluate, iter_terms, parse_query, split_words, term_pattern
from monitor.models import DOCUMENT_TYPES, Document, Hit, Match

SEARCH_FIELDS = ("title", "abstract", "action", "agencies")
SNIPPET_RADIUS = 80


@dataclass(frozen=True)
class Watchlist:
    name: str
    query: Node
    agencies: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    notify: tuple[str, ...] = ()
    events: frozenset[str] = frozenset()
    fields: tuple[str, ...] = SEARCH_FIELDS
    follow: bool = True
    reminders: tuple[int, ...] = (7, 1)  # days before a deadline

    @classmethod
    def build(
        cls,
        name: str,
        query: str,
        *,
        agencies: Iterable[str] = (),
        types: Iterable[str] = (),
        notify: Iterable[str] = (),
        events: Iterable[str] = (),
        follow: bool = True,
        reminders: Iterable[int] = (7, 1),
    ) -> Watchlist:
        return cls(
            name=name,
            query=parse_query(query),
            agencies=frozenset(a.lower() for a in agencies),
            types=frozenset(DOCUMENT_TYPES.get(t.upper(), t) for t in types),
            notify=tuple(notify),
            events=frozenset(events),
            follow=follow,
            reminders=tuple(sorted(set(reminders), reverse=True)),
        )

    def passes_filters(self, document: Document) -> bool:
        if self.agencies and not self.agencies.intersection(document.agency_slugs):
            return False
        return not (self.types and document.type not in self.types)

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


def field_text(document: Document, name: str) -> str:
    if name == "agencies":
        return "; ".join(document.agency_names)
    value = getattr(document, name)
    return value if isinstance(value, str) else ""


@dataclass
class _FieldWords:
    name: str
    text: str
    words: list[str]
    joined: str = field(init=False)
    unique: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.joined = " " + " ".join(self.words) + " "
        self.unique = frozenset(self.words)

    def contains(self, term: Term) -> bool:
        if len(term.words) == 1:
            word = term.words[0]
            if not term.prefix:
                return word in self.unique
            return any(w.startswith(word) for w in self.unique)
        needle = " " + " ".join(term.words) + ("" if term.prefix else " ")
        return needle in self.joined


@dataclass(frozen=True)
class _Compiled:
    watchlist: Watchlist
    terms: frozenset[Term]
    positive_terms: tuple[Term, ...]
    true_without_terms: bool


class Matcher:
    """All watchlists compiled once; `match(document)` returns one Match per watchlist that matched."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self._compiled: list[_Compiled] = []
        self._by_first_word: dict[str, list[Term]] = {}
        self._prefix_terms: list[Term] = []
        seen: set[Term] = set()
        for watchlist in watchlists:
            pairs = list(iter_terms(watchlist.query))
            terms = frozenset(t for t, _ in pairs)
            positive = tuple(dict.fromkeys(t for t, counts in pairs if counts))
            self._compiled.append(_Compiled(watchlist, terms, positive, evaluate(watchlist.query, lambda _t: False)))
            for term in terms - seen:
                seen.add(term)
                if term.prefix and len(term.words) == 1:
                    self._prefix_terms.append(term)
                else:
                    self._by_first_word.setdefault(term.words[0], []).append(term)

    @property
    def watchlists(self) -> list[Watchlist]:
        return [c.watchlist for c in self._compiled]

    def _find_terms(self, fields: Sequence[_FieldWords]) -> dict[Term, list[str]]:
        found: dict[Term, list[str]] = {}
        for fw in fields:
            for word in fw.unique:
                for term in self._by_first_word.get(word, ()):
                    if fw.contains(term):
                        found.setdefault(term, []).append(fw.name)
            for term in self._prefix_terms:
                if fw.contains(term):
                    found.setdefault(term, []).append(fw.name)
        return found

    def match(self, document: Document) -> list[Match]:
        fields = [_FieldWords(n, t, split_words(t)) for n in SEARCH_FIELDS if (t := field_text(document, n))]
        found = self._find_terms(fields)
        matches: list[Match] = []
        for compiled in self._compiled:
            if not compiled.true_without_terms and found.keys().isdisjoint(compiled.terms):
                continue
            watchlist = compiled.watchlist
            if not watchlist.passes_filters(document):
                continue
            if not evaluate(watchlist.query, found.__contains__):
                continue
            hits = tuple(Hit(term.text, name) for term in compiled.positive_terms for name in found.get(term, ()))
            matches.append(Match(watchlist.name, hits, build_snippet(fields, compiled.positive_terms, found)))
        return matches


def build_snippet(fields: Sequence[_FieldWords], terms: Sequence[Term], found: dict[Term, list[str]]) -> str:
    """A short excerpt around the first hit, in the first field that has one; the hit is set in «»."""
    for fw in fields:
        for term in terms:
            if fw.name not in found.get(term, ()):
                continue
            hit = term_pattern(term).search(fw.text)
            if hit is None:
                continue
            start = max(0, hit.start() - SNIPPET_RADIUS)
            end = min(len(fw.text), hit.end() + SNIPPET_RADIUS)
            before = ("…" if start else "") + fw.text[start : hit.start()]
            after = fw.text[hit.end() : end] + ("…" if end < len(fw.text) else "")
            return f"{before}«{hit.group(0)}»{after}"
    return ""
