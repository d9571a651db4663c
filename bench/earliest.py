"""Benchmark: first to know. From a filing being listed on public inspection (or the daily issue going out) to
its alert reaching a local receiver, and what the schedule spends on the way.

    python bench/earliest.py [--label after]
    PYTHONPATH=<a checkout of older code> python bench/earliest.py --label before   # the same day, older code

(The older code must have tests/kit/, which this bench takes its receiver and fake clock from; the "before"
figures in the README were taken from d5b9685, the code before issue 21, with this bench as it was then, importing
tests.fakes.)

A local Federal Register (127.0.0.1) serves one business day, Wednesday 2026-12-02 US Eastern, and the Saturday
after: public inspection's current.json with an ETag (304 to a matching If-None-Match) and its
`regular_filings_updated_at` / `special_filings_updated_at`; the list starts as yesterday's, rolls over to the
day's regular filings at about 08:45 and grows with special filings through the day until 18:00; the daily
issue (yesterday's filings) goes out at 06:00:27 on documents.json, which sends no ETag (as the real search).
Sizes are those of the real API: about 125 documents a day, 1.2 kB a public inspection entry, 1.7 kB a
published document with the fields the service asks for.

The service is the real App (sources, runner, store, dispatcher, a json:// target on a local receiver) with its
clock moved: each source is polled when the schedule says (monitor.service.next_check when the code has it,
else each source's next_interval, as the older poll loop did; no jitter, so both runs see the same day), and
what is due is delivered at once, as the running service's dispatcher does. The delay is from the minute a
filing was listed to the virtual time its alert reached the receiver. Bytes are counted at the fake server
(bodies and headers), requests by path. Goals (issue 21): filing -> target within 60 s median (at most 120 s)
in filing hours, a published document within 3 minutes of the daily issue, fewer bytes a day than before.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import heapq
import json
import random
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: an older checkout given there is the code measured

from bench import bench_config  # noqa: E402
from monitor.app import App  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402
from tests.kit.clock import Clock  # noqa: E402
from tests.kit.fakes import Receiver  # noqa: E402

ET = ZoneInfo("America/New_York")
DAY = date(2026, 12, 2)  # a Wednesday, a business day
SATURDAY = date(2026, 12, 5)
PER_DAY = 125
MATCHING = "Artificial Intelligence Model Weights"
SEED = 21


def et(day: date, hh: int, mm: int, ss: int = 0) -> float:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=ET).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, ET).isoformat(timespec="milliseconds")


def pi_entry(number: str, title: str, filed: float, publication: date, kind: str) -> dict[str, Any]:
    padding = "Industry and Security Bureau; Commerce Department; " * 4
    return {
        "agencies": [{"raw_name": "DEPARTMENT OF COMMERCE", "name": "Commerce Department", "slug": "commerce"}],
        "agency_names": ["Commerce Department"],
        "docket_numbers": [f"Docket No. {number}"],
        "document_number": number,
        "editorial_note": None,
        "filed_at": iso(filed),
        "filing_type": kind,
        "html_url": f"https://www.federalregister.gov/public-inspection/{number}/x",
        "num_pages": 12,
        "pdf_file_name": f"{number}.pdf",
        "pdf_file_size": 220000,
        "pdf_updated_at": iso(filed),
        "pdf_url": f"https://public-inspection.federalregister.gov/{number}.pdf",
        "publication_date": publication.isoformat(),
        "raw_text_url": f"https://www.federalregister.gov/public-inspection/{number}.txt",
        "subject_1": title,
        "title": title + " ",
        "toc_doc": title,
        "toc_subject": padding[: 600 - len(title)],
        "type": "Notice",
    }


def published(number: str, title: str, day: date) -> dict[str, Any]:
    return {
        "document_number": number,
        "title": title,
        "type": "Notice",
        "action": "Notice.",
        "abstract": ("This notice announces a routine action of the agency. " * 16)[:900],
        "dates": "Comments are due within 30 days.",
        "publication_date": day.isoformat(),
        "agencies": [{"name": "Commerce Department", "slug": "commerce", "raw_name": "DEPARTMENT OF COMMERCE"}],
        "cfr_references": [],
        "regulation_id_numbers": [],
        "docket_ids": [f"Docket No. {number}"],
        "citation": f"91 FR {int(number[-4:]) + 1000}",
        "significant": None,
        "correction_of": None,
        "corrections": [],
        "html_url": f"https://www.federalregister.gov/documents/{day:%Y/%m/%d}/{number}/x",
        "pdf_url": f"https://www.govinfo.gov/content/pkg/FR-{day}/pdf/{number}.pdf",
        "raw_text_url": f"https://www.federalregister.gov/documents/full_text/text/{day:%Y/%m/%d}/{number}.txt",
    }


@dataclass
class Filing:
    number: str
    title: str
    listed: float  # when it appears in current.json
    kind: str  # regular | special
    publication: date


def previous_business_day(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@dataclass
class Timeline:
    """What the Federal Register shows at any moment of the two days."""

    filings: list[Filing] = field(default_factory=list)  # the day's, in listing order
    yesterday: list[Filing] = field(default_factory=list)  # the list at midnight (published today at 06:00)
    issues: dict[date, list[dict[str, Any]]] = field(default_factory=dict)  # publication date -> documents
    issue_out: float = 0.0
    matching_published: list[tuple[str, str]] = field(default_factory=list)  # (number, title) in today's issue

    @classmethod
    def build(cls) -> Timeline:
        rng = random.Random(SEED)
        line = cls()
        prev, prev2 = previous_business_day(DAY), previous_business_day(previous_business_day(DAY))
        for n in range(PER_DAY):  # yesterday's filings: today's issue
            title = f"{MATCHING} Published {n}" if n in (17, 88) else f"Sunshine Act Meeting {prev} {n}"
            line.yesterday.append(Filing(f"2026-2{n:04d}", title, et(prev, 8, 45), "regular", DAY))
        line.issue_out = et(DAY, 6, 0, 27)
        line.issues[DAY] = [published(f.number, f.title, DAY) for f in line.yesterday]
        line.matching_published = [(f.number, f.title) for f in line.yesterday if MATCHING in f.title]
        later = [DAY + timedelta(days=1), DAY + timedelta(days=2)]  # Thursday and Friday, for the Saturday
        for back, day in ((1, prev), (2, prev2), (4, later[0]), (5, later[1])):
            line.issues[day] = [
                published(f"2026-{back}{n:04d}", f"Sunshine Act Meeting {day} {n}", day) for n in range(PER_DAY)
            ]
        tomorrow = DAY + timedelta(days=1)
        regular = et(DAY, 8, 45) + rng.uniform(0, 50)  # the import minute of the regular filings
        number = 0
        for n in range(100):
            number += 1
            title = f"{MATCHING} Regular {n}" if n in (5, 50, 95) else f"Agency Information Collection {n}"
            line.filings.append(Filing(f"2026-3{number:04d}", title, regular, "regular", tomorrow))
        for batch in range(12):  # special filings through the day, at the minutes they were imported
            when = et(DAY, 9, 0) + rng.uniform(0, 9 * 3600)
            for k in range(3):
                number += 1
                title = f"{MATCHING} Special {batch}" if k == 0 else f"Special Filing {batch}-{k}"
                line.filings.append(Filing(f"2026-3{number:04d}", title, when, "special", tomorrow))
        line.filings.sort(key=lambda f: f.listed)
        return line

    def current(self, now: float) -> dict[str, Any]:
        today = [f for f in self.filings if f.listed <= now]
        regular_out = any(f.kind == "regular" for f in today)
        shown = today if regular_out else self.yesterday
        regular = max((f.listed for f in shown if f.kind == "regular"), default=0.0)
        special = max((f.listed for f in shown if f.kind == "special"), default=regular)
        return {
            "count": len(shown),
            "results": [pi_entry(f.number, f.title, f.listed, f.publication, f.kind) for f in shown],
            "regular_filings_updated_at": iso(regular) if regular else None,
            "special_filings_updated_at": iso(special) if special else None,
        }

    def published_on(self, day: date, now: float) -> list[dict[str, Any]]:
        if now < (self.issue_out if day == DAY else et(day, 6, 0)):
            return []
        return self.issues.get(day, [])


@dataclass
class Upstream:
    """The local Federal Register: serves the timeline at the bench's virtual time and counts what it sends."""

    line: Timeline
    now: float = 0.0
    requests: dict[str, int] = field(default_factory=dict)
    bytes_sent: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    server: TestServer | None = None

    def _count(self, kind: str, response: web.Response) -> web.Response:
        headers = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 60  # and the date, status line
        self.requests[kind] = self.requests.get(kind, 0) + 1
        body = len(response.body) if isinstance(response.body, bytes) else 0
        self.bytes_sent[kind] = self.bytes_sent.get(kind, 0) + body + headers
        counts = self.statuses.setdefault(kind, {})
        counts[response.status] = counts.get(response.status, 0) + 1
        return response

    async def current(self, request: web.Request) -> web.Response:
        text = json.dumps(self.line.current(self.now))
        etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            return self._count("public_inspection", web.Response(status=304, headers={"ETag": etag}))
        response = web.Response(text=text, content_type="application/json", headers={"ETag": etag})
        return self._count("public_inspection", response)

    async def documents(self, request: web.Request) -> web.Response:
        q = request.query
        if day := q.get("conditions[publication_date][is]"):
            days = [date.fromisoformat(day)]
        else:
            since = date.fromisoformat(q.get("conditions[publication_date][gte]", "2026-01-01"))
            until = date.fromisoformat(q.get("conditions[publication_date][lte]", "2026-12-31"))
            days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
        found = [d for day in sorted(days, reverse=True) for d in self.line.published_on(day, self.now)]
        per_page = int(q.get("per_page", "20"))
        body: dict[str, Any] = {"description": "bench", "count": len(found)}
        if found:
            body["results"] = found[:per_page]
        kind = "documents (is it out?)" if "conditions[publication_date][is]" in q else "documents"
        return self._count(kind, web.json_response(body))

    async def one(self, request: web.Request) -> web.Response:
        return self._count(
            "single documents", web.json_response({"status": 404, "message": "Record Not Found"}, status=404)
        )

    async def start(self) -> Upstream:
        app = web.Application()
        app.router.add_get("/api/v1/public-inspection-documents/current.json", self.current)
        app.router.add_get("/api/v1/public-inspection-documents/{number}.json", self.one)
        app.router.add_get("/api/v1/documents.json", self.documents)
        app.router.add_get("/api/v1/documents/{number}.json", self.one)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/v1/"))


