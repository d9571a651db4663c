"""The compiled matcher against a plain reference evaluator, on random queries and texts.

The matcher is fast because it is clever (terms numbered, queries compiled to closures, only the watchlists
that use a found term evaluated, prefixes found by bisection). The reference below is slow and obvious: for
each term, a regular expression over the lower-cased words of the text; then the query tree evaluated as
written. On any query and any text they must agree.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.matching import Matcher
from monitor.core.query import All, Any_, Node, Not, Term, split_words
from monitor.core.watchlist import Watchlist
from monitor.models import Document

WORDS = ["ai", "chips", "model", "weights", "export", "control", "advanced", "computing", "said", "rule"]


def render(node: Node) -> str:
    """A query tree back to query text (federalregister.gov syntax)."""
    if isinstance(node, Term):
        text = " ".join(node.words) + ("*" if node.prefix else "")
        return f'"{text}"' if len(node.words) > 1 else text
    if isinstance(node, Not):
        return "-" + render(node.operand) if isinstance(node.operand, Term) else "-(" + render(node.operand) + ")"
    joiner = " " if isinstance(node, All) else " | "
    return "(" + joiner.join(render(o) for o in node.operands) + ")"


def reference_present(term: Term, text: str) -> bool:
    words = " ".join(split_words(text))
    phrase = r"\b" + r" ".join(re.escape(w) for w in term.words) + (r"\w*" if term.prefix else r"\b")
    return re.search(phrase, words) is not None


def reference(node: Node, text: str) -> bool:
    if isinstance(node, Term):
        return reference_present(node, text)
    if isinstance(node, Not):
        return not reference(node.operand, text)
    if isinstance(node, All):
        return all(reference(o, text) for o in node.operands)
    assert isinstance(node, Any_)
    return any(reference(o, text) for o in node.operands)


def terms() -> st.SearchStrategy[Term]:
    word = st.sampled_from(WORDS)
    single = st.builds(lambda w, p: Term((w if not p else w[:3],), prefix=p), word, st.booleans())
    phrase = st.builds(lambda a, b: Term((a, b)), word, word)
    return st.one_of(single, phrase)


queries: st.SearchStrategy[Node] = st.recursive(
    terms(),
    lambda inner: st.one_of(
        st.builds(lambda ops: All(tuple(ops)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda ops: Any_(tuple(ops)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(Not, inner),
    ),
    max_leaves=6,
)
texts = st.lists(st.sampled_from([*WORDS, "the", "of", "AI-related", "computers", "Chips,"]), max_size=12).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(queries, texts)
def test_matcher_agrees_with_the_reference(query: Node, text: str) -> None:
    source = render(query)
    watchlist = Watchlist.build("w", source)
    document = Document(source="federal_register", number="2026-00001", title=text)
    assert bool(Matcher([watchlist]).match(document)) is reference(watchlist.query, text), source  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.lists(queries, min_size=2, max_size=6), texts)
def test_many_watchlists_compiled_together_agree_one_by_one(nodes: list[Node], text: str) -> None:
    watchlists = [Watchlist.build(f"w{i}", render(n)) for i, n in enumerate(nodes)]
    document = Document(source="federal_register", number="2026-00001", title=text)
    together = {m.watchlist for m in Matcher(watchlists).match(document)}
    alone = {w.name for w in watchlists if Matcher([w]).match(document)}
    assert together == alone
