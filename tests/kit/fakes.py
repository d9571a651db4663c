"""In-process fakes on 127.0.0.1: a Federal Register API and an alert receiver (Apprise json:// target)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

BIS = {
    "raw_name": "DEPARTMENT OF COMMERCE",
    "name": "Industry and Security Bureau",
    "id": 241,
    "url": "https://www.federalregister.gov/agencies/industry-and-security-bureau",
    "json_url": "https://www.federalregister.gov/api/v1/agencies/241",
    "parent_id": 54,
    "slug": "industry-and-security-bureau",
}


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / "federal_register" / name).read_text())


def fixture_documents() -> list[dict[str, Any]]:
    """The real captured search results and single document, as the fake's starting corpus."""
    docs = load_fixture("search_newest_page1.json")["results"] + load_fixture("search_newest_page2.json")["results"]
    docs.append(load_fixture("document_2024-31396.json"))
    return docs


def synthetic_document(number: str, title: str, **fields: Any) -> dict[str, Any]:
    """A synthetic Federal Register result in the API's shape (not a capture; built from SOURCES.md)."""
    year, _, _ = number.partition("-")
    doc: dict[str, Any] = {
        "document_number": number,
        "title": title,
        "type": "Rule",
        "action": "Final rule.",
        "abstract": "",
        "dates": "",
        "effective_on": None,
        "comments_close_on": None,
        "publication_date": f"{year}-12-31" if year.isdigit() else "2026-11-25",
        "agencies": [BIS],
        "cfr_references": [{"title": 15, "part": "744", "chapter": "VII", "citation_url": None}],
        "regulation_id_numbers": [],
        "docket_ids": [],
        "citation": "",
        "significant": None,
        "correction_of": None,
        "corrections": [],
        "html_url": f"https://www.federalregister.gov/documents/{number}",
        "pdf_url": f"https://www.govinfo.gov/content/pkg/{number}.pdf",
        "raw_text_url": "",
        "page_views": {"count": 1, "last_updated": "2026-11-25 10:00:00 -0500"},
    }
    doc.update(fields)
    return doc


def ai_diffusion_rule() -> dict[str, Any]:
    """2025-00636, reconstructed from the public facts in SOURCES.md (synthetic: not a capture)."""
    return synthetic_document(
        "2025-00636",
        "Framework for Artificial Intelligence Diffusion",
        action="Interim final rule; request for comments.",
        abstract=(
            "The Bureau of Industry and Security revises the Export Administration Regulations to control "
            "advanced computing integrated circuits and the model weights of certain closed artificial "
            "intelligence models."
        ),
        publication_date="2025-01-15",
        effective_on="2025-01-13",
        comments_close_on="2025-05-15",
        regulation_id_numbers=["0694-AJ90"],
        citation="90 FR 4544",
        significant=True,
    )


def pi_document(number: str, title: str, filed_at: str, publication_date: str, **fields: Any) -> dict[str, Any]:
    """A public inspection document in the API's current.json shape (synthetic unless said otherwise)."""
    doc: dict[str, Any] = {
        "agencies": [BIS],
        "agency_letters": [],
        "agency_names": ["Industry and Security Bureau"],
        "docket_numbers": [],
        "document_number": number,
        "editorial_note": None,
        "filed_at": filed_at,
        "filing_type": "special",
        "html_url": f"https://www.federalregister.gov/public-inspection/{number}/x",
        "last_public_inspection_issue": publication_date,
        "num_pages": 168,
        "page_views": {"count": 5, "last_updated": "2025-01-13 10:15:06 -0500"},
        "pdf_file_name": f"{number}_PI.pdf",
        "pdf_file_size": 1234567,
        "pdf_updated_at": filed_at,
        "pdf_url": f"https://public-inspection.federalregister.gov/{number}.pdf",
        "publication_date": publication_date,
        "raw_text_url": "",
        "subject_1": title,
        "title": title + " ",
        "toc_doc": title,
        "toc_subject": "",
        "type": "Rule",
    }
    doc.update(fields)
    return doc


