"""The alerts that arrive after a full-text outage (issue 19's trial): 16 real presidential documents without an
abstract (11 AI-related: five say AI in the title, six only in the text; five not), their real full texts, and a
local Federal Register on which every full-text request answers 503 during one poll; then two good polls.

    python bench/full_text_outage.py
    PYTHONPATH=<a checkout of older code> python bench/full_text_outage.py   # the same trial, older code

Each poll is a `run --once` (monitor.service.run_service: a fresh App, store and HTTP client each time, as cron
would run it), with the built-in watchlist and a json:// target on a local receiver. Prints, for each run, its
exit code and the AI-related orders alerted so far, then how many of the 11 alerted (want: all) and how many
alerted more than once (want: none). Documents and texts come from tests/fixtures/relevance (the shared
fixtures' dev half).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: an older checkout given there is the code measured

from monitor.service import run_service  # noqa: E402
from monitor.settings.loading import load_settings  # noqa: E402

RELEVANCE = ROOT / "tests" / "fixtures" / "relevance"


def presidential_documents() -> tuple[list[dict[str, Any]], dict[str, str], set[str]]:
    """The issue's trial: 16 real presidential documents without an abstract, 11 of them AI-related (five name
    AI in the title, six only in the text), five not; their real full texts. (records, texts, AI numbers). The
    tests take the same documents from here."""
    corpus = json.loads((RELEVANCE / "dev_corpus.json").read_text())
    labels = json.loads((RELEVANCE / "dev_labels.json").read_text())
    texts = {p.stem: p.read_text() for p in (RELEVANCE / "full_text").glob("*.txt")}
    orders = sorted((r for r in corpus if r.get("type") == "Presidential Document"), key=lambda r: r["document_number"])
    ai = [r for r in orders if labels[r["document_number"]]["ai"]]
    other = [
        r
        for r in orders
        if labels[r["document_number"]]["case"] == "executive order, not AI (random)" and r["document_number"] in texts
    ][:5]
    records = ai + other
    return (
        records,
        {n: texts[n] for r in records if (n := r["document_number"]) in texts},
        {r["document_number"] for r in ai},
    )


async def main() -> None:
    records, texts, ai = presidential_documents()
    state: dict[str, Any] = {"documents": [], "full_text": 200, "received": []}

    async def documents(_: web.Request) -> web.Response:
        if not state["documents"]:
            return web.json_response({"description": "none", "count": 0})
        return web.json_response({"count": len(state["documents"]), "results": state["documents"]})

    async def full_text(request: web.Request) -> web.Response:
        number = request.match_info["tail"].rsplit("/", 1)[-1].removesuffix(".txt")
        if state["full_text"] != 200:
            return web.Response(status=state["full_text"], text="unavailable")
        if number not in texts:
            return web.Response(status=404, text="not found")
        return web.Response(text=texts[number], content_type="text/plain")

    async def hook(request: web.Request) -> web.Response:
        state["received"].append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/api/v1/documents.json", documents)
    app.router.add_get("/api/v1/documents", documents)
    app.router.add_get("/documents/full_text/text/{tail:.*}", full_text)
    app.router.add_post("/hook/{path:.*}", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "monitor.toml"
            config.write_text(  # the Federal Register only: the built-in BIS pages and the eCFR stay off
                f'pages = []\ndata_dir = "{Path(folder) / "data"}"\nallow_private_targets = true\n'
                "[web]\nenabled = false\n[ecfr]\nenabled = false\n"
                f'[federal_register]\nbase_url = "{base}/api/v1/"\nrequests_per_second = 100\n'
                "full_text_requests_per_second = 100\nper_page = 100\n[public_inspection]\nenabled = false\n"
                f'[targets.team]\nurl = "json://127.0.0.1:{port}/hook/team"\n'
            )

            def alerted() -> list[str]:
                return [
                    n
                    for body in state["received"]
                    if not str(body.get("title", "")).startswith("fr-monitor:")
                    for n in sorted(ai)
                    if n in str(body.get("message", ""))
                ]

            async def run(label: str) -> None:
                with contextlib.redirect_stderr(io.StringIO()):
                    code = await run_service(load_settings(config), once=True)
                print(f"{label:<44} exit {code}  AI orders alerted so far: {len(set(alerted()))} of {len(ai)}")

            await run("run 1: baseline (nothing published yet)")
            state["documents"], state["full_text"] = records, 503
            await run("run 2: 16 orders, every full text 503")
            state["full_text"] = 200
            await run("run 3: good")
            await run("run 4: good")
            every = alerted()
            twice = sorted({n for n in every if every.count(n) > 1})
            print(f"\nalerts after a full-text outage: {len(set(every))} of {len(ai)} AI-related orders (want: all)")
            print(f"missed: {sorted(ai - set(every)) or 'none'}; alerted more than once: {twice or 'none'}")
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
