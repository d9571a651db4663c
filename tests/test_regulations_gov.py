"""Regulations.gov: the real captured answer parses; comment periods opening, changing, closing and being
withdrawn alert; the API key never leaves the X-Api-Key header."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from aiohttp import web

from monitor.app import App
from monitor.settings.loading import ConfigError, load_settings
from monitor.sources.regulations_gov.source import parse_documents
from tests.kit.fakes import FIXTURES, offline

KEY = "CANARYKEY42"
PAGE = json.loads((FIXTURES / "regulations_gov" / "documents_page1.json").read_text())


def test_real_fixture_parses() -> None:
    documents, more = parse_documents(PAGE, "FDA")
    assert more is True and len(documents) == 5
    first = documents[0]
    assert first.number == "FDA-2026-P-10231-0005" and first.title == "Reference 5 (Ettleson)"
    assert first.docket_ids == ("FDA-2026-P-10231",) and first.agencies[0].name == "FDA"
    assert str(first.publication_date) == "2026-09-02"  # 04:00Z is midnight in Washington


def bis_document(**attributes: Any) -> dict[str, Any]:
    item = copy.deepcopy(PAGE["data"][0])
    item["id"] = "BIS-2025-0001-0001"
    item["attributes"].update(
        agencyId="BIS",
        docketId="BIS-2025-0001",
        title="Framework for Artificial Intelligence Diffusion",
        documentType="Rule",
        **attributes,
    )
    return item


async def test_comment_period_lifecycle(tmp_path, monkeypatch: pytest.MonkeyPatch, serve, receiver) -> None:
    state: dict[str, Any] = {"items": [], "keys": [], "urls": []}

    async def documents(request: web.Request) -> web.Response:
        state["keys"].append(request.headers.get("X-Api-Key"))
        state["urls"].append(str(request.url))
        return web.json_response({"data": state["items"], "meta": {"hasNextPage": False}})

    app = web.Application()
    app.router.add_get("/v4/documents", documents)
    server = await serve(app)
    monkeypatch.setenv("REGULATIONS_GOV_API_KEY", KEY)
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
            "[federal_register]\nenabled = false\n"
            f'[regulations_gov]\nenabled = true\nbase_url = "{server.make_url("/v4/")}"\n'
            f'[targets.hook]\nurl = "{receiver.url()}"\n'
            "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\n"
        )
    )

    async def cycle() -> None:
        service = App(load_settings(config))
        try:
            await service.run_once()
        finally:
            await service.close()

    await cycle()  # baseline (empty)
    state["items"] = [bis_document(openForComment=True, commentEndDate="2025-03-18T03:59:59Z")]
    await cycle()
    state["items"] = [bis_document(openForComment=True, commentEndDate="2025-05-16T03:59:59Z")]
    await cycle()
    state["items"] = [bis_document(openForComment=False, withdrawn=True, commentEndDate="2025-05-16T03:59:59Z")]
    await cycle()
    titles = [r["title"].split(":")[0] for r in receiver.received]
    assert titles == ["[ai] Published", "[ai] Updated", "[ai] Updated"]
    assert "Comments close: 2025-03-17" in receiver.received[0]["message"]
    assert "Changed comments_close_on: 2025-03-17 → 2025-05-15" in receiver.received[1]["message"]
    assert "Changed editorial_note: open for comment → withdrawn" in receiver.received[2]["message"]
    assert set(state["keys"]) == {KEY}
    assert all(KEY not in url for url in state["urls"])
    assert "filter%5BagencyId%5D=BIS" in state["urls"][0]
    db = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("fr-monitor.db*"))
    assert KEY.encode() not in db


def test_missing_key_is_a_config_error(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGULATIONS_GOV_API_KEY", raising=False)
    config = tmp_path / "c.toml"
    config.write_text("[regulations_gov]\nenabled = true\n")
    with pytest.raises(ConfigError, match="regulations_gov: set the API key"):
        load_settings(config)


async def test_catches_up_after_downtime_like_the_federal_register(
    tmp_path, monkeypatch: pytest.MonkeyPatch, serve, receiver
) -> None:
    """Down for ten days (more than lookback_days): the first poll after asks for every change since the day before
    its last success, so a comment period opened meanwhile still alerts; the reach stops at max_catch_up_days."""
    from datetime import UTC, datetime

    from monitor.core.clock import EASTERN

    state: dict[str, Any] = {"items": [], "since": []}

    async def documents(request: web.Request) -> web.Response:
        since = request.query["filter[lastModifiedDate][ge]"]  # US Eastern, as the real API reads it
        state["since"].append(since)

        def modified(item: dict[str, Any]) -> str:
            when = datetime.fromisoformat(item["attributes"]["lastModifiedDate"].replace("Z", "+00:00"))
            return when.astimezone(EASTERN).strftime("%Y-%m-%d %H:%M:%S")

        items = [i for i in state["items"] if modified(i) >= since]
        return web.json_response({"data": items, "meta": {"hasNextPage": False}})

    app = web.Application()
    app.router.add_get("/v4/documents", documents)
    server = await serve(app)
    monkeypatch.setenv("REGULATIONS_GOV_API_KEY", KEY)
    now = [datetime(2025, 1, 10, 17, 0, tzinfo=UTC).timestamp()]
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
            "[federal_register]\nenabled = false\n"
            f'[regulations_gov]\nenabled = true\nbase_url = "{server.make_url("/v4/")}"\n'
            "lookback_days = 3\nmax_catch_up_days = 30\n"
            f'[targets.hook]\nurl = "{receiver.url()}"\n'
            "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\n"
        )
    )

    async def poll_at(day: float) -> None:
        now[0] = datetime(2025, 1, 10, 17, 0, tzinfo=UTC).timestamp() + day * 86400
        service = App(load_settings(config), clock=lambda: now[0])
        try:
            await service.run_once()
        finally:
            await service.close()

    await poll_at(0)  # baseline (empty), Jan 10 12:00 ET
    opened = bis_document(openForComment=True, commentEndDate="2025-03-18T03:59:59Z")
    opened["attributes"]["lastModifiedDate"] = "2025-01-11T15:00:00Z"  # a day into the downtime
    state["items"] = [opened]
    await poll_at(10)  # Jan 20: lookback_days alone would ask from Jan 17 on
    assert state["since"][-1] == "2025-01-09 12:00:00"  # the day before the last success
    assert [r["title"].split(":")[0] for r in receiver.received] == ["[ai] Published"]
    await poll_at(100)  # down for 90 days: the reach stops at max_catch_up_days
    assert state["since"][-1] == "2025-03-21 13:00:00"  # 30 days back (EDT by then)
    await poll_at(101)  # up again: the usual window
    assert state["since"][-1] == "2025-04-18 13:00:00"  # lookback_days: 3 days back
