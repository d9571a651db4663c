"""The eCFR: the text of the regulations themselves (the EAR is 15 CFR parts 730-774).

A poll asks only `titles.json` (one small request) and compares each watched part's title's `latest_amended_on`
with the date that part was last read. Only when that moved does it fetch the part's XML for the new date. Each
section becomes an item ("15 CFR 744.23"), so the usual diff against the stored snapshot finds the sections
added, amended or removed; the store keeps the previous text, which is what the alert's section diff compares
with.

Parts are polled and compared on their own: a part that fails (a 404, malformed XML) is a failed read of that
part only (listed in `part_failures`; its date is not recorded, so the next poll reads it again), and the
other parts still alert. Only when every part fails does the whole poll fail. A part's first successful read
is its silent baseline, like a source's.

XML is parsed with defusedxml: no entity expansion, no DTD tricks, nothing fetched from outside.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from monitor.core.identity import ecfr_part_item
from monitor.models import Document, ItemKind, Sources
from monitor.sources.http import HttpClient, ParseError, SourceError
from monitor.sources.known import StoredSnapshots

NAME = Sources.ECFR
_FR_CITATION = re.compile(r"\b\d{1,3} FR \d+(?:, [A-Z][a-z]{2}\.? \d{1,2}, \d{4})?")


def parse_part(part: str) -> tuple[int, str]:
    title, _, number = part.partition(":")
    if not title.isdigit() or not number.strip():
        raise ValueError(f"part {part!r} is not TITLE:PART, like '15:744'")
    return int(title), number.strip()


def _clean(text: str) -> str:
    return " ".join(text.split())


def parse_sections(body: bytes, title: int, part: str) -> list[Document]:
    """A part's XML -> one Document per section, numbered "15 CFR 744.23".

    The amendment date is not part of a section (it would make every section of a part look changed when any
    one was); the alert takes it from the title's state item polled alongside."""
    try:
        root = safe_xml.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ParseError(f"refused unsafe XML ({type(exc).__name__})") from None
    except safe_xml.ParseError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    sections = []
    for div in root.iter("DIV8"):
        number = div.get("N", "").strip()
        if div.get("TYPE") != "SECTION" or not number:
            continue
        head = div.find("HEAD")
        heading = _clean("".join(head.itertext())) if head is not None else number
        paragraphs = [_clean("".join(el.itertext())) for el in div if el.tag not in ("HEAD", "CITA", "SOURCE")]
        citation_notes = " ".join(_clean("".join(el.itertext())) for el in div if el.tag in ("CITA", "SOURCE"))
        citations = _FR_CITATION.findall(citation_notes)
        sections.append(
            Document(
                source=NAME,
                number=f"{title} CFR {number}",
                title=heading,
                type=ItemKind.CFR_SECTION,
                text="\n".join(p for p in paragraphs if p),
                cfr_references=(f"{title} CFR {part}",),
                citation=citations[-1] if citations else "",
                html_url=f"https://www.ecfr.gov/current/title-{title}/section-{number}",
            )
        )
    if not sections:
        raise ParseError(f"no sections found in {title} CFR part {part}")
    return sections


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class EcfrSource:
    name = NAME

    def __init__(
        self, base_url: str, parts: Sequence[str], interval: float, http: HttpClient, known: StoredSnapshots
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.parts = [parse_part(p) for p in parts]
        self.interval = interval
        self.http = http
        self.known = known
        self.part_failures: list[tuple[str, SourceError]] = []

    def next_interval(self, now: datetime) -> float:
        return self.interval

    async def _json(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        return await self.http.get_json(NAME, urljoin(self.base_url, path), params)

    async def fetch(self, now: datetime, last_success: datetime | None) -> list[Document]:
        data = await self._json("titles.json")
        titles = data.get("titles") if isinstance(data, dict) else None
        if not isinstance(titles, list):
            raise SourceError(f"{NAME}: unexpected answer from titles.json: no titles list", "malformed")
        by_number = {t.get("number"): t for t in titles if isinstance(t, dict)}
        documents: list[Document] = []
        self.part_failures = []
        for title, part in self.parts:
            info = by_number.get(title)
            if info is None:
                raise SourceError(f"{NAME}: title {title} is missing from titles.json", "malformed")
            amended = _date(info.get("latest_amended_on"))
            number = ecfr_part_item(title, part)
            state = Document(
                source=NAME,
                number=number,
                title=f"{title} CFR part {part}",
                type=ItemKind.CFR_PART_STATE,
                amended_on=amended,
            )
            stored = self.known.load_snapshot(NAME, number)
            if stored is not None and stored.amended_on == amended:
                documents.append(state)
                continue  # nothing amended since this part was last read: one request was enough
            as_of = amended or _date(info.get("up_to_date_as_of"))
            try:
                if as_of is None:
                    raise SourceError(f"{NAME}: title {title} has no amendment date", "malformed")
                sections = await self._fetch_part(title, part, as_of)
            except SourceError as exc:
                self.part_failures.append((f"{title} CFR part {part}", exc))
                continue  # its date is not recorded: the part is read again on the next poll
            documents += [state, *sections]
        if len(self.part_failures) == len(self.parts):
            raise self.part_failures[0][1]
        return documents

    async def _fetch_part(self, title: int, part: str, as_of: date) -> list[Document]:
        response = await self.http.fetch(
            NAME, urljoin(self.base_url, f"full/{as_of.isoformat()}/title-{title}.xml"), [("part", part)]
        )
        if response.status != 200:
            raise SourceError(
                f"{NAME}: unexpected status {response.status} for {title} CFR part {part}", f"http_{response.status}"
            )
        try:
            sections = parse_sections(response.body, title, part)
        except ParseError as exc:
            raise SourceError(f"{NAME}: {title} CFR part {part}: {exc}", "malformed") from None
        # A section that was stored but is gone from the new text was removed: say so, never drop it silently.
        present = {s.number for s in sections}
        prefix = f"{title} CFR {part}."
        removed = [
            Document(
                source=NAME,
                number=number,
                title=stored.title,
                type=ItemKind.REMOVED_CFR_SECTION,
                cfr_references=stored.cfr_references,
                html_url=stored.html_url,
            )
            for number, stored in self.known.load_snapshots_with_prefix(NAME, prefix).items()
            if number not in present and stored.kind == ItemKind.CFR_SECTION
        ]
        return sections + removed
