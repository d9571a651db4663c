"""Matching documents against every watchlist at once, and explaining why each did or did not match.

Order of the rules, for one document and one watchlist:
1. the watchlist's filters must all pass (see monitor.core.watchlist);
2. its query must be true, or one of its regexes must find something, in the watchlist's fields;
3. the hits reported are the query terms found that count for the match (not those under a NOT) and the
   regex finds, in field order, with a snippet around the first one.

All watchlists are compiled together: a document's words are indexed once per field, every distinct term of
every query is looked up once, and only watchlists that can be true given the terms found are evaluated. A
query that is false when none of its terms is present can only become true when one of them is, so the rest
are skipped without evaluating anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.core.query import Term, evaluate, iter_terms, split_words, term_pattern
from monitor.core.watchlist import ALL_FIELDS, Watchlist
from monitor.models import Document, Hit, Match

SNIPPET_RADIUS = 80

__all__ = ["Explanation", "Matcher", "field_text"]


def field_text(document: Document, name: str) -> str:
    if name == "agencies":
        return "; ".join(document.agency_names)
    value = getattr(document, name, "")
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


@dataclass(frozen=True)
class Explanation:
    """Why one watchlist did or did not match one document, in words a user can act on."""

    watchlist: str
    matched: bool
    filter_failure: str | None
    found: tuple[tuple[str, tuple[str, ...]], ...]  # (term, fields where found)
    missing: tuple[str, ...]
    regex_hits: tuple[Hit, ...]
    query_true: bool | None  # None: the watchlist has no query
    match: Match | None


class Matcher:
    """All watchlists compiled once; `match(document)` returns one Match per watchlist that matched."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self._compiled: list[_Compiled] = []
        self._by_first_word: dict[str, list[Term]] = {}
        self._prefix_terms: list[Term] = []
        self._fields = tuple(f for f in ALL_FIELDS if any(f in w.fields for w in watchlists))
        seen: set[Term] = set()
        for watchlist in watchlists:
            pairs = list(iter_terms(watchlist.query)) if watchlist.query is not None else []
            terms = frozenset(t for t, _ in pairs)
            positive = tuple(dict.fromkeys(t for t, counts in pairs if counts))
            always = watchlist.query is not None and evaluate(watchlist.query, lambda _t: False)
            self._compiled.append(_Compiled(watchlist, terms, positive, always or bool(watchlist.regexes)))
            for term in terms - seen:
                seen.add(term)
                if term.prefix and len(term.words) == 1:
                    self._prefix_terms.append(term)
                else:
                    self._by_first_word.setdefault(term.words[0], []).append(term)

    @property
    def watchlists(self) -> list[Watchlist]:
        return [c.watchlist for c in self._compiled]

    def needs_full_text(self, document: Document) -> bool:
        """Whether a watchlist that searches the full text would consider this document at all."""
        return any("full_text" in c.watchlist.fields and c.watchlist.passes_filters(document) for c in self._compiled)

    def _index(self, document: Document, full_text: str | None) -> list[_FieldWords]:
        texts = [(n, field_text(document, n)) for n in self._fields if n != "full_text"]
        if full_text and "full_text" in self._fields:
            texts.append(("full_text", full_text))
        return [_FieldWords(n, t, split_words(t)) for n, t in texts if t]

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

    def match(self, document: Document, full_text: str | None = None) -> list[Match]:
        fields = self._index(document, full_text)
        found = self._find_terms(fields)
        matches = []
        for compiled in self._compiled:
            if not compiled.true_without_terms and found.keys().isdisjoint(compiled.terms):
                continue
            if (result := self._evaluate(compiled, document, fields, found)).match is not None:
                matches.append(result.match)
        return matches

    def explain(self, document: Document, full_text: str | None = None) -> list[Explanation]:
        fields = self._index(document, full_text)
        found = self._find_terms(fields)
        return [self._evaluate(c, document, fields, found) for c in self._compiled]

    def _evaluate(
        self,
        compiled: _Compiled,
        document: Document,
        fields: Sequence[_FieldWords],
        found: dict[Term, list[str]],
    ) -> Explanation:
        watchlist = compiled.watchlist
        own = [fw for fw in fields if fw.name in watchlist.fields]
        where = {t: tuple(f for f in found.get(t, ()) if f in watchlist.fields) for t in compiled.terms}
        present = {t for t, names in where.items() if names}
        failure = watchlist.filter_failure(document)
        query_true = evaluate(watchlist.query, present.__contains__) if watchlist.query is not None else None
        regex_hits = tuple(Hit(f"/{p.pattern}/", fw.name) for p in watchlist.regexes for fw in own if p.search(fw.text))
        matched = failure is None and (bool(query_true) or bool(regex_hits))
        match = None
        if matched:
            term_hits = tuple(
                Hit(t.text, name) for t in compiled.positive_terms for name in where.get(t, ()) if query_true
            )
            match = Match(watchlist.name, term_hits + regex_hits, build_snippet(own, compiled, where, query_true))
        ordered = sorted(compiled.terms, key=lambda t: t.text)
        return Explanation(
            watchlist=watchlist.name,
            matched=matched,
            filter_failure=failure,
            found=tuple((t.text, where[t]) for t in ordered if where[t]),
            missing=tuple(t.text for t in ordered if not where[t]),
            regex_hits=regex_hits,
            query_true=query_true,
            match=match,
        )


def _excerpt(text: str, start: int, end: int) -> str:
    left = max(0, start - SNIPPET_RADIUS)
    right = min(len(text), end + SNIPPET_RADIUS)
    before = ("…" if left else "") + text[left:start]
    after = text[end:right] + ("…" if right < len(text) else "")
    return f"{before}«{text[start:end]}»{after}"


def build_snippet(
    fields: Sequence[_FieldWords], compiled: _Compiled, where: dict[Term, tuple[str, ...]], query_true: bool | None
) -> str:
    """A short excerpt around the first hit, in the first field that has one; the hit is set in «»."""
    for fw in fields:
        patterns: list[re.Pattern[str]] = []
        if query_true:
            patterns += [term_pattern(t) for t in compiled.positive_terms if fw.name in where.get(t, ())]
        patterns += list(compiled.watchlist.regexes)
        for pattern in patterns:
            if (hit := pattern.search(fw.text)) is not None and hit.end() > hit.start():
                return _excerpt(fw.text, hit.start(), hit.end())
    return ""
