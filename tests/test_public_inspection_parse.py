"""Parsing public inspection answers, from the real captured fixtures and synthetic edge cases."""

from __future__ import annotations

import pytest

from monitor.sources.http import ParseError
from monitor.sources.public_inspection.source import parse_current, parse_pi_document, says_withdrawn
from tests.kit.fakes import load_fixture


def test_single_document_fixture_with_offset_timestamp() -> None:
    doc = parse_pi_document(load_fixture("pi_document_2026-19958.json"))
    assert doc.number == "2026-19958"
    assert doc.title == "Meetings; Sunshine Act"  # the trailing spaces are gone
    assert doc.filed_at == "2026-09-28T15:15:00+00:00"  # 11:15 EDT
    assert doc.filing_type == "special"
    assert doc.num_pages == 1
    assert str(doc.publication_date) == "2026-09-30"
    assert doc.agency_slugs == ("railroad-retirement-board",)


def test_search_fixture_with_utc_timestamp() -> None:
    data = load_fixture("pi_search_page1.json")
    first = parse_pi_document(data["results"][0])
    assert first.filed_at == "2026-09-29T12:45:00+00:00"
    assert first.filing_type == "regular"


def test_search_page_is_not_a_complete_list() -> None:
    # the search answer says 127 documents and carries 2: as a list it is truncated, never complete
    with pytest.raises(ParseError, match="truncated"):
        parse_current(load_fixture("pi_search_page1.json"))


@pytest.mark.parametrize("name", ["pi_search_zero_results.json", "pi_available_on_no_issue.json"])
def test_empty_answers(name: str) -> None:
    assert parse_current(load_fixture(name)) == []


def test_duplicates_across_days_are_one_item() -> None:
    raw = load_fixture("pi_document_2026-19958.json")
    assert len(parse_current({"count": 2, "results": [raw, raw]})) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not an object"),
        ({"description": "x"}, "neither results nor count 0"),
        ({"count": 1, "results": [{"title": "x"}]}, "no document_number"),
        ({"count": 1, "results": [{"document_number": "2026-1", "title": "x", "filed_at": "soon"}]}, "not a timestamp"),
        (
            {"count": 1, "results": [{"document_number": "2026-1", "title": "x", "filed_at": "2026-01-01T10:00"}]},
            "time zone",
        ),
    ],
)
def test_malformed(data: object, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_current(data)


def test_null_filed_at_and_publication_date() -> None:
    raw = dict(load_fixture("pi_document_2026-19958.json"), filed_at=None, publication_date=None)
    doc = parse_pi_document(raw)
    assert doc.filed_at is None and doc.publication_date is None


@pytest.mark.parametrize(
    ("note", "withdrawn"),
    [
        ("This document was withdrawn by the agency.", True),
        ("Withdrawal of filing", True),
        ("A corrected PDF was posted at 2:15 pm.", False),
        (None, False),
    ],
)
def test_withdrawal_note(note: str | None, withdrawn: bool) -> None:
    doc = parse_pi_document(dict(load_fixture("pi_document_2026-19958.json"), editorial_note=note))
    assert says_withdrawn(doc) is withdrawn
