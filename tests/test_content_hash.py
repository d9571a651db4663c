"""The content hash is stored with every snapshot: a poll compares against it, so its value for a given
document must never change between versions. Its definition is the SHA-256 of the canonical JSON (keys sorted,
no spaces) of `to_dict()` without empty values; the fast path in `Document.content_hash` must agree with that
definition on real documents and on the edge cases of "empty"."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from monitor.models import Agency, Document, ItemKind
from monitor.sources.federal_register.source import parse_document
from monitor.sources.public_inspection.source import parse_pi_document

FIXTURES = Path(__file__).parent / "fixtures" / "federal_register"


def defined_hash(document: Document) -> str:
    meaningful = {k: v for k, v in document.to_dict().items() if v not in (None, "", [], False)}
    return hashlib.sha256(json.dumps(meaningful, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def results(name: str) -> list[Any]:
    return list(json.loads((FIXTURES / f"{name}.json").read_text())["results"])


def real_documents() -> list[Document]:
    documents = [parse_pi_document(raw) for raw in results("pi_search_page1")]
    for name in ("search_all_fields_epa_rules_page1", "search_newest_page1", "search_newest_page2"):
        documents += [parse_document(raw) for raw in results(name)]
    return documents


BASE = Document(source="federal_register", number="2026-00001", title="Rule", type="Rule")
EDGE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("nothing but the identity", {}),
    ("zero pages counts as empty", {"num_pages": 0}),
    ("some pages", {"num_pages": 12}),
    ("significant", {"significant": True}),
    ("an agency without a slug", {"agencies": (Agency("Some Office"),)}),
    ("agencies in their order", {"agencies": (Agency("B", "b"), Agency("A", "a"))}),
    ("non-ASCII text", {"title": "Règle — “AI” ✓", "abstract": "naïve\nline"}),
    ("dates", {"publication_date": date(2026, 1, 2), "comments_close_on": date(2026, 3, 4)}),
    ("empty tuples", {"cfr_references": (), "docket_ids": ()}),
    ("a correction", {"correction_of": "2026-00000", "corrections": ("C1-2026-00001",)}),
    ("a page entry", {"type": ItemKind.PAGE_ENTRY, "html_url": "https://www.bis.gov/press-release/x"}),
]


@pytest.mark.parametrize("document", real_documents(), ids=lambda d: d.number)
def test_real_documents_hash_as_defined(document: Document) -> None:
    assert document.content_hash() == defined_hash(document)


@pytest.mark.parametrize(("case", "changes"), EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_cases_hash_as_defined(case: str, changes: dict[str, Any]) -> None:
    document = dataclasses.replace(BASE, **changes)
    assert document.content_hash() == defined_hash(document)


def test_every_meaningful_field_changes_the_hash() -> None:
    hashes = {BASE.content_hash()}
    for case, changes in EDGE_CASES:
        if case in ("zero pages counts as empty", "empty tuples", "nothing but the identity"):
            assert dataclasses.replace(BASE, **changes).content_hash() == BASE.content_hash(), case
        else:
            hashes.add(dataclasses.replace(BASE, **changes).content_hash())
    assert len(hashes) == len(EDGE_CASES) - 3 + 1
