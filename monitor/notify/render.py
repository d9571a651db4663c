"""Rendering alerts for each kind of channel, from one alert model (pure).

Channels, chosen by the target URL's scheme (see `channel_of`):
    slack    plain text for Apprise's Slack plugin, which escapes & < > so nothing becomes markup
    email    a subject that says what happened, and an HTML body in which every upstream string is escaped
             and defused (Apprise adds the plain-text part)
    webhook  the versioned JSON payload documented in the README (`webhook://` and `webhooks://` targets)
    text     everything else (console, json://, ...): plain text

Every string that came from upstream (titles, abstracts, snippets, diffs, notes) is untrusted. It passes
through `defuse` before it is placed in any message but the webhook's JSON, so it can never mention a whole channel
(@channel, <!here>), address a user or channel (<@U…>, <#C…>), or become a link (<http://x|y>, a bare URL):
a zero-width space breaks each trigger. Only the links this module builds itself are links. Long fields are
cut visibly ("…"), and a message is kept under the channel's limit, never dropped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from monitor.models import Alert, Document, EventKind, ItemKind, Sources

Channel = Literal["slack", "email", "webhook", "text"]
BodyFormat = Literal["text", "html"]

ZERO_WIDTH = "\u200b"
_MENTION = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)
_ANGLE = re.compile(r"<(?=[!@#]|[a-z][a-z0-9+.-]*:)", re.IGNORECASE)
_SCHEME = re.compile(r"(?<=[a-z0-9])://", re.IGNORECASE)
_WWW = re.compile(r"\bwww\.", re.IGNORECASE)

WEBHOOK_SCHEMA_VERSION = 1
# Slack allows about 3,000 characters in a block and 40,000 in a message; keep well inside both.
SLACK_FIELD_LIMIT = 2_800
SLACK_MESSAGE_LIMIT = 35_000
TEXT_MESSAGE_LIMIT = 60_000
ABSTRACT_LIMIT = 600
MAX_CHANGES_SHOWN = 12
TRUNCATED = "… (truncated; the full text is at the link)"

EVENT_HEADINGS: dict[EventKind, str] = {
    "public_inspection": "On public inspection",
    "published": "Published",
    "updated": "Updated",
    "corrected": "Correction",
    "withdrawn": "Withdrawn before publication",
    "deadline": "Deadline",
    "page_changed": "Page changed",
    "cfr_changed": "Regulation text changed",
}


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    body_format: BodyFormat = "text"


def channel_of(url: str) -> Channel:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "slack" or url.lower().startswith("https://hooks.slack.com/"):
        return "slack"
    if scheme in ("mailto", "mailtos"):
        return "email"
    if scheme in ("webhook", "webhooks"):
        return "webhook"
    return "text"


def defuse(text: str) -> str:
    """Untrusted text, made unable to ping, address or link: a zero-width space breaks each trigger."""
    text = _MENTION.sub("@" + ZERO_WIDTH, text)
    text = _ANGLE.sub("<" + ZERO_WIDTH, text)
    text = _SCHEME.sub(":" + ZERO_WIDTH + "//", text)
    return _WWW.sub("www" + ZERO_WIDTH + ".", text)


def render_ops(title: str, body: str) -> Message:
    """A message for the `ops` target. It quotes upstream text (a document's title, an API's error message, a
    receiver's answer), so it is defused like an alert: an ops channel is a chat channel too."""
    return Message(defuse(title), defuse(body))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def document_link(document: Document) -> str:
    """The one link per item the service vouches for. Federal Register documents link to federalregister.gov
    (built from the number when the upstream URL is not there); eCFR sections to ecfr.gov; page entries and
    feed items to their own URL, which their parsers keep only when it is on the watched site."""
    url = document.html_url
    if " " in url or not url.startswith("https://"):
        url = ""
    if number := document.fr_number:
        if url.startswith("https://www.federalregister.gov/"):
            return url
        return f"https://www.federalregister.gov/d/{number}"
    if document.kind in ItemKind.CFR_SECTIONS:
        return url if url.startswith("https://www.ecfr.gov/") else "https://www.ecfr.gov/"
    return url


def pdf_link(document: Document) -> str | None:
    url = document.pdf_url
    trusted = ("https://public-inspection.federalregister.gov/", "https://www.govinfo.gov/")
    return url if url.startswith(trusted) and " " not in url else None


URGENT = "Urgent"
SENT_AT_ONCE = "urgent: sent at once"


def headline(alert: Alert) -> str:
    heading = EVENT_HEADINGS.get(alert.event, alert.event)
    urgent = f"{URGENT}: " if alert.urgent else ""
    return f"{urgent}[{alert.watchlist}] {heading}: {alert.document.title}"


def _key_dates(document: Document) -> list[tuple[str, str]]:
    dates = []
    if document.publication_date:
        # A page entry's date is the one the page shows next to it.
        label = {ItemKind.PUBLIC_INSPECTION: "Publishes", ItemKind.PAGE_ENTRY: "Dated"}.get(document.kind, "Published")
        dates.append((label, document.publication_date.isoformat()))
    if document.effective_on:
        dates.append(("Effective", document.effective_on.isoformat()))
    if document.comments_close_on:
        dates.append(("Comments close", document.comments_close_on.isoformat()))
    return dates


def _kind(document: Document) -> str:
    """What the item is, in words: a page's entries name the page they are on."""
    if document.kind == ItemKind.PAGE_ENTRY:
        return f"New entry on the page {Sources.page_name(document.source)}"
    return document.type


def shown_number(document: Document) -> str:
    """The number as a reader sees it (untrusted): none for a page's region, nor for a page entry, whose number is
    its link (an off-site one, for all this module knows: the entry's link is `document_link`'s to give), nor for
    any other number that is a link (a feed item's id may be)."""
    if document.kind in (ItemKind.PAGE_REGION, ItemKind.PAGE_ENTRY):
        return ""
    number = document.number
    return "" if urlsplit(number).scheme or "://" in number else number


def _lines(alert: Alert) -> list[tuple[str, str]]:
    """The alert as (label, untrusted value) pairs, in reading order; each channel escapes its own way."""
    doc = alert.document
    lines: list[tuple[str, str]] = []
    kind = " · ".join(p for p in (_kind(doc), "; ".join(doc.agency_names), shown_number(doc)) if p)
    lines.append(("", kind))
    if doc.citation:
        lines.append(("Citation", doc.citation))
    lines += _key_dates(doc)
    # "−"/"+" facts are the lines of a diff: shown as such, not as "label: value".
    lines += [("", f"{f.label} {f.value}") if f.label in ("−", "+") else (f.label, f.value) for f in alert.facts]
    if alert.match.hits:
        lines.append(("Matched", ", ".join(f"{h.term} ({h.field})" for h in alert.match.hits)))
    if alert.match.snippet:
        lines.append(("", alert.match.snippet))
    if doc.searched_text and alert.event in ("published", "public_inspection"):
        lines.append(("Abstract", cut(doc.searched_text, ABSTRACT_LIMIT)))
    shown = alert.changes[:MAX_CHANGES_SHOWN]
    for change in shown:
        lines.append((f"Changed {change.field}", f"{change.before} → {change.after}"))
    if len(alert.changes) > len(shown):
        lines.append(("", f"and {len(alert.changes) - len(shown)} more changed fields"))
    return lines


def _links(alert: Alert) -> list[tuple[str, str]]:
    link = document_link(alert.document)
    label = {"page_changed": "Page", "cfr_changed": "Section"}.get(alert.event, "Document")
    links = [(label, link)] if link else []
    if pdf := pdf_link(alert.document):
        links.append(("PDF", pdf))
    return links


def _text_body(alert: Alert, field_limit: int, message_limit: int) -> str:
    out = []
    for label, value in _lines(alert):
        value = cut(defuse(value), field_limit)
        out.append(f"{label}: {value}" if label else value)
    body = "\n".join(out)
    links = "\n".join(f"{label}: {url}" for label, url in _links(alert))
    room = message_limit - len(links) - 1
    if len(body) > room:
        body = body[: room - len(TRUNCATED)] + TRUNCATED
    return f"{body}\n{links}" if links else body


def render_text(alert: Alert) -> Message:
    return Message(defuse(headline(alert)), _text_body(alert, TEXT_MESSAGE_LIMIT, TEXT_MESSAGE_LIMIT))


def render_slack(alert: Alert) -> Message:
    title = cut(defuse(headline(alert)), 300)
    return Message(title, _text_body(alert, SLACK_FIELD_LIMIT, SLACK_MESSAGE_LIMIT - len(title)))


def email_subject(alert: Alert) -> str:
    # A subject is one line: upstream newlines never reach a header.
    return cut(" ".join(defuse(headline(alert)).split()), 200)


def render_email(alert: Alert) -> Message:
    """Upstream strings escaped (no markup) and defused (a mail client links bare URLs as a chat does: the only
    links are the ones this module builds)."""
    esc = html.escape
    rows = []
    for label, value in _lines(alert):
        cell = f"<strong>{esc(label)}:</strong> " if label else ""
        rows.append(f"<p>{cell}{esc(defuse(value))}</p>")
    links = " · ".join(f'<a href="{esc(url)}">{esc(label)}</a>' for label, url in _links(alert))
    body = f"<h2>{esc(defuse(headline(alert)))}</h2>\n" + "\n".join(rows) + f"\n<p>{links}</p>"
    return Message(email_subject(alert), body, "html")


def webhook_payload(alert: Alert, alert_id: int | None = None) -> dict[str, Any]:
    doc = alert.document
    return {
        "schema": "fr-monitor.alert",
        "version": WEBHOOK_SCHEMA_VERSION,
        "alert_id": alert.key,
        "delivery_alert_id": alert_id,
        "event": alert.event,
        "source": doc.source,
        "watchlist": alert.watchlist,
        "document": {
            "number": doc.number,
            "title": doc.title,
            "type": doc.type,
            "action": doc.action,
            "abstract": doc.searched_text,  # as before: a page's region text, a CFR section's text
            "agencies": [{"name": a.name, "slug": a.slug} for a in doc.agencies],
            "publication_date": doc.publication_date.isoformat() if doc.publication_date else None,
            "effective_on": doc.effective_on.isoformat() if doc.effective_on else None,
            "comments_close_on": doc.comments_close_on.isoformat() if doc.comments_close_on else None,
            "citation": doc.citation or None,
            "cfr_references": list(doc.cfr_references),
            "regulation_id_numbers": list(doc.regulation_id_numbers),
            "docket_ids": list(doc.docket_ids),
            "filed_at": doc.filed_at,
            "filing_type": doc.filing_type or None,
        },
        "urls": {"html": document_link(doc), "pdf": pdf_link(doc)},
        "matched": [{"term": h.term, "field": h.field} for h in alert.match.hits],
        "snippet": alert.match.snippet,
        "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in alert.changes],
        "facts": [{"label": f.label, "value": f.value} for f in alert.facts],
        "urgent": alert.urgent,
    }


def render_webhook(alert: Alert, alert_id: int | None = None) -> Message:
    return Message(headline(alert), json.dumps(webhook_payload(alert, alert_id), ensure_ascii=False))


def render_alert(alert: Alert, channel: Channel = "text", alert_id: int | None = None) -> Message:
    if channel == "slack":
        return render_slack(alert)
    if channel == "email":
        return render_email(alert)
    if channel == "webhook":
        return render_webhook(alert, alert_id)
    return render_text(alert)


# -- digests ---------------------------------------------------------------------------------------------


def _grouped(alerts: Sequence[Alert]) -> dict[tuple[str, EventKind], list[Alert]]:
    groups: dict[tuple[str, EventKind], list[Alert]] = {}
    for alert in alerts:
        groups.setdefault((alert.watchlist, alert.event), []).append(alert)
    return dict(sorted(groups.items()))


def _digest_text_item(document: Document) -> str:
    """One line of a text or Slack digest: every upstream string defused as in a single alert, and the one link
    this module vouches for."""
    parts = (defuse(shown_number(document)), cut(defuse(document.title), 300), document_link(document))
    return " ".join(p for p in parts if p)


def _digest_email_item(document: Document) -> str:
    """One item of an e-mail digest: upstream strings escaped and defused (no client turns them into links); the
    only link is the one `document_link` vouches for."""
    esc = html.escape
    number, link = esc(defuse(shown_number(document))), document_link(document)
    label = f'<a href="{esc(link)}">{number or "link"}</a>' if link else number
    return " ".join(p for p in (label, esc(defuse(document.title))) if p)


def render_digest(
    alerts: Sequence[Alert], channel: Channel, period: str, sent: Collection[str] = frozenset()
) -> Message:
    """One message for a period's alerts, grouped by watchlist and event. `sent`: the keys of urgent alerts that
    went out at once, listed again here and marked as sent already."""
    title = f"fr-monitor {period} digest: {len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    groups = _grouped(alerts)
    if channel == "webhook":
        payload = {
            "schema": "fr-monitor.digest",
            "version": WEBHOOK_SCHEMA_VERSION,
            "period": period,
            "alerts": [{**webhook_payload(a), "sent_already": a.key in sent} for a in alerts],
        }
        return Message(title, json.dumps(payload, ensure_ascii=False))
    if channel == "email":
        esc = html.escape
        parts = [f"<h2>{esc(title)}</h2>"]
        for (watchlist, event), items in groups.items():
            parts.append(f"<h3>{esc(watchlist)} · {esc(EVENT_HEADINGS.get(event, event))} ({len(items)})</h3><ul>")
            parts += [
                f"<li>{_digest_email_item(a.document)}{f' <em>({SENT_AT_ONCE})</em>' if a.key in sent else ''}</li>"
                for a in items
            ]
            parts.append("</ul>")
        return Message(title, "\n".join(parts), "html")
    limit = SLACK_MESSAGE_LIMIT if channel == "slack" else TEXT_MESSAGE_LIMIT
    lines = []
    for (watchlist, event), items in groups.items():
        lines.append(f"{watchlist} · {EVENT_HEADINGS.get(event, event)} ({len(items)})")
        lines += [f"  {_digest_text_item(a.document)}" + (f" ({SENT_AT_ONCE})" if a.key in sent else "") for a in items]
    body = "\n".join(lines)
    if len(body) > limit:
        body = body[: limit - len(TRUNCATED)] + TRUNCATED
    return Message(title, body)