def planner() -> tuple[str, Any]:
    """How the code measured plans its next poll: next_check (this code) or each source's next_interval."""
    import monitor.service

    if hasattr(monitor.service, "next_check"):
        return "next_check", lambda source, now: monitor.service.next_check(source, now).delay
    return "next_interval", lambda source, now: source.next_interval(now)


async def run_days(folder: Path, days: list[tuple[date, int]]) -> dict[str, Any]:
    line = Timeline.build()
    upstream = await Upstream(line).start()
    receiver = await Receiver().start()
    config = bench_config(
        folder,
        "allow_private_targets = true\n"
        f'[federal_register]\nbase_url = "{upstream.base_url}"\nrequests_per_second = 1000\n'
        "[public_inspection]\nenabled = true\n[web]\nenabled = false\n"
        f'[targets.team]\nurl = "{receiver.url()}"\n'
        '[[watchlists]]\nname = "ai"\nquery = \'"artificial intelligence" | "model weights"\'\n',
    )
    clock = Clock(0.0)  # the HTTP layer's spacing passes on it too (this code), at once
    app = App(load_settings(config), clock=clock)
    name, plan = planner()
    results: dict[str, Any] = {"planner": name, "days": {}}
    try:
        for day, hours in days:
            start, end = et(day, 0, 0), et(day, 0, 0) + hours * 3600
            queue = [(start, n, source.name) for n, source in enumerate(app.sources)]
            sources = {s.name: s for s in app.sources}
            before_requests, before_bytes = dict(upstream.requests), dict(upstream.bytes_sent)
            delivered: dict[str, float] = {}
            polls = 0
            marks = [et(day, 8, 0), et(day, 18, 30)] if day.weekday() < 5 else []
            parts: list[tuple[int, int]] = []  # (requests, bytes) so far at each mark
            while queue and queue[0][0] < end:
                due, n, source_name = heapq.heappop(queue)
                while marks and due >= marks[0]:
                    marks.pop(0)
                    parts.append((sum(upstream.requests.values()), sum(upstream.bytes_sent.values())))
                clock.now = upstream.now = due
                source = sources[source_name]
                seen = len(receiver.received)
                await app.poll(source)
                polls += 1
                await app.dispatcher.dispatch_due()
                for body in receiver.received[seen:]:
                    delivered.setdefault(str(body.get("title", "")), due)
                heapq.heappush(queue, (due + plan(source, datetime.fromtimestamp(due, UTC)), n, source_name))
            parts.append((sum(upstream.requests.values()), sum(upstream.bytes_sent.values())))
            first = (sum(before_requests.values()), sum(before_bytes.values()))
            results["days"][day.isoformat()] = {
                "parts": [(b[0] - a[0], b[1] - a[1]) for a, b in zip([first, *parts], parts, strict=False)],
                "polls": polls,
                "delivered": delivered,
                "requests": {k: v - before_requests.get(k, 0) for k, v in upstream.requests.items()},
                "bytes": {k: v - before_bytes.get(k, 0) for k, v in upstream.bytes_sent.items()},
            }
        results["statuses"] = upstream.statuses
    finally:
        await app.close()
        await receiver.close()
        if upstream.server is not None:
            await upstream.server.close()
    results["line"] = line
    return results


