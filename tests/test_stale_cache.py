"""Fresh through stale caches: an answer whose Age is older than the poll interval is asked for again past the
cache (a query parameter it has never seen), counted, and a list that stays stale is never read."""

from __future__ import annotations

import pytest

from monitor.app import App
from monitor.settings.loading import load_settings
from monitor.sources.http import parse_age, with_cache_buster
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, pi_document

PI_EXTRA = "[public_inspection]\nenabled = true\ninterval = '5m'\n"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("6000", 6000.0), (" 12 ", 12.0), ("0", 0.0), (None, None), ("", None), ("-3", None), ("soon", None)],
    ids=["seconds", "padded", "zero", "absent", "empty", "negative", "words"],
)
def test_parse_age(header: str | None, seconds: float | None) -> None:
    assert parse_age(header) == seconds


@pytest.mark.parametrize(
    ("url", "params", "expected_url", "expected_params"),
    [
        (
            "http://h/api/v1/documents.json",
            [("per_page", "2")],
            "http://h/api/v1/documents.json",
            [("per_page", "2"), ("_", "1700000000")],
        ),
        ("http://h/api/v1/documents?page=2", None, "http://h/api/v1/documents?page=2&_=1700000000", None),
        ("http://h/api/v1/current.json", None, "http://h/api/v1/current.json?_=1700000000", None),
    ],
    ids=["params", "query in the url", "no query"],
)
def test_cache_buster(url, params, expected_url, expected_params) -> None:
    assert with_cache_buster(url, params, 1_700_000_000.4) == (expected_url, expected_params)


def stale_count(app: App, source: str) -> float:
    return app.metrics.registry.get_sample_value("frmonitor_stale_responses_total", {"source": source}) or 0.0


async def poll_all(app: App) -> list[bool]:
    return [(await app.poll(source)).ok for source in app.sources]


async def test_a_new_document_alerts_through_a_stale_cache(
    fake_fr: FakeFederalRegister, receiver: Receiver, write_config
):
    config = write_config(fake_fr, receiver, extra=PI_EXTRA)
    fake_fr.cache.enabled = True
    app = App(load_settings(config))
    try:
        assert await poll_all(app) == [True, True]  # baseline; the cache now holds every URL
        fake_fr.add(ai_diffusion_rule())
        fake_fr.pi_documents = [
            pi_document("2026-40001", "Controls on Model Weights", "2026-11-25T08:45:00.000-05:00", "2026-11-27")
        ]
        assert await poll_all(app) == [True, True]
        await app.dispatcher.dispatch_due()
        stale = {s: stale_count(app, s) for s in ("federal_register", "public_inspection")}
    finally:
        await app.close()
    titles = sorted(b["title"] for b in receiver.received)
    assert len(titles) == 2
    assert any("Framework for Artificial Intelligence Diffusion" in t for t in titles)
    assert any("Controls on Model Weights" in t for t in titles)
    assert fake_fr.cache.hits >= 2
    assert stale["federal_register"] >= 1 and stale["public_inspection"] == 1
    # The fresh requests carried the cache buster; the first ones did not.
    assert any("_" in r for r in fake_fr.requests) and "_" not in fake_fr.requests[0]


async def test_a_list_that_stays_stale_fails_the_poll_and_changes_nothing(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, extra=PI_EXTRA)
    fake_fr.pi_documents = [
        pi_document("2026-40001", "Controls on Model Weights", "2026-11-25T08:45:00.000-05:00", "2026-11-27")
    ]
    app = App(load_settings(config))
    try:
        await poll_all(app)
        before = app.store.snapshots.load_snapshot_hashes("public_inspection", ["2026-40001"])
        # Now every answer comes with a great age, cache buster or not, and the list it carries is empty.
        fake_fr.pi_documents = []

        fake_fr.cache.always_old = True
        outcome = await app.poll(next(s for s in app.sources if s.name == "public_inspection"))
        after = app.store.snapshots.load_snapshot_hashes("public_inspection", ["2026-40001"])
        on_list = app.store.lifecycle.load_on_list()
    finally:
        await app.close()
    assert not outcome.ok and outcome.reason == "stale"
    assert "stay stale" in outcome.error
    assert after == before and "2026-40001" in on_list  # not read as a departure
    assert fake_fr.pi_fetches == []  # no withdrawal check was even started
