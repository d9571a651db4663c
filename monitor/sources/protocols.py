"""What a source is to the runner (`Source`: a name, an interval, a fetch), and what some sources also do, each
a protocol the runner (or the app) asks with isinstance: plan their own checks, ask conditionally, hold their
downloads to a budget, track departures, poll in parts, read watched documents again, follow links, complete
their items from elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from monitor.core.schedule import ByteBudget, Check
from monitor.models import Document
from monitor.sources.http import SourceError


class Source(Protocol):
    name: str
    interval: float

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        """Everything the source shows now; `last_success` (None before the first success) lets a source reach
        back over a downtime."""
        ...

    def next_interval(self, now: datetime) -> float:
        """Seconds until this source should be polled again."""
        ...


@runtime_checkable
class Scheduled(Protocol):
    """A source that plans its own checks and says why (filing hours, quiet, issue window)."""

    def next_check(self, now: datetime) -> Check: ...


@runtime_checkable
class Conditional(Protocol):
    """A source that asks conditionally: `unchanged` after a fetch that found everything as it was (a 304, or
    the same answer), so the poll stops there; `upstream_changed_at`, when upstream says it last changed."""

    unchanged: bool
    upstream_changed_at: float | None
    last_documents: list[Document]  # what the latest full read returned: what "unchanged" is the same as


@runtime_checkable
class Budgeted(Protocol):
    """A source whose full downloads a day are held to a budget (public inspection's ByteBudget): the app keeps
    what the day spent in the store, so a restart goes on from it instead of from zero."""

    budget: ByteBudget


@runtime_checkable
class DepartureTracking(Protocol):
    """A source whose items leave its list (public inspection): each departure is resolved, never assumed."""

    tracks_departures: bool

    async def fetch_published(self, numbers: Sequence[str]) -> set[str]: ...

    async def fetch_withdrawn(self, numbers: Sequence[str]) -> list[Document]: ...


@runtime_checkable
class PartwiseSource(Protocol):
    """A source polled in parts (the eCFR, part by part): a part that failed is listed, the others go on."""

    part_failures: list[tuple[str, SourceError]]


@runtime_checkable
class Rereading(Protocol):
    """A source whose alerted documents with a date ahead are read again by number once they left its window
    (the Federal Register: a comment period extended, an effective date delayed; monitor.core.deadlines)."""

    name: str

    async def fetch_numbers(self, numbers: Sequence[str]) -> tuple[list[Document], list[str]]:
        """(the documents found, the numbers not found); one request."""
        ...


@runtime_checkable
class LinkFollowing(Protocol):
    """A page source whose new entries are matched on the linked page's text too."""

    follow_links: bool

    async def fetch_linked_text(self, entry: Document) -> str | None: ...


@runtime_checkable
class Completing(Protocol):
    """A source whose new items are completed from elsewhere before they alert (feeds, from the documents API)."""

    async def complete(self, item: Document) -> Document | None:
        """The item completed; None when that cannot be done now."""
        ...
