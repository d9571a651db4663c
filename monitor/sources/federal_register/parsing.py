"""Reading the Federal Register API's JSON, which the documents API and public inspection share: values read
defensively (a missing or odd field is empty, never a crash), and the two a result must have (its number and its
title) or it is a ParseError."""

from __future__ import annotations

from datetime import date
from typing import Any

from monitor.models import Agency
from monitor.sources.http import ParseError


def clean_text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def iso_date(value: Any, field: str, number: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ParseError(f"document {number}: {field} {value!r} is not a date") from None


def strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if v not in (None, ""))


def agencies(value: Any) -> tuple[Agency, ...]:
    if not isinstance(value, list):
        return ()
    agencies = []
    for item in value:
        if not isinstance(item, dict):
            continue
        name = item.get("name") or item.get("raw_name")
        if name:
            agencies.append(Agency(clean_text(name), item.get("slug") or None))
    return tuple(agencies)


def identify(raw: Any, *title_fields: str) -> tuple[str, str]:
    """The document number and title every API result must have (the first non-empty title field)."""
    if not isinstance(raw, dict):
        raise ParseError(f"a result is {type(raw).__name__}, not an object")
    number = raw.get("document_number")
    if not isinstance(number, str) or not number.strip():
        raise ParseError("a result has no document_number")
    number = number.strip()
    title = next((t for name in title_fields if (t := clean_text(raw.get(name)))), "")
    if not title:
        raise ParseError(f"document {number} has no title")
    return number, title
