"""A fake Federal Register and alert receiver in their own process, for benchmarks that time the service.

    python bench/fake_upstream.py PORT_FILE [DOCUMENTS]

Serves documents.json (DOCUMENTS routine documents), POST /control/add to add a matching document, and a
receiver at POST /hook/... that records when each alert arrived (GET /control/received).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.kit.fakes import FakeFederalRegister, synthetic_document  # noqa: E402


async def main() -> None:
    port_file = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    fake = FakeFederalRegister(
        documents=[synthetic_document(f"2026-1{i:04d}", f"Sunshine Act Meetings {i}") for i in range(count)]
    )
    received: list[dict[str, object]] = []

    async def add(request: web.Request) -> web.Response:
        number = (await request.json())["number"]
        fake.add(synthetic_document(number, f"Artificial Intelligence rule {number}"))
        return web.json_response({"ok": True})

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        # Apprise's json:// posts {"title": ...}; our webhook:// posts {"document": {"title": ...}, ...}.
        title = body.get("title") or body.get("document", {}).get("title", "")
        received.append({"at": time.time(), "title": title})
        return web.Response(text="ok")

    async def list_received(_: web.Request) -> web.Response:
        return web.json_response(received)

    app = web.Application()
    app.router.add_get("/api/v1/documents.json", fake.handle)
    app.router.add_get("/api/v1/documents", fake.handle)
    app.router.add_post("/control/add", add)
    app.router.add_get("/control/received", list_received)
    app.router.add_post("/hook/{tail:.*}", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    port_file.write_text(json.dumps({"port": port}))  # noqa: ASYNC240 - once, at start
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
