"""Rendering an alert into a message (pure). Untrusted text is defused before it is placed in a message.

Every string that came from upstream (titles, abstracts, snippets, diffs) passes through `defuse`, so it can
never mention a whole channel (@channel, @here, <!channel>), address a user or channel (<@U…>, <#C…>) or
pose as a link (<http://x|y>) in chat targets. Only the links this module builds itself are links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.models import Alert, Document

ZERO_WIDTH = "\u200b"
_MENTION = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)
_ANGLE = re.compile(r"<(?=[!@#]|[a-z][a-z0-9+.-]*:)", re.IGNORECASE)

EVENT_HEADINGS = {
    "public_inspection": "On public inspection",
    "published": "Published",
    "updated": "Updated",
    "corrected": "Correction",
    "withdrawn": "Withdrawn before publication",
    "deadline": "Deadline",
}


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str


def defuse(text: str) -> str:
    """Untrusted text, made unable to ping, address or link: a zero-width space breaks each trigger."""
    text = _MENTION.sub("@" + ZERO_WIDTH, text)
    return _ANGLE.sub("<" + ZERO_WIDTH, text)


def document_link(document: Document) -> str:
    if document.html_url.startswith("https://www.federalregister.gov/"):
        return document.html_url
    return f"https://www.federalregister.gov/d/{document.number}"


def _key_dates(document: Document) -> str:
    parts = []
    if document.publication_date:
        verb = "Publishes" if document.source == "public_inspection" else "Published"
        parts.append(f"{verb} {document.publication_date.isoformat()}")
    if document.effective_on:
        parts.append(f"Effective {document.effective_on.isoformat()}")
    if document.comments_close_on:
        parts.append(f"Comments close {document.comments_close_on.isoformat()}")
    return " · ".join(parts)


def render_alert(alert: Alert) -> Message:
    doc = alert.document
    heading = EVENT_HEADINGS.get(alert.event, alert.event.title())
    title = defuse(f"[{alert.watchlist}] {heading}: {doc.title}")
    lines = [defuse(" · ".join(p for p in (doc.type, "; ".join(doc.agency_names), doc.number) if p))]
    if dates := _key_dates(doc):
        lines.append(dates)
    lines += [defuse(f"{fact.label}: {fact.value}") for fact in alert.facts]
    if alert.match.hits:
        hits = ", ".join(f"{h.term} ({h.field})" for h in alert.match.hits)
        lines.append(defuse(f"Matched: {hits}"))
    if alert.match.snippet:
        lines.append(defuse(alert.match.snippet))
    if alert.changes:
        lines.append("Changes:")
        lines += [defuse(f"  {c.field}: {c.before} → {c.after}") for c in alert.changes]
    lines.append(document_link(doc))
    if doc.source == "public_inspection" and doc.pdf_url.startswith("https://public-inspection.federalregister.gov/"):
        lines.append(f"PDF: {doc.pdf_url}")
    return Message(title=title, body="\n".join(lines))
