"""The query language, table-driven from golden files: what matches, what does not, and every error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.core.matching import Matcher
from monitor.core.query import QueryError, parse_query
from monitor.core.watchlist import Watchlist
from monitor.models import Agency, Document

GOLDEN = Path(__file__).parent / "golden"
CASES = json.loads((GOLDEN / "query_cases.json").read_text())
ERRORS = json.loads((GOLDEN / "query_errors.json").read_text())


def doc(title: str, **fields: object) -> Document:
    return Document(source="federal_register", number="2026-00001", title=title, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_query_cases(case: dict[str, object]) -> None:
    matcher = Matcher([Watchlist.build("w", str(case["query"]))])
    assert bool(matcher.match(doc(str(case["text"])))) is case["match"]


@pytest.mark.parametrize("case", ERRORS, ids=[c["id"] for c in ERRORS])
def test_query_errors(case: dict[str, str]) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(case["query"])
    assert str(caught.value) == case["error"]


def test_hits_name_terms_and_fields_and_skip_negated_terms() -> None:
    matcher = Matcher([Watchlist.build("w", '"model weights" | chips -drones | Bureau')])
    document = doc(
        "Controls on model weights",
        abstract="Also chips.",
        agencies=(Agency("Industry and Security Bureau", "industry-and-security-bureau"),),
    )
    (match,) = matcher.match(document)
    assert [(h.term, h.field) for h in match.hits] == [
        ('"model weights"', "title"),
        ("chips", "abstract"),
        ("bureau", "agencies"),
    ]
    assert match.snippet == "Controls on «model weights»"


def test_snippet_is_short_and_marked() -> None:
    long_abstract = "word " * 100 + "artificial intelligence" + " tail" * 100
    (match,) = Matcher([Watchlist.build("w", '"artificial intelligence"')]).match(doc("T", abstract=long_abstract))
    assert "«artificial intelligence»" in match.snippet
    assert match.snippet.startswith("…") and match.snippet.endswith("…")
    assert len(match.snippet) < 200


def test_many_watchlists_share_terms() -> None:
    watchlists = [Watchlist.build(f"w{i}", f"chips | term{i}") for i in range(50)]
    matches = Matcher(watchlists).match(doc("chips"))
    assert len(matches) == 50
    only = Matcher(watchlists).match(doc("term7"))
    assert [m.watchlist for m in only] == ["w7"]


def test_filters_and_types() -> None:
    bis = Agency("Industry and Security Bureau", "industry-and-security-bureau")
    watchlist = Watchlist.build("w", "chips", agencies=["industry-and-security-bureau"], types=["RULE"])
    matcher = Matcher([watchlist])
    assert matcher.match(doc("chips", agencies=(bis,), type="Rule"))
    assert not matcher.match(doc("chips", agencies=(bis,), type="Notice"))
    assert not matcher.match(doc("chips", type="Rule"))
