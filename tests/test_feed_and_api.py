"""One alert per fact, complete before alerting: a Federal Register document seen in a feed and in the API is one
arrival (published or corrected); a correction's arrival and the corrected document's `corrections` list are one
fact; a document first seen in a feed is completed from the API before it alerts, or, when the API cannot give
it, alerts after a few polls with what the feed has, saying so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from monitor.app import App
from monitor.core.identity import alert_key
from monitor.models import Document
from monitor.settings.loading import load_settings
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, offline, synthetic_document
from tests.kit.fixtures import serving

ITEM = """<item><title>{title}</title>
<link>https://www.federalregister.gov/documents/2025/01/29/{number}/x</link>
<description>{description}</description><pubDate>Wed, 29 Jan 2025 00:00:00 -0500</pubDate>
<guid>https://www.federalregister.gov/d/{number}</guid></item>"""


def rss(*items: tuple[str, str, str]) -> str:
    body = "".join(ITEM.format(number=n, title=t, description=d) for n, t, d in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Federal Register: BIS</title>'
        f"<link>https://www.federalregister.gov/</link><description>x</description>{body}</channel></rss>"
    )


class FakeFeed:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []
        self.server: TestServer | None = None

    async def handle(self, _: web.Request) -> web.Response:
        return web.Response(text=rss(*self.items), content_type="application/rss+xml")


@serving
async def feed() -> AsyncIterator[FakeFeed]:
    fake = FakeFeed()
    app = web.Application()
    app.router.add_get("/bis.rss", fake.handle)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


def write_config(tmp_path: Path, fr: FakeFederalRegister, feed: FakeFeed, receiver: Receiver) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        offline(
            f'data_dir = "{tmp_path / "data"}"\nallow_private_targets = true\n[web]\nenabled = false\n'
            f'[federal_register]\nbase_url = "{fr.base_url}"\nrequests_per_second = 100\n'
            f'[targets.hook]\nurl = "{receiver.url()}"\n'
            f'[[feeds]]\nname = "fr-bis"\nurl = "{feed.server.make_url("/bis.rss")}"\n'  # type: ignore[union-attr]
            "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\"'\n"
        )
    )
    return config


async def cycle(config: Path) -> None:
    app = App(load_settings(config))
    try:
        await app.run_once()
    finally:
        await app.close()


CORRECTION = "C1-2025-01234"


def correction() -> dict[str, object]:
    return synthetic_document(
        CORRECTION,
        "Export Administration Regulations; Revisions; Correction",
        abstract="This document corrects a cross-reference.",
        publication_date="2025-01-29",
        correction_of="https://www.federalregister.gov/api/v1/documents/2025-00636",
        regulation_id_numbers=["0694-AJ90"],
    )


@pytest.mark.parametrize(
    ("event", "source", "number", "same_as_published"),
    [
        ("corrected", "federal_register", CORRECTION, True),
        ("published", "feed:fr-bis", CORRECTION, True),
        ("corrected", "feed:fr-bis", CORRECTION, True),
        ("updated", "federal_register", "2025-00636", False),
        ("published", "feed:other", "https://example.gov/x", False),
    ],
    ids=["api correction", "feed item", "completed feed correction", "another event", "not an FR document"],
)
def test_an_arrival_has_one_key(event: str, source: str, number: str, same_as_published: bool) -> None:
    document = Document(source=source, number=number, title="t")
    api = Document(source="federal_register", number=CORRECTION, title="t")
    assert (alert_key(event, document, "ai") == alert_key("published", api, "ai")) is same_as_published  # type: ignore[arg-type]


async def test_a_correction_in_feed_and_api_alerts_once(fake_fr, feed, receiver, tmp_path):
    config = write_config(tmp_path, fake_fr, feed, receiver)
    await cycle(config)  # baseline of both
    fake_fr.add(ai_diffusion_rule())
    await cycle(config)
    assert [r["title"] for r in receiver.received] == [
        "[ai] Published: Framework for Artificial Intelligence Diffusion"
    ]
    # The correction reaches the feed and the API; the corrected document's `corrections` list grows.
    fake_fr.add(correction())
    original = ai_diffusion_rule()
    original["corrections"] = [f"https://www.federalregister.gov/api/v1/documents/{CORRECTION}"]
    fake_fr.add(original)
    feed.items = [(CORRECTION, "Export Administration Regulations; Revisions; Correction", "Corrects.")]
    await cycle(config)
    await cycle(config)
    titles = [r["title"] for r in receiver.received[1:]]
    assert titles == ["[ai] Correction: Export Administration Regulations; Revisions; Correction"]


async def test_a_document_first_seen_in_a_feed_alerts_complete(fake_fr, feed, receiver, tmp_path):
    config = write_config(tmp_path, fake_fr, feed, receiver)
    await cycle(config)
    # The feed has it before the documents search does; the API answers for it by number.
    rule = ai_diffusion_rule()
    fake_fr.documents.append(rule)
    fake_fr.filter_dates = True  # the search window (today) does not reach its 2025 date: only the feed sees it
    feed.items = [("2025-00636", "Framework for Artificial Intelligence Diffusion", "BIS revises the EAR.")]
    await cycle(config)
    (alert,) = receiver.received
    message = alert["message"]
    assert "Rule · Industry and Security Bureau · 2025-00636" in message
    assert "Comments close: 2025-05-15" in message and "Effective: 2025-01-13" in message
    # Its RIN is followed now: a later document under it alerts though its title says nothing of AI.
    fake_fr.filter_dates = False
    fake_fr.add(synthetic_document("2025-09999", "Rescission of EAR Revisions", regulation_id_numbers=["0694-AJ90"]))
    await cycle(config)
    assert receiver.received[-1]["title"] == "[ai] Published: Rescission of EAR Revisions"


async def test_when_the_api_cannot_complete_it_the_item_waits_then_alerts_thin(fake_fr, feed, receiver, tmp_path):
    config = write_config(tmp_path, fake_fr, feed, receiver)
    await cycle(config)
    feed.items = [("2025-00777", "Artificial Intelligence Notice", "About artificial intelligence.")]
    for _ in range(2):  # the API does not know it (404): it waits, across runs
        await cycle(config)
        assert receiver.received == []
    await cycle(config)
    (alert,) = receiver.received
    assert alert["title"] == "[ai] Published: Artificial Intelligence Notice"
    assert "only what the feed shows" in alert["message"]
    await cycle(config)
    assert len(receiver.received) == 1