def delays(line: Timeline, delivered: dict[str, float]) -> tuple[list[float], list[float], list[str]]:
    """(filing delays, published delays, what never arrived) in seconds."""
    filing, issue, missing = [], [], []
    for f in line.filings:
        if MATCHING not in f.title:
            continue
        arrived = next((t for title, t in delivered.items() if f.title in title), None)
        (filing.append(arrived - f.listed) if arrived is not None else missing.append(f.title))
    for _, title in line.matching_published:
        arrived = next((t for t2, t in delivered.items() if title in t2), None)
        (issue.append(arrived - line.issue_out) if arrived is not None else missing.append(title))
    return filing, issue, missing


def kb(n: float) -> str:
    return f"{n / 1024:,.0f} kB" if n < 10 * 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="this code")
    label = parser.parse_args().label
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(run_days(Path(tmp), [(DAY, 24), (SATURDAY, 24)]))
    line: Timeline = results["line"]
    print(f"{label}: polls planned by {results['planner']}")
    business = results["days"][DAY.isoformat()]
    filing, issue, missing = delays(line, business["delivered"])
    if filing:
        print(
            f"  public inspection filing -> receiver, {len(filing)} matching filings on {DAY} (filing hours): "
            f"median {statistics.median(filing):.0f} s, max {max(filing):.0f} s"
        )
    if issue:
        print(
            f"  daily issue out (06:00:27 ET) -> receiver, {len(issue)} matching documents: "
            f"median {statistics.median(issue):.0f} s, max {max(issue):.0f} s"
        )
    if missing:
        print(f"  never delivered: {', '.join(missing)}")
    for day, figures in results["days"].items():
        total_requests = sum(figures["requests"].values())
        total_bytes = sum(figures["bytes"].values())
        print(
            f"  {day} ({'business day' if day == DAY.isoformat() else 'Saturday'}): {figures['polls']} polls, "
            f"{total_requests} requests, {kb(total_bytes)}"
        )
        for kind in sorted(figures["requests"]):
            print(f"    {kind}: {figures['requests'][kind]} requests, {kb(figures['bytes'][kind])}")
        if len(figures["parts"]) == 3:
            spans = ("00:00-08:00", "filing hours 08:00-18:30", "18:30-24:00")
            text = "; ".join(
                f"{span} {r} requests, {kb(b)}" for span, (r, b) in zip(spans, figures["parts"], strict=True)
            )
            print(f"    by time of day: {text}")
    answers = results["statuses"].get("public_inspection", {})
    print(f"  public inspection answers over both days: {dict(sorted(answers.items()))}")


if __name__ == "__main__":
    main()
