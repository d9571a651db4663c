"""End to end in one process: fake Federal Register -> watchlists -> store -> Apprise -> local receiver."""

from __future__ import annotations

from monitor.app import App
from monitor.settings.loading import load_settings
from tests.kit.clock import Clock
from tests.kit.fakes import FakeFederalRegister, Receiver, ai_diffusion_rule, synthetic_document
from tests.kit.service import run_once


async def test_first_poll_is_a_silent_baseline(fake_fr: FakeFederalRegister, receiver: Receiver, write_config):
    fake_fr.add(ai_diffusion_rule())  # matches, but already existed when the monitor was installed
    app = await run_once(write_config(fake_fr, receiver))
    assert receiver.attempts == 0
    assert app.store.path.exists()
    # per_page=2 over 6 documents: three pages, followed through next_page_url on the fake's own host
    assert len(fake_fr.requests) == 3


async def test_new_matching_document_alerts_each_target_once(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver)
    await run_once(config)
    fake_fr.add(ai_diffusion_rule())
    await run_once(config)
    assert len(receiver.received) == 1
    body = receiver.received[0]
    assert "Framework for Artificial Intelligence Diffusion" in body["title"]
    assert "2025-00636" in body["message"]
    assert '"artificial intelligence" (title)' in body["message"]
    # polling again finds nothing new and sends nothing more
    await run_once(config)
    assert len(receiver.received) == 1


async def test_non_matching_document_alerts_nobody(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver)
    await run_once(config)
    fake_fr.add(synthetic_document("2026-20001", "Addition of Entities to the Entity List", abstract="Drones."))
    fake_fr.add(synthetic_document("2026-20002", "Artificial Insemination Standards for Cattle"))
    await run_once(config)
    assert receiver.attempts == 0


async def test_search_parameters(fake_fr, receiver, write_config):
    await run_once(write_config(fake_fr, receiver), Clock(1_795_000_000.0))  # 2026-11-18 08:26 UTC
    first = fake_fr.requests[0]
    assert first["order"] == ["newest"]
    assert first["per_page"] == ["2"]
    assert first["conditions[publication_date][gte]"] == ["2026-11-16"]
    assert first["conditions[publication_date][lte]"] == ["2026-11-18"]
    assert "document_number" in first["fields[]"] and "page_views" not in first["fields[]"]


async def test_eastern_dates_not_utc(fake_fr, receiver, write_config):
    # 2026-11-19 03:00 UTC is still 2026-11-18 in Washington
    await run_once(write_config(fake_fr, receiver), Clock(1_795_057_200.0))
    assert fake_fr.requests[0]["conditions[publication_date][lte]"] == ["2026-11-18"]


async def test_failing_receiver_gets_the_delivery_later_once(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, backoff_base="10m", backoff_max="1h")
    clock = Clock()
    await run_once(config, clock)
    fake_fr.add(ai_diffusion_rule())
    receiver.fail_with, receiver.fail_times = 500, 1
    app = await run_once(config, clock)
    assert receiver.attempts == 1 and receiver.received == []
    store_path = app.store.path

    clock.now += 60  # not due yet: backoff is about ten minutes
    await run_once(config, clock)
    assert receiver.attempts == 1

    clock.now += 3600
    await run_once(config, clock)
    assert len(receiver.received) == 1
    clock.now += 3600
    await run_once(config, clock)
    assert len(receiver.received) == 1
    assert store_path.exists()


async def test_permanent_rejection_is_dead_at_once(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver)
    await run_once(config)
    fake_fr.add(ai_diffusion_rule())
    receiver.fail_with, receiver.fail_times = 404, 5
    app = App(load_settings(config))
    try:
        await app.run_once()
        assert receiver.attempts == 1
        assert app.store.outbox.count_deliveries() == {"dead": 1}
    finally:
        await app.close()


async def test_retries_stop_at_max_attempts(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver, max_attempts=3)
    await run_once(config)
    fake_fr.add(ai_diffusion_rule())
    receiver.fail_with, receiver.fail_times = 503, 10
    app = App(load_settings(config))
    try:
        await app.run_once()  # backoff 0s: all three attempts happen now
        assert receiver.attempts == 3
        assert app.store.outbox.count_deliveries() == {"dead": 1}
        rows = app.store.outbox.load_recent_alerts(5)
        assert rows[0].deliveries[0].last_error == "receiver answered HTTP 503"
    finally:
        await app.close()


async def test_failed_poll_changes_nothing_stored(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver)
    await run_once(config)
    for mode in ("status:503", "malformed", "html", "truncated_page2", "status:400"):
        fake_fr.mode = mode
        app = App(load_settings(config))
        try:
            outcomes = await app.run_once()
            assert not outcomes[0].ok, mode
            assert outcomes[0].error.startswith("federal_register: "), outcomes[0].error
            status = app.store.load_source_status("federal_register")
            assert status is not None and status.consecutive_failures >= 1
        finally:
            await app.close()
    # after the outage, the same corpus plus a new document: exactly the new one alerts
    fake_fr.mode = "ok"
    fake_fr.add(ai_diffusion_rule())
    await run_once(config)
    assert len(receiver.received) == 1


async def test_zero_result_answer_is_a_successful_empty_poll(fake_fr, receiver, write_config):
    fake_fr.documents = []
    config = write_config(fake_fr, receiver)
    app = await run_once(config)
    store = App(load_settings(config)).store
    status = store.load_source_status("federal_register")
    assert status is not None and status.baseline_at is not None and status.consecutive_failures == 0
    store.close()
    assert app.store.path.exists()
    # the documents that arrive after an empty baseline are new: they alert
    fake_fr.add(ai_diffusion_rule())
    await run_once(config)
    assert len(receiver.received) == 1


async def test_updated_document_alerts_with_diff(fake_fr, receiver, write_config):
    config = write_config(fake_fr, receiver)
    await run_once(config)
    fake_fr.add(ai_diffusion_rule())
    await run_once(config)
    changed = ai_diffusion_rule()
    changed["comments_close_on"] = "2025-06-15"
    changed["page_views"] = {"count": 999}  # volatile: never a change on its own
    fake_fr.add(changed)
    await run_once(config)
    assert len(receiver.received) == 2
    assert "comments_close_on: 2025-05-15 → 2025-06-15" in receiver.received[1]["message"]
    volatile_only = dict(changed, page_views={"count": 1000})
    fake_fr.add(volatile_only)
    await run_once(config)
    assert len(receiver.received) == 2


async def test_watchlist_filters(fake_fr, receiver, write_config):
    extra = """
[[watchlists]]
name = "bis-rules-only"
query = "semiconductors"
agencies = ["industry-and-security-bureau"]
types = ["RULE"]
"""
    config = write_config(fake_fr, receiver, extra=extra)
    await run_once(config)
    fake_fr.add(synthetic_document("2026-30001", "Semiconductors export rule"))
    fake_fr.add(synthetic_document("2026-30002", "Semiconductors notice", type="Notice"))
    other = synthetic_document("2026-30003", "Semiconductors elsewhere")
    other["agencies"] = [{"raw_name": "X", "name": "Energy Department", "slug": "energy-department"}]
    fake_fr.add(other)
    await run_once(config)
    titles = [r["title"] for r in receiver.received]
    assert len(titles) == 1 and "Semiconductors export rule" in titles[0]
