"""Matching documents against every watchlist at once, and explaining why each did or did not match.

Order of the rules, for one document and one watchlist:
1. the watchlist's filters must all pass (see monitor.core.watchlist);
2. its query must be true, or one of its regexes must find something, in the watchlist's fields;
3. the hits reported are the query terms found that count for the match (not those under a NOT) and the
   regex finds, in field order, with a snippet around the first one.
A watchlist's fields are its `fields`, plus the full text when its `full_text` mode says so for this document
(see monitor.core.watchlist). An acronym term (`=AI[...]`) is found on the text as written, and is not found
at all in a document that defines the acronym only as something else (see monitor.core.acronyms).

All watchlists are compiled together, once: every distinct term of every query gets a number, each query
becomes a small function of the set of numbers found, and each term knows which watchlists use it. For a
document, its words are indexed once per field, each term is looked up once, and only the watchlists that use
a term that was found are evaluated (plus those that can be true with no term at all: a pure NOT, a regex).
A query that is false when none of its terms is present can only become true when one of them is, so
skipping the others changes nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from monitor.core.acronyms import other_meaning
from monitor.core.query import WORD, All, Node, Not, Term, iter_terms, term_pattern
from monitor.core.watchlist import ALL_FIELDS, Watchlist
from monitor.models import Document, Hit, Match

SNIPPET_RADIUS = 80

__all__ = ["Explanation", "Matcher", "field_text"]

Predicate = Callable[[Collection[int]], bool]


def field_text(document: Document, name: str) -> str:
    if name == "agencies":
        return "; ".join(document.agency_names)
    if name == "abstract":
        return document.searched_text
    value = getattr(document, name, "")
    return value if isinstance(value, str) else ""


def compile_query(node: Node, ids: dict[Term, int]) -> Predicate:
    """A query tree -> a function of the set of term numbers found."""
    if isinstance(node, Term):
        number = ids[node]
        return lambda found: number in found
    if isinstance(node, Not):
        inner = compile_query(node.operand, ids)
        return lambda found: not inner(found)
    parts = [compile_query(op, ids) for op in node.operands]
    combined = parts[0]
    for part in parts[1:]:  # nested two-way lambdas: no generator per evaluation, short-circuit kept
        combined = _both(combined, part) if isinstance(node, All) else _either(combined, part)
    return combined


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda found: a(found) and b(found)


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda found: a(found) or b(found)


class _FieldWords:
    """One field's text cut into words, with what phrase and prefix look-ups need built on first use."""

    __slots__ = ("_joined", "name", "text", "unique", "words")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.words = WORD.findall(text.lower())
        self.unique = frozenset(self.words)
        self._joined: str | None = None

    def contains_phrase(self, words: tuple[str, ...], prefix: bool) -> bool:
        if self._joined is None:
            self._joined = " " + " ".join(self.words) + " "
        return (" " + " ".join(words) + ("" if prefix else " ")) in self._joined

    def contains(self, term: Term) -> bool:
        if len(term.words) == 1:
            word = term.words[0]
            if not term.prefix:
                return word in self.unique
            return any(w.startswith(word) for w in self.unique)
        return self.contains_phrase(term.words, term.prefix)


@dataclass(frozen=True)
class _Compiled:
    watchlist: Watchlist
    terms: frozenset[int]
    positive_terms: tuple[int, ...]
    query: Predicate | None
    base_fields: frozenset[str]
    with_full_text: frozenset[str]

    def fields_for(self, document: Document) -> frozenset[str]:
        return self.with_full_text if self.watchlist.searches_full_text(document) else self.base_fields


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
    excluded: tuple[tuple[str, str], ...] = ()  # (acronym term, the other meaning the document gives it)
    fields: tuple[str, ...] = ()  # the fields searched, full text included when it was


