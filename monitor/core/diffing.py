"""Comparing a freshly parsed document with its stored snapshot."""

from __future__ import annotations

from typing import Any

from monitor.models import Change, Document, FieldChange

# How long one side of a before/after may be in an alert; long abstracts are cut, not dropped.
MAX_VALUE_CHARS = 300


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, list):
        value = ", ".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def diff_fields(before: Document, after: Document) -> tuple[FieldChange, ...]:
    """Field-by-field differences, in the model's field order."""
    old, new = before.to_dict(), after.to_dict()
    return tuple(FieldChange(name, _shown(old[name]), _shown(new[name])) for name in new if old.get(name) != new[name])


def diff_document(previous: Document | None, current: Document) -> Change | None:
    """`new` when never seen, `updated` when a meaningful field changed, None when nothing did."""
    if previous is None:
        return Change("new", current)
    if previous.content_hash() == current.content_hash():
        return None
    fields = diff_fields(previous, current)
    return Change("updated", current, fields) if fields else Change("refreshed", current)
