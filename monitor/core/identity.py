"""Identity: how documents, alerts and follows are named, defined once for every layer.

- A Federal Register document number: "2025-00636", or "C1-2025-01234" for a correction.
- An alert key: one event about one document for one watchlist, ever. A Federal Register document seen in a
  feed has the identity it has in the API, and its arrival (published or corrected) one key, so whichever
  source sees it first sends the one alert.
- Follow keys: "RIN 0694-AJ90", "docket BIS-2025-0001".
- The eCFR source keeps one bookkeeping item per watched part ("title-15-part-744": the amendment date the
  part was last read at); a section's alert finds its part's item for the amendment date.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from monitor.models import Sources

if TYPE_CHECKING:
    from monitor.models import Document, EventKind

# A number inside a URL: a federalregister.gov link ("/2025-00636/") or an API URL ("/2025-00636.json").
FR_NUMBER_IN_URL = re.compile(r"/((?:C\d-)?\d{4}-\d{4,6})(?:\.json)?(?:[/?#]|$)")

# A document's arrival is one fact, whatever a source makes of it: the API calls a correction document's arrival
# "corrected", a feed that cannot tell calls it "published". Both share the key of the arrival.
_ARRIVALS = frozenset({"published", "corrected"})


def number_in_url(url: str) -> str | None:
    found = FR_NUMBER_IN_URL.search(url)
    return found.group(1) if found else None


def corrected_number(document: Document) -> str | None:
    """The number of the document this one corrects, from `correction_of` (an API URL), if any."""
    return number_in_url(document.correction_of) if document.correction_of else None


def follow_keys(document: Document) -> list[str]:
    return [f"RIN {r}" for r in document.regulation_id_numbers] + [f"docket {d}" for d in document.docket_ids]


def alert_key(event: EventKind, document: Document, watchlist: str, version: str = "") -> str:
    source = document.source
    if Sources.is_feed(source) and document.fr_number:
        source = Sources.FEDERAL_REGISTER
    kind = "published" if event in _ARRIVALS else event
    return ":".join(p for p in (kind, source, document.number, watchlist, version) if p)


def ecfr_part_item(title: int, part: str) -> str:
    """The bookkeeping item of one watched CFR part: "title-15-part-744"."""
    return f"title-{title}-part-{part}"


def ecfr_part_item_of_section(section: str) -> str:
    """The bookkeeping item of the part a section ("15 CFR 744.23") belongs to."""
    title, _, number = section.partition(" CFR ")
    return ecfr_part_item(int(title), number.split(".", 1)[0])
