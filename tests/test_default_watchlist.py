"""The built-in AI watchlist against documents it must catch and documents it must leave alone.

Titles and abstracts are reconstructed from real Federal Register documents (shortened; not captures).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.app import build_matcher
from monitor.models import Agency, Document
from monitor.settings.loading import load_settings

CASES = json.loads((Path(__file__).parent / "golden" / "default_watchlist_cases.json").read_text())
MATCHER = build_matcher(load_settings())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_default_watchlist(case: dict[str, object]) -> None:
    document = Document(
        source="federal_register",
        number="2025-00001",
        title=str(case["title"]),
        abstract=str(case["abstract"]),
        type=str(case["type"]),
        agencies=(Agency(str(case["agency"]).replace("-", " ").title(), str(case["agency"])),),
    )
    matches = MATCHER.match(document)
    assert bool(matches) is case["expect"], [h for m in matches for h in m.hits]


def test_table_has_both_kinds() -> None:
    assert sum(c["expect"] for c in CASES) >= 6 and sum(not c["expect"] for c in CASES) >= 6


@pytest.mark.parametrize(
    ("changes", "urgent"),
    [
        ({"significant": True}, True),
        ({"type": "Presidential Document"}, True),
        ({"source": "public_inspection", "filing_type": "special"}, True),
        ({"source": "public_inspection", "filing_type": "regular"}, False),
        ({"action": "Interim final rule; request for comments."}, False),  # not among the built-in conditions
        ({}, False),
    ],
    ids=["significant", "presidential", "special filing", "regular filing", "interim final", "routine"],
)
def test_default_watchlist_urgency(changes: dict[str, object], urgent: bool) -> None:
    """The built-in watchlist tells significant rules, presidential documents and special filings at once."""
    case = next(c for c in CASES if c["expect"])
    document = Document(
        source=str(changes.pop("source", "federal_register")),
        number="2025-00001",
        title=str(case["title"]),
        abstract=str(case["abstract"]),
        type=str(changes.pop("type", case["type"])),
        agencies=(Agency(str(case["agency"]).replace("-", " ").title(), str(case["agency"])),),
        **changes,  # type: ignore[arg-type]
    )
    assert MATCHER.match(document)
    (watchlist,) = MATCHER.watchlists
    assert watchlist.is_urgent(document) is urgent