class Matcher:
    """All watchlists compiled once; `match(document)` returns one Match per watchlist that matched."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self._terms: list[Term] = []
        ids: dict[Term, int] = {}
        for watchlist in watchlists:
            for term, _ in iter_terms(watchlist.query) if watchlist.query is not None else ():
                ids.setdefault(term, len(ids))
        self._terms = list(ids)
        self._patterns = [term_pattern(t) for t in self._terms]
        # Terms are found through their first word: exactly, or (a trailing *) through its first letters.
        # Acronyms are rare and case-sensitive: each is looked for on its own, where its letters occur as a word.
        self._by_first_word: dict[str, list[int]] = {}
        self._by_prefix: dict[str, list[int]] = {}
        self._acronyms: list[tuple[int, str]] = []
        for term, number in ids.items():
            if term.acronym:
                self._acronyms.append((number, term.words[0].lower()))
                continue
            table = self._by_prefix if term.prefix and len(term.words) == 1 else self._by_first_word
            table.setdefault(term.words[0], []).append(number)
        self._first_words = frozenset(self._by_first_word)
        self._prefixes = sorted(self._by_prefix)

        self._compiled: list[_Compiled] = []
        self._users: dict[int, list[int]] = {}  # term number -> watchlists (by index) using it
        self._always: list[int] = []  # watchlists to evaluate whatever terms are found
        for index, watchlist in enumerate(watchlists):
            pairs = list(iter_terms(watchlist.query)) if watchlist.query is not None else []
            query = compile_query(watchlist.query, ids) if watchlist.query is not None else None
            compiled = _Compiled(
                watchlist,
                frozenset(ids[t] for t, _ in pairs),
                tuple(dict.fromkeys(ids[t] for t, counts in pairs if counts)),
                query,
                frozenset(watchlist.fields),
                frozenset((*watchlist.fields, "full_text")),
            )
            self._compiled.append(compiled)
            if watchlist.regexes or (query is not None and query(())):
                self._always.append(index)
            for number in compiled.terms:
                self._users.setdefault(number, []).append(index)
        self._fields = tuple(
            f
            for f in ALL_FIELDS
            if any(f in w.fields or (f == "full_text" and w.full_text != "never") for w in watchlists)
        )

    @property
    def watchlists(self) -> list[Watchlist]:
        return [c.watchlist for c in self._compiled]

    def needs_full_text(self, document: Document) -> bool:
        """Whether a watchlist that searches the full text would consider this document at all."""
        return any(
            c.watchlist.searches_full_text(document) and c.watchlist.passes_filters(document) for c in self._compiled
        )

    def _index(self, document: Document, full_text: str | None) -> list[_FieldWords]:
        texts = [(n, field_text(document, n)) for n in self._fields if n != "full_text"]
        if full_text and "full_text" in self._fields:
            texts.append(("full_text", full_text))
        return [_FieldWords(n, t) for n, t in texts if t]

    def _find_terms(
        self, fields: Sequence[_FieldWords], excluded: dict[int, str] | None = None
    ) -> dict[int, list[str]]:
        """Term number -> the fields it was found in. Acronyms a document defines otherwise go to `excluded`."""
        found: dict[int, list[str]] = {}
        if self._acronyms:
            self._find_acronyms(fields, found, excluded)
        terms = self._terms
        by_first_word, by_prefix = self._by_first_word, self._by_prefix
        for fw in fields:
            hits: set[int] = set()
            for word in fw.unique & self._first_words:
                for number in by_first_word[word]:
                    term = terms[number]
                    if len(term.words) == 1 or fw.contains_phrase(term.words, term.prefix):
                        hits.add(number)
            if self._prefixes:
                # A prefix is found when the first word sorting at or after it starts with it.
                ordered = sorted(fw.unique)
                for prefix in self._prefixes:
                    at = bisect_left(ordered, prefix)
                    if at < len(ordered) and ordered[at].startswith(prefix):
                        hits.update(by_prefix[prefix])
            for number in hits:
                found.setdefault(number, []).append(fw.name)
        return found

    def _find_acronyms(
        self, fields: Sequence[_FieldWords], found: dict[int, list[str]], excluded: dict[int, str] | None
    ) -> None:
        for number, lowered in self._acronyms:
            term = self._terms[number]
            names = [
                fw.name
                for fw in fields
                if (lowered in fw.unique or lowered + "s" in fw.unique)
                and self._patterns[number].search(fw.text) is not None
            ]
            if not names:
                continue
            if term.meanings and (other := other_meaning((fw.text for fw in fields), term.words[0], term.meanings)):
                if excluded is not None:
                    excluded[number] = other
                continue
            found[number] = names

    @staticmethod
    def _present(own: frozenset[str], found: dict[int, list[str]], indexed: frozenset[str]) -> Collection[int]:
        """The terms found in this watchlist's own fields."""
        if indexed <= own:
            return found.keys()
        return {n for n, names in found.items() if any(f in own for f in names)}

    def match(self, document: Document, full_text: str | None = None) -> list[Match]:
        fields = self._index(document, full_text)
        found = self._find_terms(fields)
        indexed = frozenset(fw.name for fw in fields)
        candidates = set(self._always)
        for number in found:
            candidates.update(self._users.get(number, ()))
        matches = []
        for index in sorted(candidates):
            compiled = self._compiled[index]
            if not compiled.watchlist.passes_filters(document):
                continue
            own = compiled.base_fields if compiled.watchlist.full_text == "never" else compiled.fields_for(document)
            present = self._present(own, found, indexed)
            query_true = compiled.query is not None and compiled.query(present)
            regex_hits = self._regex_hits(compiled, own, fields)
            if query_true or regex_hits:
                matches.append(self._build_match(compiled, own, fields, found, query_true, regex_hits))
        return matches

    def explain(self, document: Document, full_text: str | None = None) -> list[Explanation]:
        fields = self._index(document, full_text)
        excluded: dict[int, str] = {}
        found = self._find_terms(fields, excluded)
        indexed = frozenset(fw.name for fw in fields)
        explanations = []
        for compiled in self._compiled:
            failure = compiled.watchlist.filter_failure(document)
            own = compiled.fields_for(document)
            present = self._present(own, found, indexed)
            query_true = compiled.query(present) if compiled.query is not None else None
            regex_hits = self._regex_hits(compiled, own, fields)
            matched = failure is None and (bool(query_true) or bool(regex_hits))
            where = {n: tuple(f for f in found.get(n, ()) if f in own) for n in compiled.terms}
            ordered = sorted(compiled.terms, key=lambda n: self._terms[n].text)
            explanations.append(
                Explanation(
                    watchlist=compiled.watchlist.name,
                    matched=matched,
                    filter_failure=failure,
                    found=tuple((self._terms[n].text, where[n]) for n in ordered if where[n]),
                    missing=tuple(self._terms[n].text for n in ordered if not where[n]),
                    regex_hits=regex_hits,
                    query_true=query_true,
                    match=(
                        self._build_match(compiled, own, fields, found, bool(query_true), regex_hits)
                        if matched
                        else None
                    ),
                    excluded=tuple((self._terms[n].text, excluded[n]) for n in ordered if n in excluded),
                    fields=tuple(f for f in ALL_FIELDS if f in own),
                )
            )
        return explanations

    @staticmethod
    def _regex_hits(compiled: _Compiled, own: frozenset[str], fields: Sequence[_FieldWords]) -> tuple[Hit, ...]:
        return tuple(
            Hit(f"/{p.pattern}/", fw.name)
            for p in compiled.watchlist.regexes
            for fw in fields
            if fw.name in own and p.search(fw.text)
        )

    def _build_match(
        self,
        compiled: _Compiled,
        own: frozenset[str],
        fields: Sequence[_FieldWords],
        found: dict[int, list[str]],
        query_true: bool,
        regex_hits: tuple[Hit, ...],
    ) -> Match:
        searched = [fw for fw in fields if fw.name in own]
        term_hits: list[Hit] = []
        patterns: dict[str, list[re.Pattern[str]]] = {}
        if query_true:
            for number in compiled.positive_terms:
                for name in found.get(number, ()):
                    if name in own:
                        term_hits.append(Hit(self._terms[number].text, name))
                        patterns.setdefault(name, []).append(self._patterns[number])
        for fw in searched:
            patterns.setdefault(fw.name, []).extend(compiled.watchlist.regexes)
        return Match(compiled.watchlist.name, (*term_hits, *regex_hits), build_snippet(searched, patterns))


def _excerpt(text: str, start: int, end: int) -> str:
    left = max(0, start - SNIPPET_RADIUS)
    right = min(len(text), end + SNIPPET_RADIUS)
    before = ("…" if left else "") + text[left:start]
    after = text[end:right] + ("…" if right < len(text) else "")
    return f"{before}«{text[start:end]}»{after}"


def build_snippet(fields: Sequence[_FieldWords], patterns: dict[str, list[re.Pattern[str]]]) -> str:
    """A short excerpt around the first hit, in the first field that has one; the hit is set in «»."""
    for fw in fields:
        for pattern in patterns.get(fw.name, ()):
            if (hit := pattern.search(fw.text)) is not None and hit.end() > hit.start():
                return _excerpt(fw.text, hit.start(), hit.end())
    return ""