@dataclass
class SharedCache:
    """A cache in front of the fake, as one was seen in front of the real API: it keys on the URL alone, ignores
    every request header, and answers a URL it has seen with its old copy and an `Age` of `age` seconds."""

    enabled: bool = False
    age: int = 6000
    copies: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)
    hits: int = 0
    always_old: bool = False  # every answer says it is `age` old, whatever its URL (a cache no buster gets past)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.always_old:
            response = await handler(request)
            response.headers["Age"] = str(self.age)
            return response
        if not self.enabled or request.method != "GET":
            return await handler(request)
        key = request.path_qs
        if key in self.copies:
            self.hits += 1
            status, body, content_type = self.copies[key]
            return web.Response(status=status, body=body, content_type=content_type, headers={"Age": str(self.age)})
        response = await handler(request)
        if isinstance(response, web.Response) and response.status == 200 and response.body is not None:
            self.copies[key] = (response.status, bytes(response.body), response.content_type)  # type: ignore[arg-type]
        return response


@dataclass
class FakeFederalRegister:
    """Serves documents.json like the real API: newest first, `per_page` pages chained by next_page_url."""

    documents: list[dict[str, Any]] = field(default_factory=fixture_documents)
    mode: str = "ok"  # ok | status:NNN | malformed | html | zero | truncated_page2
    filter_dates: bool = False  # honour the publication date window (backfill tests)
    window_limit: int | None = None  # report a window holding more than this as the API's capped 10,000
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    server: TestServer | None = None
    # Public inspection: today's list, and what a direct fetch of one document answers.
    pi_documents: list[dict[str, Any]] = field(default_factory=list)
    pi_archive: dict[str, dict[str, Any]] = field(default_factory=dict)
    pi_mode: str = "ok"  # ok | status:NNN | empty | half | malformed
    pi_fetches: list[str] = field(default_factory=list)  # one entry a request: the number(s) asked for
    pi_etag: bool = False  # answer current.json with an ETag, and 304 to a matching If-None-Match
    pi_updated_at: tuple[str, str] = ("2026-11-25T08:45:00.000-05:00", "2026-11-25T16:15:00.000-05:00")
    pi_answers: list[int] = field(default_factory=list)  # the status of each current.json answer
    pi_before: Callable[[], None] | None = None  # called before each current.json answer (a list that moves)
    number_fetches: list[str] = field(default_factory=list)  # documents/{numbers}.json, one entry a request
    by_number_mode: str = "ok"  # ok | status:NNN: how documents/{numbers}.json answers
    # Full text: number -> raw text, and when each download happened (loop time).
    full_texts: dict[str, str] = field(default_factory=dict)
    full_text_fetches: list[tuple[str, float]] = field(default_factory=list)
    full_text_mode: str = "ok"  # ok | status:NNN (every full-text download answers NNN)
    cache: SharedCache = field(default_factory=SharedCache)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/v1/"))

    def add(self, doc: dict[str, Any]) -> None:
        self.documents = [d for d in self.documents if d["document_number"] != doc["document_number"]] + [doc]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        self.requests.append(query)
        if self.mode.startswith("status:"):
            code = int(self.mode.split(":")[1])
            return web.json_response({"status": code, "message": "fake failure"}, status=code)
        if self.mode == "malformed":
            return web.Response(text='{"count": 3, "results": [', content_type="application/json")
        if self.mode == "html":
            return web.Response(text="<html><body>Down for maintenance</body></html>", content_type="text/html")
        ordered = sorted(self.documents, key=lambda d: (d["publication_date"], d["document_number"]), reverse=True)
        if day := request.query.get("conditions[publication_date][is]"):
            ordered = [d for d in ordered if d["publication_date"] == day]
        if agencies := request.query.getall("conditions[agencies][]", []):  # the server-side agency filter
            ordered = [d for d in ordered if {a.get("slug") for a in d["agencies"]} & set(agencies)]
        if self.filter_dates:
            since = request.query.get("conditions[publication_date][gte]", "0000")
            until = request.query.get("conditions[publication_date][lte]", "9999")
            ordered = [d for d in ordered if since <= d["publication_date"] <= until]
        if self.mode == "zero" or not ordered:
            return web.json_response({"description": "Documents matching nothing", "count": 0})
        per_page = int(request.query.get("per_page", "20"))
        page = int(request.query.get("page", "1"))
        if page > 1 and self.mode == "truncated_page2":
            return web.Response(text='{"results": [{"document_number"', content_type="application/json")
        count = len(ordered)
        if self.window_limit is not None and count > self.window_limit:
            count = 10_000  # as the real API reports a window it will not page through
        chunk = ordered[(page - 1) * per_page : page * per_page]
        body: dict[str, Any] = {"description": "fake", "count": count, "results": chunk}
        if page * per_page < len(ordered):
            # Like the real API: an absolute URL on the API's own host, path without .json, format=json,
            # the same conditions, the next page.
            query = [(k, v) for k, v in request.query.items() if k not in ("page", "format")]
            query += [("format", "json"), ("page", str(page + 1))]
            body["next_page_url"] = "https://www.federalregister.gov/api/v1/documents?" + urlencode(query)
        return web.json_response(body)

    @staticmethod
    def by_numbers(numbers: str, lookup: Any) -> web.Response:
        """documents/{n}.json answers the document or 404; documents/{n1},{n2}.json answers a list, with the
        numbers it does not have under errors.not_found (as the real API does)."""
        wanted = numbers.split(",")
        found = {n: doc for n in wanted if (doc := lookup(n)) is not None}
        if len(wanted) > 1:
            missing = [n for n in wanted if n not in found]
            body: dict[str, Any] = {"count": len(found), "results": list(found.values())}
            if missing:
                body["errors"] = {"not_found": missing}
            return web.json_response(body)
        if not found:
            return web.json_response({"status": 404, "message": "Record Not Found"}, status=404)
        return web.json_response(found[wanted[0]])

    async def handle_one(self, request: web.Request) -> web.Response:
        self.number_fetches.append(request.match_info["number"])
        if self.by_number_mode.startswith("status:"):
            code = int(self.by_number_mode.split(":")[1])
            return web.json_response({"status": code, "message": "fake failure"}, status=code)
        return self.by_numbers(
            request.match_info["number"],
            lambda number: next((d for d in self.documents if d["document_number"] == number), None),
        )

    async def handle_pi_current(self, request: web.Request) -> web.Response:
        if self.pi_before is not None:
            self.pi_before()
        if self.pi_mode.startswith("status:"):
            code = int(self.pi_mode.split(":")[1])
            return web.json_response({"status": code, "message": "fake failure"}, status=code)
        if self.pi_mode == "malformed":
            return web.Response(text='{"count": 2, "results": [{"docu', content_type="application/json")
        if self.pi_mode == "empty":
            return web.json_response({"count": 0, "results": []})
        results = self.pi_documents
        count = len(results)
        if self.pi_mode == "half":
            results = results[: len(results) // 2]
        body = {
            "count": count,
            "results": results,
            "special_filings_updated_at": self.pi_updated_at[1],
            "regular_filings_updated_at": self.pi_updated_at[0],
        }
        if not self.pi_etag:
            self.pi_answers.append(200)
            return web.json_response(body)
        text = json.dumps(body)
        etag = 'W/"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.pi_answers.append(304)
            return web.Response(status=304, headers={"ETag": etag})
        self.pi_answers.append(200)
        return web.Response(text=text, content_type="application/json", headers={"ETag": etag})

    async def handle_pi_one(self, request: web.Request) -> web.Response:
        self.pi_fetches.append(request.match_info["number"])
        return self.by_numbers(
            request.match_info["number"],
            lambda number: (
                self.pi_archive.get(number)
                or next((d for d in self.pi_documents if d["document_number"] == number), None)
            ),
        )

    async def handle_full_text(self, request: web.Request) -> web.Response:
        import asyncio

        number = request.match_info["tail"].rsplit("/", 1)[-1].removesuffix(".txt")
        self.full_text_fetches.append((number, asyncio.get_running_loop().time()))
        if self.full_text_mode.startswith("status:"):
            return web.Response(status=int(self.full_text_mode.split(":")[1]), text="fake failure")
        if number not in self.full_texts:
            return web.Response(status=404, text="not found")
        return web.Response(text=self.full_texts[number], content_type="text/plain")

    async def start(self) -> FakeFederalRegister:
        app = web.Application(middlewares=[self.cache.middleware])
        app.router.add_get("/documents/full_text/text/{tail:.*}", self.handle_full_text)
        app.router.add_get("/api/v1/documents.json", self.handle)
        app.router.add_get("/api/v1/documents", self.handle)
        app.router.add_get("/api/v1/documents/{number}.json", self.handle_one)
        app.router.add_get("/api/v1/public-inspection-documents/current.json", self.handle_pi_current)
        app.router.add_get("/api/v1/public-inspection-documents/{number}.json", self.handle_pi_one)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


@dataclass
class Receiver:
    """A webhook receiver: records every JSON body it accepts; answers `fail_with` for the next N requests."""

    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    fail_with: int = 0
    fail_times: int = 0
    server: TestServer | None = None
    # Scripted answers, used first: (status, headers); and a delay before answering, in seconds.
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    raw: list[bytes] = field(default_factory=list)

    def url(self, path: str = "hook") -> str:
        assert self.server is not None
        return f"json://127.0.0.1:{self.server.port}/{path}"

    async def wait_for(self, count: int = 1, seconds: float = 10.0) -> None:
        """Until `count` alerts were received, or `seconds` passed (the caller asserts what it expects)."""
        import asyncio

        for _ in range(int(seconds / 0.02)):
            if len(self.received) >= count:
                return
            await asyncio.sleep(0.02)

    async def handle(self, request: web.Request) -> web.Response:
        import asyncio

        self.attempts += 1
        raw = await request.read()
        self.raw.append(raw)
        body = json.loads(raw)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.script:
            status, headers = self.script.pop(0)
            if 200 <= status < 300:
                self.received.append(body)
            return web.Response(status=status, headers=headers, text="scripted")
        if self.fail_times > 0:
            self.fail_times -= 1
            return web.Response(status=self.fail_with, text="failing on purpose")
        self.received.append(body)
        return web.Response(text="ok")

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{path:.*}", self.handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()


ROOT = Path(__file__).resolve().parent.parent.parent


async def start_service(*args: str, stdout: Any = None, stderr: Any = None, env: dict[str, str] | None = None) -> Any:
    """`python -m monitor ARGS` as its own process, with none of this environment's MONITOR_ or test-hook
    variables leaking into it (`env` adds the ones a test means). Returns the asyncio subprocess."""
    import asyncio
    import os
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "FR_MONITOR_"))}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitor",
        *args,
        cwd=ROOT,
        env={**environment, **(env or {})},
        stdout=asyncio.subprocess.DEVNULL if stdout is None else stdout,
        stderr=asyncio.subprocess.DEVNULL if stderr is None else stderr,
    )


def offline(config: str) -> str:
    """A test config that reaches only the fakes it names: the built-in BIS pages, public inspection and eCFR
    defaults are turned off unless the config sets them itself."""
    if "[[pages]]" not in config and "\npages =" not in f"\n{config}":
        config = "pages = []\n" + config
    for section in ("public_inspection", "ecfr"):
        if f"[{section}]" not in config:
            config = config.rstrip("\n") + f"\n[{section}]\nenabled = false\n"
    return config
